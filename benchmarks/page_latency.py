"""Page latency: how long the public pages take under gunicorn, next to a one-query baseline.

Builds a throwaway SQLite site in a temporary directory (migrate, load_demo, then letters up to
50 under /letters/), serves it with gunicorn on a free loopback port, and sends a fixed number of
GET requests to each target from a few client threads. Prints p50/p95/p99 latency, throughput and
the ratio of each target's p50 to the /healthz baseline's; writes the same figures as JSON to
benchmarks/results/page_latency.json. Never touches the project's own db.sqlite3 or media folder.

    .venv/bin/python benchmarks/page_latency.py [--requests 300] [--clients 4] [--warmup 20]

Exits 1 when any response was not a 200 or a target ran out of time, 2 when the set-up failed.
"""

import argparse
import http.client
import itertools
import json
import os
import platform
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from harness import (
    HOST,
    ROOT,
    BenchmarkError,
    fmt_ms,
    free_port,
    raise_keyboard_interrupt,
    run_step,
    start_gunicorn,
    stop_gunicorn,
    wait_until_healthy,
)

RESULTS_PATH = ROOT / "benchmarks" / "results" / "page_latency.json"
LETTER_COUNT = 50
GUNICORN_WORKERS = 2
TARGET_TIME_LIMIT = 120  # seconds for one target, warm-up included
REQUEST_TIMEOUT = 15  # seconds for one response
BASELINE = "healthz"
# The demo letter signed by 31 organizations (29 listed with logos, 2 undisclosed).
COALITION_LETTER = "/letters/syria-cannot-wait-letter-to-the-president/"


@dataclass
class Target:
    name: str
    label: str  # the path, or a description of the rotation
    urls: list[str]


@dataclass
class Measurement:
    target: Target
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    aborted: bool = False

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    def percentile_ms(self, pct: int) -> float | None:
        if not self.latencies:
            return None
        if len(self.latencies) == 1:
            return self.latencies[0] * 1000
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[pct - 1] * 1000

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0


# --- the throwaway site -----------------------------------------------------------------------------------------


