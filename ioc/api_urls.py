"""IOC routes under /api/v1/ (included by the project's api_v1 list)."""

from __future__ import annotations

from django.urls import path

from ioc.api import IocEventsView

urlpatterns = [path("ioc/events/", IocEventsView.as_view(), name="ioc-events")]
