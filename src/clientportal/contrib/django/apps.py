"""The Django app that owns the library's tables: ``"clientportal.contrib.django"`` in
``INSTALLED_APPS`` makes ``manage.py migrate`` create the ``cp_*`` tables the
:class:`~clientportal.sql.SqlStore` works on, in the project's own database."""

from __future__ import annotations

from django.apps import AppConfig

__all__ = ["ClientPortalConfig"]


class ClientPortalConfig(AppConfig):
    """The app ``clientportal`` (its label in ``django_migrations`` and ``manage.py migrate
    clientportal``)."""

    name = "clientportal.contrib.django"
    label = "clientportal"
    verbose_name = "Client portal"
    default_auto_field = "django.db.models.BigAutoField"
