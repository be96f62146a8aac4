from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from truyvet.accounts import two_factor
from truyvet.accounts.selectors import two_factor_step_for
from truyvet.lib.error_codes import CoreError


class TwoFactorGateMiddleware:
    """A signed-in session that still owes its second factor reaches only that step's page,
    sign-out and the language switch; every other page (the admin included) sends it there,
    and the API answers 403 ``two_factor_required``.

    The step is read from the session, so a session that owes nothing costs no query. A
    session from before the gate existed has no step yet and gets one on its next request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @cached_property
    def _step_pages(self) -> dict[str, str]:
        return {
            two_factor.VERIFY: reverse("accounts:two_factor_verify"),
            two_factor.ENROL: reverse("accounts:two_factor_setup"),
        }

    @cached_property
    def _always_open(self) -> tuple[str, ...]:
        return (reverse("accounts:logout"), reverse("set_language"), reverse("healthz"))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY not in session:
            return self.get_response(request)
        step = session.get(two_factor.STEP_SESSION_KEY)
        if step is None:
            step = session[two_factor.STEP_SESSION_KEY] = two_factor_step_for(request.user)
        if not step:
            return self.get_response(request)
        page = self._step_pages.get(step, self._step_pages[two_factor.VERIFY])
        path = request.path
        if path == page or path in self._always_open or path.startswith(settings.STATIC_URL):
            return self.get_response(request)
        if path.startswith("/api/"):
            detail = _("Confirm your sign-in with the code from your authenticator app first.")
            return JsonResponse({"code": str(CoreError.TWO_FACTOR_REQUIRED), "detail": detail}, status=403)
        if request.method == "GET":
            return redirect(f"{page}?{urlencode({'next': request.get_full_path()})}")
        return redirect(page)
