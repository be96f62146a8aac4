"""Stored messages in the reader's language: a code and its parameters, not words.

An alert, an inbox notice or an SMS is stored as a message code (``"contacts.exposure"``)
and its parameters (``{"level": 1, "until": "20/12/2026"}``); the words are the code's
gettext templates, filled in the language of whoever reads them: the page's language on
the web, the recipient's preferred language for an SMS or an email. Each app declares its
codes in its own ``messages.py`` (loaded when the project starts, as Django loads
``admin.py``) with ``register``; ``prepare`` turns stored parameters that are codes (a
risk level, a list of reasons) into words, in the active language.

Rows written before codes existed have no code: their title and body are shown as stored,
except the old "Vietnamese / English" texts, which the data migrations turned into the
``LEGACY`` code with both halves as parameters, so each reader sees their half.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise

Prepare = Callable[[Mapping[str, Any]], Mapping[str, Any]]

# Old texts written as "Vietnamese / English": {"title": {"vi": .., "en": ..}, "body": {...}}.
LEGACY = "legacy"


@dataclass(frozen=True)
class Message:
    code: str
    title: str | Promise
    body: str | Promise = ""
    prepare: Prepare | None = None


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str

    def __str__(self) -> str:
        return self.title


_REGISTRY: dict[str, Message] = {}


def register(code: str, *, title: str | Promise, body: str | Promise = "", prepare: Prepare | None = None) -> str:
    """Declare a message code (once; a second, different declaration is a bug). Returns the code."""
    message = Message(code=code, title=title, body=body, prepare=prepare)
    known = _REGISTRY.get(code)
    if known is not None and known != message:
        raise ValueError(f"message code {code!r} is declared twice")
    _REGISTRY[code] = message
    return code


def registered(code: str) -> bool:
    return code in _REGISTRY


def _fill(template: str | Promise, params: Mapping[str, Any]) -> str:
    text = str(template)
    if not text:
        return ""
    try:
        return text % params
    except (KeyError, TypeError, ValueError):
        # A parameter missing from an old row: the template's words rather than a 500.
        return text


def _half(parts: Any, language: str) -> str:
    if not isinstance(parts, Mapping):
        return str(parts or "")
    return str(parts.get(language) or parts.get(settings.LANGUAGE_CODE) or next(iter(parts.values()), ""))


def render(
    code: str, params: Mapping[str, Any] | None, *, title: str = "", body: str = "", language: str | None = None
) -> Rendered:
    """The words of a stored message in ``language`` (the active language when None).
    ``title`` and ``body`` are the row's stored text, shown for rows without a known code."""
    params = params or {}
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        active = translation.get_language() or settings.LANGUAGE_CODE
        if code == LEGACY:
            return Rendered(_half(params.get("title"), active) or title, _half(params.get("body"), active))
        message = _REGISTRY.get(code)
        if message is None:
            return Rendered(title, body)
        shown = {**params, **message.prepare(params)} if message.prepare else dict(params)
        return Rendered(_fill(message.title, shown), _fill(message.body, shown))


def split_glued(text: str) -> dict[str, str] | None:
    """An old "Vietnamese / English" text as its two halves; None for a text in one language."""
    vi, sep, en = text.partition(" / ")
    if not sep or not vi.strip() or not en.strip():
        return None
    return {"vi": vi.strip(), "en": en.strip()}


def legacy_params(title: str, body: str) -> dict[str, Any] | None:
    """The ``LEGACY`` parameters of an old row whose title or body is glued, else None."""
    title_parts, body_parts = split_glued(title), split_glued(body)
    if title_parts is None and body_parts is None:
        return None
    return {"title": title_parts or title, "body": body_parts or body}


def language_or_default(language: str | None) -> str:
    """``language`` if the portal speaks it, else the portal's default."""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def load_app_messages() -> None:
    """Import every installed app's ``messages`` module, so its codes are declared."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("messages")
