"""Signing under load: 50 concurrent signers posting the letter's form, next to a one-INSERT baseline.

Builds a throwaway PostgreSQL database with one letter open for signatures, serves it with
gunicorn (Redis as cache and Celery broker, so confirmation emails are queued, not sent), and
drives concurrent clients, each POSTing new signers (own email, own X-Forwarded-For address)
back to back, for a fixed time against two targets: the real sign/ route, and a baseline endpoint that
only INSERTs one Signature row with the ORM. The two take turns in rounds, so that load from
elsewhere on the machine falls on both alike. Prints signatures/s, p50/p95/p99 latency, errors and
the throughput ratio to the baseline; then checks that every accepted signature was stored once
(rows == 302 answers, no duplicate, each confirmation email queued). Writes the figures to
benchmarks/results/sign_load.json; drops the database and the run's Redis keys at the end.

    .venv/bin/python benchmarks/sign_load.py [--clients 50] [--duration 20] [--warmup 3] [--rounds 4]

Exits 1 when a request failed, a signature was lost or duplicated, or a run ran out of time; 3
when the figures miss the targets (throughput >= 50% of the baseline's, p99 < 250 ms); 2 when the
set-up failed.
"""

import argparse
import collections
import http.client
import itertools
import json
import os
import re
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # benchmarks/ is not a package: found through the sys.path entry above
    HOST,
    REDIS_URL,
    ROOT,
    BenchmarkError,
    database_connect,
    database_cpu_seconds,
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

DATABASE = "coalition_bench_sign"
LETTER_SLUG = "benchmark-sign-letter"
# 2 cores: four sync worker processes, two per core, so a core has a request to run while another
# waits for PostgreSQL or Redis. Signing is CPU-bound: here 2 workers x 4 threads (gthread) signed
# 10-15% fewer per second than 4 x 1 sync, with a p99 up to 1.2 s against 0.7 s (the threads of a
# process take turns holding the GIL); 2 x 1 sync left the baseline waiting on its commits.
GUNICORN_WORKERS = 4
GUNICORN_THREADS = 1
# The proof of work costs the server one hash whatever its difficulty; the clients' cost grows
# as 2**bits. 4 bits (16 hashes on average, solved before the timed phase) keeps the load
# generator off the two cores the server needs. Production uses 16.
CHALLENGE_BITS = 4
TOKEN_BATCH = 2000  # challenge tokens per /__bench__/challenges/ request
REQUEST_TIMEOUT = 15  # seconds for one response
RUN_GRACE = 30  # seconds a run may take beyond its duration before it counts as aborted
BASELINE = "orm insert"
TARGET_RATIO = 0.5  # signing throughput / baseline throughput
TARGET_P99_MS = 250.0
COUNTRIES = ["SY", "LB", "FR", "DE", "GB", "US", "TR", "JO", "EG", "CA", "SE", "NL", "IQ", "MA", "TN", "IT"]
FIRST_NAMES = ["Amina", "Rami", "Leila", "Omar", "Sara", "Yusuf", "Nour", "Hadi", "Maya", "Karim"]


@dataclass
class Run:
    name: str
    path: str
    duration: float
    latencies: list[float] = field(default_factory=list)  # seconds, accepted (302) answers only
    accepted_emails: list[str] = field(default_factory=list)
    accepted_consents: int = 0  # accepted submissions with the consent box ticked
    sent: list[str] = field(default_factory=list)  # every email posted, answered or not
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    client_cpu: float = 0.0
    app_cpu: float = 0.0  # seconds of CPU used by gunicorn (master and workers) during the run
    database_cpu: float = 0.0  # and by the PostgreSQL backends of the benchmark database
    load_average: str = ""  # the machine's, just before the run: other work skews the figures
    aborted: bool = False
    pool_ran_out: bool = False

    def add(self, segment: "Run") -> None:
        """Count one round's figures in (the targets are measured in alternating rounds)."""
        self.latencies += segment.latencies
        self.accepted_emails += segment.accepted_emails
        self.accepted_consents += segment.accepted_consents
        self.sent += segment.sent
        self.errors += segment.errors
        self.error_samples += segment.error_samples[: max(0, 5 - len(self.error_samples))]
        self.elapsed += segment.elapsed
        self.client_cpu += segment.client_cpu
        self.app_cpu += segment.app_cpu
        self.database_cpu += segment.database_cpu
        self.load_average = self.load_average or segment.load_average
        self.aborted |= segment.aborted
        self.pool_ran_out |= segment.pool_ran_out

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def cpu_ms_per_answer(self, seconds: float) -> float:
        return seconds * 1000 / len(self.latencies) if self.latencies else 0.0


