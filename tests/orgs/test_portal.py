"""The partner portal (/partners/): who sees what, profile and logo, members, history."""

import io
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin
from wagtail.images import get_image_model

from coalition.letters.models import LetterStatus
from coalition.orgs.models import Invitation, Membership, OrganizationAuditEntry
from coalition.orgs.services import (
    invitation_create,
    membership_role_change,
    organization_profile_update,
)
from tests.factories import (
    EditorFactory,
    LetterPageFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Role = Membership.Role


@pytest.fixture
def world(db):
    org = OrganizationFactory(name="Families for Freedom", slug="families")
    other_org = OrganizationFactory(name="Hidden Lawyers Network", slug="hidden-lawyers")

    def person(organization, role, first, last):
        user = UserFactory(first_name=first, last_name=last, email=f"{first.lower()}@families.example")
        MembershipFactory(organization=organization, user=user, role=role)
        return user

    w = SimpleNamespace(
        org=org,
        other_org=other_org,
        owner=person(org, Role.OWNER, "Olive", "Owner"),
        admin=person(org, Role.ADMIN, "Adam", "Admin"),
        member=person(org, Role.MEMBER, "Mina", "Member"),
        target=person(org, Role.MEMBER, "Tariq", "Target"),
        outsider=person(other_org, Role.OWNER, "Omar", "Outsider"),
        editor=EditorFactory(email="editor@coalition.example"),
    )
    w.invitation = invitation_create(
        organization=org, email="new@families.example", role=Role.MEMBER, acting_user=w.owner
    )
    return w


def profile_data(org, **overrides):
    data = {
        "name": org.name,
        "website": org.website,
        "country": org.country.code,
        "description": org.description,
    }
    data.update(overrides)
    return data


def png_bytes(size=(1200, 800), mode="RGBA", **save_kwargs) -> bytes:
    buffer = io.BytesIO()
    color = {"RGBA": (200, 30, 30, 255), "RGB": (200, 30, 30), "L": 90}[mode]
    Image.new(mode, size, color).save(buffer, format="PNG", **save_kwargs)
    return buffer.getvalue()


# --- the permission matrix ------------------------------------------------------------

ACTORS = ["owner", "admin", "member", "outsider", "editor"]
OK, FOUND, FORBIDDEN, MISSING = 200, 302, 403, 404

# (name, method, path, expected status for owner, admin, member, outsider, editor)
MATRIX = [
    ("home", "get", "/partners/", (OK, OK, OK, OK, OK)),
    ("overview", "get", "/partners/families/", (OK, OK, OK, MISSING, OK)),
    ("profile", "get", "/partners/families/profile/", (OK, OK, FORBIDDEN, MISSING, OK)),
    ("profile-save", "post", "/partners/families/profile/", (FOUND, FOUND, FORBIDDEN, MISSING, FOUND)),
    ("members", "get", "/partners/families/members/", (OK, OK, OK, MISSING, OK)),
    ("invite", "post", "/partners/families/members/invite/", (FOUND, FOUND, FORBIDDEN, MISSING, FOUND)),
    ("role", "post", "/partners/families/members/{target}/role/", (FOUND, FOUND, FORBIDDEN, MISSING, FOUND)),
    ("remove-confirm", "get", "/partners/families/members/{target}/remove/", (OK, OK, FORBIDDEN, MISSING, OK)),
    ("remove", "post", "/partners/families/members/{target}/remove/", (FOUND, FOUND, FORBIDDEN, MISSING, FOUND)),
    (
        "revoke",
        "post",
        "/partners/families/invitations/{invitation}/revoke/",
        (FOUND, FOUND, FORBIDDEN, MISSING, FOUND),
    ),
    ("history", "get", "/partners/families/history/", (OK, OK, FORBIDDEN, MISSING, OK)),
]


def _request(client, world, method, path):
    path = path.format(target=world.target.memberships.get().pk, invitation=world.invitation.pk)
    data = {
        "/partners/families/profile/": profile_data(world.org, description="Updated."),
        "/partners/families/members/invite/": {"email": "someone@families.example", "role": Role.MEMBER},
    }.get(path, {"role": Role.ADMIN})
    return path, (client.post(path, data) if method == "post" else client.get(path))


@pytest.mark.parametrize(("name", "method", "path", "expected"), MATRIX, ids=[row[0] for row in MATRIX])
@pytest.mark.parametrize("actor", ACTORS)
def test_each_role_gets_the_expected_answer_from_every_portal_url(
    client, world, django_capture_on_commit_callbacks, name, method, path, expected, actor
):
    client.force_login(getattr(world, actor))
    audit_before = OrganizationAuditEntry.objects.filter(organization=world.org).count()
    with django_capture_on_commit_callbacks(execute=True):
        path, response = _request(client, world, method, path)

    assert response.status_code == expected[ACTORS.index(actor)], (name, actor)
    audit_after = OrganizationAuditEntry.objects.filter(organization=world.org).count()
    if response.status_code in (FORBIDDEN, MISSING):
        assert audit_after == audit_before, "a refused request changed nothing"
    if response.status_code == MISSING:
        html = response.content.decode()
        assert "Families for Freedom" not in html and "families.example" not in html


@pytest.mark.parametrize(("name", "method", "path", "expected"), MATRIX, ids=[row[0] for row in MATRIX])
def test_anonymous_visitors_are_sent_to_the_login_for_every_portal_url(client, world, name, method, path, expected):
    path, response = _request(client, world, method, path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"
    assert OrganizationAuditEntry.objects.filter(organization=world.org).count() == 1  # the fixture's invitation


def test_an_unknown_organization_and_a_foreign_one_look_the_same(client, world):
    client.force_login(world.outsider)
    foreign = client.get("/partners/families/")
    unknown = client.get("/partners/no-such-group/")
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.content == unknown.content


def test_post_only_urls_refuse_get_without_revealing_anything(client, world):
    client.force_login(world.outsider)
    assert client.get("/partners/families/members/invite/").status_code == 405
    assert client.get("/partners/no-such-group/members/invite/").status_code == 405


# --- home and overview ---------------------------------------------------------------


def test_home_lists_my_organizations_with_my_role(client, world):
    client.force_login(world.admin)
    html = client.get("/partners/").content.decode()
    assert "My organizations" in html
    assert "Families for Freedom" in html and "Your role: Admin" in html
    assert "Hidden Lawyers Network" not in html
    assert "/partners/families/profile/" in html


def test_home_shows_members_no_management_links(client, world):
    client.force_login(world.member)
    html = client.get("/partners/").content.decode()
    assert "Your role: Member" in html
    assert "/partners/families/profile/" not in html and "/partners/families/history/" not in html


def test_editors_see_every_organization(client, world):
    client.force_login(world.editor)
    html = client.get("/partners/").content.decode()
    assert "All organizations" in html
    assert "Families for Freedom" in html and "Hidden Lawyers Network" in html


def test_a_person_without_organizations_gets_an_empty_portal(client, db):
    client.force_login(UserFactory())
    response = client.get("/partners/")
    assert response.status_code == 200
    assert "do not belong to any organization" in response.content.decode()


def test_portal_nav_item_only_for_members_and_editors(client, world):
    nav = '<a href="/partners/"'
    assert nav not in client.get("/partners/invitations/nothing/").content.decode()
    client.force_login(UserFactory())
    assert nav not in client.get("/partners/").content.decode()
    for person in (world.member, world.editor):
        client.force_login(person)
        assert nav in client.get("/partners/").content.decode()


def test_overview_lists_led_and_co_drafted_letters_with_role_status_and_links(client, world, index):
    led = LetterPageFactory(
        title="Free the detained", lead_organization=world.org, status=LetterStatus.OPEN_FOR_SIGNATURES
    )
    co = LetterPageFactory(
        title="Stop the deportations", lead_organization=world.other_org, co_drafters=[world.org], live=False
    )
    foreign = LetterPageFactory(title="Secret other letter", lead_organization=world.other_org, live=False)
    client.force_login(world.member)

    html = client.get("/partners/families/").content.decode()

    assert "Free the detained" in html and "Stop the deportations" in html
    assert "Secret other letter" not in html
    assert "Lead" in html and "Co-drafter" in html
    assert 'class="status status--open_for_signatures"' in html and 'class="status status--draft"' in html
    assert f'href="{led.url}"' in html, "the live letter links to its public page"
    assert f'href="{co.url}"' not in html, "a draft has no public link"
    assert f"/admin/pages/{led.pk}/edit/" in html and f"/admin/pages/{co.pk}/edit/" in html
    assert f"/admin/pages/{foreign.pk}/edit/" not in html
    assert '<th scope="col">' in html and '<th scope="row">' in html


def test_overview_shows_profile_and_member_counts(client, world):
    client.force_login(world.member)
    html = client.get("/partners/families/").content.decode()
    assert "Documents violations" in html
    assert "Syria" in html
    assert html.count("<h1") == 1
    assert "<dt>Owners</dt><dd>1</dd>" in html and "<dt>Members</dt><dd>2</dd>" in html
    assert "<dt>Everyone</dt><dd>4</dd>" in html


def test_a_member_of_one_organization_never_sees_another_organizations_emails_or_letters(client, world, index):
    LetterPageFactory(title="Secret other letter", lead_organization=world.other_org, live=False)
    client.force_login(world.member)
    pages = [
        client.get(url).content.decode()
        for url in ("/partners/", "/partners/families/", "/partners/families/members/")
    ]
    for html in pages:
        assert "Secret other letter" not in html
        assert world.outsider.email not in html
        assert "Hidden Lawyers Network" not in html
    for url in ("/partners/hidden-lawyers/", "/partners/hidden-lawyers/members/"):
        assert client.get(url).status_code == 404


# --- profile ----------------------------------------------------------------------------


def test_admin_updates_the_profile_and_it_is_audited(client, world):
    client.force_login(world.admin)
    response = client.post(
        "/partners/families/profile/",
        profile_data(world.org, name="Families for Freedom Now", country="LB", require_two_factor="on"),
    )
    assert response.status_code == 302 and response["Location"] == "/partners/families/"
    world.org.refresh_from_db()
    assert world.org.name == "Families for Freedom Now"
    assert world.org.country.code == "LB"
    assert world.org.require_two_factor is True
    entry = OrganizationAuditEntry.objects.get(action=OrganizationAuditEntry.Action.PROFILE_UPDATED)
    assert entry.acting_user == world.admin
    assert entry.data["fields"] == ["country", "name", "require_two_factor"]


def test_profile_form_is_accessible(client, world):
    client.force_login(world.owner)
    html = client.post("/partners/families/profile/", profile_data(world.org, name="")).content.decode()
    assert html.count("<h1") == 1
    assert '<label for="id_name">' in html
    assert 'aria-describedby="id_name_error"' in html and 'id="id_name_error"' in html
    assert 'aria-invalid="true"' in html
    assert 'id="id_website_helptext"' in html and 'aria-describedby="id_website_helptext"' in html


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Bad\x00name"),
        ("name", "Evil\u202eorg"),
        ("name", "Escape\x1b[31m"),
        ("name", "Line\nbreak"),
        ("description", "Hidden\x00text"),
        ("description", "Reversed \u2067text\u2069"),
        ("website", "javascript:alert(1)"),
        ("name", "x" * 201),
    ],
)
def test_hostile_profile_text_is_refused_with_a_clear_message(client, world, field, value):
    client.force_login(world.owner)
    response = client.post("/partners/families/profile/", profile_data(world.org, **{field: value}))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    world.org.refresh_from_db()
    assert getattr(world.org, field) != value
    assert not OrganizationAuditEntry.objects.filter(action=OrganizationAuditEntry.Action.PROFILE_UPDATED).exists()


