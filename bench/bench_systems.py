"""The two systems the benchmarks compare, driven through their HTTP interfaces only.

`PerchProcess` starts `perch serve` on a benchmark project and data folder; `ClickHouse` talks to
a private ClickHouse 18.16 started by tests/clickhouse/start_clickhouse.sh on 127.0.0.1:18124
(data under $PERCH_BENCH_DIR/clickhouse).
`ensure_dataset(rows)` loads the same generated rows (bench/app_events_gen.py) into both once and
keeps them under $PERCH_BENCH_DIR (default /tmp/perch-bench) for later runs.
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import app_events_gen as gen  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = Path(os.environ.get("PERCH_BENCH_DIR", "/tmp/perch-bench"))
ADMIN_TOKEN = "bench-admin-token-" + "b" * 40
WORKSPACE_ID = "5f0c3a4e-0000-4000-8000-0000000be7c0"
# A private ClickHouse for the benchmarks (not the oracle tests' instance on 18123), so restarting it
# for cold runs disturbs nobody.
CH_PORT = int(os.environ.get("PERCH_BENCH_CH_HTTP_PORT", "18124"))
CH_TCP_PORT = int(os.environ.get("PERCH_BENCH_CH_TCP_PORT", "19004"))
CH_DIR = Path(os.environ.get("PERCH_BENCH_CH_DIR", str(BENCH_DIR / "clickhouse")))
MAX_BODY = 64 << 20


def default_binary():
    return os.environ.get("PERCH_BINARY", str(ROOT / "build" / "perch"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss_mb(pid):
    """VmHWM (peak resident set) of a live process, in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def directory_bytes(path):
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(dirpath, name))
            except OSError:
                pass
    return total


def tree_version():
    """`git describe --always --dirty` of the repository (uncommitted edits show as -dirty)."""
    return subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True,
                          text=True).stdout.strip()


def load_average():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class HttpConnection:
    """One keep-alive HTTP/1.1 connection (http.client; no per-request session overhead)."""

    def __init__(self, port):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def request(self, method, path, body=None, headers=None):
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=body, headers=headers or {})
                response = self.connection.getresponse()
                return response.status, dict(response.getheaders()), response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
                if attempt:
                    raise

    def close(self):
        self.connection.close()


