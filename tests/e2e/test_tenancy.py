"""The multi-tenant endpoint scenario: user-, team- and org-level JWTs each see their own rows."""
from collections import defaultdict

import requests

from conftest import claims, make_jwt

PIPE = "/v0/pipes/my_api_endpoint.json"


def expected_daily(events, **tenant):
    totals = defaultdict(lambda: [0, 0])
    for event in events:
        if all(event[key] == value for key, value in tenant.items()):
            day = event["timestamp"][:10] + " 00:00:00"
            totals[day][0] += event["value"]
            totals[day][1] += 1
    return [{"day": day, "total": total, "events": count} for day, (total, count) in sorted(totals.items())]


def call(server, token, **params):
    return requests.get(server.url + PIPE, params=params, headers={"Authorization": "Bearer " + token})


USER = {"organization_id": "org_2", "team_id": "team_alpha", "user_id": "user_2_alpha_1"}
TEAM = {"organization_id": "org_2", "team_id": "team_beta"}
ORG = {"organization_id": "org_3"}


def test_each_level_sees_exactly_its_daily_totals(loaded, events):
    for name, fixed in [("user", USER), ("team", TEAM), ("org", ORG)]:
        response = call(loaded, make_jwt(claims(name, fixed)))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["meta"] == [{"name": "day", "type": "DateTime"}, {"name": "total", "type": "Int64"},
                                {"name": "events", "type": "UInt64"}]
        expected = expected_daily(events, **fixed)
        assert len(expected) > 20
        assert body["data"] == expected
        assert body["rows"] == len(expected)
        assert body["statistics"]["rows_read"] > 0


def test_url_parameters_cannot_change_the_tenant(loaded, events):
    user_token = make_jwt(claims("user", USER))
    baseline = call(loaded, user_token).json()["data"]
    assert baseline == expected_daily(events, **USER)
    for tamper in [{"user_id": "user_1_alpha_0"}, {"organization_id": "org_1"},
                   {"organization_id": "org_1", "team_id": "team_alpha", "user_id": "user_1_alpha_0"},
                   {"user_id": "' OR 1=1 --"}, {"organization_id": ["org_1", "org_3"]}]:
        response = call(loaded, user_token, **tamper)
        assert response.status_code == 200, response.text
        assert response.json()["data"] == baseline, tamper

    org_token = make_jwt(claims("org", ORG))
    org_baseline = call(loaded, org_token).json()["data"]
    assert org_baseline == expected_daily(events, **ORG)
    assert call(loaded, org_token, organization_id="org_1").json()["data"] == org_baseline

    team_token = make_jwt(claims("team", TEAM))
    assert call(loaded, team_token, organization_id="org_1", team_id="team_alpha").json()["data"] == \
        expected_daily(events, **TEAM)


def test_params_in_a_post_body_cannot_change_the_tenant(loaded, events):
    token = make_jwt(claims("user", USER))
    response = requests.post(loaded.url + PIPE, json={"user_id": "user_1_alpha_0", "organization_id": "org_1"},
                             headers={"Authorization": "Bearer " + token})
    assert response.status_code == 200, response.text
    assert response.json()["data"] == expected_daily(events, **USER)


def test_a_null_fixed_param_denies(loaded):
    token = make_jwt(claims("no-org", {"organization_id": None}))
    response = call(loaded, token, organization_id="org_1")
    assert response.status_code == 403
    assert "fixed parameter 'organization_id' has no value" in response.json()["error"]


def test_static_read_token_uses_url_parameters(loaded, events):
    tokens = requests.get(loaded.url + "/v0/tokens", headers=loaded.admin()).json()["tokens"]
    dashboard = next(t["token"] for t in tokens if t["name"] == "dashboard")
    response = call(loaded, dashboard, organization_id="org_4")
    assert response.status_code == 200, response.text
    assert response.json()["data"] == expected_daily(events, organization_id="org_4")
    # ?token= works too
    response = requests.get(loaded.url + PIPE, params={"organization_id": "org_4", "token": dashboard})
    assert response.json()["data"] == expected_daily(events, organization_id="org_4")


def test_missing_required_parameter_is_a_400_with_the_spec_message(loaded):
    response = requests.get(loaded.url + PIPE, headers=loaded.admin())
    assert response.status_code == 400
    assert "Required parameter is not defined. Check the parameters organization_id." in response.json()["error"]


def test_unknown_pipe_is_404(loaded):
    response = requests.get(loaded.url + "/v0/pipes/no_such_pipe.json", headers=loaded.admin())
    assert response.status_code == 404
    assert "no_such_pipe" in response.json()["error"]


