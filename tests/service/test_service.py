"""The composition root (``service/__init__.py``) and its page: ``PortalService`` checks its
settings and builds its rooms over one store; docs/service.md's example is
examples/service_host.py, which runs and prints what the page says it prints, and the page
documents every method of every room."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from clientportal import (
    ApprovalPolicy,
    ConfigError,
    Dataset,
    MailSettings,
    MemoryDataSource,
    MemoryStore,
)
from clientportal.service import (
    AccessGate,
    ActionDesk,
    Admin,
    Approvals,
    LinkRegister,
    Pages,
    PortalService,
    Quotes,
    Reminders,
    SignOffs,
)
from worlds import MAIL, SECRET

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "service.md").read_text(encoding="utf-8")


def test_the_service_checks_its_settings_and_builds_its_rooms_over_one_store() -> None:
    store = MemoryStore()
    data = MemoryDataSource(Dataset())
    with pytest.raises(ConfigError, match="mail must be a MailSettings"):
        PortalService(data, store, mail="me@example.com", secret_keys=[SECRET])  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="secret key"):
        PortalService(data, store, mail=MAIL, secret_keys=["short"])
    service = PortalService(data, store, mail=MAIL, secret_keys=[SECRET])
    assert service.links is service.access.links
    assert service.policy == ApprovalPolicy()


# --------------------------------------------------------------------------------------------------
# docs/service.md


def test_the_host_example_prints_what_the_page_promises() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "service_host.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    promised = re.search(r"It prints:\n\n```text\n(.*?)```", PAGE, re.S)
    assert promised is not None
    printed = result.stdout.splitlines()
    assert sorted(printed) == sorted(promised.group(1).splitlines())
    assert printed[0] == "link: True"
    assert printed[-1] == "history of e1: ['SUBMIT', 'APPROVE']"
    assert "literalinclude} ../examples/service_host.py" in PAGE


ROOMS = {
    "access": AccessGate,
    "links": LinkRegister,
    "pages": Pages,
    "approvals": Approvals,
    "admin": Admin,
    "actions": ActionDesk,
    "signoffs": SignOffs,
    "quotes": Quotes,
    "reminders": Reminders,
}


def _public(cls: type) -> list[str]:
    """The public methods of ``cls`` and of the library's classes it inherits from (the cost
    pages are a mixin of ``Pages``)."""
    own = [k for k in cls.__mro__ if k.__module__.startswith("clientportal.")]
    return sorted(
        {n for k in own for n, v in vars(k).items() if not n.startswith("_") and callable(v)}
    )


def test_the_page_names_every_method_of_every_room() -> None:
    missing = [
        f"{room}.{name}"
        for room, cls in ROOMS.items()
        for name in _public(cls)
        if f"{room}.{name}(" not in PAGE
    ]
    assert missing == []


def test_the_service_is_a_composition_root_with_a_few_attributes() -> None:
    service = PortalService(
        MemoryDataSource(Dataset()),
        MemoryStore(),
        mail=MailSettings(
            sender_name="Example Co",
            sender_address="portal@example.com",
            message_id_domain="example.com",
            base_url="https://portal.example.com",
        ),
        secret_keys=[SECRET],
    )
    own = sorted(n for n in vars(service) if not n.startswith("_")) + _public(PortalService)
    assert sorted(own) == [
        "access",
        "actions",  # one-click action links: look, then decide
        "admin",
        "approvals",
        "clock",
        "events",  # the event log, read in order
        "links",
        "mail",
        "pages",
        "policy",
        "portal_events",  # one portal's events, newest first
        "quotes",  # quotes a contact accepts or declines
        "reminders",  # what the worker runs: reminders, escalation, auto-approval
        "request_scope",  # what one request shares (a connection, the projects read)
        "signoffs",  # the sign-off certificates of client approvals
    ]
    for room, cls in ROOMS.items():
        assert isinstance(getattr(service, room), cls)
