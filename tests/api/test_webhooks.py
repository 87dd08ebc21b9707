"""Webhooks, delivered to a real HTTP server on 127.0.0.1: owed in the transaction that confirms a
signature, only to the organizations the signer agreed to hear from, signed, sent once, retried on
a schedule, never to a private address, and built from the rows as they are when sent."""

import json
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.utils import timezone
from kombu.exceptions import OperationalError

from coalition.api import webhooks
from coalition.api.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from coalition.api.services import signature_public_id
from coalition.api.urlsafety import validate_webhook_url
from coalition.api.webhooks import (
    webhook_deliveries_sweep,
    webhook_delivery_send,
    webhook_ping,
    webhook_signature_verify,
    webhooks_signature_confirmed,
)
from coalition.letters import services
from coalition.letters.models import LetterStatus, Signature, SignatureConsent, SignatureState
from coalition.orgs.models import Membership
from tests.factories import LetterPageFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db
State = WebhookDelivery.State
SIGNER_EMAIL = "amina.khalil@example.org"
SIGNER_IP = "198.51.100.7"
DELAY_TASK = "coalition.api.tasks.webhook_delivery_send.delay"
RETRY_TASK = "coalition.api.tasks.webhook_delivery_send.apply_async"


# --- a real receiver ------------------------------------------------------------------------------


@dataclass
class Received:
    method: str
    path: str
    headers: Message
    body: bytes


class Receiver:
    """An HTTP(S) server in a thread: records every request, answers as the test sets it to.

    `status` and `headers` are the answer; `delay` seconds of silence come first; with
    `trickle`, the answer comes a byte at a time, each well within the client's socket timeout.
    """

    def __init__(self, *, tls: ssl.SSLContext | None = None):
        self.requests: list[Received] = []
        self.status = 204
        self.headers: dict[str, str] = {}
        self.delay = 0.0
        self.trickle = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.requests.append(Received(self.command, self.path, self.headers, body))
                time.sleep(receiver.delay)
                if receiver.trickle:
                    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n":
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(0.1)
                    return
                self.send_response(receiver.status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_POST = do_GET = _answer  # a followed redirect would arrive as a GET

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A client that gave up (a timeout test) is not an error worth a traceback.
        self.server.handle_error = lambda request, client_address: None
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/coalition"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def fake_dns():
    """Names that resolve to chosen addresses; `answers[name]` is consumed one lookup at a time."""
    real = socket.getaddrinfo
    answers: dict[str, list[str]] = {}
    lookups: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            lookups.append(host)
            if not answers[host]:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host].pop(0), port))]
        return real(host, port, *args, **kwargs)

    with mock.patch("socket.getaddrinfo", getaddrinfo):
        yield answers, lookups


# --- organizations, a letter, a signer ------------------------------------------------------------


@pytest.fixture
def org_a(db):
    return OrganizationFactory(name="Syrian Archive", slug="syrian-archive", asks_signer_consent=True)


@pytest.fixture
def org_b(db):
    return OrganizationFactory(name="Open Doors", slug="open-doors", asks_signer_consent=True)


@pytest.fixture
def letter(index, org_a, org_b):
    return LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES, lead_organization=org_a, co_drafters=[org_b])


@pytest.fixture
def endpoint(org_a, receiver):
    return WebhookEndpoint.objects.create(organization=org_a, url=receiver.url)


def sign(letter, *, consent=(), email=SIGNER_EMAIL) -> Signature:
    return services.signature_create(
        letter=letter,
        first_name="Amina",
        last_name="Khalil",
        email=email,
        country="SY",
        city="Gaziantep",
        title="Lawyer",
        show_name=True,
        consent_organization_ids=[org.pk for org in consent],
        ip=SIGNER_IP,
    ).signature


@pytest.fixture
def confirm(django_capture_on_commit_callbacks):
    """Confirm through the service, and run what it queued after commit (the delivery task, in-process)."""

    def run(signature):
        with django_capture_on_commit_callbacks(execute=True):
            return services.signature_confirm(signature=signature)

    return run


