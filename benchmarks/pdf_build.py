"""The signed PDF at petition scale: 165,953 and 1,000,000 signatories, and 1,000 more on top.

Builds a throwaway PostgreSQL database with one letter (three organizations, endorsements)
and synthetic confirmed signatories whose names and cities are in mixed scripts (Latin,
Arabic, Cyrillic, Greek, Chinese, Devanagari), then times `build_letter_pdf` in a child
process as an editor's button would run it (chunks laid out by COALITION_PDF_PROCESSES worker
processes, merged with pypdf), in three scenarios:

1. 165,953 signatories, nothing rendered before;
2. the same letter after 1,000 more signatures (the unchanged chunks are reused);
3. 1,000,000 signatories, the chunk store emptied first (skip with --skip-million).

Beside them, the baseline: the naive way, one WeasyPrint document holding the whole list
(an HTML list in CSS columns), at 10,000 names. For each: wall time, the peak memory of the
largest process (the builder or one of its workers: ru_maxrss), pages, names per second and
the ratio to the baseline's names per second. Writes benchmarks/results/pdf_build.json; drops
the database at the end.

    .venv/bin/python benchmarks/pdf_build.py [--skip-million] [--processes 2]

Exits 1 when a build failed or a PDF has the wrong page count, 3 when a target is missed
(165,953 names under 45 s, 1,000,000 under 300 s, the update under 10 s, each under 400 MB),
2 when the set-up failed.
"""

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # benchmarks/ is not a package: found through the sys.path entry above
    ROOT,
    BenchmarkError,
    database_connect,
    database_create,
    database_drop,
    database_url,
    ignore_interrupts,
    machine_context,
    machine_line,
    raise_keyboard_interrupt,
    run_step,
    table,
    write_results,
)

DATABASE = "coalition_bench_pdf"
LETTER_SLUG = "benchmark-pdf-letter"
PETITION = 165_953  # seed 002's signatures
UPDATE = 1_000
MILLION = 1_000_000
BASELINE_NAMES = 10_000
TARGETS = {"petition": 45.0, "update": 10.0, "million": 300.0}  # seconds
MEMORY_TARGET_MB = 400.0
BUILD_TIMEOUT = 1200

# Synthetic signers: first names and cities from several scripts; last names give each a number.
FIRST_NAMES = [
    "Amina", "Rami", "محمد", "ليلى", "Иван", "Ольга", "Γιώργος", "Ελένη", "王小明", "李娜", "राहुल", "प्रिया",
    "Zoë", "José", "Nour", "Søren",
]  # fmt: skip
CITIES = [
    "Gaziantep", "دمشق", "Москва", "Αθήνα", "北京", "दिल्ली", "Bogotá", "Zürich", "Beirut", "Amman", "Paris",
    "Toronto",
]  # fmt: skip
COUNTRIES = ["SY", "LB", "TR", "RU", "GR", "CN", "IN", "CO", "CH", "JO", "FR", "CA", "DE", "GB", "US", "EG"]

INSERT_SQL = """
INSERT INTO letters_signature (
    letter_id, state, first_name, last_name, email, canonical_email, email_domain, country, city, title,
    comment, show_name, show_full_name, language, channel, suspect_reason, created_at, email_confirmed_at,
    confirmed_at, state_changed_at, nonce, email_due, emails_sent, last_emailed_at, region, personal_message)
SELECT %(letter)s, 'confirmed',
    (%(first)s::text[])[1 + i %% %(first_count)s],
    'Signer ' || i,
    'signer' || i || '@signers.example', 'signer' || i || '@signers.example', 'signers.example',
    (%(countries)s::text[])[1 + (i / 7) %% %(country_count)s],
    (%(cities)s::text[])[1 + (i / 3) %% %(city_count)s],
    '', '', true, i %% 2 = 0, 'en', 'form', '',
    now(), now(), now(), now(), md5(i::text), '', 1, now(), '', ''
FROM generate_series(%(start)s, %(stop)s) AS i
"""


