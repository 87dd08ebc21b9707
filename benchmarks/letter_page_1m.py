"""The letter page of a letter with 1,000,000 confirmed signatures: one visitor at a time, next to /healthz.

Builds a throwaway PostgreSQL database with one letter open for signatures, bulk-inserts a million
confirmed signatures in one INSERT ... SELECT generate_series (30 countries, a third of the signers
listed by name), runs `manage.py reconcile_signature_counts` so the stored per-country counts are
right, serves the site with gunicorn (Redis as the cache, as in production) and GETs the letter
page sequentially from one client: p50/p95/p99 latency and the ratio to /healthz. A third target
bumps the letter's counts version before each request, so the cached signature fragments are
rebuilt every time (the page while signatures are being confirmed). Writes the figures to
benchmarks/results/letter_page_1m.json; drops the database and the run's Redis keys at the end.

    .venv/bin/python benchmarks/letter_page_1m.py [--signatures 1000000] [--requests 300] [--warmup 20]

Exits 1 when a response was not a 200 (or the page does not show the count) or a target ran out
of time, 3 when the letter page's p50 misses the target (25 ms), 2 when the set-up failed.
"""

import argparse
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # benchmarks/ is not a package: found through the sys.path entry above
    HOST,
    REDIS_URL,
    ROOT,
    BenchmarkError,
    database_connect,
    database_create,
    database_drop,
    database_url,
    fmt_ms,
    free_port,
    ignore_interrupts,
    machine_context,
    machine_line,
    percentile_ms,
    raise_keyboard_interrupt,
    redis_client,
    redis_forget,
    redis_tag,
    run_step,
    server_cpu_seconds,
    start_gunicorn,
    stop_gunicorn,
    table,
    wait_until_healthy,
    write_results,
)

DATABASE = "coalition_bench_page1m"
LETTER_SLUG = "benchmark-letter-one-million"
GUNICORN_WORKERS = 2  # as page_latency.py: one per core; a single client uses one at a time
TARGET_TIME_LIMIT = 120  # seconds for one target, warm-up included
REQUEST_TIMEOUT = 15  # seconds for one response
INSERT_TIMEOUT = 600  # seconds for the bulk insert
BASELINE = "healthz"
TARGET_P50_MS = 25.0
# Signers' countries, the first ones most frequent (the index is squared below).
COUNTRIES = ["SY", "LB", "FR", "DE", "GB", "US", "TR", "JO", "EG", "CA", "SE", "NL", "IQ", "MA", "TN"]
COUNTRIES += ["IT", "ES", "BE", "CH", "AT", "DK", "NO", "FI", "IE", "PT", "BR", "AR", "MX", "JP", "AU"]

# Every NOT NULL column of letters_signature is given a value (Django sets no database defaults).
# Unique canonical_email per row; confirmed_at increases with the row, 6 s apart (about 70 days for
# a million), so "recent signers" are the last rows; a third show their name.
INSERT_SQL = """
INSERT INTO letters_signature (
    letter_id, state, first_name, last_name, email, canonical_email, email_domain, country, city, title,
    comment, show_name, show_full_name, language, channel, suspect_reason, created_at, email_confirmed_at,
    confirmed_at, state_changed_at, nonce, email_due, emails_sent, last_emailed_at, region, personal_message)
SELECT %(letter)s, 'confirmed',
    (ARRAY['Amina','Rami','Leila','Omar','Sara','Yusuf','Nour','Hadi','Maya','Karim'])[1 + i %% 10],
    (ARRAY['Khalil','Haddad','Mansour','Nasser','Saleh','Aziz','Farah','Hamdan','Jaber','Rahal'])[1 + (i / 10) %% 10],
    'signer' || i || '@signers.example', 'signer' || i || '@signers.example', 'signers.example',
    (%(countries)s::text[])[
        1 + floor(%(country_count)s * power(((i::bigint * 7919) %% 1000003)::float8 / 1000003, 2))::int],
    (ARRAY['Paris','Beirut','Berlin','London','Gaziantep','Amman','Cairo','Toronto'])[1 + i %% 8],
    '', '', i %% 3 = 0, i %% 2 = 0, 'en', 'form', '',
    t - interval '10 minutes', t, t, t, md5(i::text), '', 1, t - interval '10 minutes', '', ''
FROM generate_series(1, %(count)s) AS i,
     LATERAL (SELECT now() - (%(count)s - i) * interval '6 seconds' AS t) AS times
"""


@dataclass
class Target:
    name: str
    path: str
    bump_counts: bool = False  # invalidate the signature fragments before each request


@dataclass
class Measurement:
    target: Target
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    aborted: bool = False
    app_cpu_ms: float | None = None  # gunicorn's CPU time per measured request

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors


