"""Settings of the example Django project, in one file.

Two apps of its own: the library's (``clientportal.contrib.django``: its tables, by ``migrate``)
and the studio's own tracker, which the portal reads through a mapping (``portal_service.py``);
Django's auth and sessions say who uses the staff console (``urls.py``).
"""

from __future__ import annotations

import os
import secrets

#: Where the site is served; serve.py sets it to the address it listens on.
BASE_URL = os.environ.get("EXAMPLE_BASE_URL", "http://127.0.0.1:8000")

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(32)
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "urls"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "clientportal.contrib.django",
    "tracker",
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("EXAMPLE_DATABASE", "example.sqlite3"),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
USE_TZ = True
