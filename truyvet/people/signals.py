"""Signals other apps answer without people importing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside person_merge's transaction, before rows move from ``duplicate`` to
# ``survivor``: receivers fold rows that cannot simply move (one active follow-up per
# person, one open case per person) or raise DomainError to refuse the merge.
person_merging = Signal()
