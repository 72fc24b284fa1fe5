#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running Perch with the demo project and data:
# installs packages, builds, starts `perch serve` on examples/demo, loads generated events through
# the Events API, and prints ready-made JWTs and curl lines. Ctrl-C stops the server.
#   scripts/demo.sh [--port 7181] [--events 30000]
set -euo pipefail
cd "$(dirname "$0")/.."
port=7181
count=30000
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --events) count="$2"; shift 2 ;;
    *) echo "unknown option $1"; exit 2 ;;
  esac
done

bash scripts/setup.sh
PERCH_BUILD_TARGET=perch bash scripts/build.sh build

data="${PERCH_DEMO_DATA:-$(pwd)/data/demo}"
mkdir -p "$data"
./build/perch serve --project examples/demo --data "$data" --port "$port" --quiet &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null' EXIT INT TERM

url="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  curl -fs "$url/v0/health" >/dev/null 2>&1 && break
  sleep 0.1
done
admin=$(cat "$data/admin_token")
append=$(./build/perch token ls --data "$data" | awk -F'\t' '$1 == "ingest_app" { print $2 }')
dashboard=$(./build/perch token ls --data "$data" | awk -F'\t' '$1 == "dashboard" { print $2 }')

existing=$(curl -fsS "$url/v0/sql" -H "Authorization: Bearer $admin" \
  --data-urlencode "q=SELECT count() AS c FROM app_events FORMAT CSV" -G | tail -1)
if [ "${existing:-0}" != "0" ]; then
  echo "the data folder already holds $existing events (storage is durable); not loading again"
else
  echo "loading $count generated events through the Events API..."
  /usr/bin/python3 examples/demo/generate_events.py --events "$count" > "$data/events.ndjson"
  split -l 5000 "$data/events.ndjson" "$data/batch."
  for batch in "$data"/batch.*; do
    curl -fsS -X POST "$url/v0/events?name=app_events&wait=true" -H "Authorization: Bearer $append" \
      --data-binary @"$batch" >/dev/null
    rm -f "$batch"
  done
fi

jwt() { ./build/perch token jwt --data "$data" --ttl 24h "$@"; }
user_jwt=$(jwt --name user_2_alpha_1 --scope PIPES:READ --resource my_api_endpoint \
  --fixed-params organization_id=org_2,team_id=team_alpha,user_id=user_2_alpha_1)
team_jwt=$(jwt --name org_2_team_beta --scope PIPES:READ --resource my_api_endpoint \
  --fixed-params organization_id=org_2,team_id=team_beta)
org_jwt=$(jwt --name org_3 --scope PIPES:READ --resource my_api_endpoint --fixed-params organization_id=org_3 \
  --scope PIPES:READ --resource top_event_types --fixed-params organization_id=org_3)
limited_jwt=$(jwt --name org_3_limited --rps 2 --scope PIPES:READ --resource my_api_endpoint \
  --fixed-params organization_id=org_3)

cat <<TXT

Perch is serving examples/demo on $url (data in $data).

Admin token:      $admin
Static READ token ("dashboard"): $dashboard

User-level JWT (org_2 / team_alpha / user_2_alpha_1):
  curl -s "$url/v0/pipes/my_api_endpoint.json" -H "Authorization: Bearer $user_jwt"
Team-level JWT (org_2 / team_beta):
  curl -s "$url/v0/pipes/my_api_endpoint.json" -H "Authorization: Bearer $team_jwt"
Org-level JWT (org_3) — tampering with the URL changes nothing:
  curl -s "$url/v0/pipes/my_api_endpoint.json?organization_id=org_1" -H "Authorization: Bearer $org_jwt"
  curl -s "$url/v0/pipes/top_event_types.json?limit=3" -H "Authorization: Bearer $org_jwt"
Rate-limited JWT (limits.rps = 2) — run it a few times quickly to see 429:
  curl -si "$url/v0/pipes/my_api_endpoint.json" -H "Authorization: Bearer $limited_jwt" | head -1
Static token with a URL parameter:
  curl -s "$url/v0/pipes/my_api_endpoint.csv?organization_id=org_1" -H "Authorization: Bearer $dashboard"
Mint your own:
  ./build/perch token jwt --data $data --name me --ttl 1h --scope PIPES:READ --resource my_api_endpoint --fixed-params organization_id=org_1

Press Ctrl-C to stop.
TXT
wait $server
