"""``PlainSelect`` writes exactly what Django's ``Select`` renders through its templates."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.utils.translation import gettext_lazy, override

from truyvet.lib.widgets import PlainSelect

CHOICES: list[tuple[Any, Any]] = [
    ("", gettext_lazy("All")),
    ("1", "Phường Tân Phong"),
    (2, 'Xã "Bản" <Lả> & co'),
    ("x y", 7),
]


@pytest.mark.parametrize("value", [None, "", "1", 2, "2", "x y", "missing", ["1"]])
@pytest.mark.parametrize(
    "attrs",
    [None, {"id": "id_ward"}, {"id": "id_ward", "required": True, "disabled": False, "data-x": 'a"b<c>'}],
)
def test_it_renders_what_djangos_select_renders(value: Any, attrs: dict[str, Any] | None) -> None:
    ours = PlainSelect(attrs={"class": "form-select form-select-sm"}, choices=CHOICES)
    django = forms.Select(attrs={"class": "form-select form-select-sm"}, choices=CHOICES)
    for language in ("vi", "en"):
        with override(language):
            assert ours.render("ward", value, attrs) == django.render("ward", value, attrs)


def test_grouped_choices_are_left_to_django() -> None:
    choices = [("Lai Châu", [("1", "Tân Phong")]), ("2", "Khác")]
    ours, django = PlainSelect(choices=choices), forms.Select(choices=choices)
    assert ours.render("ward", "1") == django.render("ward", "1")


def test_a_form_field_shows_the_same_select_with_its_label_id_and_bound_value() -> None:
    class Filter(forms.Form):
        ward = forms.TypedChoiceField(coerce=int, required=False, choices=CHOICES, widget=PlainSelect)

    class Plain(forms.Form):
        ward = forms.TypedChoiceField(coerce=int, required=False, choices=CHOICES)

    assert str(Filter({"ward": "2"})["ward"]) == str(Plain({"ward": "2"})["ward"])
    assert str(Filter()["ward"]) == str(Plain()["ward"])
