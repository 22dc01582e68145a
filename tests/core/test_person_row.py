"""Person.from_row unpacks a ``SELECT *`` row by position: the table's columns must be its fields."""

from __future__ import annotations

import dataclasses

from catapult_sim.core.models import Person
from catapult_sim.core.store import Store


def test_the_persons_columns_are_the_person_fields_in_order() -> None:
    store = Store(":memory:")
    try:
        with store.read() as tx:
            columns = [row["name"] for row in tx.all("PRAGMA table_info(persons)")]
    finally:
        store.close()
    assert columns == [f.name for f in dataclasses.fields(Person)]
