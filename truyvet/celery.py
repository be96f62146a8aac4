"""Celery application.

Without ``REDIS_URL`` the settings make every task run inline (eager), so a laptop needs
no broker; with it, tasks go through Redis to ``celery -A truyvet worker``.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "truyvet.settings")

app = Celery("truyvet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