@dataclass
class Client:
    """One signer's browser: the CSRF cookie and form token it got from the letter page."""

    cookie: str
    csrf_token: str


# --- the throwaway site -----------------------------------------------------------------------------------------


def bench_environment(tmp: Path, tag: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            # The project's dev settings with the benchmark URLconf (bench_settings.py says why).
            "DJANGO_SETTINGS_MODULE": "benchmarks.bench_settings",
            "DATABASE_URL": database_url(DATABASE),
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "MEDIA_ROOT": str(tmp / "media"),
            # Redis for the cache (challenges used, rate limits, counts' version) and as the Celery
            # broker: the confirmation email is published as a task, as in production; no worker runs.
            "REDIS_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": tag,
            "CELERY_QUEUE": tag,
            "AWS_STORAGE_BUCKET_NAME": "",
            "COALITION_CHALLENGE_BITS": str(CHALLENGE_BITS),
            # One proxy in front (as in production behind a load balancer): the client address is
            # the last X-Forwarded-For hop, so each simulated signer has an address of its own.
            "COALITION_TRUSTED_PROXY_COUNT": "1",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def build_site(tmp: Path, env: dict[str, str]) -> dict:
    """Create the database, migrate, add the letter; return {"pk": ..., "url": ...}."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    print(f"  create database {DATABASE} ...", end=" ", flush=True)
    database_create(DATABASE)
    print("done")
    run_step("migrate", [*manage, "migrate", "--noinput"], env, tmp)
    letter_path = tmp / "letter.json"
    run_step("create letter", [sys.executable, __file__, "--seed-into", str(letter_path)], env, tmp)
    return json.loads(letter_path.read_text())


def seed_letter(letter_path: Path) -> None:
    """Runs in a child process with the bench environment: one letter open for signatures."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()

    from django.db import transaction

    from coalition.letters.models import LetterPage, LetterRecipient, LetterStatus
    from coalition.letters.services import letter_codrafter_add, letter_lead_set
    from coalition.letters.site import site_structure_ensure
    from coalition.orgs.models import Organization

    with transaction.atomic():
        _home, index = site_structure_ensure()
        lead = Organization.objects.create(
            name="Syrian Archive of the Disappeared",
            slug="syrian-archive",
            website="https://archive.example.org/",
            country="SY",
            asks_signer_consent=True,  # the form shows one consent box, exercising that path
        )
        partner = Organization.objects.create(
            name="Families for Truth", slug="families-for-truth", website="https://families.example.org/", country="LB"
        )
        letter = LetterPage(
            title="Benchmark letter: disclose the fate of the disappeared",
            slug=LETTER_SLUG,
            summary="Organizations ask the authorities to disclose the fate of the disappeared.",
            introduction="<p>Why this letter, and why now: the commission reports next month.</p>",
            recipients_line="Dear Minister,",
            body="<p>We, the undersigned, ask you to act without delay.</p>" * 4,
            closing="Yours sincerely,",
            language="en",
            status=LetterStatus.OPEN_FOR_SIGNATURES,
            signature_goal=100000,
            share_text="Add your name: the families deserve answers.",
        )
        letter.recipients.add(LetterRecipient(name="Amal Haddad", title="Minister of Justice", sort_order=0))
        index.add_child(instance=letter)
        letter.save_revision().publish()
        letter_lead_set(letter=letter, organization=lead, acting_user=None)
        letter_codrafter_add(letter=letter, organization=partner, acting_user=None)
    letter = LetterPage.objects.get(slug=LETTER_SLUG)
    letter_path.write_text(json.dumps({"pk": letter.pk, "url": letter.get_url()}))


def truncate_signatures() -> None:
    with database_connect(DATABASE) as conn:
        # CASCADE: webhook deliveries and constituent messages point at signatures too.
        conn.execute(
            "TRUNCATE letters_signatureconsent, letters_signaturetally, letters_signature RESTART IDENTITY CASCADE"
        )


# --- the clients ------------------------------------------------------------------------------------------------


def http_get(port: int, path: str) -> tuple[int, dict, str]:
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request("GET", path, headers={"Accept": "text/html"})
        response = conn.getresponse()
        body = response.read().decode()
        return response.status, response, body
    finally:
        conn.close()


def open_clients(port: int, letter_url: str, count: int) -> tuple[list[Client], str]:
    """Each client GETs the letter page once, as a browser does: the CSRF cookie and the form's token."""
    clients = []
    action = ""
    for _ in range(count):
        status, response, html = http_get(port, letter_url)
        if status != 200:
            raise BenchmarkError(f"GET {letter_url} answered {status}")
        cookie = next(
            (c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or [] if c.startswith("csrftoken=")),
            "",
        )
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        form = re.search(r'<form class="sign-form" method="post" action="([^"]+)"', html)
        if not cookie or not token or not form:
            raise BenchmarkError(f"GET {letter_url}: no CSRF cookie, CSRF token or signature form in the page")
        action = form.group(1)
        clients.append(Client(cookie=cookie, csrf_token=token.group(1)))
    return clients, action


def fetch_challenges(port: int, count: int) -> collections.deque:
    """`count` fresh challenge tokens, each with its proof of work solved (before the clock starts)."""
    sys.path.insert(0, str(ROOT))
    from coalition.core.challenge import challenge_solve

    pool = collections.deque()
    while len(pool) < count:
        n = min(TOKEN_BATCH, count - len(pool))
        status, _response, body = http_get(port, f"/__bench__/challenges/?n={n}")
        if status != 200:
            raise BenchmarkError(f"GET /__bench__/challenges/ answered {status}")
        data = json.loads(body)
        if data["bits"] != CHALLENGE_BITS:
            raise BenchmarkError(f"the server asks for {data['bits']} bits, expected {CHALLENGE_BITS}")
        pool.extend((token, challenge_solve(token, data["bits"])) for token in data["tokens"])
    return pool


def signer(n: int, run_label: str) -> dict:
    """The n-th simulated signer: unique email (1,000 domains, under the per-domain limit), varied fields."""
    return {
        "first_name": FIRST_NAMES[n % len(FIRST_NAMES)],
        "last_name": f"Signer {n}",
        "email": f"{run_label}-{n}@d{n % 1000}.signers.example",
        "country": COUNTRIES[n % len(COUNTRIES)],
        "city": "Gaziantep",
        "title": "Teacher" if n % 3 == 0 else "",
        "comment": "The families deserve answers." if n % 5 == 0 else "",
        "show_name": "on" if n % 3 != 2 else "",
        "show_full_name": "1" if n % 2 else "0",
        "website": "",  # the honeypot, left empty as a person leaves it
        "answer": "",
    }


def forwarded_for(n: int) -> str:
    """A distinct client address per signer (10.0.0.0/8), as the trusted proxy would report it."""
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def drive(
    port: int, run: Run, clients: list[Client], pool: collections.deque, numbers, consent_field: str, label: str
) -> None:
    """All clients POST signers back to back for run.duration seconds; answers are recorded in `run`."""
    lock = threading.Lock()
    stop_at = time.monotonic() + run.duration
    give_up_at = stop_at + RUN_GRACE

    def client_loop(client: Client) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        latencies, emails, sent, problems = [], [], [], []
        consents = errors = 0
        try:
            while time.monotonic() < stop_at:
                try:
                    token, solution = pool.popleft()
                except IndexError:
                    run.pool_ran_out = True
                    break
                n = next(numbers)
                fields = signer(n, label)
                ticked = n % 2 == 0
                if ticked:
                    fields[consent_field] = "on"
                body = urlencode(
                    {"csrfmiddlewaretoken": client.csrf_token, **fields, "challenge": token, "pow": solution}
                )
                headers = {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": client.cookie,
                    "X-Forwarded-For": forwarded_for(n),
                    "Accept": "text/html",
                }
                sent.append(fields["email"])
                problem = None
                started = time.perf_counter()
                try:
                    conn.request("POST", run.path, body, headers)
                    response = conn.getresponse()
                    response.read()
                    if response.status != 302 or not response.getheader("Location"):
                        problem = f"HTTP {response.status}"
                except (OSError, http.client.HTTPException) as error:
                    conn.close()
                    problem = f"{type(error).__name__}: {error}"
                latency = time.perf_counter() - started
                if problem is None:
                    latencies.append(latency)
                    emails.append(fields["email"])
                    consents += ticked
                else:
                    errors += 1
                    if len(problems) < 5:
                        problems.append(problem)
                if time.monotonic() > give_up_at:
                    run.aborted = True
                    break
        finally:
            conn.close()
            with lock:
                run.latencies += latencies
                run.accepted_emails += emails
                run.accepted_consents += consents
                run.sent += sent
                run.errors += errors
                run.error_samples += problems[: max(0, 5 - len(run.error_samples))]

    threads = [threading.Thread(target=client_loop, args=(client,), daemon=True) for client in clients]
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, give_up_at + REQUEST_TIMEOUT - time.monotonic()))
        if thread.is_alive():
            run.aborted = True
    run.elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    run.client_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)


