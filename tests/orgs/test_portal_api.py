"""The partner portal's API access: keys, webhook endpoints, their delivery log, and the admin listings."""

import hashlib
from types import SimpleNamespace

import pytest
from django.urls import reverse

from coalition.api.models import ApiKey, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from coalition.api.services import api_key_authenticate, api_key_create, api_key_revoke, webhook_endpoint_create
from coalition.orgs.models import Membership
from tests.factories import EditorFactory, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db
Role = Membership.Role
API_URL = "/partners/families/api/"
CREATE_KEY_URL = "/partners/families/api/keys/new/"
CREATE_ENDPOINT_URL = "/partners/families/webhooks/new/"


@pytest.fixture
def world(db):
    org = OrganizationFactory(name="Families for Freedom", slug="families")
    other_org = OrganizationFactory(name="Hidden Lawyers Network", slug="hidden-lawyers")

    def person(organization, role, first):
        user = UserFactory(first_name=first, last_name="Person", email=f"{first.lower()}@{organization.slug}.example")
        MembershipFactory(organization=organization, user=user, role=role)
        return user

    return SimpleNamespace(
        org=org,
        other_org=other_org,
        owner=person(org, Role.OWNER, "Olive"),
        admin=person(org, Role.ADMIN, "Adam"),
        member=person(org, Role.MEMBER, "Mina"),
        other_admin=person(other_org, Role.ADMIN, "Omar"),
        editor=EditorFactory(),
    )


@pytest.fixture
def key(world):
    return api_key_create(organization=world.org, name="CRM sync", acting_user=world.owner)


@pytest.fixture
def endpoint(world):
    return webhook_endpoint_create(
        organization=world.org, url="https://hooks.families.example.org/coalition", acting_user=world.owner
    )


def endpoint_url(endpoint, suffix="", slug="families"):
    return f"/partners/{slug}/webhooks/{endpoint.pk}/{suffix}"


def revoke_url(api_key, slug="families"):
    return f"/partners/{slug}/api/keys/{api_key.pk}/revoke/"


def session_and_cookies(client) -> str:
    """Everything the browser and the session store hold for this client, as one string."""
    return repr(dict(client.session.items())) + repr({name: cookie.value for name, cookie in client.cookies.items()})