class PerchProcess:
    def __init__(self, data_dir, binary=None, project_dir=None, extra_args=()):
        self.binary = binary or default_binary()
        self.data_dir = Path(data_dir)
        self.project_dir = Path(project_dir or BENCH_DIR / "project")
        gen.write_project(self.project_dir)
        self.extra_args = list(extra_args)
        self.process = None
        self.port = None

    def start(self, timeout=600):
        """Starts the server; returns seconds until /v0/health answered (includes recovery)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        env = dict(os.environ, PERCH_ADMIN_TOKEN=ADMIN_TOKEN, PERCH_WORKSPACE_ID=WORKSPACE_ID)
        log = open(self.data_dir.parent / (self.data_dir.name + ".log"), "ab")
        began = time.monotonic()
        self.process = subprocess.Popen(
            [self.binary, "serve", "--project", str(self.project_dir), "--data", str(self.data_dir),
             "--port", str(self.port), "--quiet", "--max-body-bytes", str(MAX_BODY), *self.extra_args],
            env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        while time.monotonic() - began < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"perch exited with {self.process.returncode}; see {log.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                status, _, _ = HttpConnection(self.port).request("GET", "/v0/health")
                if status == 200:
                    return time.monotonic() - began
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("perch did not become healthy")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=600)

    def peak_rss_mb(self):
        return peak_rss_mb(self.process.pid)

    def auth(self):
        return {"Authorization": "Bearer " + ADMIN_TOKEN}

    def insert_path(self, table, wait):
        return f"/v0/events?name={table}&wait={'true' if wait else 'false'}"

    def sql(self, connection, query):
        """Runs `query` through /v0/sql; returns (status, parsed JSON or error text)."""
        status, _, body = connection.request("GET", "/v0/sql?" + urllib.parse.urlencode({"q": query}), headers=self.auth())
        return status, (json.loads(body) if status == 200 else body.decode(errors="replace"))


class ClickHouse:
    def __init__(self, database="default"):
        self.port = CH_PORT
        self.database = database

    def _script(self, *args):
        env = dict(os.environ, PERCH_CH_DIR=str(CH_DIR), PERCH_CH_HTTP_PORT=str(CH_PORT), PERCH_CH_TCP_PORT=str(CH_TCP_PORT))
        subprocess.run(["bash", str(ROOT / "tests" / "clickhouse" / "start_clickhouse.sh"), *args], check=True,
                       stdout=subprocess.DEVNULL, env=env)

    def ensure_running(self):
        self._script()

    def restart(self):
        self._script("stop")
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                time.sleep(0.1)
            except OSError:
                break
        began = time.monotonic()
        self.ensure_running()
        return time.monotonic() - began

    def pid(self):
        try:
            return int((CH_DIR / "clickhouse.pid").read_text())
        except (OSError, ValueError):
            return None

    def peak_rss_mb(self):
        pid = self.pid()
        return peak_rss_mb(pid) if pid else float("nan")

    def execute(self, statement, body=None, settings=None, database=None):
        """Runs a statement (optionally with a data body after it); raises on an error."""
        connection = HttpConnection(self.port)
        params = {"database": database or self.database, **(settings or {})}
        if body is None:
            status, _, text = connection.request("POST", "/?" + urllib.parse.urlencode(params), body=statement.encode())
        else:
            params["query"] = statement
            status, _, text = connection.request("POST", "/?" + urllib.parse.urlencode(params), body=body)
        connection.close()
        if status != 200:
            raise RuntimeError(f"ClickHouse: {statement[:120]}: {text.decode(errors='replace')[:500]}")
        return text.decode()

    def insert_path(self, table):
        return "/?" + urllib.parse.urlencode({"database": self.database, "query": f"INSERT INTO {table} FORMAT JSONEachRow",
                                              "allow_experimental_low_cardinality_type": 1})

    def create_tables(self, events_table="app_events", with_dimension=True):
        self.execute(f"CREATE DATABASE IF NOT EXISTS {self.database}", database="default")
        self.execute(f"DROP TABLE IF EXISTS {events_table}")
        self.execute(f"CREATE TABLE {events_table} {gen.CLICKHOUSE_COLUMNS} {gen.CLICKHOUSE_ENGINE}",
                     settings={"allow_experimental_low_cardinality_type": 1})
        if with_dimension:
            self.execute("DROP TABLE IF EXISTS organizations")
            self.execute(f"CREATE TABLE organizations {gen.CLICKHOUSE_DIMENSION}",
                         settings={"allow_experimental_low_cardinality_type": 1})

    def sql(self, connection, query):
        params = {"database": self.database, "allow_experimental_low_cardinality_type": 1}
        status, _, body = connection.request("POST", "/?" + urllib.parse.urlencode(params), body=(query + " FORMAT JSON").encode())
        return status, (json.loads(body) if status == 200 else body.decode(errors="replace"))


def post_all(port, path, bodies, clients, headers=None, ok=(200, 202)):
    """Sends every body to `path` from `clients` concurrent keep-alive connections. Retries 429/503
    after a short pause (backpressure). Returns (seconds, retries)."""
    retries = [0]
    lock = threading.Lock()
    queue = iter(bodies)

    def client():
        connection = HttpConnection(port)
        while True:
            with lock:
                body = next(queue, None)
            if body is None:
                break
            while True:
                status, response_headers, text = connection.request("POST", path, body=body, headers=headers)
                if status in ok:
                    break
                if status in (429, 503):
                    with lock:
                        retries[0] += 1
                    time.sleep(min(1.0, float(response_headers.get("Retry-After", "1"))) / 10)
                    continue
                raise RuntimeError(f"POST {path[:80]} -> {status}: {text[:300]!r}")
        connection.close()

    began = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    return time.monotonic() - began, retries[0]


def dataset_file(rows):
    """The NDJSON file with `rows` generated rows (generated on first use, 2 processes)."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"app_events_{rows}.ndjson"
    if path.exists():
        return path
    chunk_rows = 100_000
    counts = [min(chunk_rows, rows - start) for start in range(0, rows, chunk_rows)]
    began = time.monotonic()
    from multiprocessing import Pool
    temporary = path.with_suffix(".tmp")
    with open(temporary, "wb") as out, Pool(2) as pool:
        for data in pool.imap(_chunk_job, enumerate(counts), chunksize=1):
            out.write(data)
    temporary.rename(path)
    print(f"generated {rows:,} rows in {time.monotonic() - began:.0f}s -> {path} ({path.stat().st_size / 1e9:.2f} GB)",
          file=sys.stderr)
    return path


