"""Where each user starts: a citizen on their own page, each staff role on the page of its
work, named in ``settings.STAFF_HOME_PAGES`` (role → URL name). An app sets its role's home
there, in one line; a role with no entry gets the plain "coming" page. ``checks.py`` makes
sure every entry names a page that exists."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from truyvet.accounts.models import Role, User
from truyvet.accounts.permissions import is_citizen

COMING = "coming"  # the URL name of the plain "not built yet" page (truyvet.views.coming_page)
CITIZEN_HOME = "accounts:me"


def home_url_name_for(user: User | AnonymousUser) -> str:
    """The URL name of the user's home: ``accounts:me`` for a citizen, the role's entry of
    ``STAFF_HOME_PAGES`` for staff (a superuser's is the administrator's), else "coming"."""
    if not user.is_authenticated:
        return "home"
    if is_citizen(user):
        return CITIZEN_HOME
    role = Role.ADMINISTRATOR if user.is_superuser else user.role
    return str(settings.STAFF_HOME_PAGES.get(role, COMING))


def home_url_for(user: User | AnonymousUser) -> str:
    return reverse(home_url_name_for(user))
