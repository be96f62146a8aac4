from __future__ import annotations

import json
from typing import Any

from django.utils.dateparse import parse_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from declarations.identity import Declarant, declarant_message
from declarations.models import Kind, VehicleType
from declarations.qr import qr_verify
from declarations.services import Answers, DomesticInput, EntryInput, PersonInput, declaration_submit
from truyvet.accounts.permissions import IsPortalStaff
from truyvet.lib.drf import PublicRateThrottle
from truyvet.lib.errors import DomainError
from truyvet.lib.fields import StrictUUIDField, uuid_from_text
from truyvet.people.models import Gender, Symptom


class PersonSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=150)
    id_number = serializers.CharField(max_length=12, required=False, allow_blank=True)
    passport_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    nationality = serializers.CharField(max_length=2, required=False, default="VN")
    date_of_birth = serializers.DateField()
    gender = serializers.ChoiceField(choices=Gender.choices)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    ward_code = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=99999)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("id_number") and not attrs.get("passport_number"):
            raise serializers.ValidationError({"id_number": ["Give a citizen id number or a passport number."]})
        return attrs


class ExposuresSerializer(serializers.Serializer):
    case_contact = serializers.BooleanField(default=False)
    outbreak_zone = serializers.BooleanField(default=False)
    abroad_14d = serializers.BooleanField(default=False)


class EntrySerializer(serializers.Serializer):
    port_of_entry = serializers.CharField(max_length=100)
    flight_number = serializers.CharField(max_length=20)
    seat = serializers.CharField(max_length=10, required=False, allow_blank=True)
    countries_visited = serializers.ListField(
        child=serializers.CharField(min_length=2, max_length=2), min_length=1, max_length=50
    )
    quarantine_address = serializers.CharField(max_length=300)


class DomesticSerializer(serializers.Serializer):
    origin_ward_code = serializers.IntegerField(min_value=1, max_value=99999)
    destination_ward_code = serializers.IntegerField(min_value=1, max_value=99999)
    vehicle_plate = serializers.CharField(max_length=20, required=False, allow_blank=True)
    vehicle_type = serializers.ChoiceField(choices=VehicleType.choices, required=False, allow_blank=True)
    purpose = serializers.CharField(max_length=200, required=False, allow_blank=True)


class DeclarationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    person = PersonSerializer()
    symptoms = serializers.ListField(
        child=serializers.ChoiceField(choices=Symptom.choices), required=False, max_length=10
    )
    exposures = ExposuresSerializer(required=False)
    entry = EntrySerializer(required=False)
    domestic = DomesticSerializer(required=False)
    client_id = StrictUUIDField(
        required=False, help_text="Optional (a UUID string): a retry with the same id returns the first result."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["kind"] == Kind.ENTRY and "entry" not in attrs:
            raise serializers.ValidationError({"entry": ["Required for an entry declaration."]})
        if attrs["kind"] == Kind.DOMESTIC and "domestic" not in attrs:
            raise serializers.ValidationError({"domestic": ["Required for a domestic declaration."]})
        return attrs


class _Unusual(Exception):
    """Input the plain reader leaves to the serializer (which then names the error)."""


def _refuse_constant(name: str) -> None:
    raise _Unusual(name)  # NaN and Infinity are not JSON: DRF's parser refuses them too


def _text(data: dict[str, Any], key: str, max_length: int, *, required: bool = False) -> str:
    """What a CharField accepts (stripped), for a plain string; "" when absent and allowed."""
    if key not in data:
        if required:
            raise _Unusual(key)
        return ""
    value = data[key]
    if not isinstance(value, str) or "\x00" in value:
        raise _Unusual(key)
    try:
        value.encode()
    except UnicodeEncodeError:  # lone surrogates
        raise _Unusual(key) from None
    value = value.strip()
    if len(value) > max_length or (required and not value):
        raise _Unusual(key)
    return value


def _ward_code(data: dict[str, Any], key: str) -> int | None:
    """An IntegerField(min 1, max 99999, allow_null) given as a plain JSON integer."""
    value = data.get(key)
    if value is None:
        return None
    if type(value) is not int or not 1 <= value <= 99999:  # bool, float and text: the serializer decides
        raise _Unusual(key)
    return value


def _choice(data: dict[str, Any], key: str, choices: frozenset[str]) -> str:
    """A required ChoiceField given as one of its values."""
    value = data.get(key)
    if not isinstance(value, str) or value not in choices:
        raise _Unusual(key)
    return value


def _section(data: dict[str, Any], key: str) -> dict[str, Any] | None:
    if key not in data:
        return None
    value = data[key]
    if not isinstance(value, dict):
        raise _Unusual(key)
    return value


_KINDS = frozenset(Kind.values)
_GENDERS = frozenset(Gender.values)
_SYMPTOMS = frozenset(Symptom.values)


def _plain_declaration(request: Request) -> dict[str, Any] | None:
    """The validated declaration of a well-formed request, read with ``json.loads`` and plain
    checks instead of DRF's parser and nested serializers (which cost more than the rest of
    a submit's Python). It accepts only what ``DeclarationSerializer`` accepts and gives the
    same validated data; for anything unusual it returns None and the serializer runs, so
    every error (code, fields, messages) stays the serializer's.
    """
    if request.content_type != "application/json":
        return None
    try:
        data = json.loads(request.body.decode(), parse_constant=_refuse_constant)
    except (_Unusual, ValueError):
        return None
    return read_declaration(data)


def read_declaration(data: object) -> dict[str, Any] | None:
    """``DeclarationSerializer``'s validated data for a plain body it accepts, else None."""
    if not isinstance(data, dict):
        return None
    try:
        return _read(data)
    except (_Unusual, ValueError):
        return None


def _read(data: dict[str, Any]) -> dict[str, Any]:
    kind = _choice(data, "kind", _KINDS)
    person = _section(data, "person")
    if person is None:
        raise _Unusual("person")
    born = person.get("date_of_birth")
    date_of_birth = parse_date(born) if isinstance(born, str) else None
    if date_of_birth is None:
        raise _Unusual("date_of_birth")
    nationality = _text(person, "nationality", 2) if "nationality" in person else "VN"
    email = _text(person, "email", 254)
    if not nationality or email:  # a blank nationality is an error; emails are checked by the serializer
        raise _Unusual("person")
    validated: dict[str, Any] = {
        "kind": kind,
        "person": {
            "full_name": _text(person, "full_name", 150, required=True),
            "id_number": _text(person, "id_number", 12),
            "passport_number": _text(person, "passport_number", 20),
            "nationality": nationality,
            "date_of_birth": date_of_birth,
            "gender": _choice(person, "gender", _GENDERS),
            "phone": _text(person, "phone", 20),
            "email": "",
            "ward_code": _ward_code(person, "ward_code"),
            "address": _text(person, "address", 300),
        },
    }
    if not validated["person"]["id_number"] and not validated["person"]["passport_number"]:
        raise _Unusual("identity")
    if "symptoms" in data:
        symptoms = data["symptoms"]
        if (
            type(symptoms) is not list
            or len(symptoms) > 10
            or not all(isinstance(s, str) and s in _SYMPTOMS for s in symptoms)
        ):
            raise _Unusual("symptoms")
        validated["symptoms"] = symptoms
    exposures = _section(data, "exposures")
    if exposures is not None:
        if not all(type(exposures.get(k, False)) is bool for k in ("case_contact", "outbreak_zone", "abroad_14d")):
            raise _Unusual("exposures")
        validated["exposures"] = {k: exposures.get(k, False) for k in ("case_contact", "outbreak_zone", "abroad_14d")}
    if "client_id" in data:
        client_id = uuid_from_text(data["client_id"])
        if client_id is None:
            raise _Unusual("client_id")  # the serializer says why
        validated["client_id"] = client_id
    if "entry" in data or "domestic" in data:
        raise _Unusual("entry or domestic")  # less common: the serializer reads them
    if kind != Kind.DAILY:
        raise _Unusual("entry or domestic details required")
    return validated


DeclarationCreated = inline_serializer(
    "DeclarationCreated",
    {
        "id": serializers.IntegerField(),
        "person_id": serializers.IntegerField(),
        "risk_level": serializers.ChoiceField(choices=["green", "yellow", "red"]),
        "risk_reasons": serializers.ListField(
            child=serializers.CharField(),
            help_text="Reasons from the declarant's answers; reasons from the server's knowledge of the person "
            "(a case, an F-level, a zone) only for the person proven to be themselves.",
        ),
        "identity_mismatch": serializers.BooleanField(
            help_text="The name or date of birth differs from the record for this id number: the record was "
            "not changed and the commune health station will contact the person."
        ),
        "message": serializers.CharField(allow_null=True, help_text="What to tell the declarant, if anything."),
        "qr_token": serializers.CharField(),
        "qr_expires_at": serializers.DateTimeField(),
    },
)


class DeclarationCreateView(APIView):
    """Submit a health declaration (public, rate limited per client address)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [PublicRateThrottle]

    @extend_schema(
        request=DeclarationSerializer,
        responses={201: DeclarationCreated, 200: DeclarationCreated},
        tags=["declarations"],
    )
    def post(self, request: Request) -> Response:
        data = _plain_declaration(request)
        if data is None:
            serializer = DeclarationSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        try:
            submitted = declaration_submit(**submit_arguments(data), declarant=Declarant.of(request._request))
        except DomainError as error:
            # The service names person fields bare; the API nests them under "person".
            error.errors = {
                (f"person.{k}" if k in PersonSerializer().fields else k): v for k, v in error.errors.items()
            }
            raise
        declaration = submitted.declaration
        return Response(
            {
                "id": declaration.pk,
                "person_id": declaration.person_id,
                "risk_level": declaration.risk_level,
                "risk_reasons": submitted.shown_reasons,
                "identity_mismatch": declaration.identity_mismatch,
                "message": declarant_message(submitted),
                "qr_token": submitted.qr_token,
                "qr_expires_at": submitted.qr_expires_at,
            },
            status=status.HTTP_201_CREATED if submitted.created else status.HTTP_200_OK,
        )


def submit_arguments(data: dict[str, Any]) -> dict[str, Any]:
    """``declaration_submit``'s arguments from validated data (the serializer's or the plain reader's)."""
    person = data["person"]
    exposures = data.get("exposures", {})
    entry = data.get("entry")
    domestic = data.get("domestic")
    return {
        "kind": data["kind"],
        "person": PersonInput(
            full_name=person["full_name"],
            id_number=person.get("id_number", ""),
            passport_number=person.get("passport_number", ""),
            nationality=(person.get("nationality") or "VN").upper(),
            date_of_birth=person["date_of_birth"],
            gender=person["gender"],
            phone=person.get("phone", ""),
            email=person.get("email", ""),
            ward_code=person.get("ward_code"),
            address=person.get("address", ""),
        ),
        "answers": Answers(
            symptoms=data.get("symptoms", []),
            case_contact=exposures.get("case_contact", False),
            outbreak_zone=exposures.get("outbreak_zone", False),
            abroad_14d=exposures.get("abroad_14d", False),
        ),
        "entry": EntryInput(
            port_of_entry=entry["port_of_entry"],
            flight_number=entry["flight_number"],
            seat=entry.get("seat", ""),
            countries_visited=[c.upper() for c in entry["countries_visited"]],
            quarantine_address=entry["quarantine_address"],
        )
        if entry
        else None,
        "domestic": DomesticInput(**domestic) if domestic else None,
        "client_id": data.get("client_id"),
    }


QrVerification = inline_serializer(
    "QrVerification",
    {
        "valid": serializers.BooleanField(),
        "reason": serializers.ChoiceField(
            choices=["bad_signature", "expired", "unknown", "malformed", "revoked"], required=False
        ),
        "person_id": serializers.IntegerField(required=False),
        "display_name": serializers.CharField(required=False),
        "risk_level": serializers.ChoiceField(choices=["green", "yellow", "red"], required=False),
        "risk_reasons": serializers.ListField(
            child=serializers.CharField(),
            required=False,
            help_text="Only for health staff whose wards include the person's.",
        ),
        "f_level": serializers.IntegerField(
            allow_null=True, required=False, help_text="Null except for health staff whose wards include the person's."
        ),
        "declared_at": serializers.DateTimeField(allow_null=True, required=False),
        "expires_at": serializers.DateTimeField(required=False),
        "vaccine_doses": serializers.IntegerField(required=False),
    },
)


class QrVerifyView(APIView):
    """Check a personal QR token (staff). Each valid check is written to the audit log."""

    permission_classes = [IsPortalStaff]

    @extend_schema(
        parameters=[OpenApiParameter("token", OpenApiTypes.STR, required=True)],
        responses={200: QrVerification},
        tags=["qr"],
    )
    def get(self, request: Request) -> Response:
        token = request.query_params.get("token", "")
        if not token:
            raise DomainError("The token parameter is required.", "token_required", field="token")
        return Response(qr_verify(token=token, viewer=request.user, request=request))