# --- the checks -------------------------------------------------------------------------------------------------


def check_stored(run: Run, letter_pk: int, queue: str, *, signing: bool) -> dict:
    """Compare what the database (and the broker) hold with what the clients were told."""
    with database_connect(DATABASE) as conn:
        stored = [
            row[0] for row in conn.execute("SELECT email FROM letters_signature WHERE letter_id = %s", [letter_pk])
        ]
        duplicates = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM letters_signature GROUP BY letter_id, canonical_email"
            " HAVING count(*) > 1) AS d"
        ).fetchone()[0]
        states = dict(conn.execute("SELECT state, count(*) FROM letters_signature GROUP BY state").fetchall())
        emails_owed = conn.execute("SELECT count(*) FROM letters_signature WHERE email_due = 'confirm'").fetchone()[0]
        consents = conn.execute("SELECT count(*) FROM letters_signatureconsent").fetchone()[0]
    accepted = set(run.accepted_emails)
    stored_set = set(stored)
    checks = {
        "accepted": len(run.accepted_emails),
        "rows": len(stored),
        "lost": len(accepted - stored_set),  # answered 302 but not in the table
        # Stored without a 302 reaching the client (a time-out after the commit): not lost, reported.
        "stored_unanswered": len(stored_set - accepted),
        "unknown_rows": len(stored_set - set(run.sent)),
        "duplicates": duplicates + (len(stored) - len(stored_set)),
        "states": states,
    }
    if signing:
        checks["consents_expected"] = run.accepted_consents
        checks["consents"] = consents
        checks["confirmation_emails_owed"] = emails_owed
        checks["confirmation_tasks_queued"] = redis_client().llen(queue)
    return checks