# --- who may open it ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "admin", "editor"])
def test_owners_admins_and_editors_open_the_page(client, world, who):
    client.force_login(getattr(world, who))
    response = client.get(API_URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "/api/v1/" in html and "Authorization: Bearer &lt;key&gt;" in html and 'href="/api/v1/docs/"' in html


def test_the_navigation_links_to_the_page_for_those_who_manage(client, world):
    client.force_login(world.owner)
    assert f'href="{API_URL}"' in client.get("/partners/families/").content.decode()
    client.force_login(world.member)
    assert f'href="{API_URL}"' not in client.get("/partners/families/").content.decode()


def test_members_are_refused(client, world, key, endpoint):
    client.force_login(world.member)
    assert client.get(API_URL).status_code == 403
    assert client.post(CREATE_KEY_URL, {"name": "Mine"}).status_code == 403
    assert client.post(revoke_url(key.api_key)).status_code == 403
    assert client.get(endpoint_url(endpoint)).status_code == 403
    response = client.post(endpoint_url(endpoint, "secret/"))
    assert response.status_code == 403 and endpoint.secret not in response.content.decode()
    assert ApiKey.objects.count() == 1 and ApiKey.objects.get().is_active


def test_outsiders_get_not_found(client, world, key, endpoint):
    client.force_login(world.other_admin)
    assert client.get(API_URL).status_code == 404
    assert client.post(CREATE_KEY_URL, {"name": "Theirs"}).status_code == 404
    assert client.get(endpoint_url(endpoint)).status_code == 404
    assert ApiKey.objects.count() == 1


def test_signed_out_people_are_sent_to_sign_in(client, world):
    response = client.get(API_URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- keys -------------------------------------------------------------------------------------------


def test_a_new_keys_secret_is_shown_once_and_only_its_hash_is_stored(client, world):
    client.force_login(world.owner)

    response = client.post(CREATE_KEY_URL, {"name": "CRM sync"})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    api_key = ApiKey.objects.get()
    html = response.content.decode()
    start = html.index(f'value="coa_{api_key.prefix}_')
    secret = html[start + len('value="') : html.index('"', start + len('value="'))]
    assert secret.startswith("coa_") and len(secret) > 40
    assert "it will not be shown again" in html
    assert api_key.name == "CRM sync" and api_key.created_by == world.owner and api_key.organization == world.org
    assert api_key.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(ApiKey.objects.values().get())
    assert api_key_authenticate(secret=secret) == api_key
    # Neither the session nor a cookie (the messages framework stores in both) carries it.
    assert secret not in session_and_cookies(client)

    again = client.get(API_URL)
    again_html = again.content.decode()
    assert secret not in again_html
    assert f"coa_{api_key.prefix}_…" in again_html and "CRM sync" in again_html
    assert secret not in session_and_cookies(client)


def test_the_key_list_shows_who_created_each_key_and_when_it_was_last_used(client, world, key):
    client.force_login(world.admin)
    assert "Never" in client.get(API_URL).content.decode()
    api_key_authenticate(secret=key.secret)
    html = client.get(API_URL).content.decode()
    assert "Olive Person" in html and "Never" not in html and "Active" in html
    assert key.secret not in html and key.api_key.key_hash not in html


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_revoking_a_key_is_final(client, world, key, who):
    client.force_login(getattr(world, who))

    confirm = client.get(revoke_url(key.api_key))
    assert confirm.status_code == 200 and "Yes, revoke the key for good" in confirm.content.decode()
    assert ApiKey.objects.get().is_active  # looking at the question changes nothing

    response = client.post(revoke_url(key.api_key))

    assert response.status_code == 302 and response["Location"].startswith(API_URL)
    api_key = ApiKey.objects.get()
    assert not api_key.is_active and api_key.revoked_by == getattr(world, who)
    assert api_key_authenticate(secret=key.secret) is None
    html = client.get(API_URL).content.decode()
    assert "Revoked on" in html and revoke_url(key.api_key) not in html


def test_another_organizations_admin_cannot_revoke_a_key(client, world, key):
    client.force_login(world.other_admin)
    # Neither through the key's own organization nor through theirs.
    assert client.post(revoke_url(key.api_key)).status_code == 404
    assert client.get(revoke_url(key.api_key, slug="hidden-lawyers")).status_code == 404
    assert client.post(revoke_url(key.api_key, slug="hidden-lawyers")).status_code == 404
    assert ApiKey.objects.get().is_active
    assert api_key_authenticate(secret=key.secret) == key.api_key


def test_a_script_in_a_key_name_is_shown_as_text(client, world):
    client.force_login(world.owner)
    response = client.post(CREATE_KEY_URL, {"name": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert ApiKey.objects.get().name == "<script>alert(1)</script>"
    for html in (response.content.decode(), client.get(API_URL).content.decode()):
        assert "<script>alert(1)" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ('=HYPERLINK("https://evil.example","Click")', "cannot start with =, +, - or @"),
        ("CRM\x00sync", "Null characters are not allowed"),
        ("CRM\u202esync", "Remove the invisible control character (U+202E)"),
        ("x" * 10_000, "at most 100 characters"),
        ("   ", "This field is required"),
    ],
)
def test_hostile_key_names_are_refused_with_a_clear_message_and_nothing_is_created(client, world, name, message):
    client.force_login(world.owner)
    response = client.post(CREATE_KEY_URL, {"name": name})
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "coa_" not in html.replace("coa_…", "")  # no secret on the page
    assert not ApiKey.objects.exists()


def test_the_key_limit_is_explained(client, world, monkeypatch):
    monkeypatch.setattr("coalition.api.services.MAX_ACTIVE_KEYS", 1)
    api_key_create(organization=world.org, name="First", acting_user=world.owner)
    client.force_login(world.owner)
    html = client.post(CREATE_KEY_URL, {"name": "Second"}).content.decode()
    assert "already has 1 active keys" in html and ApiKey.objects.count() == 1


# --- webhook endpoints ---------------------------------------------------------------------------


def test_registering_an_https_endpoint_shows_its_signing_secret(client, world):
    client.force_login(world.owner)

    response = client.post(
        CREATE_ENDPOINT_URL, {"url": "https://crm.families.example.org/hooks", "description": "CRM import"}
    )

    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.organization == world.org and endpoint.description == "CRM import" and endpoint.active
    assert endpoint.secret in response.content.decode()
    assert endpoint.secret not in session_and_cookies(client)
    # Later it is hidden until an owner or admin asks for it (in a POST, never in a link).
    page = client.get(endpoint_url(endpoint)).content.decode()
    assert endpoint.secret not in page and "Show the signing secret" in page
    assert "https://crm.families.example.org/hooks" in client.get(API_URL).content.decode()
    client.force_login(world.admin)
    shown = client.post(endpoint_url(endpoint, "secret/"))
    assert shown.status_code == 200 and endpoint.secret in shown.content.decode()
    assert client.get(endpoint_url(endpoint, "secret/")).status_code == 405


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1/", "Webhooks are sent over HTTPS only"),
        ("https://127.0.0.1/", "The address must be on the public internet."),
        ("https://localhost/hooks", "The address must be on the public internet."),
        ("https://169.254.169.254/latest/meta-data/", "The address must be on the public internet."),
        ("javascript:alert(1)", "Enter a full web address"),
    ],
)
def test_endpoints_the_platform_must_not_call_are_refused(client, world, settings, url, message):
    settings.COALITION_WEBHOOK_ALLOW_HTTP = False
    settings.COALITION_WEBHOOK_ALLOW_PRIVATE = False
    client.force_login(world.owner)

    response = client.post(CREATE_ENDPOINT_URL, {"url": url, "description": ""})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_a_hostile_description_is_refused(client, world):
    client.force_login(world.owner)
    response = client.post(CREATE_ENDPOINT_URL, {"url": "https://hooks.example.org/", "description": "a\x00b"})
    assert "Null characters are not allowed" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_an_endpoint_is_disabled_enabled_and_deleted(client, world, endpoint):
    client.force_login(world.owner)

    response = client.post(endpoint_url(endpoint, "active/"), {"active": "0"})
    assert response.status_code == 302 and response["Location"] == endpoint_url(endpoint)
    endpoint.refresh_from_db()
    assert not endpoint.active
    assert "Enable the endpoint" in client.get(endpoint_url(endpoint)).content.decode()

    client.post(endpoint_url(endpoint, "active/"), {"active": "1"})
    endpoint.refresh_from_db()
    assert endpoint.active

    confirm = client.get(endpoint_url(endpoint, "delete/"))
    assert confirm.status_code == 200 and "Yes, delete the endpoint" in confirm.content.decode()
    assert WebhookEndpoint.objects.exists()
    response = client.post(endpoint_url(endpoint, "delete/"))
    assert response.status_code == 302 and response["Location"].startswith(API_URL)
    assert not WebhookEndpoint.objects.exists()