# --- the throwaway site -----------------------------------------------------------------------------------------


def bench_environment(tmp: Path, tag: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "coalition.settings.dev",
            "DATABASE_URL": database_url(DATABASE),
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "MEDIA_ROOT": str(tmp / "media"),
            # Redis as the cache (the counts' version and the page's cached fragments live there) and
            # broker, as in production; the run's keys carry its tag and are deleted at the end.
            "REDIS_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": tag,
            "CELERY_QUEUE": tag,
            "AWS_STORAGE_BUCKET_NAME": "",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def build_site(tmp: Path, env: dict[str, str], count: int) -> dict:
    """Create the database, migrate, add the letter and its signatures, reconcile the counts."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    print(f"  create database {DATABASE} ...", end=" ", flush=True)
    database_create(DATABASE)
    print("done")
    run_step("migrate", [*manage, "migrate", "--noinput"], env, tmp)
    letter_path = tmp / "letter.json"
    run_step("create letter", [sys.executable, __file__, "--seed-into", str(letter_path)], env, tmp)
    letter = json.loads(letter_path.read_text())

    print(f"  insert {count:,} confirmed signatures ...", end=" ", flush=True)
    started = time.perf_counter()
    with database_connect(DATABASE) as conn:
        conn.execute(f"SET statement_timeout = '{INSERT_TIMEOUT}s'")
        conn.execute("SET synchronous_commit = off")  # a throwaway database: no need to wait for the disk
        conn.execute(
            INSERT_SQL,
            {"letter": letter["pk"], "count": count, "countries": COUNTRIES, "country_count": len(COUNTRIES)},
        )
        conn.execute("ANALYZE letters_signature")  # as autovacuum would soon: plans for a big table
    print(f"{time.perf_counter() - started:.1f} s")

    output = run_step("reconcile_signature_counts", [*manage, "reconcile_signature_counts"], env, tmp)
    with database_connect(DATABASE) as conn:
        stored = conn.execute(
            "SELECT count(*), coalesce(sum(confirmed), 0) FROM letters_signaturetally WHERE letter_id = %s",
            [letter["pk"]],
        ).fetchone()
    if stored[1] != count:
        raise BenchmarkError(f"the tallies count {stored[1]} signatures, expected {count}:\n{output}")
    letter["countries"] = stored[0]
    return letter


def seed_letter(letter_path: Path) -> None:
    """Runs in a child process with the bench environment: one letter open for signatures."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()

    from django.db import transaction

    from coalition.letters.models import LetterPage, LetterRecipient, LetterStatus, LetterUpdate, RelatedAction
    from coalition.letters.services import letter_codrafter_add, letter_lead_set
    from coalition.letters.site import site_structure_ensure
    from coalition.orgs.models import Organization

    paragraph = (
        "<p>We, the undersigned organizations, write to ask you to act without delay. Families have waited "
        "years for answers about relatives who were detained and never seen again, and every month of "
        "silence makes the truth harder to recover.</p>"
    )
    with transaction.atomic():
        _home, index = site_structure_ensure()
        organizations = [
            Organization.objects.create(
                name=name, slug=slug, website=f"https://{slug}.example.org/", country=country, asks_signer_consent=True
            )
            for name, slug, country in [
                ("Syrian Archive of the Disappeared", "syrian-archive", "SY"),
                ("Families for Truth", "families-for-truth", "LB"),
                ("Justice Now", "justice-now", "FR"),
            ]
        ]
        letter = LetterPage(
            title="A million names: disclose the fate of the disappeared",
            slug=LETTER_SLUG,
            summary="Organizations and a million people ask the authorities to disclose the fate of the disappeared.",
            introduction="<p>Why this letter, and why now: the commission reports next month.</p>",
            recipients_line="Dear Minister,",
            body=paragraph * 5,
            closing="Yours sincerely,",
            language="en",
            status=LetterStatus.OPEN_FOR_SIGNATURES,
            signature_goal=2000000,
            share_text="Add your name: the families deserve answers.",
            donate_url="https://syrian-archive.example.org/donate/",
        )
        letter.recipients.add(LetterRecipient(name="Amal Haddad", title="Minister of Justice", sort_order=0))
        letter.recipients.add(LetterRecipient(name="Karim Nasser", title="Minister of the Interior", sort_order=1))
        update = "<p>The letter passed 500,000 signatures.</p>"
        letter.updates.add(LetterUpdate(date=datetime.date(2026, 10, 1), text=update))
        letter.related_actions.add(
            RelatedAction(title="Write to your representative", url="https://example.org/write/", sort_order=0)
        )
        index.add_child(instance=letter)
        letter.save_revision().publish()
        letter_lead_set(letter=letter, organization=organizations[0], acting_user=None)
        for organization in organizations[1:]:
            letter_codrafter_add(letter=letter, organization=organization, acting_user=None)
    letter = LetterPage.objects.get(slug=LETTER_SLUG)
    letter_path.write_text(json.dumps({"pk": letter.pk, "url": letter.get_url()}))


# --- the load ---------------------------------------------------------------------------------------------------


def check_page(port: int, url: str, count: int) -> None:
    """The page answers 200 and shows the count, as the first visitor sees it."""
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request("GET", url, headers={"Accept": "text/html"})
        response = conn.getresponse()
        html = response.read().decode()
    finally:
        conn.close()
    if response.status != 200:
        raise BenchmarkError(f"GET {url} answered {response.status}")
    number = re.search(r'class="signature-count__number"><strong>([^<]+)</strong>', html)
    if not number or number.group(1) != f"{count:,}":
        raise BenchmarkError(f"GET {url}: the page does not show {count:,} signatures ({number and number.group(1)})")


def measure(port: int, target: Target, requests: int, warmup: int, bump, cpu) -> Measurement:
    """Sequential GETs from one client on one kept connection (reopened when the server closes it).

    `cpu()` gives the server's CPU seconds so far: read when the warm-up is over and at the end.
    """
    measurement = Measurement(target)
    cpu_start = None
    deadline = time.monotonic() + TARGET_TIME_LIMIT
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        for i in range(warmup + requests):
            if time.monotonic() > deadline:
                measurement.aborted = True
                break
            if i == warmup:
                cpu_start = cpu()
            if target.bump_counts:
                bump()  # not timed: what a confirmed signature does (signature_counts_version changes)
            problem = None
            started = time.perf_counter()
            try:
                conn.request("GET", target.path, headers={"Accept": "text/html"})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    problem = f"HTTP {response.status}"
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                problem = f"{type(error).__name__}: {error}"
            latency = time.perf_counter() - started
            if i < warmup:
                continue
            if problem is None:
                measurement.latencies.append(latency)
            else:
                measurement.errors += 1
                if len(measurement.error_samples) < 5:
                    measurement.error_samples.append(problem)
    finally:
        conn.close()
    if cpu_start is not None and measurement.requests:
        measurement.app_cpu_ms = (cpu() - cpu_start) * 1000 / measurement.requests
    return measurement


# --- the report -------------------------------------------------------------------------------------------------


def report(measurements: list[Measurement], context: dict) -> tuple[list[str], bool]:
    baseline_p50 = next(percentile_ms(m.latencies, 50) for m in measurements if m.target.name == BASELINE)
    rows, figures = [], []
    for m in measurements:
        p50, p95, p99 = (percentile_ms(m.latencies, pct) for pct in (50, 95, 99))
        ratio = p50 / baseline_p50 if p50 is not None and baseline_p50 else None
        name = f"{m.target.name} (baseline)" if m.target.name == BASELINE else m.target.name
        if m.aborted:
            name += " [ABORTED]"
        rows.append(
            [
                name,
                m.target.path,
                str(m.requests),
                str(m.errors),
                fmt_ms(p50),
                fmt_ms(p95),
                fmt_ms(p99),
                "-" if ratio is None else f"x{ratio:.2f}",
                fmt_ms(m.app_cpu_ms),
            ]
        )
        figures.append(
            {
                "target": m.target.name,
                "path": m.target.path,
                "baseline": m.target.name == BASELINE,
                "counts_version_bumped_before_each_request": m.target.bump_counts,
                "requests": m.requests,
                "errors": m.errors,
                "error_samples": m.error_samples,
                "aborted": m.aborted,
                "p50_ms": round(p50, 3) if p50 is not None else None,
                "p95_ms": round(p95, 3) if p95 is not None else None,
                "p99_ms": round(p99, 3) if p99 is not None else None,
                "p50_ratio_to_baseline": round(ratio, 3) if ratio is not None else None,
                "app_cpu_ms_per_request": round(m.app_cpu_ms, 3) if m.app_cpu_ms is not None else None,
            }
        )
    print()
    print(machine_line(context))
    print(f"Server: {context['server']}")
    print(
        f"Data: one letter with {context['signatures']:,} confirmed signatures from {context['countries']} countries; "
        f"Load: 1 client, sequential, {context['requests_per_target']} measured requests per target after "
        f"{context['warmup_per_target']} uncounted; load average before the run {context['load_average_before']}"
    )
    print()
    header = ["target", "path", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "p50 / baseline", "app CPU ms"]
    print(table(header, rows, left=2))
    print("app CPU ms: gunicorn's CPU time per request (waits excluded; a busy machine still inflates it)")
    for m in measurements:
        for sample in m.error_samples:
            print(f"  error ({m.target.name}): {sample}")

    page = next(f for f in figures if f["target"] == "letter page")
    met = page["p50_ms"] is not None and page["p50_ms"] < TARGET_P50_MS
    verdict = "met" if met else "MISSED"
    print(f"\nTarget letter page p50 < {TARGET_P50_MS:.0f} ms: {fmt_ms(page['p50_ms'])} ms, {verdict}")
    problems = [f"{m.target.name}: errors or time-out" for m in measurements if m.errors or m.aborted]
    path = write_results(
        "letter_page_1m",
        {
            "baseline": BASELINE,
            "context": context,
            "targets": figures,
            "goals": [{"goal": f"letter page p50 < {TARGET_P50_MS:.0f} ms", "value": page["p50_ms"], "met": met}],
        },
    )
    print(f"Figures written to {path.relative_to(ROOT)}")
    return problems, met


# --- main -------------------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signatures", type=int, default=1_000_000, help="confirmed signatures (default 1000000)")
    parser.add_argument("--requests", type=int, default=300, help="measured requests per target (default 300)")
    parser.add_argument("--warmup", type=int, default=20, help="uncounted requests per target first (default 20)")
    parser.add_argument("--seed-into", type=Path, help=argparse.SUPPRESS)  # internal: the letter-creating child
    args = parser.parse_args()
    if not 1 <= args.signatures <= 10_000_000 or args.requests < 1 or args.warmup < 0:
        parser.error("--signatures 1..10000000, --requests >= 1, --warmup >= 0")
    return args


def main() -> int:
    args = parse_args()
    if args.seed_into:
        seed_letter(args.seed_into)
        return 0

    signal.signal(signal.SIGTERM, raise_keyboard_interrupt)  # clean up on `kill` as on Ctrl+C
    tmp = Path(tempfile.mkdtemp(prefix="coalition-bench-1m-"))
    tag = redis_tag("bench-page1m")
    server = None
    started = time.perf_counter()
    try:
        redis = redis_client()
        env = bench_environment(tmp, tag)
        print(f"Building a throwaway site in PostgreSQL database {DATABASE} (logs in {tmp})")
        letter = build_site(tmp, env, args.signatures)

        port = free_port()
        log_path = tmp / "gunicorn.log"
        print(f"  starting gunicorn on http://{HOST}:{port}/ ...", end=" ", flush=True)
        server = start_gunicorn(port, env, log_path, workers=GUNICORN_WORKERS, threads=1)
        wait_until_healthy(server, port, log_path)
        print("up")
        check_page(port, letter["url"], args.signatures)

        # The key signature_counts_version() reads, as Django's Redis cache names it (prefix:version:key).
        version_key = f"{tag}:1:letter-signatures-v:{letter['pk']}"

        def bump() -> None:
            redis.incr(version_key)

        load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
        targets = [
            Target(BASELINE, "/healthz"),
            Target("letter page", letter["url"]),
            Target("letter page, counts changed", letter["url"], bump_counts=True),
        ]
        measurements = []
        for target in targets:
            print(f"  measuring {target.name} ...", end=" ", flush=True)
            target_started = time.perf_counter()
            measurement = measure(port, target, args.requests, args.warmup, bump, lambda: server_cpu_seconds(server))
            measurements.append(measurement)
            print(
                f"{time.perf_counter() - target_started:.1f} s"
                + (" (aborted: time limit)" if measurement.aborted else "")
            )

        context = machine_context()
        context.update(
            server=(
                f"gunicorn, {GUNICORN_WORKERS} sync workers x 1 thread, coalition.settings.dev with DEBUG=false, "
                "PostgreSQL, Redis cache, loopback"
            ),
            signatures=args.signatures,
            countries=letter["countries"],
            requests_per_target=args.requests,
            warmup_per_target=args.warmup,
            load_average_before=load_before,
        )
        problems, met = report(measurements, context)
        print(f"Total time {time.perf_counter() - started:.0f} s")
        if problems:
            print("FAILED: " + "; ".join(problems), file=sys.stderr)
            return 1
        if not met:
            print(f"Target missed: letter page p50 >= {TARGET_P50_MS:.0f} ms", file=sys.stderr)
            return 3
        return 0
    except BenchmarkError as error:
        print(f"\nBenchmark set-up failed: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130
    finally:
        ignore_interrupts()
        if server is not None:
            stop_gunicorn(server)
        database_drop(DATABASE)
        redis_forget(tag)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
