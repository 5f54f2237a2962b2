"""Declarative attrs validators and converters for the data contract (private).

Each validator raises ``TypeError`` or ``ValueError`` with a message that names the field and says
what is expected; the converter turns those messages into path-carrying ``ValidationError`` entries.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import attrs

_CURRENCY_SHAPE = re.compile(r"[A-Z]{3}")


def _name(attribute: attrs.Attribute[Any]) -> str:
    return attribute.name


#: The longest id, in characters: every id must fit a URL, a page cursor and a form field.
MAX_ID_LENGTH = 200
#: What no id may hold: control characters, U+FFFD (what a wrong decoding leaves behind) and
#: lone surrogates (no encoding can carry them).
_NOT_IN_IDS = re.compile("[\x00-\x1f\x7f\ufffd\ud800-\udfff]")


def id_problem(value: str) -> str | None:
    """What keeps ``value`` from being an id, or ``None`` when it is one: the one rule for ids,
    which the model, the web layer and so every URL, cursor, form, JSON body and CSV cell share."""
    if not value or value != value.strip():
        return "must be a non-empty id without surrounding spaces"
    if len(value) > MAX_ID_LENGTH:
        return f"must be an id of at most {MAX_ID_LENGTH} characters, got {len(value)}"
    if _NOT_IN_IDS.search(value):
        return "must be an id without control characters or U+FFFD"
    return None


def identifier(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Ids are non-empty strings without surrounding whitespace (see :func:`id_problem`)."""
    if not isinstance(value, str):
        raise TypeError(f"{_name(attribute)} must be a string id, got {type(value).__name__}")
    problem = id_problem(value)
    if problem is not None:
        raise ValueError(f"{_name(attribute)} {problem}, got {value[:60]!r}")


