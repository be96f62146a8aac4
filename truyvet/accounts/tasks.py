from __future__ import annotations

from celery import shared_task

from truyvet.accounts.services import login_codes_purge


@shared_task(acks_late=True)
def purge_expired_login_codes() -> int:
    return login_codes_purge()