def test_html_in_profile_text_is_stored_as_text_and_escaped_everywhere(client, world):
    client.force_login(world.owner)
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client.post(
        "/partners/families/profile/",
        profile_data(world.org, name=payload[:60], description=payload + "\nSecond line"),
    )
    world.org.refresh_from_db()
    assert world.org.name == payload[:60]
    for url in ("/partners/", "/partners/families/", "/partners/families/members/"):
        html = client.get(url.replace("families", world.org.slug)).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html


def test_a_name_another_organization_uses_is_refused_by_the_service_and_shown(client, world):
    client.force_login(world.owner)
    response = client.post("/partners/families/profile/", profile_data(world.org, name="hidden lawyers network"))
    assert response.status_code == 200
    assert "Families for Freedom" in response.content.decode()
    world.org.refresh_from_db()
    assert world.org.name == "Families for Freedom"
    assert 'class="errorlist' in response.content.decode()


def test_the_profile_service_refuses_people_who_cannot_manage(world):
    with pytest.raises(PermissionDenied):
        organization_profile_update(organization=world.org, acting_user=world.member, name="Taken over")
    with pytest.raises(PermissionDenied):
        organization_profile_update(organization=world.org, acting_user=world.outsider, name="Taken over")
    world.org.refresh_from_db()
    assert world.org.name == "Families for Freedom"


