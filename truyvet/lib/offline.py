"""Pages that open with no network: the service worker they share (static/js/offline-sw.js),
served with each page's settings. The checkpoint scanner (checkpoints/views/scanner.py) and
the vaccination site's offline recording (vaccination/offline_views.py) use it; the
IndexedDB queue their pages share is static/js/offline-queue.js.

A worker is served from the folder it controls (its scope), with ``no-cache`` so that the
browser checks it at each visit, and its ``version`` changes whenever a file of its shell
or the worker itself changes, so that tablets fetch the new files."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.templatetags.static import static
from django.utils.functional import Promise as StrPromise
from django.utils.html import escape

WORKER_SOURCE = "js/offline-sw.js"


@dataclass(frozen=True)
class OfflinePages:
    """One set of offline pages: the static files the pages load (``shell``), the files
    only some tablets need (``optional``, by a name the worker remembers), the folder the
    worker controls (``scope``) and the prefix of its caches' names (``cache``); the paths
    of the pages it keeps (``page_pattern``, a regular expression) and of other GETs it
    keeps like a page (``kept_pattern``)."""

    scope: str
    cache: str
    shell: Sequence[str]
    page_pattern: str
    optional: Mapping[str, str] = field(default_factory=dict)
    kept_pattern: str = ""

    def shell_version(self, urls: Sequence[str], source: str) -> str:
        """Changes whenever a file of the shell or the worker changes: hashed names in
        production, modification times on a laptop."""
        digest = hashlib.blake2b(digest_size=8)
        digest.update(source.encode())
        for name, url in zip([*self.shell, *self.optional.values()], urls, strict=True):
            digest.update(url.encode())
            found = finders.find(name)
            if isinstance(found, str):
                stat = os.stat(found)
                digest.update(f"{stat.st_mtime_ns}:{stat.st_size}".encode())
        return digest.hexdigest()

    def worker(
        self, *, data: Sequence[str], pages: Sequence[str], offline_text: str | StrPromise, banner: str
    ) -> HttpResponse:
        """The service worker, with its settings above the shared source. Public: it holds
        no data, and the browser fetches it on its own schedule."""
        urls = [static(name) for name in self.shell]
        optional = {key: static(name) for key, name in self.optional.items()}
        source = worker_source()
        config: dict[str, Any] = {
            "version": self.shell_version([*urls, *optional.values()], source),
            "cache": self.cache,
            "shell": urls,
            "optional": optional,
            "scope": self.scope,
            "data": list(data),
            "pages": list(pages),
            "page_pattern": self.page_pattern,
            "kept_pattern": self.kept_pattern,
            "offline_text": str(escape(offline_text)),
        }
        body = f"/* {banner} */\nself.TRUYVET_SW = {json.dumps(config)};\n{source}"
        response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
        response["Service-Worker-Allowed"] = self.scope
        response["Cache-Control"] = "no-cache"
        return response


def worker_source() -> str:
    found = finders.find(WORKER_SOURCE)
    if isinstance(found, str):
        with open(found, encoding="utf-8") as source:
            return source.read()
    from django.contrib.staticfiles.storage import staticfiles_storage

    with staticfiles_storage.open(WORKER_SOURCE) as stored:
        return stored.read().decode()
