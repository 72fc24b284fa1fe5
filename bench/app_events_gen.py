#!/usr/bin/env python3
"""Deterministic generator of `app_events`-like rows for the benchmarks (issues 4 and 5).

Shape: 1,000 tenants (`organization_id`, Zipf-distributed with s = 1.1, so org_0 is the largest),
8 teams and up to 2,000 users per tenant, 12 event types with skewed weights, 400 pages (Zipf),
`duration_ms` (exponential, mean 180 ms), `revenue` (only on purchases), `some_number`, and
timestamps spread over the 90 days 2026-01-01 .. 2026-03-31 (UTC).

Rows are NDJSON lines with flat keys equal to the column names, so the same bytes can be sent to
Perch's Events API and to ClickHouse's `INSERT ... FORMAT JSONEachRow`. Chunk i of a given seed is
always the same bytes, whatever the chunk is used for (plain Python, no numpy: ~0.5-1 M rows/s).

    python3 bench/app_events_gen.py --rows 1000 > sample.ndjson
"""
import argparse
import bisect
import itertools
import random
import sys

TENANTS = 1000
TEAMS = 8
MAX_USERS_PER_TENANT = 2000
DAYS = 90
EVENT_TYPES = ["page_view", "click", "scroll", "search", "signup", "login", "logout", "add_to_cart",
               "purchase", "share", "error", "invite"]
EVENT_WEIGHTS = [40, 20, 10, 8, 2, 6, 3, 4, 1.5, 1.5, 2, 2]
PAGES = 400
PLANS = ["free", "pro", "enterprise"]
REGIONS = ["eu", "us", "ap"]

# The table, as a Perch datafile and as ClickHouse DDL (same columns, same sorting key).
DATASOURCE = """DESCRIPTION >
    Benchmark copy of app_events (bench/app_events_gen.py).

SCHEMA >
    `timestamp` DateTime `json:$.timestamp`,
    `organization_id` String `json:$.organization_id`,
    `team_id` LowCardinality(String) `json:$.team_id`,
    `user_id` String `json:$.user_id`,
    `event_type` LowCardinality(String) `json:$.event_type`,
    `page` String `json:$.page`,
    `duration_ms` UInt32 `json:$.duration_ms`,
    `revenue` Float64 `json:$.revenue`,
    `some_number` Int64 `json:$.some_number`

ENGINE "MergeTree"
ENGINE_PARTITION_KEY "toYYYYMM(timestamp)"
ENGINE_SORTING_KEY "organization_id, timestamp"
"""

DIMENSION_DATASOURCE = """DESCRIPTION >
    One row per tenant: plan and region (the small side of the benchmark's join).

SCHEMA >
    `organization_id` String `json:$.organization_id`,
    `plan` LowCardinality(String) `json:$.plan`,
    `region` LowCardinality(String) `json:$.region`

ENGINE "MergeTree"
ENGINE_SORTING_KEY "organization_id"
"""

# The per-tenant endpoint that the wrk load test calls with JWTs (organization_id is a fixed param).
ENDPOINT_PIPE = """DESCRIPTION >
    Daily events, users and revenue of the caller's organization.

NODE endpoint
SQL >
    %
    SELECT toDate(timestamp) AS day, count() AS events, uniq(user_id) AS users, sum(revenue) AS revenue
    FROM app_events
    WHERE organization_id = {{ String(organization_id, required=True) }}
      AND timestamp >= {{ DateTime(start, '2026-03-01 00:00:00') }}
    GROUP BY day
    ORDER BY day
"""

CLICKHOUSE_COLUMNS = """(
    timestamp DateTime, organization_id String, team_id LowCardinality(String), user_id String,
    event_type LowCardinality(String), page String, duration_ms UInt32, revenue Float64, some_number Int64)"""
CLICKHOUSE_ENGINE = "ENGINE = MergeTree PARTITION BY toYYYYMM(timestamp) ORDER BY (organization_id, timestamp)"
CLICKHOUSE_DIMENSION = ("(organization_id String, plan LowCardinality(String), region LowCardinality(String)) "
                        "ENGINE = MergeTree ORDER BY organization_id")


