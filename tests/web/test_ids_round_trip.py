"""Every id the model accepts survives every place the web layer carries it (issue 12, Deliver 7):
page URLs (portal and document ids), page cursors and the "Previous" trail, form values (the
approvals form's ``<version>:<id>`` refs, the filters' options), the JSON API and the CSV export.
And the strategy :func:`~clientportal.testing.strategies.ids` draws exactly what the model
accepts, so these properties cover every id a host may have.

Ids come from the host's own data, so they may hold ``/``, ``%``, ``?``, quotes, ``..`` or any
script: a browser resolves dot segments, and a server percent-decodes the path before the app sees
it, both of which these tests do as they do.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from collections.abc import Callable
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any, TypeVar
from urllib.parse import unquote, urlencode, urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from webtools import Result, WsgiClient

from clientportal import (
    ApprovalState,
    ApprovalStatus,
    Client,
    Contact,
    Dataset,
    DocumentStatus,
    Employee,
    Invoice,
    MemoryDataSource,
    MemoryStore,
    Portal,
    PortalService,
    PortalSettings,
    Project,
    TimeEntry,
    Workflow,
)
from clientportal._validators import MAX_ID_LENGTH, id_problem
from clientportal.convert import structure, unstructure
from clientportal.ports import EntryCursor
from clientportal.ports.data import DocumentFile
from clientportal.service.export import csv_lines
from clientportal.testing.strategies import ids
from clientportal.visibility import Scope, visible_entries
from clientportal.web import PortalApp, make_wsgi_app
from clientportal.web.api import EntryRef
from clientportal.web.http import QueryParams
from clientportal.web.params import (
    MAX_TRAIL,
    decode_cursor,
    decode_trail,
    encode_cursor,
    encode_trail,
    entry_query,
    parse_id,
)
from clientportal.web.problems import BadRequest
from clientportal.web.routing import Match
from worlds import EXTERNAL, MAIL, SECRET

#: Ids that are ids, though awkward in a URL, a query, HTML, JSON or a spreadsheet; every
#: property below runs with each of them as well as with what hypothesis draws.
AWKWARD_IDS = [
    "/",
    "INV/2026/041",
    ".",
    "..",
    "%",
    "%2F",
    "a%41b",
    "?x=1#y",
    "+ &;=,",
    "=SUM(A1)",
    "-1",
    "@me",
    "<b>\"'&amp;",
    "é€ß 日本",
    "a\u2028\x85\ufeffb",
    "x\u00a0y",
    "x" * MAX_ID_LENGTH,
    "\U0001d11e" * MAX_ID_LENGTH,  # four bytes each in UTF-8
]
_random = random.Random(12)
#: The longest ids that zlib cannot shrink (CJK, four UTF-8 bytes each): the longest trail.
DENSE_IDS = [
    "".join(chr(_random.randrange(0x20000, 0x2A6D0)) for _ in range(MAX_ID_LENGTH))
    for _ in range(MAX_TRAIL)
]
#: What the model refuses as an id: so must the web layer.
NOT_IDS = [
    "",
    " ",
    " a",
    "a ",
    "\u3000a",
    "a\nb",
    "a\tb",
    "a\x00b",
    "a\x7fb",
    "a\ufffdb",
    "a\ud800b",
    "x" * (MAX_ID_LENGTH + 1),
]

_F = TypeVar("_F", bound=Callable[..., None])


def with_awkward_ids(name: str, **others: Any) -> Callable[[_F], _F]:
    """Run a property with each of :data:`AWKWARD_IDS` as argument ``name`` too (and
    ``others`` as the other arguments)."""

    def decorate(test: _F) -> _F:
        for value in AWKWARD_IDS:
            test = example(**{name: value}, **others)(test)
        return test

    return decorate


# --------------------------------------------------------------------------------------------------
# The strategy and the model agree


@given(value=ids())
def test_the_ids_strategy_draws_only_what_the_model_accepts(value: str) -> None:
    assert id_problem(value) is None
    assert Client(value, "Acme").id == value
    assert parse_id(value, "id") == value


@pytest.mark.parametrize("value", AWKWARD_IDS)
def test_awkward_ids_are_ids_to_the_model_and_to_the_web_layer(value: str) -> None:
    assert id_problem(value) is None
    assert Client(value, "Acme").id == value
    assert parse_id(value, "id") == value


@pytest.mark.parametrize("value", NOT_IDS, ids=repr)
def test_what_the_model_refuses_as_an_id_the_web_layer_refuses_too(value: str) -> None:
    assert id_problem(value) is not None
    with pytest.raises(ValueError, match="id"):
        Client(value, "Acme")
    with pytest.raises(BadRequest, match="is not an id"):
        parse_id(value, "entry")


# --------------------------------------------------------------------------------------------------
# URLs, cursors, JSON and CSV, one at a time


def browser_path(path: str) -> str:
    """``path`` as a browser requests it: dot segments (``.``, ``..``, also written ``%2e``)
    resolved, as the WHATWG URL standard says."""
    segments = path.split("/")[1:]
    out: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        lowered = segment.lower()
        if lowered in ("..", ".%2e", "%2e.", "%2e%2e"):
            if out:
                out.pop()
            if last:
                out.append("")
        elif lowered in (".", "%2e"):
            if last:
                out.append("")
        else:
            out.append(segment)
    return "/" + "/".join(out)


def server_path(path: str) -> str:
    """The path a server hands to the app for a request of ``path``: percent-decoded."""
    return unquote(browser_path(path), errors="strict")


_APP = PortalApp(
    PortalService(MemoryDataSource(Dataset()), MemoryStore(), secret_keys=[SECRET], mail=MAIL)
)


@given(value=ids())
@with_awkward_ids("value")
def test_every_route_carries_any_id_in_its_path(value: str) -> None:
    for route in _APP.routes:
        if not route.params:
            continue
        values = dict.fromkeys(route.params, value)
        path = route.build(**values)
        found = _APP.router.match(route.method, server_path(path))
        assert isinstance(found, Match), (route.pattern, path)
        assert found.route.pattern == route.pattern, path
        assert dict(found.params) == values


@given(value=ids())
@with_awkward_ids("value")
def test_the_portal_url_in_e_mails_carries_any_portal_id(value: str) -> None:
    url = MAIL.portal_url(value)
    assert url.startswith(MAIL.base_url + "/")
    path = server_path(url[len(MAIL.base_url) :])
    found = _APP.router.match("GET", path)
    assert isinstance(found, Match), (url, path)
    assert dict(found.params) == {"portal_id": value}


@given(day=st.dates(), entry_id=ids())
@with_awkward_ids("entry_id", day=dt.date(2026, 1, 31))
def test_a_page_cursor_carries_any_id_through_a_next_link(day: dt.date, entry_id: str) -> None:
    cursor = EntryCursor(day, entry_id)
    link = "/hours?" + urlencode([("employee", "eva"), ("after", encode_cursor(cursor))])
    assert decode_cursor(encode_cursor(cursor)) == cursor
    query = entry_query(QueryParams.parse(urlsplit(link).query), limit=10)
    assert query.after == cursor
    assert query.employee_ids == {"eva"}


@given(st.lists(st.builds(EntryCursor, st.dates(), ids()), min_size=1, max_size=MAX_TRAIL))
@example([EntryCursor(dt.date(2026, 1, 31), "\U0001d11e" * MAX_ID_LENGTH)] * MAX_TRAIL)
@example([EntryCursor(dt.date(2026, 1, 31), dense) for dense in DENSE_IDS])
def test_the_previous_trail_carries_any_ids(cursors: list[EntryCursor]) -> None:
    assert decode_trail(encode_trail(cursors)) == tuple(cursors)


@given(entry_id=ids(), version=st.integers(0, 10**6))
@with_awkward_ids("entry_id", version=3)
def test_the_json_api_carries_any_id_both_ways(entry_id: str, version: int) -> None:
    wire = json.loads(json.dumps(unstructure(EntryRef(entry_id, version))))
    assert wire == {"id": entry_id, "version": version, "kind": "ENTRY"}
    assert structure(wire, EntryRef) == EntryRef(entry_id, version)


_FORMULA_START = ("=", "+", "-", "@")


def _defused(value: str) -> str:
    """A text cell as the CSV writes it: with a leading apostrophe when a spreadsheet would run
    it as a formula (the export's defence against CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


@given(employee_id=ids(), project_id=ids(), language=st.sampled_from(["en", "nl"]))
@with_awkward_ids("employee_id", project_id="web", language="nl")
@with_awkward_ids("project_id", employee_id="eva", language="en")
def test_the_csv_export_carries_any_id_in_its_cells(
    employee_id: str, project_id: str, language: str
) -> None:
    """An id shows in the CSV where the source has no name for it (the employee) or the portal
    lists no name (the project); parsed back with the csv module it is the id, defused."""
    project = Project(project_id, "c", "Website", member_ids={employee_id})
    portal = Portal(
        id="p", client_id="c", name="Portal", language=language, project_ids={project_id},
        created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    entry = TimeEntry("e1", project_id, employee_id, dt.date(2026, 1, 5), 5400, "Work")
    lines = csv_lines(
        visible_entries(portal, [project], [entry]),
        scope=Scope.of(portal),
        language=language,
        project_names={},
        employee_names=lambda wanted: {},
    )
    text = "".join(lines)
    delimiter = ";" if ";" in text.partition("\r\n")[0] else ","  # the header has no quotes
    header, row = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    assert len(row) == len(header)
    assert row[1:3] == [_defused(employee_id), _defused(project_id)]


# --------------------------------------------------------------------------------------------------
# The whole portal, over WSGI: a link, the pages, their links and forms, the API


class Tags(HTMLParser):
    """The start tags of a page with their attributes (entities resolved, as a browser does)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def all(self, tag: str, **wanted: str) -> list[dict[str, str]]:
        return [
            attrs
            for name, attrs in self.tags
            if name == tag and all(attrs.get(k.rstrip("_")) == v for k, v in wanted.items())
        ]

    def one(self, tag: str, **wanted: str) -> dict[str, str]:
        found = self.all(tag, **wanted)
        assert len(found) == 1, (tag, wanted, found)
        return found[0]


PDF = b"%PDF-1.4 invoice"


def id_portal(
    portal_id: str, entry_ids: list[str], document_id: str, project_id: str, employee_id: str
) -> tuple[PortalService, WsgiClient]:
    """A portal ``portal_id`` on one project with two entries awaiting the client (the first the
    newer), one invoice with its file, every id as given; and a browser on it, one hour a page."""
    waiting = ApprovalState(ApprovalStatus.PENDING_EXTERNAL, Workflow.EXTERNAL, version=1)
    day = dt.date(2026, 3, 16)
    entries = [
        TimeEntry(entry_id, project_id, employee_id, day - dt.timedelta(days=n), 3600,
                  f"Task {n}", approval=waiting)
        for n, entry_id in enumerate(entry_ids)
    ]  # fmt: skip
    data = Dataset(
        clients=[Client("c", "Client")],
        contacts=[Contact("ann", "c", "Ann", "ann@client.example", "en")],
        employees=[Employee(employee_id, "Eva Jansen")],
        projects=[Project(project_id, "c", "Website", member_ids={employee_id})],
        entries=entries,
        invoices=[
            Invoice(document_id, "c", "INV-1", day, Decimal("90.00"), "EUR", DocumentStatus.SENT)
        ],
    )
    store = MemoryStore()
    documents = {("invoice", document_id): DocumentFile("invoice.pdf", "application/pdf", PDF)}
    source = MemoryDataSource(data, store, documents=documents)
    service = PortalService(source, store, secret_keys=[SECRET], policy=EXTERNAL, mail=MAIL)
    service.admin.create_portal(
        id=portal_id, client_id="c", name="Portal", project_ids={project_id},
        contact_ids={"ann"}, settings=PortalSettings(show_invoices=True, approval=True),
    )  # fmt: skip
    app = PortalApp(service, page_size=1)
    app.renderer = _APP.renderer  # the same templates, compiled once for every example
    return service, WsgiClient(make_wsgi_app(app))


def visit(client: WsgiClient, url: str, status: int = 200, **kw: Any) -> Result:
    """Request ``url`` (taken from a page or a header) as a browser does."""
    parts = urlsplit(url)
    path = browser_path(parts.path) + (f"?{parts.query}" if parts.query else "")
    method = "POST" if "data" in kw or "json" in kw else "GET"
    result = client.request(method, path, **kw)
    assert result.status == status, (method, url, result.status, result.text[:2000])
    return result


def _distinct(values: list[str]) -> bool:
    return len(set(values)) == len(values)


# A whole portal per example (~0.1 s): at most 200 examples, even in the `ci` profile; the
# properties above check each place one at a time with the profile's full count.
@settings(max_examples=min(settings().max_examples, 200))
@given(
    portal_id=ids(),
    entry_ids=st.lists(ids(), min_size=2, max_size=2, unique=True),
    document_id=ids(),
    project_id=ids(),
    employee_id=ids(),
)
@example(
    portal_id="..",
    entry_ids=["a/b", "%2F"],
    document_id="INV/2026/041",
    project_id="=SUM(A1)",
    employee_id="<b>\"'&amp;",
)
@example(
    portal_id="\U0001d11e" * MAX_ID_LENGTH,
    entry_ids=["\U0001d11e" * MAX_ID_LENGTH, "é" * MAX_ID_LENGTH],
    document_id="?x=1#y",
    project_id="+ &;=,",
    employee_id="%",
)
def test_any_ids_survive_the_portal_from_link_to_decision(
    portal_id: str, entry_ids: list[str], document_id: str, project_id: str, employee_id: str
) -> None:
    service, client = id_portal(portal_id, entry_ids, document_id, project_id, employee_id)
    newer, older = entry_ids
    opened = visit(client, f"/l/{service.links.issue(portal_id, 'ann').token}", status=303)
    overview = opened.location or ""
    assert overview.startswith("/portal/")
    assert "Portal" in visit(client, overview).text

    # The filters offer the ids as options; chosen, they come back through the query string,
    # and the next page's link carries the last entry's id in its cursor (and back again).
    hours = Tags(visit(client, overview + "/hours").text)
    assert {o["value"] for o in hours.all("option")} >= {project_id, employee_id}
    chosen = f"{overview}/hours?{urlencode({'project': project_id, 'employee': employee_id})}"
    first = visit(client, chosen)
    assert "Task 0" in first.text
    following = visit(client, Tags(first.text).one("a", rel="next")["href"])
    assert "Task 1" in following.text
    back = visit(client, Tags(following.text).one("a", rel="prev")["href"])
    assert "Task 0" in back.text

    # The document's download link carries its id.
    invoices = Tags(visit(client, overview + "/invoices").text)
    links = [a["href"] for a in invoices.all("a") if "/invoices/" in a.get("href", "")]
    assert len(links) == 1
    assert visit(client, links[0]).body == PDF

    # The approvals form carries "<version>:<id>"; the decision lands on that entry.
    page = Tags(visit(client, overview + "/approvals").text)
    form = next(f for f in page.all("form", method="post") if f["action"].endswith("/approvals"))
    csrf = page.all("input", name="csrf_token")[0]["value"]
    ref = page.one("input", name="entry")["value"]
    assert ref == f"1:{newer}"
    visit(client, form["action"], status=303, data=[("csrf_token", csrf), ("action", "approve"),
                                                    ("entry", ref)])  # fmt: skip
    assert service.approvals.history(newer)[-1].after.status is ApprovalStatus.APPROVED

    # The JSON API: the ids in its answers, a cursor to the next page, and a decision by id.
    api = _APP.router.named("api_approvals").build(portal_id=portal_id)
    listed = visit(client, api + "?limit=1").json()
    assert [e["id"] for e in listed["entries"]] == [older]
    session = visit(client, _APP.router.named("api_session").build(portal_id=portal_id)).json()
    assert session["portal_id"] == portal_id
    hours_api = _APP.router.named("api_hours").build(portal_id=portal_id)
    page_one = visit(client, hours_api + "?limit=1").json()
    assert [e["id"] for e in page_one["entries"]] == [newer]
    assert page_one["entries"][0]["project_id"] == project_id
    assert page_one["entries"][0]["employee_id"] == employee_id
    page_two = visit(client, f"{hours_api}?{urlencode({'limit': 1, 'after': page_one['next']})}")
    assert [e["id"] for e in page_two.json()["entries"]] == [older]
    decided = visit(
        client,
        api,
        json={"action": "REJECT", "entries": [{"id": older, "version": 1}], "reason": "Not ours"},
        headers={"X-CSRF-Token": session["csrf_token"]},
    ).json()
    assert [o["entry_id"] for o in decided["outcomes"]] == [older]
    assert service.approvals.history(older)[-1].after.status is ApprovalStatus.REJECTED
