"""Decimal columns end to end: a .datasource with Decimal(9, 2) and Decimal(18, 4) columns, Events
API ingest of JSON numbers and strings and a CSV bulk load (values with too many fraction digits or
out of range go to quarantine with the reason), a pipe returning sums as JSON and CSV, and the data
still there after a restart (stored in parts on disk).

Expected values follow ClickHouse: sum over Decimal(P, S) is Decimal(38, S); JSON prints Decimals
as bare numbers with all S digits (10.50); CSV prints the same digits unquoted."""
import json
from pathlib import Path

import requests

from conftest import PerchServer

DATASOURCE = """SCHEMA >
    `id` UInt32 `json:$.id`,
    `sku` String `json:$.sku`,
    `price` Decimal(9, 2) `json:$.price`,
    `rate` Decimal64(4) `json:$.rate`

ENGINE "MergeTree"
ENGINE_SORTING_KEY "sku, id"
"""

PIPE = """NODE endpoint
SQL >
    SELECT sku, sum(price) AS total, toTypeName(total) AS total_type, max(rate) AS top_rate, count() AS n
    FROM sales
    GROUP BY sku
    ORDER BY sku

TYPE endpoint
"""

ROWS = [
    {"id": 1, "sku": "a", "price": 10.5, "rate": "0.1250"},
    {"id": 2, "sku": "a", "price": "-3.25", "rate": 1},
    {"id": 3, "sku": "b", "price": 0.05, "rate": "2"},
    {"id": 4, "sku": "b", "price": "1.234", "rate": 0},       # three fraction digits: quarantined
    {"id": 5, "sku": "b", "price": 99999999999, "rate": 0},   # past Decimal(9, 2)'s storage: quarantined
]

CSV = "id,sku,price,rate\n6,c,12.34,0.5\n7,c,1.999,0\n8,c,-0.34,-1.25\n"  # row 7 is quarantined

EXPECTED_JSON = [
    {"sku": "a", "total": 7.25, "total_type": "Decimal(38, 2)", "top_rate": 1, "n": 2},
    {"sku": "b", "total": 0.05, "total_type": "Decimal(38, 2)", "top_rate": 2, "n": 1},
    {"sku": "c", "total": 12, "total_type": "Decimal(38, 2)", "top_rate": 0.5, "n": 2},
]

EXPECTED_CSV = ('"sku","total","total_type","top_rate","n"\n'
                '"a",7.25,"Decimal(38, 2)",1.0000,2\n'
                '"b",0.05,"Decimal(38, 2)",2.0000,1\n'
                '"c",12.00,"Decimal(38, 2)",0.5000,2\n')


def write_project(root: Path) -> Path:
    (root / "datasources").mkdir(parents=True)
    (root / "pipes").mkdir()
    (root / "datasources" / "sales.datasource").write_text(DATASOURCE)
    (root / "pipes" / "sales_api.pipe").write_text(PIPE)
    return root


def check_endpoint(server):
    response = requests.get(server.url + "/v0/pipes/sales_api.json", headers=server.admin())
    assert response.status_code == 200, response.text
    # The digits as printed: 7.25 and 0.05 exactly, not 7.2500000001 from a float sum.
    assert '"total": 7.25' in response.text or '"total":7.25' in response.text, response.text
    body = response.json()
    assert body["data"] == EXPECTED_JSON
    types = {column["name"]: column["type"] for column in body["meta"]}
    assert types["total"] == "Decimal(38, 2)" and types["top_rate"] == "Decimal(18, 4)", types
    response = requests.get(server.url + "/v0/pipes/sales_api.csvwithnames", headers=server.admin())
    assert response.status_code == 200, response.text
    assert response.text == EXPECTED_CSV
    # NDJSON: bare numbers with all S digits; TSV: the same text.
    response = requests.get(server.url + "/v0/pipes/sales_api.ndjson", headers=server.admin())
    assert response.status_code == 200, response.text
    assert response.text.splitlines()[0] == '{"sku":"a","total":7.25,"total_type":"Decimal(38, 2)","top_rate":1.0000,"n":2}'
    response = requests.get(server.url + "/v0/pipes/sales_api.tsv", headers=server.admin())
    assert response.status_code == 200, response.text
    assert response.text.splitlines()[2] == "c\t12.00\tDecimal(38, 2)\t0.5000\t2"


