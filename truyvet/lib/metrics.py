"""Prometheus metrics, served at ``/metrics`` (``truyvet.views.metrics``).

Counted as things happen: request latency by view (``MetricsMiddleware``), exposure matching's
duration (the ``match_case`` task), SMS and e-mails sent and failed (``truyvet.lib.delivery``).
Read at each scrape: the depth of each Celery queue in Redis, the outbox's backlog, and what
the apps add (``METRICS_PROVIDERS``: edge devices in service and offline).

Under gunicorn (several worker processes) and with Celery workers, each process counts its
own: set ``PROMETHEUS_MULTIPROC_DIR`` to one empty directory shared by gunicorn and the
workers, emptied at each start (``bin/up`` does), and ``/metrics`` adds them all up
(prometheus_client's multiprocess mode). Without it, ``/metrics`` shows the one process that
answered, which suits ``runserver`` only. docs/OPERATIONS.md lists what to alert on.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from truyvet.lib import outbox

log = logging.getLogger(__name__)

REQUEST_SECONDS = Histogram(
    "truyvet_http_request_duration_seconds",
    "Time Django spent on a request, by view (URL name), method and status code.",
    ["view", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
MATCHING_SECONDS = Histogram(
    "truyvet_matching_duration_seconds",
    "Time one exposure matching of a case took (the match_case task).",
    buckets=(0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0),
)
NOTIFICATIONS = Counter(
    "truyvet_notifications",
    "SMS and e-mails handed to the gateway (sent) or refused by it (failed; tried again later).",
    ["channel", "outcome"],
)

_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
# kombu keeps a Redis queue's messages of priority 0 under its name, the others under
# "<name>\x06\x16<priority>" (its default priority steps).
_PRIORITY_KEYS = ("", "\x06\x163", "\x06\x166", "\x06\x169")


class MetricsMiddleware:
    """Observes each request's duration under its view's URL name (``unresolved`` for paths
    that match no URL, so a scan of random paths adds no series)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match.route) if match is not None else "unresolved"
        method = request.method if request.method in _METHODS else "other"
        REQUEST_SECONDS.labels(view, method, str(response.status_code)).observe(time.perf_counter() - started)
        return response


class LiveCollector:
    """What is read at each scrape: the queues' depth (Redis LLEN) and the outbox's backlog."""

    def collect(self) -> Iterator[Metric]:
        if settings.REDIS_URL:
            try:
                yield self._queues()
            except Exception as exc:  # noqa: BLE001 (Redis down: the series is absent, healthz says why)
                log.warning("metrics: queue depth unavailable: %s", exc)
        try:
            figures = outbox.backlog()
        except Exception as exc:  # noqa: BLE001 (the database down: the same)
            log.warning("metrics: outbox backlog unavailable: %s", exc)
            return
        yield GaugeMetricFamily("truyvet_outbox_pending", "Tasks recorded and not yet sent to Celery.", figures.pending)
        yield GaugeMetricFamily(
            "truyvet_outbox_oldest_seconds",
            "Age of the oldest task not yet sent to Celery (0 when none waits).",
            figures.oldest_seconds or 0.0,
        )
        for path in settings.METRICS_PROVIDERS:
            try:
                yield from import_string(path)()
            except Exception as exc:  # noqa: BLE001 (one app's figures missing never fails the scrape)
                log.warning("metrics: %s failed: %s", path, exc)

    def _queues(self) -> GaugeMetricFamily:
        import redis

        from truyvet.celery import app

        queues = sorted({app.conf.task_default_queue, settings.EDGE_QUEUE})
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2, socket_timeout=2)
        try:
            pipe = client.pipeline(transaction=False)
            for queue in queues:
                for suffix in _PRIORITY_KEYS:
                    pipe.llen(queue + suffix)
            lengths = pipe.execute()
        finally:
            client.close()
        family = GaugeMetricFamily("truyvet_celery_queue_length", "Tasks waiting in a Celery queue.", labels=["queue"])
        for i, queue in enumerate(queues):
            family.add_metric([queue], sum(lengths[i * len(_PRIORITY_KEYS) : (i + 1) * len(_PRIORITY_KEYS)]))
        return family


_LIVE = CollectorRegistry(auto_describe=False)
_LIVE.register(LiveCollector())


def exposition() -> bytes:
    """The text format Prometheus scrapes: every process's counters (multiprocess mode) or
    this process's, then the figures read now."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(_LIVE)


def scrape_allowed(request: HttpRequest) -> bool | None:
    """True: a right bearer token or an allowed address; False: neither; None: /metrics is
    off (no METRICS_TOKEN and no METRICS_ALLOWED_ADDRESSES)."""
    if not settings.METRICS_TOKEN and not settings.METRICS_ALLOWED_ADDRESSES:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    bearer = settings.METRICS_TOKEN and scheme.lower() == "bearer"
    if bearer and hmac.compare_digest(token.strip().encode(), settings.METRICS_TOKEN.encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_ADDRESSES)
