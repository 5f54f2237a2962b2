"""Sphinx configuration for the clientportal documentation (``make docs``)."""

from __future__ import annotations

import django
from django.conf import settings

import clientportal

# clientportal.contrib.django's models (autodoc in django.md) need Django set up to be imported.
if not settings.configured:
    settings.configure(INSTALLED_APPS=["clientportal.contrib.django"], DATABASES={})
    django.setup()

project = "clientportal"
author = "clientportal developers"
copyright = "2026, clientportal developers"
release = clientportal.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinxcontrib.mermaid",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
myst_enable_extensions = ["colon_fence", "deflist"]
myst_fence_as_directive = ["mermaid"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True}
nitpicky = False

html_theme = "furo"
html_title = "clientportal"
exclude_patterns = ["_build", "README.md"]

# `type[T]` in signatures is ambiguous with the `type` attributes of Budget and PortalBudget;
# Sphinx resolves it to the builtin anyway. Nothing else is silenced.
suppress_warnings = ["ref.python"]
