"""Black-box fixtures: start build/perch on a temporary data folder with the demo project."""
import base64
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
PERCH = Path(os.environ.get("PERCH_BINARY", ROOT / "build" / "perch"))
DEMO = ROOT / "examples" / "demo"
sys.path.insert(0, str(DEMO))

import generate_events  # noqa: E402

ADMIN_TOKEN = "e2e-admin-token-" + "x" * 40
WORKSPACE_ID = "5f0c3a4e-0000-4000-8000-00000000e2e0"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(payload, key=ADMIN_TOKEN, header=None):
    """Signs a JWT with Python's own HMAC, independently of Perch's minting code."""
    header = header if header is not None else {"alg": "HS256", "typ": "JWT"}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
    signature = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(signature)


def claims(name, fixed_params, pipe="my_api_endpoint", ttl=600, rps=None, workspace_id=WORKSPACE_ID, exp=None):
    payload = {
        "workspace_id": workspace_id,
        "name": name,
        "exp": exp if exp is not None else int(time.time()) + ttl,
        "scopes": [{"type": "PIPES:READ", "resource": pipe, "fixed_params": fixed_params}],
    }
    if rps is not None:
        payload["limits"] = {"rps": rps}
    return payload


def wait_until_healthy(process, url, log_path, seconds=20):
    """Waits for /v0/health to answer 200; raises with the server's log if it exits or never does."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError("perch exited early: " + Path(log_path).read_text())
        try:
            if requests.get(url + "/v0/health", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("perch did not become healthy")


class PerchServer:
    def __init__(self, project=DEMO, extra_env=None, args=(), data=None):
        self.port = free_port()
        self.data = data or tempfile.mkdtemp(prefix="perch-e2e-")
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, PERCH_ADMIN_TOKEN=ADMIN_TOKEN, PERCH_WORKSPACE_ID=WORKSPACE_ID)
        env.update(extra_env or {})
        self.log = open(Path(self.data) / "server.log", "w")
        self.process = subprocess.Popen(
            [str(PERCH), "serve", "--project", str(project), "--data", self.data, "--port", str(self.port), *args],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        wait_until_healthy(self.process, self.url, Path(self.data) / "server.log")

    def admin(self):
        return {"Authorization": "Bearer " + ADMIN_TOKEN}

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                raise
        return self.process.returncode


@pytest.fixture(scope="session")
def server():
    perch = PerchServer()
    yield perch
    perch.stop()


@pytest.fixture(scope="session")
def events():
    return list(generate_events.events(count=20000, days=30, seed=42))


@pytest.fixture(scope="session")
def loaded(server, events):
    """The demo data, sent through the Events API with the datafile's APPEND token in batches."""
    tokens = requests.get(server.url + "/v0/tokens", headers=server.admin()).json()["tokens"]
    append = next(t["token"] for t in tokens if t["name"] == "ingest_app")
    for start in range(0, len(events), 5000):
        body = "\n".join(json.dumps(e) for e in events[start:start + 5000])
        response = requests.post(server.url + "/v0/events", params={"name": "app_events", "wait": "true"},
                                 data=body, headers={"Authorization": "Bearer " + append})
        assert response.status_code == 200, response.text
        assert response.json() == {"successful_rows": min(5000, len(events) - start), "quarantined_rows": 0}
    return server
