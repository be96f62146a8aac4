from __future__ import annotations

from truyvet.celery import app as celery_app

__all__ = ["celery_app"]
