"""What every command shares: the database, its keys, the service built on them, friendly errors."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

import click

from ..errors import ClientPortalError
from ..model import ApprovalPolicy, Workflow

if TYPE_CHECKING:
    from ..service import PortalService
    from ..sql import SqlDataSource, SqlStore

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_DB = "sqlite:///clientportal.sqlite3"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_SENDER = "Pixel & Co hours <hours@pixel.example>"
KEYS_VARIABLE = "CLIENTPORTAL_SECRET_KEYS"

#: The ``--approval`` workflows by their option name (``internal-external``); ``off`` disables.
WORKFLOWS = {w.name.lower().replace("_", "-"): w for w in Workflow}
DEFAULT_APPROVAL = "internal-external"


def approval_policy(approval: str, *, manual_forward: bool = False) -> ApprovalPolicy:
    """The policy named by ``--approval`` (a workflow, or ``off``) and ``--manual-forward``."""
    if approval == "off":
        return ApprovalPolicy(enabled=False)
    return ApprovalPolicy(
        enabled=True, workflow=WORKFLOWS[approval], auto_forward=not manual_forward
    )


DEFAULT_POLICY = approval_policy(DEFAULT_APPROVAL)


def database_url(value: str) -> str:
    """``--db`` as a database URL: a URL as given, a plain file path as its SQLite URL."""
    if "://" in value or not value.strip():
        return value
    return f"sqlite:///{value}"


def public_url(value: str | None) -> str | None:
    """``--base-url`` checked: an http(s) URL without query or fragment."""
    if value is None:
        return None
    from ..service import MailSettings

    try:
        MailSettings(
            sender_name="x", sender_address="x@example.com", message_id_domain="example.com",
            base_url=value,
        )  # fmt: skip
    except ValueError:
        hint = f": did you mean http://{value}?" if "://" not in value else ""
        raise click.BadParameter(
            f"{value!r} is not an http(s) URL without query or fragment{hint}",
            param_hint="--base-url",
        ) from None
    return value


def http_url(host: str, port: int) -> str:
    """The address a portal served on ``host:port`` is reached at."""
    return f"http://{host}:{port}"


def smtp_address(value: str) -> tuple[str, int]:
    """``HOST:PORT`` of an SMTP server, checked."""
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(f"{value!r} is not HOST:PORT (e.g. 127.0.0.1:1025)")
    return host, int(port)


def _sender(value: str) -> tuple[str, str]:
    from email.utils import parseaddr

    name, address = parseaddr(value)
    if "@" not in address:
        raise click.BadParameter(
            f"{value!r} is not an address: give 'Name <address@example.com>'", param_hint="--sender"
        )
    return name or address, address


def _key_file(db: str) -> Path | None:
    prefix = "sqlite:///"
    if not db.startswith(prefix) or db == prefix or ":memory:" in db:
        return None
    return Path(db[len(prefix) :] + ".keys")


def _secret_keys(db: str, given: Sequence[str], *, create: bool = False) -> list[str]:
    """The keys from the options or environment, else the SQLite key file (made if ``create``)."""
    keys = [k.strip() for value in given for k in value.split(",") if k.strip()]
    if keys:
        return keys
    path = _key_file(db)
    if path is not None and path.exists():
        keys = [line.strip() for line in path.read_text().splitlines() if line.strip()]
        if keys:
            return keys
    if create and path is not None:
        path.write_text(secrets.token_urlsafe(32) + "\n")
        path.chmod(0o600)
        return _secret_keys(db, (), create=False)
    raise click.UsageError(
        f"no secret key: give --secret-key KEY or set {KEYS_VARIABLE} "
        "(comma-separated, oldest first); keep the same keys, or issued links stop working"
    )


class Context:
    """What the command group knows: the database URL, the keys, where the portal is served."""

    def __init__(
        self,
        db: str,
        keys: Sequence[str],
        base_url: str | None,
        sender: str,
        policy: ApprovalPolicy = DEFAULT_POLICY,
    ) -> None:
        self.db, self.keys, self.base_url, self.sender = db, tuple(keys), base_url, sender
        self.policy = policy

    def on(self, db: str) -> Context:
        """The same settings on another database (the demo's)."""
        return Context(db, self.keys, self.base_url, self.sender, self.policy)

    @property
    def safe_db(self) -> str:
        """The database URL without its password, for messages."""
        from ..sql import safe_url

        return safe_url(self.db)

    @functools.cached_property
    def store(self) -> SqlStore:
        """The database's store (one per command), refused when the schema is missing."""
        from ..sql import SchemaMissing, SqlStore, create_engine, current_revision

        engine = create_engine(self.db)
        if current_revision(engine) is None:
            raise SchemaMissing(
                f"the database {self.safe_db} has no clientportal tables yet: "
                "run `clientportal db upgrade` (or `clientportal demo`) first"
            )
        return SqlStore(engine)

    @functools.cached_property
    def data(self) -> SqlDataSource:
        """The host's data in the same database (the demo's reference schema)."""
        from ..sql import SqlDataSource

        return SqlDataSource(self.store.engine)

    def service(self, *, create_keys: bool = False, base_url: str | None = None) -> PortalService:
        """The portal service on this database (``create_keys``: make a SQLite key file)."""
        from ..service import MailSettings, PortalService

        store = self.store
        name, address = _sender(self.sender)
        return PortalService(
            self.data,
            store,
            secret_keys=_secret_keys(self.db, self.keys, create=create_keys),
            policy=self.policy,
            mail=MailSettings(
                sender_name=name,
                sender_address=address,
                message_id_domain=address.rpartition("@")[2],
                base_url=base_url or self.base_url or http_url(DEFAULT_HOST, DEFAULT_PORT),
            ),
        )


pass_context = click.make_pass_decorator(Context)


def with_context(fn: Callable[Concatenate[Context, P], R]) -> Callable[P, R]:
    """Give a command the group's :class:`Context`, and turn the library's errors into a
    one-paragraph message and exit status 1, never a trace."""

    @functools.wraps(fn)
    def wrapper(obj: Context, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(obj, *args, **kwargs)
        except ClientPortalError as error:
            raise click.ClickException(str(error)) from None
        except KeyError as error:
            raise click.ClickException(str(error.args[0]) if error.args else str(error)) from None

    return pass_context(wrapper)
