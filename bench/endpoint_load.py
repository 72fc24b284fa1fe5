#!/usr/bin/env python3
"""Runs wrk against Perch's JWT-authenticated `tenant_daily` endpoint (see bench/endpoint_load.sh).

Starts build/perch on the cached benchmark dataset, mints one HS256 JWT per tenant with Python's own
HMAC (scope PIPES:READ tenant_daily, fixed_params organization_id=<tenant>), checks that a JWT sees
only its tenant, then runs `wrk -s bench/wrk_jwt.lua` with those tokens and prints a table:
requests/s, p50/p90/p99/max latency, non-2xx responses. Tenants are the --tenants largest (Zipf:
the first ones hold most rows) so the endpoint reads real amounts of data.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import subprocess
import time
from pathlib import Path

import bench_systems as systems


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(payload, key):
    signing_input = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64url(json.dumps(payload).encode())
    return signing_input + "." + b64url(hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest())


def tenant_token(tenant):
    return make_jwt({
        "workspace_id": systems.WORKSPACE_ID,
        "name": f"bench_{tenant}",
        "exp": int(time.time()) + 3600,
        "scopes": [{"type": "PIPES:READ", "resource": "tenant_daily", "fixed_params": {"organization_id": tenant}}],
    }, systems.ADMIN_TOKEN)


def main():
    parser = argparse.ArgumentParser(description="wrk load on a JWT-authenticated per-tenant endpoint")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tenants", type=int, default=50)
    parser.add_argument("--binary", default=systems.default_binary())
    args = parser.parse_args()

    perch_dir, _, _ = systems.ensure_dataset(args.rows, binary=args.binary)
    perch = systems.PerchProcess(perch_dir, binary=args.binary)
    perch.start()
    try:
        tenants = [f"org_{t}" for t in range(args.tenants)]
        tokens = [tenant_token(t) for t in tenants]
        path = "/v0/pipes/tenant_daily.json"
        # The endpoint works and a JWT sees its own tenant only (a URL parameter cannot widen it).
        connection = systems.HttpConnection(perch.port)
        status, _, body = connection.request("GET", path + "?organization_id=org_1",
                                             headers={"Authorization": "Bearer " + tokens[3]})
        own_status, _, own_body = connection.request("GET", path, headers={"Authorization": "Bearer " + tokens[3]})
        counts = lambda text: [(row["day"], row["events"]) for row in json.loads(text)["data"]]  # noqa: E731
        if status != 200 or own_status != 200 or counts(body) != counts(own_body) or not counts(own_body):
            raise SystemExit(f"endpoint check failed: {status} {body[:300]!r}")
        days = json.loads(own_body)["rows"]
        env = dict(os.environ, PERCH_JWTS=",".join(tokens), PERCH_PATH=path)
        load_before = systems.load_average()
        completed = subprocess.run(
            ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.duration}s", "--timeout", "10s",
             "-s", str(Path(__file__).resolve().parent / "wrk_jwt.lua"), f"http://127.0.0.1:{perch.port}"],
            env=env, capture_output=True, text=True, check=True)
        result_line = next(line for line in completed.stdout.splitlines() if line.startswith("RESULT "))
        result = json.loads(result_line[len("RESULT "):])
        rss = perch.peak_rss_mb()
    finally:
        perch.stop()
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, {args.tenants} tenant JWTs in turn, "
          f"GET {path} ({days} rows per answer for org_3), {args.rows:,} rows in app_events")
    print(f"load average before: {load_before}; after: {systems.load_average()} (wrk shares the 2 cores)")
    print(f"{'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} {'non-2xx':>8} {'sock err':>8}")
    print(f"{result['requests']:>9} {result['rps']:>9.1f} {result['p50_ms']:>8.2f} {result['p90_ms']:>8.2f} "
          f"{result['p99_ms']:>8.2f} {result['max_ms']:>8.2f} {result['non_2xx']:>8} {result['socket_errors']:>8}")
    print(f"Perch peak RSS {rss:.0f} MiB")
    if result["non_2xx"]:
        raise SystemExit("some requests failed")


if __name__ == "__main__":
    main()
