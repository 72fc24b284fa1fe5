"""JWT rejection, rate limits and scope checks, seen from outside."""
import json
import time

import requests

from conftest import ADMIN_TOKEN, b64url, claims, make_jwt

PIPE = "/v0/pipes/my_api_endpoint.json"
ORG = {"organization_id": "org_1"}


def assert_rejected(server, token, how="header"):
    if how == "header":
        response = requests.get(server.url + PIPE, headers={"Authorization": "Bearer " + token})
    else:
        response = requests.get(server.url + PIPE, params={"token": token})
    assert response.status_code == 403, (token, response.text)
    assert response.json()["error"].startswith("invalid authentication token")
    if token:
        assert token not in response.text
        for segment in token.split("."):
            if len(segment) > 8:
                assert segment not in response.text
    return response


def test_bad_tokens_are_403_without_echo(loaded):
    good = make_jwt(claims("org", ORG))
    assert requests.get(loaded.url + PIPE, headers={"Authorization": "Bearer " + good}).status_code == 200
    header, payload, signature = good.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    cases = {
        "expired": make_jwt(claims("org", ORG, exp=int(time.time()) - 120)),
        "wrong signature key": make_jwt(claims("org", ORG), key="another-secret-key-of-sufficient-length!!"),
        "flipped signature": f"{header}.{payload}.{flipped}",
        "stripped signature": f"{header}.{payload}.",
        "wrong workspace": make_jwt(claims("org", ORG, workspace_id="00000000-0000-4000-8000-000000000000")),
        "alg none": b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode()) + "." + payload + ".",
        "alg None signed": make_jwt(claims("org", ORG), header={"alg": "None", "typ": "JWT"}),
        "alg HS512 header": make_jwt(claims("org", ORG), header={"alg": "HS512"}),
        "two segments": f"{header}.{payload}",
        "four segments": f"{header}.{payload}.{signature}.{signature}",
        "garbage": "not-a-token-at-all",
        "padding": good + "==",
        "missing exp": make_jwt({k: v for k, v in claims("org", ORG).items() if k != "exp"}),
        "string exp": make_jwt(dict(claims("org", ORG), exp=str(int(time.time()) + 600))),
        "unknown scope type": make_jwt(dict(claims("org", ORG), scopes=[{"type": "ADMIN", "resource": "my_api_endpoint"}])),
    }
    for name, token in cases.items():
        assert_rejected(loaded, token)
    assert_rejected(loaded, cases["expired"], how="query")


def test_missing_token_is_403(loaded):
    response = requests.get(loaded.url + PIPE)
    assert response.status_code == 403
    assert response.json()["error"].startswith("invalid authentication token")


def test_scope_for_another_pipe_is_403(loaded):
    token = make_jwt(claims("org", ORG, pipe="top_event_types"))
    response = requests.get(loaded.url + PIPE, headers={"Authorization": "Bearer " + token})
    assert response.status_code == 403
    assert "PIPES:READ:my_api_endpoint" in response.json()["error"]


def test_rate_limit_429_then_recovers_and_is_shared_by_name(loaded):
    token = make_jwt(claims("limited-tenant", ORG, rps=2))
    statuses = []
    for _ in range(6):
        response = requests.get(loaded.url + PIPE, headers={"Authorization": "Bearer " + token})
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) >= 1
            assert response.json() == {"error": "rate limit exceeded"}
            assert response.headers["X-RateLimit-Limit"] == "2"
        else:
            assert "X-RateLimit-Remaining" in response.headers
    assert statuses[:2] == [200, 200]
    assert 429 in statuses
    time.sleep(1.1)
    assert requests.get(loaded.url + PIPE, headers={"Authorization": "Bearer " + token}).status_code == 200

    # Two different JWTs with the same name share one budget.
    time.sleep(1.1)
    first = make_jwt(claims("shared-name", ORG, rps=2))
    second = make_jwt(claims("shared-name", {"organization_id": "org_2"}, rps=2, ttl=900))
    assert first != second
    results = [requests.get(loaded.url + PIPE, headers={"Authorization": "Bearer " + t}).status_code
               for t in (first, second, first, second)]
    assert results[:2] == [200, 200]
    assert 429 in results[2:]


def test_cli_minted_jwt_works(loaded):
    import subprocess
    from conftest import PERCH, WORKSPACE_ID
    import os
    out = subprocess.run([str(PERCH), "token", "jwt", "--name", "cli", "--ttl", "10m", "--scope", "PIPES:READ",
                          "--resource", "my_api_endpoint", "--fixed-params", "organization_id=org_1"],
                         env=dict(os.environ, PERCH_ADMIN_TOKEN=ADMIN_TOKEN, PERCH_WORKSPACE_ID=WORKSPACE_ID),
                         capture_output=True, text=True, check=True)
    token = out.stdout.strip()
    response = requests.get(loaded.url + PIPE, params={"organization_id": "org_2"},
                            headers={"Authorization": "Bearer " + token})
    assert response.status_code == 200, response.text
    reference = requests.get(loaded.url + PIPE, params={"organization_id": "org_1"}, headers=loaded.admin())
    assert response.json()["data"] == reference.json()["data"]


def test_jwt_minting_api(loaded):
    response = requests.post(loaded.url + "/v0/tokens",
                             params={"name": "api-minted", "expiration_time": int(time.time()) + 600},
                             json={"scopes": [{"type": "PIPES:READ", "resource": "my_api_endpoint",
                                               "fixed_params": {"organization_id": "org_2"}}]},
                             headers=loaded.admin())
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    data = requests.get(loaded.url + PIPE, params={"organization_id": "org_1"},
                        headers={"Authorization": "Bearer " + token}).json()["data"]
    reference = requests.get(loaded.url + PIPE, params={"organization_id": "org_2"}, headers=loaded.admin())
    assert data == reference.json()["data"]


def test_tokens_listing_needs_admin(loaded):
    tokens = requests.get(loaded.url + "/v0/tokens", headers=loaded.admin()).json()["tokens"]
    names = {t["name"] for t in tokens}
    assert {"ingest_app", "analyst", "dashboard"} <= names
    dashboard = next(t["token"] for t in tokens if t["name"] == "dashboard")
    response = requests.get(loaded.url + "/v0/tokens", headers={"Authorization": "Bearer " + dashboard})
    assert response.status_code == 403
    assert dashboard not in response.text
