"""Write-side operations on letters. Each takes the acting user and leaves an audit row."""

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from coalition.orgs.selectors import organization_managers

from ..access import letter_access_sync
from ..models import STATUS_TRANSITIONS, LetterCoDrafter, LetterPage, LetterStatus, LetterStatusChange
from ..selectors import letter_status_changes_unnotified
from ..sign_routes import sign_routes_forget

logger = logging.getLogger(__name__)


@transaction.atomic
def letter_status_change(*, letter: LetterPage, to_status: str, acting_user, note: str = "") -> LetterStatusChange:
    """Move a letter to a new status, record who did it, and notify its organizations.

    The page row is locked so two editors cannot both move it from the same status;
    the status is written with an UPDATE so no page revision is created or published.
    The notification is queued only after the transaction commits.
    """
    from ..tasks import letter_status_notify

    locked = LetterPage.objects.select_for_update().get(pk=letter.pk)
    from_status = LetterStatus(locked.status)
    to_status = LetterStatus(to_status)
    if to_status not in STATUS_TRANSITIONS[from_status]:
        raise ValidationError(
            _("A letter that is “%(from)s” cannot become “%(to)s”.")
            % {"from": from_status.label, "to": to_status.label},
            code="invalid_transition",
        )
    if from_status == LetterStatus.DRAFT and not locked.live:
        raise ValidationError(_("Publish the letter before opening it."), code="not_live")
    if from_status == LetterStatus.DRAFT and not locked.lead_organization_id:
        raise ValidationError(_("Choose the lead organization before opening the letter."), code="no_lead")

    now = timezone.now()
    LetterPage.objects.filter(pk=locked.pk).update(
        status=to_status, status_changed_at=now, status_changed_by=acting_user
    )
    transaction.on_commit(sign_routes_forget, robust=True)  # signing opens or closes now
    change = LetterStatusChange.objects.create(
        letter=locked, from_status=from_status, to_status=to_status, acting_user=acting_user, note=note
    )
    log(
        instance=locked,
        action="coalition.letter_status",
        user=acting_user,
        data={"from": from_status.value, "to": to_status.value, "note": note},
    )
    letter.status, letter.status_changed_at, letter.status_changed_by = to_status, now, acting_user
    # robust: a broker that is down must not turn a committed change into an error
    # page; the sweeper sends what was not queued.
    transaction.on_commit(lambda: letter_status_notify.delay(change.pk), robust=True)
    return change


def letter_status_notification_recipients(*, letter: LetterPage) -> list[str]:
    """Owners and admins of the lead and co-drafting organizations, one address each."""
    org_ids = [letter.lead_organization_id, *letter.co_drafters.values_list("organization_id", flat=True)]
    emails = (
        organization_managers(organization_ids=org_ids).exclude(user__email="").values_list("user__email", flat=True)
    )
    return sorted(set(emails))


def letter_status_notification_send(*, status_change_id: int) -> int:
    """Email the letter's organizations about a status change; idempotent.

    The row is locked and `notified_at` checked first, so a task delivered twice
    sends once. Returns how many emails went out (0 when already done).
    """
    with transaction.atomic():
        change = (
            LetterStatusChange.objects.select_for_update(of=("self",))
            .select_related("letter", "acting_user")
            .filter(pk=status_change_id)
            .first()
        )
        if change is None or change.notified_at is not None:
            return 0
        letter = change.letter
        recipients = letter_status_notification_recipients(letter=letter)
        title = " ".join(letter.title.split())
        context = {
            "letter": letter,
            "change": change,
            "letter_url": letter.public_url,
        }
        subject = _("“%(title)s” is now %(status)s") % {
            "title": title,
            "status": change.get_to_status_display().lower(),
        }
        body = render_to_string("letters/emails/status_changed.txt", context)
        messages = [EmailMessage(subject=subject, body=body, to=[address]) for address in recipients]
        if messages:
            get_connection().send_messages(messages)
        change.notified_at = timezone.now()
        change.save(update_fields=["notified_at"])
    logger.info("letter status change %s notified %s recipients", change.pk, len(messages))
    return len(messages)


def letter_status_notifications_sweep(*, grace: timedelta = timedelta(minutes=5), limit: int = 500) -> int:
    """Send the notifications a dead broker or worker dropped; safe to run any time.

    Runs in-process (from the scheduled task or `manage.py sweep_status_notifications`
    in cron), so it works even while the broker is down.
    """
    cutoff = timezone.now() - grace
    ids = list(letter_status_changes_unnotified(older_than=cutoff).values_list("pk", flat=True)[:limit])
    sent = 0
    for pk in ids:
        try:
            sent += letter_status_notification_send(status_change_id=pk)
        except OSError:
            logger.warning("status change %s: notification failed, will retry on next sweep", pk, exc_info=True)
    return sent


# --- the organizations writing a letter -----------------------------------------


@transaction.atomic
def letter_lead_set(*, letter: LetterPage, organization, acting_user) -> LetterPage:
    """Make `organization` the lead; a co-drafter promoted to lead stops being a co-drafter."""
    locked = LetterPage.objects.select_for_update().get(pk=letter.pk)
    if locked.lead_organization_id == organization.pk:
        return letter
    previous = locked.lead_organization
    LetterCoDrafter.objects.filter(page=locked, organization=organization).delete()
    LetterPage.objects.filter(pk=locked.pk).update(lead_organization=organization)
    transaction.on_commit(sign_routes_forget, robust=True)  # the form's consent boxes change
    letter.lead_organization = organization
    log(
        instance=locked,
        action="coalition.letter_lead",
        user=acting_user,
        data={"organization": organization.name, "previous": previous.name if previous else ""},
    )
    letter_access_sync(letter=letter)
    return letter


@transaction.atomic
def letter_codrafter_add(*, letter: LetterPage, organization, acting_user) -> LetterCoDrafter:
    """Add a co-drafting organization: its staff can open the draft at once."""
    LetterPage.objects.select_for_update().get(pk=letter.pk)
    if letter.lead_organization_id == organization.pk:
        raise ValidationError(_("%(org)s already leads this letter.") % {"org": organization.name})
    existing = LetterCoDrafter.objects.filter(page=letter, organization=organization).first()
    if existing:
        return existing
    position = LetterCoDrafter.objects.filter(page=letter).count()
    co_drafter = LetterCoDrafter.objects.create(
        page=letter, organization=organization, sort_order=position, added_by=acting_user
    )
    log(
        instance=letter,
        action="coalition.letter_codrafter_added",
        user=acting_user,
        data={"organization": organization.name},
    )
    letter_access_sync(letter=letter)
    return co_drafter


@transaction.atomic
def letter_codrafter_remove(*, letter: LetterPage, organization, acting_user) -> None:
    """Remove a co-drafting organization: its staff lose the draft at once."""
    LetterPage.objects.select_for_update().get(pk=letter.pk)
    deleted, _rows = LetterCoDrafter.objects.filter(page=letter, organization=organization).delete()
    if deleted:
        log(
            instance=letter,
            action="coalition.letter_codrafter_removed",
            user=acting_user,
            data={"organization": organization.name},
        )
    letter_access_sync(letter=letter)
