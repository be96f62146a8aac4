from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from truyvet.people.models import Person


class RiskLevel(models.TextChoices):
    GREEN = "green", _("Green: low risk")
    YELLOW = "yellow", _("Yellow: needs attention")
    RED = "red", _("Red: high risk")


RISK_ORDER = {RiskLevel.GREEN: 0, RiskLevel.YELLOW: 1, RiskLevel.RED: 2}


class QrCredential(models.Model):
    """The person's current personal QR token: when it was issued, until when, and whether
    staff revoked it (a lost card). Tokens issued at or before ``revoked_at`` are refused.

    The table was created by the declarations app and is kept as it was."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="qr_credential")
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    risk_level = models.CharField(max_length=6, choices=RiskLevel.choices)
    # The declaration that issued the credential, by id. Declarations are a domain app, which
    # the core does not import: their readers join on this column (``declarations.qr``,
    # ``checkpoints.selectors.facts``); a declaration's id is never reused.
    declaration_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "declarations_qrcredential"
        verbose_name = _("personal QR code")
        verbose_name_plural = _("personal QR codes")

    def _set_declaration(self, declaration: models.Model | None) -> None:
        self.declaration_id = None if declaration is None else declaration.pk

    # ``QrCredential(declaration=...)`` takes the issuing declaration itself and keeps its id.
    declaration = property(fset=_set_declaration)
