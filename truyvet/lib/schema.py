"""One definition of each request body, for the API, the HTML forms and the OpenAPI document.

A body is a ``msgspec.Struct`` (``Body``) in its app's ``schemas.py``: its annotations say
the types, lengths, choices and bounds, its ``__post_init__`` the rules that a type cannot
say (text hygiene from ``truyvet.lib.text``, date bounds from ``truyvet.lib.bounds``, one
field or another). Then:

- the API decodes a request with ``body_from`` (msgspec reads the JSON straight into the
  Struct: the hot paths cost microseconds), and a refusal becomes the error envelope with
  the code and the dotted field name (``person.id_number``) that clients know;
- a form's ``clean`` calls ``convert`` with what its widgets read and puts each refusal on
  its field (``refusal_of`` says which);
- the OpenAPI document describes the Struct from ``msgspec.json.schema_components``
  (``truyvet.lib.openapi`` registers it with drf-spectacular).

msgspec stops at the first refusal, so an answer names one field; its messages are
replaced by the portal's, in the caller's language.
"""

from __future__ import annotations

import enum
import json
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import msgspec
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from rest_framework.request import Request

from truyvet.lib.bounds import check_past
from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError, ErrorCode
from truyvet.lib.fields import uuid_from_text
from truyvet.lib.text import storable

B = TypeVar("B", bound="Body")


class Body(msgspec.Struct, dict=True):
    """A request body. Unknown keys are ignored (clients may send more than a body reads).
    ``__post_init__`` may keep what it read from a field (a date from its text) as an
    attribute that is not a field (declared under ``TYPE_CHECKING``)."""


class Invalid(ValueError):
    """A rule of a body broken, raised in ``__post_init__``: msgspec adds where the Struct
    sits in the body, ``field`` names the field inside it."""

    def __init__(self, message: str, *, field: str = "", code: ErrorCode = CoreError.INVALID) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


@dataclass(frozen=True)
class Refusal:
    """Why a body was refused: the field as clients name it (``person.id_number``,
    ``entry.countries_visited.0``; ``""`` for the body itself), a message, a code."""

    field: str
    message: str
    code: ErrorCode = CoreError.INVALID

    def error(self) -> DomainError:
        """The API's answer: the envelope (``truyvet.lib.drf``), 400."""
        return DomainError(self.message, self.code, errors={self.field or "non_field_errors": [self.message]})


# --- msgspec's refusals in the portal's words ----------------------------------------------

_WHERE = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_MISSING = re.compile(r"^Object missing required field `(?P<name>[^`]*)`$")
_EXPECTED = re.compile(r"^Expected `(?P<want>[^`]*)`(?:, got `(?P<got>[^`]*)`)?(?: (?P<bound>.*))?$")
_BOUND = re.compile(r"^(?:of length )?(?P<op>[<>]=?) (?P<limit>-?[\d.e+]+)$")
_ENUM = re.compile(r"^Invalid enum value (?P<value>.*)$")


_INDEX = re.compile(r"\[(\d+)\]")


def _dotted(path: str) -> str:
    """msgspec's ``$.person.ward_code`` as clients name it: ``person.ward_code``, and an
    item of a list of values ``symptoms[0]`` as ``symptoms.0``."""
    path = _INDEX.sub(r".\1", path)
    return path[1:] if path.startswith(".") else path


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path and name else path or name


def _expected(want: str, got: str | None, bound: str | None) -> str:
    if bound:
        limit = _BOUND.match(bound)
        if limit is not None:
            op, number = limit["op"], limit["limit"]
            if want in ("str", "array"):
                if op.startswith(">"):
                    return _("This field may not be blank.") if want == "str" else _("This list may not be empty.")
                if want == "str":
                    return _("Ensure this field has no more than {max_length} characters.").format(max_length=number)
                return _("Ensure this field has no more than {max_length} elements.").format(max_length=number)
            if op.startswith("<"):
                return _("Ensure this value is less than or equal to {max_value}.").format(max_value=number)
            return _("Ensure this value is greater than or equal to {min_value}.").format(min_value=number)
    if got == "null":
        return _("This field may not be null.")
    if want.startswith("object"):
        return _("Invalid data. Expected a dictionary, but got {datatype}.").format(datatype=got or "")
    if want.startswith("array"):
        return _('Expected a list of items but got type "{input_type}".').format(input_type=got or "")
    if want.startswith("str"):
        return _("Not a valid string.")
    if want.startswith("int"):
        return _("A valid integer is required.")
    if want.startswith("bool"):
        return _("Must be a valid boolean.")
    return _("Invalid input.")


