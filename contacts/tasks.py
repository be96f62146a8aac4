from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from contacts import matching, upkeep
from contacts.models import Case, Classification, Outcome
from truyvet.lib.metrics import MATCHING_SECONDS


@shared_task(acks_late=True)
def match_case(case_id: int) -> int:
    """Idempotent: exposures are upserted per case and person, so a rerun (or a run after a
    crash) writes only what is missing. Returns the number of exposures written or changed."""
    with MATCHING_SECONDS.time():
        return matching.match_case(case_id).new


@shared_task(acks_late=True)
def rematch_recent_cases() -> int:
    """Match recent cases again, for check-ins and uploads that arrived late."""
    since = timezone.now() - timedelta(days=settings.TRACING_REMATCH_DAYS)
    ids = list(
        Case.objects.filter(
            classification=Classification.CONFIRMED, outcome=Outcome.UNDER_TREATMENT, confirmed_at__gte=since
        ).values_list("pk", flat=True)
    )
    for case_id in ids:
        match_case.delay(case_id)
    return len(ids)


@shared_task(acks_late=True)
def close_finished_follow_ups() -> int:
    return upkeep.follow_ups_close_finished()


@shared_task(acks_late=True)
def purge_old_proximity_contacts() -> int:
    return upkeep.proximity_contacts_purge()
