"""The demo's expenses and trips: what a year of projects costs besides hours.

Train tickets, hotels, meals and monthly software licences in the client's language, most with a
receipt; trips by car between the team's home towns and the clients' sites, at 0.23 EUR/km. A few
are not billable, a few carry an internal note (which never reaches a client). Like the demo's
hours, they are pure and deterministic (a seeded generator, an explicit ``today``), and recent ones
stand in every approval stage: each project's newest item of three to twenty-one days old awaits
its client.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import NamedTuple, TypeVar

import attrs

from .model import ApprovalState, ApprovalStatus, Expense, Project, Trip, Workflow

__all__ = ["KM_RATE", "demo_costs", "staged_approval"]

#: What the demo company pays per kilometre (EUR): the Dutch tax-free mileage allowance.
KM_RATE = Decimal("0.23")

_CATEGORY = {
    "nl": {"travel": "Reiskosten", "software": "Softwarelicenties", "hotel": "Hotel",
           "meals": "Maaltijden"},
    "en": {"travel": "Travel", "software": "Software licences", "hotel": "Hotel",
           "meals": "Meals"},
    "de": {"travel": "Reisekosten", "software": "Softwarelizenzen", "hotel": "Hotel",
           "meals": "Bewirtung"},
}  # fmt: skip


class _Cost(NamedTuple):
    """An expense the team runs into: its category, what it is (``{origin}`` and
    ``{destination}`` filled in), its price range in cents (or ``per_km`` of the way there and
    back) and currency, and how likely it has a receipt and is billed to the client."""

    category: str
    description: str
    low: int
    high: int
    currency: str = "EUR"
    receipt: float = 1.0
    billable: float = 0.95
    per_km: Decimal | None = None


class _Travel(NamedTuple):
    """How the team visits a client: how many visits a project has a week, how often by car (a
    trip) rather than by public transport, and the costs of each way (each with its chance)."""

    per_week: tuple[int, ...]
    car: float
    by_car: tuple[tuple[_Cost, float], ...]
    by_train: tuple[tuple[_Cost, float], ...]
    extras: tuple[tuple[_Cost, float], ...]


#: The visits to each client and what they cost, in the client's language.
_TRAVEL: dict[str, _Travel] = {
    "lumen": _Travel(
        (0, 0, 1, 1, 2),
        car=0.6,
        by_car=((_Cost("travel", "Parkeren Amsterdam-Zuid", 1450, 3200, receipt=0.6), 0.5),),
        by_train=(
            (_Cost("travel", "Treinkaartje {origin} – {destination} retour", 0, 0,
                   per_km=Decimal("0.21")), 1.0),
            (_Cost("travel", "Taxi Amsterdam Centraal – kantoor Lumen", 2400, 4100,
                   receipt=0.9), 0.2),
        ),
        extras=(
            (_Cost("meals", "Lunch tijdens de workshop bij Lumen", 3800, 9600, receipt=0.8,
                   billable=0.7), 0.15),
            (_Cost("hotel", "Hotelovernachting Amsterdam (tweedaagse workshop)", 12900, 18900),
             0.03),
        ),
    ),
    "northwind": _Travel(
        (0, 0, 0, 0, 1),
        car=0.5,
        by_car=((_Cost("travel", "Flight Amsterdam – London City return", 14900, 28900), 1.0),),
        by_train=((_Cost("travel", "Eurostar Amsterdam – London return", 17800, 31200), 1.0),),
        extras=(
            (_Cost("hotel", "Hotel in London, one night", 14500, 21900, "GBP"), 0.8),
            (_Cost("meals", "Dinner with the Northwind team", 6200, 14800, "GBP", receipt=0.8,
                   billable=0.7), 0.5),
            (_Cost("travel", "Oyster card top-up", 2000, 4000, "GBP", receipt=0.2), 0.4),
        ),
    ),
    "bergmann": _Travel(
        (0, 0, 0, 1, 1),
        car=0.6,
        by_car=((_Cost("travel", "Parken auf dem Werksgelände", 800, 1600, receipt=0.5), 0.3),),
        by_train=(
            (_Cost("travel", "Bahnfahrkarte {origin} – {destination} hin und zurück", 5980,
                   13980), 1.0),
        ),
        extras=(
            (_Cost("hotel", "Übernachtung in {destination}", 9400, 14200), 0.3),
            (_Cost("meals", "Abendessen mit dem Projektteam", 4800, 12600, receipt=0.8,
                   billable=0.7), 0.3),
        ),
    ),
}  # fmt: skip
#: The software each project pays for every month.
_LICENCES: dict[str, _Cost] = {
    "lumen-web": _Cost("software", "Figma Professional, 3 licenties (maand)", 4500, 4500),
    "lumen-bim": _Cost("software", "Autodesk Platform Services, maandtegoed", 10000, 10000),
    "lumen-support": _Cost("software", "Uptime-monitoring (maand)", 1900, 1900, billable=0.0),
    "nw-shop": _Cost("software", "BrowserStack Live, monthly licence", 3900, 3900),
    "bm-portal": _Cost("software", "Sentry Team, Monatslizenz", 2600, 2600),
    "bm-iot": _Cost("software", "AWS IoT Core, Monatsabrechnung", 11240, 16890),
}
#: Notes the team keeps for itself (never shown to a client).
_NOTES = (
    "receipt still missing: ask before invoicing",
    "booked twice? check with finance",
    "client agreed by phone to cover this",
    "check with PM before invoicing",
)

#: Where each employee starts a trip from: their home town.
_HOME = {"eva": "Utrecht", "tom": "Amersfoort", "lisa": "Utrecht", "omar": "Arnhem",
         "mila": "Utrecht", "jonas": "Nijmegen"}  # fmt: skip
#: Where each project takes the team: the client's office, a building site, Schiphol airport.
_SITES = {
    "lumen-web": ("Amsterdam",),
    "lumen-bim": ("Amsterdam", "Almere"),
    "lumen-support": ("Amsterdam",),
    "nw-shop": ("Schiphol",),
    "nw-erp": ("Schiphol",),
    "bm-portal": ("Düsseldorf",),
    "bm-iot": ("Düsseldorf", "Krefeld"),
}
#: Road distances (km, one way).
_KM = {
    ("Utrecht", "Amsterdam"): 45, ("Amersfoort", "Amsterdam"): 52, ("Arnhem", "Amsterdam"): 101,
    ("Utrecht", "Almere"): 52, ("Arnhem", "Almere"): 96,
    ("Utrecht", "Schiphol"): 44, ("Arnhem", "Schiphol"): 108, ("Nijmegen", "Schiphol"): 116,
    ("Utrecht", "Düsseldorf"): 188, ("Amersfoort", "Düsseldorf"): 168,
    ("Arnhem", "Düsseldorf"): 107, ("Nijmegen", "Düsseldorf"): 113,
    ("Nijmegen", "Krefeld"): 82, ("Arnhem", "Krefeld"): 101,
}  # fmt: skip
#: Why the team drove, per project, in the client's language.
_WHY = {
    "lumen-web": ("Workshop op kantoor bij Lumen", "Sprintreview bij de klant",
                  "Overleg met de klant"),
    "lumen-bim": ("Bezoek aan de bouwplaats", "Overleg met de constructeur",
                  "Demonstratie BIM-viewer"),
    "lumen-support": ("Storing op locatie verholpen", "Onderhoud op locatie"),
    "nw-shop": ("To Schiphol: flight to the London workshop",
                "To Schiphol: sprint review in London"),
    "nw-erp": ("To Schiphol: ERP workshop in London",),
    "bm-portal": ("Workshop beim Kunden", "Sprint-Review vor Ort"),
    "bm-iot": ("Sensoren im Werk installieren", "Inbetriebnahme der Maschinendaten"),
}  # fmt: skip
_RETURN = {"nl": "heen en terug", "en": "return", "de": "Hin- und Rückfahrt"}
#: Projects whose fixed price includes travel: their trips carry no rate.
_NO_RATE = frozenset({"lumen-support", "bm-iot"})
#: Why a client sent an expense or a trip back, in its language.
_REJECTED_BECAUSE = {
    "expense": {"nl": "Graag het bonnetje meesturen", "en": "Please attach the receipt",
                "de": "Bitte den Beleg nachreichen"},
    "trip": {"nl": "Deze rit was niet afgesproken", "en": "This trip was not agreed",
             "de": "Diese Fahrt war nicht vereinbart"},
}  # fmt: skip
_WEEKS = 53  # a year of weeks, back from today
_YEAR = 365


def staged_approval(
    age_days: int, rnd: random.Random, workflow: Workflow, reason: str
) -> ApprovalState:
    """An item's approval state by its age in days: new ones open, older ones approved, those in
    between in every stage (sent back for ``reason``, waiting internally or for the client)."""
    if age_days > 21:
        return ApprovalState(ApprovalStatus.APPROVED, workflow, version=3)
    if age_days < 3:
        return ApprovalState()
    pick = rnd.random()
    if pick < 0.35:
        return ApprovalState(ApprovalStatus.PENDING_EXTERNAL, workflow, version=2)
    if pick < 0.55:
        return ApprovalState(ApprovalStatus.PENDING_INTERNAL, workflow, version=1)
    if pick < 0.6:
        return ApprovalState(ApprovalStatus.REJECTED, workflow, version=3, reason=reason)
    return ApprovalState(ApprovalStatus.APPROVED, workflow, version=3)


def demo_costs(
    projects: Sequence[Project],
    *,
    languages: Mapping[str, str],
    today: dt.date,
    workflow: Workflow,
    seed: int = 2026,
) -> tuple[tuple[Expense, ...], tuple[Trip, ...]]:
    """A year of the projects' expenses and trips up to ``today``, each newest first (ids
    ``x00001``, ... and ``t00001``, ...).

    Every week the team visits some clients: by car (a trip from the employee's home town, mostly
    there and back, at :data:`KM_RATE`; no rate where a fixed price includes travel) or by public
    transport (a ticket), with parking, hotels and meals on the way. Every month each project's
    software licence is paid. ``languages`` maps a client id to the language its items are
    written in; approval states follow ``workflow``.
    """
    rnd = random.Random(f"{seed}:costs")
    spent: list[_Spent] = []
    drove: list[_Visit] = []
    for visit in _visits(projects, today, rnd):
        travel = _TRAVEL[visit.project.client_id]
        if visit.by_car:
            drove.append(visit)
        for cost, chance in (*(travel.by_car if visit.by_car else travel.by_train), *travel.extras):
            if rnd.random() < chance:
                spent.append(_Spent(visit, cost))
    for day in _first_working_days(today):
        for project in projects:
            licence = _LICENCES.get(project.id)
            if licence is not None and project.member_ids:
                visit = _Visit(day, project, min(project.member_ids), "", by_car=False)
                spent.append(_Spent(visit, licence))
    spent.sort(key=lambda s: (*s.visit.key, s.cost.description), reverse=True)
    drove.sort(key=lambda v: v.key, reverse=True)
    world = _World(languages, today, workflow)
    expenses = [_expense(n, s, rnd, world) for n, s in enumerate(spent, start=1)]
    trips = [_trip(n, v, rnd, world) for n, v in enumerate(drove, start=1)]
    return (
        tuple(_awaiting_the_client(expenses, today, workflow)),
        tuple(_awaiting_the_client(trips, today, workflow)),
    )


class _Visit(NamedTuple):
    """An employee's visit on a project's business: where to, and whether by car."""

    day: dt.date
    project: Project
    employee_id: str
    destination: str
    by_car: bool

    @property
    def key(self) -> tuple[dt.date, str, str, str]:
        return (self.day, self.project.id, self.employee_id, self.destination)


class _Spent(NamedTuple):
    visit: _Visit
    cost: _Cost


class _World(NamedTuple):
    languages: Mapping[str, str]
    today: dt.date
    workflow: Workflow


def _visits(projects: Sequence[Project], today: dt.date, rnd: random.Random) -> Iterator[_Visit]:
    """The visits of each week of the year up to ``today``. In weeks 1 and 2 (the ones whose
    items stand in the approval stages) every project has one: by car in week 1 (a trip), by
    public transport in week 2 (a ticket)."""
    for week, days in _weeks(today):
        for project in projects:
            travel = _TRAVEL.get(project.client_id)
            if travel is None or project.id not in _SITES or not project.member_ids:
                continue
            n = rnd.choice(travel.per_week)
            for i in range(max(n, 1) if week in (1, 2) else n):
                by_car = rnd.random() < travel.car if week not in (1, 2) or i else week == 1
                yield _Visit(
                    rnd.choice(days),
                    project,
                    rnd.choice(sorted(project.member_ids)),
                    rnd.choice(_SITES[project.id]),
                    by_car,
                )


def _expense(n: int, spent: _Spent, rnd: random.Random, world: _World) -> Expense:
    visit, cost = spent
    language = world.languages[visit.project.client_id]
    origin = _HOME[visit.employee_id]
    if cost.per_km is None:
        cents = Decimal(rnd.randint(cost.low, cost.high))
    else:
        cents = (cost.per_km * 2 * _KM[origin, visit.destination] * 100).quantize(Decimal(1))
    return Expense(
        id=f"x{n:05d}",
        project_id=visit.project.id,
        employee_id=visit.employee_id,
        date=visit.day,
        amount=cents.scaleb(-2),
        currency=cost.currency,
        description=cost.description.format(origin=origin, destination=visit.destination),
        category=_CATEGORY[language][cost.category],
        billable=rnd.random() < cost.billable,
        internal_note=rnd.choice(_NOTES) if rnd.random() < 0.05 else None,
        receipt=rnd.random() < cost.receipt,
        approval=staged_approval(
            (world.today - visit.day).days,
            rnd,
            world.workflow,
            _REJECTED_BECAUSE["expense"][language],
        ),
    )


def _trip(n: int, visit: _Visit, rnd: random.Random, world: _World) -> Trip:
    language = world.languages[visit.project.client_id]
    origin = _HOME[visit.employee_id]
    back = rnd.random() < 0.85
    why = rnd.choice(_WHY[visit.project.id])
    rate = None if visit.project.id in _NO_RATE else KM_RATE
    return Trip(
        id=f"t{n:05d}",
        project_id=visit.project.id,
        employee_id=visit.employee_id,
        date=visit.day,
        distance=Decimal(_KM[origin, visit.destination] * (2 if back else 1)),
        description=f"{why}, {_RETURN[language]}" if back else why,
        origin=origin,
        destination=visit.destination,
        billable=rnd.random() < 0.93,
        rate=rate,
        currency=None if rate is None else "EUR",
        internal_note=rnd.choice(_NOTES[1:]) if rnd.random() < 0.04 else None,
        approval=staged_approval(
            (world.today - visit.day).days, rnd, world.workflow, _REJECTED_BECAUSE["trip"][language]
        ),
    )


def _weeks(today: dt.date) -> Iterator[tuple[int, list[dt.date]]]:
    """Each stretch of seven days back from ``today`` (``today``'s is week 0) and its working
    days within a year of ``today``, for the weeks that have some."""
    for week in range(_WEEKS):
        end = today - dt.timedelta(days=7 * week)
        days = [end - dt.timedelta(days=n) for n in range(7)]
        working = [d for d in days if d.weekday() < 5 and (today - d).days <= _YEAR]
        if working:
            yield week, working


def _first_working_days(today: dt.date) -> Iterator[dt.date]:
    """The first working day of each month of the year up to ``today``."""
    month = today.replace(day=1)
    while (today - month).days <= _YEAR:
        day = month
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        if day <= today:
            yield day
        month = (month - dt.timedelta(days=1)).replace(day=1)


_Item = TypeVar("_Item", Expense, Trip)


def _awaiting_the_client(items: list[_Item], today: dt.date, workflow: Workflow) -> list[_Item]:
    """``items`` (newest first), each project's newest one of 3 to 21 days old awaiting its
    client and billable, so every portal that lets its client approve has some to show."""
    done: set[str] = set()
    result = []
    for item in items:
        if 3 <= (today - item.date).days <= 21 and item.project_id not in done:
            done.add(item.project_id)
            waiting = ApprovalState(ApprovalStatus.PENDING_EXTERNAL, workflow, version=2)
            item = attrs.evolve(item, billable=True, approval=waiting)
        result.append(item)
    return result
