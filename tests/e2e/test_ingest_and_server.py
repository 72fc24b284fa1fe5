"""Ingestion, quarantine and the HTTP server's contract (CORS, request ids, limits, shutdown)."""
import gzip
import json
import subprocess
import tempfile
from pathlib import Path

import requests

from conftest import ADMIN_TOKEN, DEMO, PERCH, PerchServer


def sql(server, query):
    response = requests.get(server.url + "/v0/sql", params={"q": query}, headers=server.admin())
    assert response.status_code == 200, response.text
    return response.json()


def test_quarantine_keeps_bad_rows_with_the_error(server):
    body = "\n".join([
        json.dumps({"timestamp": "2026-11-02 10:00:00", "organization_id": "org_q", "user_id": "u1", "value": 5}),
        "{this is not json",
        json.dumps({"timestamp": "not a date", "organization_id": "org_q", "user_id": "u2", "value": 7}),
        json.dumps({"timestamp": "2026-11-02 11:00:00", "organization_id": "org_q", "user_id": "u3", "value": "abc"}),
    ])
    response = requests.post(server.url + "/v0/events", params={"name": "app_events"}, data=body, headers=server.admin())
    assert response.status_code == 202
    assert response.json() == {"successful_rows": 1, "quarantined_rows": 3}

    good = sql(server, "SELECT user_id, some_number, team_id, event_type, page FROM app_events WHERE organization_id = 'org_q'")
    assert good["data"] == [{"user_id": "u1", "some_number": 5, "team_id": "", "event_type": "unknown", "page": "/"}]

    bad = sql(server, "SELECT user_id, timestamp, c__error_column, c__error FROM app_events_quarantine WHERE organization_id = 'org_q' ORDER BY user_id")
    rows = {row["user_id"]: row for row in bad["data"]}
    assert rows["u2"]["timestamp"] == "not a date"
    assert rows["u2"]["c__error_column"] == ["timestamp"]
    assert "timestamp" in rows["u2"]["c__error"][0]
    assert rows["u3"]["c__error_column"] == ["some_number"]
    invalid = sql(server, "SELECT c__error FROM app_events_quarantine WHERE organization_id IS NULL")
    assert any("invalid JSON" in row["c__error"][0] for row in invalid["data"])


def test_gzip_body_and_wait_true(server):
    body = gzip.compress(json.dumps({"timestamp": "2026-11-03 00:00:00", "organization_id": "org_gz",
                                     "user_id": "u", "value": 11}).encode())
    response = requests.post(server.url + "/v0/events", params={"name": "app_events", "wait": "true"}, data=body,
                             headers=dict(server.admin(), **{"Content-Encoding": "gzip"}))
    assert response.status_code == 200, response.text
    assert sql(server, "SELECT sum(some_number) AS s FROM app_events WHERE organization_id = 'org_gz'")["data"] == [{"s": 11}]


def test_events_errors(server):
    assert requests.post(server.url + "/v0/events", params={"name": "nope"}, data="{}", headers=server.admin()).status_code == 404
    assert requests.post(server.url + "/v0/events", data="{}", headers=server.admin()).status_code == 400
    assert requests.post(server.url + "/v0/events", params={"name": "app_events"}, data="{}").status_code == 403
    tokens = requests.get(server.url + "/v0/tokens", headers=server.admin()).json()["tokens"]
    analyst = next(t["token"] for t in tokens if t["name"] == "analyst")  # READ only
    response = requests.post(server.url + "/v0/events", params={"name": "app_events"}, data="{}",
                             headers={"Authorization": "Bearer " + analyst})
    assert response.status_code == 403
    assert "DATASOURCES:APPEND:app_events" in response.json()["error"]


def test_body_limit_is_413(server):
    big = "x" * (11 * 1024 * 1024)
    response = requests.post(server.url + "/v0/events", params={"name": "app_events"}, data=big, headers=server.admin())
    assert response.status_code == 413


