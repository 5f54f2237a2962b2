"""Mount the portal in a FastAPI or Starlette app.

.. code-block:: python

    from clientportal.contrib.fastapi import mount_portal

    mount_portal(app, service, path="/portal")

The portal is an ASGI app (:func:`~clientportal.web.make_asgi_app`): it runs the synchronous core
in a worker thread, so the event loop never waits on the host's database, and it builds its
links from the mount's ``root_path``. :func:`portal_app` gives the bare ASGI app for
``app.mount(...)`` or a Starlette ``Mount`` route of your own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    import starlette.applications
    import starlette.types
except ImportError as e:  # pragma: no cover - exercised in a subprocess without Starlette
    raise ImportError(
        "clientportal.contrib.fastapi needs FastAPI (or Starlette): "
        "pip install 'clientportal[fastapi]'"
    ) from e

from ..web.app import PortalApp
from ..web.asgi import make_asgi_app

if TYPE_CHECKING:
    from ..service import PortalService

__all__ = ["mount_portal", "portal_app"]


def portal_app(service: PortalService | PortalApp, **options: Any) -> starlette.types.ASGIApp:
    """The portal of ``service`` as an ASGI app to mount in FastAPI or Starlette.

    ``options`` go to :class:`~clientportal.web.PortalApp` (``theme``, ``template_dirs``,
    ``max_body``, ...); the mount point is the portal's prefix, so give none here.
    """
    if "prefix" in options:
        raise TypeError("the framework's mount is the portal's prefix: mount it at that path")
    if isinstance(service, PortalApp) and service.prefix:
        raise TypeError(
            f"the PortalApp has prefix {service.prefix!r}, but the framework mounts it: "
            "build it without a prefix and mount it where it should live"
        )
    asgi: starlette.types.ASGIApp = make_asgi_app(service, **options)
    return asgi


def mount_portal(
    app: starlette.applications.Starlette,
    service: PortalService | PortalApp,
    *,
    path: str = "/portal",
    name: str = "clientportal",
    **options: Any,
) -> None:
    """Mount the portal of ``service`` on ``app`` (FastAPI or Starlette) at ``path``.

    ``name`` names the mount for ``app.url_path_for(name, path=...)``; ``options`` are as for
    :func:`portal_app`.
    """
    if not path.startswith("/"):
        raise ValueError(
            f"mount the portal at a path that starts with '/' ('/portal'), not {path!r}"
        )
    app.mount(path.rstrip("/"), portal_app(service, **options), name=name)
