"""The library's e-mails: what they say in each language, and a company's own templates.

- :mod:`~clientportal.mail.messages`: the four builders (:func:`~.messages.approval_requested`,
  :func:`~.messages.entries_rejected`, :func:`~.messages.entries_approved`,
  :func:`~.messages.access_code`), each giving a :class:`~.messages.Mail`;
- :mod:`~clientportal.mail.templates`: a company's :class:`~.templates.MailTemplate`, chosen,
  checked and rendered in the sandbox of :mod:`~clientportal.mail.sandbox`.

Inside, ``content`` writes each e-mail's text, ``blocks`` turns it into the plain-text and HTML
parts, and ``envelope`` adds the headers.

Importing this package stays light: the names of :mod:`~clientportal.mail.messages` (which loads
Babel) are imported when first used, and Jinja2 only when a template is checked or rendered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .sandbox import ALLOWED_ATTRIBUTES as ALLOWED_ATTRIBUTES
from .sandbox import ALLOWED_FILTERS as ALLOWED_FILTERS
from .sandbox import ALLOWED_TESTS as ALLOWED_TESTS
from .templates import REQUIRED_VARIABLES as REQUIRED_VARIABLES
from .templates import TEMPLATE_VARIABLES as TEMPLATE_VARIABLES
from .templates import EntryRow as EntryRow
from .templates import MailKind as MailKind
from .templates import MailTemplate as MailTemplate
from .templates import ProjectHours as ProjectHours
from .templates import RenderedTemplate as RenderedTemplate
from .templates import RichValue as RichValue
from .templates import TemplateValue as TemplateValue
from .templates import WeekHours as WeekHours
from .templates import render_template as render_template
from .templates import select_template as select_template
from .templates import validate_template as validate_template

if TYPE_CHECKING:
    from .messages import EntryLike as EntryLike
    from .messages import Mail as Mail
    from .messages import Named as Named
    from .messages import Recipient as Recipient
    from .messages import Sender as Sender
    from .messages import access_code as access_code
    from .messages import approval_requested as approval_requested
    from .messages import entries_approved as entries_approved
    from .messages import entries_rejected as entries_rejected

_FROM_MESSAGES = frozenset(
    {
        "EntryLike",
        "Mail",
        "Named",
        "Recipient",
        "Sender",
        "access_code",
        "approval_requested",
        "entries_approved",
        "entries_rejected",
    }
)


def __getattr__(name: str) -> object:
    """The names of :mod:`~clientportal.mail.messages`, imported on first use."""
    if name in _FROM_MESSAGES:
        from . import messages

        return getattr(messages, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
