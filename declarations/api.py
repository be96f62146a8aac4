from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from declarations import schemas
from declarations.errors import DeclarationError
from declarations.identity import Declarant, declarant_message
from declarations.qr import qr_verify
from declarations.schemas import submit_arguments
from declarations.services import declaration_submit
from truyvet.accounts.permissions import IsPortalStaff
from truyvet.lib.drf import PublicRateThrottle
from truyvet.lib.errors import DomainError
from truyvet.lib.schema import body_from

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
        request=schemas.Declaration,
        responses={201: DeclarationCreated, 200: DeclarationCreated},
        tags=["declarations"],
    )
    def post(self, request: Request) -> Response:
        data = body_from(request, schemas.Declaration)
        try:
            submitted = declaration_submit(**submit_arguments(data), declarant=Declarant.of(request._request))
        except DomainError as error:
            # The service names person fields bare; the API nests them under "person".
            error.errors = {(f"person.{k}" if k in _PERSON_FIELDS else k): v for k, v in error.errors.items()}
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


_PERSON_FIELDS = frozenset(schemas.Person.__struct_encode_fields__)


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
        "last_dose_on": serializers.DateField(
            allow_null=True, required=False, help_text="The day of the latest vaccine dose (null: none)."
        ),
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
            raise DomainError("The token parameter is required.", DeclarationError.TOKEN_REQUIRED, field="token")
        return Response(qr_verify(token=token, viewer=request.user, request=request))
