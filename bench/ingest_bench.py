#!/usr/bin/env python3
"""Ingestion and storage benchmark, Perch vs ClickHouse 18.16 in the same run (issue 5).

1. Events API throughput: the same NDJSON batches of 1k, 10k and 100k `app_events` rows sent by
   the C++ load generator bench/ingest_load (several keep-alive connections) to Perch
   (`POST /v0/events`, wait=false and wait=true) and to ClickHouse (`INSERT ... FORMAT JSONEachRow`
   over HTTP): rows/s, MB/s of NDJSON, request latency p50/p99, server CPU seconds per million rows
   (from /proc/<pid>/stat: meaningful on a loaded machine) and how often Perch pushed back (503 +
   Retry-After, retried by the client).
2. Bytes on disk per row for the --disk-rows dataset (default 10M), Perch's table folder vs
   ClickHouse's MergeTree folder.
3. Query time right after a restart (cold: first run) vs hot (median of 5), both systems, plus the
   time from start to the first answered request. The OS page cache is dropped first when
   /proc/sys/vm/drop_caches is writable (otherwise only the processes are cold; said in the output).
4. Peak RSS (VmHWM) of both servers.

    cmake --build build --target perch ingest_load
    /usr/bin/python3 bench/ingest_bench.py [--binary build/perch] [--clients 4] [--rows 1000000]
                                           [--cell-rows 3000000] [--batches 1000,10000,100000]
                                           [--disk-rows 10000000] [--skip-disk]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import app_events_gen as gen
import bench_systems as systems

COLD_QUERIES = [
    ("count", "SELECT count() FROM app_events"),
    ("tenant daily", "SELECT toDate(timestamp) AS day, count() AS events, uniq(user_id) AS users FROM app_events "
                     "WHERE organization_id = 'org_3' GROUP BY day ORDER BY day"),
    ("group by event_type", "SELECT event_type, count() AS c, sum(revenue) AS r FROM app_events GROUP BY event_type ORDER BY event_type"),
    ("top users", "SELECT user_id, count() AS c FROM app_events GROUP BY user_id ORDER BY c DESC, user_id LIMIT 10"),
]


def load_client(args):
    """The C++ load generator (bench/ingest_load.cpp), built next to the Perch binary."""
    path = Path(args.load_client or Path(args.binary).parent / "ingest_load")
    if not path.exists():
        raise SystemExit(f"{path} is missing: cmake --build {Path(args.binary).parent} --target ingest_load")
    return path


def cpu_seconds(pid):
    """utime + stime of a live process (all threads), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_load(client, url, data_file, batch_rows, rows, connections, headers=(), ok="200,202", server_pid=None):
    """One ingest_load run; returns its JSON report plus the server's CPU seconds per million rows."""
    command = [str(client), "--url", url, "--input", str(data_file), "--batch-rows", str(batch_rows), "--rows", str(rows),
               "--connections", str(connections), "--ok", ok, "--json"]
    for header in headers:
        command += ["--header", header]
    cpu_before = cpu_seconds(server_pid) if server_pid else None
    finished = subprocess.run(command, capture_output=True, text=True)
    report = json.loads(finished.stdout.strip().splitlines()[-1]) if finished.stdout.strip() else {}
    if finished.returncode != 0 or report.get("errors"):
        raise SystemExit(f"ingest_load failed ({finished.returncode}): {finished.stderr[-2000:]}{finished.stdout[-500:]}")
    if server_pid:
        report["server_cpu_per_million"] = (cpu_seconds(server_pid) - cpu_before) / (report["rows"] / 1e6)
    return report


