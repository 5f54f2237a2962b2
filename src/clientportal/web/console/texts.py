"""The staff console's texts, by key, in English (the msgids), and the page text that finds them.

The console's own texts live here, in the library's Babel catalog beside the portal's; a template
calls ``t("key")`` for either (:class:`ConsoleText` looks in :data:`CONSOLE_LABELS` first, then in
the portal's :data:`~clientportal.i18n.LABELS`), and the portal's formats (``t.date``,
``t.approval_status``...) as on the portal's pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from babel import dates as babel_dates

from ...i18n import N_, Nc_, Np_
from ...model import ApprovalStatus
from ...workflow import Action, Party
from ..texts import PageText

__all__ = ["CONSOLE_LABELS", "CONSOLE_PLURALS", "ConsoleText"]

#: The console's texts by key, in English.
CONSOLE_LABELS: Mapping[str, str] = {
    "console": N_("Staff console"),
    "client_portals": N_("Client portals"),
    # TRANSLATORS: the button that starts a new portal (the source product's "+ New client portal").
    "new_portal": N_("+ New client portal"),
    "signed_in_as": N_("Signed in as %(name)s"),
    "console_navigation": N_("Console navigation"),
    "portal_sections": N_("Portal pages"),
    "no_portals": N_("There are no client portals yet."),
    "name": N_("Name"),
    "client": N_("Client"),
    "contacts": N_("Contacts"),
    "portal_state": N_("State"),
    "active": N_("Active"),
    "inactive": N_("Inactive"),
    "settings": N_("Settings"),
    "links": N_("Links"),
    "preview": N_("Preview"),
    "approval": N_("Approval"),
    # Sections of a portal
    "section_general": N_("General"),
    "section_access": N_("Access"),
    "general_help": N_("The client the portal is for, and the language it is shown in."),
    "choose_client": N_("Choose a client"),
    "next": N_("Next"),
    "portal_name": N_("Portal name"),
    "client_fixed": N_("A portal stays with its client: for another client, create a new portal."),
    "settings_help": N_("What the client sees in the portal."),
    "show_hours": N_("Hours"),
    "show_descriptions": N_("Descriptions"),
    "show_amounts": N_("Rates and amounts"),
    "show_non_billable_amounts": N_("Non-billable work and costs"),
    "show_budget": N_("Budget"),
    "budget_note": N_(
        "The budget type “Total costs” is never shown: it is about internal costs. All other "
        "budget types are shown."
    ),
    "show_invoices": N_("Invoices"),
    "show_quotes": N_("Quotes"),
    "documents_scope": N_("Which invoices and quotes"),
    "scope_client": N_("All invoices and quotes of the client"),
    "scope_projects": N_("Only those of the visible projects"),
    "documents_note": N_(
        "With “all”, the portal shows every invoice and quote of this client, not only those of "
        "the visible projects."
    ),
    "show_expenses": N_("Expenses"),
    "show_trips": N_("Trips"),
    "projects_help": N_("Which of this client's projects are visible in the portal."),
    "no_client_projects": N_("This client has no projects."),
    "access_help": N_(
        "Contacts added here receive a link to open the portal. Anyone with the link can open "
        "the portal and see everything in it: share it with care."
    ),
    "several_portals": N_(
        "Contacts on different projects who must not see each other's projects: create several "
        "portals for the same client."
    ),
    "no_email": N_("no e-mail address: receives no e-mail"),
    "no_client_contacts": N_("This client has no contacts."),
    "approval_setting": N_("The client approves hours"),
    "approval_help": N_(
        "Hours submitted for approval are e-mailed to the portal's contacts automatically."
    ),
    "approval_unavailable": N_(
        "Approval by the client needs the approval workflow “external”, “internal → external” "
        "or “external → internal”. The setting appears here once the company's workflow "
        "includes the client."
    ),
    "portal_active": N_("Active: the portal's links open it"),
    "save": N_("Save"),
    "create_portal": N_("Create portal"),
    "cancel": N_("Cancel"),
    "form_problems": N_("The portal could not be saved. Please correct the fields marked below."),
    "saved": N_("The portal is saved."),
    "created": N_("The portal is created. Issue its contacts a link under Links."),
    "name_required": N_("Enter a name for the portal."),
    "client_required": N_("Choose a client from the list."),
    "bad_language": N_("Choose a language from the list."),
    "bad_currency": N_("Enter a currency code of three letters, such as EUR."),
    "bad_choice": N_("Choose only from the list."),
    # Preview
    "preview_title": N_("Preview: the portal as the client sees it"),
    "preview_as": N_("Preview as %(contact)s"),
    "preview_note": N_(
        "A read-only preview: no link is issued and nothing is recorded. Its links lead nowhere."
    ),
    "show_preview": N_("Show"),
    "contact": N_("Contact"),
    "no_contacts_preview": N_("Add a contact under Access to preview the portal as one."),
    "inactive_preview": N_("This portal is inactive: its links do not open it."),
    # Links
    "links_help": N_(
        "Each contact has a link of their own. Revoking a link ends its sessions; a new link "
        "replaces the old one."
    ),
    "last_opened": N_("Last opened"),
    "never_opened": N_("Never"),
    "issued": N_("Issued"),
    "expires": N_("Expires"),
    "never_expires": N_("Never"),
    "link_active": N_("Works"),
    "link_revoked": N_("Revoked"),
    "link_expired": N_("Expired"),
    "issue_link": N_("Issue a link"),
    "regenerate": N_("New link"),
    "revoke": N_("Revoke"),
    "no_link": N_("No link issued yet."),
    "new_link_title": N_("New link for %(contact)s"),
    "copy_link_help": N_(
        "Copy this link now and send it to the contact: it is shown only this once."
    ),
    "link_url": N_("Link to the portal"),
    "link_revoked_done": N_("The link is revoked: it no longer opens the portal."),
    "actions": N_("Actions"),
    # Approval
    "queue": N_("Awaiting the client's approval"),
    "queue_empty": N_("Nothing awaits the client's approval."),
    "submit_title": N_("Submit hours to the client"),
    "submit_help": N_(
        "Choose the hours to send to the client for approval. The portal's contacts receive an "
        "e-mail."
    ),
    "submit_selected": N_("Submit to the client"),
    "submit_none": N_("No hours are waiting to be submitted to the client."),
    "approval_off": N_(
        "The client does not approve hours in this portal: switch on approval under Approval "
        "in the portal's settings."
    ),
    "audit_trail": N_("Audit trail"),
    "history_title": N_("Audit trail of time entry %(id)s"),
    # TRANSLATORS: the link to an entry's audit trail, read out by screen readers.
    "history_of": N_("Audit trail of the entry of %(date)s, %(employee)s"),
    "history_empty": N_("Nobody has taken a step on this entry yet."),
    "when": N_("When"),
    "step": N_("Step"),
    "by": N_("By"),
    "status_change": N_("Status"),
    "select_to_submit": N_("Select the entry of %(date)s, %(employee)s, %(duration)s to submit"),
    "select_expense_to_submit": N_(
        "Select the expense of %(date)s, %(employee)s, %(amount)s to submit"
    ),
    "select_trip_to_submit": N_(
        "Select the trip of %(date)s, %(employee)s, %(distance)s to submit"
    ),
    # TRANSLATORS: the link to an expense's audit trail, read out by screen readers.
    "history_of_expense": N_("Audit trail of the expense of %(date)s, %(employee)s, %(amount)s"),
    # TRANSLATORS: the link to a trip's audit trail, read out by screen readers.
    "history_of_trip": N_("Audit trail of the trip of %(date)s, %(employee)s, %(distance)s"),
    "history_title_expense": N_("Audit trail of expense %(id)s"),
    "history_title_trip": N_("Audit trail of trip %(id)s"),
    # With expenses or trips besides the hours, the approval page speaks of "items".
    "submit_title_items": N_("Submit items to the client"),
    "submit_help_items": N_(
        "Choose the hours, expenses and trips to send to the client for approval. The portal's "
        "contacts receive an e-mail."
    ),
    "submit_none_items": N_("Nothing is waiting to be submitted to the client."),
    # Activity (the portal's events)
    "activity": N_("Activity"),
    "activity_help": N_(
        "What happened in this portal, newest first (%(count)s events a page): the client's "
        "decisions, the staff's steps on the client's items, links issued, opened and revoked, "
        "and changes to the portal."
    ),
    # TRANSLATORS: the link to the next page of the activity table (events before these).
    "activity_older": N_("Older events"),
    "activity_empty": N_("Nothing has happened in this portal yet."),
    # TRANSLATORS: the column of the activity table that says what happened.
    "activity_what": N_("What happened"),
    # TRANSLATORS: an approval step and what it was taken on, e.g. "Approved: 3 time entries".
    "activity_step": N_("%(step)s: %(items)s"),
    "activity_portal_created": N_("Portal created"),
    "activity_portal_updated": N_("Portal changed"),
    # TRANSLATORS: followed by the list of what changed, e.g. "Changed: Projects, Contacts".
    "activity_changed": N_("Changed"),
    "activity_switched_on": N_("switched on"),
    "activity_switched_off": N_("switched off"),
    "activity_link_issued": N_("Link issued"),
    "activity_link_revoked": N_("Link revoked"),
    "activity_link_opened": N_("Portal opened with a link"),
    # TRANSLATORS: who a shared link (one without a contact) belongs to.
    "activity_no_contact": N_("nobody (a shared link)"),
    # TRANSLATORS: an event of a type this version cannot describe; %(type)s is its name.
    "activity_other": N_("Event %(type)s"),
    # Errors
    "forbidden_title": N_("No access"),
    "forbidden_body": N_("You are not allowed to use the staff console."),
    "portal_not_found": N_("There is no such portal. Go back to the list of portals."),
}

#: The console's count-dependent texts by key: ``(singular, plural)`` in English.
CONSOLE_PLURALS: Mapping[str, tuple[str, str]] = {
    "submitted_count": Np_(
        "%(count)s time entry submitted to the client.",
        "%(count)s time entries submitted to the client.",
    ),
    "not_submitted_count": Np_(
        "%(count)s time entry could not be submitted: it no longer waits for it.",
        "%(count)s time entries could not be submitted: they no longer wait for it.",
    ),
    "submitted_count_items": Np_(
        "%(count)s item submitted to the client.",
        "%(count)s items submitted to the client.",
    ),
    "not_submitted_count_items": Np_(
        "%(count)s item could not be submitted: it no longer waits for it.",
        "%(count)s items could not be submitted: they no longer wait for it.",
    ),
}

_STEP: Mapping[Action, tuple[str, str]] = {
    Action.SUBMIT: Nc_("approval step", "Submitted"),
    Action.APPROVE: Nc_("approval step", "Approved"),
    Action.REJECT: Nc_("approval step", "Rejected"),
    Action.WITHDRAW: Nc_("approval step", "Withdrawn"),
    Action.SUBMIT_TO_CLIENT: Nc_("approval step", "Submitted to the client"),
    Action.REOPEN: Nc_("approval step", "Reopened"),
    Action.UNDO: Nc_("approval step", "Decision undone by the client"),  # workflow + undo (H2)
}

_PARTY: Mapping[Party, tuple[str, str]] = {
    Party.EMPLOYEE: Nc_("party", "Employee"),
    Party.MANAGER: Nc_("party", "Manager"),
    Party.CLIENT: Nc_("party", "Client"),
    Party.ADMIN: Nc_("party", "Administrator"),
    Party.POLICY: Nc_("party", "Reminder policy"),  # workflow + undo (H2)
}


class ConsoleText(PageText):
    """The console's texts and the portal's formats in one language."""

    def __call__(self, key: str, /, **values: object) -> str:
        """The console's text ``key`` (else the portal's), with ``values`` filled in."""
        message = CONSOLE_LABELS.get(key)
        if message is None:
            return super().__call__(key, **values)
        return self.translator.gettext(message, **values)

    def plural(self, key: str, n: int, /, **values: object) -> str:
        """The console's count-dependent text ``key`` (else the portal's) for ``n``."""
        pair = CONSOLE_PLURALS.get(key)
        if pair is None:
            return super().plural(key, n, **values)
        return self.translator.ngettext(pair[0], pair[1], n, **values)

    def moment(self, value: dt.datetime) -> str:
        """A date and time in the locale's short style, in the time zone it carries."""
        return babel_dates.format_datetime(value, "short", tzinfo=value.tzinfo, locale=self.locale)

    def approval_status(self, status: ApprovalStatus) -> str:
        """The name of an approval status as the staff reads it: what the portal calls "Awaiting
        your approval" is "Awaiting the client's approval" here."""
        if status is ApprovalStatus.PENDING_EXTERNAL:
            return self("queue")
        return super().approval_status(status)

    def step(self, action: Action) -> str:
        """The name of an approval step in the audit trail."""
        return self.translator.pgettext(*_STEP[action])

    def party(self, party: Party) -> str:
        """Who took a step: employee, manager, client or administrator."""
        return self.translator.pgettext(*_PARTY[party])
