"""Where a signed-in staff member stands with the second factor, kept in the session.

At sign-in (``truyvet.accounts.signals``) the session records the step still owed: enrol
an authenticator (required for the role, none confirmed yet), verify a code (a confirmed
device), or nothing. Until the step is done, ``TwoFactorGateMiddleware`` lets the session
reach only that step's page and sign-out. This module imports no model, so the admin site
and the middleware can read it cheaply.
"""

from __future__ import annotations

from typing import Final

STEP_SESSION_KEY: Final = "two_factor_step"
ENROL: Final = "enrol"
VERIFY: Final = "verify"
