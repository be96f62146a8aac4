"""The fast form renderer writes exactly what Django's widget templates write."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from truyvet.lib import form_renderer
from truyvet.lib.form_renderer import FastRenderer

CHOICES = [("", "—"), ("1", "Phường Ba Đình"), (2, gettext_lazy("Confirmed")), ("<x>", mark_safe("<b>safe</b>"))]
GROUPED = [("", "All"), ("Hà Nội", [("a", "A & B"), ("b", '"quoted"')]), ("Huế", [("c", "C")])]

WIDGETS: list[tuple[str, forms.Widget, Any]] = [
    ("text", forms.TextInput(attrs={"class": "form-control", "maxlength": 100}), "Nguyễn <Văn> An"),
    ("text, no value", forms.TextInput(attrs={"required": True, "disabled": False}), None),
    ("text, empty value", forms.TextInput(), ""),
    ("number", forms.NumberInput(attrs={"step": "0.1", "min": 35}), 37.5),
    ("date", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), dt.date(2026, 12, 7)),
    ("email", forms.EmailInput(), "a@b.vn"),
    ("hidden", forms.HiddenInput(), 'x"y'),
    ("password", forms.PasswordInput(render_value=True), "s3cret&"),
    ("checkbox, checked", forms.CheckboxInput(attrs={"class": "form-check-input"}), True),
    ("checkbox, unchecked", forms.CheckboxInput(), False),
    ("time", forms.TimeInput(), dt.time(8, 30)),
    ("datetime", forms.DateTimeInput(), dt.datetime(2026, 12, 7, 8, 30)),
    ("textarea", forms.Textarea(attrs={"rows": 3}), "line 1\n<script>alert(1)</script>"),
    ("textarea, empty", forms.Textarea(), ""),
    ("select", forms.Select(attrs={"class": "form-select form-select-sm"}, choices=CHOICES), "1"),
    ("select, int chosen", forms.Select(choices=CHOICES), 2),
    ("select, nothing chosen", forms.Select(choices=CHOICES), None),
    ("select, groups", forms.Select(choices=GROUPED), "b"),
    ("select multiple", forms.SelectMultiple(choices=CHOICES), ["1", "<x>"]),
    ("null boolean", forms.NullBooleanSelect(), True),
]


@pytest.mark.parametrize(("name", "widget", "value"), WIDGETS, ids=[w[0] for w in WIDGETS])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_widget_is_written_exactly_as_djangos_template_writes_it(
    name: str, widget: forms.Widget, value: Any, language: str
) -> None:
    with override(language):
        expected = widget.render("field", value, attrs={"id": "id_field"}, renderer=DjangoTemplates())
        assert widget.render("field", value, attrs={"id": "id_field"}, renderer=FastRenderer()) == expected


def test_a_real_staff_form_renders_the_same_through_both_renderers() -> None:
    from contacts.staff_forms import CaseFilterForm

    class Ward:
        def __init__(self, code: int, name: str) -> None:
            self.code, self.name = code, name

    data = {"q": "An <b>", "classification": "confirmed", "ward": "7", "date_from": "2026-12-01"}
    wards = [Ward(7, "Phường Kim Mã"), Ward(8, "Xã Đông Anh")]
    slow = CaseFilterForm(data, wards=wards, clusters=[], renderer=DjangoTemplates())
    fast = CaseFilterForm(data, wards=wards, clusters=[], renderer=FastRenderer())
    assert [str(f) for f in fast] == [str(f) for f in slow]


def test_a_widget_template_that_is_not_djangos_own_is_rendered_by_the_template(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(form_renderer, "_DJANGO_WIDGETS", form_renderer._DJANGO_WIDGETS.parent / "elsewhere")

    def never(*args: Any) -> str:
        raise AssertionError("the fast path was taken for a template it does not own")

    monkeypatch.setattr(form_renderer, "_input", never)
    monkeypatch.setattr(form_renderer, "_option", never)
    widget = forms.Select(choices=CHOICES)
    assert widget.render("f", "1", renderer=FastRenderer()) == widget.render("f", "1", renderer=DjangoTemplates())
    assert forms.TextInput().render("f", "x", renderer=FastRenderer()) == '<input type="text" name="f" value="x">'