def refusal_of(error: msgspec.ValidationError) -> Refusal:
    """The field, message and code of msgspec's refusal."""
    cause = error.__cause__
    found = _WHERE.match(str(error))
    what, path = (found["what"], _dotted(found["path"] or "")) if found else (str(error), "")
    if isinstance(cause, Invalid):
        return Refusal(_join(path, cause.field), cause.message, cause.code)
    missing = _MISSING.match(what)
    if missing is not None:
        return Refusal(_join(path, missing["name"]), _("This field is required."))
    expected = _EXPECTED.match(what)
    if expected is not None:
        return Refusal(path, _expected(expected["want"], expected["got"], expected["bound"]))
    enum = _ENUM.match(what)
    if enum is not None:
        return Refusal(path, _('"{input}" is not a valid choice.').format(input=enum["value"].strip("'")))
    return Refusal(path, _("Invalid input."))


# --- Reading a body -------------------------------------------------------------------------


def _refuse_constant(name: str) -> None:
    raise ValueError(name)  # NaN and Infinity are not JSON (DRF's parser refuses them too)


class Refused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


def _unstorable_at(data: object, path: str = "") -> str | None:
    """Where the first lone surrogate of ``data`` is (msgspec cannot compare it with a choice)."""
    if isinstance(data, str):
        return None if storable(data) else path
    if isinstance(data, dict):
        items: Any = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return None
    for key, value in items:
        found = _unstorable_at(value, _join(path, str(key)))
        if found is not None:
            return found
    return None


def convert(data: object, body: type[B]) -> B:
    """``data`` (what ``json.loads`` or a form gives) as ``body``, or ``Refused``."""
    try:
        return msgspec.convert(data, body)
    except msgspec.ValidationError as error:
        raise Refused(refusal_of(error)) from None
    except UnicodeEncodeError as error:
        where = _unstorable_at(data) or ""
        raise Refused(Refusal(where, _surrogates(error.object))) from None


def decode(raw: bytes, body: type[B]) -> B:
    """JSON bytes as ``body``: ``Refused`` when they break a rule, ``ValueError`` when they
    are not JSON. (What msgspec cannot read, a lone surrogate escape, is read by ``json``.)"""
    try:
        return msgspec.json.decode(raw, type=body)
    except msgspec.DecodeError:  # and ValidationError: msgspec may refuse before it sees the JSON is broken
        pass
    return convert(loads(raw), body)


def body_from(request: Request, body: type[B]) -> B:
    """The request's JSON body as ``body``, or a DomainError (the envelope, 400).

    msgspec reads the bytes straight into the Struct. Anything else (a refused body, which
    may also be broken JSON that msgspec stopped reading early; a lone surrogate escape; a
    charset that is not UTF-8) goes through DRF's parser, which answers broken JSON as it
    always has (``malformed_request``), and is then checked by the same Struct."""
    if request.content_type.split(";")[0].strip() == "application/json":
        try:
            return msgspec.json.decode(request.body, type=body)
        except msgspec.DecodeError:  # and ValidationError: msgspec may refuse before it sees the JSON is broken
            pass
    data = request.data
    try:
        return convert(data, body)
    except Refused as refused:
        raise refused.refusal.error() from None


def loads(raw: bytes) -> object:
    """JSON as DRF's parser reads it (NaN and Infinity refused); ``ValueError`` if it is not."""
    return json.loads(raw.decode(), parse_constant=_refuse_constant)


# --- Rules that a type cannot say, for ``__post_init__`` ------------------------------------


def _surrogates(value: str) -> str:
    point = next((ord(c) for c in value if 0xD800 <= ord(c) <= 0xDFFF), 0xDFFF)
    return _("Surrogate characters are not allowed: U+{code_point:X}.").format(code_point=point)


def text(value: str, field: str, *, required: bool = False) -> str:
    """A text field as the API has always read it (DRF's ``CharField``): stripped, no NUL,
    no lone surrogate, not blank when required. Lengths are the annotation's."""
    if "\x00" in value:
        raise Invalid(_("Null characters are not allowed."), field=field)
    if not storable(value):
        raise Invalid(_surrogates(value), field=field)
    value = value.strip()
    if required and not value:
        raise Invalid(_("This field may not be blank."), field=field)
    return value