def test_decimal_columns_ingest_quarantine_endpoint_and_restart(tmp_path):
    project = write_project(tmp_path / "project")
    server = PerchServer(project=project)
    try:
        response = requests.post(server.url + "/v0/events", params={"name": "sales", "wait": "true"},
                                 data="\n".join(json.dumps(row) for row in ROWS), headers=server.admin())
        assert response.status_code == 200, response.text
        assert response.json() == {"successful_rows": 3, "quarantined_rows": 2}, response.text
        response = requests.post(server.url + "/v0/datasources", params={"name": "sales", "mode": "append", "format": "csv"},
                                 data=CSV, headers=server.admin())
        assert response.status_code == 200, response.text
        assert (response.json()["successful_rows"], response.json()["quarantined_rows"]) == (2, 1), response.text
        response = requests.get(server.url + "/v0/sql", headers=server.admin(), params={
            "q": "SELECT id, c__error_column, c__error FROM sales_quarantine ORDER BY id FORMAT JSON"})
        assert response.status_code == 200, response.text
        bad = {row["id"]: row for row in response.json()["data"]}
        errors = {str(key): row for key, row in bad.items()}
        assert set(errors) == {"4", "5", "7"}, bad
        assert errors["4"]["c__error_column"] == ["price"]
        assert "Decimal value is too small" in errors["4"]["c__error"][0], errors["4"]
        assert errors["5"]["c__error_column"] == ["price"]
        assert "Decimal(9, 2)" in errors["5"]["c__error"][0], errors["5"]
        assert "Decimal value is too small" in errors["7"]["c__error"][0], errors["7"]
        check_endpoint(server)
        assert server.stop() == 0

        server = PerchServer(project=project, data=server.data)
        check_endpoint(server)
        response = requests.get(server.url + "/v0/sql", headers=server.admin(), params={
            "q": "SELECT id, price, rate, price * 2 AS doubled FROM sales WHERE price > 0 ORDER BY id FORMAT CSV"})
        assert response.status_code == 200, response.text
        assert response.text.splitlines()[1:] == ["1,10.50,0.1250,21.00", "3,0.05,2.0000,0.10", "6,12.34,0.5000,24.68"], response.text
    finally:
        server.stop()


LEDGER = """SCHEMA >
    `id` UInt32 `json:$.id`,
    `amount` Decimal(38, 18) `json:$.amount`

ENGINE "MergeTree"
ENGINE_SORTING_KEY "amount"
"""

LEDGER_ROWS = [
    {"id": 1, "amount": "12345678901234567890.123456789012345678"},  # 38 digits: past Int64
    {"id": 2, "amount": "-99999999999999999999.999999999999999999"},
    {"id": 3, "amount": 1.5},
    {"id": 4, "amount": "123456789012345678901.5"},                 # 39 digits at scale 18: quarantined
]


def test_decimal128_column_keeps_all_38_digits_through_ingest_parts_and_restart(tmp_path):
    project = tmp_path / "project"
    (project / "datasources").mkdir(parents=True)
    (project / "datasources" / "ledger.datasource").write_text(LEDGER)
    server = PerchServer(project=project)
    query = ("SELECT id, amount, toTypeName(amount) AS t FROM ledger ORDER BY amount FORMAT CSV",
             "SELECT sum(amount) AS s, toTypeName(s) FROM ledger FORMAT TSV")
    expected = (['"id","amount","t"',  # /v0/sql's CSV starts with the names, as Tinybird's
                 '2,-99999999999999999999.999999999999999999,"Decimal(38, 18)"',
                 '3,1.500000000000000000,"Decimal(38, 18)"',
                 '1,12345678901234567890.123456789012345678,"Decimal(38, 18)"'],
                ["-87654321098765432108.376543210987654321\tDecimal(38, 18)"])

    def check(server):
        for sql, rows in zip(query, expected):
            response = requests.get(server.url + "/v0/sql", headers=server.admin(), params={"q": sql})
            assert response.status_code == 200, response.text
            assert response.text.splitlines() == rows, response.text

    try:
        response = requests.post(server.url + "/v0/events", params={"name": "ledger", "wait": "true"},
                                 data="\n".join(json.dumps(row) for row in LEDGER_ROWS), headers=server.admin())
        assert response.status_code == 200, response.text
        assert response.json() == {"successful_rows": 3, "quarantined_rows": 1}, response.text
        check(server)
        assert server.stop() == 0
        server = PerchServer(project=project, data=server.data)
        check(server)
    finally:
        server.stop()
