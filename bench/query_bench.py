#!/usr/bin/env python3
"""Query benchmark, Perch vs ClickHouse 18.16 on the same data (issue 4).

Loads --rows generated `app_events` rows (bench/app_events_gen.py: Zipf tenants, users, teams,
event types, metrics, 90 days) plus a 1,000-row `organizations` dimension table into both systems
once (cached under $PERCH_BENCH_DIR), then runs every query of the suite hot through each system's
HTTP interface (Perch: GET /v0/sql with the admin token; ClickHouse: POST / ... FORMAT JSON, 2
threads, the same as Perch's 2 cores), one warm-up run and --repetitions timed runs each,
alternating systems. Prints client-side wall time medians, the ratio Perch/ClickHouse, the engines'
own `statistics.elapsed`, whether the results agree, and the geometric mean of the ratios.

    /usr/bin/python3 bench/query_bench.py [--rows 10000000] [--repetitions 5] [--binary build/perch]
"""
import argparse
import math
import os
import statistics
import time

import bench_systems as systems

TENANT = "org_3"        # a large tenant (~4% of the rows)
SMALL_TENANT = "org_400"

# (name, kind, SQL). Endpoint-style queries filter on the sorting key prefix; scans read everything.
QUERIES = [
    ("tenant_daily_series", "endpoint",
     f"SELECT toDate(timestamp) AS day, count() AS events, uniq(user_id) AS users FROM app_events "
     f"WHERE organization_id = '{TENANT}' GROUP BY day ORDER BY day"),
    ("tenant_week_by_hour", "endpoint",
     f"SELECT toStartOfHour(timestamp) AS hour, count() AS events FROM app_events WHERE organization_id = '{TENANT}' "
     f"AND timestamp >= toDateTime('2026-03-01 00:00:00') AND timestamp < toDateTime('2026-03-08 00:00:00') "
     f"GROUP BY hour ORDER BY hour"),
    ("tenant_top_pages", "endpoint",
     f"SELECT page, count() AS views FROM app_events WHERE organization_id = '{TENANT}' AND event_type = 'page_view' "
     f"GROUP BY page ORDER BY views DESC, page LIMIT 10"),
    ("tenant_uniq_users", "endpoint",
     f"SELECT uniq(user_id) AS users FROM app_events WHERE organization_id = '{TENANT}'"),
    ("tenant_p95_latency", "endpoint",
     f"SELECT event_type, quantile(0.95)(duration_ms) AS p95 FROM app_events WHERE organization_id = '{TENANT}' "
     f"GROUP BY event_type ORDER BY event_type"),
    ("tenant_funnel", "endpoint",
     f"SELECT countIf(event_type = 'page_view') AS views, countIf(event_type = 'add_to_cart') AS carts, "
     f"countIf(event_type = 'purchase') AS purchases, sumIf(revenue, event_type = 'purchase') AS revenue "
     f"FROM app_events WHERE organization_id = '{TENANT}'"),
    ("tenant_top_users", "endpoint",
     f"SELECT user_id, count() AS events, sum(revenue) AS revenue FROM app_events WHERE organization_id = '{TENANT}' "
     f"GROUP BY user_id ORDER BY events DESC, user_id LIMIT 10"),
    ("tenant_teams", "endpoint",
     f"SELECT team_id, count() AS events, avg(duration_ms) AS avg_ms FROM app_events WHERE organization_id = '{TENANT}' "
     f"GROUP BY team_id ORDER BY team_id"),
    ("largest_tenant_revenue", "endpoint",
     "SELECT toDate(timestamp) AS day, sum(revenue) AS revenue, countIf(event_type = 'purchase') AS orders "
     "FROM app_events WHERE organization_id = 'org_0' GROUP BY day ORDER BY day"),
    ("small_tenant_daily", "endpoint",
     f"SELECT toDate(timestamp) AS day, count() AS events FROM app_events WHERE organization_id = '{SMALL_TENANT}' "
     f"GROUP BY day ORDER BY day"),
    ("tenant_last_day", "endpoint",
     f"SELECT count() AS events, sum(revenue) AS revenue, max(duration_ms) AS slowest FROM app_events "
     f"WHERE organization_id = '{TENANT}' AND timestamp >= toDateTime('2026-03-31 00:00:00')"),
    ("tenant_event_mix", "endpoint",
     f"SELECT event_type, count() AS events, uniq(user_id) AS users FROM app_events WHERE organization_id = '{TENANT}' "
     f"AND timestamp >= toDateTime('2026-03-01 00:00:00') GROUP BY event_type ORDER BY event_type"),
    ("join_plan_last_week", "endpoint",
     "SELECT plan, count() AS events FROM app_events ALL INNER JOIN organizations USING (organization_id) "
     "WHERE timestamp >= toDateTime('2026-03-25 00:00:00') GROUP BY plan ORDER BY plan"),
    ("scan_count", "scan", "SELECT count() AS c FROM app_events"),
    ("scan_sum", "scan", "SELECT sum(some_number) AS s, sum(duration_ms) AS d FROM app_events"),
    ("scan_group_low_card", "scan",
     "SELECT event_type, count() AS c, sum(revenue) AS r FROM app_events GROUP BY event_type ORDER BY event_type"),
    ("scan_group_high_card", "scan",
     "SELECT user_id, count() AS c FROM app_events GROUP BY user_id ORDER BY c DESC, user_id LIMIT 10"),
    ("scan_group_by_day", "scan",
     "SELECT toDate(timestamp) AS day, count() AS c, uniq(organization_id) AS tenants FROM app_events GROUP BY day ORDER BY day"),
    ("scan_p95_per_tenant", "scan",
     "SELECT organization_id, quantile(0.95)(duration_ms) AS p95 FROM app_events GROUP BY organization_id "
     "ORDER BY organization_id LIMIT 10"),
]


