"""List, rotate or retire the ES256 keys that sign personal QR tokens."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from truyvet.lib.signing import keyring


class Command(BaseCommand):
    help = "Manage QR signing keys: list (default), rotate (new signing key), retire KID (stop verifying it)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", nargs="?", choices=["list", "rotate", "retire"], default="list")
        parser.add_argument("kid", nargs="?", help="The key to retire (write -- before a kid that starts with -).")

    def handle(self, *args: Any, **options: Any) -> None:
        ring = keyring()
        if options["action"] == "rotate":
            new = ring.rotate()
            self.stdout.write(f"New signing key {new.kid}. Older keys keep verifying until retired.")
        elif options["action"] == "retire":
            if not options["kid"]:
                raise CommandError("Name the kid to retire.")
            try:
                ring.retire(options["kid"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"Retired {options['kid']}: tokens it signed no longer verify.")
        current = ring.current.kid
        for key in ring.all():
            self.stdout.write(f"{key.kid}{'  (signing)' if key.kid == current else ''}")
