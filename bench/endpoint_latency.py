#!/usr/bin/env python3
"""Endpoint latency: p50/p95/p99 of N sequential JWT-authenticated requests to the demo endpoint.

Starts build/perch on a temporary data folder with examples/demo, loads generated events through
the Events API, mints a JWT with Python's own HMAC and times N sequential keep-alive requests.

    python3 bench/endpoint_latency.py [--requests 1000] [--events 30000]
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import requests  # noqa: E402

from conftest import PerchServer, claims, make_jwt  # noqa: E402
import generate_events  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--events", type=int, default=30000)
    args = parser.parse_args()

    server = PerchServer(args=("--quiet",))
    try:
        events = list(generate_events.events(count=args.events))
        import json
        for start in range(0, len(events), 5000):
            body = "\n".join(json.dumps(e) for e in events[start:start + 5000])
            requests.post(server.url + "/v0/events", params={"name": "app_events", "wait": "true"}, data=body,
                          headers=server.admin()).raise_for_status()
        results = []
        for level, fixed in [("org", {"organization_id": "org_1"}),
                             ("user", {"organization_id": "org_2", "team_id": "team_alpha", "user_id": "user_2_alpha_1"})]:
            token = make_jwt(claims(level, fixed, ttl=3600))
            session = requests.Session()
            headers = {"Authorization": "Bearer " + token}
            url = server.url + "/v0/pipes/my_api_endpoint.json"
            for _ in range(20):
                session.get(url, headers=headers).raise_for_status()
            samples = []
            for _ in range(args.requests):
                begin = time.perf_counter()
                response = session.get(url, headers=headers)
                samples.append((time.perf_counter() - begin) * 1000)
                assert response.status_code == 200
            samples.sort()
            q = lambda p: samples[min(len(samples) - 1, int(p * len(samples)))]  # noqa: E731
            engine = response.json()["statistics"]["elapsed"] * 1000
            results.append((level, statistics.median(samples), q(0.95), q(0.99), engine))
        print(f"{args.events} events, {args.requests} sequential requests per token (client-side wall time, keep-alive)")
        print(f"{'token':<6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'server elapsed ms':>18}")
        for level, p50, p95, p99, engine in results:
            print(f"{level:<6} {p50:>8.3f} {p95:>8.3f} {p99:>8.3f} {engine:>18.3f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
