"""The API of reactions after vaccination and of coverage (API.md, Vaccination): reporting a
reaction (a citizen about their household's doses, staff about the people they may), and
the coverage statistics of the caller's wards (health staff)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, cast

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from msgspec import Meta
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from truyvet.accounts.permissions import IsHealthStaff
from truyvet.lib import schema
from truyvet.lib.bounds import MAX_INT
from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError
from truyvet.lib.schema import Body, body_from
from vaccination.coverage import coverage_of, coverage_wards_for
from vaccination.models import ReactionOutcome
from vaccination.reactions import ReactionIn, reaction_report


class ReactionBody(Body):
    """A reaction after a dose: the WHO AEFI core variables. `kinds` are codes of the list
    (`docs/VACCINATION.md`); `onset_at` an ISO time with its offset; `serious_reason` one of
    death, life_threatening, hospitalisation, disability, congenital_anomaly, other;
    `outcome` one of recovered, recovering, not_recovered, sequelae, died, unknown."""

    dose_id: Annotated[int, Meta(ge=1, le=MAX_INT)]
    kinds: Annotated[list[Annotated[str, Meta(max_length=30)]], Meta(max_length=20)]
    onset_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})]
    description: Annotated[str, Meta(max_length=4000)] = ""
    serious: bool = False
    serious_reason: Annotated[str, Meta(max_length=20)] = ""
    outcome: Annotated[str, Meta(max_length=15)] = ReactionOutcome.UNKNOWN.value
    died_on: Annotated[str, Meta(extra_json_schema={"format": "date"})] | None = None
    client_id: Annotated[str, Meta(extra_json_schema={"format": "uuid"})] | None = None

    if TYPE_CHECKING:
        reaction: ReactionIn = cast(ReactionIn, None)

    def __post_init__(self) -> None:
        self.reaction = ReactionIn(
            dose_id=self.dose_id,
            kinds=tuple(schema.stored_text(k, "kinds") for k in self.kinds),
            onset_at=schema.past_time(self.onset_at, "onset_at"),
            description=schema.stored_text(self.description, "description"),
            serious=self.serious,
            serious_reason=schema.stored_text(self.serious_reason, "serious_reason"),
            outcome=schema.stored_text(self.outcome, "outcome"),
            died_on=None if self.died_on is None else schema.day(self.died_on, "died_on"),
            client_id=None if self.client_id is None else schema.client_id(self.client_id),
        )


class ReactionCreateView(APIView):
    """Report a reaction after a dose the caller may report about (404 otherwise); a retry
    with the same `client_id` answers the same id. A serious one alerts the CDC."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ReactionBody,
        responses={201: inline_serializer("ReactionCreated", {"id": serializers.IntegerField(),
                                                              "serious": serializers.BooleanField()})},
        tags=["vaccination"],
    )  # fmt: skip
    def post(self, request: Request) -> Response:
        body = body_from(request, ReactionBody)
        reaction = reaction_report(user=request.user, data=body.reaction, request=request._request)
        return Response({"id": reaction.pk, "serious": reaction.serious}, status=201)


def _counts(counts: Any) -> dict[str, int]:
    return {"people": counts.people, "one_dose": counts.one_dose, "full_series": counts.full_series,
            "booster": counts.booster}  # fmt: skip


class CoverageView(APIView):
    """Coverage of the caller's wards (the CDC: the province) on a day: per ward and age
    group, against the target population; doses by product and number; priority groups."""

    permission_classes = [IsHealthStaff]

    @extend_schema(
        parameters=[OpenApiParameter("day", OpenApiTypes.DATE), OpenApiParameter("ward_code", OpenApiTypes.INT)],
        responses={200: OpenApiTypes.OBJECT},
        tags=["vaccination"],
    )
    def get(self, request: Request) -> Response:
        raw_day = request.query_params.get("day")
        day = schema.day(raw_day, "day") if raw_day is not None else timezone.localdate()
        codes = coverage_wards_for(request.user)
        raw_ward = request.query_params.get("ward_code")
        if raw_ward is not None:
            if not raw_ward.isdigit() or int(raw_ward) not in codes:
                # Outside the caller's wards or no ward at all: the same answer, which tells nothing.
                raise DomainError(_("Not one of your communes or wards."), CoreError.UNKNOWN_WARD, field="ward_code")
            codes = [int(raw_ward)]
        coverage = coverage_of(codes, day)

        def share(value: Any) -> float | None:
            return None if value is None else float(value)

        return Response(
            {
                "day": day.isoformat(),
                "min_age": coverage.min_age,
                "wards": [
                    {
                        "ward_code": w.ward_code,
                        "target": w.target,
                        "target_source": w.target_source,
                        "in_target": _counts(w.in_target),
                        "coverage_one_dose": share(w.coverage_one),
                        "coverage_full_series": share(w.coverage_full),
                        "by_age": {label: _counts(c) for label, c in w.by_age.items()},
                    }
                    for w in coverage.wards
                ],
                "doses": [{"product": p, "dose_number": n, "doses": c} for p, n, c in coverage.doses],
                "priority_groups": [{"code": g.code, **_counts(c)} for g, c in coverage.groups],
            }
        )
