"""Letters: the page models, their audit rows, endorsements, and the co-drafting sign-off task."""

from .documents import LetterDocument, LetterDocumentChunk
from .endorsements import (
    ACTIVE_ENDORSEMENT_STATES,
    ENDORSEMENT_TRANSITIONS,
    Endorsement,
    EndorsementInvitation,
    EndorsementNotice,
    EndorsementState,
)
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
from .signatures import Signature, SignatureConsent, SignatureInvalidationJob, SignatureState, SignatureTally
from .signoff import CoalitionSignOffTask, SignOffApproval, SignOffNotice
from .translations import LetterTranslationPage

__all__ = [
    "ACTIVE_ENDORSEMENT_STATES",
    "ENDORSEMENT_TRANSITIONS",
    "Endorsement",
    "LetterDocument",
    "LetterDocumentChunk",
    "EndorsementInvitation",
    "EndorsementNotice",
    "EndorsementState",
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
    "LetterTranslationPage",
    "LetterUpdate",
    "RelatedAction",
    "Signature",
    "SignatureConsent",
    "SignatureInvalidationJob",
    "SignatureState",
    "SignatureTally",
    "SignOffApproval",
    "SignOffNotice",
]
