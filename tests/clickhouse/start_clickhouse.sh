#!/usr/bin/env bash
# Starts a private ClickHouse server (Debian's 18.16) on loopback for the oracle tests.
#
# Everything lives under $PERCH_CH_DIR (default /tmp/perch-clickhouse): config, data, logs, pid.
# Ports: HTTP $PERCH_CH_HTTP_PORT (18123), native TCP $PERCH_CH_TCP_PORT (19000). The server's
# time zone is UTC so DateTime text matches Perch's default. Idempotent: if a server already
# answers on the HTTP port it exits 0 at once. 18.16 refuses to run as root only when the data
# directory belongs to another user, so as root it runs as root with a root-owned directory, or
# as the `clickhouse` user when PERCH_CH_USER=clickhouse is set.
#
# Usage: tests/clickhouse/start_clickhouse.sh [stop]
set -euo pipefail

DIR="${PERCH_CH_DIR:-/tmp/perch-clickhouse}"
HTTP_PORT="${PERCH_CH_HTTP_PORT:-18123}"
TCP_PORT="${PERCH_CH_TCP_PORT:-19000}"
RUN_AS="${PERCH_CH_USER:-}"
SERVER=/usr/sbin/clickhouse-server
URL="http://127.0.0.1:${HTTP_PORT}/"

ready() { [ "$(curl -s --max-time 2 "${URL}ping" 2>/dev/null)" = "Ok." ]; }

if [ "${1:-}" = "stop" ]; then
  if [ -f "$DIR/clickhouse.pid" ]; then
    kill "$(cat "$DIR/clickhouse.pid")" 2>/dev/null || true
    rm -f "$DIR/clickhouse.pid"
  fi
  exit 0
fi

if ready; then
  echo "clickhouse already running on $URL"
  exit 0
fi
if [ ! -x "$SERVER" ]; then
  echo "clickhouse-server not installed (apt-get install -y clickhouse-server clickhouse-client)" >&2
  exit 1
fi

mkdir -p "$DIR/data/tmp" "$DIR/data/user_files" "$DIR/data/format_schemas" "$DIR/log"
cat > "$DIR/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>$DIR/log/server.log</log>
    <errorlog>$DIR/log/server.err.log</errorlog>
    <size>10M</size>
    <count>2</count>
  </logger>
  <http_port>$HTTP_PORT</http_port>
  <tcp_port>$TCP_PORT</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <max_connections>64</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>16</max_concurrent_queries>
  <uncompressed_cache_size>104857600</uncompressed_cache_size>
  <mark_cache_size>104857600</mark_cache_size>
  <path>$DIR/data/</path>
  <tmp_path>$DIR/data/tmp/</tmp_path>
  <user_files_path>$DIR/data/user_files/</user_files_path>
  <format_schema_path>$DIR/data/format_schemas/</format_schema_path>
  <users_config>$DIR/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
  <max_session_timeout>3600</max_session_timeout>
  <default_session_timeout>60</default_session_timeout>
</yandex>
XML
cat > "$DIR/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
      <max_memory_usage>2000000000</max_memory_usage>
      <max_threads>2</max_threads>
      <load_balancing>random</load_balancing>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML

if [ -n "$RUN_AS" ]; then
  chown -R "$RUN_AS" "$DIR"
  START=(setpriv --reuid="$RUN_AS" --regid="$(id -g "$RUN_AS")" --init-groups "$SERVER")
else
  START=("$SERVER")
fi
cd "$DIR"
nohup "${START[@]}" --config-file="$DIR/config.xml" >"$DIR/log/stdout.log" 2>&1 &
echo $! > "$DIR/clickhouse.pid"

for _ in $(seq 1 60); do
  if ready; then
    echo "clickhouse ready on $URL (pid $(cat "$DIR/clickhouse.pid"), dir $DIR)"
    exit 0
  fi
  if ! kill -0 "$(cat "$DIR/clickhouse.pid")" 2>/dev/null; then
    echo "clickhouse-server exited; last log lines:" >&2
    tail -20 "$DIR/log/stdout.log" "$DIR/log/server.err.log" 2>/dev/null >&2 || true
    exit 1
  fi
  sleep 0.5
done
echo "clickhouse did not become ready within 30 s; see $DIR/log" >&2
exit 1
