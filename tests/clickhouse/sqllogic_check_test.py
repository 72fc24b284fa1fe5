#!/usr/bin/python3
"""Unit test of sqllogic_check.py's conversion of ClickHouse's TabSeparated rows into the .test
files' escaping (no ClickHouse needed):  /usr/bin/python3 tests/clickhouse/sqllogic_check_test.py"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sqllogic_check  # noqa: E402


class AsFileRowTest(unittest.TestCase):
    def test_quote_is_unescaped(self):
        self.assertEqual(sqllogic_check.as_file_row("DateTime(\\'UTC\\')"), "DateTime('UTC')")

    def test_backslash_tab_newline_stay_escaped(self):
        self.assertEqual(sqllogic_check.as_file_row("a\\\\b\\tc\\nd"), "a\\\\b\\tc\\nd")

    def test_escaped_backslash_before_quote(self):
        # \\ then \' : a backslash (kept escaped) and a quote.
        self.assertEqual(sqllogic_check.as_file_row("x\\\\\\'y"), "x\\\\'y")

    def test_control_characters_become_raw(self):
        self.assertEqual(sqllogic_check.as_file_row("\\r\\b\\f\\0"), "\r\b\f\0")

    def test_cells_stay_separated(self):
        self.assertEqual(sqllogic_check.as_file_row("it\\'s\t\\N"), "it's\t\\N")


if __name__ == "__main__":
    unittest.main()
