"""Relief's stored messages (``truyvet.lib.messages``): the SMS to requesters and volunteers,
rendered in the recipient's language when they are sent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from relief.models import HelpKind
from truyvet.lib.messages import register


def _kind(params: Mapping[str, Any]) -> Mapping[str, Any]:
    kind = params.get("kind", "")
    return {"kind": HelpKind(kind).label if kind in HelpKind.values else kind}


# {"kind": a HelpKind, "url": the request's follow page}
SOS_TAKEN = register(
    "relief.sos_taken",
    title=_("Help request taken up"),
    body=_("Your request for help (%(kind)s) has been taken up; someone will call you. Follow it: %(url)s"),
    prepare=_kind,
)
SOS_DONE = register(
    "relief.sos_done",
    title=_("Help request done"),
    body=_("Your request for help (%(kind)s) is marked as done. If you still need help, say so: %(url)s"),
    prepare=_kind,
)
# {"kind": a HelpKind, "ward": the ward's name, "url": the volunteer's home}
ASSIGNED = register(
    "relief.assigned",
    title=_("New assignment"),
    body=_("You have been asked to help with a request (%(kind)s) in %(ward)s. Sign in to see it: %(url)s"),
    prepare=_kind,
)
