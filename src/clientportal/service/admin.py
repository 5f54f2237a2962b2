"""The agency's administration: creating, changing and listing portals.

:class:`Admin` checks every portal against the company's approval policy and the host's data
(:func:`~clientportal.check_portal`: one :class:`~clientportal.ConfigError` listing every
problem) before it is stored (with its ``portal.created`` or ``portal.updated`` event), and
keeps the portal's employee filter growing with the members of its projects (rule V8: nobody
leaves it). Links to portals are the :class:`~clientportal.service.links.LinkRegister`'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from attrs import evolve

from ..access import random_id
from ..errors import ConfigError, NotFound
from ..model import ApprovalPolicy, Dataset, Portal, PortalSettings
from ..ports import Clock, DataSource, PortalStore, aware_now, unique_by_id
from ..ports.events import PORTAL_CREATED, PORTAL_UPDATED
from ..visibility import Scope, check_portal
from .events import portal_event

__all__ = ["Admin"]


class Admin:
    """Portals over the host's ``data``, kept in ``store``, checked under ``policy``."""

    def __init__(
        self, data: DataSource, store: PortalStore, *, policy: ApprovalPolicy, clock: Clock
    ) -> None:
        self._data = data
        self._store = store
        self._policy = policy
        self._clock = clock

    def __repr__(self) -> str:
        return f"Admin(store={self._store!r}, policy={self._policy!r})"

    def create_portal(
        self,
        *,
        client_id: str,
        name: str,
        project_ids: Iterable[str] = (),
        contact_ids: Iterable[str] = (),
        language: str = "en",
        settings: PortalSettings | None = None,
        id: str | None = None,
    ) -> Portal:
        """Create a portal, its employee filter taken from the selected projects' members.

        Raises :class:`~clientportal.ConfigError` listing every problem (see
        :func:`~clientportal.check_portal`), or when a portal with ``id`` exists.
        """
        portal_id = random_id() if id is None else id
        if self._store.get_portal(portal_id) is not None:
            raise ConfigError(
                [f"a portal with id {portal_id!r} exists: change it with update_portal()"],
                subject=f"portal {portal_id!r}",
            )
        try:
            draft = Portal(
                id=portal_id,
                client_id=client_id,
                name=name,
                language=language,
                settings=PortalSettings() if settings is None else settings,
                project_ids=project_ids,
                contact_ids=contact_ids,
                created_at=aware_now(self._clock),
            )
        except (TypeError, ValueError) as error:
            raise ConfigError([str(error)], subject=f"portal {portal_id!r}") from None
        portal = self._checked(draft)
        at = aware_now(self._clock)
        self._store.put_portal(portal, events=[portal_event(PORTAL_CREATED, portal, at=at)])
        return portal

    def update_portal(
        self,
        portal_id: str,
        *,
        name: str | None = None,
        project_ids: Iterable[str] | None = None,
        contact_ids: Iterable[str] | None = None,
        language: str | None = None,
        settings: PortalSettings | None = None,
        active: bool | None = None,
    ) -> Portal:
        """Change a portal (arguments left ``None`` stay as they are); checked as on creation.

        Members of newly selected projects join the employee filter; nobody leaves it.
        """
        current = self.portal(portal_id)
        changes: dict[str, Any] = {
            k: v
            for k, v in {
                "name": name,
                "language": language,
                "settings": settings,
                "active": active,
                "project_ids": project_ids,
                "contact_ids": contact_ids,
            }.items()
            if v is not None
        }
        try:
            draft = evolve(current, **changes)
        except (TypeError, ValueError) as error:
            raise ConfigError([str(error)], subject=f"portal {portal_id!r}") from None
        portal = self._checked(draft)
        at = aware_now(self._clock)
        updated = portal_event(PORTAL_UPDATED, portal, at=at, before=current)
        self._store.put_portal(portal, events=[updated])
        return portal

    def check_portal(self, portal: Portal) -> None:
        """Check a portal against the company's policy and the host's data; raises
        :class:`~clientportal.ConfigError` listing every problem."""
        self._checked(portal)

    def portal(self, portal_id: str) -> Portal:
        """The portal with this id; :class:`~clientportal.NotFound` when there is none."""
        portal = self._store.get_portal(portal_id)
        if portal is None:
            raise NotFound(f"no portal with id {portal_id!r}: list them with portals()")
        return portal

    def portals(self) -> tuple[Portal, ...]:
        """Every portal, by id."""
        return tuple(self._store.list_portals())

    def _checked(self, portal: Portal) -> Portal:
        """``portal`` after ``check_portal`` against the host's data, the members of its projects
        added to its employee filter (rule V8: the filter only ever grows)."""
        client = self._data.client(portal.client_id)
        scope = Scope.of(portal, self._policy)
        projects = tuple(p for p in self._data.projects(scope) if scope.shows_project(p))
        check_portal(
            portal,
            self._policy,
            Dataset(
                clients=() if client is None else (client,),
                contacts=unique_by_id(self._data.contacts(portal.client_id)),
                projects=unique_by_id(projects),
            ),
        )
        return evolve(
            portal, employee_ids=portal.employee_ids.union(*(p.member_ids for p in projects))
        )
