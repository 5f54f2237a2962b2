"""What every command shares: the database, its keys, the company's settings (stored, with this
run's overrides), the service built on them, and friendly errors."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import attrs
import click
from attrs import frozen

from ..errors import ClientPortalError
from ..model import ApprovalPolicy, Workflow

if TYPE_CHECKING:
    from ..model import Portal
    from ..ports import DataSource
    from ..reminders import ReminderPolicy
    from ..service import PortalService
    from ..service.company import CompanySettings
    from ..sql import SqlSettingsStore, SqlStore

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_DB = "sqlite:///clientportal.sqlite3"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
KEYS_VARIABLE = "CLIENTPORTAL_SECRET_KEYS"
KEY_FILE_VARIABLE = "CLIENTPORTAL_SECRET_KEY_FILE"
#: The settings group (``cp_settings``) that holds the company's settings.
COMPANY = "company"

#: The workflows by their option name (``internal-external``); ``off`` switches approval off.
WORKFLOWS = {w.name.lower().replace("_", "-"): w for w in Workflow}


def approval_policy(approval: str, *, auto_forward: bool = True) -> ApprovalPolicy:
    """The policy named by a workflow option (a workflow, or ``off``)."""
    if approval == "off":
        return ApprovalPolicy(enabled=False, auto_forward=auto_forward)
    return ApprovalPolicy(enabled=True, workflow=WORKFLOWS[approval], auto_forward=auto_forward)


def workflow_name(policy: ApprovalPolicy) -> str:
    """The option name of ``policy``'s workflow, or ``off``."""
    return policy.workflow.name.lower().replace("_", "-") if policy.enabled else "off"


def database_url(value: str) -> str:
    """``--db`` as a database URL: a URL as given, a plain file path as its SQLite URL."""
    if "://" in value or not value.strip():
        return value
    return f"sqlite:///{value}"


def public_url(value: str | None, param_hint: str = "--base-url") -> str | None:
    """A base URL option checked: an http(s) URL without query or fragment."""
    if value is None:
        return None
    from ..service.company import CompanySettings

    try:
        return CompanySettings(base_url=value).base_url
    except ValueError as error:
        message = str(error).removeprefix("base_url ")
        raise click.BadParameter(message, param_hint=param_hint) from None


def http_url(host: str, port: int) -> str:
    """The address a portal served on ``host:port`` is reached at."""
    return f"http://{host}:{port}"


def smtp_address(value: str) -> tuple[str, int]:
    """``HOST:PORT`` of an SMTP server, checked."""
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(f"{value!r} is not HOST:PORT (e.g. 127.0.0.1:1025)")
    return host, int(port)


def sender(value: str, param_hint: str = "--sender") -> tuple[str | None, str]:
    """``"Name <address>"`` (or a bare address) as ``(name or None, address)``, checked: exactly
    one address (a comma or semicolon would make it several)."""
    from email.utils import getaddresses

    from ..service.company import CompanySettings

    pairs = getaddresses([value])
    name, address = pairs[0] if len(pairs) == 1 else ("", "")
    try:
        CompanySettings(sender_name=name or None, sender_address=address)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an address: give 'Name <hours@example.com>' or 'hours@example.com'",
            param_hint=param_hint,
        ) from None
    return name or None, address


def sqlite_file(db: str) -> Path | None:
    """The file of a SQLite database URL (``None`` for another database or one in memory)."""
    prefix = "sqlite:///"
    if not db.startswith(prefix) or db == prefix or ":memory:" in db:
        return None
    return Path(db[len(prefix) :].split("?", 1)[0])


def _key_file(db: str) -> Path | None:
    file = sqlite_file(db)
    return None if file is None else file.with_name(file.name + ".keys")


