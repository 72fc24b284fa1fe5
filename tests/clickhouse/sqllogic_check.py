#!/usr/bin/python3
"""Checks tests/sql/**/*.test against a real ClickHouse (the oracle), or fills in expected rows.

Every `load` block becomes a Memory table in a scratch database, every `query` block runs through
the HTTP interface with FORMAT TabSeparated, and its rows are compared with the file's expected
rows (sorted first for `rowsort`). Queries flagged `noclickhouse`, and queries whose result depends
on the clock (now/today/yesterday), are skipped and counted.

  tests/clickhouse/start_clickhouse.sh
  /usr/bin/python3 tests/clickhouse/sqllogic_check.py            # check every file
  /usr/bin/python3 tests/clickhouse/sqllogic_check.py --fill F   # write ClickHouse's rows into
                                                                 # query blocks of F that have no ----
Exit status: 1 when any checked query disagrees with ClickHouse.
"""
import argparse
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SQL_DIR = os.path.join(ROOT, "sql")
DATABASE = "perch_sqllogic"
EMPTY_ROW = "(empty)"  # a row that is one empty string (a blank line ends a block)
CLOCK = re.compile(r"\b(now|today|yesterday)\s*\(", re.IGNORECASE)


class ClickHouse:
    def __init__(self, url):
        self.url = url

    def run(self, sql, body=None, database=DATABASE):
        params = {"database": database, "allow_experimental_low_cardinality_type": "1", "join_default_strictness": "ALL",
                  "max_execution_time": "10"}
        if body is not None:
            params["query"] = sql
            data = body.encode()
        else:
            data = sql.encode()
        request = urllib.request.Request(self.url + "?" + urllib.parse.urlencode(params), data=data)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return True, response.read().decode()
        except urllib.error.HTTPError as error:
            return False, error.read().decode()


def parse_blocks(path):
    """Yields dicts: {kind, line, header, body, result(list or None), file} following includes."""
    with open(path) as handle:
        lines = handle.read().split("\n")
    i = 0
    while i < len(lines):
        header = lines[i].strip()
        if not header or header.startswith("#"):
            i += 1
            continue
        start = i
        words = header.split()
        if words[0] == "include":
            yield from parse_blocks(os.path.join(os.path.dirname(path), words[1]))
            i += 1
            continue
        i += 1
        body = []
        while i < len(lines) and lines[i] != "" and lines[i] != "----":
            body.append(lines[i])
            i += 1
        result = None
        if i < len(lines) and lines[i] == "----":
            i += 1
            result = []
            while i < len(lines) and lines[i] != "":
                result.append("" if lines[i] == EMPTY_ROW else lines[i])
                i += 1
        yield {"kind": words[0], "words": words[1:], "line": start + 1, "end": i, "body": body, "result": result, "file": path}


def load_table(clickhouse, block):
    name = block["words"][0]
    schema = " ".join(block["body"])
    clickhouse.run("DROP TABLE IF EXISTS " + name)
    ok, text = clickhouse.run("CREATE TABLE %s (%s) ENGINE = Memory" % (name, schema))
    if not ok:
        raise RuntimeError("cannot create %s: %s" % (name, text))
    if block["result"]:
        ok, text = clickhouse.run("INSERT INTO %s FORMAT TabSeparated" % name, body="\n".join(block["result"]) + "\n")
        if not ok:
            raise RuntimeError("cannot load %s: %s" % (name, text))


# ClickHouse's TabSeparated output escapes \b \f \r \0 and ' besides \t \n \\; the .test files (and
# Perch's runner, tests/unit/sql/sqllogic.h resultLines) escape only \t \n \\ and keep the rest as is.
FILE_UNESCAPES = {"'": "'", "b": "\b", "f": "\f", "r": "\r", "0": "\0"}


def as_file_row(row):
    """One ClickHouse TabSeparated row in the .test files' escaping (e.g. DateTime(\\'UTC\\') -> DateTime('UTC'))."""
    out = []
    i = 0
    while i < len(row):
        if row[i] == "\\" and i + 1 < len(row):
            following = row[i + 1]
            out.append(FILE_UNESCAPES.get(following, "\\" + following))
            i += 2
        else:
            out.append(row[i])
            i += 1
    return "".join(out)


def run_query(clickhouse, sql):
    ok, text = clickhouse.run(sql.rstrip().rstrip(";") + "\nFORMAT TabSeparated")
    if not ok:
        return False, text.strip().split("\n")[0]
    rows = text.split("\n")
    if rows and rows[-1] == "":
        rows.pop()
    return True, [as_file_row(row) for row in rows]


def process(clickhouse, path, fill, counts):
    replacements = []  # (line index after body, text to insert)
    for block in parse_blocks(path):
        if block["kind"] == "load":
            load_table(clickhouse, block)
            continue
        sql = "\n".join(block["body"])
        where = "%s:%d" % (os.path.relpath(block["file"], ROOT), block["line"])
        if "noclickhouse" in block["words"] or CLOCK.search(sql):
            counts["skipped"] += 1
            continue
        ok, rows = run_query(clickhouse, sql)
        expected = block["result"]
        if fill and expected is None and block["file"] == path:
            if ok:
                replacements.append((block["end"], ["----"] + [row if row else EMPTY_ROW for row in rows]))
                counts["filled"] += 1
            else:  # ClickHouse 18.16 cannot run it: mark it, Perch's rows get reviewed by hand
                replacements.append((block["line"] - 1, None))
                print("%s: ClickHouse fails, marked noclickhouse: %s" % (where, rows))
            continue
        if expected is None:
            counts["skipped"] += 1
            continue
        if len(expected) == 1 and expected[0].startswith("error"):
            if ok:
                print("%s: ClickHouse runs a query the file expects to fail\n%s\n  got %s" % (where, sql, rows))
                counts["failed"] += 1
            else:
                counts["passed"] += 1
            continue
        if not ok:
            print("%s: ClickHouse fails: %s\n%s" % (where, rows, sql))
            counts["failed"] += 1
            continue
        if "rowsort" in block["words"]:
            rows, expected = sorted(rows), sorted(expected)
        if rows != expected:
            print("%s: differs from ClickHouse\n%s\n  expected (file): %s\n  ClickHouse:      %s" % (where, sql, expected, rows))
            counts["failed"] += 1
        else:
            counts["passed"] += 1
    if replacements:
        with open(path) as handle:
            lines = handle.read().split("\n")
        for index, rows in sorted(replacements, key=lambda r: r[0], reverse=True):
            if rows is None:
                lines[index] += " noclickhouse"
            else:
                lines[index:index] = rows
        with open(path, "w") as handle:
            handle.write("\n".join(lines))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default=os.environ.get("PERCH_CH_URL", "http://127.0.0.1:18123/"))
    parser.add_argument("--fill", action="store_true", help="write ClickHouse's rows into query blocks without ----")
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    clickhouse = ClickHouse(args.url)
    ok, text = clickhouse.run("CREATE DATABASE IF NOT EXISTS " + DATABASE, database="default")
    if not ok:
        sys.exit("ClickHouse is not reachable at %s: %s" % (args.url, text))
    files = args.files or sorted(
        os.path.join(d, f) for d, _, names in os.walk(SQL_DIR) for f in names if f.endswith(".test"))
    counts = {"passed": 0, "failed": 0, "skipped": 0, "filled": 0}
    for path in files:
        process(clickhouse, os.path.abspath(path), args.fill, counts)
    print("%(passed)d passed, %(failed)d failed, %(skipped)d skipped, %(filled)d filled" % counts)
    sys.exit(1 if counts["failed"] else 0)


if __name__ == "__main__":
    main()
