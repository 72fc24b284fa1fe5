"""DateTime64(3) and DateTime('Europe/Madrid') columns end to end: ingested over the Events API,
read through a pipe endpoint in JSON and CSV, and still there after a restart (stored on disk),
where a range on the DateTime64 sorting key reads only the granules that can match.

Expected values follow ClickHouse: values are UTC instants; a DateTime('Europe/Madrid') column
reads and prints wall-clock text in Madrid (UTC+2 in summer, UTC+1 in winter); DateTime64(3)
prints three digits after the point; JSON numbers are Unix seconds."""
import json
from pathlib import Path

import requests

from conftest import PerchServer

DATASOURCE = """SCHEMA >
    `id` UInt32 `json:$.id`,
    `at` DateTime64(3) `json:$.at`,
    `local` DateTime('Europe/Madrid') `json:$.local`

ENGINE "MergeTree"
ENGINE_SORTING_KEY "at"
ENGINE_SETTINGS "index_granularity = 64"
"""

PIPE = """NODE endpoint
SQL >
    SELECT id, at, local, toUnixTimestamp64Milli(at) AS millis, toUnixTimestamp(local) AS unix,
           toHour(local) AS local_hour, toTypeName(at) AS at_type
    FROM readings
    WHERE at >= '2024-07-01 00:00:00.100'
    ORDER BY id

TYPE endpoint
"""

ROWS = [
    {"id": 1, "at": "2024-07-01 00:00:00.123", "local": "2024-07-01 12:00:00"},
    {"id": 2, "at": "2024-07-01 00:00:00.050", "local": "2024-01-15 08:30:00"},
    {"id": 3, "at": 1719792000.5, "local": 1719792000},  # numbers: Unix seconds (2024-07-01 00:00:00 UTC)
]

# Earlier readings the endpoint filters out, enough for many granules of the sorting key.
FILLER = [{"id": 100 + i, "at": "2024-06-01 00:%02d:%02d.%03d" % (i // 60 % 60, i % 60, i % 1000), "local": 1717200000 + i}
          for i in range(1000)]

EXPECTED_JSON = [
    {"id": 1, "at": "2024-07-01 00:00:00.123", "local": "2024-07-01 12:00:00", "millis": 1719792000123,
     "unix": 1719828000, "local_hour": 12, "at_type": "DateTime64(3)"},
    {"id": 3, "at": "2024-07-01 00:00:00.500", "local": "2024-07-01 02:00:00", "millis": 1719792000500,
     "unix": 1719792000, "local_hour": 2, "at_type": "DateTime64(3)"},
]

EXPECTED_CSV = ('"id","at","local","millis","unix","local_hour","at_type"\n'
                '1,"2024-07-01 00:00:00.123","2024-07-01 12:00:00",1719792000123,1719828000,12,"DateTime64(3)"\n'
                '3,"2024-07-01 00:00:00.500","2024-07-01 02:00:00",1719792000500,1719792000,2,"DateTime64(3)"\n')


def write_project(root: Path) -> Path:
    (root / "datasources").mkdir(parents=True)
    (root / "pipes").mkdir()
    (root / "datasources" / "readings.datasource").write_text(DATASOURCE)
    (root / "pipes" / "readings_api.pipe").write_text(PIPE)
    return root


def check_endpoint(server):
    response = requests.get(server.url + "/v0/pipes/readings_api.json", headers=server.admin())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] == EXPECTED_JSON
    types = {column["name"]: column["type"] for column in body["meta"]}
    assert types["at"] == "DateTime64(3)" and types["local"] == "DateTime('Europe/Madrid')", types
    response = requests.get(server.url + "/v0/pipes/readings_api.csvwithnames", headers=server.admin())
    assert response.status_code == 200, response.text
    assert response.text == EXPECTED_CSV


def test_datetime64_and_zoned_datetime_survive_ingest_endpoint_and_restart(tmp_path):
    project = write_project(tmp_path / "project")
    server = PerchServer(project=project)
    try:
        response = requests.post(server.url + "/v0/events", params={"name": "readings", "wait": "true"},
                                 data="\n".join(json.dumps(row) for row in ROWS + FILLER), headers=server.admin())
        assert response.status_code == 200, response.text
        assert response.json()["successful_rows"] == len(ROWS) + len(FILLER), response.text
        # The winter row is stored as its UTC instant (08:30 in Madrid is 07:30 UTC in January).
        response = requests.get(server.url + "/v0/sql", headers=server.admin(), params={
            "q": "SELECT toUnixTimestamp(local) AS unix, toString(toTimeZone(local, 'UTC')) AS utc "
                 "FROM readings WHERE id = 2 FORMAT JSON"})
        assert response.status_code == 200, response.text
        assert response.json()["data"] == [{"unix": 1705303800, "utc": "2024-01-15 07:30:00"}]
        check_endpoint(server)
        assert server.stop() == 0

        server = PerchServer(project=project, data=server.data)
        check_endpoint(server)
        # The parts on disk are sorted by the DateTime64 key: a range on it skips the June granules.
        response = requests.get(server.url + "/v0/sql", headers=server.admin(), params={
            "q": "SELECT count() AS c FROM readings WHERE at >= '2024-07-01 00:00:00.100' FORMAT JSON"})
        assert response.status_code == 200, response.text
        assert response.json()["data"] == [{"c": 2}]
        assert response.json()["statistics"]["rows_read"] < 200, response.json()["statistics"]
    finally:
        server.stop()