def owed(signature=None) -> WebhookDelivery:
    """The one delivery (of the signature), fresh from the database."""
    rows = WebhookDelivery.objects.all()
    if signature is not None:
        rows = rows.filter(signature=signature)
    return rows.get()


def make_due(delivery: WebhookDelivery, ago=timedelta(seconds=1)) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - ago)


# --- who is told -------------------------------------------------------------------------------------


def test_a_confirmed_signature_goes_only_to_the_active_endpoints_of_organizations_it_consented_to(
    letter, org_a, org_b, endpoint, receiver, confirm
):
    WebhookEndpoint.objects.create(organization=org_a, url=receiver.url + "/disabled", active=False)
    WebhookEndpoint.objects.create(organization=org_b, url=receiver.url + "/no-consent")
    signature = sign(letter, consent=[org_a])
    confirm(signature)
    delivery = owed()
    assert delivery.endpoint == endpoint and delivery.event == "signature.confirmed"
    assert re.fullmatch(r"evt_[0-9a-f]{24}", delivery.event_id)
    assert [request.path for request in receiver.requests] == ["/hooks/coalition"]
    assert delivery.state == State.SUCCEEDED and delivery.attempts == 1 and delivery.delivered_at is not None
    assert delivery.claimed_until is None and delivery.last_status_code == 204
    attempt = WebhookAttempt.objects.get()
    assert (attempt.delivery, attempt.status_code, attempt.error) == (delivery, 204, "")


def test_the_body_is_signed_and_shares_what_the_consent_covers_but_never_the_ip_address(
    letter, org_a, endpoint, receiver, confirm
):
    signature = confirm(sign(letter, consent=[org_a]))
    request = receiver.requests[0]
    delivery = owed()
    header = request.headers["Coalition-Signature"]
    assert webhook_signature_verify(secret=endpoint.secret, header=header, body=request.body)
    assert request.headers["Coalition-Event"] == "signature.confirmed"
    assert request.headers["Coalition-Delivery"] == delivery.event_id
    assert request.headers["User-Agent"] == "Coalition-Webhooks/1"
    assert request.headers["Content-Type"] == "application/json"
    event = json.loads(request.body)
    assert (event["id"], event["type"]) == (delivery.event_id, "signature.confirmed")
    assert datetime.fromisoformat(event["created"]) == delivery.created_at.astimezone(UTC)
    data = event["data"]
    assert data["id"] == signature_public_id(signature.pk)
    assert (data["letter"], data["state"], data["country"], data["contact_consent"]) == (
        letter.slug,
        "confirmed",
        "SY",
        True,
    )
    assert data["contact"]["email"] == SIGNER_EMAIL
    assert (data["contact"]["first_name"], data["contact"]["last_name"]) == ("Amina", "Khalil")
    assert data["contact"]["consent_text"] == "Keep me informed about Syrian Archive's work"
    assert SIGNER_IP not in request.body.decode()
    assert str(signature.pk) not in (data["id"], event["id"])


def test_a_signature_without_consent_is_sent_nowhere(letter, endpoint, receiver, confirm):
    confirm(sign(letter))
    assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []


def test_confirming_twice_owes_and_sends_one_delivery(letter, org_a, endpoint, receiver, confirm):
    signature = confirm(sign(letter, consent=[org_a]))
    confirm(signature)
    with mock.patch(DELAY_TASK) as delay:
        assert webhooks_signature_confirmed(signature=signature) == []  # the constraint: nothing new
    delay.assert_not_called()
    assert WebhookDelivery.objects.count() == 1
    assert len(receiver.requests) == 1


