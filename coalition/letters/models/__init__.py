"""Letters: the page models, their audit rows, and the co-drafting sign-off task."""

from .pages import (
    LETTER_BODY_FEATURES,
    PUBLIC_STATUSES,
    SHORT_TEXT_FEATURES,
    STATUS_TRANSITIONS,
    HomePage,
    LetterCoDrafter,
    LetterIndexPage,
    LetterPage,
    LetterRecipient,
    LetterStatus,
    LetterStatusChange,
    LetterUpdate,
    RelatedAction,
)
from .signoff import CoalitionSignOffTask, SignOffApproval, SignOffNotice

__all__ = [
    "LETTER_BODY_FEATURES",
    "PUBLIC_STATUSES",
    "SHORT_TEXT_FEATURES",
    "STATUS_TRANSITIONS",
    "CoalitionSignOffTask",
    "HomePage",
    "LetterCoDrafter",
    "LetterIndexPage",
    "LetterPage",
    "LetterRecipient",
    "LetterStatus",
    "LetterStatusChange",
    "LetterUpdate",
    "RelatedAction",
    "SignOffApproval",
    "SignOffNotice",
]
