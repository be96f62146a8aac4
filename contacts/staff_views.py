"""Staff pages of tracing: the case list and line-list export, a case's page (lab results,
matching, exposures, typed-in contacts), opening and editing a case, and the commune
station's daily follow-up; plus the citizen's page of exposure warnings.

Reads go through ``contacts.selectors`` (scoped to the user's wards), writes through
``contacts.services``; every page that shows people writes them to the audit log.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contacts.errors import CaseExists
from contacts.models import Case, Exposure, FollowUp, FollowUpState
from contacts.selectors import (
    active_follow_ups_of,
    case_exposures,
    case_get_for,
    case_list_for,
    case_residents_for,
    case_sources_for,
    case_visible_to,
    cluster_choices,
    exposure_counts,
    exposure_warnings_for,
    exposures_hidden_count,
    exposures_of_follow_up,
    exposures_status,
    follow_up_get_for,
    follow_up_list_for,
    people_find_for,
    person_get_for,
    person_open_case_for,
    resident_follow_up_for,
    ward_choices_for,
)
from contacts.services import (
    case_match_again,
    case_open,
    case_open_for_new_person,
    case_update,
    follow_up_check_record,
    follow_up_ensure_active,
    lab_result_add,
    manual_contact_add,
)
from contacts.staff_forms import (
    CaseFilterForm,
    CaseForm,
    FollowUpCheckForm,
    LabResultForm,
    ManualContactForm,
    PersonFindForm,
    PersonForm,
)
from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.permissions import health_staff_required
from truyvet.lib.audit import audit_log, audit_log_many
from truyvet.lib.bounds import MAX_INT
from truyvet.lib.errors import DomainError
from truyvet.lib.export import MAX_ROWS, csv_response, xlsx_response
from truyvet.lib.paging import keyset_page
from truyvet.people.device import remembered_people
from truyvet.people.models import Person, Symptom
from truyvet.people.normalize import masked_phone

PAGE_SIZE = 50
EXPOSURES_PER_PAGE = 200
FOLLOW_UPS_PER_PAGE = 100
EXPORT_HEADER = [
    "id",
    "opened_at",
    "classification",
    "confirmed_at",
    "onset_date",
    "sample_date",
    "lab_results",
    "isolated_at",
    "isolation_place",
    "isolation_until",
    "outcome",
    "source",
    "cluster",
    "full_name",
    "id_number",
    "passport",
    "date_of_birth",
    "gender",
    "phone",
    "ward_code",
    "ward",
    "f1",
    "f2",
]


def _audit_people(request: AuthenticatedRequest, action: str, object_type: str, rows: list[tuple[Any, int]]) -> None:
    audit_log_many(
        actor=request.user,
        action=action,
        object_type=object_type,
        rows=[(str(pk), person_id) for pk, person_id in rows],
        request=request,
    )


# --- Case list and export ----------------------------------------------------------------


def _filter_form(request: AuthenticatedRequest) -> CaseFilterForm:
    return CaseFilterForm(request.GET or None, wards=ward_choices_for(request.user), clusters=cluster_choices())


@health_staff_required
def case_list(request: AuthenticatedRequest) -> HttpResponse:
    form = _filter_form(request)
    rows, cursor = keyset_page(
        case_list_for(request.user, form.filters()), before=request.GET.get("before", ""), size=PAGE_SIZE
    )
    counts = exposure_counts([c.pk for c in rows])
    for case in rows:
        case.f1 = counts[case.pk].get(1, 0)  # type: ignore[attr-defined]
        case.f2 = sum(n for level, n in counts[case.pk].items() if level >= 2)  # type: ignore[attr-defined]
    _audit_people(request, "case.list", Case._meta.label_lower, [(c.pk, c.person_id) for c in rows])
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request, "contacts/case_list.html", {"form": form, "rows": rows, "cursor": cursor, "query": query.urlencode()}
    )


def _lab_summary(case: Case) -> str:
    return "; ".join(
        f"{lab.sample_date:%Y-%m-%d} {lab.test_type} {lab.result}"
        + (f" ({lab.result_date:%Y-%m-%d})" if lab.result_date else "")
        for lab in case.lab_results.all()
    )


def _iso(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="minutes") if value else ""


def _export_rows(qs: Any, exported: list[tuple[int, int]]) -> Iterator[list[Any]]:
    batch: list[Case] = []

    def flush() -> Iterator[list[Any]]:
        counts = exposure_counts([c.pk for c in batch])
        for c in batch:
            exported.append((c.pk, c.person_id))
            p = c.person
            yield [
                c.pk,
                _iso(c.created_at),
                c.classification,
                _iso(c.confirmed_at),
                c.onset_date or "",
                c.sample_date or "",
                _lab_summary(c),
                _iso(c.isolated_at),
                c.isolation_place,
                c.isolation_until or "",
                c.outcome,
                c.source,
                c.cluster.name if c.cluster else "",
                p.full_name,
                p.id_number or "",
                p.passport_number or "",
                p.date_of_birth or "",
                p.gender,
                p.phone,
                c.ward_id or "",
                c.ward.name if c.ward else "",
                counts[c.pk].get(1, 0),
                sum(n for level, n in counts[c.pk].items() if level >= 2),
            ]
        batch.clear()

    for case in qs.prefetch_related("lab_results")[:MAX_ROWS].iterator(chunk_size=1000):
        batch.append(case)
        if len(batch) >= 1000:
            yield from flush()
    yield from flush()


@health_staff_required
def case_export(request: AuthenticatedRequest, fmt: str) -> HttpResponseBase:
    if fmt not in {"csv", "xlsx"}:
        raise Http404
    filters = _filter_form(request).filters()
    qs = case_list_for(request.user, filters)
    audit_log(
        actor=request.user,
        action="case.export",
        request=request,
        detail={"format": fmt, "filters": {k: str(v) for k, v in filters.__dict__.items() if v}},
    )
    name = f"ca-benh-{timezone.localdate():%Y%m%d}"
    if fmt == "csv":
        # Streamed: each person's audit event is written as their rows leave.
        return csv_response(name, EXPORT_HEADER, _audited(request, qs))
    exported: list[tuple[int, int]] = []
    response = xlsx_response(name, [("cases", EXPORT_HEADER, _export_rows(qs, exported))])
    _audit_people(request, "case.export", Case._meta.label_lower, exported)
    return response


def _audited(request: AuthenticatedRequest, qs: Any) -> Iterator[list[Any]]:
    exported: list[tuple[int, int]] = []
    for row in _export_rows(qs, exported):
        yield row
        if len(exported) >= 1000:
            _audit_people(request, "case.export", Case._meta.label_lower, exported)
            exported.clear()
    _audit_people(request, "case.export", Case._meta.label_lower, exported)


# --- New case and edit -------------------------------------------------------------------


def _case_exists_error(form: CaseForm, request: AuthenticatedRequest, error: CaseExists) -> None:
    """The message, with a link to the open case when the user may see it."""
    existing = person_open_case_for(request.user, error.person_id)
    if existing is None:
        form.add_error(None, str(error.detail))
        return
    form.add_error(
        None,
        format_html(
            '{} <a href="{}">{}</a>',
            error.detail,
            reverse("contacts:case_detail", args=[existing.pk]),
            _("Open the existing case"),
        ),
    )


@health_staff_required
def case_new(request: AuthenticatedRequest) -> HttpResponse:
    """Find the person (or add them), then the case's fields; ``case_open`` queues matching."""
    find_form = PersonFindForm(request.GET or None)
    person: Person | None = None
    person_id = request.POST.get("person") or request.GET.get("person")
    if person_id:
        if not person_id.isdecimal():
            raise Http404
        person = person_get_for(request.user, int(person_id))
    found: list[Person] = []
    searched = False
    if person is None and find_form.is_valid() and find_form.cleaned_data["find"]:
        searched = True
        found = people_find_for(request.user, find_form.cleaned_data["find"])
        _audit_people(request, "person.search", Person._meta.label_lower, [(p.pk, p.pk) for p in found])
    data = request.POST if request.method == "POST" else None
    case_form = CaseForm(data, clusters=cluster_choices(), with_outcome=False)
    person_form = PersonForm(data, wards=ward_choices_for(request.user)) if person is None else None
    if request.method == "POST":
        case = _open(request, person, person_form, case_form)
        if case is not None:
            messages.success(request, _("Case #%(id)s opened. Matching has been queued.") % {"id": case.pk})
            return redirect("contacts:case_detail", case.pk)
    return render(
        request,
        "contacts/case_form.html",
        {
            "find_form": find_form,
            "found": found,
            "searched": searched,
            "person": person,
            "person_form": person_form,
            "form": case_form,
            "case": None,
        },
    )


