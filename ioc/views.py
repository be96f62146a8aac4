"""The IOC feed's page for the province CDC and administrators: webhook endpoints (add one,
rotate its secret, enable it after a 410), pull clients (a token shown once), and the
deliveries that failed, each with a button that sends it again."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from ioc.forms import ClientForm, EndpointForm
from ioc.selectors import client_get, clients, delivery_get, endpoint_get, endpoints, failed_deliveries
from ioc.services import (
    client_create,
    client_revoke,
    delivery_resend,
    endpoint_create,
    endpoint_enable,
    endpoint_rotate_secret,
)
from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.permissions import ioc_manager_required


def _page(request: AuthenticatedRequest, **extra: object) -> HttpResponse:
    context = {
        "endpoints": endpoints(),
        "clients": clients(),
        "failed": failed_deliveries(),
        "endpoint_form": EndpointForm(),
        "client_form": ClientForm(),
        **extra,
    }
    return render(request, "ioc/index.html", context)


@ioc_manager_required
def index(request: AuthenticatedRequest) -> HttpResponse:
    return _page(request)


@require_POST
@ioc_manager_required
def endpoint_new(request: AuthenticatedRequest) -> HttpResponse:
    form = EndpointForm(request.POST)
    if not form.is_valid():
        return _page(request, endpoint_form=form)
    endpoint = endpoint_create(
        user=request.user, url=form.cleaned_data["url"], description=form.cleaned_data["description"], request=request
    )
    return _page(request, secret_of=endpoint, secret=endpoint.secret)


@require_POST
@ioc_manager_required
def endpoint_rotate(request: AuthenticatedRequest, endpoint_id: int) -> HttpResponse:
    endpoint = endpoint_get(endpoint_id)
    secret = endpoint_rotate_secret(user=request.user, endpoint=endpoint, request=request)
    return _page(request, secret_of=endpoint, secret=secret)


@require_POST
@ioc_manager_required
def endpoint_enable_view(request: AuthenticatedRequest, endpoint_id: int) -> HttpResponse:
    endpoint_enable(user=request.user, endpoint=endpoint_get(endpoint_id), request=request)
    return redirect("ioc:index")


@require_POST
@ioc_manager_required
def delivery_resend_view(request: AuthenticatedRequest, delivery_id: int) -> HttpResponse:
    delivery_resend(user=request.user, delivery=delivery_get(delivery_id), request=request)
    return redirect("ioc:index")


@require_POST
@ioc_manager_required
def client_new(request: AuthenticatedRequest) -> HttpResponse:
    form = ClientForm(request.POST)
    if not form.is_valid():
        return _page(request, client_form=form)
    client, token = client_create(user=request.user, name=form.cleaned_data["name"], request=request)
    return _page(request, token_of=client, token=token)


@require_POST
@ioc_manager_required
def client_revoke_view(request: AuthenticatedRequest, client_id: int) -> HttpResponse:
    client_revoke(user=request.user, client=client_get(client_id), request=request)
    return redirect("ioc:index")


urlpatterns: list[URLPattern] = [
    path("", index, name="index"),
    path("endpoints/new/", endpoint_new, name="endpoint_new"),
    path("endpoints/<int:endpoint_id>/rotate/", endpoint_rotate, name="endpoint_rotate"),
    path("endpoints/<int:endpoint_id>/enable/", endpoint_enable_view, name="endpoint_enable"),
    path("deliveries/<int:delivery_id>/resend/", delivery_resend_view, name="delivery_resend"),
    path("clients/new/", client_new, name="client_new"),
    path("clients/<int:client_id>/revoke/", client_revoke_view, name="client_revoke"),
]