def checks_add(total: dict | None, found: dict) -> dict:
    """The checks of all rounds of a target: counts summed, states merged."""
    if total is None:
        return found
    merged = {key: total[key] + value for key, value in found.items() if key != "states"}
    states = collections.Counter(total["states"])
    states.update(found["states"])
    merged["states"] = dict(states)
    return merged


def check_problems(checks: dict, *, signing: bool) -> list[str]:
    problems = []
    if checks["lost"]:
        problems.append(f"{checks['lost']} accepted signature(s) not stored")
    if checks["unknown_rows"]:
        problems.append(f"{checks['unknown_rows']} row(s) no client sent")
    if checks["duplicates"]:
        problems.append(f"{checks['duplicates']} duplicate signature(s)")
    if checks["rows"] != checks["accepted"] + checks["stored_unanswered"]:
        problems.append(f"{checks['rows']} rows for {checks['accepted']} accepted answers")
    if signing:
        if checks["consents"] != checks["consents_expected"]:
            problems.append(f"{checks['consents']} consents stored, {checks['consents_expected']} ticked")
        if checks["confirmation_emails_owed"] != checks["rows"]:
            problems.append(f"{checks['confirmation_emails_owed']} confirmation emails owed for {checks['rows']} rows")
        if checks["rows"] and not checks["confirmation_tasks_queued"]:
            problems.append(f"no email task queued for {checks['rows']} rows")
    return problems


