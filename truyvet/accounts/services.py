from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from truyvet.accounts.models import Alert, AlertSeverity, HealthUnit, LoginCode, Role, UnitKind, User
from truyvet.lib.audit import audit_log, audit_log_many
from truyvet.lib.errors import DomainError
from truyvet.lib.sms import SmsError, send_sms
from truyvet.people.normalize import normalize_phone

log = logging.getLogger(__name__)

CODES_PER_WINDOW = 3
CODE_WINDOW_MINUTES = 15


def _code_hash(phone: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _phone_or_error(phone: str) -> str:
    e164 = normalize_phone(phone)
    if e164 is None:
        raise DomainError(_("Enter a Vietnamese mobile number, e.g. 0912 345 678."), "invalid_phone", field="phone")
    return e164


def login_code_request(*, phone: str) -> str:
    """Send a 6-digit sign-in code by SMS; returns the normalised phone."""
    e164 = _phone_or_error(phone)
    now = timezone.now()
    recent = LoginCode.objects.filter(phone=e164, created_at__gte=now - timedelta(minutes=CODE_WINDOW_MINUTES)).count()
    if recent >= CODES_PER_WINDOW:
        raise DomainError(_("Too many codes requested; wait a few minutes."), "too_many_codes", status=429)
    code = f"{secrets.randbelow(10**6):06d}"
    LoginCode.objects.create(phone=e164, code_hash=_code_hash(e164, code), expires_at=now + settings.LOGIN_CODE_TTL)
    minutes = int(settings.LOGIN_CODE_TTL.total_seconds() // 60)
    # Plain ASCII keeps the SMS in one GSM-7 segment on every handset.
    try:
        send_sms(e164, f"{settings.PORTAL_NAME}: ma dang nhap {code}, het han sau {minutes} phut. Sign-in code {code}.")
    except SmsError:
        log.exception("sign-in code SMS to %s failed", e164)
        raise DomainError(_("The SMS could not be sent; try again in a minute."), "sms_failed", status=503) from None
    return e164


_VERIFY_ERRORS = {
    "code_expired": _("The code has expired; ask for a new one."),
    "too_many_attempts": _("Too many wrong codes; ask for a new one."),
    "wrong_code": _("The code is not right."),
    "account_disabled": _("This account is disabled."),
}


def login_code_verify(*, phone: str, code: str) -> User:
    """The citizen's account for a correct, unexpired, unused code (created on first sign-in).

    A wrong code is counted in its own committed transaction before the error is raised,
    so failed guesses are never rolled back.
    """
    e164 = _phone_or_error(phone)
    with transaction.atomic():
        error, user = _check_code(e164, code.strip())
    if error:
        raise DomainError(_VERIFY_ERRORS[error], error, field="code")
    assert user is not None
    return user


def _check_code(e164: str, code: str) -> tuple[str, User | None]:
    now = timezone.now()
    login = (
        LoginCode.objects.select_for_update()
        .filter(phone=e164, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at")
        .first()
    )
    if login is None:
        return "code_expired", None
    if login.attempts >= settings.LOGIN_CODE_MAX_ATTEMPTS:
        return "too_many_attempts", None
    if not hmac.compare_digest(login.code_hash, _code_hash(e164, code)):
        login.attempts += 1
        login.save(update_fields=["attempts"])
        return "wrong_code", None
    user = User.objects.filter(phone=e164).first()
    if user is not None and not user.is_active:
        return "account_disabled", None
    login.used_at = now
    login.save(update_fields=["used_at"])
    if user is None:
        user = User(username=f"citizen{e164}", phone=e164, role=Role.CITIZEN)
        user.set_unusable_password()
        user.save()
    return "", user


def login_codes_purge() -> int:
    cutoff = timezone.now() - timedelta(days=1)
    deleted, _ = LoginCode.objects.filter(expires_at__lt=cutoff).delete()
    return deleted


def alert_raise(
    *,
    ward_code: int,
    kind: str,
    title: str,
    dedupe_key: str,
    body: str = "",
    url: str = "",
    person_id: int | None = None,
    severity: str = AlertSeverity.WARNING,
    unit_kinds: Iterable[str] = (UnitKind.COMMUNE_STATION, UnitKind.HEALTH_CENTRE),
) -> list[Alert]:
    """Put an alert on the list of every unit of ``unit_kinds`` that covers the ward.

    The same ``dedupe_key`` for the same unit is written once, however often it is raised.
    """
    units = list(HealthUnit.objects.filter(kind__in=list(unit_kinds), wards__code=ward_code).distinct())
    Alert.objects.bulk_create(
        [
            Alert(
                unit=unit,
                kind=kind,
                severity=severity,
                title=title,
                body=body,
                url=url,
                ward_id=ward_code,
                person_id=person_id,
                dedupe_key=dedupe_key,
            )
            for unit in units
        ],
        ignore_conflicts=True,
    )
    return list(Alert.objects.filter(unit__in=units, dedupe_key=dedupe_key))


def alert_acknowledge(*, user: User, alert: Alert) -> Alert:
    if alert.acknowledged_at is None:
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = user
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
        audit_log(actor=user, action="alert.acknowledge", obj=alert, person_id=alert.person_id)
    return alert


def alerts_acknowledge_group(
    *, user: User, kind: str, url: str, severity: str, until: datetime, request: HttpRequest | None = None
) -> int:
    """Acknowledge the open alerts of the user's unit alike to a group shown on the staff
    home (``selectors.alert_groups_open_for``), up to the newest one shown: one that came in
    after the page was drawn stays open. Each is audit-logged. Returns how many."""
    unit_id = getattr(user, "health_unit_id", None)
    if unit_id is None:
        return 0
    open_alerts = Alert.objects.filter(
        unit_id=unit_id, acknowledged_at__isnull=True, kind=kind, url=url, severity=severity, created_at__lte=until
    )
    with transaction.atomic():
        rows = list(open_alerts.select_for_update().values_list("pk", "person_id"))
        Alert.objects.filter(pk__in=[pk for pk, _person in rows]).update(
            acknowledged_at=timezone.now(), acknowledged_by=user
        )
        audit_log_many(
            actor=user,
            action="alert.acknowledge",
            object_type=Alert._meta.label_lower,
            rows=[(str(pk), person_id) for pk, person_id in rows],
            request=request,
        )
    return len(rows)