def _chunk_job(job):
    index, count = job
    return gen.chunk(index, count)


def read_batches(path, batch_bytes=8 << 20):
    """Yields newline-aligned pieces of the file of about batch_bytes each."""
    with open(path, "rb") as f:
        rest = b""
        while True:
            data = f.read(batch_bytes)
            if not data:
                if rest:
                    yield rest
                return
            data = rest + data
            cut = data.rfind(b"\n") + 1
            rest = data[cut:]
            yield data[:cut]


def ensure_dataset(rows, binary=None):
    """Perch data folder and ClickHouse database holding the same `rows` rows, each loaded once
    (markers: `<perch folder>.loaded.json`, `clickhouse_<rows>.loaded.json`). Set
    PERCH_BENCH_RELOAD=1 to reload Perch (e.g. after a storage format change).
    Returns (perch_data_dir, clickhouse_database, load report dict)."""
    import shutil
    perch_dir = BENCH_DIR / f"perch_{rows}"
    perch_marker = BENCH_DIR / f"perch_{rows}.loaded.json"
    ch_marker = BENCH_DIR / f"clickhouse_{rows}.loaded.json"
    database = f"bench_{rows}"
    clickhouse = ClickHouse(database)
    clickhouse.ensure_running()
    path = None
    if os.environ.get("PERCH_BENCH_RELOAD") == "1" or not perch_marker.exists():
        path = dataset_file(rows)
        shutil.rmtree(perch_dir, ignore_errors=True)
        perch = PerchProcess(perch_dir, binary=binary)
        perch.start()
        try:
            seconds, retries = post_all(perch.port, perch.insert_path("app_events", wait=False), read_batches(path), 2,
                                        headers=perch.auth())
            post_all(perch.port, perch.insert_path("organizations", wait=True), [gen.organizations()], 1, headers=perch.auth())
        finally:
            perch.stop()
        perch_marker.write_text(json.dumps({"perch_load_seconds": seconds, "perch_load_retries": retries}))
        print(f"loaded {rows:,} rows into Perch in {seconds:.0f}s ({retries} backpressure retries)", file=sys.stderr)
    if not ch_marker.exists():
        path = path or dataset_file(rows)
        clickhouse.create_tables()
        seconds, _ = post_all(clickhouse.port, clickhouse.insert_path("app_events"), read_batches(path), 2, ok=(200,))
        post_all(clickhouse.port, clickhouse.insert_path("organizations"), [gen.organizations()], 1, ok=(200,))
        ch_marker.write_text(json.dumps({"clickhouse_load_seconds": seconds}))
        print(f"loaded {rows:,} rows into ClickHouse in {seconds:.0f}s", file=sys.stderr)
    report = {"rows": rows, **json.loads(perch_marker.read_text()), **json.loads(ch_marker.read_text())}
    return perch_dir, database, report
