"""Bulk loads: POST /v0/datasources?name=&mode=append|replace&format=csv|ndjson (SPEC §8.2)."""
import json

import pytest
import requests

from conftest import PerchServer

CSV_HEADER = "timestamp,organization_id,user_id,event_type,some_number\n"


@pytest.fixture(scope="module")
def perch():
    server = PerchServer()
    yield server
    server.stop()


def load(server, body, token=None, **params):
    headers = {"Authorization": "Bearer " + (token or server.admin()["Authorization"][7:])}
    return requests.post(server.url + "/v0/datasources", params={"name": "app_events", **params}, data=body,
                         headers=headers)


def rows(server, where=""):
    response = requests.get(server.url + "/v0/sql", headers=server.admin(), params={
        "q": f"SELECT organization_id, user_id, event_type, some_number, page FROM app_events {where} "
             "ORDER BY organization_id, user_id FORMAT JSON"})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def quarantined(server):
    response = requests.get(server.url + "/v0/sql", headers=server.admin(),
                            params={"q": "SELECT c__error FROM app_events_quarantine FORMAT JSON"})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_csv_append_with_header_quotes_and_bad_rows(perch):
    body = (CSV_HEADER +
            '2026-11-01 10:00:00,csv_org,u1,"click, with comma",5\n'
            '2026-11-01 10:00:01,csv_org,"u""2",view,\n'          # empty number → DEFAULT (0)
            '2026-11-01 10:00:02,csv_org,u3,view,not_a_number\n'   # quarantined
            '2026-11-01 10:00:03,csv_org,u4,view,7,extra\n')       # too many fields: quarantined
    response = load(perch, body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["successful_rows"], result["quarantined_rows"], result["error"]) == (2, 2, False)
    assert rows(perch, "WHERE organization_id = 'csv_org'") == [  # ORDER BY user_id: '"' sorts before '1'
        {"organization_id": "csv_org", "user_id": 'u"2', "event_type": "view", "some_number": 0, "page": "/"},
        {"organization_id": "csv_org", "user_id": "u1", "event_type": "click, with comma", "some_number": 5, "page": "/"},
    ]
    errors = json.dumps(quarantined(perch))
    assert "some_number" in errors and "6 fields, the data source has 5 columns" in errors


def test_csv_without_header_uses_schema_order_and_multipart_upload(perch):
    # Schema order: timestamp, organization_id, team_id, user_id, event_type, page, some_number.
    csv = "2026-11-02 00:00:00,order_org,team_a,u9,signup,/home,42\n"
    response = requests.post(perch.url + "/v0/datasources", params={"name": "app_events", "mode": "append"},
                             files={"csv": ("events.csv", csv)}, headers=perch.admin())
    assert response.status_code == 200, response.text
    assert response.json()["successful_rows"] == 1
    assert rows(perch, "WHERE organization_id = 'order_org'") == [
        {"organization_id": "order_org", "user_id": "u9", "event_type": "signup", "some_number": 42, "page": "/home"}]


def test_ndjson_format_uses_the_datafile_jsonpaths(perch):
    body = json.dumps({"timestamp": "2026-11-03 00:00:00", "organization_id": "nd_org", "user_id": "u1",
                       "event_type": "view", "context": {"page": "/docs"}, "value": 3})
    response = load(perch, body, format="ndjson")
    assert response.status_code == 200, response.text
    assert rows(perch, "WHERE organization_id = 'nd_org'")[0]["page"] == "/docs"


def test_replace_swaps_everything_and_survives_restart():
    server = PerchServer()
    try:
        assert load(server, CSV_HEADER + "2026-11-01 00:00:00,old,u1,view,1\n" * 50).status_code == 200
        response = load(server, CSV_HEADER + "2026-11-01 00:00:00,new,u1,view,2\n" * 3, mode="replace")
        assert response.status_code == 200, response.text
        assert {r["organization_id"] for r in rows(server)} == {"new"} and len(rows(server)) == 3
        server.stop()
        again = PerchServer(data=server.data)  # restart on the same data directory
        try:
            assert [r["some_number"] for r in rows(again)] == [2, 2, 2]
        finally:
            again.stop()
    finally:
        server.stop()


def test_permissions_and_bad_requests(perch):
    tokens = requests.get(perch.url + "/v0/tokens", headers=perch.admin()).json()["tokens"]
    append = next(t["token"] for t in tokens if t["name"] == "ingest_app")
    read = next(t["token"] for t in tokens if t["name"] == "analyst")
    before = len(rows(perch))
    assert load(perch, CSV_HEADER + "2026-11-01 00:00:00,tok_org,u1,view,1\n", token=append).status_code == 200
    denied = load(perch, CSV_HEADER + "2026-11-01 00:00:00,x,u1,view,1\n", token=append, mode="replace")
    assert denied.status_code == 403 and append not in denied.text
    assert load(perch, "x", token=read).status_code == 403
    assert load(perch, "x", mode="upsert").status_code == 400
    assert load(perch, "x", format="parquet").status_code == 400
    missing = requests.post(perch.url + "/v0/datasources", params={"name": "nope"}, data="a", headers=perch.admin())
    assert missing.status_code == 404
    assert len(rows(perch)) == before + 1