def normalize(value):
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    return value


def agreement(perch_data, ch_data, tolerance):
    """'same' (exact up to float rounding), '~' (numbers within `tolerance`: uniq and quantile are
    approximate in both systems, with different algorithms), or 'DIFF'."""
    if len(perch_data) != len(ch_data):
        return f"DIFF rows {len(perch_data)}/{len(ch_data)}"
    verdict = "same"
    for left, right in zip(perch_data, ch_data):
        left_values = [normalize(v) for v in left.values()]
        right_values = [normalize(v) for v in right.values()]
        if len(left_values) != len(right_values):
            return "DIFF columns"
        for a, b in zip(left_values, right_values):
            if a == b:
                continue
            if isinstance(a, float) and isinstance(b, float):
                scale = max(abs(a), abs(b), 1e-12)
                if abs(a - b) / scale <= 1e-9:
                    continue
                if abs(a - b) / scale <= tolerance:
                    verdict = "~"
                    continue
            return "DIFF"
    return verdict


def timed(sql, connection, query):
    began = time.perf_counter()
    status, result = sql(connection, query)
    wall = (time.perf_counter() - began) * 1000
    if status != 200:
        raise RuntimeError(f"{status}: {str(result)[:400]}")
    return wall, result


def main():
    parser = argparse.ArgumentParser(description="Perch vs ClickHouse query suite")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--binary", default=systems.default_binary())
    parser.add_argument("--only", default="", help="comma-separated query names")
    args = parser.parse_args()
    queries = [q for q in QUERIES if not args.only or q[0] in args.only.split(",")]

    perch_dir, database, _ = systems.ensure_dataset(args.rows, binary=args.binary)
    clickhouse = systems.ClickHouse(database)
    perch = systems.PerchProcess(perch_dir, binary=args.binary)
    start_seconds = perch.start()
    print(f"{args.rows:,} rows; perch {args.binary} (binary from {time.strftime('%H:%M UTC', time.gmtime(os.path.getmtime(args.binary)))}); "
          f"tree {systems.tree_version()}")
    print(f"Perch ready {start_seconds:.1f}s after start; load average before: {systems.load_average()}; "
          f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    results = []
    try:
        perch_connection = systems.HttpConnection(perch.port)
        ch_connection = systems.HttpConnection(clickhouse.port)
        for name, kind, query in queries:
            try:
                _, perch_result = timed(perch.sql, perch_connection, query)  # warm-up
                _, ch_result = timed(clickhouse.sql, ch_connection, query)
                perch_samples, ch_samples = [], []
                for _ in range(args.repetitions):
                    wall, perch_result = timed(perch.sql, perch_connection, query)
                    perch_samples.append(wall)
                    wall, ch_result = timed(clickhouse.sql, ch_connection, query)
                    ch_samples.append(wall)
                results.append((name, kind, statistics.median(perch_samples), statistics.median(ch_samples),
                                perch_result["statistics"]["elapsed"] * 1000, ch_result["statistics"]["elapsed"] * 1000,
                                perch_result["statistics"].get("rows_read", 0),
                                agreement(perch_result["data"], ch_result["data"], 0.1 if "quantile" in query else 0.02)))
            except RuntimeError as error:
                results.append((name, kind, None, None, None, None, None, str(error)[:60]))
        perch_rss = perch.peak_rss_mb()
    finally:
        perch.stop()

    print(f"median of {args.repetitions} hot runs, client wall time through HTTP (ms); engine = the server's own elapsed (last run)")
    print(f"{'query':<24} {'kind':<8} | {'Perch':>8} {'CH':>8} {'ratio':>6} | {'engine P':>8} {'engine CH':>9} | "
          f"{'P rows_read':>11} | result")
    ratios = []
    for name, kind, p_ms, c_ms, p_engine, c_engine, rows_read, verdict in results:
        if p_ms is None:
            print(f"{name:<24} {kind:<8} | failed: {verdict}")
            continue
        ratio = p_ms / c_ms
        ratios.append(ratio)
        print(f"{name:<24} {kind:<8} | {p_ms:>8.1f} {c_ms:>8.1f} {ratio:>6.2f} | {p_engine:>8.1f} {c_engine:>9.1f} | "
              f"{rows_read:>11,} | {verdict}")
    if ratios:
        geomean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
        print(f"geometric mean of Perch/ClickHouse over {len(ratios)} queries: {geomean:.2f} "
              f"(< 1 = Perch faster); worst {max(ratios):.2f}")
    print(f"Perch peak RSS {perch_rss:.0f} MiB; ClickHouse {clickhouse.peak_rss_mb():.0f} MiB; "
          f"load average after: {systems.load_average()}")


if __name__ == "__main__":
    main()
