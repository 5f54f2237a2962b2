"""The staff console (:mod:`clientportal.web.console`) served through Django's URL routing, so
the host's gate is given Django's own ``HttpRequest``, after the project's middleware: its
``request.user``, sessions and permissions decide who may use the console.

.. code-block:: python

    from django.urls import include, path
    from clientportal.contrib.django.console import console_urls

    urlpatterns = [
        path("console/", include(console_urls(service, directory))),
    ]

Without ``authorize``, :func:`staff_users` is the gate: a signed-in, active user with
``is_staff``, acting as a manager whose id is the user's primary key (as the admin actions of
:mod:`clientportal.contrib.django.actions` do). Give your own ``authorize(django_request)`` to
map users to the employees your DataSource knows, or to check a permission.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponseBase
from django.urls import URLPattern, path
from django.views.decorators.csrf import csrf_exempt

from ...web.console import ConsoleApp, Directory, StaffMember
from ...web.http import Request
from ...workflow import Actor, Party
from .views import to_django_response, to_portal_request

if TYPE_CHECKING:
    from ...service import PortalService

__all__ = ["DjangoAuthorize", "console_urls", "console_view", "staff_users"]

#: The host's gate: the staff member making Django's ``request``, or ``None`` (403).
DjangoAuthorize: TypeAlias = Callable[[HttpRequest], "Actor | StaffMember | None"]
#: What the console serves: a service, or a function returning it (called on the first request).
ServedService: TypeAlias = "PortalService | Callable[[], PortalService]"

#: The Django request being answered (the console's own request does not carry it).
_current: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "clientportal_django_console_request", default=None
)


def staff_users(request: HttpRequest) -> StaffMember | None:
    """The default gate: a signed-in, active user with ``is_staff`` is a manager whose id is the
    user's primary key, shown by full name (else user name); anybody else is refused.

    Needs ``django.contrib.auth``'s ``AuthenticationMiddleware`` (``request.user``); without it
    the console answers 500 and the log says so."""
    user = getattr(request, "user", None)
    if user is None:
        raise ImproperlyConfigured(
            "the staff console's default gate reads request.user: add "
            "'django.contrib.auth.middleware.AuthenticationMiddleware' (after the session "
            "middleware) to MIDDLEWARE, or give console_urls(..., authorize=...) your own gate"
        )
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return None
    full_name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return StaffMember(
        actor=Actor(Party.MANAGER, str(user.pk)),
        name=str(full_name or user.get_username()),
    )


def console_urls(
    service: ServedService,
    directory: Directory,
    *,
    authorize: DjangoAuthorize = staff_users,
    name: str = "clientportal_console",
    **options: Any,
) -> list[URLPattern]:
    """URL patterns serving the staff console of ``service``, to ``include()`` at the mount you
    choose: ``path("console/", include(console_urls(service, directory)))``.

    ``directory`` lists the clients and their projects and contacts
    (:class:`~clientportal.contrib.django.mapping.DjangoDirectory` for a mapped project).
    ``authorize(django_request)`` returns the staff member (an
    :class:`~clientportal.workflow.Actor` or a :class:`~clientportal.web.console.StaffMember`)
    or ``None`` (403); :func:`staff_users` by default. ``name`` names the patterns
    (``reverse(name)`` is the console's root); ``options`` go to
    :class:`~clientportal.web.console.ConsoleApp` (``theme``, ``language``, ``template_dirs``...).
    """
    view = console_view(service, directory, authorize=authorize, **options)
    return [
        path("", view, {"subpath": ""}, name=name),
        path("<path:subpath>", view, name=name),
    ]


def console_view(
    service: ServedService,
    directory: Directory,
    *,
    authorize: DjangoAuthorize = staff_users,
    **options: Any,
) -> Callable[..., HttpResponseBase]:
    """The view (``view(request, subpath)``) serving the console; :func:`console_urls` routes
    it. Arguments as there. The console checks its own CSRF token on every form (Django's CSRF
    middleware is not asked)."""
    if "prefix" in options:
        raise TypeError("the framework's mount is the console's prefix: include() it at that path")
    if not callable(authorize):
        raise TypeError(
            "authorize must be a function of Django's request returning the staff member (an "
            f"Actor or a StaffMember) or None, got {type(authorize).__name__}"
        )

    def gate(_request: Request) -> Actor | StaffMember | None:
        django_request = _current.get()
        return None if django_request is None else authorize(django_request)

    app = _LazyConsole(service, directory, gate, options)

    @csrf_exempt
    def console(request: HttpRequest, subpath: str = "") -> HttpResponseBase:
        console_app = app.get()
        token = _current.set(request)
        try:
            answer = console_app.handle(
                to_portal_request(request, subpath, max_body=console_app.max_body)
            )
        finally:
            _current.reset(token)
        return to_django_response(answer, head=request.method == "HEAD")

    return console


class _LazyConsole:
    """The ConsoleApp, built on first use when the service is given as a function."""

    def __init__(
        self,
        service: ServedService,
        directory: Directory,
        gate: Callable[[Request], Actor | StaffMember | None],
        options: dict[str, Any],
    ) -> None:
        from ...service import PortalService

        def make(found: object) -> ConsoleApp:
            if not isinstance(found, PortalService):
                raise ImproperlyConfigured(
                    "the staff console needs a PortalService or a function returning one, "
                    f"got {type(found).__name__}"
                )
            return ConsoleApp(found, authorize=gate, directory=directory, **options)

        self._service = service
        self._make = make
        self._app: ConsoleApp | None = None
        self._lock = threading.Lock()
        if isinstance(service, PortalService) or not callable(service):
            self._app = make(service)

    def get(self) -> ConsoleApp:
        app = self._app
        if app is None:
            with self._lock:
                if self._app is None:
                    service = self._service
                    self._app = self._make(service() if callable(service) else service)
                app = self._app
        return app
