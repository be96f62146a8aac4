"""The errors tracing answers: one code per reason, each with its words.

The code is what the API answers (``code`` of the error envelope, docs/API.md) and what a
page's form uses to place the message; clients depend on the strings, so they never
change. The label says the reason in a few words, in the reader's language; the detail of
each error (the sentence a form shows) is written where it is raised.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from truyvet.lib.errors import DomainError, ErrorCode


class ContactsError(ErrorCode):
    # Cases (contacts.services)
    NAIVE_DATETIME = "naive_datetime", _("a time given without its UTC offset")
    IN_FUTURE = "in_future", _("a date or time still to come")
    INVALID_CHOICE = "invalid_choice", _("a choice that is not offered")
    REQUIRED = "required", _("a needed value is missing")
    SAMPLE_AFTER_CONFIRMATION = "sample_after_confirmation", _("the sample is dated after the confirmation")
    ISOLATION_TOO_EARLY = "isolation_too_early", _("the isolation is long before the onset")
    ISOLATION_ORDER = "isolation_order", _("the isolation ends before it starts")
    CASE_EXISTS = "case_exists", _("the person already has an open case")
    NOT_CONFIRMED = "not_confirmed", _("only a confirmed case is matched")
    PERSON_OUTSIDE_AREA = "person_outside_area", _("the person lives outside your area")
    # Lab results and typed-in contacts
    RESULT_BEFORE_SAMPLE = "result_before_sample", _("the result is dated before the sample")
    NAME_REQUIRED = "name_required", _("the contact's name is missing")
    INVALID_PHONE = "invalid_phone", _("the phone is not a Vietnamese mobile number")
    IDENTITY_REQUIRED = "identity_required", _("neither the contact's citizen id nor phone")
    WARD_REQUIRED = "ward_required", _("the ward of residence is missing")
    UNKNOWN_SOURCE = "unknown_source", _("the source is neither the case nor one of its contacts")
    SELF_CONTACT = "self_contact", _("a person named as their own contact")
    # Follow-up
    BEFORE_FOLLOW_UP = "before_follow_up", _("a day before the follow-up began")
    TEMPERATURE_RANGE = "temperature_range", _("an implausible body temperature")
    FOLLOW_UP_ENDED = "follow_up_ended", _("the follow-up has ended")
    # Merging two people
    BOTH_OPEN_CASES = "both_open_cases", _("both people have an open case")
    # The API
    NOT_FOUND = "not_found", _("not found in your area")
    INVALID = "invalid", _("some of what was sent is not valid")
    # Bluetooth uploads (contacts.services.proximity, contacts.proximity_api)
    CASE_NOT_CONFIRMED = "case_not_confirmed", _("an upload code is only for a confirmed case")
    TOO_MANY = "too_many", _("too many contacts in one upload")
    TOO_LARGE = "too_large", _("the contact log is too large")
    DEVICE_UNKNOWN = "device_unknown", _("the phone is not registered")
    DEVICE_MISMATCH = "device_mismatch", _("the upload code was given to someone else")
    UPLOAD_CODE_INVALID = "upload_code_invalid", _("the upload code is not valid")
    UPLOAD_CODE_USED = "upload_code_used", _("the upload code was already used")
    UPLOAD_CODE_EXPIRED = "upload_code_expired", _("the upload code has expired")


class NotInJurisdiction(DomainError, Http404):
    """Nobody (or nothing) of this id that the user may see: ``not_found``, 404.

    Both a ``DomainError`` (the API answers the error envelope with its detail) and an
    ``Http404`` (a page answers its not-found page), so one selector serves both."""

    def __init__(self, detail: Any) -> None:
        super().__init__(detail, ContactsError.NOT_FOUND, status=404)


class CaseExists(DomainError):
    """The person already has an open case: ``case_exists``, 409. ``person_id`` says whose,
    so that a page can link to that case when the user may see it."""

    def __init__(self, detail: Any, *, person_id: int) -> None:
        super().__init__(detail, ContactsError.CASE_EXISTS, status=409)
        self.person_id = person_id
