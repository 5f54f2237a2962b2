"""docs/quotes.md stays true: the template variables, the event's data, the signature's limit and
the routes it names are the code's."""

from __future__ import annotations

import re
from pathlib import Path

from clientportal.mail.templates import REQUIRED_VARIABLES, TEMPLATE_VARIABLES, MailKind
from clientportal.service.quotes import MAX_SIGNATURE, Openness, quote_event
from clientportal.web import PortalApp
from quote_world import quote_world
from worlds import visit_as

DOC = (Path(__file__).parents[1] / "docs" / "quotes.md").read_text()


def paragraph(start: str) -> str:
    """The paragraph, or list item, that starts with ``start``."""
    rest = DOC[DOC.index(start) :]
    return re.split(r"\n\n|\n- ", rest, maxsplit=1)[0]


def test_the_template_variables_are_the_documented_ones() -> None:
    said = paragraph("- **The notice**")
    named = set(re.findall(r"`([a-z_]+)`", said[said.index("variables are") :]))
    named -= {"quote_decided"}
    assert named >= TEMPLATE_VARIABLES[MailKind.QUOTE_DECIDED]
    assert named - TEMPLATE_VARIABLES[MailKind.QUOTE_DECIDED] == set()
    assert "must use `quote_number` and `signature`" in said
    assert REQUIRED_VARIABLES[MailKind.QUOTE_DECIDED] == {"quote_number", "signature"}


def test_the_events_data_is_the_documented_one() -> None:
    world = quote_world()
    visit = visit_as(world.service, "bob", "acme-q")
    choice = world.service.quotes.quote(visit, "q-open")
    decision = world.service.quotes.decide(visit, "q-open", accept=True, signature="Bob")
    said = paragraph("- **The event**")
    named = set(re.findall(r"`([a-z_]+)`", said)) - {"quote", "party", "id", "data"}
    assert named == set(quote_event(choice.quote, decision).data)


def test_the_limits_and_reasons_are_the_codes() -> None:
    assert f"at most {MAX_SIGNATURE} characters" in DOC
    for why in ("DECIDED", "EXPIRED", "CLOSED"):
        assert f"`{why}`" in DOC
        assert Openness[why]


def test_the_pages_it_names_are_routes_of_the_app() -> None:
    routes = {route.pattern for route in PortalApp(quote_world().service).routes}
    for path in re.findall(r"\(`(/portal/[^`]+)`\)", DOC):
        assert path in routes, path
