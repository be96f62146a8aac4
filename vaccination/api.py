"""The vaccination API (API.md, Vaccination): the caller's sites, recording a dose or a batch
of doses, a person's EU Digital COVID Certificate, the document signer and the trust list."""

from __future__ import annotations

from typing import Any

import msgspec
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from truyvet.accounts.models import User
from truyvet.accounts.permissions import MayVaccinate
from truyvet.lib.drf import PublicRateThrottle, echoed_client_id
from truyvet.lib.errors import DomainError
from truyvet.lib.schema import Invalid, Refusal, body_from
from vaccination.certificates import certificate_for, current_dsc, trust_list_for_browsers, verify
from vaccination.dose_batches import DOSE_BATCH_MAX, BatchDose, BatchResult, doses_record_batch, rejected
from vaccination.errors import VaccinationError
from vaccination.schemas import DoseBatch, DoseBody, dose_item, dose_reason
from vaccination.selectors import person_for_certificate, site_get_for, site_list_for
from vaccination.services import dose_record

_DSC: dict[str, Any] = {"kid": serializers.CharField(), "certificate_pem": serializers.CharField()}
_TRUSTED: dict[str, Any] = {
    **_DSC,
    "alg": serializers.ChoiceField(choices=["ES256", "PS256"]),
    "spki": serializers.CharField(help_text="The public key: SubjectPublicKeyInfo, DER, base64 (WebCrypto)."),
}


class SiteListView(APIView):
    """The vaccination sites of the caller (site staff)."""

    permission_classes = [MayVaccinate]

    @extend_schema(
        responses={
            200: inline_serializer(
                "VaccinationSite",
                {
                    "id": serializers.IntegerField(),
                    "name": serializers.CharField(),
                    "ward_code": serializers.IntegerField(),
                },
                many=True,
            )
        },
        tags=["vaccination"],
    )
    def get(self, request: Request) -> Response:
        assert isinstance(request.user, User)
        rows = site_list_for(request.user).values("id", "name", "ward_id")
        return Response([{"id": r["id"], "name": r["name"], "ward_code": r["ward_id"]} for r in rows])


class DoseCreateView(APIView):
    """Record one dose (site staff); a retry with the same `client_id` answers the same id."""

    permission_classes = [MayVaccinate]

    @extend_schema(
        request=DoseBody,
        responses={201: inline_serializer("DoseCreated", {"id": serializers.IntegerField()})},
        tags=["vaccination"],
    )
    def post(self, request: Request) -> Response:
        assert isinstance(request.user, User)
        body = body_from(request, DoseBody)
        dose = dose_record(user=request.user, data=body.dose)
        return Response({"id": dose.pk}, status=201)


DoseOut = inline_serializer(
    "DoseBatchItemResult",
    {
        "client_id": serializers.CharField(
            allow_null=True, help_text="The item's client_id as sent; null when it sent none that could be read."
        ),
        "status": serializers.ChoiceField(choices=["created", "duplicate", "rejected"]),
        "id": serializers.IntegerField(
            required=False,
            allow_null=True,
            help_text="The dose (created, or recorded before); null for a screening that writes no dose.",
        ),
        "screening_id": serializers.IntegerField(
            required=False, help_text="The item's screening (created, or recorded before), when it carried one."
        ),
        "reason": serializers.CharField(required=False, help_text="Why the item is rejected: an error code."),
        "http_status": serializers.IntegerField(
            required=False,
            help_text="The single path's status: 400, or 409 (duplicate_dose, client_id_reused).",
        ),
    },
)
DoseResults = inline_serializer("DoseBatchResults", {"results": serializers.ListField(child=DoseOut)})


def _whole_batch(request: Request) -> DoseBatch | None:
    """The batch read straight from its bytes when every item is well formed (one msgspec
    call); None when any part is not, so the view reads the items one by one."""
    if request.content_type.split(";")[0].strip() != "application/json":
        return None
    try:
        return msgspec.json.decode(request.body, type=DoseBatch)
    except msgspec.DecodeError:  # and its ValidationError
        return None


