from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from truyvet.lib.messages import Rendered, render


class AuditEvent(models.Model):
    """Who did what, when, to which person's data. Append-only.

    ``person`` has no database constraint so the trail survives merges and erasure.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The (actor, at) and (person, at) indexes below serve look-ups by actor or person: no
    # index of the key alone, so each event writes four index entries, not six.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["person", "at"], name="lib_audit_person_at"),
            models.Index(fields=["actor", "at"], name="lib_audit_actor_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"


class Channel(models.TextChoices):
    PORTAL = "portal", _("In the portal")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class Notification(models.Model):
    """One message to one person (or user) on one channel.

    ``dedupe_key`` + ``channel`` is unique, so a retried task or a second run of the same
    job never sends the same message twice. Portal messages are the person's inbox.
    """

    # Written by the hundred thousand from rows just read (exposure warnings): the database
    # does not re-check the key at commit (Django applies on_delete), and the inbox index,
    # which starts with the person, serves lookups by person.
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_constraint=False,
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.CharField(max_length=254, blank=True, help_text=_("Phone or email for SMS and email."))
    # The words: a message code and its parameters (``truyvet.lib.messages``), rendered in
    # the reader's language; ``title`` and ``body`` keep them as written (in ``language``),
    # and are all there is for rows without a code.
    code = models.CharField(max_length=60, blank=True)
    params = models.JSONField(default=dict, blank=True)
    language = models.CharField(
        max_length=8, blank=True, help_text=_("The recipient's language for SMS and email; empty: the portal's.")
    )
    title = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=500, blank=True)
    dedupe_key = models.CharField(max_length=200)
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key", "channel"], name="lib_notification_once"),
        ]
        indexes = [
            models.Index(fields=["person", "channel", "-created_at"], name="lib_notif_inbox"),
            models.Index(fields=["state", "created_at"], name="lib_notif_state"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}: {self.title}"

    def text(self, language: str | None = None) -> Rendered:
        """Title and body in ``language`` (the active language when None)."""
        return render(self.code, self.params, title=self.title, body=self.body, language=language)

    @property
    def shown(self) -> Rendered:
        """Title and body in the active language: what a page shows."""
        return self.text()

    def text_for_recipient(self) -> Rendered:
        """Title and body in the recipient's language: what an SMS or an email says."""
        return self.text(self.language or None)


class OutboxMessage(models.Model):
    """A Celery task to queue, written in the same transaction as the change it follows
    (``truyvet.lib.outbox``): it is queued once that transaction commits, even when Redis was
    down then or the process died, by the relay (``manage.py outbox_relay``, and beat)."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    queue = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Not before: moved on after a failed send (the broker down), so the relay backs off.
    available_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("queued task")
        verbose_name_plural = _("queued tasks")
        indexes = [
            # The relay's claim (pending rows by available_at) and the backlog's age.
            models.Index(
                fields=["available_at", "id"], condition=models.Q(dispatched_at__isnull=True), name="lib_outbox_pending"
            ),
            # The purge of rows dispatched before the retention.
            models.Index(
                fields=["dispatched_at"], condition=models.Q(dispatched_at__isnull=False), name="lib_outbox_dispatched"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)!r}"