# --- the report -------------------------------------------------------------------------------------------------


def summarize(run: Run, baseline: Run) -> dict:
    ratio = run.per_second / baseline.per_second if baseline.per_second else None
    return {
        "target": run.name,
        "path": run.path,
        "baseline": run is baseline,
        "duration_s": run.duration,
        "elapsed_s": round(run.elapsed, 3),
        "requests": run.requests,
        "accepted": len(run.latencies),
        "errors": run.errors,
        "error_samples": run.error_samples,
        "aborted": run.aborted,
        "challenge_pool_ran_out": run.pool_ran_out,
        "signatures_per_second": round(run.per_second, 2),
        "p50_ms": round(percentile_ms(run.latencies, 50) or 0, 3),
        "p95_ms": round(percentile_ms(run.latencies, 95) or 0, 3),
        "p99_ms": round(percentile_ms(run.latencies, 99) or 0, 3),
        "throughput_ratio_to_baseline": round(ratio, 3) if ratio is not None else None,
        "client_cpu_s": round(run.client_cpu, 2),
        "app_cpu_ms_per_answer": round(run.cpu_ms_per_answer(run.app_cpu), 3),
        "postgresql_cpu_ms_per_answer": round(run.cpu_ms_per_answer(run.database_cpu), 3),
        "load_average_before": run.load_average,
    }


