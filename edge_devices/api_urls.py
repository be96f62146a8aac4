"""Edge device routes under /api/v1/ (included by the project's api_v1 list)."""

from __future__ import annotations

from django.urls import path

from edge_devices.api import DeviceRegisterView, HeartbeatView, HikvisionEventView, ReadingCreateView, ReadingDetailView

urlpatterns = [
    path("devices/", DeviceRegisterView.as_view(), name="devices"),
    path("devices/readings/", ReadingCreateView.as_view(), name="device-readings"),
    path("devices/readings/<str:reading_id>/", ReadingDetailView.as_view(), name="device-reading"),
    path("devices/heartbeat/", HeartbeatView.as_view(), name="device-heartbeat"),
    path("devices/hikvision/", HikvisionEventView.as_view(), name="device-hikvision"),
]
