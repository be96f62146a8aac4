from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from truyvet.accounts.models import User
from truyvet.accounts.permissions import DJANGO_PERMISSIONS


class RolePermissionBackend:
    """Answers ``user.has_perm`` for the permissions that follow from a role
    (``permissions.DJANGO_PERMISSIONS``), and only from the role: a refusal is final (no
    grant in the database overrides it, and no query is made). It signs nobody in, and has
    no ``get_user``, so no session is ever tied to it."""

    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> None:
        return None

    def has_perm(self, user_obj: User | AnonymousUser, perm: str, obj: Any = None) -> bool:
        test = DJANGO_PERMISSIONS.get(perm)
        if test is None:
            return False
        if not test(user_obj):
            raise PermissionDenied
        return True