# --- logo -------------------------------------------------------------------------------


def stored_files(settings):
    root = settings.MEDIA_ROOT / "original_images"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def upload(client, world, content, filename, content_type="image/png", **fields):
    client.force_login(world.owner)
    data = profile_data(world.org, **fields)
    data["logo"] = SimpleUploadedFile(filename, content, content_type=content_type)
    return client.post("/partners/families/profile/", data)


def test_a_png_logo_is_re_encoded_resized_and_stripped_of_metadata(client, world, settings):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "taken at the safe house, 36.2N 37.1E")
    response = upload(client, world, png_bytes(size=(1200, 800), pnginfo=info), "logo.png")

    assert response.status_code == 302
    world.org.refresh_from_db()
    logo = world.org.logo
    assert logo.title == "Logo: Families for Freedom"
    assert (logo.width, logo.height) == (512, 341)
    with logo.file.open("rb") as f:
        data = f.read()
    assert b"safe house" not in data
    stored = Image.open(io.BytesIO(data))
    assert stored.format == "PNG" and stored.size == (512, 341)
    assert "Comment" not in stored.info
    entry = OrganizationAuditEntry.objects.get(action=OrganizationAuditEntry.Action.PROFILE_UPDATED)
    assert entry.data["fields"] == ["logo"]
    assert client.get("/partners/families/").status_code == 200, "the logo renders"