def stored_text(value: str, field: str, *, code: ErrorCode = CoreError.INVALID) -> str:
    """A text field that goes to the database as it is: stripped, no NUL, no lone surrogate."""
    if "\x00" in value or not storable(value):
        raise Invalid(_("This text contains characters that are not valid."), field=field, code=code)
    return value.strip()


def email(value: str, field: str) -> str:
    value = text(value, field)
    if value:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise Invalid(_("Enter a valid email address."), field=field) from None
    return value


def client_id(value: str, field: str = "client_id") -> uuid.UUID:
    """A UUID given as a string (an integer is not a UUID, whatever ``uuid.UUID`` thinks)."""
    parsed = uuid_from_text(value)
    if parsed is None:
        raise Invalid(_("Must be a valid UUID."), field=field)
    return parsed


def day(value: str, field: str) -> date:
    """A date as ``YYYY-MM-DD`` (what DRF's ``DateField`` reads)."""
    try:
        parsed = parse_date(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise Invalid(_("Date has wrong format. Use one of these formats instead: YYYY-MM-DD."), field=field)
    return parsed


def past_time(value: str, field: str) -> datetime:
    """An ISO 8601 time with its offset, between 2019 and tomorrow, in local time (what
    ``truyvet.lib.fields.PastDateTimeField`` reads). Out of bounds or without an offset it
    is the DomainError of ``check_past`` or ``time_without_offset``, as there."""
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise Invalid(
            _("Datetime has wrong format. Use one of these formats instead: {format}.").format(
                format="YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]"
            ),
            field=field,
        )
    if parsed.tzinfo is None:
        raise DomainError(
            "Give the time with its UTC offset, e.g. 2026-11-23T08:30:00+07:00.",
            CoreError.TIME_WITHOUT_OFFSET,
            field=field,
        )
    check_past(parsed, field)
    return parsed.astimezone(timezone.get_current_timezone())


def aware_time(value: str, field: str, *, max_length: int = 40) -> datetime:
    """An ISO 8601 time with its offset, any date (a scan's; the service judges its age)."""
    try:
        parsed = parse_datetime(value) if len(value) <= max_length else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise Invalid(_("Give the time with its UTC offset, e.g. 2026-11-23T08:30:00+07:00."), field=field)
    return parsed


def decimal_tenth(value: float | str, field: str, *, max_length: int = 10) -> Decimal:
    """A number (or its text) to one decimal place, finite."""
    if isinstance(value, str) and (len(value) > max_length or not value.isascii()):
        raise Invalid(_("A valid number is required."), field=field)
    try:
        reading = Decimal(str(value)).quantize(Decimal("0.1"))
    except ArithmeticError:
        raise Invalid(_("A valid number is required."), field=field) from None
    if not reading.is_finite():
        raise Invalid(_("A valid number is required."), field=field)
    return reading


def choice(value: str, field: str, choices: frozenset[str]) -> str:
    if value not in choices:
        raise Invalid(_('"{input}" is not a valid choice.').format(input=value), field=field)
    return value


def json_schema_hook(kind: type) -> dict[str, Any]:
    """Choices (Django's ``TextChoices``) in JSON Schema: inline, as serializers give them,
    so drf-spectacular's enum hook names them as it always has."""
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return {"enum": [member.value for member in kind]}
    raise NotImplementedError(kind)


def field_constraints(body: type[Body], name: str) -> dict[str, Any]:
    """The JSON Schema of one field (``maxLength``, ``enum``…), so a form field can take its
    limits from the body rather than repeat them."""
    (_ref,), components = msgspec.json.schema_components([body], schema_hook=json_schema_hook, ref_template="{name}")
    schema: dict[str, Any] = components[body.__name__]["properties"][name]
    for option in schema.get("anyOf", []):
        if option.get("type") != "null":
            schema = {**option, **{k: v for k, v in schema.items() if k != "anyOf"}}
    return schema


def max_length(body: type[Body], name: str) -> int:
    """The longest text a body's field takes."""
    return int(field_constraints(body, name)["maxLength"])
