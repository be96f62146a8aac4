"""Cases and exposures (health staff), as API.md's contract says."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404
from django.urls import URLPattern, path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contacts.errors import ContactsError
from contacts.models import Case, Exposure, MatchingState
from contacts.selectors import case_get_for, exposure_records_for, exposures_status, person_get_for
from contacts.services import CaseInput, case_open
from truyvet.accounts.models import User
from truyvet.accounts.permissions import IsHealthStaff
from truyvet.lib.audit import audit_log_many
from truyvet.lib.bounds import MAX_INT, parse_int
from truyvet.lib.errors import DomainError
from truyvet.lib.fields import BoundedIntegerField, PastDateField, PastDateTimeField

PAGE = 5000


def _staff(request: Request) -> User:
    """The signed-in staff user that ``IsHealthStaff`` let in."""
    user = request.user
    if not isinstance(user, User):  # not reached: the permission refuses anybody else first
        raise exceptions.NotAuthenticated()
    return user


class CaseSerializer(serializers.Serializer):
    person_id = BoundedIntegerField(min_value=1)
    confirmed_at = PastDateTimeField()
    onset_date = PastDateField(required=False, allow_null=True)
    sample_date = PastDateField(required=False, allow_null=True)
    isolated_at = PastDateTimeField(required=False, allow_null=True)


class ExposureRecord(serializers.Serializer):
    person_id = serializers.IntegerField()
    level = serializers.IntegerField()
    via = serializers.ChoiceField(choices=["venue", "proximity", "manual"])
    source_person_id = serializers.IntegerField()
    venue_code = serializers.CharField(required=False)
    overlap_start = serializers.DateTimeField()
    overlap_end = serializers.DateTimeField()


class CaseCreateView(APIView):
    permission_classes = [IsHealthStaff]

    @extend_schema(
        request=CaseSerializer,
        responses={
            201: inline_serializer(
                "CaseCreated",
                {"id": serializers.IntegerField(), "matching": serializers.ChoiceField(choices=["queued", "done"])},
            )
        },
        summary="Confirm a case (F0) and start exposure matching",
        description="409 `case_exists` when the person already has an open case; 404 when the person lives "
        "outside the caller's jurisdiction.",
    )
    def post(self, request: Request) -> Response:
        serializer = CaseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = serializer.validated_data
        person = person_get_for(request.user, data["person_id"])
        fields = CaseInput(
            confirmed_at=data["confirmed_at"],
            onset_date=data.get("onset_date"),
            sample_date=data.get("sample_date"),
            isolated_at=data.get("isolated_at"),
        )
        # Matching is queued once the case commits: the answer tells the case as it was opened.
        case = case_open(user=_staff(request), person=person, data=fields)
        matching = "done" if case.matching == MatchingState.DONE else "queued"
        return Response({"id": case.pk, "matching": matching}, status=status.HTTP_201_CREATED)


class CaseExposuresView(APIView):
    permission_classes = [IsHealthStaff]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "level",
                OpenApiTypes.INT,
                description=f"Only this level, 1 to {settings.TRACING_DEPTH}.",
            ),
            OpenApiParameter("after", OpenApiTypes.INT, description="The `next_after` of the previous page."),
        ],
        responses={
            200: inline_serializer(
                "CaseExposures",
                {
                    "status": serializers.ChoiceField(choices=["pending", "done"]),
                    "results": ExposureRecord(many=True),
                    "next_after": serializers.IntegerField(
                        allow_null=True, help_text=f"Set when more than {PAGE} results remain: pass it as `after`."
                    ),
                },
            )
        },
        summary="A case's exposures (F1, F2) visible to the caller",
        description="Exposures of people outside the caller's wards are left out, except for the province's "
        "CDC. Each person listed is recorded in the audit log.",
    )
    def get(self, request: Request, case_id: int) -> Response:
        if not 0 < case_id <= MAX_INT:
            raise Http404
        case: Case = case_get_for(request.user, case_id)
        level = request.query_params.get("level")
        if level is not None:
            depth = settings.TRACING_DEPTH  # matching finds no level beyond it
            if level not in {str(n) for n in range(1, depth + 1)}:
                raise DomainError(f"level is a number from 1 to {depth}.", ContactsError.INVALID, field="level")
        after = request.query_params.get("after")
        rows = exposure_records_for(
            request.user,
            case,
            level=int(level) if level is not None else None,
            after=parse_int(after, "after", minimum=0) if after is not None else None,
            limit=PAGE + 1,
        )
        more = len(rows) > PAGE
        rows = rows[:PAGE]
        audit_log_many(
            actor=request.user,
            action="case.exposures.view",
            object_type=Exposure._meta.label_lower,
            rows=[(str(pk), person_id) for pk, person_id, *_rest in rows],
            request=request,
        )
        results = []
        for _pk, person_id, lvl, via, source, venue_code, start, end in rows:
            record: dict[str, Any] = {
                "person_id": person_id,
                "level": lvl,
                "via": via,
                "source_person_id": source,
                "overlap_start": timezone.localtime(start).isoformat(),
                "overlap_end": timezone.localtime(end).isoformat(),
            }
            if venue_code:
                record["venue_code"] = venue_code
            results.append(record)
        return Response(
            {
                "status": exposures_status(case),
                "results": results,
                "next_after": rows[-1][0] if more and rows else None,
            }
        )


urlpatterns: list[URLPattern] = [
    path("cases/", CaseCreateView.as_view(), name="cases"),
    path("cases/<int:case_id>/exposures/", CaseExposuresView.as_view(), name="case-exposures"),
]
