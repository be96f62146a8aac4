from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from truyvet.accounts.models import Alert


def alerts_open_for(user: Any) -> QuerySet[Alert]:
    """Open alerts of the user's unit, newest first."""
    unit_id = getattr(user, "health_unit_id", None)
    if unit_id is None:
        return Alert.objects.none()
    return Alert.objects.filter(unit_id=unit_id, acknowledged_at__isnull=True).select_related("ward")


def get_alert_for(user: Any, alert_id: int) -> Alert:
    unit_id = getattr(user, "health_unit_id", None)
    alert = Alert.objects.filter(pk=alert_id, unit_id=unit_id).first() if unit_id else None
    if alert is None:
        raise Http404
    return alert
