"""The portal form of the console: its sections read from a POST, checked field by field.

The form follows the source product's sections: General (client, name, language), Settings (what
the client sees), Projects, Access (the contacts who receive a link) and Approval (offered only
when the company's workflow includes the client). Every problem is found at once and named by
its field, as a key of the console's texts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from attrs import field, frozen

from ...model import SUPPORTED_LANGUAGES, Client, Contact, Portal, PortalSettings, Project
from ..http import QueryParams

__all__ = ["SETTING_FIELDS", "ClientChoices", "PortalDraft", "draft_of", "read_portal_form"]

#: The Settings section's switches, in the order the form shows them.
SETTING_FIELDS = (
    "show_hours",
    "show_descriptions",
    "show_amounts",
    "show_non_billable_amounts",
    "show_budget",
    "show_expenses",
    "show_trips",
    "show_invoices",
    "show_quotes",
)

_CURRENCY = re.compile(r"[A-Z]{3}")
_MAX_NAME = 200


@frozen
class ClientChoices:
    """What the form offers for one client: the client, its projects and its contacts."""

    client: Client
    projects: tuple[Project, ...]
    contacts: tuple[Contact, ...]


@frozen(kw_only=True)
class PortalDraft:
    """A portal as the form shows it (sent, or as stored), before it is checked and saved."""

    client_id: str
    name: str = ""
    language: str = "en"
    settings: PortalSettings = field(factory=PortalSettings)
    project_ids: frozenset[str] = frozenset()
    contact_ids: frozenset[str] = frozenset()
    active: bool = True


def draft_of(portal: Portal) -> PortalDraft:
    """The form's values of a stored portal."""
    return PortalDraft(
        client_id=portal.client_id,
        name=portal.name,
        language=portal.language,
        settings=portal.settings,
        project_ids=portal.project_ids,
        contact_ids=portal.contact_ids,
        active=portal.active,
    )


def read_portal_form(
    form: QueryParams,
    choices: ClientChoices,
    *,
    client_approves: bool,
    current: PortalSettings | None = None,
) -> tuple[PortalDraft, Mapping[str, str]]:
    """The draft a POST of the portal form describes, and each field's problem (a text key).

    ``client_approves`` says whether the Approval setting is offered (otherwise approval stays
    off); ``current`` gives the settings the form does not show (kept as they are).
    """
    errors: dict[str, str] = {}
    name = " ".join((form.get("name") or "").split())
    if not name or len(name) > _MAX_NAME:
        errors["name"] = "name_required"
    language = form.get("language") or ""
    if language not in SUPPORTED_LANGUAGES:
        errors["language"] = "bad_language"
        language = "en"
    currency = (form.get("currency") or "").strip().upper()
    if not _CURRENCY.fullmatch(currency):
        errors["currency"] = "bad_currency"
        currency = (current or PortalSettings()).currency
    scope = form.get("documents_scope") or "client"
    if scope not in ("client", "projects"):
        errors["documents_scope"] = "bad_choice"
        scope = "client"
    projects = _chosen(form.get_all("project"), [p.id for p in choices.projects])
    contacts = _chosen(form.get_all("contact"), [c.id for c in choices.contacts])
    if projects is None:
        errors["project"] = "bad_choice"
    if contacts is None:
        errors["contact"] = "bad_choice"
    switches = {name: form.get(name) == "on" for name in SETTING_FIELDS}
    settings = PortalSettings(
        **switches,
        documents_scope=scope,
        currency=currency,
        approval=client_approves and form.get("approval") == "on",
    )
    draft = PortalDraft(
        client_id=choices.client.id,
        name=name,
        language=language,
        settings=settings,
        project_ids=frozenset(projects or ()),
        contact_ids=frozenset(contacts or ()),
        active=form.get("active") == "on" if "active_shown" in form else True,
    )
    return draft, errors


def _chosen(sent: Sequence[str], offered: Sequence[str]) -> frozenset[str] | None:
    """The ids chosen of ``offered``; ``None`` when one was never offered."""
    chosen = frozenset(v for v in sent if v)
    return chosen if chosen <= set(offered) else None
