"""Send the tasks the outbox holds to Celery, in a loop (``bin/up``, ``docker-compose.yml``)."""

from __future__ import annotations

import signal
import threading
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from truyvet.lib import outbox


class Command(BaseCommand):
    help = "Relay queued tasks from the outbox table to the Celery broker; --once: one pass, then exit."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--once", action="store_true", help="Send what is due once and exit.")
        parser.add_argument(
            "--interval",
            type=float,
            default=settings.OUTBOX_RELAY_INTERVAL_SECONDS,
            help="Seconds to wait when there was nothing to send (default OUTBOX_RELAY_INTERVAL_SECONDS).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = threading.Event()

        def stop(signum: int, frame: FrameType | None) -> None:
            stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        outbox.run_relay(interval=options["interval"], once=options["once"], stop=stopping)
        if options["once"]:
            figures = outbox.backlog()
            self.stdout.write(f"{figures.pending} pending")