def report(runs: list[Run], checks: dict, context: dict, args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """Print the figures; return (correctness problems, missed targets)."""
    baseline, signing = runs
    figures = [summarize(run, baseline) for run in runs]
    rows = []
    for run, fig in zip(runs, figures, strict=True):
        name = f"{run.name} (baseline)" if run is baseline else run.name
        if run.aborted:
            name += " [ABORTED]"
        ratio = fig["throughput_ratio_to_baseline"]
        rows.append(
            [
                name,
                run.path,
                str(fig["requests"]),
                str(fig["errors"]),
                f"{fig['signatures_per_second']:.1f}",
                fmt_ms(percentile_ms(run.latencies, 50)),
                fmt_ms(percentile_ms(run.latencies, 95)),
                fmt_ms(percentile_ms(run.latencies, 99)),
                "-" if ratio is None else f"x{ratio:.2f}",
            ]
        )
    header = ["target", "path", "requests", "errors", "signatures/s", "p50 ms", "p95 ms", "p99 ms", "vs baseline"]

    print()
    print(machine_line(context))
    print(f"Server: {context['server']}")
    print(
        f"Load: {args.clients} client threads on the same machine, each posting back to back for {args.duration:g} s "
        f"per target, in {args.rounds} alternating rounds (after {args.warmup:g} s of warm-up); one connection per "
        "client, reopened when the server "
        f"closes it; proof of work {CHALLENGE_BITS} bits, solved before the clock starts"
    )
    print()
    print(table(header, rows, left=2))
    for run in runs:
        for sample in run.error_samples:
            print(f"  error ({run.name}): {sample}")
        print(
            f"  {run.name}: CPU per accepted request: app {run.cpu_ms_per_answer(run.app_cpu):.2f} ms, PostgreSQL "
            f"{run.cpu_ms_per_answer(run.database_cpu):.2f} ms; client CPU {run.client_cpu:.1f} s over "
            f"{run.elapsed:.1f} s; load average before {run.load_average}"
            + (" (challenge pool ran out: the run ended early)" if run.pool_ran_out else "")
        )

    sign_checks = checks[signing.name]
    states = ", ".join(f"{state} {n}" for state, n in sorted(sign_checks["states"].items())) or "none"
    print()
    print(
        f"Stored ({signing.name}): {sign_checks['rows']} rows for {sign_checks['accepted']} accepted answers "
        f"(lost {sign_checks['lost']}, stored without an answer {sign_checks['stored_unanswered']}, "
        f"duplicates {sign_checks['duplicates']}); states: {states}; consents {sign_checks['consents']} of "
        f"{sign_checks['consents_expected']} ticked; confirmation emails owed "
        f"{sign_checks['confirmation_emails_owed']}, tasks on the broker {sign_checks['confirmation_tasks_queued']}"
    )
    base_checks = checks[baseline.name]
    print(
        f"Stored ({baseline.name}): {base_checks['rows']} rows for {base_checks['accepted']} accepted answers "
        f"(lost {base_checks['lost']}, duplicates {base_checks['duplicates']})"
    )

    problems = []
    for run in runs:
        if run.errors:
            problems.append(f"{run.name}: {run.errors} failed request(s)")
        if run.aborted:
            problems.append(f"{run.name}: ran out of time")
        problems += [f"{run.name}: {p}" for p in check_problems(checks[run.name], signing=run is signing)]

    sign_fig = figures[1]
    ratio = sign_fig["throughput_ratio_to_baseline"] or 0.0
    targets = [
        (f"throughput >= {TARGET_RATIO:.0%} of the baseline's", ratio >= TARGET_RATIO, f"{ratio:.0%}"),
        (f"p99 < {TARGET_P99_MS:.0f} ms", sign_fig["p99_ms"] < TARGET_P99_MS, f"{sign_fig['p99_ms']:.1f} ms"),
        ("zero lost", sign_checks["lost"] == 0, str(sign_checks["lost"])),
    ]
    print()
    for label, met, value in targets:
        print(f"Target {label}: {value}, {'met' if met else 'MISSED'}")
    missed = [label for label, met, _value in targets if not met]

    path = write_results(
        "sign_load",
        {
            "baseline": BASELINE,
            "context": context,
            "targets": figures,
            "checks": checks,
            "goals": [{"goal": label, "value": value, "met": met} for label, met, value in targets],
            "problems": problems,
        },
    )
    print(f"\nFigures written to {path.relative_to(ROOT)}")
    return problems, missed


# --- main -------------------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent client threads (default 50)")
    parser.add_argument("--duration", type=float, default=20, help="seconds of load per target (default 20)")
    parser.add_argument("--warmup", type=float, default=3, help="uncounted seconds per target first (default 3)")
    parser.add_argument("--rounds", type=int, default=4, help="the targets take turns in this many rounds (default 4)")
    parser.add_argument(
        "--max-signatures",
        type=int,
        default=30000,
        help="challenge tokens fetched per target; a run ends early if they run out (default 30000)",
    )
    parser.add_argument("--seed-into", type=Path, help=argparse.SUPPRESS)  # internal: the letter-creating child
    args = parser.parse_args()
    if (
        args.clients < 1
        or not 1 <= args.duration <= 600
        or not 0 <= args.warmup <= 60
        or args.max_signatures < 1
        or not 1 <= args.rounds <= 20
    ):
        parser.error("--clients >= 1, --duration 1..600, --warmup 0..60, --max-signatures >= 1, --rounds 1..20")
    return args


def main() -> int:
    args = parse_args()
    if args.seed_into:
        seed_letter(args.seed_into)
        return 0

    signal.signal(signal.SIGTERM, raise_keyboard_interrupt)  # clean up on `kill` as on Ctrl+C
    tmp = Path(tempfile.mkdtemp(prefix="coalition-bench-sign-"))
    tag = redis_tag("bench-sign")
    server = None
    started = time.perf_counter()
    try:
        redis_client()  # fail early, before the database work, when Redis is not there
        env = bench_environment(tmp, tag)
        print(f"Building a throwaway site in PostgreSQL database {DATABASE} (logs in {tmp})")
        letter = build_site(tmp, env)

        port = free_port()
        log_path = tmp / "gunicorn.log"
        print(f"  starting gunicorn on http://{HOST}:{port}/ ...", end=" ", flush=True)
        server = start_gunicorn(port, env, log_path, workers=GUNICORN_WORKERS, threads=GUNICORN_THREADS)
        wait_until_healthy(server, port, log_path)
        print("up")

        clients, sign_path = open_clients(port, letter["url"], args.clients)
        consent_field = "consent_1"
        with database_connect(DATABASE) as conn:
            lead_id = conn.execute(
                "SELECT lead_organization_id FROM letters_letterpage WHERE page_ptr_id = %s", [letter["pk"]]
            ).fetchone()[0]
            consent_field = f"consent_{lead_id}"
        runs = [
            Run(BASELINE, f"/__bench__/insert/{letter['pk']}/", args.duration),
            Run("signing", sign_path, args.duration),
        ]
        numbers = itertools.count(1)
        pools = {}
        for run in runs:
            label = "base" if run.name == BASELINE else "sign"
            warmup_tokens = int(args.warmup * 1000) + 1000
            print(f"  {run.name}: fetching and solving challenges ...", end=" ", flush=True)
            pools[run.name] = pool = fetch_challenges(port, args.max_signatures + warmup_tokens)
            print(f"{len(pool)}")
            if args.warmup:
                print(f"  {run.name}: warm-up {args.warmup:g} s ...", end=" ", flush=True)
                warm = Run(run.name, run.path, args.warmup)
                drive(port, warm, clients, pool, numbers, consent_field, f"warm{label}")
                print(f"{len(warm.latencies)} answers, {warm.errors} errors")
                if warm.errors:
                    raise BenchmarkError(f"{run.name} warm-up: {warm.errors} errors, e.g. {warm.error_samples}")
        # The two targets take turns, round after round: what else the machine is doing at
        # the time (it has neighbours) then weighs on both alike, not on one of them.
        checks = {}
        segment_seconds = args.duration / args.rounds
        for round_number in range(1, args.rounds + 1):
            for run in runs:
                label = f"{'base' if run.name == BASELINE else 'sign'}{round_number}"
                truncate_signatures()
                redis_client().delete(tag)  # the Celery queue: count this segment's tasks only
                print(
                    f"  {run.name}: round {round_number}/{args.rounds}, measuring {segment_seconds:g} s ...",
                    end=" ",
                    flush=True,
                )
                segment = Run(run.name, run.path, segment_seconds)
                segment.load_average = " ".join(f"{x:.2f}" for x in os.getloadavg())
                cpu_before = server_cpu_seconds(server), database_cpu_seconds(DATABASE)
                drive(port, segment, clients, pools[run.name], numbers, consent_field, label)
                segment.app_cpu = server_cpu_seconds(server) - cpu_before[0]
                segment.database_cpu = database_cpu_seconds(DATABASE) - cpu_before[1]
                print(f"{len(segment.latencies)} accepted, {segment.errors} errors in {segment.elapsed:.1f} s")
                found = check_stored(segment, letter["pk"], tag, signing=run.name != BASELINE)
                checks[run.name] = checks_add(checks.get(run.name), found)
                run.add(segment)

        context = machine_context()
        context["server"] = (
            f"gunicorn, {GUNICORN_WORKERS} workers x {GUNICORN_THREADS} thread(s) "
            f"({'gthread' if GUNICORN_THREADS > 1 else 'sync'}), "
            "coalition.settings.dev with DEBUG=false + benchmarks/bench_urls.py, PostgreSQL and Redis on loopback"
        )
        context.update(clients=args.clients, duration_s=args.duration, warmup_s=args.warmup, rounds=args.rounds)
        context["challenge_bits"] = CHALLENGE_BITS
        problems, missed = report(runs, checks, context, args)
        print(f"Total time {time.perf_counter() - started:.0f} s")
        if problems:
            print("FAILED: " + "; ".join(problems), file=sys.stderr)
            return 1
        if missed:
            print("Targets missed: " + "; ".join(missed), file=sys.stderr)
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
