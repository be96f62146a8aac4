from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from truyvet.lib.errors import DomainError
from truyvet.people.validation import validate_citizen_id, validate_date_of_birth


def code_of(call: object) -> str:
    with pytest.raises(DomainError) as error:
        call()  # type: ignore[operator]
    return error.value.code


@pytest.mark.parametrize(
    ("id_number", "born", "gender"),
    [
        ("012090123456", date(1990, 5, 17), "male"),
        ("001190123456", date(1990, 1, 1), "female"),
        ("079205000001", date(2005, 3, 3), "male"),
        ("096308000001", date(2008, 3, 3), "female"),
        ("0 12 090 123456", date(1990, 5, 17), "male"),
    ],
)
def test_it_accepts_a_citizen_id_consistent_with_birth_year_and_gender(id_number: str, born: date, gender: str) -> None:
    assert validate_citizen_id(id_number, date_of_birth=born, gender=gender) == id_number.replace(" ", "")


@pytest.mark.parametrize("id_number", ["01209012345", "0120901234567", "01209012345a", ""])
def test_it_rejects_an_id_that_is_not_twelve_digits(id_number: str) -> None:
    assert code_of(lambda: validate_citizen_id(id_number, date_of_birth=None, gender="male")) == "id_format"


def test_it_rejects_an_unknown_province_prefix() -> None:
    assert code_of(lambda: validate_citizen_id("099090123456", date_of_birth=None, gender="")) == "id_province"


def test_it_rejects_a_gender_digit_that_disagrees() -> None:
    assert (
        code_of(lambda: validate_citizen_id("012190123456", date_of_birth=date(1990, 5, 17), gender="male"))
        == "id_gender"
    )


def test_it_rejects_a_century_that_disagrees_with_the_birth_year() -> None:
    assert (
        code_of(lambda: validate_citizen_id("012290123456", date_of_birth=date(1990, 5, 17), gender="male"))
        == "id_birth_year"
    )


def test_it_rejects_birth_year_digits_that_disagree() -> None:
    assert (
        code_of(lambda: validate_citizen_id("012091123456", date_of_birth=date(1990, 5, 17), gender="male"))
        == "id_birth_year"
    )


def test_other_gender_skips_the_gender_digit_check() -> None:
    assert validate_citizen_id("012190123456", date_of_birth=date(1990, 5, 17), gender="other")


def test_a_date_of_birth_in_the_future_is_refused() -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert code_of(lambda: validate_date_of_birth(tomorrow)) == "dob_future"


def test_a_date_of_birth_130_years_ago_is_refused() -> None:
    assert code_of(lambda: validate_date_of_birth(date(timezone.localdate().year - 130, 1, 1))) == "dob_too_old"
