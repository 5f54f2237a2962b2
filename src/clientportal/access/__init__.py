"""Who may open a portal: links, signed tokens, sessions, CSRF tokens and one-time codes.

This package is pure logic: no store, no clock, no I/O. Time is always passed in (``now``) and
randomness is a function ``random_bytes(n)`` that defaults to :func:`secrets.token_bytes`.
:class:`~clientportal.service.access.AccessGate` puts it to work over the ports.

A *link* gives one contact (or, for a shared link, anybody holding it) access to one portal. Its
*token* is an itsdangerous ``URLSafeTimedSerializer`` value that names the link, the portal's
generation and 128 random bits whose SHA-256 the link record keeps. So a token is worthless without
the secret keys *and* the random bits, and neither the store nor the log ever holds a usable token.

The records live in :mod:`clientportal.access.records`, the signed values and the codec in
:mod:`clientportal.access.codec`, ids, token secrets and codes in
:mod:`clientportal.access.randomness`, whether a link may open its portal in
:mod:`clientportal.access.admission`; every name is importable from here.
"""

from .admission import admit as admit
from .codec import AccessCodec as AccessCodec
from .codec import LinkClaim as LinkClaim
from .codec import PendingClaim as PendingClaim
from .codec import SecretKeys as SecretKeys
from .codec import SessionClaim as SessionClaim
from .randomness import CODE_DIGITS as CODE_DIGITS
from .randomness import RandomBytes as RandomBytes
from .randomness import new_code as new_code
from .randomness import new_secret as new_secret
from .randomness import random_id as random_id
from .randomness import secret_digest as secret_digest
from .records import OK as OK
from .records import AccessAction as AccessAction
from .records import AccessEvent as AccessEvent
from .records import AccessMode as AccessMode
from .records import AccessPolicy as AccessPolicy
from .records import Link as Link
from .records import LinkStatus as LinkStatus
from .records import OneTimeCode as OneTimeCode
from .records import PortalAccess as PortalAccess
from .records import SessionRecord as SessionRecord
