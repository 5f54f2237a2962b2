"""``include("clientportal.contrib.django.urls")``: the portal named by the settings.

Set ``CLIENTPORTAL_SERVICE`` to the dotted path of a :class:`~clientportal.service.PortalService`,
a :class:`~clientportal.web.PortalApp`, or a function without arguments that returns one, and
optionally ``CLIENTPORTAL_OPTIONS`` to the :class:`~clientportal.web.PortalApp` options (a dict:
``theme``, ``template_dirs``, ...). The service is looked up on the first request.
"""

from __future__ import annotations

from .views import portal_urls, service_from_settings

__all__ = ["urlpatterns"]

urlpatterns = portal_urls(service_from_settings)