def test_an_editor_approving_a_held_signature_whose_email_is_confirmed_sends_it(
    letter, org_a, endpoint, receiver, editor, django_capture_on_commit_callbacks
):
    signature = sign(letter, consent=[org_a])
    Signature.objects.filter(pk=signature.pk).update(state=SignatureState.SUSPECT, email_confirmed_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        services.signature_approve(signature=signature, acting_user=editor)
    assert owed().state == State.SUCCEEDED
    assert len(receiver.requests) == 1


# --- sent once, retried, given up --------------------------------------------------------------------


def test_a_delivery_sent_twice_makes_one_request(letter, org_a, endpoint, receiver, confirm):
    with mock.patch(DELAY_TASK):  # the task is queued but the test runs it, twice (a redelivery)
        confirm(sign(letter, consent=[org_a]))
    delivery = owed()
    assert webhook_delivery_send(delivery_id=delivery.pk) is True
    assert webhook_delivery_send(delivery_id=delivery.pk) is False
    assert len(receiver.requests) == 1
    assert WebhookAttempt.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (SQLite serializes writers)")
def test_workers_sending_the_same_delivery_at_the_same_moment_make_one_request(index, org_a, endpoint, receiver):
    letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES, lead_organization=org_a)
    with mock.patch(DELAY_TASK):  # committed for real: each worker below has its own connection
        services.signature_confirm(signature=sign(letter, consent=[org_a]))
    delivery = owed()
    receiver.delay = 0.3  # the first request is still under way when the others try
    start = threading.Barrier(4)
    results = []

    def worker():
        try:
            start.wait(timeout=10)
            results.append(webhook_delivery_send(delivery_id=delivery.pk))
        except Exception as error:  # noqa: BLE001 - the assertion below names any failure
            results.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=worker) for _ in range(4)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=10)
    assert sorted(results, key=repr) == [False, False, False, True]
    assert len(receiver.requests) == 1
    assert owed().state == State.SUCCEEDED


def test_a_delivery_another_worker_has_claimed_is_left_to_it(letter, org_a, endpoint, receiver, confirm):
    with mock.patch(DELAY_TASK):
        confirm(sign(letter, consent=[org_a]))
    delivery = owed()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(claimed_until=timezone.now() + timedelta(seconds=30))
    assert webhook_delivery_send(delivery_id=delivery.pk) is False
    assert webhook_deliveries_sweep(grace=timedelta(0)) == 0
    # The worker died: once its claim has run out, the delivery is sent.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert webhook_delivery_send(delivery_id=delivery.pk) is True
    assert len(receiver.requests) == 1


def test_a_server_error_is_retried_a_minute_later(letter, org_a, endpoint, receiver, confirm):
    receiver.status = 500
    before = timezone.now()
    confirm(sign(letter, consent=[org_a]))
    after = timezone.now()
    delivery = owed()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (State.RETRYING, 1, 500)
    assert before + timedelta(seconds=60) <= delivery.next_attempt_at <= after + timedelta(seconds=60)
    assert delivery.claimed_until is None and delivery.delivered_at is None
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.error) == (500, "HTTP 500")
    # The retry queued after commit ran at once (tasks run in-process) and found it not yet due.
    assert len(receiver.requests) == 1
    assert webhook_delivery_send(delivery_id=delivery.pk) is False


def test_after_the_last_retry_the_delivery_is_given_up(letter, org_a, endpoint, receiver, confirm):
    receiver.status = 503
    with mock.patch(DELAY_TASK):
        confirm(sign(letter, consent=[org_a]))
    delivery = owed()
    delays = django_settings.COALITION_WEBHOOK_RETRY_DELAYS
    for attempt in range(1, len(delays) + 2):
        make_due(delivery)
        before = timezone.now()
        assert webhook_delivery_send(delivery_id=delivery.pk) is False
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        if attempt <= len(delays):
            assert delivery.state == State.RETRYING
            assert delivery.next_attempt_at >= before + timedelta(seconds=delays[attempt - 1])
    assert (delivery.state, delivery.next_attempt_at) == (State.FAILED, None)
    assert len(receiver.requests) == WebhookAttempt.objects.count() == len(delays) + 1
    make_due(delivery)
    assert webhook_delivery_send(delivery_id=delivery.pk) is False
    assert webhook_deliveries_sweep(grace=timedelta(0)) == 0


def test_a_redirect_is_not_followed_and_counts_as_a_failure(letter, org_a, endpoint, receiver, confirm):
    receiver.status = 302
    receiver.headers = {"Location": receiver.url + "/moved"}
    confirm(sign(letter, consent=[org_a]))
    delivery = owed()
    assert [(r.method, r.path) for r in receiver.requests] == [("POST", "/hooks/coalition")]
    assert (delivery.state, delivery.last_status_code) == (State.RETRYING, 302)
    assert "redirect" in delivery.last_error