class DoseBatchView(APIView):
    """Doses recorded at one of the caller's sites, each item standing alone (a tablet's
    offline queue); a replay writes nothing. Another site: 404."""

    permission_classes = [MayVaccinate]

    @extend_schema(request=DoseBatch, responses={200: DoseResults}, tags=["vaccination"])
    def post(self, request: Request, site_id: int) -> Response:
        assert isinstance(request.user, User)
        site = site_get_for(request.user, site_id)
        items: list[BatchDose | BatchResult] = []
        batch = _whole_batch(request)
        if batch is not None:  # every item well formed: read at once
            for dose in batch.doses:
                try:
                    items.append(dose.item(site.pk))
                except Invalid as invalid:
                    reason = dose_reason(Refusal(invalid.field, invalid.message, invalid.code))
                    items.append(rejected(echoed_client_id({"client_id": dose.client_id}), reason))
        else:  # each item alone, the bad ones rejected with their reason
            data = request.data if isinstance(request.data, dict) else {}
            doses = data.get("doses")
            if not isinstance(doses, list):
                raise DomainError(VaccinationError.DOSES_REQUIRED.label, VaccinationError.DOSES_REQUIRED, field="doses")
            if len(doses) > DOSE_BATCH_MAX:
                raise DomainError(
                    VaccinationError.DOSES_BATCH_TOO_LARGE.label, VaccinationError.DOSES_BATCH_TOO_LARGE, field="doses"
                )
            for raw in doses:
                item = dose_item(raw, site.pk)
                items.append(rejected(echoed_client_id(raw), item) if isinstance(item, str) else item)
        results = doses_record_batch(user=request.user, site=site, items=items, request=request)
        return Response({"results": [r.as_dict() for r in results]})


class CertificateView(APIView):
    """A person's EU Digital COVID Certificate (staff who vaccinate or oversee the person,
    or the person); 404 for anyone else and for a person with no dose."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            200: inline_serializer(
                "VaccinationCertificate", {"hc1": serializers.CharField(), "doses": serializers.IntegerField()}
            )
        },
        tags=["vaccination"],
    )
    def get(self, request: Request, person_id: int) -> Response:
        assert isinstance(request.user, User)
        person = person_for_certificate(request.user, person_id, request=request)
        certificate = certificate_for(person)
        return Response({"hc1": certificate.hc1, "doses": certificate.doses})


class DscView(APIView):
    """The document signer certificate that signs now (public)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [PublicRateThrottle]

    @extend_schema(responses={200: inline_serializer("VaccinationDsc", _DSC)}, tags=["vaccination"])
    def get(self, request: Request) -> Response:
        return Response(current_dsc())


class TrustListView(APIView):
    """Every document signer certificate this portal accepts (public)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [PublicRateThrottle]

    @extend_schema(
        responses={
            200: inline_serializer(
                "VaccinationTrustList",
                {"certificates": inline_serializer("VaccinationTrusted", _TRUSTED, many=True)},
            )
        },
        tags=["vaccination"],
    )
    def get(self, request: Request) -> Response:
        return Response({"certificates": trust_list_for_browsers()})


class VerifyView(APIView):
    """Check an `HC1:` string against the trust list (public): what it says, or the code
    of why it is refused."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [PublicRateThrottle]

    @extend_schema(
        request=inline_serializer("VaccinationVerifyIn", {"hc1": serializers.CharField()}),
        responses={200: inline_serializer("VaccinationVerified", {"valid": serializers.BooleanField()})},
        tags=["vaccination"],
    )
    def post(self, request: Request) -> Response:
        data: Any = request.data if isinstance(request.data, dict) else {}
        text = data.get("hc1")
        verified = verify(text if isinstance(text, str) else "", now=timezone.now())
        return Response(
            {
                "valid": True,
                "kid": verified.kid.hex(),
                "issuer": verified.issuer,
                "issued_at": verified.issued_at.isoformat() if verified.issued_at else None,
                "expires_at": verified.expires_at.isoformat() if verified.expires_at else None,
                "certificate": verified.hcert,
            }
        )
