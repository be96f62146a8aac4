from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from truyvet.lib.models import AuditEvent, Notification


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is never edited."""

    list_display = ["at", "actor_label", "action", "object_type", "object_id", "person_id"]
    list_filter = ["action"]
    search_fields = ["actor_label", "object_id"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "title", "state", "attempts"]
    list_filter = ["channel", "state"]
    raw_id_fields = ["person", "user"]
