#!/usr/bin/python3
"""Differential test: random tables and random queries, run in Perch and in ClickHouse, compared.

  tests/clickhouse/start_clickhouse.sh
  /usr/bin/python3 tests/clickhouse/differential_test.py [--queries 1200] [--seed 1] [--oracle build-sql/sql_oracle]

Tables hold every supported column type (ints of all widths, floats, String, LowCardinality,
Date, DateTime, DateTime('Europe/Madrid'), Decimal(9, 2), Decimal(18, 4), Nullable) with skewed values, extremes and NULLs. The same TSV rows go to ClickHouse
(Memory tables over HTTP) and to Perch (the sql_oracle executable, which runs Perch's engine over a
sqllogic-format script). Queries come from a small grammar: filters, expressions, group-bys with
aggregates and HAVING, DISTINCT, subqueries, UNION ALL, joins, ORDER BY over every output column
(so LIMIT and LIMIT BY are deterministic), and the function families endpoints use: strings
(lower/upper[UTF8], substring[UTF8], concat, position, LIKE, startsWith/endsWith, replaceAll/One,
splitByChar, arrayStringConcat, reverse, formatDateTime), dates and times in UTC and in a named
zone (toStartOf*, toYYYYMM, toDayOfWeek, toRelative*Num, toISOWeek, add*/subtract*, + INTERVAL,
dateDiff), conditionals (if, multiIf, CASE, coalesce, ifNull, nullIf), arithmetic mixing signed,
unsigned and float (wrap-around, intDiv, %, division by zero), arrays (has, length, arrayJoin,
sorted groupArray/groupUniqArray), -If aggregates, count(DISTINCT), IN / NOT IN subqueries.
Results are compared as text (ClickHouse's TSV escaping undone as sqllogic_check.py does), floats
with a relative tolerance, rows order-insensitively when there is no ORDER BY. Queries ClickHouse
18.16 cannot run (toStartOfWeek, trim*, the -Distinct combinator...) are skipped and counted. The
generator avoids the places where 18.16 and current ClickHouse disagree (NULL in AND/OR/NOT/if
conditions, Date vs DateTime comparison, zero dates, formatDateTime's %M, a zoned DateTime against
a text literal, intDiv by -1, UInt64 % negative, least/greatest of UInt64 and a signed type, nullIf
inside uniqExact/count(DISTINCT)), since Perch follows current ClickHouse; each is recorded in
tests/sql/functions/differential_fixes.test or date_format.test. Ends with "N passed, N failed, N
skipped"; exit status 1 on any mismatch. About 10 s for the default 1,200 queries on 2 cores.
"""
import argparse
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from sqllogic_check import as_file_row  # ClickHouse's TSV escaping -> the one Perch's runner writes

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATABASE = "perch_differential"

INT_TYPES = {
    "Int8": (-128, 127), "Int16": (-32768, 32767), "Int32": (-2**31, 2**31 - 1), "Int64": (-2**63, 2**63 - 1),
    "UInt8": (0, 255), "UInt16": (0, 65535), "UInt32": (0, 2**32 - 1), "UInt64": (0, 2**64 - 1),
}
STRINGS = ["", "a", "b", "ab", "abc", "Hello", "hello world", "x_y%z", "éé", "zz", "a b", "B"]
TAGS = ["red", "green", "blue", "", "violet"]

# A DateTime in a zone with DST: its text is read and printed in Madrid's wall clock.
ZONED = "DateTime('Europe/Madrid')"

# Decimal128 storage, values past Int64: used only through wide_decimal_expr(), since 18.16
# crashes on groupArray of it and prints NUL bytes from toString (types/decimal128.test).
WIDE_DECIMAL = "Decimal(38, 10)"

# name -> type for the main table; `k` joins to the dimension table.
MAIN_COLUMNS = [
    ("i8", "Int8"), ("i16", "Int16"), ("i32", "Int32"), ("i64", "Int64"),
    ("u8", "UInt8"), ("u16", "UInt16"), ("u32", "UInt32"), ("u64", "UInt64"),
    ("f32", "Float32"), ("f64", "Float64"), ("s", "String"), ("lc", "LowCardinality(String)"),
    ("d", "Date"), ("dt", "DateTime"), ("dtz", ZONED), ("ni", "Nullable(Int32)"), ("ns", "Nullable(String)"),
    ("nf", "Nullable(Float64)"), ("k", "Int32"),
    ("dec", "Decimal(9, 2)"), ("dec64", "Decimal(18, 4)"), ("ndec", "Nullable(Decimal(9, 2))"),
    ("w", WIDE_DECIMAL),
]
MAIN_TYPES = dict(MAIN_COLUMNS)
DECIMAL_SCALES = {"Decimal(9, 2)": 2, "Decimal(18, 4)": 4}
DIM_COLUMNS = [("k", "Int32"), ("name", "String"), ("weight", "Int64"), ("nv", "Nullable(Int16)")]


def skewed_int(rng, type_name):
    low, high = INT_TYPES[type_name]
    roll = rng.random()
    if roll < 0.55:
        value = int(rng.paretovariate(1.2)) - 1
        value = value if low == 0 or rng.random() < 0.6 else -value
    elif roll < 0.75:
        value = rng.randint(max(low, -1000), min(high, 1000))
    elif roll < 0.85:
        value = rng.choice([low, high, low + 1, high - 1, 0])
    else:
        value = rng.randint(low, high)
    return max(low, min(high, value))


