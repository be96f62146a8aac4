"""Form widgets that render in Python what Django's templates render.

Django renders each ``<option>`` of a ``<select>`` through two template includes; a filter bar's
ward list (a province's wards) cost milliseconds a page, on pages staff open all day
(docs/BENCHMARKS.md, "Peak: the cost of each request"). ``PlainSelect`` writes the same HTML
in Python; tests compare it with Django's own rendering.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html: `` name="value"``, a bare name for True, nothing for False."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {conditional_escape(name)}")
        if value is not True:
            out.append(f'="{conditional_escape(str(value))}"')
    return "".join(out)


class PlainSelect(forms.Select):
    """``forms.Select`` with the same HTML, written without the template engine (a single
    choice without groups; anything else is rendered by Django)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        groups = widget["optgroups"]
        if self.allow_multiple_selected or any(group_name for group_name, _options, _index in groups):
            return super().render(name, value, attrs, renderer)
        html = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for _group, options, _index in groups:
            for option in options:
                html.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
                    f"{conditional_escape(option['label'])}</option>\n"
                )
        html.append("\n</select>")
        return mark_safe("".join(html))  # noqa: S308 (every value above is escaped)