def test_a_receiver_that_does_not_answer_in_time_is_a_failed_attempt(
    letter, org_a, endpoint, receiver, confirm, settings
):
    settings.COALITION_WEBHOOK_TIMEOUT_SECONDS = 0.5
    receiver.delay = 3
    started = time.monotonic()
    confirm(sign(letter, consent=[org_a]))
    assert time.monotonic() - started < 2.5
    delivery = owed()
    assert (delivery.state, delivery.last_status_code) == (State.RETRYING, None)
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and "timed out" in attempt.error
    assert 400 <= attempt.duration_ms < 2500


def test_a_receiver_answering_a_byte_at_a_time_is_cut_off_at_the_timeout(
    letter, org_a, endpoint, receiver, confirm, settings
):
    settings.COALITION_WEBHOOK_TIMEOUT_SECONDS = 0.5
    receiver.trickle = True  # every byte arrives within the socket timeout: only the deadline stops it
    started = time.monotonic()
    confirm(sign(letter, consent=[org_a]))
    assert time.monotonic() - started < 2
    assert "timed out" in owed().last_error


def test_the_sweeper_sends_what_a_broker_that_was_down_dropped(letter, org_a, endpoint, receiver, confirm):
    with mock.patch(DELAY_TASK, side_effect=OperationalError("Connection refused")):
        signature = confirm(sign(letter, consent=[org_a]))
    assert Signature.objects.get(pk=signature.pk).state == SignatureState.CONFIRMED
    delivery = owed()
    assert delivery.state == State.PENDING and receiver.requests == []
    assert webhook_deliveries_sweep() == 0  # just due: its task may still be on its way
    make_due(delivery, ago=timedelta(minutes=10))
    assert webhook_deliveries_sweep() == 1
    assert owed().state == State.SUCCEEDED and len(receiver.requests) == 1
    assert webhook_deliveries_sweep() == 0


def test_the_sweeper_stops_while_the_broker_is_down(letter, org_a, endpoint, receiver, confirm):
    with mock.patch(DELAY_TASK):
        confirm(sign(letter, consent=[org_a]))
    make_due(owed(), ago=timedelta(minutes=10))
    with mock.patch(DELAY_TASK, side_effect=OperationalError("Connection refused")):
        assert webhook_deliveries_sweep() == 0
    assert owed().state == State.PENDING


# --- where requests may go ---------------------------------------------------------------------------


def test_a_private_address_is_refused_before_any_connection(letter, org_a, endpoint, receiver, confirm, settings):
    settings.COALITION_WEBHOOK_ALLOW_PRIVATE = False
    confirm(sign(letter, consent=[org_a]))
    delivery = owed()
    assert receiver.requests == []
    assert delivery.state == State.FAILED
    assert "public internet" in delivery.last_error


def test_a_name_that_resolves_to_a_private_address_is_refused(letter, org_a, receiver, confirm, settings, fake_dns):
    answers, _lookups = fake_dns
    answers["hooks.partner.example"] = ["127.0.0.1"]
    settings.COALITION_WEBHOOK_ALLOW_PRIVATE = False
    WebhookEndpoint.objects.create(organization=org_a, url=f"http://hooks.partner.example:{receiver.port}/in")
    confirm(sign(letter, consent=[org_a]))
    delivery = owed()
    assert receiver.requests == []
    assert delivery.state == State.FAILED and "private network" in delivery.last_error


def test_the_connection_goes_to_the_address_that_was_checked(letter, org_a, receiver, confirm, fake_dns):
    answers, lookups = fake_dns
    # A second lookup would fail: the request must use the first answer, the one checked.
    answers["hooks.partner.example"] = ["127.0.0.1"]
    WebhookEndpoint.objects.create(organization=org_a, url=f"http://hooks.partner.example:{receiver.port}/in?x=1")
    confirm(sign(letter, consent=[org_a]))
    assert owed().state == State.SUCCEEDED
    assert lookups == ["hooks.partner.example"]
    request = receiver.requests[0]
    assert request.path == "/in?x=1"
    assert request.headers["Host"] == f"hooks.partner.example:{receiver.port}"


