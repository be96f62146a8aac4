from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from checkpoints.models import TripPassenger
from truyvet.people.models import Person
from truyvet.people.signals import person_merging


@receiver(person_merging, sender=Person)
def _fold_trip_passengers(sender: type[Person], survivor: Person, duplicate: Person, **kwargs: Any) -> None:
    """A trip lists a person once: where both records ride the same bus, the duplicate's
    seat goes before the merge moves the rest of its rows (passages too) to the survivor."""
    survivor_trips = TripPassenger.objects.filter(person=survivor).values("trip_id")
    TripPassenger.objects.filter(person=duplicate, trip_id__in=survivor_trips).delete()
