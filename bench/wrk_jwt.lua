-- wrk script for the per-tenant endpoint load test (bench/endpoint_load.sh).
-- Every request carries `Authorization: Bearer <JWT>`; the JWTs come from $PERCH_JWTS
-- (comma-separated, one per tenant, each with organization_id as a fixed param) and are used in
-- turn, so the server verifies a signature and renders the pipe per request, for many tenants.
-- $PERCH_PATH is the request path (default /v0/pipes/tenant_daily.json).
-- At the end it prints one line starting with "RESULT " holding JSON that endpoint_load.py parses.

local tokens = {}
for token in string.gmatch(os.getenv("PERCH_JWTS") or "", "[^,]+") do
  tokens[#tokens + 1] = token
end
local path = os.getenv("PERCH_PATH") or "/v0/pipes/tenant_daily.json"
local next_token = 1
local thread_number = 0

function setup(thread)
  thread:set("thread_number", thread_number)
  thread_number = thread_number + 1
end

function init(args)
  if #tokens == 0 then
    error("PERCH_JWTS is empty: nothing to authenticate with")
  end
  -- threads start at different tenants
  next_token = (thread_number * 7) % #tokens + 1
end

function request()
  local token = tokens[next_token]
  next_token = next_token % #tokens + 1
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, ' ..
    '"max_ms": %.3f, "non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
