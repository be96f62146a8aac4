"""The registration API (API.md, Vaccination): an employer's representative uploads the
employees' file; a site's staff read the day's appointments."""

from __future__ import annotations

import hashlib
from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from truyvet.accounts.models import User
from truyvet.accounts.permissions import MayVaccinate
from truyvet.lib.audit import audit_log_many
from truyvet.lib.drf import error_response
from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError
from vaccination.employee_files import employee_file_read
from vaccination.registration import EmployeesRefused, campaign_open_get, employees_import
from vaccination.selectors import employer_get_for, site_day_appointments, site_get_for


class EmployeeUploadView(APIView):
    """Register an employer's employees for a campaign from a CSV or XLSX file (its
    representatives): every row or none."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="vaccination_employees_upload",
        request={
            "multipart/form-data": inline_serializer(
                "EmployeeUploadIn",
                {"campaign_id": serializers.IntegerField(), "file": serializers.FileField(help_text="CSV or XLSX")},
            )
        },
        responses={
            201: inline_serializer(
                "EmployeeUploadOut",
                {
                    "id": serializers.IntegerField(),
                    "rows": serializers.IntegerField(),
                    "added": serializers.IntegerField(),
                    "already": serializers.IntegerField(help_text="people registered for the campaign before"),
                },
            )
        },
        tags=["vaccination"],
    )
    def post(self, request: Request, employer_id: int) -> Response:
        assert isinstance(request.user, User)
        employer = employer_get_for(request.user, employer_id)
        uploaded = request.FILES.get("file")
        data = request.data if isinstance(request.data, dict) else {}
        campaign_id = str(data.get("campaign_id", ""))
        if uploaded is None or not campaign_id.isdigit():
            raise DomainError(
                _("Give the campaign and the file."),
                CoreError.INVALID,
                errors={"file": [_("Required.")]} if uploaded is None else {"campaign_id": [_("Required.")]},
            )
        campaign = campaign_open_get(int(campaign_id))
        content = uploaded.read()
        rows = employee_file_read(name=uploaded.name or "", content=content)
        try:
            upload = employees_import(
                user=request.user,
                employer=employer,
                campaign=campaign,
                rows=rows,
                file_name=uploaded.name or "",
                sha256=hashlib.sha256(content).hexdigest(),
                request=request._request,
            )
        except EmployeesRefused as refused:
            response = error_response(refused.code, str(refused.detail), refused.status, refused.errors)
            assert isinstance(response.data, dict)
            response.data["report_url"] = request.build_absolute_uri(
                reverse("vaccination:employer_report", args=[employer.pk, refused.upload.pk])
            )
            return response
        return Response(
            {"id": upload.pk, "rows": upload.rows, "added": upload.added, "already": upload.already}, status=201
        )


class SiteAppointmentsView(APIView):
    """The appointments of a day at one of the caller's sites, with their status
    (``vaccinated`` when a dose was recorded for the person there that day)."""

    permission_classes = [MayVaccinate]

    @extend_schema(
        operation_id="vaccination_site_appointments",
        parameters=[OpenApiParameter("day", str, description="YYYY-MM-DD; today when absent")],
        responses={
            200: inline_serializer(
                "SiteAppointment",
                {
                    "id": serializers.IntegerField(),
                    "person_id": serializers.IntegerField(),
                    "full_name": serializers.CharField(),
                    "session": serializers.ChoiceField(choices=["morning", "afternoon"]),
                    "dose_number": serializers.IntegerField(),
                    "status": serializers.ChoiceField(choices=["booked", "cancelled", "done", "vaccinated"]),
                },
                many=True,
            )
        },
        tags=["vaccination"],
    )
    def get(self, request: Request, site_id: int) -> Response:
        assert isinstance(request.user, User)
        site = site_get_for(request.user, site_id)
        text = request.query_params.get("day", "")
        try:
            day = date.fromisoformat(text) if text else timezone.localdate()
        except ValueError:
            raise DomainError(_("Give the day as YYYY-MM-DD."), CoreError.INVALID, field="day") from None
        shown = site_day_appointments(site, day)
        audit_log_many(
            actor=request.user,
            action="vaccination.appointments_read",
            object_type="vaccination.appointment",
            rows=[(str(a.pk), a.person_id) for a, _status in shown],
            request=request._request,
        )
        return Response(
            [
                {
                    "id": a.pk,
                    "person_id": a.person_id,
                    "full_name": a.person.full_name,
                    "session": a.session,
                    "dose_number": a.dose_number,
                    "status": status,
                }
                for a, status in shown
            ]
        )
