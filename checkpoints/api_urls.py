"""Checkpoint routes under /api/v1/ (included by the project's api_v1 list)."""

from __future__ import annotations

from django.urls import path

from checkpoints.api import CheckpointListView, HeartbeatView, ScanBatchView, TravellerCheckView

urlpatterns = [
    path("checkpoints/", CheckpointListView.as_view(), name="checkpoints"),
    path("checkpoints/<str:checkpoint_id>/scans/", ScanBatchView.as_view(), name="checkpoint-scans"),
    path("checkpoints/<str:checkpoint_id>/check/", TravellerCheckView.as_view(), name="checkpoint-check"),
    path("checkpoints/<str:checkpoint_id>/heartbeat/", HeartbeatView.as_view(), name="checkpoint-heartbeat"),
]