def test_a_name_that_does_not_resolve_is_retried(letter, org_a, receiver, confirm, fake_dns):
    answers, _lookups = fake_dns
    answers["gone.partner.example"] = []
    WebhookEndpoint.objects.create(organization=org_a, url="http://gone.partner.example/in")
    confirm(sign(letter, consent=[org_a]))
    delivery = owed()
    assert delivery.state == State.RETRYING and "does not resolve" in delivery.last_error


def test_plain_http_is_refused_when_only_https_is_allowed(letter, org_a, endpoint, receiver, confirm, settings):
    settings.COALITION_WEBHOOK_ALLOW_HTTP = False
    confirm(sign(letter, consent=[org_a]))
    assert receiver.requests == []
    assert owed().state == State.FAILED and "HTTPS" in owed().last_error


def _certificates(tmp_path: Path, name: str) -> tuple[Path, Path, Path]:
    """A throwaway certificate authority and a certificate it issued for `name`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)

    def build(subject, issuer, key, signing_key, *, ca: bool):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
            ).add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        else:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False)
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()), critical=False
            )
        return builder.sign(signing_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = build("Test CA", "Test CA", ca_key, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = build(name, "Test CA", key, ca_key, ca=False)
    ca_path, cert_path, key_path = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return ca_path, cert_path, key_path


def test_https_goes_to_the_checked_address_and_verifies_the_certificate_against_the_name(
    letter, org_a, org_b, confirm, fake_dns, tmp_path, settings
):
    settings.COALITION_WEBHOOK_ALLOW_HTTP = False
    ca_path, cert_path, key_path = _certificates(tmp_path, "hooks.partner.example")
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert_path, key_path)
    names = []
    server_tls.sni_callback = lambda sslobj, name, context: names.append(name)
    receiver = Receiver(tls=server_tls)
    answers, _lookups = fake_dns
    answers["hooks.partner.example"] = ["127.0.0.1"]
    answers["other.partner.example"] = ["127.0.0.1"]
    right = WebhookEndpoint.objects.create(organization=org_a, url=f"https://hooks.partner.example:{receiver.port}/")
    wrong = WebhookEndpoint.objects.create(organization=org_b, url=f"https://other.partner.example:{receiver.port}/")
    try:
        with mock.patch.object(webhooks, "_ssl_context", lambda: ssl.create_default_context(cafile=ca_path)):
            signature = confirm(sign(letter, consent=[org_a, org_b]))
    finally:
        receiver.close()
    assert WebhookDelivery.objects.get(signature=signature, endpoint=right).state == State.SUCCEEDED
    refused = WebhookDelivery.objects.get(signature=signature, endpoint=wrong)
    assert refused.state == State.RETRYING and "certificate" in refused.last_error.lower()
    assert len(receiver.requests) == 1
    assert "hooks.partner.example" in names  # SNI: the name, though the socket went to the address


# --- built from the rows as they are when sent -------------------------------------------------------


@pytest.mark.parametrize("change", ["withdrawn", "anonymised", "consent withdrawn"])
def test_a_signature_no_longer_shared_is_not_sent(letter, org_a, endpoint, receiver, confirm, change):
    with mock.patch(DELAY_TASK):
        signature = confirm(sign(letter, consent=[org_a]))
    if change == "withdrawn":
        services.signature_withdraw(signature=signature)
    elif change == "anonymised":
        Signature.objects.filter(pk=signature.pk).update(anonymised_at=timezone.now(), email="")
    else:
        SignatureConsent.objects.filter(signature=signature).delete()
    delivery = owed()
    assert webhook_delivery_send(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_error) == (State.FAILED, "signature no longer shared")
    assert receiver.requests == [] and not WebhookAttempt.objects.exists()


def test_an_endpoint_disabled_before_sending_receives_nothing(letter, org_a, endpoint, receiver, confirm):
    with mock.patch(DELAY_TASK):
        confirm(sign(letter, consent=[org_a]))
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
    delivery = owed()
    assert webhook_delivery_send(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.state == State.FAILED and "disabled" in delivery.last_error
    assert receiver.requests == []


def test_a_deleted_endpoint_takes_its_deliveries_with_it(letter, org_a, endpoint, receiver, confirm):
    with mock.patch(DELAY_TASK):
        confirm(sign(letter, consent=[org_a]))
    delivery = owed()
    endpoint.delete()
    assert webhook_delivery_send(delivery_id=delivery.pk) is False
    assert receiver.requests == []


# --- the test event ----------------------------------------------------------------------------------


@pytest.fixture
def admin(org_a):
    return MembershipFactory(organization=org_a, role=Membership.Role.ADMIN).user


def test_a_ping_reaches_the_endpoint_signed(org_a, endpoint, receiver, admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_ping(endpoint=endpoint, acting_user=admin)
    request = receiver.requests[0]
    assert webhook_signature_verify(
        secret=endpoint.secret, header=request.headers["Coalition-Signature"], body=request.body
    )
    event = json.loads(request.body)
    assert (event["id"], event["type"], request.headers["Coalition-Event"]) == (delivery.event_id, "ping", "ping")
    assert event["data"]["organization"] == "syrian-archive"
    delivery.refresh_from_db()
    assert delivery.state == State.SUCCEEDED and delivery.signature is None


def test_a_failed_ping_is_not_retried(org_a, endpoint, receiver, admin, django_capture_on_commit_callbacks):
    receiver.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_ping(endpoint=endpoint, acting_user=admin)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_status_code) == (State.FAILED, 500)


def test_only_owners_admins_and_editors_may_ping(org_a, endpoint, editor, django_capture_on_commit_callbacks):
    member = MembershipFactory(organization=org_a, role=Membership.Role.MEMBER).user
    outsider = MembershipFactory(role=Membership.Role.OWNER).user
    for user in (member, outsider):
        with pytest.raises(PermissionDenied):
            webhook_ping(endpoint=endpoint, acting_user=user)
    with mock.patch(DELAY_TASK):
        webhook_ping(endpoint=endpoint, acting_user=editor)
    assert WebhookDelivery.objects.count() == 1


def test_a_disabled_endpoint_cannot_be_pinged(endpoint, admin):
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
    endpoint.refresh_from_db()
    with pytest.raises(ValidationError):
        webhook_ping(endpoint=endpoint, acting_user=admin)
    assert not WebhookDelivery.objects.exists()


# --- the receiver's check ----------------------------------------------------------------------------


def test_verification_refuses_a_tampered_body_a_wrong_secret_and_an_old_timestamp(
    letter, org_a, endpoint, receiver, confirm
):
    confirm(sign(letter, consent=[org_a]))
    request = receiver.requests[0]
    header, body, secret = request.headers["Coalition-Signature"], request.body, endpoint.secret
    sent_at = int(re.match(r"t=(\d+),", header).group(1))
    assert webhook_signature_verify(secret=secret, header=header, body=body, now=sent_at + 299)
    assert not webhook_signature_verify(secret=secret, header=header, body=body.replace(b"Amina", b"Anima"))
    assert not webhook_signature_verify(secret=secret + "x", header=header, body=body)
    assert not webhook_signature_verify(secret=secret, header=header, body=body, now=sent_at + 301)
    assert not webhook_signature_verify(secret=secret, header=header, body=body, now=sent_at - 301)
    # The timestamp is signed: moving it forward breaks the HMAC.
    assert not webhook_signature_verify(
        secret=secret, header=header.replace(f"t={sent_at}", f"t={sent_at + 1}"), body=body
    )
    for broken in ("", "v1=" + header.split("v1=")[1], f"t={sent_at}", "t=soon,v1=00", "garbage"):
        assert not webhook_signature_verify(secret=secret, header=broken, body=body)


def test_task_arguments_are_ids_only(letter, org_a, endpoint, receiver, confirm, django_capture_on_commit_callbacks):
    with mock.patch(DELAY_TASK) as delay:
        confirm(sign(letter, consent=[org_a]))
    delivery = owed()
    assert delay.call_args == mock.call(delivery.pk)
    receiver.status = 500
    with mock.patch(RETRY_TASK) as apply_async, django_capture_on_commit_callbacks(execute=True):
        webhook_delivery_send(delivery_id=delivery.pk)
    assert apply_async.call_args == mock.call((delivery.pk,), countdown=60)
    for call in (delay.call_args, apply_async.call_args):
        assert "@" not in repr(call) and SIGNER_IP not in repr(call)


def test_the_tasks_and_their_sweep_are_registered():
    from coalition.celery import app

    app.loader.import_default_modules()
    assert {"api.webhook_delivery_send", "api.sweep_webhook_deliveries"} <= set(app.tasks)
    assert django_settings.CELERY_BEAT_SCHEDULE["api-sweep-webhook-deliveries"]["task"] == (
        "api.sweep_webhook_deliveries"
    )


# --- addresses a partner may register ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://localhost/hook",
        "https://api.localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://127.0.0.1:8000/hook",
        "https://user:pass@hooks.example.org/hook",
        "ftp://hooks.example.org/hook",
        "not a url",
    ],
)
def test_addresses_a_webhook_must_never_target_are_refused(url, settings):
    settings.COALITION_WEBHOOK_ALLOW_PRIVATE = False
    settings.COALITION_WEBHOOK_ALLOW_HTTP = False
    with pytest.raises(ValidationError):
        validate_webhook_url(url)


def test_https_is_required_unless_plain_http_is_allowed(settings):
    settings.COALITION_WEBHOOK_ALLOW_HTTP = False
    with pytest.raises(ValidationError, match="HTTPS"):
        validate_webhook_url("http://hooks.example.org/hook")
    settings.COALITION_WEBHOOK_ALLOW_HTTP = True
    validate_webhook_url("http://hooks.example.org/hook")


def test_a_public_https_address_is_accepted(settings):
    settings.COALITION_WEBHOOK_ALLOW_PRIVATE = False
    settings.COALITION_WEBHOOK_ALLOW_HTTP = False
    validate_webhook_url("https://hooks.example.org/coalition?source=webhook")
    validate_webhook_url("https://93.184.215.14:8443/coalition")


# --- the documentation's receiver ----------------------------------------------------------------------


def _docs_example() -> dict:
    text = (Path(django_settings.BASE_DIR) / "docs" / "webhooks.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    namespace = {"__name__": "docs_webhooks_example"}  # not __main__: the example's server does not start
    exec(compile(code, "docs/webhooks.md", "exec"), namespace)  # our own documentation
    return namespace


def test_the_documented_verify_function_accepts_a_real_delivery_and_refuses_a_forgery(
    letter, org_a, endpoint, receiver, confirm
):
    verify = _docs_example()["verify"]
    confirm(sign(letter, consent=[org_a]))
    request = receiver.requests[0]
    header = request.headers["Coalition-Signature"]
    assert verify(endpoint.secret, header, request.body)
    assert not verify(endpoint.secret, header, request.body + b" ")
    assert not verify("whsec_not-the-secret", header, request.body)


def test_the_documented_receiver_accepts_a_real_delivery(org_a, admin, capsys, django_capture_on_commit_callbacks):
    example = _docs_example()
    server = HTTPServer(("127.0.0.1", 0), example["Receiver"])
    server.handle_error = lambda request, client_address: None
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        endpoint = WebhookEndpoint.objects.create(
            organization=org_a, url=f"http://127.0.0.1:{server.server_address[1]}/"
        )
        example["SECRET"] = endpoint.secret
        with django_capture_on_commit_callbacks(execute=True):
            accepted = webhook_ping(endpoint=endpoint, acting_user=admin)
        example["SECRET"] = "whsec_someone-else"
        with django_capture_on_commit_callbacks(execute=True):
            refused = webhook_ping(endpoint=endpoint, acting_user=admin)
    finally:
        server.shutdown()
        server.server_close()
    accepted.refresh_from_db()
    refused.refresh_from_db()
    assert (accepted.state, accepted.last_status_code) == (State.SUCCEEDED, 204)
    assert (refused.state, refused.last_status_code) == (State.FAILED, 400)
    assert f"ping {accepted.event_id}" in capsys.readouterr().out
