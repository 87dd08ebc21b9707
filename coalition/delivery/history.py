"""What was delivered: the public history on the letter page, and the editors' delivery report.

Reads only. The public history names the recipients as they were when the letter was sent
(the delivery's snapshot), never their addresses; the report is for editors in the admin.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q

from .models import DeliveryState, LetterDelivery, MessageState, OutgoingMessage

# The public line names this many recipients, then "and N others".
NAMES_SHOWN = 3


@dataclass(frozen=True)
class DeliveryRecord:
    """One line of a letter's public delivery history."""

    kind: str
    date: datetime
    recipient_names: list[str]
    others: int
    organizations_count: int
    signatures_count: int
    signatures_total: int

    @property
    def is_addendum(self) -> bool:
        return self.kind == LetterDelivery.Kind.ADDENDUM


def letter_delivery_history(*, letter) -> list[DeliveryRecord]:
    """The letter's sent (or partly sent) deliveries and addenda, oldest first, in one query."""
    rows = (
        LetterDelivery.objects.filter(letter=letter, state__in=[DeliveryState.SENT, DeliveryState.PARTIAL])
        .order_by("created_at", "pk")
        .values_list("kind", "created_at", "recipients", "organizations_count", "signatures_count", "signatures_total")
    )
    history = []
    for kind, created_at, recipients, organizations, signatures, total in rows:
        names = [str(r.get("name") or "") for r in (recipients or []) if isinstance(r, dict) and r.get("name")]
        history.append(
            DeliveryRecord(
                kind=kind,
                date=created_at,
                recipient_names=names[:NAMES_SHOWN],
                others=max(0, len(names) - NAMES_SHOWN),
                organizations_count=organizations,
                signatures_count=signatures,
                signatures_total=total,
            )
        )
    return history


# --- the editors' report ---------------------------------------------------------------------------

_PENDING = [MessageState.PENDING, MessageState.RETRYING, MessageState.BATCHED]


@dataclass
class DeliveryReport:
    delivery: LetterDelivery
    messages: list[OutgoingMessage] = field(default_factory=list)
    sent: int = 0
    failed: int = 0
    pending: int = 0


def letter_delivery_report(*, letter) -> list[DeliveryReport]:
    """Every delivery and addendum of the letter, newest first, with its messages and totals (three queries)."""
    deliveries = list(
        LetterDelivery.objects.filter(letter=letter)
        .select_related("created_by", "addendum_to")
        .annotate(
            sent_total=Count("messages", filter=Q(messages__state=MessageState.SENT)),
            failed_total=Count("messages", filter=Q(messages__state=MessageState.FAILED)),
            pending_total=Count("messages", filter=Q(messages__state__in=_PENDING)),
        )
        .order_by("-created_at", "-pk")
    )
    reports = {
        d.pk: DeliveryReport(delivery=d, sent=d.sent_total, failed=d.failed_total, pending=d.pending_total)
        for d in deliveries
    }
    messages = OutgoingMessage.objects.filter(delivery_id__in=list(reports)).order_by("delivery_id", "pk")
    for message in messages.defer("body"):
        reports[message.delivery_id].messages.append(message)
    return list(reports.values())
