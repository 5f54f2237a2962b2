"""docs/one-click.md stays true: the names, states, statuses, salt and paths it gives are the
library's, and the route table of docs/web.md lists the action routes."""

from __future__ import annotations

import re
from pathlib import Path

import attrs

from clientportal.service import MailSettings
from clientportal.service.actions import ActionStatus, ActionTokens, ItemState
from clientportal.web import PortalApp
from worlds import service_world

DOCS = Path(__file__).parents[2] / "docs"
DOC = (DOCS / "one-click.md").read_text()


def _listed(enum_name: str) -> set[str]:
    """The names a comment of the example lists after ``EnumName.``: ``X.A, B, C``."""
    [listed] = re.findall(rf"{enum_name}\.([A-Z_]+(?:, [A-Z_]+)*)", DOC)
    return set(listed.split(", "))


def test_the_states_and_statuses_it_names_are_the_librarys() -> None:
    assert _listed("ItemState") == {s.name for s in ItemState}
    assert _listed("ActionStatus") == {s.name for s in ActionStatus}


def test_the_salt_and_default_path_it_names_are_the_librarys() -> None:
    assert f"salted\n`{ActionTokens.salt}`" in DOC
    default = attrs.fields(MailSettings).action_path.default
    assert f'`"{default}"` by default' in DOC


def test_the_desks_methods_it_shows_exist() -> None:
    desk = service_world().service.actions
    for name in re.findall(r"service\.actions\.([a-z_]+)\(", DOC):
        assert callable(getattr(desk, name)), name


def test_the_route_table_lists_the_action_routes() -> None:
    table = (DOCS / "web.md").read_text()
    app = PortalApp(service_world().service)
    for route in app.routes:
        if route.name.startswith("act") and not route.name.endswith("_mail"):
            assert f"| {route.method} | `{route.pattern}` |" in table, route.name