def test_rotating_the_secret_shows_the_new_one(client, world, endpoint):
    old_secret = endpoint.secret
    client.force_login(world.admin)

    confirm = client.get(endpoint_url(endpoint, "rotate/"))
    assert confirm.status_code == 200 and "Yes, make a new secret" in confirm.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret == old_secret

    response = client.post(endpoint_url(endpoint, "rotate/"))

    endpoint.refresh_from_db()
    html = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert endpoint.secret != old_secret and endpoint.secret in html and old_secret not in html


def test_another_organizations_admin_cannot_see_or_change_an_endpoint(client, world, endpoint):
    client.force_login(world.other_admin)
    for slug in ("families", "hidden-lawyers"):
        assert client.get(endpoint_url(endpoint, slug=slug)).status_code == 404
        for suffix, data in [("secret/", {}), ("active/", {"active": "0"}), ("rotate/", {}), ("test/", {})]:
            response = client.post(endpoint_url(endpoint, suffix, slug=slug), data)
            assert response.status_code == 404 and endpoint.secret not in response.content.decode()
        assert client.post(endpoint_url(endpoint, "delete/", slug=slug)).status_code == 404
    fresh = WebhookEndpoint.objects.get()
    assert fresh.active and fresh.secret == endpoint.secret
    assert not WebhookDelivery.objects.exists()


