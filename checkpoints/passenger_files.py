"""Passenger lists as files: the CSV or XLSX an operator uploads (the template's headings,
or the headings people write in their own lists), read into rows with their line numbers.

A file is read lazily and within bounds (``MAX_UPLOAD_BYTES``, ``MAX_UPLOAD_LINES``,
``MAX_UPLOAD_ROWS``): a huge or hostile file stops early with a ``DomainError`` naming the
field ``file``. What the rows hold is checked when they are added to a trip
(``checkpoints.services.trips.trip_passengers_import``), each refused row by its line.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from checkpoints.errors import TripError
from checkpoints.services.trips import PassengerInput, SourceRow
from truyvet.lib.errors import DomainError
from truyvet.lib.tables import TableShape, table_records, uploaded_table

MAX_UPLOAD_ROWS = 500
MAX_UPLOAD_LINES = 2000  # blank lines included; rows further down are not read
MAX_UPLOAD_BYTES = 2 * 1024 * 1024

COLUMNS: tuple[tuple[str, Promise], ...] = (
    ("full_name", _("Full name")),
    ("id_number", _("Citizen id or passport number")),
    ("phone", _("Mobile number")),
    ("seat", _("Seat")),
    ("destination_ward", _("Destination commune or ward")),
)
# Headings people write in their own lists, compared without accents or case.
_ALIASES = {
    "full_name": {"ho va ten", "ho ten", "ten", "name", "full name", "hanh khach"},
    "id_number": {"cccd", "so cccd", "cmnd", "so cmnd", "cccd/cmnd", "cmnd/cccd", "ho chieu", "so ho chieu",
                  "cccd/ho chieu", "so giay to", "giay to", "id", "id number", "passport", "passport number"},
    "phone": {"sdt", "so dien thoai", "dien thoai", "phone", "mobile", "phone number"},
    "seat": {"ghe", "so ghe", "cho ngoi", "seat", "seat number"},
    "destination_ward": {"noi den", "diem den", "xa den", "xa phuong den", "xa/phuong den", "destination",
                         "destination ward", "ward", "ward code", "ma xa"},
}  # fmt: skip


SHAPE = TableShape(
    columns=COLUMNS,
    aliases=_ALIASES,
    required=frozenset({"full_name", "id_number"}),
    max_rows=MAX_UPLOAD_ROWS,
    max_lines=MAX_UPLOAD_LINES,
    empty=TripError.FILE_EMPTY,
    headings_missing=TripError.HEADINGS_MISSING,
    too_many_rows=TripError.TOO_MANY_ROWS,
    too_many_message=_("A file may list at most %(count)s passengers."),
    headings_message=_("No row holds the template's column headings (at least name and id number)."),
)


def template_header() -> list[str]:
    return SHAPE.header()


def passenger_file_read(*, name: str, content: bytes) -> list[SourceRow]:
    """The passenger rows of an uploaded CSV or XLSX file, with their line numbers."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise DomainError(_("The file is too large (2 MB at most)."), TripError.FILE_TOO_LARGE, field="file")
    table = uploaded_table(
        name=name, content=content, unreadable=TripError.FILE_UNREADABLE, wrong_type=TripError.FILE_TYPE
    )
    return [SourceRow(line, PassengerInput(**values)) for line, values in table_records(table, SHAPE)]