def throughput(args):
    client = load_client(args)
    data_file = systems.dataset_file(args.rows)
    bytes_per_row = data_file.stat().st_size / args.rows

    perch_dir = systems.BENCH_DIR / "ingest_perch"
    shutil.rmtree(perch_dir, ignore_errors=True)
    perch = systems.PerchProcess(perch_dir, binary=args.binary)
    perch.start()
    clickhouse = systems.ClickHouse("bench_ingest")
    clickhouse.ensure_running()
    clickhouse.create_tables(with_dimension=False)
    perch_url = f"http://127.0.0.1:{perch.port}"
    perch_headers = [f"{name}: {value}" for name, value in perch.auth().items()]

    results = []
    try:
        for batch_rows in args.batches:
            row = {"batch": batch_rows}
            for wait in (False, True):
                empty_tables(perch, clickhouse)
                row[wait] = run_load(client, perch_url + perch.insert_path("app_events", wait), data_file, batch_rows,
                                     args.cell_rows, args.clients, perch_headers, server_pid=perch.process.pid)
                check_count("Perch", row_counts(perch, clickhouse)[0], row[wait]["rows"], batch_rows)
            row["clickhouse"] = run_load(client, f"http://127.0.0.1:{clickhouse.port}" + clickhouse.insert_path("app_events"),
                                         data_file, batch_rows, args.cell_rows, args.clients, ok="200",
                                         server_pid=clickhouse.pid())
            check_count("ClickHouse", row_counts(perch, clickhouse)[1], row["clickhouse"]["rows"], batch_rows)
            results.append(row)
            print(f"  batch {batch_rows:,}: done (load {systems.load_average()})", flush=True)
        perch_rss = perch.peak_rss_mb()
    finally:
        perch.stop()

    print()
    print(f"Events API throughput: {args.cell_rows:,} rows per cell ({bytes_per_row:.0f} B/row of NDJSON, cycling over "
          f"{args.rows:,} distinct rows), {args.clients} keep-alive connections of bench/ingest_load; "
          f"CPU = server CPU seconds per million rows")
    print(f"{'batch':>7} | {'Perch wait=false':^37} | {'Perch wait=true':^37} | {'ClickHouse 18.16':^30} | {'ratio':>5}")
    cell = f"{'rows/s':>10} {'MB/s':>5} {'p50ms':>6} {'p99ms':>6} {'CPU':>4} {'503s':>3}"
    print(f"{'rows':>7} | {cell} | {cell} | {'rows/s':>10} {'MB/s':>5} {'p50ms':>6} {'p99ms':>6} | {'f/CH':>5}")

    def perch_cell(report):
        return (f"{report['rows_per_second']:>10,.0f} {report['mb_per_second']:>5.0f} {report['p50_ms']:>6.1f} "
                f"{report['p99_ms']:>6.1f} {report['server_cpu_per_million']:>4.2f} {report['retries']:>3}")

    for row in results:
        ch = row["clickhouse"]
        print(f"{row['batch']:>7,} | {perch_cell(row[False])} | {perch_cell(row[True])} | {ch['rows_per_second']:>10,.0f} "
              f"{ch['mb_per_second']:>5.0f} {ch['p50_ms']:>6.1f} {ch['p99_ms']:>6.1f} | "
              f"{row[False]['rows_per_second'] / ch['rows_per_second']:>5.2f}")
    ch_cpu = ", ".join(f"{row['batch']:,}: {row['clickhouse'].get('server_cpu_per_million', float('nan')):.2f}" for row in results)
    print(f"ClickHouse CPU seconds per million rows by batch size: {ch_cpu}")
    print("each cell starts from an empty table (truncated); row counts checked after each cell")
    print(f"peak RSS during ingestion: Perch {perch_rss:.0f} MiB, ClickHouse {clickhouse.peak_rss_mb():.0f} MiB (server lifetime)")


def check_count(system, count, expected, batch_rows):
    if count != expected:
        raise SystemExit(f"{system} holds {count} rows after the batch-{batch_rows} cell, expected {expected}")


def empty_tables(perch, clickhouse):
    status, _, text = systems.HttpConnection(perch.port).request("POST", "/v0/datasources/app_events/truncate", headers=perch.auth())
    if status != 200:
        raise SystemExit(f"truncate failed: {status} {text[:200]!r}")
    clickhouse.execute("TRUNCATE TABLE app_events")


def row_counts(perch, clickhouse):
    status, result = perch.sql(systems.HttpConnection(perch.port), "SELECT count() AS c FROM app_events")
    if status != 200:
        raise SystemExit(f"count failed: {result}")
    return int(result["data"][0]["c"]), int(clickhouse.execute("SELECT count() FROM app_events").strip())


def drop_page_cache():
    try:
        subprocess.run(["sync"], check=True)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def run_queries(sql, connection, repetitions):
    """First-run time and median of `repetitions` further runs for each cold query (ms)."""
    rows = []
    for name, query in COLD_QUERIES:
        began = time.perf_counter()
        status, result = sql(connection, query)
        cold = (time.perf_counter() - began) * 1000
        if status != 200:
            raise RuntimeError(f"{name}: {status} {str(result)[:300]}")
        samples = []
        for _ in range(repetitions):
            began = time.perf_counter()
            sql(connection, query)
            samples.append((time.perf_counter() - began) * 1000)
        rows.append((name, cold, statistics.median(samples)))
    return rows