# --- the delivery log ---------------------------------------------------------------------------------


def test_the_delivery_log_shows_each_delivery_with_its_attempts(client, world, endpoint):
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="ping",
        event_id="evt_logged0001",
        state=WebhookDelivery.State.RETRYING,
        attempts=2,
        last_status_code=500,
        last_error="<b>receiver</b> said no",
    )
    WebhookAttempt.objects.create(delivery=delivery, status_code=None, error="connection refused", duration_ms=12)
    WebhookAttempt.objects.create(delivery=delivery, status_code=500, duration_ms=345)
    other_endpoint = webhook_endpoint_create(
        organization=world.other_org, url="https://hooks.lawyers.example.org/", acting_user=world.other_admin
    )
    WebhookDelivery.objects.create(endpoint=other_endpoint, event="ping", event_id="evt_theirs0001")
    client.force_login(world.owner)

    html = client.get(endpoint_url(endpoint)).content.decode()

    assert "evt_logged0001" in html and "Failed, will retry" in html
    assert "connection refused" in html and "12 ms" in html and "HTTP 500" in html and "345 ms" in html
    assert "&lt;b&gt;receiver&lt;/b&gt; said no" in html
    assert "evt_theirs0001" not in html


def test_the_delivery_log_is_paginated(client, world, endpoint):
    for number in range(25):
        WebhookDelivery.objects.create(endpoint=endpoint, event="ping", event_id=f"evt_page{number:04d}")
    client.force_login(world.owner)

    first = client.get(endpoint_url(endpoint)).content.decode()
    second = client.get(endpoint_url(endpoint) + "?page=2").content.decode()

    assert "Page 1 of 2" in first and f'href="{endpoint_url(endpoint)}?page=2' in first
    assert "evt_page0024" in first and "evt_page0000" not in first
    assert "evt_page0000" in second


def test_the_test_event_button_queues_a_ping(client, world, endpoint):
    webhooks = pytest.importorskip("coalition.api.webhooks")
    if not hasattr(webhooks, "webhook_ping"):
        pytest.skip("coalition.api.webhooks.webhook_ping is not written yet")
    client.force_login(world.owner)
    assert "Send a test event" in client.get(endpoint_url(endpoint)).content.decode()

    # Deliveries are sent after commit; the test's transaction never commits, so nothing leaves.
    response = client.post(endpoint_url(endpoint, "test/"))

    assert response.status_code == 302 and response["Location"] == endpoint_url(endpoint)
    delivery = WebhookDelivery.objects.get()
    assert delivery.endpoint == endpoint and delivery.event == "ping"
    assert delivery.event_id in client.get(endpoint_url(endpoint)).content.decode()


def test_a_disabled_endpoint_gets_no_test_event_and_says_why(client, world, endpoint):
    webhooks = pytest.importorskip("coalition.api.webhooks")
    if not hasattr(webhooks, "webhook_ping"):
        pytest.skip("coalition.api.webhooks.webhook_ping is not written yet")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
    client.force_login(world.owner)

    response = client.post(endpoint_url(endpoint, "test/"), follow=True)

    assert "enable it to send it a test event" in response.content.decode()
    assert not WebhookDelivery.objects.exists()


# --- the Wagtail admin listings -------------------------------------------------------------------------


