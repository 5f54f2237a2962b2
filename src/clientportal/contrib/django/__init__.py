"""Mount the portal in a Django project: URL patterns and a view.

.. code-block:: python

    from django.urls import include, path
    from clientportal.contrib.django import portal_urls

    urlpatterns = [path("portal/", include(portal_urls(service)))]

or, with ``CLIENTPORTAL_SERVICE = "myproject.portal.service"`` in the settings,
``path("portal/", include("clientportal.contrib.django.urls"))``.

The view turns Django's ``HttpRequest`` into the portal's :class:`~clientportal.web.Request` and
its :class:`~clientportal.web.Response` back into an ``HttpResponse`` (a
``StreamingHttpResponse`` for streams such as CSV exports). It is exempt from Django's CSRF
middleware because the portal checks its own CSRF token on every POST, and the portal's security
headers win over the defaults Django's middleware would add.
"""

from __future__ import annotations

try:
    import django
except ImportError as e:  # pragma: no cover - exercised in a subprocess without Django
    raise ImportError(
        "clientportal.contrib.django needs Django: pip install 'clientportal[django]'"
    ) from e

from .views import portal_urls as portal_urls
from .views import portal_view as portal_view
from .views import service_from_settings as service_from_settings
from .views import to_django_response as to_django_response
from .views import to_portal_request as to_portal_request

__all__ = [
    "portal_urls",
    "portal_view",
    "service_from_settings",
    "to_django_response",
    "to_portal_request",
]

del django
