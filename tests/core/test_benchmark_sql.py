"""The benchmarks fill the signatures table with raw SQL: it must keep up with the model.

`make bench` is not part of CI, so a new NOT NULL column would otherwise break the benchmarks
unnoticed. Each INSERT runs here, for a few rows, against the test database's real schema.
"""

import importlib.util
from pathlib import Path

import pytest
from django.db import connection

from coalition.letters.models import Signature, SignatureState
from tests.factories import LetterPageFactory

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (the benchmarks' SQL)"),
]


def benchmark(name: str):
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_pdf_benchmarks_insert_matches_the_signatures_table(index):
    bench = benchmark("pdf_build")
    letter = LetterPageFactory()
    params = {
        "letter": letter.pk,
        "start": 1,
        "stop": 3,
        "first": bench.FIRST_NAMES,
        "first_count": len(bench.FIRST_NAMES),
        "cities": bench.CITIES,
        "city_count": len(bench.CITIES),
        "countries": bench.COUNTRIES,
        "country_count": len(bench.COUNTRIES),
    }
    with connection.cursor() as cursor:
        cursor.execute(bench.INSERT_SQL, params)
    rows = Signature.objects.filter(letter=letter)
    assert rows.count() == 3 and set(rows.values_list("state", flat=True)) == {SignatureState.CONFIRMED}


def test_the_million_signature_benchmarks_insert_matches_the_signatures_table(index):
    bench = benchmark("letter_page_1m")
    letter = LetterPageFactory()
    params = {"letter": letter.pk, "count": 3, "countries": bench.COUNTRIES, "country_count": len(bench.COUNTRIES)}
    with connection.cursor() as cursor:
        cursor.execute(bench.INSERT_SQL, params)
    assert Signature.objects.filter(letter=letter, state=SignatureState.CONFIRMED).count() == 3
