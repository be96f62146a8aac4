"""Lower bounds for benchmarks: the cheapest Django views that do comparable work.

Mounted only when ``BENCH_BASELINE=1`` (never in a normal deployment).
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from truyvet.lib.models import AuditEvent


@csrf_exempt
@require_POST
def insert_one(request: HttpRequest) -> JsonResponse:
    """Parse the JSON body (as a real endpoint would) and insert one row."""
    event = AuditEvent.objects.create(action="bench.insert", detail={"size": len(request.body)})
    return JsonResponse({"id": event.pk}, status=201)


def read_one(request: HttpRequest) -> JsonResponse:
    """One indexed primary-key read: the floor for a read endpoint."""
    row = AuditEvent.objects.order_by("-pk").values("pk", "action").first()
    return JsonResponse(row or {})
