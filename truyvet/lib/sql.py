"""Rows of several tables written in one SQL statement, for hot paths where each round trip
to the database counts (PostgreSQL: data-modifying CTEs)."""

from __future__ import annotations

from typing import Any

from django.db import connection, models

_TEMPLATES: dict[tuple[type[models.Model], bool], tuple[str, list[models.Field[Any, Any]]]] = {}


def _template(model: type[models.Model], with_pk: bool) -> tuple[str, list[models.Field[Any, Any]]]:
    key = (model, with_pk)
    if key not in _TEMPLATES:
        fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields if f.column)
        placeholders = ", ".join(["%s"] * len(fields))
        _TEMPLATES[key] = (f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})", fields)  # noqa: S608
    return _TEMPLATES[key]


def insert_sql(obj: models.Model) -> tuple[str, list[Any]]:
    """``INSERT INTO ... VALUES (...)`` for an unsaved instance: every concrete column, with
    the value ``save()`` would write (defaults, ``auto_now_add``); the primary key when set."""
    sql, fields = _template(type(obj), obj.pk is not None)
    return sql, [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def insert_together(*rows: models.Model) -> None:
    """Insert the instances in one statement (one round trip, atomic on its own): each but
    the last as a data-modifying CTE. Primary keys must be set (see ``next_ids``) where rows
    refer to each other; foreign keys are checked at commit, as Django declares them."""
    parts = [insert_sql(row) for row in rows]
    ctes = ", ".join(f"w{i} AS ({sql})" for i, (sql, _params) in enumerate(parts[:-1]))
    sql = f"WITH {ctes} {parts[-1][0]}" if ctes else parts[-1][0]
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for _sql, params in parts for value in params])


def next_ids_sql(*models_: type[models.Model]) -> str:
    """Select-list items taking the next primary key of each model's table (PostgreSQL)."""
    return ", ".join(f"nextval(pg_get_serial_sequence('{m._meta.db_table}', '{m._meta.pk.column}'))" for m in models_)
