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


def test_token_lifecycle_create_modify_refresh_delete(loaded):
    url, admin = loaded.url + "/v0/tokens", loaded.admin()
    created = requests.post(url, params={"name": "lifecycle", "scope": "PIPES:READ:top_event_types"}, headers=admin)
    assert created.status_code == 200, created.text
    secret = created.json()["token"]
    auth = {"Authorization": "Bearer " + secret}
    assert requests.get(loaded.url + PIPE, params={"organization_id": "org_1"}, headers=auth).status_code == 403
    # PUT adds scopes (Tinybird's "modify a token"); the secret stays.
    modified = requests.put(url + "/lifecycle", params={"scope": "PIPES:READ:my_api_endpoint"}, headers=admin)
    assert modified.status_code == 200, modified.text
    assert modified.json()["token"] == secret
    assert {s["resource"] for s in modified.json()["scopes"]} == {"top_event_types", "my_api_endpoint"}
    assert requests.get(loaded.url + PIPE, params={"organization_id": "org_1"}, headers=auth).status_code == 200
    assert requests.put(url + "/no_such_token", params={"scope": "PIPES:READ:my_api_endpoint"},
                        headers=admin).status_code == 404
    assert requests.put(url + "/lifecycle", params={"scope": "NOT:A:SCOPE"}, headers=admin).status_code == 400
    # Refresh: the old secret stops working at once, the new one works.
    refreshed = requests.post(url + "/lifecycle/refresh", headers=admin).json()["token"]
    assert refreshed != secret
    assert requests.get(loaded.url + PIPE, params={"organization_id": "org_1"}, headers=auth).status_code == 403
    new_auth = {"Authorization": "Bearer " + refreshed}
    assert requests.get(loaded.url + PIPE, params={"organization_id": "org_1"}, headers=new_auth).status_code == 200
    # Only ADMIN/TOKENS may manage tokens; DELETE removes it.
    assert requests.delete(url + "/lifecycle", headers=new_auth).status_code == 403
    assert requests.delete(url + "/lifecycle", headers=admin).status_code == 200
    assert requests.get(loaded.url + PIPE, params={"organization_id": "org_1"}, headers=new_auth).status_code == 403


def test_cli_minted_datasource_jwt_applies_its_filter(loaded):
    import os
    import subprocess
    from conftest import PERCH, WORKSPACE_ID
    out = subprocess.run([str(PERCH), "token", "jwt", "--name", "cli-ds", "--ttl", "10m", "--scope", "DATASOURCES:READ",
                          "--resource", "app_events", "--filter", "organization_id = 'org_3'"],
                         env=dict(os.environ, PERCH_ADMIN_TOKEN=ADMIN_TOKEN, PERCH_WORKSPACE_ID=WORKSPACE_ID),
                         capture_output=True, text=True, check=True)
    token = out.stdout.strip()
    query = "SELECT organization_id, count() AS c FROM app_events GROUP BY organization_id FORMAT JSON"
    response = requests.get(loaded.url + "/v0/sql", params={"q": query}, headers={"Authorization": "Bearer " + token})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    reference = requests.get(loaded.url + "/v0/sql", headers=loaded.admin(), params={
        "q": "SELECT count() AS c FROM app_events WHERE organization_id = 'org_3' FORMAT JSON"}).json()["data"]
    assert [row["organization_id"] for row in data] == ["org_3"]
    assert int(data[0]["c"]) == int(reference[0]["c"]) > 0
    # --filter only goes with DATASOURCES:READ.
    bad = subprocess.run([str(PERCH), "token", "jwt", "--name", "x", "--scope", "PIPES:READ", "--resource",
                          "my_api_endpoint", "--filter", "1 = 1"],
                         env=dict(os.environ, PERCH_ADMIN_TOKEN=ADMIN_TOKEN, PERCH_WORKSPACE_ID=WORKSPACE_ID),
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "--filter must follow" in bad.stderr


def test_rate_limit_holds_under_concurrent_load(loaded):
    """8 threads hammer one rate-limited name: GCRA admits the burst plus what refilled meanwhile, never more."""
    import threading
    rps = 5
    tokens = [make_jwt(claims("concurrent-tenant", ORG, rps=rps, ttl=600 + i)) for i in range(8)]
    statuses = []
    lock = threading.Lock()

    def worker(token):
        session = requests.Session()
        for _ in range(10):
            status = session.get(loaded.url + PIPE, headers={"Authorization": "Bearer " + token}).status_code
            with lock:
                statuses.append(status)

    start = time.monotonic()
    threads = [threading.Thread(target=worker, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    allowed = statuses.count(200)
    assert set(statuses) <= {200, 429}
    assert len(statuses) == 80
    # Burst of `rps` at once, then one every 1/rps seconds; +1 for a refill landing at the edge.
    assert rps <= allowed <= rps + int(elapsed * rps) + 1, (allowed, elapsed)
