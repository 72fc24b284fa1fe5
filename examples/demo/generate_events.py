#!/usr/bin/env python3
"""Deterministic demo data for the app_events data source.

Organizations contain teams, teams contain users; every event belongs to one user and so to one
team and one organization. The same seed always yields the same events, so tests can compute
expected totals independently of Perch.

    python3 generate_events.py [--events N] [--days D] [--seed S] [--end YYYY-MM-DD] > events.ndjson
"""
import argparse
import datetime
import json
import random
import sys

EVENT_TYPES = ["page_view", "click", "signup", "purchase", "search", "share"]
PAGES = ["/", "/pricing", "/docs", "/dashboard", "/settings", "/blog"]


def tenants(seed=7):
    """Returns [(organization_id, team_id, user_id)] — team ids repeat across organizations."""
    rng = random.Random(seed)
    result = []
    for org in range(1, 5):
        for team in ["alpha", "beta", "gamma"][: 2 + (org % 2)]:
            for user in range(rng.randint(3, 5)):
                result.append((f"org_{org}", f"team_{team}", f"user_{org}_{team}_{user}"))
    return result


def events(count=30000, days=30, seed=42, end=datetime.date(2026, 11, 1)):
    rng = random.Random(seed)
    people = tenants()
    weights = [1.0 / (1 + i % 7) for i in range(len(people))]  # some users are busier
    start = datetime.datetime.combine(end - datetime.timedelta(days=days), datetime.time())
    for _ in range(count):
        org, team, user = rng.choices(people, weights)[0]
        moment = start + datetime.timedelta(seconds=rng.randrange(days * 86400))
        event = {
            "timestamp": moment.strftime("%Y-%m-%d %H:%M:%S"),
            "organization_id": org,
            "team_id": team,
            "user_id": user,
            "event_type": rng.choice(EVENT_TYPES),
            "context": {"page": rng.choice(PAGES)},
            "value": rng.randint(-5, 100),
        }
        yield event


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=30000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--end", default="2026-11-01")
    args = parser.parse_args()
    end = datetime.date.fromisoformat(args.end)
    out = sys.stdout
    for event in events(args.events, args.days, args.seed, end):
        out.write(json.dumps(event, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
