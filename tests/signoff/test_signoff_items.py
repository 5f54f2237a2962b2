"""A certificate covers the items of its rows (``SignOff.items``, what the store indexes it by
and withdraws it by), in the rows' canonical order whatever order they came in; reading it
back checks them, and a withdrawn certificate still reads (its hash is the same)."""

from __future__ import annotations

import datetime as dt
import random

import attrs
import pytest
from test_signoff_document import entry, rows, signed

from clientportal.errors import ValidationError
from clientportal.model import ItemKind, ItemRef
from clientportal.signoff import read_certificate

COVERED = (
    ItemRef(ItemKind.ENTRY, "e1"),
    ItemRef(ItemKind.ENTRY, "e10"),
    ItemRef(ItemKind.ENTRY, "e2"),
    ItemRef(ItemKind.EXPENSE, "x1"),
    ItemRef(ItemKind.TRIP, "t1"),
)


def test_a_certificate_covers_its_rows_items_in_canonical_order() -> None:
    made = list(rows(entry("e2"), entry("e10"), entry("e1")))
    random.Random(7).shuffle(made)
    assert signed(tuple(made)).items == COVERED
    assert signed(tuple(reversed(made))).items == COVERED


def test_reading_checks_the_items_and_a_withdrawn_certificate_still_reads() -> None:
    made = signed(rows(entry("e2"), entry("e10"), entry("e1")))
    withdrawn = attrs.evolve(made, withdrawn_at=dt.datetime(2026, 12, 3, tzinfo=dt.UTC))
    assert read_certificate(withdrawn) == read_certificate(made)
    assert read_certificate(attrs.evolve(made, items=())).sha256 == made.sha256
    with pytest.raises(ValidationError, match="covers other items than its document's rows"):
        read_certificate(attrs.evolve(made, items=COVERED[:2]))
    with pytest.raises(ValidationError, match="covers other items"):
        read_certificate(attrs.evolve(made, items=(*COVERED, ItemRef.entry("e9"))))
