"""What value tags hold about a person, to download (accounts.personal_data).

Nothing to erase here: a tag is a claim about a story or a journal entry, which goes with
them; the tagger's link is cleared when the account goes (SET_NULL)."""

from accounts.personal_data import Export, Part
from evaluation.value.models import STATED

export = Export(
    Part(
        "value_tags",
        "The value-creation cycles you tagged on stories and journal entries, with the "
        "evidence you cited.",
        "evaluation.ValueTag",
        "tagged_by",
        ("story__title", "journal_entry__title", *STATED, "created_at", "updated_at"),
    ),
)