def test_a_jpeg_logo_loses_its_exif_and_becomes_a_png(client, world):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x9286] = "GPS near the border"  # UserComment
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 120, 40)).save(buffer, format="JPEG", exif=exif.tobytes())

    response = upload(client, world, buffer.getvalue(), "photo.jpg", content_type="image/jpeg")

    assert response.status_code == 302
    world.org.refresh_from_db()
    with world.org.logo.file.open("rb") as f:
        data = f.read()
    assert data.startswith(b"\x89PNG") and b"SecretCam" not in data and b"border" not in data
    assert world.org.logo.width == 300, "small images are not enlarged"


def test_a_webp_logo_is_accepted(client, world):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(buffer, format="WEBP")
    assert upload(client, world, buffer.getvalue(), "logo.webp", content_type="image/webp").status_code == 302
    world.org.refresh_from_db()
    assert world.org.logo is not None


def test_the_current_logo_can_be_removed(client, world):
    upload(client, world, png_bytes(size=(50, 50)), "logo.png")
    data = profile_data(world.org, remove_logo="on")
    client.post("/partners/families/profile/", data)
    world.org.refresh_from_db()
    assert world.org.logo is None


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (SVG, "logo.svg", "image/svg+xml"),
        (SVG, "logo.png", "image/png"),
        (b"just some text, not an image", "logo.png", "image/png"),
        (png_bytes()[:200], "truncated.png", "image/png"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "logo.gif", "image/gif"),
    ],
    ids=["svg-with-script", "svg-named-png", "text-named-png", "truncated-png", "gif"],
)
def test_logos_that_are_not_png_jpeg_or_webp_are_refused_and_nothing_is_stored(
    client, world, settings, content, name, content_type
):
    response = upload(client, world, content, name, content_type)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Upload a PNG, JPEG or WebP image" in html
    assert 'id="id_logo_error"' in html
    world.org.refresh_from_db()
    assert world.org.logo is None
    assert get_image_model().objects.count() == 0
    assert stored_files(settings) == []


def test_a_logo_over_2_mb_is_refused_before_it_is_decoded(client, world, settings, monkeypatch):
    def must_not_decode(upload):
        raise AssertionError("a file over the limit was decoded")

    monkeypatch.setattr("coalition.orgs.forms.logo_reencode", must_not_decode)
    big = png_bytes(size=(10, 10)) + b"\x00" * (3 * 1024 * 1024)

    response = upload(client, world, big, "big.png")

    assert response.status_code == 200
    assert "larger than 2 MB" in response.content.decode()
    world.org.refresh_from_db()
    assert world.org.logo is None and get_image_model().objects.count() == 0
    assert stored_files(settings) == []


def test_an_image_with_too_many_pixels_is_refused(client, world, settings):
    response = upload(client, world, png_bytes(size=(5000, 4000), mode="L"), "huge.png")
    assert response.status_code == 200
    assert "too many pixels" in response.content.decode()
    assert get_image_model().objects.count() == 0 and stored_files(settings) == []