def bench_environment(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "coalition.settings.dev",
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "MEDIA_ROOT": str(tmp / "media"),
            # Empty rather than unset so a developer's .env cannot bring them back (the process
            # environment wins over .env): Celery in-process, cache in memory, media on disk.
            "REDIS_URL": "",
            "AWS_STORAGE_BUCKET_NAME": "",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def build_site(tmp: Path, env: dict[str, str]) -> list[str]:
    """Migrate, load the demo, add letters up to LETTER_COUNT; return the letters' URLs."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    urls_path = tmp / "letter_urls.json"
    run_step("migrate", [*manage, "migrate", "--noinput"], env, tmp)
    # An editor first, as `make run` does: the demo's endorsements are approved by one.
    credentials = str(tmp / "editor-credentials")
    run_step("create_editor", [*manage, "create_editor", "--credentials-file", credentials], env, tmp)
    run_step("load_demo", [*manage, "load_demo"], env, tmp)
    run_step("create letters", [sys.executable, __file__, "--seed-into", str(urls_path)], env, tmp)
    # No collectstatic: STATIC_ROOT is fixed to the project's static_collected/ (no environment
    # variable moves it) and pages only link to static files, which this benchmark never fetches.
    urls = json.loads(urls_path.read_text())
    if len(urls) != LETTER_COUNT:
        raise BenchmarkError(f"expected {LETTER_COUNT} letters under /letters/, found {len(urls)}")
    return urls


def seed_letters(urls_path: Path) -> None:
    """Runs in a child process with the bench environment: add letters up to LETTER_COUNT."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()

    from django.db import transaction
    from wagtail.images import get_image_model

    from coalition.letters.models import (
        LetterCoDrafter,
        LetterIndexPage,
        LetterPage,
        LetterRecipient,
        LetterStatus,
    )
    from coalition.orgs.models import Organization

    statuses = [
        LetterStatus.OPEN_FOR_SIGNATURES,
        LetterStatus.OPEN_FOR_ENDORSEMENT,
        LetterStatus.OPEN_FOR_SIGNATURES,
        LetterStatus.CLOSED,
        LetterStatus.DELIVERED,
    ]
    languages = ["en", "en", "fr", "en", "ar"]
    paragraph = (
        "<p>We, the undersigned organizations, write to ask you to act without delay. Families have waited "
        "years for answers about relatives who were detained and never seen again, and every month of "
        "silence makes the truth harder to recover.</p>"
    )

    index = LetterIndexPage.objects.get()
    organizations = list(Organization.objects.order_by("pk"))
    if len(organizations) < 4:
        raise SystemExit(f"load_demo should have created 10 organizations, found {len(organizations)}")
    Image = get_image_model()
    heroes = list(Image.objects.filter(title__startswith="Banner: ").order_by("pk"))
    heroes = heroes or [Image.objects.order_by("pk").first()]

    with transaction.atomic():
        for n in range(LetterPage.objects.child_of(index).count(), LETTER_COUNT):
            lead = organizations[n % len(organizations)]
            others = [org for org in organizations if org.pk != lead.pk]
            letter = LetterPage(
                title=f"Benchmark letter {n}: accountability for enforced disappearances",
                slug=f"benchmark-letter-{n}",
                summary="Organizations ask the authorities to disclose the fate of the disappeared.",
                introduction="<p>Why this letter, and why now: the commission reports next month.</p>",
                hero_image=heroes[n % len(heroes)] if n % 2 == 0 else None,
                hero_caption="A vigil for the disappeared" if n % 2 == 0 else "",
                recipients_line="Dear Minister,",
                body=paragraph * (3 + n % 4),
                closing="Yours sincerely,",
                language=languages[n % len(languages)],
                status=statuses[n % len(statuses)],
                lead_organization=lead,
                signature_goal=1000 * (1 + n % 10),
                share_text="Add your name: the families deserve answers.",
            )
            letter.recipients.add(LetterRecipient(name="Amal Haddad", title="Minister of Justice", sort_order=0))
            index.add_child(instance=letter)
            letter.save_revision().publish()
            # Co-drafters are rows of their own (not part of revisions): added once the page exists.
            LetterCoDrafter.objects.bulk_create(
                LetterCoDrafter(page=letter, organization=others[(n + position) % len(others)], sort_order=position)
                for position in range(1 + n % 3)
            )

    letters = LetterPage.objects.child_of(index).live().order_by("path")
    urls_path.write_text(json.dumps([letter.get_url() for letter in letters]))


# --- the load ---------------------------------------------------------------------------------------------------


def send_requests(
    port: int, urls: list[str], total: int, clients: int, deadline: float, measurement: Measurement | None
) -> bool:
    """Send `total` GETs spread over `clients` threads; record them in `measurement` unless it is None.

    Each thread keeps one HTTP/1.1 connection, which http.client reopens whenever the server has
    closed it: gunicorn's sync workers close it after every response, so each request also pays a
    loopback TCP connect. Returns False when the deadline cut the run short.
    """
    counter = itertools.count()  # next() on it is atomic under the GIL
    lock = threading.Lock()
    timed_out = threading.Event()

    def client() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        try:
            while (i := next(counter)) < total:
                if time.monotonic() > deadline:
                    timed_out.set()
                    return
                url = urls[i % len(urls)]
                started = time.perf_counter()
                problem = None
                try:
                    conn.request("GET", url, headers={"Accept": "text/html"})
                    response = conn.getresponse()
                    response.read()
                    if response.status != 200:
                        problem = f"{url}: HTTP {response.status}"
                except (OSError, http.client.HTTPException) as error:
                    conn.close()
                    problem = f"{url}: {type(error).__name__}: {error}"
                latency = time.perf_counter() - started
                if measurement is None:
                    continue
                with lock:
                    if problem is None:
                        measurement.latencies.append(latency)
                    else:
                        measurement.errors += 1
                        if len(measurement.error_samples) < 5:
                            measurement.error_samples.append(problem)
        finally:
            conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if measurement is not None:
        measurement.elapsed = time.perf_counter() - started
    return not timed_out.is_set()


def measure(port: int, target: Target, args: argparse.Namespace) -> Measurement:
    deadline = time.monotonic() + TARGET_TIME_LIMIT
    measurement = Measurement(target)
    # Warm-up, not counted: `--warmup` requests for a single URL; at least two passes over a rotation,
    # so each letter's image renditions exist and both workers have likely served it.
    warmup = args.warmup
    if warmup and len(target.urls) > 1:
        warmup = max(warmup, 2 * len(target.urls))
    if send_requests(port, target.urls, warmup, args.clients, deadline, None):
        measurement.aborted = not send_requests(port, target.urls, args.requests, args.clients, deadline, measurement)
    else:
        measurement.aborted = True
    return measurement


# --- the report -------------------------------------------------------------------------------------------------


def machine_context(args: argparse.Namespace) -> dict:
    import django
    import wagtail

    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "django": django.get_version(),
        "wagtail": wagtail.__version__,
        "database": f"SQLite {sqlite3.sqlite_version} (temporary file, WAL)",
        "server": f"gunicorn, {GUNICORN_WORKERS} sync workers x 1 thread, DEBUG=false, loopback",
        "clients": args.clients,
        "requests_per_target": args.requests,
        "warmup_per_target": args.warmup,
    }


