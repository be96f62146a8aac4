"""How often one browser, and one address, may report facilities (per hour): both are
counted on every accepted report (``truyvet.lib.ratelimit``), so neither a cleared cookie
nor a shared address escapes the limit."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from truyvet.lib.ratelimit import Limit, client_keys, over_limit

HOUR = 3600


def report_over_limit(request: HttpRequest) -> bool:
    """Count one report from this client; True when it is one too many."""
    keys = client_keys(request)
    by_browser = over_limit(
        Limit("safetymap-report-browser", settings.SAFETYMAP_REPORTS_PER_BROWSER, HOUR),
        [k for k in keys if k.startswith("browser:")],
    )
    by_address = over_limit(
        Limit("safetymap-report-address", settings.SAFETYMAP_REPORTS_PER_ADDRESS, HOUR),
        [k for k in keys if k.startswith("ip:")],
    )
    return by_browser or by_address
