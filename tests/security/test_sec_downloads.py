"""Finding 12: a document's content type and filename come from the host's DataSource and must
be made safe before they become headers.

A non-ASCII content type gave a 500 (no server can send it); a right-to-left override in a
filename (``invoice\u202efdp.exe`` shows as ``invoiceexe.pdf``) went through. Both the HTML
download and the JSON API's file endpoint are checked, through a real waitress server.
"""

from __future__ import annotations

import http.client
from typing import Any

import pytest
from webtools import WsgiClient, open_portal

from clientportal.ports import DocumentFile
from clientportal.web import make_wsgi_app
from servers import on_waitress
from worlds import web_world

URLS = ["/portal/acme-en/invoices/i1", "/api/portals/acme-en/invoices/i1/file"]


def _download(file: DocumentFile, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, Any]]:
    """``file`` as invoice i1, downloaded from both URLs through waitress with a session."""
    world = web_world()
    monkeypatch.setitem(world.data._documents, ("invoice", "i1"), file)
    app = make_wsgi_app(world.service)
    browser = WsgiClient(app)
    open_portal(browser, world)
    cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies_for("/portal/acme-en").items())
    answers = []
    with on_waitress(app) as port:
        for url in URLS:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            connection.request("GET", url, headers={"Cookie": cookie})
            response = connection.getresponse()
            body = response.read()
            connection.close()
            assert body == file.data or response.status != 200
            answers.append((response.status, response.headers))
    return answers


def test_a_non_ascii_content_type_is_served_as_octet_stream(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Finding 12: a content type that is not an ASCII ``type/subtype`` downloads as
    ``application/octet-stream`` instead of failing with 500."""
    for bad in ("applicatión/pdf", "application/pdf\u2028x", "text/html; x=\u0125", "pdf"):
        file = DocumentFile("INV-1.pdf", bad, b"%PDF-1.4 bytes")
        for status, headers in _download(file, monkeypatch):
            assert status == 200, bad
            assert headers["Content-Type"] == "application/octet-stream"


def test_a_filename_loses_controls_and_bidi_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding 12: control and bidi-override characters are dropped from the filename; the
    header carries an ASCII ``filename`` and the UTF-8 ``filename*`` (RFC 5987)."""
    file = DocumentFile("factuur\u202efdp.exe\t\x07 é/\\.pdf", "application/pdf", b"%PDF-1.4 x")
    for status, headers in _download(file, monkeypatch):
        assert status == 200
        assert headers["Content-Type"] == "application/pdf"
        disposition = headers["Content-Disposition"]
        disposition.encode("ascii")
        assert "%E2%80%AE" not in disposition.upper()
        assert "%09" not in disposition
        assert "%07" not in disposition
        assert disposition.startswith('attachment; filename="factuurfdp.exe-e--.pdf"; ')
        assert disposition.endswith("filename*=UTF-8''factuurfdp.exe%20%C3%A9--.pdf")


def test_the_download_rules() -> None:
    """Finding 12: the one place the rules live: types with parameters stay, anything else is
    octet-stream; every kind of invisible or direction-changing character goes."""
    from clientportal.web.downloads import content_disposition, safe_content_type, safe_filename

    assert safe_content_type("application/pdf") == "application/pdf"
    assert safe_content_type("text/plain; charset=utf-8") == "text/plain; charset=utf-8"
    assert safe_content_type("Application/PDF") == "Application/PDF"
    for bad in ("", "pdf", "a/b/c", "a b/c", "a/b\r\nX: 1", "applicatión/pdf", "a/b; c"):
        assert safe_content_type(bad) == "application/octet-stream", bad
    for char in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\x00\x7f":
        assert char not in safe_filename(f"a{char}b.pdf")
    assert safe_filename("\u202e\x00") == "download"
    assert safe_filename("../../etc/passwd") == "-..-etc-passwd"
    assert content_disposition("Q-7.pdf") == (
        "attachment; filename=\"Q-7.pdf\"; filename*=UTF-8''Q-7.pdf"
    )
