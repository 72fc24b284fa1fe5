"""A pipe using sql_and, Array, column with an enum allow-list, error() and a for loop, over HTTP."""
import json
from pathlib import Path

import pytest
import requests

from conftest import PerchServer

PROJECT = Path(__file__).parent / "projects" / "templates"
ROWS = [
    {"day": "2026-11-01", "region": "eu", "product": "a", "units": 3, "price": 2.5},
    {"day": "2026-11-01", "region": "eu", "product": "b", "units": 1, "price": 10.0},
    {"day": "2026-11-02", "region": "us", "product": "a", "units": 7, "price": 2.5},
    {"day": "2026-11-02", "region": "us", "product": "c", "units": 2, "price": 4.0},
    {"day": "2026-11-03", "region": "eu", "product": "c", "units": 5, "price": 4.0},
]


@pytest.fixture(scope="module")
def sales():
    perch = PerchServer(project=PROJECT)
    body = "\n".join(json.dumps(row) for row in ROWS)
    requests.post(perch.url + "/v0/events", params={"name": "sales", "wait": "true"}, data=body,
                  headers=perch.admin()).raise_for_status()
    yield perch
    perch.stop()


def report(server, params):
    return requests.get(server.url + "/v0/pipes/sales_report.json", params=params, headers=server.admin())


def test_sql_and_array_and_defaults(sales):
    response = report(sales, {"region": "eu"})
    assert response.status_code == 200, response.text
    assert response.json()["data"] == [{"key": "eu", "sum_units": 9}]
    response = report(sales, [("products", "a"), ("products", "c"), ("group_by", "product"), ("min_units", "3")])
    assert response.json()["data"] == [{"key": "a", "sum_units": 10}, {"key": "c", "sum_units": 5}]
    response = report(sales, {"products": "a,b", "group_by": "region", "metrics": "units,price"})
    assert response.status_code == 200, response.text
    assert response.json()["data"] == [{"key": "eu", "sum_units": 4, "sum_price": 12.5},
                                       {"key": "us", "sum_units": 7, "sum_price": 2.5}]
    assert [m["name"] for m in response.json()["meta"]] == ["key", "sum_units", "sum_price"]


def test_bad_parameters_are_clear_400s(sales):
    missing = report(sales, {})
    assert missing.status_code == 400
    assert missing.json()["error"] == "pass region or products"
    not_allowed = report(sales, {"region": "eu", "group_by": "price"})
    assert not_allowed.status_code == 400
    assert "price" in not_allowed.json()["error"]
    bad_int = report(sales, {"region": "eu", "min_units": "1; DROP TABLE sales"})
    assert bad_int.status_code == 400
    assert "Error validating" in bad_int.json()["error"]
    injected_column = report(sales, {"region": "eu", "metrics": "units) FROM sales --"})
    assert injected_column.status_code == 400  # a backquoted identifier that does not exist
    injected_value = report(sales, {"region": "eu' OR '1'='1"})
    assert injected_value.status_code == 200
    assert injected_value.json()["data"] == []
