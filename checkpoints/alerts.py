"""Alerts for travellers sent to the health desk or turned back at a checkpoint.

The provincial directive: the health centre must know at once when a person at risk arrives to stay. Each
flagged passage puts one alert on the list of the commune station and the health centre
that cover the traveller's destination ward (their home ward when no destination was
given), and on no other unit's list.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import formats, timezone

from checkpoints.messages import DENIED, REFERRED
from checkpoints.models import Passage, Verdict
from truyvet.accounts.models import Alert, AlertSeverity
from truyvet.accounts.selectors import units_by_ward
from truyvet.lib.messages import render


def alert_flagged(passage_ids: list[int], *, scanned_between: tuple[datetime, datetime] | None = None) -> int:
    """Raise the alerts for these passages (the flagged ones); returns how many were new.
    ``scanned_between``: the first and last of their scan times, when the caller knows them,
    so that PostgreSQL reads only those days' partitions."""
    found = Passage.objects.filter(pk__in=passage_ids, verdict__in=[Verdict.REFER, Verdict.DENY])
    if scanned_between is not None:
        found = found.filter(scanned_at__range=scanned_between)
    passages = list(
        found.select_related("checkpoint", "person").only(
            "client_id",
            "seq",
            "verdict",
            "reasons",
            "scanned_at",
            "destination_ward_id",
            "identifier",
            "checkpoint__name",
            "person__full_name",
            "person__ward_id",
        )
    )
    wards = {p.pk: p.destination_ward_id or (p.person.ward_id if p.person else None) for p in passages}
    units = units_by_ward(ward for ward in wards.values() if ward is not None)
    alerts = []
    for passage in passages:
        ward_id = wards[passage.pk]
        if ward_id is None:
            continue
        who = passage.person.full_name if passage.person else passage.identifier or "?"
        when = formats.date_format(timezone.localtime(passage.scanned_at), "H:i d/m/Y")
        deny = passage.verdict == Verdict.DENY
        code = DENIED if deny else REFERRED
        params = {"checkpoint": passage.checkpoint.name, "who": who, "when": when, "reasons": list(passage.reasons)}
        # As the portal's default language reads it, for the admin and for search.
        text = render(code, params, language=settings.LANGUAGE_CODE)
        for unit in units.get(ward_id, []):
            alerts.append(
                Alert(
                    unit=unit,
                    kind="checkpoint",
                    severity=AlertSeverity.URGENT if deny else AlertSeverity.WARNING,
                    code=code,
                    params=params,
                    title=text.title[:200],
                    body=text.body,
                    url=passage.get_absolute_url(),
                    ward_id=ward_id,
                    person_id=passage.person_id,
                    dedupe_key=f"passage:{passage.client_id}:{passage.seq}",
                )
            )
    before = Alert.objects.filter(dedupe_key__in=[a.dedupe_key for a in alerts]).count()
    Alert.objects.bulk_create(alerts, batch_size=1000, ignore_conflicts=True)
    return Alert.objects.filter(dedupe_key__in=[a.dedupe_key for a in alerts]).count() - before
