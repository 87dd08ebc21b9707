import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_create_editor_creates_once_and_prints_the_same_credentials(tmp_path, capsys):
    credentials = tmp_path / "creds"

    call_command("create_editor", credentials_file=str(credentials))
    first = capsys.readouterr().out
    call_command("create_editor", credentials_file=str(credentials))
    second = capsys.readouterr().out

    User = get_user_model()
    assert User.objects.filter(username="editor").count() == 1
    editor = User.objects.get(username="editor")
    assert editor.is_superuser
    password = first.split("Password: ")[1].split()[0]
    assert editor.check_password(password)
    assert f"Password: {password}" in second
    assert "Email:    editor@coalition.localhost" in first
    from allauth.account.models import EmailAddress

    assert EmailAddress.objects.get(user=editor).verified
    assert oct(credentials.stat().st_mode)[-3:] == "600"


def test_create_editor_does_not_reveal_a_changed_password(tmp_path, capsys):
    credentials = tmp_path / "creds"
    call_command("create_editor", credentials_file=str(credentials))
    editor = get_user_model().objects.get(username="editor")
    editor.set_password("changed-by-the-editor-123")
    editor.save()
    capsys.readouterr()

    call_command("create_editor", credentials_file=str(credentials))

    out = capsys.readouterr().out
    assert "Password:" not in out
    assert "changepassword" in out


def test_setup_site_is_idempotent(capsys):
    call_command("setup_site")
    call_command("setup_site")
    assert capsys.readouterr().out.count("/letters/") == 2