def write_project(directory):
    """Writes the benchmark project (datasources + endpoint pipe) into `directory`."""
    import os
    os.makedirs(os.path.join(directory, "datasources"), exist_ok=True)
    os.makedirs(os.path.join(directory, "pipes"), exist_ok=True)
    with open(os.path.join(directory, "datasources", "app_events.datasource"), "w") as f:
        f.write(DATASOURCE)
    with open(os.path.join(directory, "datasources", "organizations.datasource"), "w") as f:
        f.write(DIMENSION_DATASOURCE)
    with open(os.path.join(directory, "pipes", "tenant_daily.pipe"), "w") as f:
        f.write(ENDPOINT_PIPE)


def _zipf_cumulative(count, exponent):
    return list(itertools.accumulate(1.0 / (rank + 1) ** exponent for rank in range(count)))


_TENANT_CUM = _zipf_cumulative(TENANTS, 1.1)
_PAGE_CUM = _zipf_cumulative(PAGES, 1.0)
_EVENT_CUM = list(itertools.accumulate(EVENT_WEIGHTS))
_ORG_NAMES = ['"organization_id":"org_%d"' % t for t in range(TENANTS)]
# Larger tenants have more users (at least 20).
_USERS = [max(20, int(MAX_USERS_PER_TENANT * (1.0 / (t + 1)) ** 0.5)) for t in range(TENANTS)]
_TEAMS = ['"team_id":"team_%d"' % t for t in range(TEAMS)]
_EVENTS = ['"event_type":"%s"' % e for e in EVENT_TYPES]
_PAGE_NAMES = ['"page":"/p/%d"' % p for p in range(PAGES)]
_DAYS = ["2026-%02d-%02d" % (m, d) for m, days in ((1, 31), (2, 28), (3, 31)) for d in range(1, days + 1)]
_TIMES = ["%02d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60) for s in range(86400)]
_PURCHASE = EVENT_TYPES.index("purchase")


def chunk(index, rows, seed=1):
    """NDJSON bytes of `rows` rows: the index-th chunk of the stream for `seed` (newline-terminated)."""
    rng = random.Random(seed * 1_000_003 + index)
    tenants = rng.choices(range(TENANTS), cum_weights=_TENANT_CUM, k=rows)
    events = rng.choices(range(len(EVENT_TYPES)), cum_weights=_EVENT_CUM, k=rows)
    pages = rng.choices(_PAGE_NAMES, cum_weights=_PAGE_CUM, k=rows)
    rand = rng.random
    expo = rng.expovariate
    lines = []
    append = lines.append
    for i in range(rows):
        tenant = tenants[i]
        event = events[i]
        user = int(rand() * _USERS[tenant])
        seconds = int(rand() * 86400 * DAYS)
        revenue = "%.2f" % (5 + rand() * 195) if event == _PURCHASE else "0"
        append('{"timestamp":"%s %s",%s,%s,"user_id":"user_%d_%d",%s,%s,"duration_ms":%d,"revenue":%s,"some_number":%d}' % (
            _DAYS[seconds // 86400], _TIMES[seconds % 86400], _ORG_NAMES[tenant], _TEAMS[user % TEAMS],
            tenant, user, _EVENTS[event], pages[i], int(expo(1 / 180.0)), revenue, (i * 7919 + index) % 100_000))
    append("")
    return "\n".join(lines).encode()


def organizations():
    """NDJSON bytes of the dimension table: one row per tenant."""
    return "".join('{"organization_id":"org_%d","plan":"%s","region":"%s"}\n' % (
        t, PLANS[0 if t >= 100 else (1 if t >= 10 else 2)], REGIONS[t % 3]) for t in range(TENANTS)).encode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    out = sys.stdout.buffer
    done = 0
    index = 0
    while done < args.rows:
        rows = min(args.chunk_rows, args.rows - done)
        out.write(chunk(index, rows, args.seed))
        done += rows
        index += 1


if __name__ == "__main__":
    main()
