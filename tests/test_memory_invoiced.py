"""``MemoryDataSource(invoiced=...)``: the reference implementation of the optional DataSource
part :class:`~clientportal.ports.InvoicedItems` (what the host has invoiced: a client can no
longer undo a decision on it)."""

from __future__ import annotations

import pytest

from clientportal import ConfigError, Dataset, ItemRef, MemoryDataSource
from clientportal.ports import DataSource, InvoicedItems


def test_the_memory_source_answers_which_of_the_asked_items_are_invoiced() -> None:
    source = MemoryDataSource(
        Dataset(), invoiced=[ItemRef.entry("e1"), ItemRef.expense("e1"), ItemRef.trip("t9")]
    )
    assert isinstance(source, InvoicedItems)
    asked = frozenset({ItemRef.entry("e1"), ItemRef.entry("e2"), ItemRef.trip("e1")})
    # A subset of what was asked, told apart by kind (an expense may share an entry's id).
    assert source.invoiced(asked) == {ItemRef.entry("e1")}
    assert source.invoiced(frozenset()) == frozenset()


def test_without_invoiced_items_nothing_is_invoiced() -> None:
    source = MemoryDataSource(Dataset())
    assert source.invoiced(frozenset({ItemRef.entry("e1")})) == frozenset()


def test_invoiced_must_be_item_refs() -> None:
    with pytest.raises(ConfigError, match=r"invoiced: give ItemRef values"):
        MemoryDataSource(Dataset(), invoiced=["e1"])  # type: ignore[list-item]


def test_a_source_without_the_method_is_not_an_invoiced_items_part() -> None:
    class Plain:
        pass

    assert not isinstance(Plain(), InvoicedItems)
    assert isinstance(MemoryDataSource(Dataset()), DataSource)