def _open(
    request: AuthenticatedRequest, person: Person | None, person_form: PersonForm | None, case_form: CaseForm
) -> Case | None:
    if not case_form.is_valid() or (person_form is not None and not person_form.is_valid()):
        return None
    data = case_form.case_input()
    try:
        if person is not None:
            return case_open(user=request.user, person=person, data=data)
        assert person_form is not None
        return case_open_for_new_person(
            user=request.user, person=person_form.person_input(), data=data, request=request
        )
    except CaseExists as error:
        _case_exists_error(case_form, request, error)
    except DomainError as error:
        if person_form is not None and any(f in person_form.fields for f in error.errors):
            person_form.add_domain_error(error)
        else:
            case_form.add_domain_error(error)
    return None


def _case_initial(case: Case) -> dict[str, Any]:
    initial: dict[str, Any] = {
        name: getattr(case, name)
        for name in (
            "classification",
            "onset_date",
            "sample_date",
            "isolation_place",
            "isolation_until",
            "outcome",
            "source",
            "note",
        )
    }
    initial["cluster"] = case.cluster_id
    for name in ("confirmed_at", "isolated_at"):
        value = getattr(case, name)
        initial[name] = timezone.localtime(value) if value else None
    return initial


@health_staff_required
def case_edit(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = case_get_for(request.user, case_id)
    form = CaseForm(request.POST or None, initial=_case_initial(case), clusters=cluster_choices())
    if request.method == "POST" and form.is_valid():
        try:
            case_update(user=request.user, case=case, data=form.case_input())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The case was saved."))
            return redirect("contacts:case_detail", case.pk)
    return render(request, "contacts/case_form.html", {"form": form, "case": case, "person": case.person})


# --- Case detail ---------------------------------------------------------------------------


def _case_page(
    request: AuthenticatedRequest,
    case: Case,
    *,
    lab_form: LabResultForm | None = None,
    contact_form: ManualContactForm | None = None,
    status: int = 200,
) -> HttpResponse:
    exposures = case_exposures(case, request.user)
    page = Paginator(exposures, EXPOSURES_PER_PAGE).get_page(request.GET.get("page"))
    rows: list[Exposure] = list(page.object_list)
    for row in rows:
        row.masked_phone = masked_phone(row.person.phone)  # type: ignore[attr-defined]
    audit_log(actor=request.user, action="case.view", obj=case, person_id=case.person_id, request=request)
    _audit_people(request, "case.exposures.view", Exposure._meta.label_lower, [(e.pk, e.person_id) for e in rows])
    sources = case_sources_for(case, request.user)
    response = render(
        request,
        "contacts/case_detail.html",
        {
            "case": case,
            "person": case.person,
            "labs": list(case.lab_results.all()),
            "status": exposures_status(case),
            "page": page,
            "exposures": rows,
            "counts": exposure_counts([case.pk])[case.pk],
            "hidden": exposures_hidden_count(case, page.paginator.count),
            "lab_form": lab_form or LabResultForm(),
            "contact_form": contact_form or ManualContactForm(sources=sources, case=case),
            "chain_url": reverse("contacts:chain_case", args=[case.pk]),
        },
    )
    response.status_code = status
    return response


@health_staff_required
def case_detail(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    return _case_page(request, case_get_for(request.user, case_id))


@health_staff_required
@require_POST
def case_lab_result(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = case_get_for(request.user, case_id)
    form = LabResultForm(request.POST)
    if form.is_valid():
        try:
            lab_result_add(user=request.user, case=case, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The lab result was added."))
            return redirect("contacts:case_detail", case.pk)
    return _case_page(request, case, lab_form=form, status=400)


@health_staff_required
@require_POST
def case_match(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = case_get_for(request.user, case_id)
    try:
        case_match_again(user=request.user, case=case)
    except DomainError as error:
        messages.error(request, str(error.detail))
    else:
        messages.success(request, _("Matching has been queued."))
    return redirect("contacts:case_detail", case.pk)


@health_staff_required
@require_POST
def case_manual_contact(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = case_get_for(request.user, case_id)
    form = ManualContactForm(request.POST, sources=case_sources_for(case, request.user), case=case)
    if form.is_valid():
        data = dict(form.cleaned_data)
        source = form.sources[data.pop("source")]
        try:
            manual_contact_add(user=request.user, case=case, source_person=source, **data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The contact was added; matching will warn them."))
            return redirect("contacts:case_detail", case.pk)
    return _case_page(request, case, contact_form=form, status=400)


# --- Follow-up -----------------------------------------------------------------------------


def _days_left(follow_up: FollowUp, today: date) -> int:
    return max((follow_up.quarantine_until - today).days, 0)


@health_staff_required
def follow_up_list(request: AuthenticatedRequest) -> HttpResponse:
    state = request.GET.get("state") or FollowUpState.ACTIVE
    if state not in FollowUpState.values:
        state = FollowUpState.ACTIVE
    today = timezone.localdate()
    page = Paginator(follow_up_list_for(request.user, state=state, today=today), FOLLOW_UPS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows: list[FollowUp] = list(page.object_list)
    for row in rows:
        row.days_left = _days_left(row, today)  # type: ignore[attr-defined]
    _audit_people(request, "follow_up.list", FollowUp._meta.label_lower, [(f.pk, f.person_id) for f in rows])
    return render(
        request,
        "contacts/follow_up_list.html",
        {
            "page": page,
            "rows": rows,
            "state": state,
            "states": FollowUpState.choices,
            "active": state == FollowUpState.ACTIVE,
            "today": today,
        },
    )


@health_staff_required
def follow_up_detail(request: AuthenticatedRequest, follow_up_id: int) -> HttpResponse:
    follow_up = follow_up_get_for(request.user, follow_up_id)
    today = timezone.localdate()
    form = FollowUpCheckForm(request.POST or None)
    status = 200
    if request.method == "POST":
        try:
            follow_up_ensure_active(follow_up)  # said even when the form is wrong too
            if form.is_valid():
                follow_up_check_record(user=request.user, follow_up=follow_up, day=today, **form.cleaned_data)
                messages.success(request, _("Today's check was recorded."))
                return redirect("contacts:follow_up_detail", follow_up.pk)
        except DomainError as error:
            form.add_domain_error(error)
        status = 400
    checks = list(follow_up.checks.select_related("recorded_by"))
    today_check = next((c for c in checks if c.day == today), None)
    if request.method != "POST" and today_check is not None:
        form = FollowUpCheckForm(
            initial={
                "symptoms": today_check.symptoms,
                "temperature": today_check.temperature,
                "test_result": today_check.test_result,
                "note": today_check.note,
            }
        )
    audit_log(
        actor=request.user, action="follow_up.view", obj=follow_up, person_id=follow_up.person_id, request=request
    )
    labels = dict(Symptom.choices)
    for check in checks:
        check.symptom_labels = [labels.get(s, s) for s in check.symptoms]  # type: ignore[attr-defined]
    case_visible = case_visible_to(request.user, follow_up.case_id)
    response = render(
        request,
        "contacts/follow_up_detail.html",
        {
            "f": follow_up,
            "person": follow_up.person,
            "checks": checks,
            "today_check": today_check,
            "form": form,
            "days_left": _days_left(follow_up, today),
            "today": today,
            "case_visible": case_visible,
            "active": follow_up.state == FollowUpState.ACTIVE,
            "exposures": exposures_of_follow_up(follow_up),
        },
    )
    response.status_code = status
    return response


# --- The citizen's page --------------------------------------------------------------------


def exposed(request: HttpRequest) -> HttpResponse:
    """Exposure warnings for the people this phone is proven for; nothing for others."""
    people = remembered_people(request, proven_only=True)
    notices = exposure_warnings_for(people)
    follow_ups = active_follow_ups_of([p for p in people if any(n.person_id == p.pk for n in notices)])
    names = {p.pk: p.full_name for p in people}
    warnings = []
    for notice in notices:
        text = notice.shown  # in the page's language
        level = notice.dedupe_key.rsplit(":", 1)[-1]
        follow_up = follow_ups.get(notice.person_id or 0)
        warnings.append(
            {
                "name": names.get(notice.person_id or 0, ""),
                "level": int(level) if level.isdigit() else None,
                "title": text.title,
                "body": text.body,
                "at": notice.created_at,
                "until": follow_up.quarantine_until if follow_up else None,
            }
        )
    response = render(request, "contacts/exposed.html", {"warnings": warnings, "known": bool(people)})
    response["Cache-Control"] = "private, no-store"
    return response


@health_staff_required
def case_follow_ups(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    """What a unit's exposure alerts open: its residents the case exposed, each with the
    exposure's facts and their follow-up; about one person (``?person=``), their follow-up.
    404 when none of the case's contacts is the unit's."""
    person = request.GET.get("person", "")
    if person.isdigit() and int(person) <= MAX_INT:
        follow_up = resident_follow_up_for(request.user, case_id, int(person))
        if follow_up is not None:
            return redirect("contacts:follow_up_detail", follow_up.pk)
    residents = case_residents_for(request.user, case_id)
    audit_log_many(
        actor=request.user,
        action="case.residents",
        object_type=Exposure._meta.label_lower,
        rows=[(str(row.exposure.pk), row.exposure.person_id) for row in residents],
        request=request,
    )
    return render(request, "contacts/case_follow_ups.html", {"case_id": case_id, "residents": residents})


urlpatterns: list[URLPattern] = [
    path("cases/", case_list, name="case_list"),
    path("cases/export.<str:fmt>", case_export, name="case_export"),
    path("cases/new/", case_new, name="case_new"),
    path("cases/<int:case_id>/", case_detail, name="case_detail"),
    path("cases/<int:case_id>/edit/", case_edit, name="case_edit"),
    path("cases/<int:case_id>/lab-results/", case_lab_result, name="case_lab_result"),
    path("cases/<int:case_id>/match/", case_match, name="case_match"),
    path("cases/<int:case_id>/contacts/", case_manual_contact, name="case_manual_contact"),
    path("cases/<int:case_id>/follow-ups/", case_follow_ups, name="case_follow_ups"),
    path("follow-ups/", follow_up_list, name="follow_ups"),
    path("follow-ups/<int:follow_up_id>/", follow_up_detail, name="follow_up_detail"),
    path("exposed/", exposed, name="exposed"),
]
