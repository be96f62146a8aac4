"""The body of a citizen's report (``POST /api/v1/safetymap/reports/``, multipart, and the
public form): the facility, what is wrong. The photo is a file, checked by
``safetymap.photos``."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from truyvet.lib.schema import Body

TEXT_MAX = 2000


class ReportIn(Body):
    facility_id: Annotated[int, Meta(ge=1, le=2**62)]
    text: Annotated[str, Meta(min_length=1, max_length=TEXT_MAX)]


def report_data(data: object) -> dict[str, object]:
    """A form's or multipart body's strings as the body's types (an id typed as digits)."""
    get = getattr(data, "get", None)
    if get is None:
        return {}
    raw_id = get("facility_id")
    facility_id: object = raw_id
    if isinstance(raw_id, str) and raw_id.strip().isdigit() and len(raw_id.strip()) <= 18:
        facility_id = int(raw_id.strip())
    found: dict[str, object] = {"facility_id": facility_id, "text": (get("text") or "").strip()}
    return {k: v for k, v in found.items() if v is not None}
