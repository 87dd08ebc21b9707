"""What the benchmarks share (page_latency.py, and the PostgreSQL ones: sign_load.py, letter_page_1m.py).

A throwaway PostgreSQL database (created, then dropped), Redis keys under a tag unique to the
run (deleted at the end), manage.py steps with a time limit, gunicorn on a free loopback port,
latency percentiles and the JSON results file. Not a benchmark itself.
"""

import contextlib
import http.client
import json
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "benchmarks" / "results"
HOST = "127.0.0.1"
STARTUP_TIMEOUT = 30  # seconds for gunicorn to answer /healthz
STEP_TIMEOUT = 300  # seconds for each manage.py step

# Where the throwaway databases are created (its own database is only used to run CREATE/DROP DATABASE),
# and the Redis database the runs use for the cache and the Celery queue (only keys named after the run).
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")


class BenchmarkError(Exception):
    """The set-up failed: the message says which step and why."""


# --- PostgreSQL and Redis -----------------------------------------------------------------------------------------


def database_url(name: str) -> str:
    parts = urlsplit(POSTGRES_ADMIN_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin_connection():
    import psycopg

    try:
        return psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        message = f"cannot reach PostgreSQL at {POSTGRES_ADMIN_URL} (BENCH_POSTGRES_URL): {error}"
        raise BenchmarkError(message) from error


def database_create(name: str) -> None:
    """A new, empty database `name` (one left behind by an interrupted run is dropped first)."""
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_drop(name: str) -> None:
    with contextlib.suppress(Exception), _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_connect(name: str):
    import psycopg

    return psycopg.connect(database_url(name), autocommit=True, connect_timeout=5)


def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        raise BenchmarkError(f"cannot reach Redis at {REDIS_URL} (BENCH_REDIS_URL): {error}") from error
    return client


def redis_tag(prefix: str) -> str:
    """A name for this run's Redis keys: the cache's KEY_PREFIX and the Celery queue."""
    return f"{prefix}-{os.getpid()}-{secrets.token_hex(4)}"


def redis_forget(tag: str) -> int:
    """Delete every key of the run (cache entries, the queue, kombu's binding); return how many."""
    with contextlib.suppress(Exception):
        client = redis_client()
        keys = list(client.scan_iter(match=f"*{tag}*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
        return len(keys)
    return 0


# --- steps and the server -----------------------------------------------------------------------------------------


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def run_step(label: str, args: list[str], env: dict[str, str], log_dir: Path, timeout: int = STEP_TIMEOUT) -> str:
    """Run one set-up command with a time limit; return its output (also kept in log_dir)."""
    log_path = log_dir / f"{label.replace(' ', '-')}.log"
    started = time.perf_counter()
    print(f"  {label} ...", end=" ", flush=True)
    with log_path.open("wb") as log:
        try:
            result = subprocess.run(
                args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as error:
            print("timed out")
            raise BenchmarkError(f"{label} took more than {timeout} s:\n{tail(log_path)}") from error
    if result.returncode != 0:
        print("failed")
        raise BenchmarkError(f"{label} exited with status {result.returncode}:\n{tail(log_path)}")
    print(f"{time.perf_counter() - started:.1f} s")
    return log_path.read_text(errors="replace")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(
    port: int, env: dict[str, str], log_path: Path, *, workers: int, threads: int, keepalive: int = 5
) -> subprocess.Popen:
    """gunicorn in its own session (Ctrl+C reaches this script only); output to log_path."""
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "coalition.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        # gthread as soon as there is more than one thread (gunicorn's own rule); it keeps
        # connections alive, sync workers close them after each response.
        "--threads",
        str(threads),
        "--keep-alive",
        str(keepalive),
        "--backlog",
        "2048",
        "--timeout",
        "30",
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
    ]
    with log_path.open("wb") as log:
        return subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until_healthy(server: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last_problem = "no answer"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchmarkError(f"gunicorn exited with status {server.returncode}:\n{tail(log_path)}")
        conn = http.client.HTTPConnection(HOST, port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                return
            last_problem = f"HTTP {response.status}"
        except OSError as error:
            last_problem = str(error)
        finally:
            conn.close()
        time.sleep(0.2)
    raise BenchmarkError(
        f"gunicorn did not answer /healthz with 200 within {STARTUP_TIMEOUT} s ({last_problem}):\n{tail(log_path)}"
    )


def stop_gunicorn(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()  # SIGTERM: graceful shutdown of the master and its workers
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)  # the session started for it: master and workers
            server.wait(timeout=5)


def raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def ignore_interrupts() -> None:
    """From here on the clean-up runs to its end: a second Ctrl+C or kill cannot cut it short."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# --- CPU time spent (Linux /proc; 0 elsewhere) ----------------------------------------------------------------------


def _cpu_seconds(pid: int | str) -> float:
    """User + system CPU time of one process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def server_cpu_seconds(server: subprocess.Popen) -> float:
    """CPU time of the gunicorn master and its workers so far."""
    total = _cpu_seconds(server.pid)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == server.pid:
                total += _cpu_seconds(stat.parent.name)
        except (OSError, IndexError, ValueError):
            continue
    return total


def database_cpu_seconds(name: str) -> float:
    """CPU time of the PostgreSQL backends connected to database `name` (when PostgreSQL runs here)."""
    with database_connect(name) as conn:
        pids = [row[0] for row in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [name])]
    return sum(_cpu_seconds(pid) for pid in pids)


# --- figures ------------------------------------------------------------------------------------------------------


def percentile_ms(latencies: list[float], pct: int) -> float | None:
    """The pct-th percentile of latencies given in seconds, in milliseconds."""
    if not latencies:
        return None
    if len(latencies) == 1:
        return latencies[0] * 1000
    return statistics.quantiles(latencies, n=100, method="inclusive")[pct - 1] * 1000


def fmt_ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def table(header: list[str], rows: list[list[str]], left: int = 1) -> str:
    """A plain text table: the first `left` columns aligned left, the others right."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = [c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return "  ".join(padded).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(row) for row in rows)])


def machine_context() -> dict:
    import django
    import wagtail

    postgres = "unknown"
    with contextlib.suppress(Exception), _admin_connection() as conn:
        postgres = conn.execute("SHOW server_version").fetchone()[0]
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "django": django.get_version(),
        "wagtail": wagtail.__version__,
        "postgresql": postgres,
    }


def machine_line(context: dict) -> str:
    return (
        f"Machine: {context['cpu_count']} CPU(s), Python {context['python']}, {context['platform']}; "
        f"Django {context['django']}, Wagtail {context['wagtail']}, PostgreSQL {context['postgresql']}"
    )


def write_results(name: str, payload: dict) -> Path:
    path = RESULTS_DIR / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"benchmark": name, "generated_at": datetime.now(UTC).isoformat(timespec="seconds"), **payload}
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path
