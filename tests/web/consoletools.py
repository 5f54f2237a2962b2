"""The staff console's test harness: a service over the browser tests' world, the console app in
front of it, and a tiny browser that keeps cookies and reads the forms' CSRF token."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from attrs import define, field

from clientportal import (
    ApprovalPolicy,
    MailSettings,
    MemoryDataSource,
    MemoryStore,
    PortalService,
    Workflow,
)
from clientportal.web import Headers, Request, Response
from clientportal.web.console import ConsoleApp, DatasetDirectory, StaffMember
from clientportal.workflow import Actor, Party

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "browser"))
from browsing import browser_world

KEY = "console-tests-secret-key-0123456789abcdef"
EVA = StaffMember(actor=Actor(Party.MANAGER, "eva"), name="Eva Jansen")


def console_service(
    workflow: Workflow = Workflow.EXTERNAL, *, enabled: bool = True, auto_forward: bool = True
) -> PortalService:
    """A fresh service over the browser tests' world under the given approval workflow
    (``auto_forward=False``: an internal approval waits for the staff to send it on)."""
    store = MemoryStore()
    return PortalService(
        MemoryDataSource(browser_world(), store),
        store,
        secret_keys=[KEY],
        policy=ApprovalPolicy(enabled=enabled, workflow=workflow, auto_forward=auto_forward),
        mail=MailSettings(
            sender_name="Studio Pixel",
            sender_address="hours@studio.example",
            message_id_domain="studio.example",
            base_url="https://hours.example/portal",
        ),
    )


def console_app(service: PortalService, staff: Any = EVA, **options: Any) -> ConsoleApp:
    """The console of ``service`` at /console; ``staff`` is whom authorize() returns."""
    return ConsoleApp(
        service,
        authorize=lambda request: staff,
        directory=DatasetDirectory(browser_world()),
        prefix="/console",
        **options,
    )


@define
class Page:
    """A response, its text decoded."""

    response: Response
    text: str

    @property
    def status(self) -> int:
        return self.response.status

    @property
    def location(self) -> str:
        return self.response.headers.get("Location") or ""

    @property
    def csrf(self) -> str:
        found = re.search(r'name="csrf_token" value="([^"]+)"', self.text)
        assert found is not None, "the page has no form with a CSRF token"
        return found.group(1)


@define
class Browser:
    """Requests to a console app with the cookies it set, like a browser's."""

    app: ConsoleApp
    language: str = "en"
    cookies: dict[str, str] = field(factory=dict)

    def request(
        self, method: str, path: str, form: dict[str, Any] | None = None, query: str = ""
    ) -> Page:
        headers = Headers([("Accept-Language", self.language)])
        if self.cookies:
            headers.add("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        body = b""
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            headers.add("Content-Type", "application/x-www-form-urlencoded")
        if "?" in path:
            path, query = path.split("?", 1)
        response = self.app.handle(
            Request(method=method, path=path, query_string=query, headers=headers, body=body)
        )
        for name, value in response.headers.items():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";")[0]
        return Page(response, b"".join(response.iter_body()).decode("utf-8"))

    def get(self, path: str) -> Page:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, Any]) -> Page:
        return self.request("POST", path, form)

    def token(self) -> str:
        """The CSRF token of the console's forms (reading the list first sets the cookie)."""
        return self.get("/console/portals/new?client=acme").csrf


def acme_form(token: str, **changes: Any) -> dict[str, Any]:
    """A filled-in portal form for Acme."""
    form: dict[str, Any] = {
        "csrf_token": token,
        "client": "acme",
        "name": "Acme — website",
        "language": "en",
        "currency": "EUR",
        "show_hours": "on",
        "show_descriptions": "on",
        "documents_scope": "client",
        "project": ["web"],
        "contact": ["ann"],
        "approval": "on",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}