def test_a_good_logo_with_a_refused_profile_change_stores_nothing(client, world, settings):
    response = upload(client, world, png_bytes(size=(100, 100)), "logo.png", name="Hidden Lawyers Network")
    assert response.status_code == 200
    world.org.refresh_from_db()
    assert world.org.logo is None
    assert get_image_model().objects.count() == 0
    assert stored_files(settings) == []


# --- members ----------------------------------------------------------------------------


def test_members_see_names_and_roles_but_no_email_addresses(client, world):
    client.force_login(world.member)
    html = client.get("/partners/families/members/").content.decode()
    for person in (world.owner, world.admin, world.target):
        assert person.get_full_name() in html
        assert person.email not in html
    assert "new@families.example" not in html, "members do not see invitations"
    assert "Change role" not in html and "/members/invite/" not in html
    assert "Only owners and admins see email addresses" in html


def test_managers_see_emails_open_invitations_and_forms(client, world):
    client.force_login(world.admin)
    html = client.get("/partners/families/members/").content.decode()
    assert world.member.email in html and world.owner.email in html
    assert "new@families.example" in html
    assert "Revoke invitation" in html and "Send the invitation" in html
    assert '<option value="owner"' not in html, "admins are not offered the owner role"
    assert html.count("<h1") == 1
    assert '<th scope="row">' in html


def test_owner_promotes_a_member_and_it_is_in_the_history(client, world):
    client.force_login(world.owner)
    membership = world.target.memberships.get()
    response = client.post(f"/partners/families/members/{membership.pk}/role/", {"role": Role.ADMIN})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN
    html = client.get("/partners/families/history/").content.decode()
    assert "Changed a role" in html and world.target.email in html and "Member → Admin" in html
    assert "Olive Owner" in html


def test_admin_cannot_grant_owner(client, world):
    client.force_login(world.admin)
    membership = world.target.memberships.get()
    response = client.post(f"/partners/families/members/{membership.pk}/role/", {"role": Role.OWNER}, follow=True)
    assert "Only an owner can give or take the owner role." in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.MEMBER


def test_admin_cannot_demote_or_remove_an_owner(client, world):
    client.force_login(world.admin)
    owner_membership = world.owner.memberships.get()
    response = client.post(
        f"/partners/families/members/{owner_membership.pk}/role/", {"role": Role.MEMBER}, follow=True
    )
    assert "Only an owner can give or take the owner role." in response.content.decode()
    response = client.post(f"/partners/families/members/{owner_membership.pk}/remove/", follow=True)
    assert "Only an owner can give or take the owner role." in response.content.decode()
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.OWNER


def test_the_last_owner_cannot_be_demoted(client, world):
    client.force_login(world.owner)
    membership = world.owner.memberships.get()
    response = client.post(f"/partners/families/members/{membership.pk}/role/", {"role": Role.ADMIN}, follow=True)
    assert "always keeps at least one owner" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.OWNER


def test_the_last_owner_cannot_be_removed_or_leave(client, world):
    membership = world.owner.memberships.get()
    for person in (world.editor, world.owner):
        client.force_login(person)
        response = client.post(f"/partners/families/members/{membership.pk}/remove/", follow=True)
        assert response.status_code == 200
        assert "always keeps at least one owner" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_with_a_second_owner_the_first_can_step_down(client, world):
    client.force_login(world.owner)
    admin_membership = world.admin.memberships.get()
    client.post(f"/partners/families/members/{admin_membership.pk}/role/", {"role": Role.OWNER})
    own = world.owner.memberships.get()
    client.post(f"/partners/families/members/{own.pk}/role/", {"role": Role.MEMBER})
    own.refresh_from_db()
    admin_membership.refresh_from_db()
    assert (own.role, admin_membership.role) == (Role.MEMBER, Role.OWNER)


def test_removing_asks_for_confirmation_then_removes(client, world):
    client.force_login(world.admin)
    membership = world.target.memberships.get()
    url = f"/partners/families/members/{membership.pk}/remove/"

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Yes, remove this member" in confirm.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists(), "GET changes nothing"

    response = client.post(url)
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert not world.target.groups.filter(pk=world.org.staff_group_id).exists()
    history = client.get("/partners/families/history/").content.decode()
    assert "Removed a member" in history and world.target.email in history


