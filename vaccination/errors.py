"""Why a dose, a certificate or a verification is refused: one code per reason, each with
its words (the page shows them; the API answers the code)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from truyvet.lib.errors import ErrorCode


class VaccinationError(ErrorCode):
    UNKNOWN_PRODUCT = "unknown_product", _("not a vaccine product of the EU value set")
    UNKNOWN_MANUFACTURER = "unknown_manufacturer", _("not a marketing authorisation holder of the EU value set")
    UNKNOWN_PROPHYLAXIS = "unknown_prophylaxis", _("not a vaccine type of the EU value set")
    UNKNOWN_SITE = "unknown_site", _("no vaccination site of yours has this number")
    UNKNOWN_PERSON = "unknown_person", _("nobody known to the portal has this number")
    BAD_DOSE_NUMBER = "bad_dose_number", _("the dose number and the series total must be between 1 and 9")
    DATE_IN_FUTURE = "date_in_future", _("the date of vaccination is in the future")
    BEFORE_BIRTH = "before_birth", _("the date of vaccination is before the person's birth")
    DUPLICATE_DOSE = "duplicate_dose", _("this dose is already recorded")
    TOO_SOON = "too_soon", _("too few days since the previous dose")
    LOT_EXPIRED = "lot_expired", _("the lot had expired on the day of vaccination")
    CLIENT_ID_REUSED = "client_id_reused", _("this client id was used for another dose")
    UNKNOWN_OUTCOME = "unknown_outcome", _("not an outcome of the screening")
    DOSE_REQUIRED = "dose_required", _("to vaccinate, say which vaccine was given")
    UNKNOWN_CODE = "unknown_code", _("no person has this QR code or citizen id number")
    NO_DOSES = "no_doses", _("no dose is recorded for this person")
    NO_SIGNER = "no_signer", _("no document signer certificate can sign today")
    BAD_PREFIX = "bad_prefix", _("not an EU Digital COVID Certificate (no HC1: prefix)")
    BAD_BASE45 = "bad_base45", _("the certificate is not valid Base45")
    BAD_COMPRESSION = "bad_compression", _("the certificate is not valid zlib data")
    BAD_COSE = "bad_cose", _("the certificate is not a valid COSE_Sign1 message")
    BAD_CWT = "bad_cwt", _("the certificate's payload is not a valid health certificate")
    NOT_DCC_SCHEMA = "not_dcc_schema", _("the certificate does not follow the EU DCC schema (one entry of one kind)")
    WRONG_KEY_USAGE = "wrong_key_usage", _("the signing certificate may not sign this kind of certificate")
    UNKNOWN_KID = "unknown_kid", _("the certificate was signed by a key this portal does not trust")
    BAD_SIGNATURE = "bad_signature", _("the certificate's signature is not valid")
    EXPIRED = "expired", _("the certificate has expired")
    NOT_YET_VALID = "not_yet_valid", _("the certificate is not valid yet")
    DOSES_REQUIRED = "doses_required", _("send the doses as a list under doses")
    DOSES_BATCH_TOO_LARGE = "doses_batch_too_large", _("too many doses in one batch")


class ReactionError(ErrorCode):
    """Why a report of a reaction after vaccination is refused (the DHIS2 AEFI package's rules)."""

    NO_REACTION = "no_reaction", _("tick at least one reaction")
    UNKNOWN_REACTION = "unknown_reaction", _("not a reaction of the list")
    OTHER_NEEDS_DESCRIPTION = "other_needs_description", _("describe the other reaction")
    ONSET_IN_FUTURE = "onset_in_future", _("the onset is in the future")
    ONSET_BEFORE_VACCINATION = "onset_before_vaccination", _("the onset is before the vaccination")
    VACCINATION_BEFORE_BIRTH = "vaccination_before_birth", _("the vaccination is before the person's birth")
    SERIOUS_REASON_REQUIRED = "serious_reason_required", _("say why the reaction is serious")
    REASON_WITHOUT_SERIOUS = "reason_without_serious", _("a reason is given but the reaction is not marked serious")
    UNKNOWN_SERIOUS_REASON = "unknown_serious_reason", _("not a reason of the list")
    UNKNOWN_REACTION_OUTCOME = "unknown_reaction_outcome", _("not an outcome of the list")
    DEATH_DATE_REQUIRED = "death_date_required", _("give the date of death")
    DEATH_DATE_WITHOUT_DEATH = "death_date_without_death", _("a date of death is given but the outcome is not death")
    DEATH_BEFORE_ONSET = "death_before_onset", _("the date of death is before the onset")
    DEATH_IN_FUTURE = "death_in_future", _("the date of death is in the future")
    DEATH_NOT_SERIOUS = "death_not_serious", _("a death is a serious reaction, for the reason death")
    CLIENT_ID_REUSED = "reaction_client_id_reused", _("this client id was used for another report")
