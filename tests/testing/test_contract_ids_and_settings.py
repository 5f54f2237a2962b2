"""The kit's renumbering into a host's integer ids, and its hypothesis settings (a host's own
settings win)."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, Phase, given, settings

from clientportal.model import Dataset
from clientportal.ports import EntryCursor, EntryQuery, IdOrder
from clientportal.testing.contract import Renumbering, kit_settings, sample_dataset
from clientportal.testing.contract.cost_draws import cost_sample
from clientportal.testing.strategies import worlds

#: The profile's examples, at most 200 (at 1,000 the renumbering property took a minute of CI).
EXAMPLES = min(200, settings.default.max_examples if settings.default else 100)


def canonical(value: str) -> bool:
    return value.isdigit() and str(int(value)) == value


@settings(max_examples=EXAMPLES)
@given(worlds())
def test_every_id_and_reference_becomes_a_canonical_integer(world: Dataset) -> None:
    ids = Renumbering(world, IdOrder.INTEGER)
    mapped = ids.dataset(world)
    records = (
        *mapped.clients, *mapped.contacts, *mapped.employees, *mapped.projects, *mapped.entries,
        *mapped.budgets, *mapped.invoices, *mapped.quotes, *mapped.expenses, *mapped.trips,
    )  # fmt: skip
    assert all(canonical(r.id) for r in records)
    project_ids = {p.id for p in mapped.projects}
    assert all(e.project_id in project_ids for e in (*mapped.entries, *mapped.expenses))
    assert {c.id for c in mapped.clients} >= {p.client_id for p in mapped.projects}
    for before, after in zip(world.entries, mapped.entries, strict=True):
        assert ids.id("entry", before.id) == after.id
        assert ids.id("project", before.project_id) == after.project_id


def test_unknown_ids_are_integers_no_record_has_and_stay_the_same() -> None:
    ids = Renumbering(cost_sample(), IdOrder.INTEGER)
    mapped = ids.dataset(cost_sample())
    unknown = ids.id("project", "p-unknown")
    assert canonical(unknown)
    assert unknown not in {p.id for p in mapped.projects}
    assert ids.id("project", "p-unknown") == unknown != ids.id("project", "p-gone")
    query = ids.query(
        EntryQuery(project_ids={"p1"}, after=EntryCursor(dt.date(2026, 3, 1), "t04")), "trip"
    )
    assert query.project_ids == {ids.id("project", "p1")}
    assert query.after is not None
    assert query.after.id == ids.id("trip", "t04")


def test_integer_ids_order_differently_as_text_and_as_numbers() -> None:
    mapped = Renumbering(sample_dataset(), IdOrder.INTEGER).dataset(sample_dataset())
    entry_ids = [e.id for e in mapped.entries]
    assert sorted(entry_ids) != sorted(entry_ids, key=int)


def test_text_ids_are_left_as_drawn() -> None:
    ids = Renumbering(sample_dataset(), IdOrder.TEXT)
    assert ids.dataset(sample_dataset()) == sample_dataset()
    assert ids.id("entry", "e-unknown") == "e-unknown"


def test_the_kit_keeps_what_the_host_set() -> None:
    host = settings(
        max_examples=7,
        deadline=dt.timedelta(seconds=3),
        suppress_health_check=[HealthCheck.filter_too_much],
        phases=[Phase.generate],
    )
    chosen = kit_settings(host, 100)
    assert chosen.max_examples == 7
    assert chosen.deadline == dt.timedelta(seconds=3)
    assert HealthCheck.filter_too_much in chosen.suppress_health_check
    assert HealthCheck.too_slow in chosen.suppress_health_check
    assert tuple(chosen.phases) == (Phase.generate,)


def test_the_kit_fills_in_only_what_the_host_left() -> None:
    chosen = kit_settings(settings(phases=[Phase.generate]), 3)
    assert chosen.max_examples == 3  # the contract's max_examples, under the active profile's
    hypothesis_defaults = settings.get_profile("default")
    assert kit_settings(settings(hypothesis_defaults), 3).deadline is None
    assert HealthCheck.data_too_large in chosen.suppress_health_check
    assert tuple(chosen.phases) == (Phase.generate,)
