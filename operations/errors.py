"""Errors a person can cause on the operations pages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from truyvet.lib.errors import ErrorCode


class OperationsError(ErrorCode):
    NOT_A_PDF = "not_a_pdf", _("the file is not a PDF")
    FILE_TOO_LARGE = "file_too_large", _("the file is too large")
    DUPLICATE_NUMBER = "duplicate_number", _("a directive with this number exists")
    MORE_THAN_TOTAL = "more_than_total", _("more in use than there are")
    NOT_YOUR_AGENCY = "not_your_agency", _("this agency is not yours")
    WRONG_PLACE_KIND = "wrong_place_kind", _("your agency does not run this kind of place")
    FUTURE_DAY = "future_day", _("the day has not come yet")
