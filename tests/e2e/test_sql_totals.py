"""GROUP BY ... WITH TOTALS over HTTP: the totals row after "data" in JSON, after an empty line in
CSV/TSV, absent from NDJSON — the shapes ClickHouse's formats give it."""
import requests


def sql(server, query, **params):
    return requests.get(server.url + "/v0/sql", params={"q": query, **params}, headers=server.admin())


def test_totals_row_in_json_csv_and_tsv(loaded):
    query = "SELECT event_type, count() AS c FROM app_events GROUP BY event_type WITH TOTALS ORDER BY event_type"
    response = sql(loaded, query + " FORMAT JSON")
    assert response.status_code == 200, response.text
    body = response.json()
    counts = {row["event_type"]: int(row["c"]) for row in body["data"]}
    assert len(counts) >= 2  # the shared `loaded` server: other tests may have appended rows
    assert body["totals"] == {"event_type": "", "c": body["totals"]["c"]}
    assert int(body["totals"]["c"]) == sum(counts.values())
    assert body["rows"] == len(counts)

    csv = sql(loaded, query + " FORMAT CSV").text
    assert csv.endswith('\n\n"",%d\n' % sum(counts.values())), csv
    tsv = sql(loaded, query + " FORMAT TSV").text.split("\n")
    assert tsv[len(counts)] == "" and tsv[len(counts) + 1] == "\t%d" % sum(counts.values())
    ndjson = sql(loaded, query + " FORMAT JSONEachRow").text
    assert ndjson.count("\n") == len(counts) and '"event_type":""' not in ndjson


def test_subquery_totals_reach_the_outer_result(loaded):
    """ClickHouse 18.16 passes a FROM subquery's totals row through the outer SELECT list (not its
    WHERE); an outer aggregation drops it."""
    inner = "(SELECT event_type, count() AS c FROM app_events GROUP BY event_type WITH TOTALS)"
    response = sql(loaded, "SELECT event_type, c * 2 AS c2 FROM %s WHERE c > 0 ORDER BY event_type FORMAT JSON" % inner)
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["data"]) >= 2
    assert body["totals"]["event_type"] == ""
    assert int(body["totals"]["c2"]) == sum(int(row["c2"]) for row in body["data"])
    outer_aggregate = sql(loaded, "SELECT count() FROM %s FORMAT JSON" % inner).json()
    assert "totals" not in outer_aggregate
