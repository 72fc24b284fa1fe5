#!/usr/bin/python3
"""Crash test for the durability contract (SPEC §8.1, issue 5).

Starts `perch serve`, sends `wait=true` batches with unique ids to /v0/events?name=app_events from
several writers, SIGKILLs the server at random moments, restarts it, and checks through /v0/sql that
  - every acknowledged id (HTTP 200) is present exactly once,
  - no id is present twice (acknowledged or not),
  - no batch is partially visible (all of its ids or none),
  - the server answers queries after every restart.

Usage: tests/crash/crash_test.py [--binary build/perch] [--project examples/demo] [--cycles 20]
                                 [--time-budget 120] [--seed N] [--keep]
Needs Python 3 with `requests`. Exit status 0 = contract held, 1 = violated, 2 = setup problem.
"""
import argparse
import collections
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import requests

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, binary, project, data_dir, port, token, log_path):
        self.command = [binary, "serve", "--project", project, "--data", data_dir, "--port", str(port)]
        self.url = f"http://127.0.0.1:{port}"
        self.env = dict(os.environ, PERCH_ADMIN_TOKEN=token)
        self.log_path = log_path
        self.process = None

    def start(self, timeout=30.0):
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with status {self.process.returncode}; see {self.log_path}")
            try:
                if requests.get(self.url + "/v0/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"server did not become healthy in {timeout}s; see {self.log_path}")

    def kill(self):
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()


class Ledger:
    """What the writers sent: every batch's ids, and which batches were acknowledged."""

    def __init__(self):
        self.lock = threading.Lock()
        self.batches = {}          # batch id -> list of row ids
        self.acknowledged = set()  # batch ids answered with 200

    def record(self, batch_id, ids, acknowledged):
        with self.lock:
            self.batches[batch_id] = ids
            if acknowledged:
                self.acknowledged.add(batch_id)


def event_line(row_id, rng):
    return json.dumps({
        "timestamp": "2026-01-%02d %02d:%02d:00" % (rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59)),
        "organization_id": "org_%d" % rng.randint(0, 9),
        "team_id": "team_%d" % rng.randint(0, 3),
        "user_id": row_id,
        "event_type": rng.choice(["page_view", "click", "signup"]),
        "context": {"page": "/p/%d" % rng.randint(0, 50)},
        "value": rng.randint(0, 1000),
    })


def writer(server_url, token, cycle, writer_index, ledger, stop, seed):
    rng = random.Random(seed)
    session = requests.Session()
    headers = {"Authorization": "Bearer " + token}
    batch_number = 0
    while not stop.is_set():
        batch_id = f"c{cycle}w{writer_index}b{batch_number}"
        batch_number += 1
        rows = rng.choice([1, 3, 10, 50, 200])
        ids = [f"{batch_id}r{i}" for i in range(rows)]
        body = "\n".join(event_line(row_id, rng) for row_id in ids)
        acknowledged = False
        try:
            response = session.post(server_url + "/v0/events", params={"name": "app_events", "wait": "true"},
                                    data=body.encode(), headers=headers, timeout=10)
            acknowledged = response.status_code == 200
            if acknowledged and response.json().get("successful_rows") != rows:
                print(f"unexpected response for {batch_id}: {response.text}", file=sys.stderr)
        except requests.RequestException:
            pass  # the server died mid-request: the batch may or may not be there, but never half of it
        ledger.record(batch_id, ids, acknowledged)
        if not acknowledged:
            return  # server is gone; the cycle restarts it


def query_ids(server_url, token):
    response = requests.get(server_url + "/v0/sql", params={"q": "SELECT user_id FROM app_events FORMAT JSON"},
                            headers={"Authorization": "Bearer " + token}, timeout=60)
    if response.status_code != 200:
        raise AssertionError(f"query after restart failed: HTTP {response.status_code}: {response.text[:500]}")
    return collections.Counter(row["user_id"] for row in response.json()["data"])


def check(ledger, counts):
    """Returns a list of contract violations."""
    problems = []
    with ledger.lock:
        batches = dict(ledger.batches)
        acknowledged = set(ledger.acknowledged)
    known = set()
    for batch_id, ids in batches.items():
        known.update(ids)
        present = [row_id for row_id in ids if counts.get(row_id, 0) > 0]
        if batch_id in acknowledged and len(present) != len(ids):
            problems.append(f"acknowledged batch {batch_id}: {len(ids) - len(present)} of {len(ids)} rows missing")
        elif 0 < len(present) < len(ids):
            problems.append(f"batch {batch_id} is partially visible: {len(present)} of {len(ids)} rows")
    for row_id, count in counts.items():
        if count > 1:
            problems.append(f"id {row_id} is present {count} times")
        if row_id not in known:
            problems.append(f"id {row_id} was never sent")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(REPO, "build", "perch"))
    parser.add_argument("--project", default=os.path.join(REPO, "examples", "demo"))
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--time-budget", type=float, default=120.0, help="seconds; kill delays shrink to fit")
    parser.add_argument("--writers", type=int, default=3)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the data directory and server log")
    args = parser.parse_args()

    if not os.access(args.binary, os.X_OK):
        print(f"no server binary at {args.binary} (build it first)", file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    token = os.environ.get("PERCH_ADMIN_TOKEN") or secrets.token_hex(24)
    if len(token) < 32:
        print("PERCH_ADMIN_TOKEN must be at least 32 characters", file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="perch-crash-")
    data_dir = os.path.join(work, "data")
    log_path = os.path.join(work, "server.log")
    server = Server(args.binary, args.project, data_dir, free_port(), token, log_path)
    ledger = Ledger()
    started = time.monotonic()
    print(f"crash test: seed {seed}, {args.cycles} cycles, data in {work}")
    failed = False
    try:
        server.start()
        for cycle in range(args.cycles):
            stop = threading.Event()
            threads = [threading.Thread(target=writer, args=(server.url, token, cycle, w, ledger, stop, rng.random()))
                       for w in range(args.writers)]
            for thread in threads:
                thread.start()
            # Spread what is left of the budget over the remaining kills (restarts and checks slow
            # down as the data grows, so the delays shrink instead of the run overshooting).
            remaining = args.time_budget - (time.monotonic() - started)
            mean_delay = max(0.2, 0.5 * remaining / (args.cycles - cycle))
            time.sleep(rng.uniform(0.1, 2 * mean_delay - 0.1))
            server.kill()
            stop.set()
            for thread in threads:
                thread.join()
            server.start()
            counts = query_ids(server.url, token)
            problems = check(ledger, counts)
            with ledger.lock:
                acknowledged_rows = sum(len(ledger.batches[b]) for b in ledger.acknowledged)
            print(f"cycle {cycle + 1:2d}: {len(ledger.acknowledged)} batches / {acknowledged_rows} rows acknowledged, "
                  f"{sum(counts.values())} rows visible, {len(problems)} problems "
                  f"({time.monotonic() - started:.0f}s)")
            for problem in problems[:20]:
                print("  " + problem)
            if problems:
                failed = True
                break
    except (RuntimeError, AssertionError) as error:
        print(f"FAILED: {error}", file=sys.stderr)
        failed = True
    finally:
        server.kill()
    if failed:
        print(f"FAILED (seed {seed}); server log and data kept in {work}")
        return 1
    print(f"OK: {args.cycles} SIGKILL cycles, every acknowledged row present exactly once "
          f"({time.monotonic() - started:.0f}s)")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
