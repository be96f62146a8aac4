"""Placeholder stubs so URLs load; being replaced wholesale."""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


venue_list = venue_new = owner_new = venue_detail = venue_toggle = poster = display = _todo
assist = assist_checkin = reports = reports_export = visitors = _todo
