"""Checks a Vietnamese clerk would make on identity data.

The 12-digit citizen id (căn cước công dân, Circular 07/2016/TT-BCA and its successors):
digits 1-3 are the province of birth registration (the pre-2025 codes 001-096), digit 4
encodes century and gender (0/1: 1900s male/female, 2/3: 2000s, 4/5: 2100s, 6/7: 2200s,
8/9: 1800s), digits 5-6 are the last two digits of the birth year, digits 7-12 random.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError

# The 63 province codes in force when ids were issued (001 Hà Nội ... 096 Cà Mau).
ID_PROVINCE_CODES = frozenset(
    {
        1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37, 38,
        40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77, 79, 80,
        82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
    }
)  # fmt: skip
_CENTURY_BASE = {0: 1900, 1: 1900, 2: 2000, 3: 2000, 4: 2100, 5: 2100, 6: 2200, 7: 2200, 8: 1800, 9: 1800}
OLDEST_AGE = 125


def validate_citizen_id(id_number: str, *, date_of_birth: date | None, gender: str) -> str:
    """The cleaned id, or a DomainError that says which part disagrees."""
    # NFC first, then ASCII digits only: str.isdigit alone takes '０' (full width), '٣' and
    # a digit followed by a combining mark that NFC cannot fold.
    cleaned = unicodedata.normalize("NFC", id_number or "").replace(" ", "").strip()
    if len(cleaned) != 12 or not cleaned.isascii() or not cleaned.isdigit():
        raise DomainError(_("A citizen id has exactly 12 digits."), CoreError.ID_FORMAT, field="id_number")
    if int(cleaned[:3]) not in ID_PROVINCE_CODES:
        raise DomainError(
            _("The first three digits are not a province code."), CoreError.ID_PROVINCE, field="id_number"
        )
    digit = int(cleaned[3])
    if gender in {"male", "female"} and (digit % 2 == 1) != (gender == "female"):
        raise DomainError(
            _("The fourth digit of the citizen id does not match the gender."), CoreError.ID_GENDER, field="id_number"
        )
    if date_of_birth is not None:
        year = _CENTURY_BASE[digit] + int(cleaned[4:6])
        if year != date_of_birth.year:
            raise DomainError(
                _("The citizen id does not match the year of birth."), CoreError.ID_BIRTH_YEAR, field="id_number"
            )
    return cleaned


def validate_date_of_birth(value: date) -> date:
    today = timezone.localdate()
    if value > today:
        raise DomainError(_("The date of birth is in the future."), CoreError.DOB_FUTURE, field="date_of_birth")
    if value.year < today.year - OLDEST_AGE:
        raise DomainError(_("The date of birth is too long ago."), CoreError.DOB_TOO_OLD, field="date_of_birth")
    return value


def validate_not_future(value: date, field: str) -> date:
    if value > timezone.localdate():
        raise DomainError(_("This date is in the future."), CoreError.DATE_FUTURE, field=field)
    return value
