"""Figures of the edge devices for ``/metrics`` (``METRICS_PROVIDERS``, read at each scrape)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Q
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric

from edge_devices.models import Device
from edge_devices.selectors import offline_after


def device_metrics() -> Iterator[Metric]:
    """Devices in service and those silent for ``EDGE_OFFLINE_MINUTES`` (or never heard), by kind."""
    since = timezone.now() - offline_after()
    silent = Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=since)
    rows = (
        Device.objects.filter(revoked_at__isnull=True)
        .values("kind")
        .annotate(total=Count("id"), offline=Count("id", filter=silent))
        .order_by("kind")
    )
    in_service = GaugeMetricFamily("truyvet_edge_devices", "Cameras and kiosks in service.", labels=["kind"])
    offline = GaugeMetricFamily(
        "truyvet_edge_devices_offline", "Devices in service silent for EDGE_OFFLINE_MINUTES.", labels=["kind"]
    )
    for row in rows:
        in_service.add_metric([row["kind"]], row["total"])
        offline.add_metric([row["kind"]], row["offline"])
    yield in_service
    yield offline