def value_text(rng, type_name):
    if type_name.startswith("Nullable("):
        if rng.random() < 0.25:
            return "\\N"
        return value_text(rng, type_name[9:-1])
    if type_name in INT_TYPES:
        return str(skewed_int(rng, type_name))
    if type_name in DECIMAL_SCALES:
        # Mostly small amounts (products of two still fit Decimal32's storage), some large ones.
        scale = DECIMAL_SCALES[type_name]
        units = rng.choice([0, 1, -1, 5, 50, 100, 12345]) if rng.random() < 0.3 else rng.randint(-10**6, 10**6)
        if rng.random() < 0.05:
            units = rng.choice([10**8, -10**8, 2 * 10**9 if scale == 4 else 10**8])
        sign = "-" if units < 0 else ""
        return "%s%d.%0*d" % (sign, abs(units) // 10**scale, scale, abs(units) % 10**scale)
    if type_name == WIDE_DECIMAL:
        digits = rng.choice([1, 3, 9, 12, 20, 27])  # up to 10^27 before the point: raw values past 2^64
        units = rng.randint(-10 ** (digits + 10), 10 ** (digits + 10)) if rng.random() < 0.9 else rng.choice([0, 1, -1])
        sign = "-" if units < 0 else ""
        return "%s%d.%010d" % (sign, abs(units) // 10**10, abs(units) % 10**10)
    if type_name == "Float32":
        return repr(rng.choice([0.0, -0.5, 1.5, 2.25, 100.125, 3.0]) if rng.random() < 0.5 else rng.randint(-8000, 8000) / 8)
    if type_name == "Float64":
        return repr(rng.choice([0.0, -0.5, 1.5, 2.25, 1e10, 3.0]) if rng.random() < 0.5 else rng.randint(-10**6, 10**6) / 1000)
    if type_name == "String":
        return STRINGS[min(int(rng.paretovariate(1.0)) - 1, len(STRINGS) - 1)] if rng.random() < 0.9 else "s%d" % rng.randint(0, 50)
    if type_name == "LowCardinality(String)":
        return rng.choice(TAGS)
    if type_name == "Date":
        return time.strftime("%Y-%m-%d", time.gmtime((18262 + int(rng.paretovariate(0.8)) % 1500) * 86400))
    if type_name == ZONED:
        # Wall-clock hours 04..23 only: the hours that do not exist (spring) or exist twice (autumn)
        # at a DST change are left out, since no text names one instant there.
        moment = time.gmtime(1577836800 + rng.randint(0, 400) * 86400 + rng.randint(4 * 3600, 86400 - 1))
        return time.strftime("%Y-%m-%d %H:%M:%S", moment)
    if type_name == "DateTime":
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(1577836800 + rng.randint(0, 400 * 86400) * (1 if rng.random() < 0.5 else 0)
                                                              + rng.randint(0, 86400 * 3)))
    raise ValueError(type_name)


def make_rows(rng, columns, count):
    rows = []
    for _ in range(count):
        cells = []
        for name, type_name in columns:
            if name == "k":
                cells.append(str(rng.randint(-2, 12)))
            else:
                cells.append(value_text(rng, type_name))
        rows.append("\t".join(cells))
    return rows


class QueryGenerator:
    """Random SELECTs over `m` (main) and `dim`. Every expression knows its kind: num, int, str, date, bool."""

    def __init__(self, rng):
        self.rng = rng
        self.columns = {name: type_name for name, type_name in MAIN_COLUMNS}

    def pick(self, *options):
        return self.rng.choice(options)

    def column(self, kind, nullable_ok=True):
        rng = self.rng
        candidates = []
        for name, type_name in MAIN_COLUMNS:
            nullable = type_name.startswith("Nullable")
            base = type_name[9:-1] if nullable else type_name
            if nullable and not nullable_ok:
                continue
            if kind == "int" and base in INT_TYPES:
                candidates.append(name)
            elif kind == "num" and (base in INT_TYPES or base.startswith("Float")):
                candidates.append(name)
            elif kind == "str" and ("String" in base):
                candidates.append(name)
            elif kind == "date" and base in ("Date", "DateTime", ZONED):
                candidates.append(name)
            elif kind == "dec" and base in DECIMAL_SCALES:
                candidates.append(name)
        return rng.choice(candidates)

    def literal(self, kind):
        rng = self.rng
        if kind == "int":
            return str(rng.choice([0, 1, 2, 3, 7, -1, -3, 100, 255, 1000, -128, 65536, 4294967295]))
        if kind == "num":
            return rng.choice([self.literal("int"), "1.5", "-0.5", "100.125"])
        if kind == "str":
            return "'%s'" % rng.choice(STRINGS[:8] + TAGS[:3])
        return "'2020-01-05'"

    def numeric(self, depth=0, nullable_ok=True):
        rng = self.rng
        roll = rng.random()
        if depth > 1 or roll < 0.4:
            return self.column(rng.choice(["int", "int", "num"]), nullable_ok)
        if roll < 0.55:
            return "%s %s %s" % (self.numeric(depth + 1, nullable_ok), rng.choice(["+", "-", "*"]), self.literal("int"))
        if roll < 0.65:
            return "%s %s %s" % (self.column("num", nullable_ok), rng.choice(["+", "-", "*"]), self.column("num", nullable_ok))
        if roll < 0.72:
            return "intDiv(%s, %s)" % (self.column("int", nullable_ok), rng.choice(["2", "3", "7", "100"]))
        if roll < 0.78:
            return "%s %% %s" % (self.column("int", nullable_ok), rng.choice(["2", "3", "7", "100"]))
        if roll < 0.82:
            return "abs(%s)" % self.column("int", nullable_ok)
        if roll < 0.86:
            return "length(%s)" % self.column("str", nullable_ok)
        if roll < 0.9:
            return "%s / %s" % (self.column("num", nullable_ok), rng.choice(["2", "4", "-8", "0.5"]))
        if roll < 0.94:
            return "if(%s, %s, %s)" % (self.predicate(2, nullable_ok=False), self.column("int", False), self.literal("int"))
        if roll < 0.97 and nullable_ok:
            return "coalesce(ni, %s)" % self.literal("int")
        if roll < 0.98:
            return "to%s(%s)" % (rng.choice(["Int32", "Int64", "UInt8", "UInt16", "Float64"]), self.column("int", nullable_ok))
        return self.function_number(nullable_ok)

    def mixed_arithmetic(self, nullable_ok=True):
        """Signed with unsigned with float: result types, wrap-around, division by zero (inf, nan, or
        an error for intDiv and %, which skips the query)."""
        rng = self.rng
        a, b = self.column("num", nullable_ok), self.column("num", nullable_ok)
        roll = rng.random()
        if roll < 0.45:
            return "%s %s %s" % (a, rng.choice(["+", "-", "*"]), b)
        if roll < 0.6:
            return "%s / %s" % (a, b)
        if roll < 0.7:
            # Not by -1: 18.16 answers garbage for intDiv(Int32 column, -1) (functions/differential_fixes.test).
            return "intDiv(%s, %s)" % (self.column("int", nullable_ok), rng.choice(["-2", "-7", "3"]))
        if roll < 0.8:
            # A negative divisor only for a signed dividend: 18.16 types UInt64 % Int64 as Int64,
            # current ClickHouse (and Perch) as UInt64 (the dividend's sign; differential_fixes.test).
            dividend = self.column("int", nullable_ok)
            signed = MAIN_TYPES[dividend].replace("Nullable(", "").startswith("Int")
            return "%s %% %s" % (dividend, rng.choice(["-3", "5", "u8 + 1", "toInt64(-7)"] if signed else ["3", "5", "u8 + 1"]))
        if roll < 0.88:
            return "-%s" % self.column("int", nullable_ok)
        if roll < 0.94:
            # Not UInt64 with a signed type: 18.16 allows only Int64 there (typed by the function),
            # current ClickHouse and Perch have no common type for them.
            a, b = self.column("int", nullable_ok), self.column("int", nullable_ok)
            while "u64" in (a, b) and {a, b} - {"u64", "u8", "u16", "u32"}:
                a, b = self.column("int", nullable_ok), self.column("int", nullable_ok)
            return "%s(%s, %s)" % (rng.choice(["least", "greatest"]), a, b)
        return "%s %s %s" % (self.column("int", nullable_ok), rng.choice(["+", "-", "*"]),
                             rng.choice(["18446744073709551615", "-9223372036854775808", "2147483648", "-1.5", "1e20"]))

    def function_number(self, nullable_ok=True):
        """Numbers from the string, date, array and conditional function families."""
        rng = self.rng
        s = self.column("str", nullable_ok)
        return rng.choice([
            "lengthUTF8(%s)" % s,
            "position(%s, '%s')" % (s, rng.choice(["a", "l", "", "é", "lo"])),
            "positionCaseInsensitive(%s, 'H')" % s,
            "startsWith(%s, '%s')" % (s, rng.choice(["a", "H", ""])),
            "endsWith(%s, '%s')" % (s, rng.choice(["b", "d", ""])),
            "length(splitByChar(' ', %s))" % self.column("str", False),
            "has(splitByChar(' ', %s), '%s')" % (self.column("str", False), rng.choice(["a", "hello", "b"])),
            "has([1, 2, 3, -1], %s)" % self.column("int", False),
            "length(%s)" % rng.choice(["[1, 2]", "splitByChar('_', s)", "emptyArrayUInt8()"]),
            "dateDiff('%s', %s, %s)" % (rng.choice(["second", "minute", "hour", "day", "week", "month", "quarter", "year"]),
                                        rng.choice(["d", "dt", "toDate('2020-02-29')"]), rng.choice(["dt", "d", "toDateTime('2020-03-01 10:00:00')"])),
            "multiIf(%s, %s, %s, %s, %s)" % (self.predicate(2, False), self.column("int", False), self.predicate(2, False),
                                             self.literal("int"), self.column("int", False)),
            "CASE WHEN %s THEN %s ELSE %s END" % (self.predicate(2, False), self.column("int", False), self.literal("int")),
            "CASE %s WHEN 0 THEN 10 WHEN 1 THEN 20 ELSE 30 END" % self.column("int", False),
            "ifNull(%s, %s)" % (rng.choice(["ni", "nf"]), self.literal("int")),
            "nullIf(%s, %s)" % (self.column("int", False), rng.choice(["0", "1", "-1"])) if nullable_ok else "ifNull(ni, 0)",
            "coalesce(%s, %s, 0)" % (rng.choice(["ni", "nf"]), rng.choice(["ni", "nf", "i8"])),
            "toDayOfWeek(%s)" % rng.choice(["d", "dt", "dtz"]),
            "toYYYYMM(%s)" % rng.choice(["d", "dt", "dtz"]),
            "if(%s, %s, %s)" % (self.predicate(2, False), self.column("num", False), self.column("num", False)),
            "multiIf(%s, %s, %s, %s, %s)" % (self.predicate(2, False), self.column("int", False), self.predicate(2, False),
                                             self.column("num", False), self.literal("num")),
            # Not UInt8: 18.16 wraps toUInt8OrZero('300') to 44, Perch answers 0 (left open).
            "to%sOrZero(%s)" % (rng.choice(["Int32", "Float64", "Int64"]), rng.choice(["s", "lc", "toString(i16)"])),
            # Integers only: a float out of the target's range is undefined behaviour in 18.16 (0 there).
            "to%s(%s)" % (rng.choice(["Int8", "UInt8", "Int16", "UInt32", "Int64", "Float32"]), self.column("int", nullable_ok)),
            "%s(%s)" % (rng.choice(["round", "floor", "ceil", "trunc"]), rng.choice(["f64", "f32", "f64 * 3.7"] + (["nf"] if nullable_ok else []))),
            # Not Int32/Int64 near their limits: 18.16 rounds those wrongly (round(-2147483600, -2)
            # is -2147483596 there).
            "round(%s, %d)" % (rng.choice(["f64", "i16", "u16"]), rng.randint(-2, 2)),
            "%s(%s, %s)" % (rng.choice(["bitAnd", "bitOr", "bitXor"]), self.column("int", nullable_ok), self.column("int", nullable_ok)),
            "dateDiff('%s', %s, %s)" % (rng.choice(["hour", "day", "minute"]), rng.choice(["dtz", "toDateTime(d)"]), rng.choice(["dt", "dtz"])),
            "toDayOfWeek(addDays(%s, %d))" % (rng.choice(["d", "dtz"]), rng.randint(-9, 9)),
            "empty(%s)" % self.column("str", nullable_ok),
            "toUnixTimestamp(toDateTime(toString(%s)))" % rng.choice(["dt", "d", "toStartOfHour(dt)"]),
            "toYYYYMMDD(toDate(toString(%s)))" % rng.choice(["d", "dt", "addDays(d, 3)"]),
            "(%s, %s) IN ((1, 'a'), (0, ''), (%s, 'b'))" % (self.column("int", False), self.column("str", False), self.literal("int")),
            "indexOf(splitByChar(' ', %s), '%s')" % (self.column("str", False), rng.choice(["world", "a", "hello"])),
            "arraySum(arrayMap(x -> x * 2, [%s, %s]))" % (self.column("int", False), self.literal("int")),
            "length(arrayFilter(x -> x > 0, [%s, %s, 1]))" % (self.column("int", False), self.column("int", False)),
            "toInt64(%s) * 1000 + toSecond(%s)" % (self.column("int", False), rng.choice(["dt", "dtz"])),
            "notEmpty(%s)" % self.column("str", nullable_ok),
            self.mixed_arithmetic(nullable_ok),
            self.mixed_arithmetic(nullable_ok),
            self.mixed_arithmetic(nullable_ok),
        ])

    def wide_decimal_expr(self):
        """Decimal(38, 10) arithmetic in 128 bits (products of two would overflow: left out)."""
        rng = self.rng
        return rng.choice([
            "w", "w", "w + w", "w - w", "w * %d" % rng.choice([3, -7, 1000]), "-w", "abs(w)",
            "w / %d" % rng.choice([4, -3, 7]), "toDecimal128(%s, 10)" % self.column("int", False),
            "if(%s, w, toDecimal128(%d, 10))" % (self.predicate(2, nullable_ok=False), rng.choice([0, 1, -3])),
        ])

    def decimal_expr(self, nullable_ok=True):
        """Decimal arithmetic with Decimals and integers (18.16 refuses Decimal with floats)."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.15:
            return self.wide_decimal_expr()
        roll = rng.random()
        if roll < 0.4:
            return self.column("dec", nullable_ok)
        if roll < 0.55:
            # Integers that fit Int32: 18.16 wraps wider ones into the Decimal's Int32 (1.5 * 4294967295
            # is -1.50 there), where Perch reports an overflow.
            return "%s %s %s" % (self.column("dec", nullable_ok), rng.choice(["+", "-", "*"]),
                                 rng.choice(["0", "1", "2", "3", "7", "-1", "-3", "100", "255", "1000", "-128"]))
        if roll < 0.7:
            return "%s %s %s" % (self.column("dec", nullable_ok), rng.choice(["+", "-"]), self.column("dec", nullable_ok))
        if roll < 0.78:
            # Same-width products only: 18.16 mis-scales Decimal32 * Decimal64 (see types/decimal.test).
            return "dec * dec" if rng.random() < 0.5 else "dec64 / %s" % rng.choice(["2", "3", "-7"])
        if roll < 0.86:
            return "%s(%s)" % (rng.choice(["abs", "negate", "toFloat64", "toInt64", "toString"]), self.column("dec", nullable_ok))
        if roll < 0.93:
            # Not over Int64/UInt64: 18.16 prints the smallest Decimal64 as --9223372036854775808.
            return "toDecimal64(%s, %d)" % (rng.choice(["i8", "i16", "i32", "u8", "u16", "u32", "k"]), rng.randint(0, 3))
        return "if(%s, dec, toDecimal32(%s, 2))" % (self.predicate(2, nullable_ok=False), rng.choice(["0", "1", "-3"]))

    def string_expr(self, nullable_ok=True):
        rng = self.rng
        roll = rng.random()
        if roll < 0.6:
            return self.column("str", nullable_ok)
        if roll < 0.7:
            return "upper(%s)" % self.column("str", nullable_ok)
        if roll < 0.8:
            return "concat(%s, '-', %s)" % (self.column("str", False), self.column("str", False))
        if roll < 0.84:
            return "substring(%s, %d, %d)" % (self.column("str", nullable_ok), rng.randint(1, 3), rng.randint(1, 4))
        if roll < 0.87:
            return "toString(%s)" % self.column("int", nullable_ok)
        return self.string_function(nullable_ok)

    def string_function(self, nullable_ok=True, in_aggregate=False):
        """in_aggregate: no nullIf, since 18.16 aggregates an all-NULL argument to NULL (uniqExact) and
        counts nullIf over LowCardinality's NULL as a value; current ClickHouse and Perch answer 0."""
        rng = self.rng
        s = self.column("str", nullable_ok)
        pred = self.predicate(2, False)
        # Not over LowCardinality: 18.16 takes lc's '' for NULL there (min(nullIf(lc, 'red')) skips it).
        null_if = "nullIf(%s, '%s')" % (rng.choice(["s", "ns"]), rng.choice(["a", "", "red"]))
        return rng.choice(([] if in_aggregate else [null_if]) + [
            "lower(%s)" % s, "lowerUTF8(%s)" % s, "upperUTF8(%s)" % s, "reverse(%s)" % s,
            "substring(%s, %d)" % (s, rng.randint(-3, 4)),
            "substring(%s, %d, %d)" % (s, rng.randint(-4, 0), rng.randint(0, 3)),
            "substringUTF8(%s, %d, %d)" % (s, rng.randint(1, 3), rng.randint(1, 3)),
            "replaceAll(%s, '%s', '%s')" % (s, rng.choice(["a", "l", "é", " "]), rng.choice(["", "xx", "_"])),
            "replaceOne(%s, '%s', 'Z')" % (s, rng.choice(["a", "l", "b"])),
            "concat(%s, toString(%s))" % (self.column("str", False), self.column("int", False)),
            "concat(%s, '|', %s)" % (self.column("str", False), self.string_expr(False)),
            "arrayStringConcat(splitByChar(' ', %s), '+')" % self.column("str", False),
            "splitByChar('%s', %s)[%d]" % (rng.choice([" ", "_", "a"]), self.column("str", False), rng.randint(1, 2)),
            "toString(splitByChar(' ', %s))" % self.column("str", False),
            "if(%s, %s, '%s')" % (pred, self.column("str", False), rng.choice(["x", ""])),
            "multiIf(%s, 'one', %s, %s, 'other')" % (pred, self.predicate(2, False), self.column("str", False)),
            "CASE WHEN %s THEN 'yes' WHEN %s THEN lc ELSE s END" % (pred, self.predicate(2, False)),
            "ifNull(ns, '%s')" % rng.choice(["none", ""]),
            "coalesce(ns, %s)" % self.column("str", False),
            # No %M: minutes in 18.16, the month name in current ClickHouse and Perch (date_format.test).
            "formatDateTime(%s, '%s')" % (rng.choice(["dt", "d"]), rng.choice(
                ["%Y-%m-%d", "%H|%S", "%F %T", "%D %R", "%j %u %w", "%e|%y|%I %p", "%Y%m%d%H", "%%"])),
            "toString(%s)" % rng.choice(["d", "dt", "dtz", "toDate(dtz)"]),
            "toString(addDays(d, %d))" % rng.randint(-40, 40),
            "concat(toString(d), ' ', toString(toHour(dtz)))",
            "toString(toStartOfHour(dtz))",
            "lower(toString(%s))" % rng.choice(["dtz", "dec", "u64", "i8", "toDate(dtz)"] + ([] if in_aggregate else ["ndec"])),
            "if(%s, toString(u8), %s)" % (pred, self.column("str", False)),
            # No pattern that matches the empty string: 18.16 replaces nothing in '' (regex.test).
            "replaceRegexpAll(%s, '%s', '*')" % (self.column("str", False), rng.choice(["[aeiou]", "l+", "^.", "o w"])),
            "replaceRegexpOne(%s, '(.)(.)', '\\\\2\\\\1')" % self.column("str", False),
            "extract(%s, '%s')" % (self.column("str", False), rng.choice(["[a-z]+", "[0-9]+", "l(.)"])),
            "toString(%s)" % rng.choice(["dec", "dec64", "toDecimal32(i8, 2)"] + ([] if in_aggregate else ["ndec"])),
            # Not if() with a constant condition (18.16 types it as the chosen branch) nor % of mixed
            # signedness (18.16: signed, B's width; current ClickHouse and Perch: the dividend's sign,
            # twice B's width when signed).
            "toTypeName(%s)" % rng.choice(["i8 + u8", "u64 - i8", "f32 * 2", "if(u8 > 3, u8, i8)", "dec * 2", "intDiv(u16, -2)",
                                           "u16 % u8", "bitAnd(u8, i16)", "multiIf(u8 > 1, i16, u32 > 5, u8, f32)"]),
        ])

    def date_expr(self):
        rng = self.rng
        return rng.choice(["d", "dt", "toDate(dt)", "toStartOfHour(dt)", "toStartOfMonth(d)", "toStartOfDay(dt)",
                           "toMonday(d)", "toStartOfYear(d)", "toStartOfMinute(dt)", "toStartOfFiveMinute(dt)",
                           "d + 3", "dt - 3600", "toStartOfQuarter(d)", "dtz", "toStartOfHour(dtz)",
                           "toStartOfDay(dtz)", "toDate(dtz)", "toStartOfMonth(dtz)", "toTimeZone(dt, 'Asia/Tokyo')",
                           "addDays(d, %d)" % rng.randint(-40, 40), "addHours(dt, %d)" % rng.randint(-30, 30),
                           "addMonths(d, %d)" % rng.randint(-13, 13), "subtractDays(dt, 2)", "addWeeks(dtz, 1)",
                           "addYears(d, -1)", "addMinutes(dtz, 90)", "dt + INTERVAL %d DAY" % rng.randint(1, 40),
                           "d - INTERVAL 1 MONTH", "toDateTime(d)", "toStartOfMonth(dt)", "toMonday(dtz)",
                           "toStartOfQuarter(dtz)", "toStartOfFifteenMinutes(dt)", "toDate(dt, 'Asia/Tokyo')",
                           "toStartOfDay(dt, 'America/New_York')"])

    def date_number(self):
        return self.rng.choice(["toYear(d)", "toMonth(dt)", "toDayOfMonth(d)", "toDayOfWeek(dt)", "toHour(dt)",
                                "toMinute(dt)", "toYYYYMM(d)", "toYYYYMMDD(dt)", "toUnixTimestamp(dt)",
                                "toDayOfYear(d)", "toQuarter(d)", "toHour(dtz)", "toYYYYMMDD(dtz)", "toUnixTimestamp(dtz)",
                                "toDayOfWeek(dtz)", "toHour(dt, 'Asia/Kolkata')", "toMinute(dtz)", "toSecond(dt)",
                                "toYYYYMM(dtz)", "toDayOfMonth(dtz)", "toMonth(dtz)", "toYear(dtz)", "toRelativeDayNum(d)",
                                "toRelativeHourNum(dtz)", "toISOWeek(d)", "toDayOfWeek(d)", "toYYYYMM(dt)"])

    def predicate(self, depth=0, nullable_ok=True):
        """nullable_ok=False keeps NULLs out of the result (18.16's AND/OR/NOT/if differ from current ClickHouse on NULL)."""
        rng = self.rng
        roll = rng.random()
        if depth < 2 and roll < 0.2:
            op = rng.choice(["AND", "OR"])
            return "(%s %s %s)" % (self.predicate(depth + 1, False), op, self.predicate(depth + 1, False))
        if depth < 2 and roll < 0.25:
            return "NOT (%s)" % self.predicate(depth + 1, False)
        roll = rng.random()
        comparison = rng.choice(["=", "!=", "<", "<=", ">", ">="])
        if roll < 0.35:
            return "%s %s %s" % (self.numeric(1, nullable_ok), comparison, self.literal(rng.choice(["int", "num"])))
        if roll < 0.45:
            return "%s %s %s" % (self.column("num", nullable_ok), comparison, self.column("num", nullable_ok))
        if roll < 0.55:
            return "%s %s %s" % (self.column("str", nullable_ok), comparison, self.literal("str"))
        if roll < 0.62:
            return "%s %sIN (%s)" % (self.column("str", nullable_ok), rng.choice(["", "NOT "]),
                                     ", ".join(self.literal("str") for _ in range(rng.randint(1, 3))))
        if roll < 0.69:
            return "%s %sIN (%s)" % (self.column("int", nullable_ok), rng.choice(["", "NOT "]),
                                     ", ".join(self.literal("int") for _ in range(rng.randint(1, 4))))
        if roll < 0.72:
            return "%s %sLIKE '%s'" % (self.column("str", nullable_ok), rng.choice(["", "NOT "]),
                                       rng.choice(["%a%", "a%", "%b", "_", "H%", "%", "%\\_%", "__", "é%", "%o w%"]))
        if roll < 0.75:
            return "%s(%s, '%s')" % (rng.choice(["startsWith", "endsWith", "like", "notLike"]), self.column("str", nullable_ok),
                                     rng.choice(["a", "b", "%", "H%", ""]))
        if roll < 0.8 and nullable_ok:
            return "%s IS %sNULL" % (rng.choice(["ni", "ns", "nf"]), rng.choice(["", "NOT "]))
        if roll < 0.8:
            return "isNull(%s)" % rng.choice(["ni", "ns", "nf"])
        if roll < 0.86:
            low = rng.randint(-100, 50)
            return "%s BETWEEN %d AND %d" % (self.column("int", nullable_ok), low, low + rng.randint(0, 200))
        if roll < 0.92:
            return "%s %s '%s'" % (rng.choice(["d", "toDate(dt)"]), comparison, "2020-0%d-%02d" % (rng.randint(1, 3), rng.randint(1, 28)))
        if roll < 0.94:
            return "%s %s %s" % (self.decimal_expr(nullable_ok), comparison,
                                 rng.choice([self.literal("int"), self.column("dec", nullable_ok), self.column("int", nullable_ok)]))
        if roll < 0.96:
            # Not dtz: 18.16 reads the literal in the server's zone (UTC), current ClickHouse and
            # Perch in the column's (functions/differential_fixes.test).
            return "dt %s '2020-01-0%d %02d:00:00'" % (comparison, rng.randint(1, 4), rng.randint(0, 23))
        return "%s %s %s" % (self.date_number(), comparison, rng.randint(0, 30))

    def scalar(self, nullable_ok=True):
        rng = self.rng
        roll = rng.random()
        if roll < 0.08:
            return self.decimal_expr(nullable_ok)
        if roll < 0.3:
            return self.numeric(0, nullable_ok)
        if roll < 0.42:
            return self.function_number(nullable_ok)
        if roll < 0.57:
            return self.string_expr(nullable_ok)
        if roll < 0.7:
            return self.string_function(nullable_ok)
        if roll < 0.85:
            return self.date_expr()
        if roll < 0.93:
            return self.date_number()
        return self.predicate(1, nullable_ok=False)

    def aggregate(self):
        rng = self.rng
        roll = rng.random()
        if roll < 0.15:
            return self.aggregate_extra()
        if roll < 0.3:
            return "count()"
        if roll < 0.35:
            return "sum(%s)" % self.numeric(1)
        if roll < 0.45:
            return "%s(%s)" % (rng.choice(["min", "max"]), self.scalar())
        if roll < 0.55:
            return "avg(%s)" % self.column("num")
        if roll < 0.65:
            # No Nullable argument: 18.16 answers NULL for uniqExact over only NULLs, current
            # ClickHouse and Perch 0 (see string_function's in_aggregate).
            argument = self.scalar(nullable_ok=False)
            while re.search(r"nullIf\(|\b(ni|nf|ns|ndec)\b", argument):
                argument = self.scalar(nullable_ok=False)
            return "uniqExact(%s)" % argument
        if roll < 0.73:
            return "countIf(%s)" % self.predicate(1, nullable_ok=False)
        if roll < 0.8:
            return "sumIf(%s, %s)" % (self.column("int", False), self.predicate(1, nullable_ok=False))
        if roll < 0.85:
            return "count(%s)" % rng.choice(["ni", "ns", "nf", "s"])
        if roll < 0.9:
            return "%s(%s)" % (rng.choice(["minIf", "maxIf"]), self.column("num", False) + ", " + self.predicate(1, nullable_ok=False))
        if roll < 0.93:
            return "count(DISTINCT %s)" % self.column(rng.choice(["int", "str"]), False)
        if roll < 0.96:
            return "%s(%s)" % (rng.choice(["sum", "min", "max", "avg"]), self.decimal_expr())
        if roll < 0.97:
            return "quantileExact(0.5)(%s)" % self.column("int", nullable_ok=False)
        return self.aggregate_extra()

    def aggregate_extra(self):
        """-If combinators, DISTINCT, sorted groupArray/groupUniqArray, aggregates over functions."""
        rng = self.rng
        pred = self.predicate(1, nullable_ok=False)
        return rng.choice([
            "avgIf(%s, %s)" % (self.column("num", False), pred),
            "uniqExactIf(%s, %s)" % (self.column(rng.choice(["int", "str"]), False), pred),
            "uniqIf(%s, %s)" % (self.column("int", False), pred),
            "countIf(%s)" % self.predicate(1, nullable_ok=False),
            "sumIf(%s, %s)" % (self.numeric(1, False), pred),
            "uniqExact(%s)" % self.string_function(False, in_aggregate=True),
            "count(DISTINCT %s)" % self.string_function(False, in_aggregate=True),
            "arraySort(groupArray(%s))" % self.column("int"),
            "arraySort(groupUniqArray(%s))" % self.column(rng.choice(["int", "str"])),
            "length(groupArray(%s))" % self.column("str"),
            "arraySort(groupArrayIf(%s, %s))" % (self.column("int", False), pred),
            "sum(%s)" % self.function_number(False),
            "max(%s)" % self.string_function(False, in_aggregate=True),
            "min(%s)" % rng.choice(["dtz", "addDays(d, 3)", "toStartOfHour(dtz)"]),
        ])

    def where_clause(self):
        if self.rng.random() < 0.6:
            conjuncts = [self.predicate() for _ in range(self.rng.randint(1, 2))]
            return " WHERE " + " AND ".join(conjuncts)
        return ""

    def order_limit(self, items, allow_order=True):
        """ORDER BY every output expression (18.16 has no positional ORDER BY), so LIMIT is deterministic."""
        rng = self.rng
        if not allow_order or rng.random() < 0.5:
            return "", False
        order = ", ".join("%s %s" % (item, rng.choice(["ASC", "DESC"])) for item in items)
        limit = ""
        if rng.random() < 0.2:
            limit += " LIMIT %d BY %s" % (rng.randint(1, 3), items[0])
        if rng.random() < 0.6:
            limit = " LIMIT %d" % rng.randint(0, 20)
            if rng.random() < 0.3:
                limit += " OFFSET %d" % rng.randint(0, 10)
        return " ORDER BY " + order + limit, True

    def plain_select(self):
        items = [self.scalar() for _ in range(self.rng.randint(1, 3))]
        # 18.16's DISTINCT over LowCardinality expressions returns duplicates (an experimental type then).
        distinct = "DISTINCT " if self.rng.random() < 0.15 and not any("lc" in item for item in items) else ""
        tail, ordered = self.order_limit(items)
        return "SELECT %s%s FROM m%s%s" % (distinct, ", ".join(items), self.where_clause(), tail), ordered

    def group_select(self):
        rng = self.rng
        keys = [rng.choice([self.column("int"), self.column("str"), self.date_expr(), self.date_number(), "lc", "ni", "ns",
                            self.numeric(1), self.column("dec")]) for _ in range(rng.randint(0, 2))]
        keys = list(dict.fromkeys(keys))
        aggregates = [self.aggregate() for _ in range(rng.randint(1, 3))]
        items = keys + aggregates
        sql = "SELECT %s FROM m%s" % (", ".join(items), self.where_clause())
        if keys:
            sql += " GROUP BY " + ", ".join(keys)
            if rng.random() < 0.25:
                sql += " HAVING count() > %d" % rng.randint(0, 5)
            elif rng.random() < 0.15:
                sql += " HAVING %s" % rng.choice(["sum(%s) > 0" % self.column("int", False), "max(s) != ''",
                                                  "uniqExact(i8) %s 1" % rng.choice(["<", ">="]),
                                                  "min(%s) < 10" % self.column("int", False), "countIf(ni IS NULL) = 0"])
        tail, ordered = self.order_limit(items)
        return sql + tail, ordered

    def subquery_select(self):
        rng = self.rng
        inner, _ = self.group_select() if rng.random() < 0.5 else self.plain_select()
        # Wrap: aggregate over the inner result's first column.
        roll = rng.random()
        if roll < 0.5:
            return "SELECT count() FROM (%s)" % inner, False
        if roll < 0.6:
            return "SELECT count(), uniqExact(%s) FROM m WHERE %s IN (SELECT %s FROM m%s)" % (
                "s", "i32", "i32", self.where_clause()), False
        if roll < 0.7:
            column = self.column(rng.choice(["int", "str"]), False)
            return "SELECT %s, count() FROM m WHERE %s %sIN (SELECT %s FROM m%s) GROUP BY %s" % (
                column, column, rng.choice(["", "NOT "]), column, self.where_clause(), column), False
        if roll < 0.8:
            return "SELECT %s FROM m WHERE %s UNION ALL SELECT %s FROM m WHERE %s" % (
                "i16, s", self.predicate(), "i16, s", self.predicate()), False
        if roll < 0.88:
            items = ", ".join([self.scalar(), self.scalar()])
            return "SELECT %s FROM m%s UNION ALL SELECT %s FROM m%s" % (items, self.where_clause(), items, self.where_clause()), False
        source = rng.choice(["splitByChar(' ', s)", "[i8, toInt8(1)]", "arraySort(splitByChar('_', s))", "[1, 2, 3]"])
        if rng.random() < 0.5:
            return "SELECT arrayJoin(%s) AS x, count() FROM m%s GROUP BY x" % (source, self.where_clause()), False
        return "SELECT %s, arrayJoin(%s) FROM m%s" % (self.column("int"), source, self.where_clause()), False

    def join_select(self):
        rng = self.rng
        kind = rng.choice(["INNER", "LEFT", "ANY LEFT", "ANY INNER"])
        dim_item = rng.choice(["dim.name", "dim.weight", "dim.nv", "weight + 1"])
        where = self.where_clause()
        if rng.random() < 0.5:
            items = ["m.k", self.column(rng.choice(["int", "str"])), dim_item]
            sql = "SELECT %s FROM m %s JOIN dim USING (k)%s" % (", ".join(items), kind, where)
            tail, ordered = self.order_limit(items)
            return sql + tail, ordered
        items = ["dim.name", "count()", "sum(%s)" % self.column("int", False)]
        sql = "SELECT %s FROM m %s JOIN dim USING (k)%s GROUP BY dim.name" % (", ".join(items), kind, where)
        tail, ordered = self.order_limit(items)
        return sql + tail, ordered

    def query(self, with_joins):
        roll = self.rng.random()
        if with_joins and roll < 0.12:
            return self.join_select()
        if roll < 0.45:
            return self.plain_select()
        if roll < 0.9:
            return self.group_select()
        return self.subquery_select()


class ClickHouse:
    def __init__(self, url):
        self.url = url

    def run(self, sql, body=None, database=DATABASE):
        params = {"database": database, "allow_experimental_low_cardinality_type": "1", "max_execution_time": "20",
                  "join_default_strictness": "ALL"}
        data = sql.encode() if body is None else body.encode()
        if body is not None:
            params["query"] = sql
        request = urllib.request.Request(self.url + "?" + urllib.parse.urlencode(params), data=data)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return True, response.read().decode("utf-8", "surrogateescape")
        except urllib.error.HTTPError as error:
            return False, error.read().decode("utf-8", "replace")


ZERO_DATES = {"0000-00-00": "1970-01-01", "0000-00-00 00:00:00": "1970-01-01 00:00:00"}


def as_float(cell):
    try:
        return float(cell)
    except ValueError:
        return None


def cells_equal(a, b, is_float):
    """Equal text, or (in a Float column) numbers equal within a relative 1e-6: the two systems
    print floats differently (ClickHouse 1250000000 and 1152921504606847000, Perch 1.25e+09 and
    1152921504606846976)."""
    if a == b:
        return True
    if ZERO_DATES.get(a) == b:  # 18.16 prints the zero Date/DateTime as 0000-00-00, current ClickHouse as 1970-01-01
        return True
    if a == "0000-00-00 00:00:00" and b.startswith("1970-01-01 "):  # the epoch in a zone's wall clock
        return True
    if not is_float:
        return False
    x, y = as_float(a), as_float(b)
    if x is None or y is None:
        return False
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return x == y or abs(x - y) <= 1e-6 * max(abs(x), abs(y))


def row_key(float_columns):
    def key(row):
        parts = []
        for index, cell in enumerate(row.split("\t")):
            value = as_float(cell) if index in float_columns else None
            if value is None or math.isnan(value):
                parts.append((1, 0.0, cell))
            else:
                parts.append((0, float("%.9g" % value), ""))
        return parts
    return key


def sort_rows(expected, actual, ordered, float_columns):
    if ordered:
        return expected, actual
    key = row_key(float_columns)
    return sorted(expected, key=key), sorted(actual, key=key)


def rows_equal(expected, actual, ordered, float_columns):
    if len(expected) != len(actual):
        return False
    expected, actual = sort_rows(expected, actual, ordered, float_columns)
    for x, y in zip(expected, actual):
        a, b = x.split("\t"), y.split("\t")
        if len(a) != len(b) or not all(cells_equal(p, q, i in float_columns) for i, (p, q) in enumerate(zip(a, b))):
            return False
    return True


def parse_oracle_output(text):
    results = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("#"):
            i += 1
            continue
        _, status, rest = (line.split(" ", 2) + [""])[:3]
        if status == "ok":
            count = int(rest)
            results.append((True, lines[i + 1:i + 1 + count]))
            i += 1 + count
        else:
            results.append((False, rest))
            i += 1
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default=os.environ.get("PERCH_CH_URL", "http://127.0.0.1:18123/"))
    parser.add_argument("--oracle", default=os.environ.get("PERCH_SQL_ORACLE", os.path.join(ROOT, "build-sql", "sql_oracle")))
    parser.add_argument("--queries", type=int, default=1200)
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-joins", action="store_true", help="leave JOIN queries out of the grammar")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    started = time.time()
    rng = random.Random(args.seed)

    clickhouse = ClickHouse(args.url)
    ok, text = clickhouse.run("CREATE DATABASE IF NOT EXISTS " + DATABASE, database="default")
    if not ok:
        sys.exit("ClickHouse is not reachable at %s (run tests/clickhouse/start_clickhouse.sh): %s" % (args.url, text))
    if not os.access(args.oracle, os.X_OK):
        sys.exit("sql_oracle not found at %s (build it, or pass --oracle)" % args.oracle)

    tables = {"m": (MAIN_COLUMNS, make_rows(rng, MAIN_COLUMNS, args.rows)),
              "dim": (DIM_COLUMNS, [])}
    dim_rows = []
    for key in range(-1, 10):  # keys 10..12 of m have no match; -1 and 3 appear twice
        for _ in range(2 if key in (-1, 3) else 1):
            dim_rows.append("\t".join([str(key), rng.choice(STRINGS[1:6]), str(rng.randint(-5, 50)),
                                       "\\N" if rng.random() < 0.3 else str(rng.randint(-100, 100))]))
    tables["dim"] = (DIM_COLUMNS, dim_rows)

    script = []
    for name, (columns, rows) in tables.items():
        schema = ", ".join("%s %s" % column for column in columns)
        clickhouse.run("DROP TABLE IF EXISTS " + name)
        ok, text = clickhouse.run("CREATE TABLE %s (%s) ENGINE = Memory" % (name, schema))
        if not ok:
            sys.exit("cannot create %s in ClickHouse: %s" % (name, text))
        ok, text = clickhouse.run("INSERT INTO %s FORMAT TabSeparated" % name, body="\n".join(rows) + "\n")
        if not ok:
            sys.exit("cannot load %s into ClickHouse: %s" % (name, text))
        script += ["load " + name, schema, "----"] + rows + [""]

    generator = QueryGenerator(rng)
    queries = [generator.query(not args.no_joins) for _ in range(args.queries)]
    for sql, _ in queries:
        script += ["query", sql, ""]
    with tempfile.NamedTemporaryFile("w", suffix=".test", delete=False) as handle:
        handle.write("\n".join(script))
        script_path = handle.name
    perch = subprocess.run([args.oracle, script_path], capture_output=True, timeout=120)
    if perch.returncode != 0:
        sys.exit("sql_oracle failed: " + perch.stderr.decode(errors="replace"))
    perch_results = parse_oracle_output(perch.stdout.decode("utf-8", "surrogateescape"))
    if len(perch_results) != len(queries):
        sys.exit("sql_oracle answered %d of %d queries" % (len(perch_results), len(queries)))

    passed = failed = skipped = 0
    for (sql, ordered), (perch_ok, perch_rows) in zip(queries, perch_results):
        ok, text = clickhouse.run(sql + "\nFORMAT TabSeparatedWithNamesAndTypes")
        if not ok:
            skipped += 1
            if args.verbose:
                print("skipped (ClickHouse: %s): %s" % (text.strip().split("\n")[0][:160], sql))
            continue
        expected = text.split("\n")
        if expected and expected[-1] == "":
            expected.pop()
        types = expected[1].split("\t")
        expected = [as_file_row(row) for row in expected[2:]]
        float_columns = {i for i, t in enumerate(types) if "Float" in t}
        if not perch_ok:
            failed += 1
            print("MISMATCH: Perch failed: %s\n  %s\n  ClickHouse rows: %d" % (perch_rows, sql, len(expected)))
            continue
        if not rows_equal(expected, perch_rows, ordered, float_columns):
            failed += 1
            a, b = sort_rows(expected, perch_rows, ordered, float_columns)
            diff = [(x, y) for x, y in zip(a, b) if x != y][:3]
            print("MISMATCH:\n  %s\n  ClickHouse %d rows, Perch %d rows; first differences (ClickHouse | Perch): %s" % (
                sql, len(a), len(b), diff or (a[len(b):len(b) + 2] + b[len(a):len(a) + 2])))
            continue
        passed += 1
    os.unlink(script_path)
    print("%d passed, %d failed, %d skipped (seed %d, %.1f s)" % (passed, failed, skipped, args.seed, time.time() - started))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
