"""The OpenAPI schema, its docs page, and a bounded fuzz run of every operation against it (Schemathesis)."""

import re

import pytest
import schemathesis
import yaml
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import SignatureFactory, endorsement_for

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 40

OPERATIONS = {
    ("get", "/api/v1/"),
    ("get", "/api/v1/letters/"),
    ("get", "/api/v1/letters/{slug}/"),
    ("get", "/api/v1/letters/{slug}/signatures/"),
    ("post", "/api/v1/letters/{slug}/signatures/"),
    ("get", "/api/v1/letters/{slug}/endorsements/"),
    ("get", "/api/v1/letters/{slug}/stats/"),
    ("get", "/api/v1/organizations/"),
    ("get", "/api/v1/organizations/{slug}/"),
    ("get", "/api/v1/partner/signatures/"),
    ("get", "/api/v1/partner/endorsements/"),
    ("get", "/api/v1/partner/endorsements/{id}/"),
}


def test_the_schema_is_openapi_3_in_json_and_yaml_and_describes_v1_only(client):
    as_json = client.get("/api/v1/schema/?format=json")
    as_yaml = client.get("/api/v1/schema/")

    assert as_json.status_code == as_yaml.status_code == 200
    schema = as_json.json()
    assert schema["openapi"].startswith("3.")
    assert yaml.safe_load(as_yaml.content)["paths"].keys() == schema["paths"].keys()
    assert {(method, path) for path, item in schema["paths"].items() for method in item} == OPERATIONS
    assert schema["components"]["securitySchemes"]["apiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["apiKey"]["description"],
    }
    sign = schema["paths"]["/api/v1/letters/{slug}/signatures/"]["post"]
    assert {"202", "400", "403", "404", "409", "413", "429"} <= set(sign["responses"])
    assert sign["requestBody"]["content"].keys() == {"application/json"}


def test_the_docs_page_loads_nothing_from_another_host(client):
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert assets, "the page should load Swagger UI's files"
    for asset in assets:
        assert not re.match(r"^(https?:)?//", asset), f"third-party asset: {asset}"
        assert asset.startswith("/static/drf_spectacular_sidecar/"), asset
        assert client.get(asset).status_code == 200, asset
    assert "cdn" not in html.lower()


# --- Schemathesis ------------------------------------------------------------------------------------


@pytest.fixture
def api_schema(db, letter, org_a, key_a, settings):
    """A letter with signatures and endorsements, generous throttles (a fuzzer is not a flood), the key."""
    from coalition.wsgi import application

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/minute"),
    }
    SignatureFactory(letter=letter, source_organization=org_a, consents=[org_a])
    endorsement_for(letter, org_a)
    # As Django's test client does: the requests share the test's transaction, so the end of a
    # request must not close the database connection under it.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
        schema.key = key_a
        yield schema
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_fuzzing_finds_no_server_error_and_no_answer_outside_the_schema(api_schema):
    """Each operation, bounded examples, with and without the key: no 5xx, and every answer as the schema says.

    Driven through Schemathesis' Python API inside one test (its pytest plugin does not run under
    this pytest), with the test's database and settings.
    """
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {(op.method.lower(), op.path) for op in operations} == OPERATIONS
    headers = {"Authorization": f"Bearer {api_schema.key}"}

    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case):
            case.call_and_validate(checks=CHECKS)
            case.call_and_validate(checks=CHECKS, headers=headers)

        fuzz()
