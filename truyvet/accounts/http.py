from __future__ import annotations

from django.http import HttpRequest

from truyvet.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """The request type of views behind ``login_required``."""

    user: User
