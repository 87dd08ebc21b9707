"""History entries read as sentences computed from each entry, never as a function's repr."""

import pytest
from wagtail.log_actions import registry
from wagtail.models import ModelLogEntry, PageLogEntry

from coalition.letters.models import LetterStatus
from coalition.letters.services import letter_status_change
from tests.factories import EditorFactory, LetterPageFactory, endorsement_for

pytestmark = pytest.mark.django_db


def test_a_status_change_reads_as_a_sentence_in_the_page_history():
    letter = LetterPageFactory(status=LetterStatus.DRAFT)
    letter_status_change(letter=letter, to_status=LetterStatus.OPEN_FOR_ENDORSEMENT, acting_user=EditorFactory())
    entry = PageLogEntry.objects.filter(action="coalition.letter_status").get()
    message = registry.get_formatter(entry).format_message(entry)
    assert message == "Status changed from “Draft” to “Open for endorsement”"


def test_an_endorsement_transition_reads_with_its_note():
    from coalition.letters.services import endorsement_reject

    endorsement = endorsement_for(LetterPageFactory(status=LetterStatus.OPEN_FOR_ENDORSEMENT), state="pending_review")
    endorsement_reject(endorsement=endorsement, acting_user=EditorFactory(), reason="Not a real group.")
    entry = ModelLogEntry.objects.filter(action="coalition.endorsement_rejected").get()
    assert registry.get_formatter(entry).format_message(entry) == "Rejected (Not a real group.)"


def test_every_coalition_log_action_renders_text():
    for action, formatter in registry.formatters.items():
        if action.startswith("coalition."):
            entry = ModelLogEntry(action=action, data={})
            assert isinstance(formatter.format_message(entry), str), action
