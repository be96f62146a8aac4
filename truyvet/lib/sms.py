"""Pluggable SMS backends, chosen by ``SMS_BACKEND`` (like Django's email backends).

- ``ConsoleBackend``: logs the message (development default);
- ``FileBackend``: appends one JSON line per message to ``SMS_FILE_PATH``/sms-YYYY-MM-DD.jsonl;
- ``LocmemBackend``: keeps messages in ``outbox`` (tests);
- ``HttpGatewayBackend``: POSTs ``{"to", "from", "text"}`` as JSON to ``SMS_GATEWAY_URL``
  with ``Authorization: Bearer SMS_GATEWAY_TOKEN`` (adapt to the province's provider).
"""

from __future__ import annotations

import json
import logging
import urllib.request
from functools import cache

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class SmsError(Exception):
    pass


class BaseBackend:
    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def send(self, phone: str, text: str) -> None:
        log.warning("SMS to %s: %s", phone, text)


class FileBackend(BaseBackend):
    def send(self, phone: str, text: str) -> None:
        directory = settings.SMS_FILE_PATH
        directory.mkdir(parents=True, exist_ok=True)
        now = timezone.localtime()
        with open(directory / f"sms-{now:%Y-%m-%d}.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"at": now.isoformat(), "to": phone, "text": text}, ensure_ascii=False) + "\n")


outbox: list[dict[str, str]] = []


class LocmemBackend(BaseBackend):
    def send(self, phone: str, text: str) -> None:
        outbox.append({"to": phone, "text": text})


class HttpGatewayBackend(BaseBackend):
    def send(self, phone: str, text: str) -> None:
        if not settings.SMS_GATEWAY_URL:
            raise SmsError("SMS_GATEWAY_URL is not set")
        body = json.dumps({"to": phone, "from": settings.SMS_SENDER, "text": text}).encode()
        request = urllib.request.Request(  # noqa: S310 (the URL is the operator's own setting)
            settings.SMS_GATEWAY_URL,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                if not 200 <= response.status < 300:
                    raise SmsError(f"gateway answered {response.status}")
        except OSError as exc:
            raise SmsError(str(exc)) from exc


@cache
def _backend(path: str) -> BaseBackend:
    backend: BaseBackend = import_string(path)()
    return backend


def send_sms(phone: str, text: str) -> None:
    _backend(settings.SMS_BACKEND).send(phone, text)