def disk_and_cold(args):
    perch_dir, database, report = systems.ensure_dataset(args.disk_rows, binary=args.binary)
    rows = args.disk_rows
    clickhouse = systems.ClickHouse(database)
    perch_bytes = systems.directory_bytes(perch_dir / "tables" / "app_events")
    perch_parts = systems.directory_bytes(perch_dir / "tables" / "app_events" / "parts")
    # Active parts only: parts already merged away wait minutes for deletion but hold no data.
    ch_bytes, ch_parts = (int(v) for v in clickhouse.execute(
        f"SELECT sum(bytes_on_disk), count() FROM system.parts WHERE database = '{database}' "
        f"AND table = 'app_events' AND active").split())
    parts_dir = perch_dir / "tables" / "app_events" / "parts"
    perch_part_count = len([p for p in parts_dir.iterdir() if p.suffix == ".part"]) if parts_dir.exists() else 0
    ndjson = (systems.BENCH_DIR / f"app_events_{rows}.ndjson").stat().st_size
    print()
    print(f"Bytes on disk for {rows:,} rows (NDJSON input {ndjson / rows:.1f} B/row; loaded in "
          f"Perch {report.get('perch_load_seconds', 0):.0f}s, ClickHouse {report.get('clickhouse_load_seconds', 0):.0f}s, "
          f"2 clients, 8 MB bodies)")
    print(f"{'system':<22} {'bytes':>14} {'B/row':>7}")
    print(f"{'Perch (table folder)':<22} {perch_bytes:>14,} {perch_bytes / rows:>7.2f}")
    print(f"{'Perch (parts only)':<22} {perch_parts:>14,} {perch_parts / rows:>7.2f}   ({perch_part_count} parts)")
    print(f"{'ClickHouse MergeTree':<22} {ch_bytes:>14,} {ch_bytes / rows:>7.2f}   ({ch_parts} active parts)")
    print(f"ratio Perch/ClickHouse: {perch_bytes / ch_bytes:.2f}")

    dropped = drop_page_cache()
    perch = systems.PerchProcess(perch_dir, binary=args.binary)
    perch_start = perch.start()
    try:
        perch_rows = run_queries(perch.sql, systems.HttpConnection(perch.port), args.repetitions)
        perch_rss = perch.peak_rss_mb()
    finally:
        perch.stop()
    drop_page_cache()
    ch_start = clickhouse.restart()
    ch_rows = run_queries(clickhouse.sql, systems.HttpConnection(clickhouse.port), args.repetitions)
    print()
    print(f"Cold (first query after a restart{', page cache dropped' if dropped else '; page cache NOT dropped (no permission)'})"
          f" vs hot (median of {args.repetitions}), {rows:,} rows, ms through HTTP")
    print(f"time to first answer after start: Perch {perch_start:.2f}s, ClickHouse {ch_start:.2f}s")
    print(f"{'query':<20} | {'Perch cold':>10} {'hot':>8} | {'CH cold':>10} {'hot':>8}")
    for (name, p_cold, p_hot), (_, c_cold, c_hot) in zip(perch_rows, ch_rows):
        print(f"{name:<20} | {p_cold:>10.1f} {p_hot:>8.1f} | {c_cold:>10.1f} {c_hot:>8.1f}")
    print(f"peak RSS: Perch {perch_rss:.0f} MiB after start + queries on {rows:,} rows; "
          f"ClickHouse {clickhouse.peak_rss_mb():.0f} MiB")


def main():
    parser = argparse.ArgumentParser(description="Perch vs ClickHouse ingestion, disk size, cold/hot queries")
    parser.add_argument("--binary", default=systems.default_binary())
    parser.add_argument("--clients", type=int, default=4, help="concurrent keep-alive connections")
    parser.add_argument("--rows", type=int, default=1_000_000, help="distinct generated rows the bodies are cut from")
    parser.add_argument("--cell-rows", type=int, default=3_000_000, help="rows sent per table cell (cycling over --rows)")
    parser.add_argument("--load-client", help="path of ingest_load (default: next to --binary)")
    parser.add_argument("--batches", default="1000,10000,100000")
    parser.add_argument("--disk-rows", type=int, default=10_000_000)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-disk", action="store_true")
    args = parser.parse_args()
    args.batches = [int(b) for b in args.batches.split(",")]
    print(f"perch {args.binary} (tree {systems.tree_version()}); load average {systems.load_average()}; "
          f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    if not args.skip_throughput:
        throughput(args)
    if not args.skip_disk:
        disk_and_cold(args)
    print(f"load average at the end: {systems.load_average()}")


if __name__ == "__main__":
    main()
