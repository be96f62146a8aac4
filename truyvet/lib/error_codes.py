"""The core's error codes: those the API answers whatever the app (the envelope of
``truyvet.lib.drf`` and ``truyvet.lib.middleware``, a body refused by ``truyvet.lib.schema``),
and those raised in ``truyvet.lib``, ``geo``, ``people``, ``accounts`` and ``credentials``.

A domain app raises a code of its own from its ``errors.py``; a code the core already
answers (``unknown_ward``, ``invalid_phone``, ``not_found``...) it raises with the member
here, so that one code has one meaning and one label. The strings are the API's: clients
depend on them, never change one.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from truyvet.lib.errors import ErrorCode


class CoreError(ErrorCode):
    # The envelope: what any endpoint may answer.
    INVALID = "invalid", _("the input is not valid")
    REQUIRED = "required", _("a required field is missing")
    MALFORMED_REQUEST = "malformed_request", _("the request could not be read")
    BAD_REQUEST = "bad_request", _("the request is not valid")
    NOT_AUTHENTICATED = "not_authenticated", _("sign-in is required")
    AUTHENTICATION_FAILED = "authentication_failed", _("the sign-in details are not valid")
    TWO_FACTOR_REQUIRED = "two_factor_required", _("the sign-in is not confirmed with the authenticator code")
    PERMISSION_DENIED = "permission_denied", _("not allowed for this account")
    FORBIDDEN = "forbidden", _("not allowed for this account's role")
    NOT_FOUND = "not_found", _("not found")
    METHOD_NOT_ALLOWED = "method_not_allowed", _("this method is not allowed here")
    NOT_ACCEPTABLE = "not_acceptable", _("no answer in the format asked for")
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", _("the body's format is not supported")
    TOO_LARGE = "too_large", _("the request is too large")
    RATE_LIMITED = "rate_limited", _("too many requests")
    SERVER_ERROR = "server_error", _("a server error occurred")
    SERVICE_UNAVAILABLE = "service_unavailable", _("the service is unavailable for a moment; try again shortly")
    ERROR = "error", _("the request failed")
    # Text, dates and times (truyvet.lib).
    INVALID_CHARACTERS = "invalid_characters", _("the text holds characters that are not allowed")
    TIME_WITHOUT_OFFSET = "time_without_offset", _("the time has no UTC offset")
    TOO_EARLY = "too_early", _("the date is too long ago")
    IN_FUTURE = "in_future", _("the date is in the future")
    # Places (truyvet.geo).
    UNKNOWN_WARD = "unknown_ward", _("unknown commune or ward")
    UNKNOWN_PROVINCE = "unknown_province", _("unknown province")
    ZONE_EMPTY = "zone_empty", _("the outbreak zone has no area")
    ZONE_PERIOD = "zone_period", _("the outbreak zone ends before it starts")
    # People (truyvet.people).
    NAME_REQUIRED = "name_required", _("the name is missing")
    IDENTITY_REQUIRED = "identity_required", _("no citizen id or passport number")
    ID_FORMAT = "id_format", _("a citizen id has 12 digits")
    ID_PROVINCE = "id_province", _("the citizen id's province code is wrong")
    ID_GENDER = "id_gender", _("the citizen id does not match the gender")
    ID_BIRTH_YEAR = "id_birth_year", _("the citizen id does not match the year of birth")
    PASSPORT_FORMAT = "passport_format", _("the passport number is not valid")
    UNKNOWN_COUNTRY = "unknown_country", _("unknown country")
    DOB_FUTURE = "dob_future", _("the date of birth is in the future")
    DOB_TOO_OLD = "dob_too_old", _("the date of birth is too long ago")
    DATE_FUTURE = "date_future", _("the date is after today")
    SAME_PERSON = "same_person", _("the two records are the same person")
    MERGE_CONFLICT = "merge_conflict", _("the records' data conflict")
    # Sign-in (truyvet.accounts).
    INVALID_PHONE = "invalid_phone", _("not a Vietnamese mobile number")
    TOO_MANY_CODES = "too_many_codes", _("too many sign-in codes asked for")
    SMS_FAILED = "sms_failed", _("the SMS could not be sent")
    CODE_EXPIRED = "code_expired", _("the sign-in code has expired")
    WRONG_CODE = "wrong_code", _("the code is not right")
    TOO_MANY_ATTEMPTS = "too_many_attempts", _("too many wrong codes")
    ACCOUNT_DISABLED = "account_disabled", _("the account is disabled")
    STAFF_ACCOUNT = "staff_account", _("a staff account signs in with its password")
    ALREADY_ENROLLED = "already_enrolled", _("an authenticator is already set up")
    NO_DEVICE = "no_device", _("no authenticator is set up")
    # The personal QR code (truyvet.credentials): ``token_`` and the reason of the TokenError.
    TOKEN_MALFORMED = "token_malformed", _("not a personal QR code")
    TOKEN_BAD_SIGNATURE = "token_bad_signature", _("the personal QR code is not genuine")
    TOKEN_EXPIRED = "token_expired", _("the personal QR code had expired")
    TOKEN_UNKNOWN = "token_unknown", _("nobody holds this QR code")
    TOKEN_REVOKED = "token_revoked", _("the personal QR code was withdrawn")
    # Uploaded files (truyvet.lib.storage).
    STORAGE_FULL = "storage_full", _("the server has no room left for files")
