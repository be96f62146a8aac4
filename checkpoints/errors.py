"""Why the server refuses a scanned passage: one code per reason, each with its words.

The code is what the API answers (``reason`` of a rejected batch item) and what a tablet
queues; the label is what the scanner page shows staff, in their language.
``tests/checkpoints/test_rejection_labels.py`` fails when a reason the code can give has
no label here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScanRejection(models.TextChoices):
    TOKEN_EXPIRED = "token_expired", _("the personal QR code had expired")
    TOKEN_BAD_SIGNATURE = "token_bad_signature", _("the personal QR code is not genuine")
    TOKEN_MALFORMED = "token_malformed", _("not a personal QR code")
    TOKEN_REVOKED = "token_revoked", _("the personal QR code was withdrawn")
    TOKEN_UNKNOWN = "token_unknown", _("nobody holds this QR code")
    TRIP_UNKNOWN = "trip_unknown", _("no bus trip has this code")
    TRIP_EMPTY = "trip_empty", _("nobody was on board")
    PASSENGER_UNKNOWN = "passenger_unknown", _("a passenger is not on this trip")
    PERSON_UNKNOWN = "person_unknown", _("the person is not on the system")
    SCANNED_AT_FUTURE = "scanned_at_future", _("the tablet's clock is ahead")
    SCANNED_AT_TOO_OLD = "scanned_at_too_old", _("scanned too long ago")
    ONE_IDENTIFIER_REQUIRED = "one_identifier_required", _("no code or number")
    WARD_UNKNOWN = "ward_unknown", _("unknown commune or ward")
    TEMPERATURE_IMPLAUSIBLE = "temperature_implausible", _("the temperature is implausible")
    CLIENT_ID_REUSED = "client_id_reused", _("sent twice with different content")
    INVALID_CHARACTERS = "invalid_characters", _("a field holds characters that cannot be stored")
    NUMBER_OUT_OF_RANGE = "number_out_of_range", _("a number is out of range")
    ITEM_NOT_OBJECT = "item_not_object", _("the passage could not be read")
    # A field of the item broke its rule (checkpoints.schemas.reason_of).
    CLIENT_ID_INVALID = "client_id_invalid", _("the passage's id is not valid")
    DIRECTION_INVALID = "direction_invalid", _("the direction is missing or wrong")
    SCANNED_AT_INVALID = "scanned_at_invalid", _("the scan time is not valid")
    QR_TOKEN_INVALID = "qr_token_invalid", _("the QR code text is not valid")
    TRIP_CODE_INVALID = "trip_code_invalid", _("the trip code is not valid")
    PERSON_ID_INVALID = "person_id_invalid", _("the person chosen is not valid")
    ID_NUMBER_INVALID = "id_number_invalid", _("the id number is not valid")
    PHONE_INVALID = "phone_invalid", _("the phone number is not valid")
    PASSENGER_IDS_INVALID = "passenger_ids_invalid", _("the passenger list is not valid")
    TEMPERATURE_INVALID = "temperature_invalid", _("the temperature is not a number")
    VEHICLE_PLATE_INVALID = "vehicle_plate_invalid", _("the vehicle plate is not valid")
    VEHICLE_TYPE_INVALID = "vehicle_type_invalid", _("the vehicle type is not valid")
    ORIGIN_WARD_CODE_INVALID = "origin_ward_code_invalid", _("the commune of origin is not valid")
    DESTINATION_WARD_CODE_INVALID = "destination_ward_code_invalid", _("the commune of destination is not valid")
