"""Employees as a file: the CSV or XLSX an employer's representative uploads to register its
staff for a campaign, read into rows with their line numbers (the shared reader,
``truyvet/lib/tables.py``, as ``checkpoints/passenger_files.py`` does).

The heading row may use the template's headings in Vietnamese or English, the column
codes (``full_name``, ``id_number``, ``date_of_birth``, ``gender``, ``phone``,
``ward_code``, ``priority_group``) or the headings people write in their own lists. What
the rows hold is checked by ``vaccination.registration.employees_import``, every row
before any is written.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from truyvet.lib.errors import DomainError
from truyvet.lib.tables import TableShape, table_records, uploaded_table
from vaccination.registration import EmployeeInput, EmployeeRow
from vaccination.registration_errors import RegistrationError

MAX_UPLOAD_ROWS = 20000
MAX_UPLOAD_LINES = 40000  # blank lines included; rows further down are not read
MAX_UPLOAD_BYTES = 8 * 1024 * 1024

COLUMNS: tuple[tuple[str, Promise], ...] = (
    ("full_name", _("Full name")),
    ("id_number", _("Citizen id number")),
    ("date_of_birth", _("Date of birth")),
    ("gender", _("Gender")),
    ("phone", _("Mobile number")),
    ("ward_code", _("Ward code")),
    ("priority_group", _("Priority group")),
)
_ALIASES = {
    "full_name": {"ho va ten", "ho ten", "ten", "name"},
    "id_number": {"cccd", "so cccd", "cmnd", "so cmnd", "cccd cmnd", "so dinh danh", "id", "id number"},
    "date_of_birth": {"ngay sinh", "ngay thang nam sinh", "sinh ngay", "dob", "birth date"},
    "gender": {"gioi tinh", "gioi", "sex"},
    "phone": {"sdt", "so dien thoai", "dien thoai", "phone", "mobile"},
    "ward_code": {"ma xa", "ma phuong", "ma xa phuong", "xa phuong", "ward"},
    "priority_group": {"nhom uu tien", "nhom", "doi tuong", "group"},
}


SHAPE = TableShape(
    columns=COLUMNS,
    aliases=_ALIASES,
    required=frozenset({"full_name", "id_number", "date_of_birth", "phone", "ward_code"}),
    max_rows=MAX_UPLOAD_ROWS,
    max_lines=MAX_UPLOAD_LINES,
    empty=RegistrationError.FILE_EMPTY,
    headings_missing=RegistrationError.HEADINGS_MISSING,
    too_many_rows=RegistrationError.FILE_TOO_LARGE,
    too_many_message=_("A file may list at most %(count)s employees."),
    headings_message=_(
        "No row holds the template's column headings (name, id number, date of birth, phone, ward code)."
    ),
)


def template_header() -> list[str]:
    return SHAPE.header()


def employee_file_read(*, name: str, content: bytes) -> list[EmployeeRow]:
    """The employee rows of an uploaded CSV or XLSX file, with their line numbers."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise DomainError(_("The file is too large (8 MB at most)."), RegistrationError.FILE_TOO_LARGE, field="file")
    table = uploaded_table(
        name=name,
        content=content,
        unreadable=RegistrationError.FILE_UNREADABLE,
        wrong_type=RegistrationError.FILE_TYPE,
    )
    return [EmployeeRow(line, EmployeeInput(**values)) for line, values in table_records(table, SHAPE)]
