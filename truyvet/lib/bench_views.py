"""Lower bounds for benchmarks: the cheapest Django views that do comparable work.

Mounted only when ``BENCH_BASELINE=1`` (never in a normal deployment).
"""

from __future__ import annotations

import json

from django.db import connection
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


# Every NOT NULL column of checkpoints_passage, the items' own values as arrays: one statement
# whatever the batch size (so it is prepared once per connection).
_INSERT_BATCH = """
INSERT INTO checkpoints_passage (client_id, seq, checkpoint_id, identifier, direction,
    vehicle_plate, vehicle_type, verdict, risk_level, reasons, scanned_at, tablet_id, created_at)
SELECT c, 0, %s, '', d, '', '', 'allow', '', '[]', s, %s, now()
FROM unnest(%s::uuid[], %s::text[], %s::timestamptz[]) AS t(c, d, s)
RETURNING id
"""


@csrf_exempt
@require_POST
def insert_batch(request: HttpRequest) -> JsonResponse:
    """The floor for a batch of scans: parse the JSON body and insert one passage row per
    item into the real table (same indexes), in one statement. No token, no verdict, no audit."""
    data = json.loads(request.body)
    items = data["scans"]
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_BATCH,
            [
                int(request.GET["checkpoint"]),
                str(data.get("tablet_id", ""))[:64],
                [i["client_id"] for i in items],
                [i["direction"] for i in items],
                [i["scanned_at"] for i in items],
            ],
        )
        ids = [row[0] for row in cursor.fetchall()]
    return JsonResponse({"ids": ids})


# Every NOT NULL column of vaccination_dose, the items' own values as arrays: one statement
# whatever the batch size. A person who has the dose already is skipped (as the batch
# endpoint's insert skips a conflict), so a run that wraps round its people still answers.
_INSERT_DOSES = """
INSERT INTO vaccination_dose (person_id, product, manufacturer, prophylaxis, lot, dose_number, total_doses,
    administered_on, site_id, client_id, created_at)
SELECT p, pr, m, '', l, n, t, d, %s, c, now()
FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::int[], %s::int[], %s::date[], %s::uuid[])
    AS x(p, pr, m, l, n, t, d, c)
ON CONFLICT DO NOTHING
RETURNING id
"""


@csrf_exempt
@require_POST
def insert_doses(request: HttpRequest) -> JsonResponse:
    """The floor for a batch of doses: parse the JSON body and insert one dose row per item
    into the real table (same indexes and constraints), in one statement. No token, no
    check, no lock, no audit, no stock."""
    items = json.loads(request.body)["doses"]
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_DOSES,
            [
                int(request.GET["site"]),
                *(
                    [i[name] for i in items]
                    for name in (
                        "person_id",
                        "product",
                        "manufacturer",
                        "lot",
                        "dose_number",
                        "total_doses",
                        "administered_on",
                        "client_id",
                    )
                ),
            ],
        )
        ids = [row[0] for row in cursor.fetchall()]
    # Compact, as the API's renderer writes it (the benchmark's script counts the statuses).
    return JsonResponse(
        {"results": [{"status": "created", "id": pk} for pk in ids]}, json_dumps_params={"separators": (",", ":")}
    )
