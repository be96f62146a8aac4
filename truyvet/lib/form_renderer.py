"""Form widgets rendered in Python where Django's own templates would be used.

Django renders every widget through the template engine: a ``<select>`` of 40 wards is 40
template includes, and the widgets of a staff page were a quarter of its CPU. ``FastRenderer``
(``FORM_RENDERER``) writes the same HTML as Django's ``select.html``, ``select_option.html``,
``input.html`` (and the templates that only include it) and ``textarea.html``, byte for byte
(``tests/test_form_renderer.py`` compares both on every widget the portal uses). A template that
a project or app overrides is found first by the engine, so it is never bypassed: the fast path
is taken only for a template whose origin is Django's own file. Everything else (radio and
checkbox lists, multi-widgets, forms and fields) goes through the templates as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import django
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in the stubs

_DJANGO_WIDGETS = Path(django.__file__).resolve().parent / "forms" / "templates" / "django" / "forms" / "widgets"
_INPUT = "django/forms/widgets/input.html"
_INPUT_ALIASES = {
    f"django/forms/widgets/{name}.html"
    for name in (
        "checkbox",
        "color",
        "date",
        "datetime",
        "email",
        "file",
        "hidden",
        "number",
        "password",
        "search",
        "tel",
        "text",
        "time",
        "url",
    )
}
_SELECT = "django/forms/widgets/select.html"
_OPTION = "django/forms/widgets/select_option.html"
_TEXTAREA = "django/forms/widgets/textarea.html"
_FAST = {_INPUT, _SELECT, _OPTION, _TEXTAREA, *_INPUT_ALIASES}


def _text(value: Any) -> str:
    """``{{ value }}``: localized, then escaped unless already safe."""
    return str(conditional_escape(localize(template_localtime(value))))


def _string(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: ``str`` of the value, escaped unless already safe."""
    return str(conditional_escape(value if hasattr(value, "__html__") else str(value)))


def _attrs(attrs: dict[str, Any]) -> str:
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_string(value)}"')
    return "".join(parts)


def _input(widget: dict[str, Any]) -> str:
    value = "" if widget["value"] is None else f' value="{_string(widget["value"])}"'
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _option(option: dict[str, Any]) -> str:
    return f'<option value="{_string(option["value"])}"{_attrs(option["attrs"])}>{_text(option["label"])}</option>'


def _textarea(widget: dict[str, Any]) -> str:
    value = _text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


class FastRenderer(DjangoTemplates):
    """Django's template renderer, with the common widgets written directly."""

    def __init__(self) -> None:
        super().__init__()
        self._own: dict[str, bool] = {}

    def _is_djangos(self, template_name: str) -> bool:
        """Whether the engine would use Django's own file for this name (not an override)."""
        own = self._own.get(template_name)
        if own is None:
            origin = Path(self.get_template(template_name).origin.name).resolve()
            own = self._own[template_name] = origin.parent == _DJANGO_WIDGETS
        return own

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name in _FAST and self._is_djangos(template_name):
            widget = context["widget"]
            if template_name == _SELECT:
                html = self._select(widget)
                if html is not None:
                    return html
            elif template_name == _TEXTAREA:
                return _textarea(widget)
            elif template_name == _OPTION:
                return _option(widget)
            elif template_name == _INPUT or self._is_djangos(_INPUT):
                return _input(widget)
        return super().render(template_name, context, request=request)

    def _select(self, widget: dict[str, Any]) -> str | None:
        lines = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                lines.append(f'\n  <optgroup label="{_text(group_name)}">')
            for option in group_choices:
                if option["template_name"] != _OPTION or not self._is_djangos(_OPTION):
                    return None  # a widget of its own option template: Django renders it
                lines.append(f"\n  {_option(option)}\n")  # the included file's own newline
            if group_name:
                lines.append("\n  </optgroup>")
        lines.append("\n</select>")
        return "".join(lines)
