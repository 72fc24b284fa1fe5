"""`perch sql --data DIR` (SPEC §2) and one process per data folder.

- while a server runs on DIR (on any port) the CLI asks that server;
- a second `perch serve` on the same DIR refuses to start and the first keeps serving;
- with no server, the CLI opens DIR itself (the log replayed: rows acknowledged before a SIGKILL
  are there) and a server can start on DIR again afterwards.
"""
import json
import os
import signal
import subprocess
import tempfile

import requests

from conftest import ADMIN_TOKEN, DEMO, PERCH, WORKSPACE_ID, PerchServer, free_port

ENV = dict(os.environ, PERCH_ADMIN_TOKEN=ADMIN_TOKEN, PERCH_WORKSPACE_ID=WORKSPACE_ID)


def perch_sql(*args):
    return subprocess.run([str(PERCH), "sql", *args], env=ENV, capture_output=True, text=True, timeout=60)


def append(server, rows, wait):
    tokens = requests.get(server.url + "/v0/tokens", headers=server.admin()).json()["tokens"]
    token = next(t["token"] for t in tokens if t["name"] == "ingest_app")
    body = "\n".join(json.dumps({"timestamp": "2024-05-01 10:00:00", "organization_id": org, "user_id": "u",
                                 "event_type": "click", "value": 7}) for org in rows)
    response = requests.post(server.url + "/v0/events", params={"name": "app_events", "wait": wait}, data=body,
                             headers={"Authorization": "Bearer " + token})
    assert response.status_code in (200, 202), response.text


def count_csv(*args):
    result = perch_sql(*args, "--format", "csv", "SELECT count() AS c, countIf(organization_id = 'org_cli') AS mine FROM app_events")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == '"c","mine"'
    return tuple(int(x) for x in lines[1].split(","))


def test_sql_finds_the_server_of_a_data_folder_on_its_port_and_a_second_server_is_refused():
    server = PerchServer()
    try:
        append(server, ["org_cli"] * 3 + ["org_other"], wait="true")
        assert server.port != 7181
        assert count_csv("--data", server.data) == (4, 3)
        table = perch_sql("--data", server.data, "SELECT organization_id, count() AS n FROM app_events GROUP BY organization_id ORDER BY organization_id")
        assert table.returncode == 0, table.stderr
        assert "org_cli" in table.stdout and "│ 3" in table.stdout and table.stdout.strip().endswith("2 rows")

        port = free_port()
        second = subprocess.run([str(PERCH), "serve", "--project", str(DEMO), "--data", server.data, "--port", str(port)],
                                env=ENV, capture_output=True, text=True, timeout=30)
        assert second.returncode != 0
        assert "in use by another Perch process (pid %d)" % server.process.pid in second.stderr
        assert ADMIN_TOKEN not in second.stderr
        assert requests.get(server.url + "/v0/health", timeout=5).status_code == 200
        assert count_csv("--data", server.data) == (4, 3)
    finally:
        server.stop()


def test_sql_opens_a_stopped_data_folder_itself_with_every_acknowledged_row():
    server = PerchServer()
    append(server, ["org_cli"] * 5, wait="true")
    append(server, ["org_cli"] * 2, wait="false")  # 202: in the log, not necessarily in a part
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait()

    assert count_csv("--data", server.data) == (7, 7)  # project found in DIR/server.json
    assert count_csv("--data", server.data, "--project", str(DEMO)) == (7, 7)
    bad = perch_sql("--data", server.data, "SELECT nope FROM app_events")
    assert bad.returncode == 1 and "400" in bad.stderr and "nope" in bad.stderr

    restarted = PerchServer(data=server.data)  # the CLI released the folder; the kernel released the killed server's lock
    try:
        response = requests.get(restarted.url + "/v0/sql", params={"q": "SELECT count() AS c FROM app_events FORMAT JSON"},
                                headers=restarted.admin())
        assert response.json()["data"] == [{"c": 7}]
    finally:
        restarted.stop()


def test_sql_without_a_server_or_project_says_what_to_pass():
    empty = tempfile.mkdtemp(prefix="perch-e2e-cli-")
    result = perch_sql("--data", empty, "SELECT 1")
    assert result.returncode == 2
    assert "pass --project DIR" in result.stderr