def report(measurements: list[Measurement], context: dict) -> None:
    baseline_p50 = next(m.percentile_ms(50) for m in measurements if m.target.name == BASELINE)
    rows = []
    figures = []
    for m in measurements:
        p50, p95, p99 = m.percentile_ms(50), m.percentile_ms(95), m.percentile_ms(99)
        ratio = p50 / baseline_p50 if p50 is not None and baseline_p50 else None
        name = f"{m.target.name} (baseline)" if m.target.name == BASELINE else m.target.name
        if m.aborted:
            name += " [ABORTED]"
        rows.append(
            [
                name,
                m.target.label,
                str(m.requests),
                str(m.errors),
                fmt_ms(p50),
                fmt_ms(p95),
                fmt_ms(p99),
                f"{m.requests_per_second:.1f}",
                "-" if ratio is None else f"x{ratio:.2f}",
            ]
        )
        figures.append(
            {
                "target": m.target.name,
                "path": m.target.label,
                "baseline": m.target.name == BASELINE,
                "requests": m.requests,
                "errors": m.errors,
                "error_samples": m.error_samples,
                "aborted": m.aborted,
                "p50_ms": round(p50, 3) if p50 is not None else None,
                "p95_ms": round(p95, 3) if p95 is not None else None,
                "p99_ms": round(p99, 3) if p99 is not None else None,
                "requests_per_second": round(m.requests_per_second, 2),
                "p50_ratio_to_baseline": round(ratio, 3) if ratio is not None else None,
            }
        )

    header = ["target", "path", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "req/s", "p50 / baseline"]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = [c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return "  ".join(padded).rstrip()

    print()
    print(
        f"Machine: {context['cpu_count']} CPU(s), Python {context['python']}, {context['platform']}; "
        f"Django {context['django']}, Wagtail {context['wagtail']}"
    )
    print(f"Database: {context['database']}")
    print(f"Server: {context['server']}")
    print(
        f"Load: {context['clients']} client threads, {context['requests_per_target']} measured requests per target, "
        "one connection per thread (the sync workers close it after each response)"
    )
    print()
    print(line(header))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))
    for m in measurements:
        for sample in m.error_samples:
            print(f"  error ({m.target.name}): {sample}")

    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(
        json.dumps(
            {
                "benchmark": "page_latency",
                "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "baseline": BASELINE,
                "context": context,
                "targets": figures,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nFigures written to {RESULTS_PATH.relative_to(ROOT)}")


# --- main -------------------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="measured requests per target (default 300)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads (default 4)")
    parser.add_argument("--warmup", type=int, default=20, help="uncounted requests per URL target (default 20)")
    parser.add_argument("--seed-into", type=Path, help=argparse.SUPPRESS)  # internal: the letter-creating child
    args = parser.parse_args()
    if args.requests < 1 or args.clients < 1 or args.warmup < 0:
        parser.error("--requests and --clients must be at least 1, --warmup at least 0")
    return args


def main() -> int:
    args = parse_args()
    if args.seed_into:
        seed_letters(args.seed_into)
        return 0

    signal.signal(signal.SIGTERM, raise_keyboard_interrupt)  # clean up on `kill` as on Ctrl+C
    tmp = Path(tempfile.mkdtemp(prefix="coalition-bench-"))
    server = None
    started = time.perf_counter()
    try:
        env = bench_environment(tmp)
        print(f"Building a throwaway site in {tmp}")
        letter_urls = build_site(tmp, env)

        port = free_port()
        log_path = tmp / "gunicorn.log"
        print(f"  starting gunicorn on http://{HOST}:{port}/ ...", end=" ", flush=True)
        server = start_gunicorn(port, env, log_path, workers=GUNICORN_WORKERS, threads=1)
        wait_until_healthy(server, port, log_path)
        print("up")

        targets = [
            Target(BASELINE, "/healthz", ["/healthz"]),
            Target("home", "/", ["/"]),
            Target("letters index", "/letters/", ["/letters/"]),
            Target(
                "letters index, filtered",
                "/letters/?status=open_for_signatures&language=en",
                ["/letters/?status=open_for_signatures&language=en"],
            ),
            Target("letter pages", f"/letters/<slug>/ x{len(letter_urls)}", letter_urls),
            Target("coalition letter", COALITION_LETTER, [COALITION_LETTER]),
        ]
        measurements = []
        for target in targets:
            print(f"  measuring {target.name} ...", end=" ", flush=True)
            measurement = measure(port, target, args)
            measurements.append(measurement)
            print(f"{measurement.elapsed:.1f} s" + (" (aborted: time limit)" if measurement.aborted else ""))

        report(measurements, machine_context(args))
        print(f"Total time {time.perf_counter() - started:.0f} s")
        failed = [m for m in measurements if m.errors or m.aborted]
        if failed:
            print(f"FAILED: errors or time-outs in {', '.join(m.target.name for m in failed)}", file=sys.stderr)
            return 1
        return 0
    except BenchmarkError as error:
        print(f"\nBenchmark set-up failed: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130
    finally:
        # Bounded clean-up (about 15 s at worst) that a second Ctrl+C or kill cannot cut short.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if server is not None:
            stop_gunicorn(server)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
