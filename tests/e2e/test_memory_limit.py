"""The per-query memory limit (`perch serve --max-query-memory BYTES`, SPEC §7): a query that would
buffer more than the limit fails with 400 and ClickHouse's "Memory limit (for query) exceeded"
wording instead of the process being killed for running out of memory; the server keeps serving
and the next query answers. `perch sql` opening a data folder itself takes the same flag."""
import json
import os
import subprocess
import threading

import requests

from conftest import ADMIN_TOKEN, DEMO, PERCH, WORKSPACE_ID, PerchServer

ENV = dict(os.environ, PERCH_ADMIN_TOKEN=ADMIN_TOKEN, PERCH_WORKSPACE_ID=WORKSPACE_ID)
# Sorting 4M UInt64 buffers 32 MiB (and a copy): far past 8 MiB.
BIG = "SELECT count() AS c FROM (SELECT number FROM numbers(4000000) ORDER BY number DESC) FORMAT JSON"
SMALL = "SELECT count() AS c FROM (SELECT number FROM numbers(1000) ORDER BY number DESC) FORMAT JSON"


def sql(server, query):
    return requests.get(server.url + "/v0/sql", params={"q": query}, headers=server.admin(), timeout=60)


def test_a_query_past_the_limit_gets_400_and_the_server_keeps_serving():
    server = PerchServer(args=("--max-query-memory", "8M"))
    try:
        response = sql(server, BIG)
        assert response.status_code == 400, response.text
        assert "Memory limit (for query) exceeded: would use " in response.text
        assert "for sort buffer), maximum: 8.00 MiB" in response.text
        assert server.process.poll() is None

        small = sql(server, SMALL)
        assert small.status_code == 200, small.text
        assert small.json()["data"] == [{"c": 1000}]

        # Several at once: each big one fails alone, each small one answers.
        results = {}

        def run(name, query):
            results[name] = sql(server, query)

        threads = [threading.Thread(target=run, args=(f"{kind}{i}", BIG if kind == "big" else SMALL))
                   for i in range(3) for kind in ("big", "small")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for name, response in results.items():
            if name.startswith("big"):
                assert response.status_code == 400 and "Memory limit (for query) exceeded" in response.text, response.text
            else:
                assert response.status_code == 200 and response.json()["data"] == [{"c": 1000}], response.text
    finally:
        assert server.stop() == 0


def test_the_default_limit_lets_the_same_query_through():
    server = PerchServer()
    try:
        response = sql(server, BIG)
        assert response.status_code == 200, response.text
        assert response.json()["data"] == [{"c": 4000000}]
    finally:
        server.stop()


def test_a_bad_limit_is_refused_at_startup():
    result = subprocess.run([str(PERCH), "serve", "--project", str(DEMO), "--data", "/nonexistent-perch-e2e",
                             "--max-query-memory", "lots"], env=ENV, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "--max-query-memory 'lots': expected a byte count such as 4294967296, 512M or 4GiB" in result.stderr


def test_perch_sql_in_process_takes_the_flag():
    server = PerchServer()
    data = server.data
    server.stop()

    def perch_sql(*args):
        return subprocess.run([str(PERCH), "sql", "--data", data, "--project", str(DEMO), "--format", "csv", *args],
                              env=ENV, capture_output=True, text=True, timeout=60)

    query = BIG.replace(" FORMAT JSON", "")
    refused = perch_sql("--max-query-memory", "8MiB", query)
    assert refused.returncode == 1
    assert "400" in refused.stderr and "Memory limit (for query) exceeded" in refused.stderr, refused.stderr
    allowed = perch_sql("--max-query-memory", "1G", query)
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout.strip().splitlines()[-1] == "4000000"


def test_a_high_cardinality_group_by_over_ingested_events_gets_400_and_the_server_keeps_serving():
    """200,000 distinct user_id strings sent through the Events API: grouping by them keeps the
    group list, key column, hash table and key bytes per user — past 8 MiB — and a per-tenant
    groupUniqArray keeps every distinct user in its states."""
    server = PerchServer(args=("--max-query-memory", "8M"))
    try:
        tokens = requests.get(server.url + "/v0/tokens", headers=server.admin()).json()["tokens"]
        append = next(t["token"] for t in tokens if t["name"] == "ingest_app")
        users = 200_000
        for start in range(0, users, 25_000):
            body = "\n".join(json.dumps({"timestamp": "2026-10-01 00:00:00", "organization_id": f"org_{i % 3}",
                                          "user_id": f"user-{i:08d}-of-a-high-cardinality-tenant",
                                          "event_type": "page_view", "value": i})
                              for i in range(start, start + 25_000))
            response = requests.post(server.url + "/v0/events", params={"name": "app_events", "wait": "true"}, data=body,
                                     headers={"Authorization": "Bearer " + append}, timeout=60)
            assert response.status_code == 200, response.text
            assert response.json() == {"successful_rows": 25_000, "quarantined_rows": 0}

        grouped = sql(server, "SELECT count() AS c FROM (SELECT user_id, count() AS n FROM app_events GROUP BY user_id) FORMAT JSON")
        assert grouped.status_code == 400, grouped.text
        assert "Memory limit (for query) exceeded: would use " in grouped.text
        assert "maximum: 8.00 MiB" in grouped.text
        assert server.process.poll() is None

        states = sql(server, "SELECT organization_id, length(groupUniqArray(user_id)) AS users FROM app_events "
                             "GROUP BY organization_id ORDER BY organization_id FORMAT JSON")
        assert states.status_code == 400, states.text
        assert "for aggregate function state), maximum: 8.00 MiB" in states.text

        # The server keeps serving: the same table, fewer groups.
        small = sql(server, "SELECT organization_id, count() AS c FROM app_events GROUP BY organization_id "
                            "ORDER BY organization_id FORMAT JSON")
        assert small.status_code == 200, small.text
        assert small.json()["data"] == [{"organization_id": f"org_{k}", "c": 66_667 - (k == 2)} for k in range(3)]
    finally:
        assert server.stop() == 0
