from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from contacts.services import exposures_fold_for_merge, follow_ups_fold_for_merge
from truyvet.people.models import Person
from truyvet.people.signals import person_merging


@receiver(person_merging, sender=Person)
def _fold_tracing_rows(sender: type[Person], survivor: Person, duplicate: Person, **kwargs: Any) -> None:
    exposures_fold_for_merge(survivor=survivor, duplicate=duplicate)
    follow_ups_fold_for_merge(survivor=survivor, duplicate=duplicate)