@pytest.fixture
def admin_data(world, key, endpoint):
    revoked = api_key_create(organization=world.other_org, name="Old website", acting_user=world.other_admin)
    api_key_revoke(api_key=revoked.api_key, acting_user=world.other_admin)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="ping", event_id="evt_admin0001", state="failed", last_status_code=502
    )
    WebhookAttempt.objects.create(delivery=delivery, status_code=502, duration_ms=40)
    return SimpleNamespace(key=key, revoked=revoked, endpoint=endpoint, delivery=delivery)


def _secrets(admin_data) -> list[str]:
    return [
        admin_data.key.secret,
        admin_data.key.api_key.key_hash,
        admin_data.revoked.secret,
        admin_data.revoked.api_key.key_hash,
        admin_data.endpoint.secret,
    ]


@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        ("api_key:index", ["CRM sync", "Old website", "Families for Freedom", "Revoked"]),
        ("api_webhook_endpoint:index", ["https://hooks.families.example.org/coalition"]),
        ("api_webhook_delivery:index", ["evt_admin0001", "HTTP 502", "Gave up"]),
    ],
)
def test_editors_open_the_admin_listings_which_hold_no_secret(client, world, admin_data, url_name, expected):
    client.force_login(world.editor)
    listing = client.get(reverse(url_name))
    export = client.get(reverse(url_name) + "?export=csv")
    html = listing.content.decode()
    csv_text = b"".join(export.streaming_content).decode()
    assert listing.status_code == 200 and export.status_code == 200
    for text in expected:
        assert text in html
    assert expected[0] in csv_text
    for secret in _secrets(admin_data):
        assert secret not in html and secret not in csv_text


def test_the_admin_inspect_views_hold_no_secret(client, world, admin_data):
    client.force_login(world.editor)
    for url in (
        reverse("api_key:inspect", args=[admin_data.key.api_key.pk]),
        reverse("api_webhook_endpoint:inspect", args=[admin_data.endpoint.pk]),
        reverse("api_webhook_delivery:inspect", args=[admin_data.delivery.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        for secret in _secrets(admin_data):
            assert secret not in response.content.decode()


def test_the_admin_listings_filter_by_organization_and_state(client, world, admin_data):
    client.force_login(world.editor)
    keys = client.get(reverse("api_key:index"), {"status": "revoked"}).content.decode()
    assert "Old website" in keys and "CRM sync" not in keys
    keys = client.get(reverse("api_key:index"), {"organization": world.org.pk}).content.decode()
    assert "CRM sync" in keys and "Old website" not in keys
    deliveries = client.get(reverse("api_webhook_delivery:index"), {"state": "succeeded"}).content.decode()
    assert "evt_admin0001" not in deliveries
    deliveries = client.get(reverse("api_webhook_delivery:index"), {"organization": world.org.pk}).content.decode()
    assert "evt_admin0001" in deliveries


def test_nobody_creates_edits_or_deletes_keys_in_the_admin(client, world, admin_data):
    client.force_login(world.editor)
    assert client.get(reverse("api_key:add")).status_code != 200
    client.post(reverse("api_key:add"), {"name": "Made in the admin"})
    assert client.get(reverse("api_key:edit", args=[admin_data.key.api_key.pk])).status_code != 200
    assert client.post(reverse("api_key:delete", args=[admin_data.key.api_key.pk])).status_code != 200
    assert client.get(reverse("api_webhook_endpoint:edit", args=[admin_data.endpoint.pk])).status_code != 200
    assert set(ApiKey.objects.values_list("name", flat=True)) == {"CRM sync", "Old website"}
    assert WebhookEndpoint.objects.exists()
    index = client.get(reverse("api_key:index")).content.decode()
    assert reverse("api_key:add") not in index


def test_partner_staff_do_not_see_the_admin_listings(client, world, admin_data):
    world.owner.is_staff = True
    world.owner.save()
    client.force_login(world.owner)
    for url_name in ("api_key:index", "api_webhook_endpoint:index", "api_webhook_delivery:index"):
        response = client.get(reverse(url_name))
        assert response.status_code != 200
        assert "CRM sync" not in response.content.decode()
