"""``{% site_waiting_count site as n %}``: how many people wait for a place at the site on
the days to come, for the site's day list.

A tag rather than a value from the view: the day list's view (``site_views.site_day``) is
being reworked for the offline dose page, and the count is one indexed query."""

from __future__ import annotations

from django import template

from vaccination.models import Site
from vaccination.waitlist import site_waiting_count as waiting_count

register = template.Library()


@register.simple_tag
def site_waiting_count(site: Site) -> int:
    return waiting_count(site)
