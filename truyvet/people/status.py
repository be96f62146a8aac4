"""A person's tracing and vaccination status, from the apps that own those facts.

Core code (risk rules, QR verification) needs to know whether somebody is a case (F0), an
active F1/F2, and how many vaccine doses they have, but must not import the domain apps.
Those apps name a provider in ``PERSON_STATUS_PROVIDERS``: a function taking a list of
person ids and returning ``{person_id: {"f_level": int | None, "vaccine_doses": int,
"last_dose_on": date | None}}`` (any key may be missing). Providers are merged; the lowest
F level wins, the most doses and the latest dose date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class PersonStatus:
    f_level: int | None = None  # 0: a current case, 1/2: an active F1/F2, None: neither
    vaccine_doses: int = 0
    last_dose_on: date | None = None  # the day of the latest dose

    @property
    def is_case(self) -> bool:
        return self.f_level == 0

    @property
    def is_f1(self) -> bool:
        return self.f_level == 1


Provider = Callable[[list[int]], dict[int, dict[str, Any]]]


@cache
def _providers(paths: tuple[str, ...]) -> list[Provider]:
    return [import_string(path) for path in paths]


def statuses_for(person_ids: Iterable[int]) -> dict[int, PersonStatus]:
    ids = list(dict.fromkeys(person_ids))
    merged: dict[int, dict[str, Any]] = {pk: {} for pk in ids}
    for provider in _providers(tuple(settings.PERSON_STATUS_PROVIDERS)):
        for pk, facts in provider(ids).items():
            target = merged.setdefault(pk, {})
            level = facts.get("f_level")
            if level is not None and (target.get("f_level") is None or level < target["f_level"]):
                target["f_level"] = level
            if "vaccine_doses" in facts:
                target["vaccine_doses"] = max(target.get("vaccine_doses", 0), facts["vaccine_doses"])
            last = facts.get("last_dose_on")
            if last is not None and (target.get("last_dose_on") is None or last > target["last_dose_on"]):
                target["last_dose_on"] = last
    return {pk: PersonStatus(**facts) for pk, facts in merged.items()}


def status_for(person_id: int) -> PersonStatus:
    return statuses_for([person_id])[person_id]