def test_cors_request_id_and_options(server):
    response = requests.options(server.url + "/v0/pipes/my_api_endpoint.json",
                                headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    assert response.headers["X-Request-ID"]
    error = requests.get(server.url + "/v0/nowhere")
    assert error.status_code == 404
    assert error.headers["Content-Type"] == "application/json"
    assert error.headers["X-Request-ID"] != response.headers["X-Request-ID"]
    assert "Access-Control-Expose-Headers" in error.headers


def test_keep_alive_reuses_the_connection(server):
    with requests.Session() as session:
        for _ in range(5):
            assert session.get(server.url + "/v0/health").status_code == 200


def test_datasource_statistics(server):
    response = requests.get(server.url + "/v0/datasources/app_events", headers=server.admin())
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "app_events"
    assert body["engine"]["sorting_key"] == "organization_id, timestamp"
    assert body["statistics"]["row_count"] >= 1
    assert [c["type"] for c in body["columns"]][:3] == ["DateTime", "String", "LowCardinality(String)"]


def test_sigterm_exits_cleanly():
    perch = PerchServer()
    assert perch.stop() == 0


def test_short_admin_token_is_refused():
    data = tempfile.mkdtemp()
    result = subprocess.run([str(PERCH), "serve", "--project", str(DEMO), "--data", data, "--port", "0"],
                            env={"PERCH_ADMIN_TOKEN": "short"}, capture_output=True, text=True, timeout=20)
    assert result.returncode != 0
    assert "shorter than 32 characters" in result.stderr


def test_generated_admin_token_is_persisted_with_mode_0600():
    data = Path(tempfile.mkdtemp())
    import os
    env = {k: v for k, v in os.environ.items() if k not in ("PERCH_ADMIN_TOKEN", "PERCH_WORKSPACE_ID")}
    port = __import__("conftest").free_port()
    process = subprocess.Popen([str(PERCH), "serve", "--project", str(DEMO), "--data", str(data), "--port", str(port)],
                               env=env, stderr=subprocess.PIPE, text=True)
    try:
        import time
        for _ in range(200):
            if (data / "admin_token").exists() and (data / "workspace_id").exists():
                break
            time.sleep(0.05)
        token_file = data / "admin_token"
        assert oct(token_file.stat().st_mode & 0o777) == "0o600"
        assert len(token_file.read_text().strip()) >= 32
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert token_file.read_text().strip() not in process.stderr.read()


def test_check_reports_file_and_line(tmp_path):
    (tmp_path / "broken.pipe").write_text("NODE a\nSQL >\n    %\n    SELECT 1\n    {% if defined(x) %} 1\n")
    (tmp_path / "events.datasource").write_text("SCHEMA >\n    `a` Int32\n\nBOGUS_KEY x\n")
    result = subprocess.run([str(PERCH), "check", "--project", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode != 0
    assert f"{tmp_path / 'broken.pipe'}:5: Template Syntax Error: Missing {{% end %}} block for if" in result.stderr
    assert f"{tmp_path / 'events.datasource'}:4: unknown datafile key 'BOGUS_KEY x'" in result.stderr
    ok = subprocess.run([str(PERCH), "check", "--project", str(DEMO)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr


def test_server_refuses_a_broken_project(tmp_path):
    (tmp_path / "bad.datasource").write_text("SCHEMA >\n    `a` NoSuchType\n")
    result = subprocess.run([str(PERCH), "serve", "--project", str(tmp_path), "--data", str(tmp_path / "d"),
                             "--port", "0"], env={"PERCH_ADMIN_TOKEN": ADMIN_TOKEN}, capture_output=True, text=True,
                            timeout=20)
    assert result.returncode != 0
    assert "bad.datasource:2:" in result.stderr


def test_check_fails_on_parameters_with_conflicting_types(tmp_path):
    (tmp_path / "events.datasource").write_text("SCHEMA >\n    `a` Int32\n")
    (tmp_path / "typed.pipe").write_text(
        "NODE first\nSQL >\n    %\n    SELECT a FROM events WHERE a > {{ Int32(x, 1) }}\n\n"
        "NODE second\nSQL >\n    %\n    SELECT a FROM first\n    WHERE toString(a) = {{ String(x) }}\n")
    result = subprocess.run([str(PERCH), "check", "--project", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode != 0
    assert f"{tmp_path / 'typed.pipe'}:10: parameter 'x' is used as String" in result.stderr


def test_query_option_names_in_templates_give_a_warning_header(tmp_path):
    (tmp_path / "events.datasource").write_text("SCHEMA >\n    `a` Int32\n")
    (tmp_path / "dbg.pipe").write_text("NODE n\nSQL >\n    %\n    SELECT {{ Int32(debug, 0) }} AS d\n")
    perch = PerchServer(project=tmp_path)
    try:
        response = requests.get(perch.url + "/v0/pipes/dbg.json", headers=perch.admin())
        assert response.status_code == 200, response.text
        assert "debug" in response.headers["X-Perch-Warning"]
        assert response.json()["data"] == [{"d": 0}]
    finally:
        perch.stop()


def test_perch_sql_prints_a_table(server):
    import os
    requests.post(server.url + "/v0/events", params={"name": "app_events", "wait": "true"},
                  data=json.dumps({"timestamp": "2026-11-05 00:00:00", "organization_id": "org_cli", "user_id": "ü",
                                   "value": 4}), headers=server.admin()).raise_for_status()
    env = dict(os.environ, PERCH_ADMIN_TOKEN=ADMIN_TOKEN)
    result = subprocess.run([str(PERCH), "sql", "--url", server.url,
                             "SELECT user_id, sum(some_number) AS total FROM app_events WHERE organization_id = 'org_cli' GROUP BY user_id"],
                            env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split("│")[0].strip() == "user_id"
    assert [cell.strip() for cell in lines[2].split("│")] == ["ü", "4"]
    assert lines[-1] == "1 row"
    bad = subprocess.run([str(PERCH), "sql", "--url", server.url, "SELECT nope FROM app_events"], env=env,
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode == 1
    assert "400" in bad.stderr
    csv = subprocess.run([str(PERCH), "sql", "--url", server.url, "--format", "csv", "SELECT 1 AS one"], env=env,
                         capture_output=True, text=True, timeout=30)
    assert csv.stdout == '"one"\n1\n'
