from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

from truyvet.accounts.permissions import DJANGO_PERMISSIONS


class RolePermissionBackend(BaseBackend):
    """Answers ``user.has_perm`` for the permissions that follow from a role
    (``permissions.DJANGO_PERMISSIONS``); it signs nobody in."""

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        test = DJANGO_PERMISSIONS.get(perm)
        return test is not None and test(user_obj)
