"""Hatch build hook: compile the gettext catalogs (``.po`` → ``.mo``) before every build.

The ``.mo`` files are build output: gitignored, never committed, shipped in wheels as artifacts.
The hook runs for wheels, sdists turned into wheels and editable installs (``pip install -e .``)
alike, and writes each ``.mo`` next to its ``.po`` in the source tree, which is where
``clientportal.i18n`` loads it from. A catalog that is already newer than its ``.po`` is kept.
Fuzzy entries are left out (they are not reviewed translations); a broken ``.po`` fails the build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

LOCALE_DIR = Path("src", "clientportal", "locale")
DOMAIN = "clientportal"


def compile_catalogs(root: Path) -> list[Path]:
    """Compile each ``<lang>/LC_MESSAGES/clientportal.po`` under ``root``; return the .mo paths."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = []
    for po in sorted((root / LOCALE_DIR).glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        compiled.append(mo)
        if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        language = po.parent.parent.name
        with po.open("rb") as fp:
            catalog = read_po(fp, locale=language, domain=DOMAIN, abort_invalid=True)
        errors = [(message.id, problems) for message, problems in catalog.check() if problems]
        if errors:
            raise RuntimeError(f"{po}: invalid translations, fix them first: {errors}")
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as fp:
            write_mo(fp, catalog, use_fuzzy=False)
        tmp.replace(mo)
    return compiled


class CatalogBuildHook(BuildHookInterface):
    """Compiles the catalogs and adds the ``.mo`` files to the build as artifacts."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Run before each build (``version`` is ``"standard"`` or ``"editable"``)."""
        root = Path(self.root)
        compiled = compile_catalogs(root)
        build_data.setdefault("artifacts", []).extend(
            mo.relative_to(root).as_posix() for mo in compiled
        )
