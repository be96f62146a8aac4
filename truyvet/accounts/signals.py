"""Sign-in events: failures and lockouts go to the audit log; a fresh sign-in records the
second-factor step it still owes (see ``truyvet.accounts.two_factor``)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from truyvet.accounts import two_factor
from truyvet.accounts.models import User
from truyvet.accounts.selectors import two_factor_step_for
from truyvet.accounts.services import signin_failure_record


@receiver(user_login_failed, dispatch_uid="truyvet_signin_failed")
def _signin_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    signin_failure_record(request=request, username=str(credentials.get("username") or ""), locked_out=False)


@receiver(user_locked_out, dispatch_uid="truyvet_signin_locked_out")
def _signin_locked_out(sender: Any, request: HttpRequest, username: str | None = None, **kwargs: Any) -> None:
    signin_failure_record(request=request, username=username or "", locked_out=True)


@receiver(user_logged_in, dispatch_uid="truyvet_two_factor_step")
def _two_factor_step(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[two_factor.STEP_SESSION_KEY] = two_factor_step_for(user)
