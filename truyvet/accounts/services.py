from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import astuple, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from truyvet.accounts import two_factor
from truyvet.accounts.models import Alert, AlertSeverity, HealthUnit, LoginCode, Role, UnitKind, User
from truyvet.lib.audit import audit_log, audit_log_many
from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError
from truyvet.lib.messages import registered, render
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
        raise DomainError(
            _("Enter a Vietnamese mobile number, e.g. 0912 345 678."), CoreError.INVALID_PHONE, field="phone"
        )
    return e164


def login_code_request(*, phone: str) -> str:
    """Send a 6-digit sign-in code by SMS; returns the normalised phone."""
    e164 = _phone_or_error(phone)
    now = timezone.now()
    recent = LoginCode.objects.filter(phone=e164, created_at__gte=now - timedelta(minutes=CODE_WINDOW_MINUTES)).count()
    if recent >= CODES_PER_WINDOW:
        raise DomainError(_("Too many codes requested; wait a few minutes."), CoreError.TOO_MANY_CODES, status=429)
    code = f"{secrets.randbelow(10**6):06d}"
    LoginCode.objects.create(phone=e164, code_hash=_code_hash(e164, code), expires_at=now + settings.LOGIN_CODE_TTL)
    minutes = int(settings.LOGIN_CODE_TTL.total_seconds() // 60)
    # In the language of the page that asked for it; the Vietnamese is plain ASCII, which
    # keeps the SMS in one GSM-7 segment on every handset.
    text = gettext("%(portal)s: sign-in code %(code)s, valid for %(minutes)s minutes.") % {
        "portal": settings.PORTAL_NAME,
        "code": code,
        "minutes": minutes,
    }
    try:
        send_sms(e164, text)
    except SmsError:
        log.exception("sign-in code SMS to %s failed", e164)
        raise DomainError(
            _("The SMS could not be sent; try again in a minute."), CoreError.SMS_FAILED, status=503
        ) from None
    return e164


_VERIFY_ERRORS = {
    CoreError.CODE_EXPIRED: _("The code has expired; ask for a new one."),
    CoreError.TOO_MANY_ATTEMPTS: _("Too many wrong codes; ask for a new one."),
    CoreError.WRONG_CODE: _("The code is not right."),
    CoreError.ACCOUNT_DISABLED: _("This account is disabled."),
    CoreError.STAFF_ACCOUNT: _("This phone belongs to a staff account: sign in with your user name and password."),
}


def login_code_verify(*, phone: str, code: str) -> User:
    """The citizen's account for a correct, unexpired, unused code (created on first sign-in).

    A wrong code is counted in its own committed transaction before the error is raised,
    so failed guesses are never rolled back.
    """
    e164 = _phone_or_error(phone)
    with transaction.atomic():
        error, user = _check_code(e164, code.strip())
    if error is not None:
        status = 403 if error == CoreError.STAFF_ACCOUNT else 400
        raise DomainError(_VERIFY_ERRORS[error], error, field="code", status=status)
    assert user is not None
    return user


def _check_code(e164: str, code: str) -> tuple[CoreError | None, User | None]:
    now = timezone.now()
    login = (
        LoginCode.objects.select_for_update()
        .filter(phone=e164, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at")
        .first()
    )
    if login is None:
        return CoreError.CODE_EXPIRED, None
    if login.attempts >= settings.LOGIN_CODE_MAX_ATTEMPTS:
        return CoreError.TOO_MANY_ATTEMPTS, None
    if not hmac.compare_digest(login.code_hash, _code_hash(e164, code)):
        login.attempts += 1
        login.save(update_fields=["attempts"])
        return CoreError.WRONG_CODE, None
    user = User.objects.filter(phone=e164).first()
    if user is not None and not user.is_active:
        return CoreError.ACCOUNT_DISABLED, None
    if user is not None and (user.role != Role.CITIZEN or user.is_staff or user.is_superuser):
        # A code to the phone proves the phone, not the password and second step that a
        # staff account needs: staff sign in on the staff page only.
        return CoreError.STAFF_ACCOUNT, None
    login.used_at = now
    login.save(update_fields=["used_at"])
    if user is None:
        user = User(username=f"citizen{e164}", phone=e164, role=Role.CITIZEN)
        user.set_unusable_password()
        user.save()
    return None, user


def login_codes_purge() -> int:
    cutoff = timezone.now() - timedelta(days=1)
    deleted, _ = LoginCode.objects.filter(expires_at__lt=cutoff).delete()
    return deleted


def alert_raise(
    *,
    ward_code: int,
    kind: str,
    dedupe_key: str,
    code: str = "",
    params: Mapping[str, Any] | None = None,
    title: str = "",
    body: str = "",
    url: str = "",
    person_id: int | None = None,
    severity: str = AlertSeverity.WARNING,
    unit_kinds: Iterable[str] = (UnitKind.COMMUNE_STATION, UnitKind.HEALTH_CENTRE),
) -> list[Alert]:
    """Put an alert on the list of every unit of ``unit_kinds`` that covers the ward (see
    ``alerts_raise_for``)."""
    units = list(HealthUnit.objects.filter(kind__in=list(unit_kinds), wards__code=ward_code).distinct())
    alerts_raise_for(
        units, kind=kind, dedupe_key=dedupe_key, code=code, params=params, title=title, body=body, url=url,
        ward_code=ward_code, person_id=person_id, severity=severity,
    )  # fmt: skip
    return list(Alert.objects.filter(unit__in=units, dedupe_key=dedupe_key))


def alerts_raise_for(
    units: Iterable[HealthUnit],
    *,
    kind: str,
    dedupe_key: str,
    code: str = "",
    params: Mapping[str, Any] | None = None,
    title: str = "",
    body: str = "",
    url: str = "",
    ward_code: int | None = None,
    person_id: int | None = None,
    severity: str = AlertSeverity.WARNING,
) -> int:
    """Put one alert on the list of each of ``units``; how many are new.

    The same ``dedupe_key`` for the same unit is written once, however often it is raised.
    Its words: a message ``code`` and ``params`` (``truyvet.lib.messages``), shown in each
    reader's language, or a ``title`` and ``body`` in one language for free text.
    """
    params = dict(params or {})
    if code:
        if not registered(code):
            raise ValueError(f"unknown message code {code!r}")
        # As the portal's default language reads it, for the admin and for search.
        title, body = astuple(render(code, params, language=settings.LANGUAGE_CODE))
    before = Alert.objects.filter(dedupe_key=dedupe_key).count()
    Alert.objects.bulk_create(
        [
            Alert(
                unit=unit,
                kind=kind,
                severity=severity,
                code=code,
                params=params,
                title=title[:200],
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
    return Alert.objects.filter(dedupe_key=dedupe_key).count() - before


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


# --- Second factor (TOTP) for staff sign-in ------------------------------------------------

_TWO_FACTOR_ERRORS = {
    CoreError.WRONG_CODE: _("The code is not right, or was already used. Enter the code your app shows now."),
    CoreError.TOO_MANY_ATTEMPTS: _("Too many wrong codes. Wait a minute, then enter the code your app shows."),
    CoreError.ALREADY_ENROLLED: _("Your account already has an authenticator; sign in with its code."),
    CoreError.NO_DEVICE: _("Your account has no authenticator yet."),
}


def _two_factor_error(code: CoreError) -> DomainError:
    status = 429 if code == CoreError.TOO_MANY_ATTEMPTS else 400
    return DomainError(_TWO_FACTOR_ERRORS[code], code, field="code", status=status)


def two_factor_enrolment_device(*, user: User) -> TOTPDevice:
    """The authenticator the user is enrolling: unconfirmed until a code from it is entered.
    The same one (and secret) comes back until then, so a reload does not void a scanned QR."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=str(_("Authenticator app")), confirmed=False)
    return device


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    backup_codes: list[str]  # shown once, on the page that confirms the enrolment


def two_factor_enrolment_confirm(*, request: HttpRequest, user: User, code: str) -> Enrolment:
    """Confirm the enrolling authenticator with a code from it, give the user a fresh set of
    backup codes, and count this sign-in as verified. Wrong codes are counted (and
    throttled) in their own committed transaction."""
    with transaction.atomic():
        error, device = _enrolment_check(request, user, code.strip())
        backup_codes = _backup_codes_replace(request, user) if device is not None else []
    if error is not None:
        raise _two_factor_error(error)
    assert device is not None
    _two_factor_passed(request, device)
    return Enrolment(device=device, backup_codes=backup_codes)


def _enrolment_check(request: HttpRequest, user: User, code: str) -> tuple[CoreError | None, TOTPDevice | None]:
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return CoreError.ALREADY_ENROLLED, None
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        return CoreError.NO_DEVICE, None
    if not device.verify_is_allowed()[0]:
        return CoreError.TOO_MANY_ATTEMPTS, None
    if not device.verify_token(code):
        audit_log(actor=user, action="two_factor_failed", obj=device, request=request, detail={"step": "enrol"})
        return CoreError.WRONG_CODE, None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    audit_log(actor=user, action="two_factor_enrolled", obj=device, request=request)
    return None, device


# Backup codes: ten single-use codes for the day the phone is lost (django-otp's static
# device). Ten letters and digits from an alphabet without look-alikes (no 0/o, 1/l/i).
BACKUP_CODE_COUNT = 10
_BACKUP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _backup_code() -> str:
    return "".join(secrets.choice(_BACKUP_ALPHABET) for _ in range(10))


def backup_code_display(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def _backup_codes_replace(request: HttpRequest, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=str(_("Backup codes")), confirmed=True)
    codes = [_backup_code() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    audit_log(actor=user, action="two_factor_backup_codes_issued", obj=device, request=request)
    return [backup_code_display(code) for code in codes]


def two_factor_backup_codes_issue(*, request: HttpRequest, user: User) -> list[str]:
    """A new set of backup codes for a user with an authenticator; the earlier set stops working."""
    with transaction.atomic():
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise _two_factor_error(CoreError.NO_DEVICE)
        return _backup_codes_replace(request, user)


def two_factor_verify(*, request: HttpRequest, user: User, code: str) -> Device:
    """Check a sign-in code against the user's authenticator (6 digits) or their backup codes
    (a backup code works once), and mark the session verified. Wrong codes are counted (and
    throttled) in their own transaction."""
    code = "".join(code.replace("-", " ").split()).lower()
    with transaction.atomic():
        if len(code) == 6 and code.isdigit():
            error, device = _verify_check(request, user, code)
        else:
            error, device = _backup_code_check(request, user, code)
    if error is not None:
        raise _two_factor_error(error)
    assert device is not None
    _two_factor_passed(request, device)
    return device


def _verify_check(request: HttpRequest, user: User, code: str) -> tuple[CoreError | None, TOTPDevice | None]:
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        return CoreError.NO_DEVICE, None
    if not device.verify_is_allowed()[0]:
        audit_log(actor=user, action="two_factor_throttled", obj=device, request=request)
        return CoreError.TOO_MANY_ATTEMPTS, None
    if not device.verify_token(code):
        audit_log(actor=user, action="two_factor_failed", obj=device, request=request, detail={"step": "verify"})
        return CoreError.WRONG_CODE, None
    audit_log(actor=user, action="two_factor_verified", obj=device, request=request)
    return None, device


def _backup_code_check(request: HttpRequest, user: User, code: str) -> tuple[CoreError | None, StaticDevice | None]:
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return CoreError.NO_DEVICE, None
    device = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if device is None:
        return CoreError.WRONG_CODE, None
    if not device.verify_is_allowed()[0]:
        audit_log(actor=user, action="two_factor_throttled", obj=device, request=request)
        return CoreError.TOO_MANY_ATTEMPTS, None
    if not device.verify_token(code):
        audit_log(actor=user, action="two_factor_failed", obj=device, request=request, detail={"step": "backup"})
        return CoreError.WRONG_CODE, None
    left = device.token_set.count()
    audit_log(actor=user, action="two_factor_backup_code_used", obj=device, request=request, detail={"left": left})
    return None, device


def _two_factor_passed(request: HttpRequest, device: Device) -> None:
    otp_login(request, device)
    request.session[two_factor.STEP_SESSION_KEY] = ""


def signin_failure_record(*, request: HttpRequest | None, username: str, locked_out: bool) -> None:
    """Audit a refused password sign-in (staff or admin page), or a lockout it caused."""
    path = request.path if request is not None else ""
    audit_log(
        actor=None,
        action="signin_locked_out" if locked_out else "signin_failed",
        request=request,
        detail={"username": username[:150], "path": path[:200]},
    )
