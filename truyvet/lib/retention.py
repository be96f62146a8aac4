"""Deleting what the retention rules say may no longer be kept."""

from __future__ import annotations

from django.db.models import Model, QuerySet


def delete_in_batches(qs: QuerySet[Model], *, batch_size: int) -> int:
    """Delete the rows of ``qs`` a batch at a time (short transactions, no long lock on a
    table that is written to meanwhile). Returns how many rows of ``qs``'s model went."""
    model = qs.model
    deleted = 0
    while True:
        ids = list(qs.order_by().values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted
        _total, per_model = model._default_manager.filter(pk__in=ids).delete()
        deleted += per_model.get(model._meta.label, 0)
