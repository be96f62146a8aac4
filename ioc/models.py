"""The provincial IOC feed: aggregate events, the webhook endpoints they are pushed to, each
delivery (stored before it is sent), and the clients that pull them.

Nothing here names a person: an event is a count per checkpoint and hour, per ward and day,
or a fever alert's time, checkpoint and temperature.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class IocEvent(models.Model):
    """One CloudEvents event. Its ``id`` (the row's) is the pull endpoint's cursor.

    An aggregate is recomputed for a while after its period (a tablet that was offline syncs
    late): when its figures change, a new event with the same ``subject`` is written, and the
    later one replaces the earlier at the receiver. ``digest`` tells whether they changed."""

    event_id = models.CharField(max_length=40, unique=True)
    type = models.CharField(max_length=80)
    subject = models.CharField(max_length=200)
    time = models.DateTimeField()
    data = models.JSONField()
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["type", "subject", "digest"], name="ioc_event_once"),
        ]

    def cloudevent(self) -> dict[str, object]:
        """The event as CloudEvents 1.0 JSON (structured mode)."""
        return {
            "specversion": "1.0",
            "id": self.event_id,
            "source": f"/truyvet/provinces/{settings.PROVINCE_CODE}",
            "type": self.type,
            "subject": self.subject,
            "time": self.time.isoformat(),
            "datacontenttype": "application/json",
            "data": self.data,
        }


class WebhookEndpoint(models.Model):
    url = models.URLField(_("address"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Standard Webhooks secrets: "whsec_" and base64. While a rotation's grace lasts, each
    # delivery is signed with both, so the receiver may switch when it likes.
    secret = models.CharField(max_length=80)
    previous_secret = models.CharField(max_length=80, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One event for one endpoint. Written in the transaction that writes the event, before
    anything is sent; a worker claims it for a minute (``locked_until``), so one that dies
    mid-send leaves it to the next sweep, and the receiver deduplicates by ``webhook-id``."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(IocEvent, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    give_up_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "event"], name="ioc_delivery_once")]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="ioc_delivery_due"),
            models.Index(fields=["endpoint", "-id"], condition=Q(status="failed"), name="ioc_delivery_failed"),
        ]


class IocClient(models.Model):
    """An IOC that pulls the feed with ``Authorization: IOC <token>`` (the token shown once)."""

    name = models.CharField(_("name"), max_length=200)
    token_prefix = models.CharField(max_length=12, unique=True)
    token_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
