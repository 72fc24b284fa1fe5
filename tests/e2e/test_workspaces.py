"""Several workspaces in one process (`perch serve --workspaces FILE`): each has its own admin token,
workspace id, tokens and data, and nothing crosses between them."""
import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from conftest import DEMO, PERCH, free_port, make_jwt, wait_until_healthy

ACME_ADMIN = "acme-admin-token-" + "a" * 40
GLOBEX_ADMIN = "globex-admin-token-" + "g" * 40
ACME_ID = "11111111-1111-4111-8111-111111111111"
GLOBEX_ID = "22222222-2222-4222-8222-222222222222"


def write_config(root, workspaces):
    path = Path(root) / "workspaces.json"
    path.write_text(json.dumps({"workspaces": workspaces}))
    return path


def standard_config(root):
    for name, token in (("acme", ACME_ADMIN), ("globex", GLOBEX_ADMIN)):
        token_file = Path(root) / f"{name}.token"
        token_file.write_text(token + "\n")
        os.chmod(token_file, 0o600)
    return write_config(root, [
        {"name": "acme", "project": str(DEMO), "data": "data/acme", "admin_token_file": "acme.token",
         "workspace_id": ACME_ID},
        {"name": "globex", "project": str(DEMO), "data": "data/globex", "admin_token_file": "globex.token",
         "workspace_id": GLOBEX_ID},
    ])


