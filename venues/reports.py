"""Being written."""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


assist = assist_checkin = reports = reports_export = visitors = _todo