def test_date_range_array_and_limit_parameters(loaded, events):
    token = make_jwt(claims("org", ORG))
    response = call(loaded, token, start_date="2026-10-10 00:00:00", end_date="2026-10-12 00:00:00")
    assert response.status_code == 200, response.text
    expected = [row for row in expected_daily(events, **ORG) if "2026-10-10" <= row["day"][:10] < "2026-10-12"]
    assert response.json()["data"] == expected

    top = make_jwt(claims("org", ORG, pipe="top_event_types"))
    response = requests.get(loaded.url + "/v0/pipes/top_event_types.json",
                            params=[("event_types", "click"), ("event_types", "purchase"), ("limit", "5")],
                            headers={"Authorization": "Bearer " + top})
    assert response.status_code == 200, response.text
    counts = defaultdict(int)
    for event in events:
        if event["organization_id"] == "org_3" and event["event_type"] in ("click", "purchase"):
            counts[event["event_type"]] += 1
    got = {row["event_type"]: row["events"] for row in response.json()["data"]}
    assert got == dict(counts)
    assert response.json()["rows_before_limit_at_least"] >= 2

    bad = requests.get(loaded.url + "/v0/pipes/top_event_types.json", params={"limit": "ten"},
                       headers={"Authorization": "Bearer " + top})
    assert bad.status_code == 400
    assert "Error validating 'ten' to type Int32" in bad.json()["error"]


def test_csv_and_ndjson_formats(loaded, events):
    token = make_jwt(claims("org", ORG))
    csv = requests.get(loaded.url + "/v0/pipes/my_api_endpoint.csv", headers={"Authorization": "Bearer " + token})
    assert csv.status_code == 200
    lines = csv.text.strip().split("\n")
    expected = expected_daily(events, **ORG)
    assert lines[0] == '"day","total","events"'
    assert lines[1] == f'"{expected[0]["day"]}",{expected[0]["total"]},{expected[0]["events"]}'
    ndjson = requests.get(loaded.url + "/v0/pipes/my_api_endpoint.ndjson", headers={"Authorization": "Bearer " + token})
    assert ndjson.headers["Content-Type"].startswith("application/x-ndjson")
    assert len(ndjson.text.strip().split("\n")) == len(expected)
    bad = requests.get(loaded.url + "/v0/pipes/my_api_endpoint.xml", headers={"Authorization": "Bearer " + token})
    assert bad.status_code == 400


def test_pipe_parameters_are_listed(loaded):
    token = make_jwt(claims("org", ORG))
    listing = requests.get(loaded.url + "/v0/pipes", headers={"Authorization": "Bearer " + token}).json()
    assert [p["name"] for p in listing["pipes"]] == ["my_api_endpoint"]  # only what the token can read
    info = requests.get(loaded.url + "/v0/pipes/my_api_endpoint", headers={"Authorization": "Bearer " + token}).json()
    params = {p["name"]: p for p in info["parameters"]}
    assert params["organization_id"]["required"] is True
    assert params["organization_id"]["description"] == "Tenant organization"
    assert params["start_date"]["type"] == "DateTime"
    assert info["endpoint"] == "endpoint"
    top = requests.get(loaded.url + "/v0/pipes/top_event_types", headers=loaded.admin()).json()
    limit = {p["name"]: p for p in top["parameters"]}["limit"]
    assert (limit["type"], limit["default"], limit["required"]) == ("Int32", "10", False)
    assert requests.get(loaded.url + "/v0/pipes/top_event_types", headers={"Authorization": "Bearer " + token}).status_code == 403


def test_form_body_parameters_and_repeated_keys(loaded, events):
    token = make_jwt(claims("org", ORG, pipe="top_event_types"))
    response = requests.post(loaded.url + "/v0/pipes/top_event_types.json",
                             data=[("event_types", "click"), ("event_types", "share"), ("organization_id", "org_1")],
                             headers={"Authorization": "Bearer " + token})
    assert response.status_code == 200, response.text
    got = {row["event_type"]: row["events"] for row in response.json()["data"]}
    expected = defaultdict(int)
    for event in events:
        if event["organization_id"] == "org_3" and event["event_type"] in ("click", "share"):
            expected[event["event_type"]] += 1
    assert got == dict(expected)
    repeated_scalar = requests.get(loaded.url + "/v0/pipes/top_event_types.json",
                                   params=[("limit", "1"), ("limit", "2")], headers={"Authorization": "Bearer " + token})
    assert repeated_scalar.status_code == 400
