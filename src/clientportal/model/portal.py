"""A portal and what it shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from attrs import field, frozen
from attrs import validators as v

from .. import _validators as cv
from ..errors import ConfigError
from .records import Project

#: The languages a portal can be shown in (the catalogs the library ships).
SUPPORTED_LANGUAGES = ("nl", "en", "de", "fr", "es", "pl")

DOCUMENT_SCOPES = ("client", "projects")


@frozen
class PortalSettings:
    """What a portal shows. The defaults are the source product's: hours with descriptions.

    ``documents_scope="client"`` shows *all* the client's invoices and quotes, whatever projects are
    selected (as the source product does); ``"projects"`` only those linked to a visible project.

    ``currency`` (ISO 4217) is what the portal's rates and amounts are in: entries carry no currency
    of their own. With ``show_amounts``, a non-billable entry shows no amount unless
    ``show_non_billable_amounts`` (the client is not billed for it).

    ``show_expenses`` and ``show_trips`` put the projects' expenses and trips (mileage) beside the
    hours, under the same rules (V13, V14): descriptions only with ``show_descriptions``; an
    expense always with its amount; a trip's money only with ``show_amounts``; a non-billable
    expense or trip only with ``show_non_billable_amounts``.
    """

    show_hours: bool = field(default=True, validator=cv.boolean)
    show_descriptions: bool = field(default=True, validator=cv.boolean)
    show_budget: bool = field(default=False, validator=cv.boolean)
    show_invoices: bool = field(default=False, validator=cv.boolean)
    show_quotes: bool = field(default=False, validator=cv.boolean)
    approval: bool = field(default=False, validator=cv.boolean)
    show_amounts: bool = field(default=False, validator=cv.boolean)
    documents_scope: str = field(default="client", validator=v.in_(DOCUMENT_SCOPES))
    currency: str = field(default="EUR", validator=cv.currency)
    show_non_billable_amounts: bool = field(default=False, validator=cv.boolean)
    show_expenses: bool = field(default=False, validator=cv.boolean)
    show_trips: bool = field(default=False, validator=cv.boolean)


@frozen(kw_only=True)
class Portal:
    """One client portal: which client, in which language, showing what, to whom.

    ``employee_ids`` is the employee filter's snapshot: the members of the selected projects when
    the portal was created. It only ever grows, so somebody removed from a project later stays in
    the filter (as in the source product). Build a portal with :meth:`Portal.create`.
    """

    id: str = field(validator=cv.identifier)
    client_id: str = field(validator=cv.identifier)
    name: str = field(validator=cv.non_empty_text)
    language: str = field(default="en", validator=cv.language)
    settings: PortalSettings = field(
        factory=PortalSettings, validator=v.instance_of(PortalSettings)
    )
    project_ids: frozenset[str] = field(
        factory=frozenset, converter=cv.to_frozenset, validator=cv.identifiers
    )
    contact_ids: frozenset[str] = field(
        factory=frozenset, converter=cv.to_frozenset, validator=cv.identifiers
    )
    employee_ids: frozenset[str] = field(
        factory=frozenset, converter=cv.to_frozenset, validator=cv.identifiers
    )
    created_at: dt.datetime = field(validator=cv.aware_datetime)
    active: bool = field(default=True, validator=cv.boolean)

    @classmethod
    def create(
        cls,
        *,
        id: str,
        client_id: str,
        name: str,
        projects: Iterable[Project],
        created_at: dt.datetime,
        language: str = "en",
        settings: PortalSettings | None = None,
        contact_ids: Iterable[str] = (),
    ) -> Portal:
        """A new portal showing ``projects``, its employee filter taken from their members.

        Raises :class:`~clientportal.ConfigError` when a project belongs to another client.
        """
        selected = tuple(projects)
        _require_own_projects(client_id, selected)
        return cls(
            id=id,
            client_id=client_id,
            name=name,
            language=language,
            settings=PortalSettings() if settings is None else settings,
            project_ids=frozenset(p.id for p in selected),
            contact_ids=cv.to_frozenset(contact_ids),
            employee_ids=frozenset().union(*(p.member_ids for p in selected)),
            created_at=created_at,
        )

    def with_projects(self, projects: Iterable[Project]) -> Portal:
        """This portal showing exactly ``projects``; their members join the employee filter."""
        selected = tuple(projects)
        _require_own_projects(self.client_id, selected)
        return Portal(
            id=self.id,
            client_id=self.client_id,
            name=self.name,
            language=self.language,
            settings=self.settings,
            project_ids=frozenset(p.id for p in selected),
            contact_ids=self.contact_ids,
            employee_ids=self.employee_ids.union(*(p.member_ids for p in selected)),
            created_at=self.created_at,
            active=self.active,
        )


def _require_own_projects(client_id: str, projects: tuple[Project, ...]) -> None:
    foreign = [p for p in projects if p.client_id != client_id]
    if foreign:
        raise ConfigError(
            f"project {p.id!r} belongs to client {p.client_id!r}, not {client_id!r}: "
            "a portal shows only its own client's projects (create a portal per client)"
            for p in foreign
        )
