"""The client_id a batch endpoint sends back with a rejected item (checkpoint scans, doses)."""

from __future__ import annotations

import pytest

from truyvet.lib.drf import echoed_client_id


def test_a_rejected_item_gets_its_client_id_back_as_sent() -> None:
    assert echoed_client_id({"client_id": "tablet-7/0042", "scanned_at": "yesterday"}) == "tablet-7/0042"
    assert echoed_client_id({"client_id": "x" * 40}) == "x" * 40


@pytest.mark.parametrize(
    "item",
    [
        {"client_id": "x" * 41},
        {"client_id": "lone \udfff surrogate"},
        {"client_id": 42},
        {"client_id": None},
        {},
        ["client_id"],
        "client_id",
        None,
    ],
)
def test_a_client_id_that_cannot_be_sent_back_is_answered_as_null(item: object) -> None:
    assert echoed_client_id(item) is None
