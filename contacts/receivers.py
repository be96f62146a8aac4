from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from contacts.services import (
    exposure_warnings_rekey_for_merge,
    exposures_fold_for_merge,
    follow_ups_fold_for_merge,
    manual_contacts_fold_for_merge,
)
from truyvet.people.models import Person
from truyvet.people.signals import person_merging


@receiver(person_merging, sender=Person)
def _fold_tracing_rows(sender: type[Person], survivor: Person, duplicate: Person, **kwargs: Any) -> None:
    """Rows the merge cannot simply move: one exposure per case and person, one active
    follow-up, one typed-in contact per case, pair and day, one warning per key."""
    exposures_fold_for_merge(survivor=survivor, duplicate=duplicate)
    follow_ups_fold_for_merge(survivor=survivor, duplicate=duplicate)
    manual_contacts_fold_for_merge(survivor=survivor, duplicate=duplicate)
    exposure_warnings_rekey_for_merge(survivor=survivor, duplicate=duplicate)