class MultiServer:
    def __init__(self, config, env=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(config).parent / f"server-{self.port}.log"
        self.process = subprocess.Popen(
            [str(PERCH), "serve", "--workspaces", str(config), "--port", str(self.port)],
            env=dict(os.environ, **(env or {})), stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT)
        wait_until_healthy(self.process, self.url, self.log_path)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(timeout=20) == 0


def bearer(token):
    return {"Authorization": "Bearer " + token}


def count(url, token, where=""):
    response = requests.get(url + "/v0/sql", params={"q": f"SELECT count() AS c FROM app_events {where} FORMAT JSON"},
                            headers=bearer(token))
    assert response.status_code == 200, response.text
    return int(response.json()["data"][0]["c"])


def events(org, n):
    return "\n".join(json.dumps({"timestamp": "2026-11-01 10:00:00", "organization_id": org, "user_id": f"u{i}",
                                 "event_type": "view", "value": i}) for i in range(n))


@pytest.fixture(scope="module")
def workspaces():
    root = tempfile.mkdtemp(prefix="perch-workspaces-")
    config = standard_config(root)
    server = MultiServer(config, env={"PERCH_ADMIN_TOKEN": "env-token-must-be-ignored-" + "e" * 30})
    for token, org, n in ((ACME_ADMIN, "acme_org", 70), (GLOBEX_ADMIN, "globex_org", 30)):
        response = requests.post(server.url + "/v0/events", params={"name": "app_events", "wait": "true"},
                                 data=events(org, n), headers=bearer(token))
        assert response.status_code == 200, response.text
    yield server, config
    server.stop()


def test_each_admin_token_sees_only_its_workspace(workspaces):
    server, _ = workspaces
    assert count(server.url, ACME_ADMIN) == 70
    assert count(server.url, GLOBEX_ADMIN) == 30
    assert count(server.url, ACME_ADMIN, "WHERE organization_id = 'globex_org'") == 0
    assert count(server.url, GLOBEX_ADMIN, "WHERE organization_id = 'acme_org'") == 0


def test_environment_admin_token_is_ignored_with_several_workspaces(workspaces):
    server, _ = workspaces
    response = requests.get(server.url + "/v0/sql", params={"q": "SELECT 1"},
                            headers=bearer("env-token-must-be-ignored-" + "e" * 30))
    assert response.status_code == 403


def test_static_tokens_are_per_workspace(workspaces):
    server, _ = workspaces
    acme = requests.get(server.url + "/v0/tokens", headers=bearer(ACME_ADMIN)).json()["tokens"]
    globex = requests.get(server.url + "/v0/tokens", headers=bearer(GLOBEX_ADMIN)).json()["tokens"]
    acme_secrets = {t["token"] for t in acme}
    globex_secrets = {t["token"] for t in globex}
    assert acme_secrets and globex_secrets and not (acme_secrets & globex_secrets)
    # acme's datafile APPEND token writes into acme only.
    append = next(t["token"] for t in acme if t["name"] == "ingest_app")
    response = requests.post(server.url + "/v0/events", params={"name": "app_events", "wait": "true"},
                             data=events("acme_org_extra", 5), headers=bearer(append))
    assert response.status_code == 200, response.text
    assert count(server.url, ACME_ADMIN, "WHERE organization_id = 'acme_org_extra'") == 5
    assert count(server.url, GLOBEX_ADMIN, "WHERE organization_id = 'acme_org_extra'") == 0
    # A token created in globex is listed there only.
    created = requests.post(server.url + "/v0/tokens", params={"name": "globex_reader", "scope": "PIPES:READ:my_api_endpoint"},
                            headers=bearer(GLOBEX_ADMIN))
    assert created.status_code == 200, created.text
    names = {t["name"] for t in requests.get(server.url + "/v0/tokens", headers=bearer(ACME_ADMIN)).json()["tokens"]}
    assert "globex_reader" not in names


def jwt_for(workspace_id, key, org):
    return make_jwt({"workspace_id": workspace_id, "name": "browser", "exp": int(time.time()) + 600,
                     "scopes": [{"type": "PIPES:READ", "resource": "my_api_endpoint",
                                 "fixed_params": {"organization_id": org}}]}, key=key)


def pipe_total(server, token):
    response = requests.get(server.url + "/v0/pipes/my_api_endpoint.json", headers=bearer(token))
    return response.status_code, (response.json() if response.status_code == 200 else response.text)


def test_jwts_are_verified_only_with_their_own_workspace_key(workspaces):
    server, _ = workspaces
    status, body = pipe_total(server, jwt_for(ACME_ID, ACME_ADMIN, "acme_org"))
    assert status == 200, body
    assert body["data"] and all(row.get("organization_id", "acme_org") == "acme_org" for row in body["data"])
    status, body = pipe_total(server, jwt_for(GLOBEX_ID, GLOBEX_ADMIN, "globex_org"))
    assert status == 200, body
    # Signed with acme's key but claiming globex (and the reverse), or a workspace nobody has: 403.
    for token in (jwt_for(GLOBEX_ID, ACME_ADMIN, "globex_org"), jwt_for(ACME_ID, GLOBEX_ADMIN, "acme_org"),
                  jwt_for("33333333-3333-4333-8333-333333333333", ACME_ADMIN, "acme_org")):
        status, body = pipe_total(server, token)
        assert status == 403, body
        assert token not in body
    # A globex JWT asking for acme's tenant only ever reads globex's rows (there are none).
    status, body = pipe_total(server, jwt_for(GLOBEX_ID, GLOBEX_ADMIN, "acme_org"))
    assert status == 200 and body["data"] == []


def test_restart_keeps_each_workspace(workspaces):
    server, config = workspaces
    server.stop()
    again = MultiServer(config)
    try:
        assert count(again.url, ACME_ADMIN) == 75
        assert count(again.url, GLOBEX_ADMIN) == 30
        data = Path(config).parent / "data"
        assert (data / "acme" / "tables").is_dir() and (data / "globex" / "tables").is_dir()
    finally:
        again.stop()


@pytest.mark.parametrize("case", ["shared_data", "shared_token", "unknown_key", "missing_project"])
def test_bad_configurations_refuse_to_start(case):
    root = Path(tempfile.mkdtemp(prefix="perch-workspaces-bad-"))
    (root / "a.token").write_text("a" * 40)
    (root / "b.token").write_text("a" * 40 if case == "shared_token" else "b" * 40)
    second = {"name": "b", "project": str(DEMO), "data": "data/a" if case == "shared_data" else "data/b",
              "admin_token_file": "b.token"}
    if case == "unknown_key":
        second["projekt"] = "typo"
    if case == "missing_project":
        del second["project"]
    config = write_config(root, [{"name": "a", "project": str(DEMO), "data": "data/a", "admin_token_file": "a.token"},
                                 second])
    result = subprocess.run([str(PERCH), "serve", "--workspaces", str(config), "--port", str(free_port())],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    expected = {"shared_data": "data directory", "shared_token": "same admin token",
                "unknown_key": "unknown key \"projekt\"", "missing_project": "needs \"name\", \"project\""}[case]
    assert expected in result.stderr
    assert "a" * 40 not in result.stderr
