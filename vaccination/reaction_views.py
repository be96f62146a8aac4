"""Pages of reactions after vaccination (AEFI): the report (a citizen about their
household's doses, site or health staff about a person's), the CDC's line list with its
CSV/XLSX export, and one reaction with its follow-up."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.permissions import health_staff_required, is_citizen, is_health_staff
from truyvet.lib.errors import DomainError
from truyvet.lib.export import csv_response, xlsx_response
from vaccination import valuesets
from vaccination.models import Reaction, ReactionKind, ReactionOutcome, ReporterKind, SeriousReason
from vaccination.reaction_forms import FollowUpForm, LineListFilterForm, ReactionForm
from vaccination.reaction_selectors import dose_for_reaction, reaction_get_for, reaction_line_list
from vaccination.reactions import reaction_follow_up, reaction_report

EXPORT_LIMIT = 200_000


def _form_error(form: Any, error: DomainError) -> None:
    field = next(iter(error.errors), None)
    form.add_error(field if field in form.fields else None, str(error))


@login_required
def reaction_new(request: AuthenticatedRequest, dose_id: int) -> HttpResponse:
    """Report a reaction after this dose (404 for a dose the user may not report about)."""
    dose = dose_for_reaction(request.user, dose_id)
    form = ReactionForm(request.POST or None, dose_id=dose.pk)
    if request.method == "POST" and form.is_valid():
        try:
            reaction_report(user=request.user, data=form.reaction(), request=request)
        except DomainError as error:
            _form_error(form, error)
        else:
            if is_citizen(request.user):
                return redirect("vaccination:mine")
            if is_health_staff(request.user):
                return redirect("vaccination:reactions")
            return (
                redirect("vaccination:visit", dose.site_id, dose.person_id)
                if dose.site.staff.filter(pk=request.user.pk).exists()
                else redirect("vaccination:sites")
            )
    product = valuesets.products().get(dose.product)
    return render(
        request,
        "vaccination/reaction_form.html",
        {"dose": dose, "product": product.display if product else dose.product, "form": form,
         "citizen": is_citizen(request.user)},
    )  # fmt: skip


EXPORT_HEADER = [
    "id", "reported_at", "reporter", "onset_at", "person_id", "full_name", "date_of_birth", "gender", "ward_code",
    "site", "site_ward_code", "product", "lot", "dose_number", "total_doses", "administered_on", "reactions",
    "serious", "serious_reason", "outcome", "died_on", "description",
]  # fmt: skip


def _export_rows(rows: list[Reaction]) -> list[list[Any]]:
    def local(value: Any) -> str:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    return [
        [
            r.pk, local(r.reported_at), r.reporter_kind, local(r.onset_at), r.person_id, r.person.full_name,
            r.person.date_of_birth.isoformat() if r.person.date_of_birth else "", r.person.gender, r.ward_id or "",
            r.dose.site.name, r.dose.site.ward_id, r.dose.product, r.dose.lot, r.dose.dose_number,
            r.dose.total_doses, r.dose.administered_on.isoformat(), ";".join(r.kinds), "yes" if r.serious else "no",
            r.serious_reason, r.outcome, r.died_on.isoformat() if r.died_on else "", r.description,
        ]
        for r in rows
    ]  # fmt: skip


@health_staff_required
def line_list(request: AuthenticatedRequest) -> HttpResponse | StreamingHttpResponse:
    """The line list of reactions in the user's jurisdiction (the CDC: the province), with
    filters; ``?format=csv|xlsx`` exports what the filters keep. Every row read is logged."""
    form = LineListFilterForm(request.GET or None)
    filters = form.filters()
    fmt = request.GET.get("format", "")
    if fmt in {"csv", "xlsx"}:
        rows = reaction_line_list(request.user, filters, request=request, limit=EXPORT_LIMIT)
        name = f"aefi-{timezone.localdate().isoformat()}"
        if fmt == "csv":
            return csv_response(name, EXPORT_HEADER, _export_rows(rows))
        return xlsx_response(name, [("aefi", EXPORT_HEADER, _export_rows(rows))])
    rows = reaction_line_list(request.user, filters, request=request)
    kinds = dict(ReactionKind.choices)
    products = valuesets.products()
    shown = [
        {
            "reaction": r,
            "kinds": ", ".join(str(kinds.get(k, k)) for k in r.kinds),
            "product": products[r.dose.product].display if r.dose.product in products else r.dose.product,
        }
        for r in rows
    ]
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "vaccination/reactions.html",
        {"form": form, "rows": shown, "serious_count": sum(1 for r in rows if r.serious), "query": query.urlencode()},
    )


@health_staff_required
def reaction_detail(request: AuthenticatedRequest, reaction_id: int) -> HttpResponse:
    """One reaction, and its follow-up (outcome, seriousness)."""
    reaction = reaction_get_for(request.user, reaction_id, request=request)
    form = FollowUpForm(
        request.POST or None,
        initial={"outcome": reaction.outcome, "serious": reaction.serious,
                 "serious_reason": reaction.serious_reason, "died_on": reaction.died_on},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reaction_follow_up(
                user=request.user,
                reaction=reaction,
                outcome=data["outcome"],
                serious=bool(data.get("serious")),
                serious_reason=data.get("serious_reason") or "",
                died_on=data.get("died_on"),
                request=request,
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            return redirect("vaccination:reaction", reaction.pk)
    kinds = dict(ReactionKind.choices)
    product = valuesets.products().get(reaction.dose.product)
    return render(
        request,
        "vaccination/reaction.html",
        {
            "reaction": reaction,
            "form": form,
            "kinds": [kinds.get(k, k) for k in reaction.kinds],
            "reason": dict(SeriousReason.choices).get(reaction.serious_reason, ""),
            "outcome": dict(ReactionOutcome.choices).get(reaction.outcome, reaction.outcome),
            "reporter": dict(ReporterKind.choices).get(reaction.reporter_kind, ""),
            "product": product.display if product else reaction.dose.product,
            "onset": formats.date_format(timezone.localtime(reaction.onset_at), "H:i d/m/Y"),
            "title": _("Reaction after vaccination"),
        },
    )


urlpatterns = [
    path("doses/<int:dose_id>/reaction/", reaction_new, name="reaction_new"),
    path("reactions/", line_list, name="reactions"),
    path("reactions/<int:reaction_id>/", reaction_detail, name="reaction"),
]
