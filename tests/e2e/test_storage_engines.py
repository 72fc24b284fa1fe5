"""Storage engines end to end: partitions, TTL applied by merges, ReplacingMergeTree with ENGINE_VER
and FINAL, all across restarts (project: tests/e2e/projects/engines)."""
import json
import os
import shutil
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

from conftest import PERCH, ROOT, PerchServer

ENGINES = ROOT / "tests" / "e2e" / "projects" / "engines"


def send(server, name, rows):
    response = requests.post(server.url + "/v0/events", params={"name": name, "wait": "true"},
                             data="\n".join(json.dumps(r) for r in rows), headers=server.admin())
    assert response.status_code == 200, response.text
    assert response.json()["successful_rows"] == len(rows)


def query(server, sql):
    response = requests.get(server.url + "/v0/sql", params={"q": sql + " FORMAT JSON"}, headers=server.admin())
    assert response.status_code == 200, response.text
    return response.json()["data"]


def wait_for(predicate, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def stamp(moment):
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def test_ttl_removes_expired_rows_in_merges_and_partitions_split_parts():
    now = datetime.now(timezone.utc)
    expired = [{"timestamp": stamp(datetime(2020, 1 + i % 2, 10, tzinfo=timezone.utc) + timedelta(minutes=i)), "id": i}
               for i in range(200)]
    recent = [{"timestamp": stamp(now - timedelta(hours=1, minutes=i)), "id": 1000 + i, "kind": "click"} for i in range(50)]
    server = PerchServer(project=ENGINES)
    try:
        send(server, "events", expired)
        send(server, "events", recent)
        # Rows are visible at once; the TTL only removes rows when parts are merged.
        assert query(server, "SELECT count() AS c FROM events") == [{"c": 250}]
        server.stop()  # the buffer is flushed to parts on shutdown

        parts = Path(server.data) / "tables" / "events" / "parts"
        partitions = {p.name.split("_")[0] for p in parts.glob("*.part")}
        assert {"202001", "202002", now.strftime("%Y%m")} <= partitions, partitions

        server = PerchServer(project=ENGINES, data=server.data)
        # The background thread drops the all-expired partitions' parts and keeps the recent rows.
        assert wait_for(lambda: query(server, "SELECT count() AS c FROM events") == [{"c": 50}]), \
            query(server, "SELECT count() AS c FROM events")
        ids = [r["id"] for r in query(server, "SELECT id FROM events ORDER BY id")]
        assert ids == list(range(1000, 1050))
        server.stop()

        server = PerchServer(project=ENGINES, data=server.data)  # expired rows do not come back
        assert query(server, "SELECT count() AS c, min(id) AS m FROM events") == [{"c": 50, "m": 1000}]
    finally:
        server.stop()


def test_replacing_merge_tree_keeps_the_greatest_version():
    server = PerchServer(project=ENGINES)
    try:
        send(server, "users", [{"user_id": "u1", "name": "a", "version": 1}, {"user_id": "u2", "name": "x", "version": 1}])
        send(server, "users", [{"user_id": "u1", "name": "b", "version": 3}])
        send(server, "users", [{"user_id": "u1", "name": "c", "version": 2}])  # later, but an older version
        latest = "SELECT user_id, name, version FROM users FINAL ORDER BY user_id"
        expected = [{"user_id": "u1", "name": "b", "version": 3}, {"user_id": "u2", "name": "x", "version": 1}]
        assert query(server, latest) == expected
        assert query(server, "SELECT count() AS c FROM users") == [{"c": 4}]  # not collapsed before a flush
        server.stop()

        # The flush on shutdown wrote one deduplicated part: the replaced versions are gone for good.
        server = PerchServer(project=ENGINES, data=server.data)
        assert query(server, "SELECT user_id, name, version FROM users ORDER BY user_id") == expected
        send(server, "users", [{"user_id": "u2", "name": "y", "version": 0}])
        assert query(server, latest) == expected
        server.stop()
        server = PerchServer(project=ENGINES, data=server.data)
        assert query(server, latest) == expected
    finally:
        server.stop()


def test_replacing_merge_tree_collapses_versions_when_parts_merge():
    server = None
    data = None
    try:
        # Six restarts leave six parts (each shutdown flushes one); then the background merge runs.
        for version in range(1, 7):
            server = PerchServer(project=ENGINES, data=data)
            data = server.data
            send(server, "users", [{"user_id": "u1", "name": f"n{version}", "version": version},
                                   {"user_id": "u2", "name": f"n{version}", "version": 7 - version}])
            server.stop()
        server = PerchServer(project=ENGINES, data=data)
        plain = "SELECT user_id, name, version FROM users ORDER BY user_id"
        assert wait_for(lambda: len(query(server, plain)) == 2), query(server, plain)
        assert query(server, plain) == [{"user_id": "u1", "name": "n6", "version": 6},
                                        {"user_id": "u2", "name": "n1", "version": 6}]
    finally:
        if server:
            server.stop()


def test_invalid_partition_key_or_ttl_fails_check_and_startup_naming_the_file(tmp_path):
    for key, value, problem in [("ENGINE_PARTITION_KEY", '"toYYYYMM(no_such_column)"', "no_such_column"),
                                ("ENGINE_TTL", '"id * 2"', "must be a Date or DateTime")]:
        project = tmp_path / key
        shutil.copytree(ENGINES, project)
        datafile = project / "datasources" / "events.datasource"
        text = "\n".join(line for line in datafile.read_text().splitlines() if not line.startswith(key))
        datafile.write_text(text + f"\n{key} {value}\n")
        check = subprocess.run([str(PERCH), "check", "--project", str(project)], capture_output=True, text=True)
        assert check.returncode == 1, check.stdout + check.stderr
        assert str(datafile) in check.stderr and problem in check.stderr, check.stderr
        serve = subprocess.run([str(PERCH), "serve", "--project", str(project), "--data", str(tmp_path / (key + "-data")),
                                "--port", "0"], capture_output=True, text=True, timeout=30,
                               env=dict(os.environ, PERCH_ADMIN_TOKEN="t" * 40))
        assert serve.returncode != 0
        assert str(datafile) in serve.stderr, serve.stderr
