"""The development sign-in (Clerk template stand-in) and data surviving a restart."""
import base64
import json
import os
import signal
import subprocess
import time

import requests

from conftest import ADMIN_TOKEN, DEMO, PERCH, ROOT, WORKSPACE_ID, PerchServer

DASHBOARD = ROOT / "examples" / "dashboard"
PIPE = "/v0/pipes/my_api_endpoint.json"


def payload_of(token):
    segment = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def test_dev_auth_mints_clerk_shaped_tokens(tmp_path):
    perch = PerchServer(args=("--dev-auth", str(DASHBOARD)))
    try:
        users = requests.get(perch.url + "/v0/dev-auth/users").json()
        assert {u["id"] for u in users["users"]} >= {"user_alice", "user_bob", "user_dave"}
        minted = requests.post(perch.url + "/v0/dev-auth/token", json={"userId": "user_bob", "orgId": "org_3"},
                               headers={"Origin": "http://localhost:5173"})
        assert minted.status_code == 200, minted.text
        token = minted.json()["token"]
        claims = payload_of(token)
        assert claims["workspace_id"] == WORKSPACE_ID
        assert claims["sub"] == "user_bob" and claims["azp"] == "http://localhost:5173"
        assert claims["exp"] - claims["iat"] == 60 and claims["nbf"] <= claims["iat"]
        assert claims["scopes"][0]["fixed_params"] == {"organization_id": "org_3"}
        assert claims["org_slug"] == "initech" and claims["org_role"] == "org:admin"
        assert claims["plan"] == "free"
        response = requests.get(perch.url + PIPE, params={"organization_id": "org_1"},
                                headers={"Authorization": "Bearer " + token})
        assert response.status_code == 200, response.text

        # No active organization: Clerk writes null, and Perch denies instead of dropping the filter.
        dave = requests.post(perch.url + "/v0/dev-auth/token", json={"userId": "user_dave"}).json()["token"]
        assert payload_of(dave)["scopes"][0]["fixed_params"] == {"organization_id": None}
        denied = requests.get(perch.url + PIPE, headers={"Authorization": "Bearer " + dave})
        assert denied.status_code == 403
        assert "has no value" in denied.json()["error"]

        assert requests.post(perch.url + "/v0/dev-auth/token", json={"userId": "user_alice", "orgId": "org_2"}).status_code == 403
        assert requests.post(perch.url + "/v0/dev-auth/token", json={"userId": "nobody"}).status_code == 404
    finally:
        perch.stop()
    log = (perch.data + "/server.log")
    assert "DEVELOPMENT SIGN-IN ENABLED" in open(log).read()


def test_dev_auth_is_off_unless_enabled_and_refused_off_loopback(server, tmp_path):
    assert requests.post(server.url + "/v0/dev-auth/token", json={"userId": "user_bob"}).status_code == 404
    result = subprocess.run([str(PERCH), "serve", "--project", str(DEMO), "--data", str(tmp_path), "--host", "0.0.0.0",
                             "--port", "0", "--dev-auth", str(DASHBOARD)],
                            env=dict(os.environ, PERCH_ADMIN_TOKEN=ADMIN_TOKEN), capture_output=True, text=True,
                            timeout=20)
    assert result.returncode != 0
    assert "refusing --dev-auth" in result.stderr


def test_acknowledged_rows_survive_sigkill_and_restart():
    perch = PerchServer()
    rows = [{"timestamp": "2026-11-01 10:00:00", "organization_id": "org_k", "user_id": f"u{i}", "value": i}
            for i in range(1000)]
    for wait in ("true", "false"):
        body = "\n".join(json.dumps(r) for r in rows)
        response = requests.post(perch.url + "/v0/events", params={"name": "app_events", "wait": wait}, data=body,
                                 headers=perch.admin())
        assert response.status_code == (200 if wait == "true" else 202)
    perch.process.send_signal(signal.SIGKILL)
    perch.process.wait(timeout=10)
    restarted = PerchServer.__new__(PerchServer)
    restarted.__dict__.update(perch.__dict__)
    env = dict(os.environ, PERCH_ADMIN_TOKEN=ADMIN_TOKEN, PERCH_WORKSPACE_ID=WORKSPACE_ID)
    restarted.process = subprocess.Popen([str(PERCH), "serve", "--project", str(DEMO), "--data", perch.data,
                                          "--port", str(perch.port)], env=env, stdout=perch.log, stderr=subprocess.STDOUT)
    try:
        for _ in range(200):
            try:
                if requests.get(restarted.url + "/v0/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.05)
        result = requests.get(restarted.url + "/v0/sql", headers=restarted.admin(), params={
            "q": "SELECT count() AS c, sum(some_number) AS s FROM app_events WHERE organization_id = 'org_k'"})
        assert result.status_code == 200, result.text
        assert result.json()["data"] == [{"c": 2000, "s": 2 * sum(range(1000))}]
    finally:
        restarted.stop()