def bench_environment(tmp: Path, processes: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "coalition.settings.dev",
            "DATABASE_URL": database_url(DATABASE),
            "DEBUG": "false",
            "MEDIA_ROOT": str(tmp / "media"),
            "REDIS_URL": "",  # the build runs in the child itself, as `build_letter_pdf` without a broker
            "AWS_STORAGE_BUCKET_NAME": "",
            "COALITION_PDF_PROCESSES": str(processes),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def seed_letter(letter_path: Path) -> None:
    """Runs in a child process with the bench environment: the letter, its organizations and endorsements."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()

    from django.db import transaction

    from coalition.letters.models import Endorsement, LetterPage, LetterRecipient, LetterStatus
    from coalition.letters.services import letter_codrafter_add, letter_lead_set
    from coalition.letters.site import site_structure_ensure
    from coalition.letters.text import letter_text_hash
    from coalition.orgs.models import Organization

    paragraph = (
        "<p>We, the undersigned organizations and people, ask you to disclose the fate and whereabouts of "
        "everyone detained and never seen again, to open the places of detention to independent monitors, and "
        "to return the remains of those who died to their families.</p>"
    )
    with transaction.atomic():
        _home, index = site_structure_ensure()
        organizations = [
            Organization.objects.create(name=name, slug=slug, website=f"https://{slug}.example.org/", country=country)
            for name, slug, country in [
                ("Syrian Archive of the Disappeared", "syrian-archive", "SY"),
                ("Families for Truth", "families-for-truth", "LB"),
                ("Justice Now", "justice-now", "FR"),
                ("Caesar Families Association", "caesar-families", "DE"),
                ("Rights Watch Levant", "rights-watch-levant", "JO"),
            ]
        ]
        letter = LetterPage(
            title="Disclose the fate of the disappeared",
            slug=LETTER_SLUG,
            summary="Organizations and people ask the authorities to disclose the fate of the disappeared.",
            recipients_line="Dear President,",
            body=paragraph * 4,
            closing="Yours sincerely,",
            language="en",
            status=LetterStatus.OPEN_FOR_SIGNATURES,
        )
        letter.recipients.add(LetterRecipient(name="The President of the Republic", title="", sort_order=0))
        index.add_child(instance=letter)
        letter.save_revision().publish()
        letter_lead_set(letter=letter, organization=organizations[0], acting_user=None)
        for organization in organizations[1:3]:
            letter_codrafter_add(letter=letter, organization=organization, acting_user=None)
        letter = LetterPage.objects.get(pk=letter.pk)
        for organization in organizations:
            Endorsement.objects.create(
                letter=letter,
                organization=organization,
                state="approved",
                signer_name="Rana Haddad",
                signer_title="Director",
                signer_email=f"contact@{organization.slug}.example.org",
                source=Endorsement.Source.PARTNER,
                nonce=organization.slug,
                revision=letter.live_revision,
                content_hash=letter_text_hash(letter),
            )
    letter_path.write_text(json.dumps({"pk": letter.pk}))


def insert_signatures(letter_pk: int, start: int, stop: int) -> float:
    started = time.perf_counter()
    with database_connect(DATABASE) as conn:
        conn.execute("SET synchronous_commit = off")  # a throwaway database
        conn.execute(
            INSERT_SQL,
            {
                "letter": letter_pk,
                "start": start,
                "stop": stop,
                "first": FIRST_NAMES,
                "first_count": len(FIRST_NAMES),
                "cities": CITIES,
                "city_count": len(CITIES),
                "countries": COUNTRIES,
                "country_count": len(COUNTRIES),
            },
        )
        conn.execute("ANALYZE letters_signature")
    return time.perf_counter() - started


def measure_build(slug: str) -> None:
    """Runs in a child process: build the PDF; print wall time and the largest process's peak memory."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from coalition.letters.models import LetterDocument, LetterPage
    from coalition.letters.services.documents import letter_pdf_build, letter_pdf_request

    letter = LetterPage.objects.get(slug=slug)
    started = time.perf_counter()
    document = letter_pdf_request(letter=letter)
    if document.state == LetterDocument.State.QUEUED:
        letter_pdf_build(document_id=document.pk)
    elapsed = time.perf_counter() - started
    document.refresh_from_db()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        "RESULT "
        + json.dumps(
            {
                "state": document.state,
                "error": document.error,
                "wall_s": elapsed,
                "pages": document.pages,
                "names": document.signatures_count,
                "size": document.size,
                "chunks_rendered": document.chunks_rendered,
                "chunks_reused": document.chunks_reused,
                "timings": document.timings,
                "builder_peak_mb": own / 1024,
                "worker_peak_mb": workers / 1024,
                "path": document.file.path if document.file else "",
            }
        )
    )


