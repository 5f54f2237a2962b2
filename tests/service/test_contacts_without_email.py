"""A contact without an e-mail address (``Contact.email is None``) is a contact like any other: on
portals, with links, able to decide; they simply receive no e-mail. Over the SQL DataSource (a
NULL address, as hosts' tables hold them) as over the memory one."""

from __future__ import annotations

from pathlib import Path

import pytest
from attrs import evolve

from clientportal import AccessMode, Contact, NotFound
from worlds import (
    CONTACTS,
    MAX,
    OPEN_ON_WEB,
    mails,
    mails_of,
    service_dataset,
    service_world,
    text_of,
    visit_as,
)

#: Bob, as a host's table holds him: no address.
NO_ADDRESS = tuple(evolve(c, email=None) if c.id == "bob" else c for c in CONTACTS)


def test_a_contact_needs_no_address() -> None:
    assert Contact("k9", "acme", "Kim").email is None
    with pytest.raises(ValueError, match="one e-mail address"):
        Contact("k9", "acme", "Kim", "not-an-address")


def test_a_contact_without_an_address_is_on_the_portal_and_opens_it() -> None:
    w = service_world(data=evolve(service_dataset(), contacts=NO_ADDRESS), portals=())
    portal = w.service.admin.create_portal(
        id="p", client_id="acme", name="Acme", project_ids={"web"}, contact_ids={"anna", "bob"}
    )  # no "contact 'bob' does not exist"
    assert portal.contact_ids == {"anna", "bob"}
    visit = visit_as(w.service, "bob", "p")
    assert visit.portal.id == "p"


def test_only_contacts_with_an_address_are_asked_to_approve() -> None:
    w = service_world(data=evolve(service_dataset(), contacts=NO_ADDRESS))
    assert w.service.approvals.submit(OPEN_ON_WEB, by=MAX).all_applied
    assert [str(m["To"]) for m in mails(w.store)] == ["Anna de Vries <anna@acme.example>"]


def test_a_decision_by_a_contact_without_an_address_reaches_the_company_without_reply_to() -> None:
    w = service_world(data=evolve(service_dataset(), contacts=NO_ADDRESS))
    w.service.approvals.submit(OPEN_ON_WEB, by=MAX)
    before = {m.id for m in w.store.pending()}
    result = w.service.approvals.client_approve(visit_as(w.service, "bob"), ["w1"])
    assert result.all_applied
    [notice] = mails_of([m for m in w.store.pending() if m.id not in before])
    assert "Bob Jones (no e-mail address) approved 1 time entry" in text_of(notice)
    assert notice["Reply-To"] is None


def test_no_code_can_reach_a_contact_without_an_address() -> None:
    w = service_world(data=evolve(service_dataset(), contacts=NO_ADDRESS))
    w.service.links.set_access_mode("acme-web", AccessMode.LINK_AND_CODE)
    opening = w.service.access.open(
        w.service.links.issue("acme-web", "bob").token, client="198.51.100.1"
    )
    assert opening.pending is not None
    with pytest.raises(NotFound, match="has no e-mail address, so no code can reach them"):
        w.service.access.request_code(opening.pending, client="198.51.100.1")
    assert mails(w.store) == []


def test_the_sql_source_gives_a_null_address_as_none(tmp_path: Path) -> None:
    pytest.importorskip("sqlalchemy", reason="the SQL backend needs SQLAlchemy (the sql extra)")
    from clientportal.sql import SqlDataSource, create_engine, load_dataset
    from clientportal.sql.testing import ready_for_tests

    engine = ready_for_tests(create_engine(f"sqlite:///{tmp_path / 'host.sqlite3'}"))
    load_dataset(engine, evolve(service_dataset(), contacts=NO_ADDRESS))
    source = SqlDataSource(engine)
    bob = next(c for c in source.contacts("acme") if c.id == "bob")
    assert bob.email is None
    w = service_world(source=source, portals=())
    portal = w.service.admin.create_portal(
        id="p", client_id="acme", name="Acme", project_ids={"web"}, contact_ids={"bob"}
    )
    assert portal.contact_ids == {"bob"}
    assert visit_as(w.service, "bob", "p").portal.id == "p"


def test_a_rejection_by_a_contact_without_an_address_offers_no_reply() -> None:
    w = service_world(data=evolve(service_dataset(), contacts=NO_ADDRESS))
    w.service.approvals.submit(OPEN_ON_WEB, by=MAX)
    before = {m.id for m in w.store.pending()}
    bob = visit_as(w.service, "bob")
    assert w.service.approvals.client_reject(bob, ["w4"], reason="Not agreed").all_applied
    [notice] = mails_of([m for m in w.store.pending() if m.id not in before])
    text = " ".join(text_of(notice).split())
    assert "Correct them and submit them again." in text
    assert "reply to this e-mail" not in text