def read_key_file(path: Path) -> list[str]:
    """The keys in ``path``, one a line (oldest first, blank lines skipped); a
    :class:`click.UsageError` when the file is missing, unreadable, empty or readable by others."""
    import os
    import stat

    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise click.UsageError(
            f"the key file {str(path)!r} does not exist: write your keys into it, one a line, "
            "oldest first (e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise click.UsageError(f"cannot read the key file {str(path)!r}: {reason}") from None
    if os.name == "posix" and stat.S_IMODE(mode) & 0o077:
        raise click.UsageError(
            f"the key file {str(path)!r} can be read by other users "
            f"(mode {stat.S_IMODE(mode):03o}): make it yours only with `chmod 600 {path}`"
        )
    keys = [line.strip() for line in text.splitlines() if line.strip()]
    if not keys:
        raise click.UsageError(
            f"the key file {str(path)!r} holds no key: write your keys into it, one a line, "
            "oldest first"
        )
    return keys


def _create_key_file(path: Path) -> None:
    """Write a new random key to ``path``, readable by its owner only from the first moment; an
    existing file (or a symlink planted there) is never written through."""
    import os

    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise click.UsageError(
            f"cannot create the key file {str(path)!r}: something is in the way (an empty file or "
            "a link?): remove it, or give the keys with --secret-key-file or "
            f"{KEYS_VARIABLE}"
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(secrets.token_urlsafe(32) + "\n")
    except BaseException:
        path.unlink(missing_ok=True)  # a half-written key file would hold no key
        raise


def _secret_keys(
    db: str, given: Sequence[str], key_file: Path | None = None, *, create: bool = False
) -> list[str]:
    """The keys from the options or environment, else the given key file, else the SQLite key
    file (made if ``create``)."""
    keys = [k.strip() for value in given for k in value.split(",") if k.strip()]
    if keys and key_file is not None:
        raise click.UsageError(
            f"give the keys one way: --secret-key (or {KEYS_VARIABLE}) or --secret-key-file "
            f"(or {KEY_FILE_VARIABLE}), not both"
        )
    if keys:
        return keys
    if key_file is not None:
        return read_key_file(key_file)
    path = _key_file(db)
    if path is not None and (path.exists() or path.is_symlink()):
        return read_key_file(path)
    if create and path is not None:
        _create_key_file(path)
        return read_key_file(path)
    raise click.UsageError(
        f"no secret key: give --secret-key-file PATH (one key a line, oldest first) or set "
        f"{KEYS_VARIABLE} (comma-separated, oldest first); keep the same keys, or issued links "
        "stop working"
    )


@frozen
class Overrides:
    """The group's options that change the stored company settings for this run only."""

    base_url: str | None = None
    sender: tuple[str | None, str] | None = None
    approval: str | None = None
    auto_forward: bool | None = None

    def apply(self, company: CompanySettings) -> CompanySettings:
        """``company`` as this run sees it."""
        changes: dict[str, Any] = {}
        if self.base_url is not None:
            changes["base_url"] = self.base_url
        if self.sender is not None:
            changes["sender_name"], changes["sender_address"] = self.sender
        policy = company.approval
        forward = policy.auto_forward if self.auto_forward is None else self.auto_forward
        if self.approval is not None:
            changes["approval"] = approval_policy(self.approval, auto_forward=forward)
        elif self.auto_forward is not None:
            changes["approval"] = attrs.evolve(policy, auto_forward=forward)
        return attrs.evolve(company, **changes)


class Context:
    """What the command group knows: the database, its keys, this run's overrides, the host's
    DataSource (``--datasource``, else the library's SQL one), and (read when first needed) the
    store and the company's settings."""

    def __init__(
        self,
        db: str,
        keys: Sequence[str] = (),
        overrides: Overrides | None = None,
        key_file: Path | None = None,
        datasource: str | None = None,
    ):
        self.db, self.keys, self.key_file = db, tuple(keys), key_file
        self.overrides = Overrides() if overrides is None else overrides
        #: ``MODULE:FACTORY`` of the host's DataSource (``None``: the reference schema's).
        self.datasource = datasource
        #: Connections the store's pool keeps (``serve`` sets it from its threads: each request
        #: holds one); ``None``: SQLAlchemy's default.
        self.pool_size: int | None = None

    def on(self, db: str) -> Context:
        """The same options on another database (the demo's, with its own reference data)."""
        return Context(db, self.keys, self.overrides, self.key_file)

    @property
    def safe_db(self) -> str:
        """The database URL without its password, for messages."""
        from ..sql import safe_url

        return safe_url(self.db)

    @functools.cached_property
    def store(self) -> SqlStore:
        """The database's store (one per command), refused when the schema is missing or old."""
        from ..sql import SchemaMissing, SqlStore, create_engine, current_revision, head_revision

        file = sqlite_file(self.db)
        if file is not None and not file.exists():
            # Opening it would create an empty file: a typo in --db must not leave one behind.
            raise SchemaMissing(
                f"there is no database file {str(file)!r}: check --db, or create the database "
                "with `clientportal db upgrade` (or `clientportal demo`)"
            )
        in_memory = self.db.startswith("sqlite") and file is None  # one static connection
        sized = self.pool_size is not None and not in_memory
        engine = create_engine(self.db, **({"pool_size": self.pool_size} if sized else {}))
        revision = current_revision(engine)
        if revision is None:
            raise SchemaMissing(
                f"the database {self.safe_db} has no clientportal tables yet: "
                "run `clientportal db upgrade` (or `clientportal demo`) first"
            )
        head = head_revision()
        if revision.isdigit() and head.isdigit() and int(revision) > int(head):
            raise SchemaMissing(
                f"the database {self.safe_db} is at schema revision {revision}, newer than this "
                f"clientportal knows (up to {head}): use the clientportal version that migrated "
                "it (pip install --upgrade clientportal)"
            )
        if revision != head:
            raise SchemaMissing(
                f"the database {self.safe_db} is at schema revision {revision}, this clientportal "
                f"needs {head_revision()}: run `clientportal db upgrade`"
            )
        return SqlStore(engine)

    @functools.cached_property
    def settings(self) -> SqlSettingsStore:
        """The database's stored settings (the company's among them)."""
        from ..sql import SqlSettingsStore

        return SqlSettingsStore(self.store.engine)

    @functools.cached_property
    def stored_company(self) -> CompanySettings:
        """The company's settings as stored (the defaults when none are)."""
        return company_of(self.settings.get(COMPANY), self.safe_db)

    @functools.cached_property
    def company(self) -> CompanySettings:
        """The company's settings for this run: the stored ones with the group's options."""
        try:
            return self.overrides.apply(self.stored_company)
        except (TypeError, ValueError) as error:
            raise click.UsageError(str(error)) from None

    @functools.cached_property
    def data(self) -> DataSource:
        """The host's data: ``FACTORY(store)`` of ``--datasource`` when given
        (:mod:`~clientportal.cli.datasource`), else the reference schema in the same database."""
        if self.datasource is not None:
            from .datasource import load_datasource

            return load_datasource(self.datasource, self.store)
        from ..sql import SqlDataSource

        return SqlDataSource(self.store.engine)

    def service(
        self,
        *,
        create_keys: bool = False,
        base_url: str | None = None,
        reminders: ReminderPolicy | None = None,
    ) -> PortalService:
        """The portal service on this database, as the company's settings say. Links are built
        on the stored (or given) base URL, else on ``base_url`` (where the portal is served),
        else on the default address. ``create_keys``: make a SQLite key file when there is none.
        ``reminders``: the company's reminder policy (``clientportal reminders``)."""
        from ..service import PortalService

        company = self.company
        return PortalService(
            self.data,
            self.store,
            secret_keys=_secret_keys(self.db, self.keys, self.key_file, create=create_keys),
            policy=company.approval,
            mail=company.mail_settings(base_url or http_url(DEFAULT_HOST, DEFAULT_PORT)),
            reminders=reminders,
        )

    def portal(self, portal_id: str) -> Portal:
        """The portal ``portal_id``, or an error that says how to find the right one."""
        found = self.store.get_portal(portal_id)
        if found is None:
            raise click.ClickException(
                f"there is no portal {portal_id!r}: see `clientportal portal list`"
            )
        return found


def company_of(stored: object, where: str) -> CompanySettings:
    """The company's settings from their stored JSON (``None``: the defaults), checked."""
    from ..convert import structure
    from ..errors import ValidationError
    from ..service.company import CompanySettings

    if stored is None:
        return CompanySettings()
    try:
        return structure(stored, CompanySettings)
    except ValidationError as error:
        problems = "; ".join(error.errors)
        raise click.ClickException(
            f"the company settings stored in {where} are not valid ({problems}): start over "
            "with `clientportal company reset`, then `clientportal company set ...`"
        ) from None


pass_context = click.make_pass_decorator(Context)


def with_context(fn: Callable[Concatenate[Context, P], R]) -> Callable[P, R]:
    """Give a command the group's :class:`Context`, and turn the library's errors (and a file
    that cannot be read or written) into a one-paragraph message and exit status 1."""

    @functools.wraps(fn)
    def wrapper(obj: Context, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(obj, *args, **kwargs)
        except ClientPortalError as error:
            raise click.ClickException(str(error)) from None
        except KeyError as error:
            raise click.ClickException(str(error.args[0]) if error.args else str(error)) from None
        except OSError as error:
            where = f" ({error.filename})" if error.filename else ""
            raise click.ClickException(f"{error.strerror or error}{where}") from None

    return pass_context(wrapper)
