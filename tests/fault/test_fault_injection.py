"""Fault injection against the real `perch` binary (issue 5, SPEC §8.1 durability contract).

The server runs with tests/fault/fault_shim.c preloaded (LD_PRELOAD). Each test first gets some
batches acknowledged, then creates the shim's control file so that write(2) or fsync(2) on the
`app_events` log or parts fails with EIO or ENOSPC, and checks that
  - the request that hit the fault fails with a 5xx (507 for a full disk) and a clear message that
    never echoes the token,
  - later writes to that table are refused (no silent retry), while reads keep working,
  - after a restart without the fault every acknowledged row is there exactly once and a failed
    batch is either entirely visible or not at all (never half of it).

Needs build/perch and build/libperch_fault_shim.so (PERCH_BINARY / PERCH_FAULT_SHIM override).
Run: /usr/bin/python3 -m pytest -q tests/fault
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
PERCH = Path(os.environ.get("PERCH_BINARY", ROOT / "build" / "perch"))
SHIM = Path(os.environ.get("PERCH_FAULT_SHIM", PERCH.parent / "libperch_fault_shim.so"))
PROJECT = ROOT / "examples" / "demo"
ADMIN_TOKEN = "fault-admin-token-" + "f" * 40
WAL = "/tables/app_events/wal/"
PARTS = "/tables/app_events/parts/"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`perch serve` on a data folder that survives restarts; optionally with the shim preloaded."""

    def __init__(self, data_dir, control_file):
        self.data_dir = data_dir
        self.control_file = control_file
        self.process = None
        self.url = None
        self.log_path = Path(data_dir).parent / "server.log"

    def start(self, with_shim):
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = dict(os.environ, PERCH_ADMIN_TOKEN=ADMIN_TOKEN)
        env.pop("LD_PRELOAD", None)
        if with_shim:
            env["LD_PRELOAD"] = str(SHIM)
            env["PERCH_FAULT_CONTROL"] = str(self.control_file)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(PERCH), "serve", "--project", str(PROJECT), "--data", str(self.data_dir), "--port", str(port), "--quiet"],
                env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("perch exited early:\n" + self.log())
            try:
                if requests.get(self.url + "/v0/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.05)
        raise RuntimeError("perch did not become healthy:\n" + self.log())

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise
        return self.process.returncode if self.process else None

    def post_batch(self, ids, wait, token_in_query=False):
        body = "\n".join(json.dumps({
            "timestamp": "2026-03-%02d 10:00:00" % (1 + i % 28),
            "organization_id": "org_%d" % (i % 5),
            "user_id": row_id,
            "event_type": "click",
            "context": {"page": "/p/%d" % (i % 7)},
            "value": i,
        }) for i, row_id in enumerate(ids))
        params = {"name": "app_events", "wait": "true" if wait else "false"}
        headers = {}
        if token_in_query:
            params["token"] = ADMIN_TOKEN
        else:
            headers["Authorization"] = "Bearer " + ADMIN_TOKEN
        return requests.post(self.url + "/v0/events", params=params, data=body.encode(), headers=headers, timeout=30)

    def user_ids(self):
        """Every user_id in app_events, as a list (duplicates kept)."""
        response = requests.get(self.url + "/v0/sql", params={"q": "SELECT user_id FROM app_events"},
                                headers={"Authorization": "Bearer " + ADMIN_TOKEN}, timeout=30)
        assert response.status_code == 200, response.text
        return [row["user_id"] for row in response.json()["data"]]


@pytest.fixture
def harness():
    if not PERCH.exists() or not SHIM.exists():
        pytest.fail(f"build {PERCH} and {SHIM} first (cmake --build build --target perch perch_fault_shim)")
    root = Path(tempfile.mkdtemp(prefix="perch-fault-"))
    server = Server(root / "data", root / "fault-control")
    yield server
    server.stop()
    if os.environ.get("PERCH_FAULT_KEEP") != "1":
        shutil.rmtree(root, ignore_errors=True)


def batch_ids(prefix, rows):
    return [f"{prefix}-r{i}" for i in range(rows)]


def acknowledge_some(server):
    """Sends wait=false and wait=true batches; returns the ids of the acknowledged ones. The last one
    is wait=true, so the log is fsynced and the background sync has nothing to do when a test arms
    an fsync fault: the request under test is the one that meets it."""
    acknowledged = []
    for number in range(6):
        wait = number % 2 == 1
        ids = batch_ids(f"ack{number}", 50 + number)
        response = server.post_batch(ids, wait=wait)
        assert response.status_code == (200 if wait else 202), response.text
        assert response.json()["successful_rows"] == len(ids)
        acknowledged += ids
    return acknowledged


def arm(server, spec):
    server.control_file.write_text(spec + "\n")


def disarm(server):
    server.control_file.unlink(missing_ok=True)


def hits(server):
    path = Path(str(server.control_file) + ".hits")
    return path.read_text().splitlines() if path.exists() else []


def error_of(response):
    assert response.headers.get("Content-Type", "").startswith("application/json"), response.headers
    message = response.json()["error"]
    assert ADMIN_TOKEN not in response.text
    return message


def assert_whole_or_absent(visible, ids):
    present = sum(1 for row_id in ids if row_id in visible)
    assert present in (0, len(ids)), f"half a batch is visible: {present} of {len(ids)} rows"


def test_disk_full_during_log_write_gives_507_and_loses_nothing(harness):
    server = harness
    server.start(with_shim=True)
    acknowledged = acknowledge_some(server)

    # The disk fills up in the middle of the next log record: half of it reaches the file.
    arm(server, f"ENOSPC write {WAL} partial")
    failed = batch_ids("full", 300)
    response = server.post_batch(failed, wait=False, token_in_query=True)
    assert response.status_code == 507, response.text
    message = error_of(response)
    assert "disk full" in message and "No space left on device" in message, message
    assert any(WAL in line for line in hits(server)), "the fault never fired"

    # Space is back, but the table stays read-only until a restart: no silent retry.
    disarm(server)
    refused = batch_ids("after", 20)
    for wait in (False, True):
        response = server.post_batch(refused, wait=wait)
        assert response.status_code == 507, response.text
        assert "accepts no writes" in error_of(response)

    # Reads keep working and show exactly the acknowledged rows.
    visible = server.user_ids()
    assert sorted(visible) == sorted(acknowledged)
    response = requests.get(server.url + "/v0/datasources/app_events", headers={"Authorization": "Bearer " + ADMIN_TOKEN})
    assert response.status_code == 200 and response.json()["statistics"]["row_count"] == len(acknowledged)

    # A crash now, then a restart without the fault: the torn record is cut off, nothing is lost.
    server.kill()
    server.start(with_shim=False)
    visible = server.user_ids()
    assert sorted(visible) == sorted(acknowledged), "acknowledged rows lost or duplicated, or a failed batch appeared"
    response = server.post_batch(batch_ids("later", 10), wait=True)
    assert response.status_code == 200, response.text
    assert len(server.user_ids()) == len(acknowledged) + 10


@pytest.mark.parametrize("error_name, status, text, later_status", [
    ("EIO", 500, "Input/output error", 503),
    ("ENOSPC", 507, "No space left on device", 507),
])
def test_fsync_failure_fails_the_wait_true_request_and_stops_writes(harness, error_name, status, text, later_status):
    server = harness
    server.start(with_shim=True)
    acknowledged = acknowledge_some(server)

    arm(server, f"{error_name} fsync {WAL}")
    unsynced = batch_ids("unsynced", 120)
    response = server.post_batch(unsynced, wait=True, token_in_query=True)
    assert response.status_code == status, response.text
    message = error_of(response)
    assert "fsync" in message and text in message, message
    assert any("fdatasync" in line or "fsync" in line for line in hits(server))

    # Never retried: a later write is refused even though fsync works again.
    disarm(server)
    refused = batch_ids("refused", 30)
    response = server.post_batch(refused, wait=False)
    assert response.status_code == later_status, response.text
    assert "accepts no writes after a storage failure" in error_of(response)

    visible = set(server.user_ids())
    assert set(acknowledged) <= visible
    assert not visible & set(refused)
    assert_whole_or_absent(visible, unsynced)

    # Graceful stop and restart: acknowledged rows exactly once, the failed batch whole or absent.
    server.stop()
    server.start(with_shim=False)
    visible_list = server.user_ids()
    visible = set(visible_list)
    assert len(visible_list) == len(visible), "a row appears twice after restart"
    assert set(acknowledged) <= visible, "an acknowledged row was lost"
    assert not visible & set(refused)
    assert_whole_or_absent(visible, unsynced)
    assert visible - set(acknowledged) - set(unsynced) == set()


def test_io_error_on_log_write_fails_the_request_and_reads_continue(harness):
    server = harness
    server.start(with_shim=True)
    acknowledged = acknowledge_some(server)

    arm(server, f"EIO write {WAL}")
    failed = batch_ids("eio", 80)
    response = server.post_batch(failed, wait=False, token_in_query=True)
    assert response.status_code == 500, response.text
    message = error_of(response)
    assert "storage I/O error" in message and "Input/output error" in message, message
    assert hits(server), "the fault never fired"

    disarm(server)
    response = server.post_batch(batch_ids("refused", 5), wait=True)
    assert response.status_code == 503, response.text
    # The pipe endpoint still answers from the data already there.
    response = requests.get(server.url + "/v0/pipes/top_event_types.json", params={"organization_id": "org_1"},
                            headers={"Authorization": "Bearer " + ADMIN_TOKEN}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["data"][0]["event_type"] == "click"
    assert sorted(server.user_ids()) == sorted(acknowledged)

    server.kill()
    server.start(with_shim=False)
    assert sorted(server.user_ids()) == sorted(acknowledged)


def test_disk_full_while_writing_a_part_keeps_the_log_and_no_half_part(harness):
    server = harness
    server.start(with_shim=True)
    acknowledged = acknowledge_some(server)

    # Shutdown flushes the buffer to a part; the part files cannot be written.
    arm(server, f"ENOSPC write {PARTS} partial")
    server.stop()
    assert any(PARTS in line for line in hits(server)), "the part write never hit the fault"
    assert "No space left on device" in server.log()
    disarm(server)

    server.start(with_shim=False)
    visible = server.user_ids()
    assert sorted(visible) == sorted(acknowledged), "rows lost, duplicated or taken from a half-written part"
    response = server.post_batch(batch_ids("later", 7), wait=True)
    assert response.status_code == 200, response.text
