"""The per-query memory limit (`perch serve --max-query-memory BYTES`, SPEC §7): a query that would
buffer more than the limit fails with 400 and ClickHouse's "Memory limit (for query) exceeded"
wording instead of the process being killed for running out of memory; the server keeps serving
and the next query answers. `perch sql` opening a data folder itself takes the same flag."""
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
