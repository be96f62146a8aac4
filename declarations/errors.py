"""Why a declaration is refused: the codes of declarations' own rules, each with its words.

The code is what the API answers (``code`` of the error envelope, docs/API.md); the label
says it in the reader's language. A refusal the core already has a code for (an unknown
ward or country, a required field, a bad personal QR code) is raised with the core's
member (``truyvet.lib.error_codes.CoreError``), so one code keeps one meaning.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from truyvet.lib.errors import ErrorCode


class DeclarationError(ErrorCode):
    UNKNOWN_KIND = "unknown_kind", _("unknown kind of declaration")
    UNKNOWN_SYMPTOM = "unknown_symptom", _("unknown symptom")
    WARD_REQUIRED = "ward_required", _("the ward of residence is missing")
    ENTRY_REQUIRED = "entry_required", _("the entry details are missing")
    DOMESTIC_REQUIRED = "domestic_required", _("the travel details are missing")
    UNKNOWN_VEHICLE_TYPE = "unknown_vehicle_type", _("unknown vehicle type")
    TOKEN_REQUIRED = "token_required", _("no QR code to verify")