def optional_identifier(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """``None`` or an :func:`identifier`."""
    if value is not None:
        identifier(instance, attribute, value)


def identifiers(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A frozenset of ids."""
    if not isinstance(value, frozenset):
        raise TypeError(f"{_name(attribute)} must be a frozenset of ids")
    for item in value:
        problem = "must hold string ids" if not isinstance(item, str) else id_problem(item)
        if problem is not None:
            raise ValueError(f"{_name(attribute)} {problem}, got {str(item)[:60]!r}")


def to_frozenset(value: Iterable[Any]) -> frozenset[Any]:
    """Accept any iterable of ids, but never a bare string (which would split into characters)."""
    if isinstance(value, str | bytes):
        raise TypeError(f"expected a collection of ids, got the single string {value!r}")
    return value if isinstance(value, frozenset) else frozenset(value)


def to_tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    """Accept any iterable of records for a tuple field."""
    return value if isinstance(value, tuple) else tuple(value)


def non_empty_text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A string with something besides whitespace in it."""
    if not isinstance(value, str):
        raise TypeError(f"{_name(attribute)} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{_name(attribute)} must not be empty")


def optional_text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """``None`` or a string."""
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{_name(attribute)} must be a string or None, got {type(value).__name__}")


def boolean(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A real ``bool`` (not 0/1, not a string)."""
    if not isinstance(value, bool):
        raise TypeError(f"{_name(attribute)} must be true or false, got {value!r}")


def seconds(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Durations are whole, non-negative seconds."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{_name(attribute)} must be whole seconds (int), got {value!r}")
    if value < 0:
        raise ValueError(f"{_name(attribute)} must be >= 0, got {value}")


def _decimal(attribute: attrs.Attribute[Any], value: object) -> Decimal:
    if not isinstance(value, Decimal):
        raise TypeError(
            f"{_name(attribute)} must be a decimal.Decimal (floats lose cents), got {value!r}"
        )
    if not value.is_finite():
        raise ValueError(f"{_name(attribute)} must be a finite number, got {value}")
    return value


def money(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A finite ``Decimal`` (may be negative, as on a credit note)."""
    _decimal(attribute, value)


def non_negative_money(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A finite ``Decimal`` that is zero or more."""
    if _decimal(attribute, value) < 0:
        raise ValueError(f"{_name(attribute)} must be >= 0, got {value}")


def optional_non_negative_money(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    """``None`` or :func:`non_negative_money`."""
    if value is not None:
        non_negative_money(instance, attribute, value)


@functools.cache
def _known_currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def currency(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An ISO 4217 currency code such as ``"EUR"``."""
    if not isinstance(value, str) or not _CURRENCY_SHAPE.fullmatch(value):
        raise ValueError(
            f"{_name(attribute)} must be an ISO 4217 code of three capitals (e.g. 'EUR'), "
            f"got {value!r}"
        )
    if value not in _known_currencies():
        raise ValueError(f"{_name(attribute)} {value!r} is not an ISO 4217 currency code")


def optional_currency(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """``None`` or :func:`currency`."""
    if value is not None:
        currency(instance, attribute, value)


def plain_date(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A ``datetime.date`` that is not a ``datetime`` (which would carry a hidden time)."""
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise TypeError(f"{_name(attribute)} must be a datetime.date, got {value!r}")


def optional_plain_date(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """``None`` or :func:`plain_date`."""
    if value is not None:
        plain_date(instance, attribute, value)


def aware_datetime(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A timezone-aware ``datetime``."""
    if not isinstance(value, dt.datetime):
        raise TypeError(f"{_name(attribute)} must be a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{_name(attribute)} must be timezone-aware "
            f"(e.g. datetime.now(timezone.utc)), got {value.isoformat()}"
        )


@functools.cache
def language_is_known(tag: str) -> bool:
    """True when Babel can parse ``tag`` (``"nl"``, ``"en_GB"`` or ``"en-GB"``)."""
    from babel import Locale, UnknownLocaleError

    for sep in ("_", "-"):
        try:
            Locale.parse(tag, sep=sep)
        except (UnknownLocaleError, ValueError, TypeError):
            continue
        return True
    return False


def language(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A language tag Babel can parse."""
    if not isinstance(value, str) or not value or not language_is_known(value):
        raise ValueError(
            f"{_name(attribute)} must be a language tag Babel knows (e.g. 'nl', 'en_GB'), "
            f"got {value!r}"
        )


def optional_language(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """``None`` or :func:`language`."""
    if value is not None:
        language(instance, attribute, value)


@functools.lru_cache(maxsize=4096)
def _address_problem(value: str) -> str | None:
    if not value.isascii():
        return (
            "write it in ASCII (an international domain in its xn-- form): the mailer does not "
            "speak SMTPUTF8"
        )
    # Imported here: ``import clientportal`` stays light, the library loads when an address is read.
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(
            value,
            check_deliverability=False,
            globally_deliverable=False,
            allow_smtputf8=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
            allow_empty_local=False,
        )
    except EmailNotValidError as error:
        return str(error)
    if "." not in checked.domain:
        return "the part after the @-sign must be a domain with a dot"
    return None


def email_problem(value: object) -> str | None:
    """Why ``value`` is not exactly one e-mail address, or ``None`` when it is one: the one rule
    for addresses (the model, the mail settings, the e-mail headers and the outbox share it).

    One address means no display name, no quotes, no comma, semicolon or angle bracket (which
    would make a header of several recipients), ASCII only, and a domain with a dot;
    deliverability is not checked (that needs the network).
    """
    if not isinstance(value, str):
        return f"expected a string, got {type(value).__name__}"
    return _address_problem(value)


def optional_email(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """``None`` (no address: nothing is mailed) or :func:`email`."""
    if value is not None:
        email(instance, attribute, value)


def email(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Exactly one e-mail address, ``name@example.com`` (see :func:`email_problem`)."""
    problem = email_problem(value)
    if problem is not None:
        shown = value[:80] if isinstance(value, str) else value
        raise ValueError(
            f"{_name(attribute)} must be one e-mail address such as 'name@example.com' "
            f"({problem}), got {shown!r}"
        )