def naive_baseline(count: int) -> None:
    """Runs in a child process: the whole list as one WeasyPrint document (the way not to do it)."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.utils.html import escape

    from coalition.letters.pdf.render import html_to_pdf

    items = "".join(
        f"<li>{escape(FIRST_NAMES[i % len(FIRST_NAMES)])} Signer {i} · {escape(CITIES[(i // 3) % len(CITIES)])}</li>"
        for i in range(count)
    )
    html = f'<html lang="en"><body><h1>Signatories</h1><ol class="names">{items}</ol></body></html>'
    css = (
        "@page { size: A4; margin: 16mm 14mm 20mm; } html { font-family: 'Noto Sans', 'IBM Plex Sans Arabic', "
        "'Noto Sans Devanagari', 'Noto Sans CJK'; font-size: 7pt; } ol.names { columns: 3; column-gap: 5mm; }"
    )
    started = time.perf_counter()
    pdf = html_to_pdf(html, stylesheet=css, lang="en", title="Baseline", author="Benchmark")
    elapsed = time.perf_counter() - started
    from io import BytesIO

    from pypdf import PdfReader

    pages = len(PdfReader(BytesIO(pdf)).pages)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps({"wall_s": elapsed, "pages": pages, "names": count, "peak_mb": peak}))


def child_result(args: list[str], env: dict[str, str], log: Path, timeout: int = BUILD_TIMEOUT) -> dict:
    with log.open("ab") as out:
        completed = subprocess.run(
            [sys.executable, __file__, *args],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=out,
            timeout=timeout,
            check=False,
        )
    lines = [line for line in completed.stdout.decode().splitlines() if line.startswith("RESULT ")]
    if completed.returncode != 0 or not lines:
        raise BenchmarkError(f"{' '.join(args)} exited with {completed.returncode}; see {log}")
    return json.loads(lines[-1][len("RESULT ") :])


def pdf_pages(path: str) -> int:
    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=False)
    for line in info.stdout.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise BenchmarkError(f"pdfinfo could not read {path}: {info.stderr.strip()[:300]}")


def clear_chunks(tmp: Path) -> None:
    with database_connect(DATABASE) as conn:
        conn.execute("DELETE FROM letters_letterdocumentchunk")
    shutil.rmtree(tmp / "media" / "letters" / "pdf-chunks", ignore_errors=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-million", action="store_true", help="skip the 1,000,000-signatory build")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2, help="PDF worker processes")
    parser.add_argument("--seed-into", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--measure-build", help=argparse.SUPPRESS)
    parser.add_argument("--naive", type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if args.seed_into:
        seed_letter(args.seed_into)
        return 0
    if args.measure_build:
        measure_build(args.measure_build)
        return 0
    if args.naive:
        naive_baseline(args.naive)
        return 0

    signal.signal(signal.SIGTERM, raise_keyboard_interrupt)
    tmp = Path(tempfile.mkdtemp(prefix="coalition-bench-pdf-"))
    log = tmp / "build.log"
    started = time.perf_counter()
    try:
        env = bench_environment(tmp, args.processes)
        print(f"Building a throwaway site in PostgreSQL database {DATABASE} (logs in {tmp})")
        print(f"  create database {DATABASE} ...", end=" ", flush=True)
        database_create(DATABASE)
        print("done")
        run_step("migrate", [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput"], env, tmp)
        letter_path = tmp / "letter.json"
        run_step("create letter", [sys.executable, __file__, "--seed-into", str(letter_path)], env, tmp)
        letter = json.loads(letter_path.read_text())

        results = []

        def scenario(name: str, label: str, names: int) -> dict:
            print(f"  {label} ...", end=" ", flush=True)
            result = child_result(["--measure-build", LETTER_SLUG], env, log)
            if result["state"] != "ready":
                raise BenchmarkError(f"{label}: the build failed: {result['error']}")
            result["pdfinfo_pages"] = pdf_pages(result["path"])
            result.update(name=name, label=label, expected_names=names)
            result["peak_mb"] = max(result["builder_peak_mb"], result["worker_peak_mb"])
            phases = ", ".join(f"{phase} {seconds:.1f}" for phase, seconds in result["timings"].items())
            print(f"{result['wall_s']:.1f} s, {result['pages']:,} pages, peak {result['peak_mb']:.0f} MB ({phases})")
            results.append(result)
            return result

        print(f"  insert {PETITION:,} signatories ...", end=" ", flush=True)
        print(f"{insert_signatures(letter['pk'], 1, PETITION):.1f} s")
        scenario("petition", f"{PETITION:,} signatories, first build", PETITION)
        print(f"  insert {UPDATE:,} more ...", end=" ", flush=True)
        print(f"{insert_signatures(letter['pk'], PETITION + 1, PETITION + UPDATE):.1f} s")
        scenario("update", f"{PETITION + UPDATE:,} signatories, after {UPDATE:,} new", PETITION + UPDATE)
        if not args.skip_million:
            print(f"  insert up to {MILLION:,} ...", end=" ", flush=True)
            print(f"{insert_signatures(letter['pk'], PETITION + UPDATE + 1, MILLION):.1f} s")
            clear_chunks(tmp)
            scenario("million", f"{MILLION:,} signatories, chunk store emptied", MILLION)

        print(f"  baseline: one WeasyPrint document of {BASELINE_NAMES:,} names ...", end=" ", flush=True)
        baseline = child_result(["--naive", str(BASELINE_NAMES)], env, log)
        print(f"{baseline['wall_s']:.1f} s, {baseline['pages']} pages, peak {baseline['peak_mb']:.0f} MB")
        baseline_rate = baseline["names"] / baseline["wall_s"]

        context = machine_context()
        context.update(processes=args.processes)
        problems, missed, rows = [], [], []
        for result in results:
            rate = result["names"] / result["wall_s"]
            result["names_per_s"] = rate
            result["ratio_to_baseline"] = rate / baseline_rate
            rows.append(
                [
                    result["label"],
                    f"{result['wall_s']:.1f}",
                    f"{result['peak_mb']:.0f}",
                    f"{result['pages']:,}",
                    f"{rate:,.0f}",
                    f"x{result['ratio_to_baseline']:.1f}",
                    f"{result['chunks_rendered']}/{result['chunks_reused']}",
                    f"{result['size'] / 1e6:.1f}",
                ]
            )
            if result["names"] != result["expected_names"]:
                problems.append(f"{result['label']}: {result['names']} names, expected {result['expected_names']}")
            if result["pdfinfo_pages"] != result["pages"]:
                problems.append(f"{result['label']}: pdfinfo reads {result['pdfinfo_pages']} pages")
            target = TARGETS[result["name"]]
            result["targets"] = {
                f"wall < {target:g} s": result["wall_s"] < target,
                f"peak < {MEMORY_TARGET_MB:g} MB": result["peak_mb"] < MEMORY_TARGET_MB,
            }
            missed += [f"{result['label']}: {goal}" for goal, met in result["targets"].items() if not met]
        rows.append(
            [
                f"baseline: one document, {BASELINE_NAMES:,} names",
                f"{baseline['wall_s']:.1f}",
                f"{baseline['peak_mb']:.0f}",
                f"{baseline['pages']:,}",
                f"{baseline_rate:,.0f}",
                "x1.0",
                "-",
                "-",
            ]
        )
        print()
        print(machine_line(context))
        print(f"Builder: build_letter_pdf's service in one process, {args.processes} PDF worker processes")
        print()
        header = ["build", "wall s", "peak MB", "pages", "names/s", "vs baseline", "chunks new/reused", "MB"]
        print(table(header, rows, left=1))
        print()
        for result in results:
            for goal, met in result["targets"].items():
                print(f"Target {result['label']}: {goal}: {'met' if met else 'MISSED'}")
        path = write_results(
            "pdf_build",
            {"context": context, "builds": results, "baseline": baseline, "problems": problems, "missed": missed},
        )
        print(f"\nFigures written to {path.relative_to(ROOT)}")
        print(f"Total time {time.perf_counter() - started:.0f} s")
        if problems:
            print("FAILED: " + "; ".join(problems), file=sys.stderr)
            return 1
        if missed:
            print("Targets missed: " + "; ".join(missed), file=sys.stderr)
            return 3
        return 0
    except BenchmarkError as error:
        print(f"\nBenchmark failed: {error}", file=sys.stderr)
        return 2
    except subprocess.TimeoutExpired as error:
        print(f"\nBenchmark step timed out: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130
    finally:
        ignore_interrupts()
        database_drop(DATABASE)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
