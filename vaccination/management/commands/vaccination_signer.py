"""The document signer of EU Digital COVID Certificates.

    manage.py vaccination_signer show      # the current signer and the trust list
    manage.py vaccination_signer rotate    # a new CSCA and DSC; earlier DSCs keep verifying
    manage.py vaccination_signer csca      # print the current CSCA certificate (PEM)

To sign with the ministry's keys instead, set VACCINATION_DSC_CERTIFICATE_PEM and
VACCINATION_DSC_PRIVATE_KEY_PEM (docs/VACCINATION.md).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from vaccination.certificates import current_dsc, trust_list
from vaccination.models import DocumentSigner
from vaccination.services import signer_ensure, signer_rotate


class Command(BaseCommand):
    help = "Show or rotate the document signer certificate of EU Digital COVID Certificates."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["show", "rotate", "csca"], nargs="?", default="show")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "rotate":
            signer = signer_rotate()
            self.stdout.write(f"new signer {signer.kid}, valid until {signer.not_after:%Y-%m-%d}")
            return
        if action == "csca":
            self.stdout.write(signer_ensure().csca_pem)
            return
        current = current_dsc()
        self.stdout.write(f"signing: {current['kid']}")
        for item in trust_list():
            row = DocumentSigner.objects.filter(kid=item["kid"]).first()
            until = f" until {row.not_after:%Y-%m-%d}" if row else " (configured)"
            self.stdout.write(f"trusted: {item['kid']}{until}")