def test_a_member_cannot_manage_anyone(client, world):
    client.force_login(world.member)
    target = world.target.memberships.get()
    assert client.post(f"/partners/families/members/{target.pk}/role/", {"role": Role.ADMIN}).status_code == 403
    assert client.post(f"/partners/families/members/{target.pk}/remove/").status_code == 403
    response = client.post("/partners/families/members/invite/", {"email": "x@example.org", "role": Role.MEMBER})
    assert response.status_code == 403
    assert "Only owners and admins" in response.content.decode()
    target.refresh_from_db()
    assert target.role == Role.MEMBER
    assert not Invitation.objects.filter(email="x@example.org").exists()


def test_a_member_can_leave(client, world):
    client.force_login(world.member)
    membership = world.member.memberships.get()
    assert (
        "Yes, leave the organization"
        in client.get(f"/partners/families/members/{membership.pk}/remove/").content.decode()
    )
    response = client.post(f"/partners/families/members/{membership.pk}/remove/")
    assert response.status_code == 302 and response["Location"] == "/partners/"
    assert client.get("/partners/families/").status_code == 404


def test_ids_of_another_organizations_people_and_invitations_are_404(client, world):
    foreign_membership = world.outsider.memberships.get()
    foreign_invitation = invitation_create(
        organization=world.other_org, email="secret@lawyers.example", role=Role.MEMBER, acting_user=world.outsider
    )
    client.force_login(world.owner)
    assert (
        client.post(f"/partners/families/members/{foreign_membership.pk}/role/", {"role": "admin"}).status_code == 404
    )
    assert client.get(f"/partners/families/members/{foreign_membership.pk}/remove/").status_code == 404
    assert client.post(f"/partners/families/members/{foreign_membership.pk}/remove/").status_code == 404
    assert client.post(f"/partners/families/invitations/{foreign_invitation.pk}/revoke/").status_code == 404
    foreign_membership.refresh_from_db()
    foreign_invitation.refresh_from_db()
    assert foreign_membership.role == Role.OWNER and foreign_invitation.revoked_at is None


def test_an_unknown_role_is_refused(client, world):
    client.force_login(world.owner)
    membership = world.target.memberships.get()
    response = client.post(f"/partners/families/members/{membership.pk}/role/", {"role": "superuser"}, follow=True)
    assert "Choose a role from the list." in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.MEMBER


def test_the_role_service_refuses_an_unknown_role(world):
    with pytest.raises(ValidationError):
        membership_role_change(membership=world.target.memberships.get(), role="superuser", acting_user=world.owner)
    assert world.target.memberships.get().role == Role.MEMBER


# --- history ----------------------------------------------------------------------------


def test_history_lists_who_did_what_to_whom(client, world):
    client.force_login(world.owner)
    client.post("/partners/families/profile/", profile_data(world.org, description="New words."))
    client.post(f"/partners/families/invitations/{world.invitation.pk}/revoke/")

    html = client.get("/partners/families/history/").content.decode()

    assert "Updated the profile" in html and "description" in html
    assert "Revoked an invitation" in html and "Invited a member" in html
    assert "new@families.example" in html
    assert "Olive Owner" in html
    assert '<th scope="col">When</th>' in html


def test_history_is_paginated_50_per_page_and_scoped_to_the_organization(client, world):
    for n in range(60):
        OrganizationAuditEntry.objects.create(
            organization=world.org, acting_user=world.owner, action="member_added", subject=f"p{n}@x.example"
        )
    OrganizationAuditEntry.objects.create(
        organization=world.other_org,
        acting_user=world.outsider,
        action="member_added",
        subject="secret@lawyers.example",
    )
    client.force_login(world.admin)

    first = client.get("/partners/families/history/").content.decode()
    second = client.get("/partners/families/history/?page=2").content.decode()
    junk = client.get("/partners/families/history/?page=abc")

    assert first.count("<tr>") - 1 == 50
    assert second.count("<tr>") - 1 == 11  # 60 + the fixture's invitation
    assert "Page 2 of 2" in second
    assert "secret@lawyers.example" not in first + second
    assert junk.status_code == 200


def test_a_truncated_logo_is_refused_even_after_weasyprint_was_imported(client, world, settings):
    """WeasyPrint (loaded by a PDF build in the same process) makes Pillow accept truncated images."""
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES  # what WeasyPrint does on import
    response = upload(client, world, png_bytes()[:200], "truncated.png", "image/png")
    assert response.status_code == 200 and "PNG, JPEG or WebP" in response.content.decode()
