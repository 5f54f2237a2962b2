"""The library's texts: the extraction markers and the page texts by key, in English (the msgids).

The markers return their arguments unchanged; `pybabel extract` (configured in pyproject.toml)
collects the strings they mark into the catalog.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from ..model import ApprovalStatus, BudgetType, DocumentStatus

__all__ = [
    "LABELS",
    "N_",
    "PLURAL_LABELS",
    "DocumentKind",
    "Nc_",
    "Np_",
]

#: Which document a status belongs to (some languages inflect "sent" by the document's gender).
DocumentKind = Literal["invoice", "quote"]


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it (yet)."""
    return message


def Np_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a singular/plural pair for translation with ``ngettext``."""
    return singular, plural


def Nc_(context: str, message: str) -> tuple[str, str]:
    """Mark ``message`` for translation with ``pgettext`` in ``context``."""
    return context, message


#: The texts of the portal's pages, by a stable key, in English (the msgid). Translate one with
#: :meth:`Translator.label`; some take named values (``page_of`` takes ``page`` and ``pages``).
LABELS: Mapping[str, str] = {
    # Navigation and sections
    "portal": N_("Client portal"),
    "overview": N_("Overview"),
    "hours": N_("Hours"),
    "projects": N_("Projects"),
    "project": N_("Project"),
    "budgets": N_("Budgets"),
    "budget": N_("Budget"),
    "invoices": N_("Invoices"),
    "invoice": N_("Invoice"),
    "quotes": N_("Quotes"),
    "quote": N_("Quote"),
    "approvals": N_("Approvals"),
    "language": N_("Language"),
    "sign_out": N_("Sign out"),
    "main_navigation": N_("Main navigation"),
    "skip_to_content": N_("Skip to content"),
    # Table columns
    "date": N_("Date"),
    "employee": N_("Employee"),
    "employees": N_("Employees"),
    "description": N_("Description"),
    "task": N_("Task"),
    "duration": N_("Duration"),
    "status": N_("Status"),
    "billable": N_("Billable"),
    "non_billable": N_("Non-billable"),
    "yes": N_("Yes"),
    "no": N_("No"),
    "rate": N_("Rate"),
    "amount": N_("Amount"),
    "number": N_("Number"),
    "due_date": N_("Due date"),
    "valid_until": N_("Valid until"),
    "total": N_("Total"),
    "totals": N_("Totals"),
    "total_hours": N_("Total hours"),
    "week": N_("Week %(week)s"),
    "hours_per_week": N_("Hours per week"),
    # TRANSLATORS: a bar of the chart of hours per week; %(date)s is the week's Monday.
    "week_of": N_("Week of %(date)s"),
    # Budgets
    "budget_planned": N_("Planned"),
    "budget_used": N_("Used"),
    "budget_remaining": N_("Remaining"),
    "budget_progress": N_("%(percent)s used"),
    "budget_exceeded": N_("Over budget"),
    # TRANSLATORS: how much of a budget is used, e.g. "46 hours of 120 hours".
    "budget_of": N_("%(used)s of %(amount)s"),
    # Filters
    "filters": N_("Filters"),
    "filter_employee": N_("Filter by employee"),
    "all_employees": N_("All employees"),
    "all_projects": N_("All projects"),
    "all_statuses": N_("All statuses"),
    "date_range": N_("Date range"),
    "date_from": N_("From"),
    "date_to": N_("To"),
    "this_week": N_("This week"),
    "last_week": N_("Last week"),
    "this_month": N_("This month"),
    "last_month": N_("Last month"),
    "apply_filter": N_("Apply"),
    "reset_filter": N_("Reset filters"),
    # Lists and pages
    "export_csv": N_("Export CSV"),
    "previous_page": N_("Previous"),
    "next_page": N_("Next"),
    # TRANSLATORS: the name of the navigation between the pages of a long list.
    "pagination": N_("Pages"),
    "first_page": N_("First page"),
    "page_of": N_("Page %(page)s of %(pages)s"),
    "showing": N_("Showing %(first)s–%(last)s of %(total)s"),
    "no_hours": N_("No hours in this period."),
    "no_projects": N_("No projects to show."),
    "no_budgets": N_("No budgets to show."),
    "no_invoices": N_("No invoices to show."),
    "no_quotes": N_("No quotes to show."),
    "download": N_("Download"),
    # Approvals
    "awaiting_approval": N_("Awaiting your approval"),
    "no_pending": N_("There are no hours awaiting your approval."),
    "approve": N_("Approve"),
    "reject": N_("Reject"),
    "approve_selected": N_("Approve selected"),
    "reject_selected": N_("Reject selected"),
    "select_all": N_("Select all"),
    "reason": N_("Reason"),
    "reason_help": N_("Tell us what needs to change. Your reason is sent to %(company)s."),
    "confirm_approve": N_("Approve the selected hours?"),
    # TRANSLATORS: the label of an entry's checkbox, read out by screen readers.
    "select_entry": N_("Select the entry of %(date)s, %(employee)s, %(duration)s"),
    "recently_decided": N_("Recently decided"),
    "not_decided": N_("Some hours were not changed: they no longer await your approval."),
    "shared_link": N_(
        "This link is shared. Open the portal from your personal link to approve or reject hours."
    ),
    # User-facing errors
    "reason_required": N_("Please give a reason for rejecting these hours."),
    "reason_too_long": N_("The reason is too long: please shorten it."),
    "nothing_selected": N_("Select at least one time entry first."),
    "decision_conflict": N_(
        "Some of these hours were changed in the meantime. Please review them and decide again."
    ),
    "form_expired": N_("This form has expired. Please reload the page and try again."),
    "error_title": N_("Something went wrong"),
    "error_body": N_("Please try again in a moment. If the problem persists, contact %(company)s."),
    "bad_request_title": N_("The request could not be read"),
    "too_many_title": N_("Too many attempts"),
    "too_many_body": N_(
        "There were too many attempts from your network. Wait a minute and try again."
    ),
    # Links and one-time codes
    "link_invalid_title": N_("This link has expired or is unknown"),
    "link_invalid_body": N_(
        "The link you followed cannot be used any more. Ask your contact person for a new link."
    ),
    "session_expired": N_("Your session has ended. Open the link from your e-mail again."),
    "signed_out": N_("You have signed out. Open the link from your e-mail to come back."),
    "code_title": N_("Enter your access code"),
    "code_send_intro": N_(
        "To open this portal you need a one-time code. We will e-mail it to %(email)s."
    ),
    "code_send": N_("Send me a code"),
    "code_intro": N_("We have sent a code to %(email)s. Enter it below to open the portal."),
    "code_field": N_("Access code"),
    "code_submit": N_("Open the portal"),
    "code_resend": N_("Send a new code"),
    "code_invalid": N_("This code is not correct or has expired. Try again or ask for a new code."),
    "code_too_many": N_("Too many attempts. Ask for a new code."),
    # Approvals page: a reject per row with its own reason (issue 12)
    "reason_help_kept": N_(
        "Tell us what needs to change. Your reason is kept with these hours for %(company)s."
    ),
    "reject_with_reason": N_("Reject with this reason"),
    "reason_selected": N_("Reason for rejecting the selected hours"),
    "reject_selected_with_reason": N_("Reject the selected hours with this reason"),
    # Pages a client understands: error pages, filter problems, paging, punctuation (issue 12)
    "page_not_found_title": N_("Page not found"),
    "page_not_found_body": N_(
        "There is no page at this address. Check the address, or go back to the overview."
    ),
    "back_to_overview": N_("Back to the overview"),
    "bad_request_body": N_(
        "Something in the address or the form could not be read. Go back and try again."
    ),
    "method_not_allowed_title": N_("This is not possible here"),
    "method_not_allowed_body": N_(
        "This address cannot be used this way. Go back and use the links and buttons of the page."
    ),
    "filter_fix": N_("Please correct the filter to see the hours."),
    "filter_bad_date": N_("Enter a valid date."),
    "filter_dates_swapped": N_("The start date is after the end date."),
    "filter_bad_status": N_("Choose a status from the list."),
    "filter_bad_employee": N_("Choose an employee from the list."),
    "filter_bad_project": N_("Choose a project from the list."),
    "page_link_invalid": N_("This page link no longer works. Start again from the first page."),
    # TRANSLATORS: the help text under a date field; %(example)s is a date as people type it.
    "date_help": N_("e.g. %(example)s"),
    # TRANSLATORS: a label and its value ("Total hours: 7.5 hours"); French puts a no-break
    # space before the colon.
    "label_value": N_("%(label)s: %(value)s"),
    "currency": N_("Currency"),
    # Expenses and trips (issue 14)
    "expenses": N_("Expenses"),
    "expense": N_("Expense"),
    # TRANSLATORS: journeys made for a project, claimed as mileage ("Trips" in the menu).
    "trips": N_("Trips"),
    "trip": N_("Trip"),
    "category": N_("Category"),
    # TRANSLATORS: the column that says whether a receipt is kept for an expense.
    "receipt": N_("Receipt"),
    # TRANSLATORS: what a screen reader says for the receipt marker of an expense.
    "receipt_kept": N_("Receipt kept"),
    "no_receipt": N_("No receipt"),
    "distance": N_("Distance"),
    # TRANSLATORS: where a trip started (a column of the CSV export).
    "origin": N_("Origin"),
    # TRANSLATORS: where a trip ended (a column of the CSV export).
    "destination": N_("Destination"),
    "route": N_("Route"),
    # TRANSLATORS: a trip's route, e.g. "Amsterdam → Utrecht".
    "route_from_to": N_("%(origin)s → %(destination)s"),
    "rate_per_km": N_("Rate per km"),
    "total_distance": N_("Total distance"),
    "total_amount": N_("Total amount"),
    "no_expenses": N_("No expenses in this period."),
    "no_trips": N_("No trips in this period."),
    "no_pending_items": N_("There is nothing awaiting your approval."),
    "no_decided_items": N_("Nothing has been decided recently."),
    # TRANSLATORS: the label of an expense's checkbox, read out by screen readers.
    "select_expense": N_("Select the expense of %(date)s, %(employee)s, %(amount)s"),
    # TRANSLATORS: the label of a trip's checkbox, read out by screen readers.
    "select_trip": N_("Select the trip of %(date)s, %(employee)s, %(distance)s"),
    "shared_link_items": N_(
        "This link is shared. Open the portal from your personal link to approve or reject "
        "hours, expenses and trips."
    ),
    "not_decided_items": N_("Some items were not changed: they no longer await your approval."),
    "reason_required_items": N_("Please give a reason for rejecting these items."),
    "nothing_selected_items": N_("Select at least one item first."),
    "decision_conflict_items": N_(
        "Some of these items were changed in the meantime. Please review them and decide again."
    ),
    "reason_help_kept_items": N_(
        "Tell us what needs to change. Your reason is kept with these items for %(company)s."
    ),
    "reason_selected_items": N_("Reason for rejecting the selected items"),
    "reject_selected_with_reason_items": N_("Reject the selected items with this reason"),
    # Sign-off of a week or month (issue 15, H4, web/signoff_views.py)
    # TRANSLATORS: the menu item of the page where a client approves a whole week or month.
    "signoff": N_("Sign-off"),
    "signoff_title": N_("Sign off a week or month"),
    "signoff_intro": N_(
        "Approve everything that awaits you in a week or a month at once. You receive a "
        "certificate (PDF) that lists what you approved."
    ),
    "signoff_weeks": N_("Weeks awaiting your approval"),
    "signoff_months": N_("Months awaiting your approval"),
    "signoff_period": N_("Period"),
    "signoff_items": N_("Items"),
    "signoff_distance": N_("Distance"),
    "signoff_actions": N_("Actions"),
    "signoff_approve_week": N_("Approve the whole week"),
    "signoff_approve_month": N_("Approve the whole month"),
    "signoff_review": N_("Review the items"),
    "signoff_nothing": N_("Nothing awaits your approval."),
    "signoff_certificates": N_("Your sign-off certificates"),
    "signoff_no_certificates": N_("You have not signed anything off yet."),
    "signoff_approved_at": N_("Approved on"),
    # TRANSLATORS: the SHA-256 fingerprint that proves which items a certificate lists.
    "signoff_fingerprint": N_("Fingerprint (SHA-256)"),
    "signoff_download": N_("Download the PDF"),
    # TRANSLATORS: the period of a certificate of items approved together, not a week or month.
    "signoff_batch": N_("Items approved together"),
    "signoff_done": N_("Approved. Your certificate is listed below."),
    "signoff_some_left": N_("Some items were not approved: they no longer await your approval."),
    "signoff_nothing_left": N_("Nothing in that period awaits your approval any more."),
    "signoff_changed": N_(
        "That period changed while you were looking at it, so nothing was approved: look at it "
        "again."
    ),
    "signoff_shared": N_(
        "This link is shared. Open the portal from your personal link to sign off a period."
    ),
    # The console's list of a portal's certificates (its Approval tab)
    "signoff_console_title": N_("Sign-off certificates"),
    "signoff_console_none": N_("No contact has signed anything off in this portal yet."),
    "signoff_approved_by": N_("Approved by"),
    # A withdrawn certificate (review fixes of issue 15, H7, web/signoff_views.py and
    # web/console/signoffs.py)
    # TRANSLATORS: a certificate that no longer stands: an item it covers was undone by the
    # client or reopened by the staff; %(date)s is the day it was withdrawn.
    "signoff_withdrawn_on": N_("Withdrawn on %(date)s"),
    # Quotes a client accepts or declines (issue 15, H6, web/quote_views.py)
    # TRANSLATORS: the heading of a quote's page; %(number)s is the quote's number.
    "quote_title": N_("Quote %(number)s"),
    # TRANSLATORS: the column and section about the client's decision on a quote.
    "quote_decision": N_("Decision"),
    # TRANSLATORS: the link from the list of quotes to the page where the client decides.
    "quote_decide": N_("Accept or decline"),
    # TRANSLATORS: %(name)s is the name the contact typed as their signature.
    "quote_accepted_by": N_("Accepted by %(name)s on %(date)s"),
    "quote_declined_by": N_("Declined by %(name)s on %(date)s"),
    "quote_accept_intro": N_(
        "By typing your full name and pressing “Accept the quote”, you accept quote "
        "%(number)s of %(company)s for %(amount)s."
    ),
    "quote_signature": N_("Type your full name"),
    "quote_signature_help": N_("Your typed name is your signature. It is kept with your decision."),
    "quote_accept": N_("Accept the quote"),
    # TRANSLATORS: the heading of the part of the form that declines a quote.
    "quote_decline_heading": N_("Or decline it"),
    "quote_decline_reason": N_("Reason for declining"),
    "quote_decline_help": N_("Tell us why. Your reason is sent to %(company)s."),
    "quote_decline_help_kept": N_("Tell us why. Your reason is kept with your decision."),
    "quote_decline": N_("Decline the quote"),
    "quote_back": N_("Back to the quotes"),
    "quote_accepted_done": N_("Thank you: you accepted the quote. Your acceptance is recorded."),
    "quote_declined_done": N_("You declined the quote. Your decision and reason are recorded."),
    "quote_already_decided": N_("This quote has already been accepted or declined."),
    "quote_expired": N_("This quote has expired: it can no longer be accepted or declined."),
    "quote_closed": N_("This quote is not open for a decision."),
    "quote_shared_link": N_(
        "This link is shared. Open the portal from your personal link to accept or decline quotes."
    ),
    "quote_signature_missing": N_("Type your full name to sign."),
    "quote_signature_too_long": N_("Your name is too long: type at most %(count)s characters."),
    "quote_signature_not_a_name": N_("Type your name in letters."),
    "quote_reason_required": N_("Please give a reason for declining the quote."),
    # A quote revised while its decision page was open (issue 15, H8, web/quote_views.py)
    "quote_changed": N_(
        "This quote changed while you were looking at it: look at it again. "
        "Nothing has been accepted or declined."
    ),
    # TRANSLATORS: on a decided quote's page, before the amount the contact accepted or declined.
    "quote_decided_amount": N_("Amount decided on"),
    # Undo a decision from the approvals page (issue 15, H2, web/undo_views.py)
    # TRANSLATORS: shown after an approval or rejection; %(minutes)s is a whole number.
    "undo_offer": N_("Changed your mind? You can undo this decision within %(minutes)s min."),
    # TRANSLATORS: the button that takes the client's last approval or rejection back.
    "undo_button": N_("Undo"),
    "undo_done": N_("Your decision was undone. The items await your decision again."),
    "undo_refused": N_(
        "Some items could not be undone: the time for undoing has passed, someone else decided "
        "on them, or the company has already invoiced them."
    ),
    "undo_nothing": N_(
        "Nothing was undone: the time for undoing has passed, someone else decided on the "
        "items, or the company has already invoiced them."
    ),
    # Action links: one-click decisions from the e-mail (issue 15, H3, web/action_views.py)
    "act_title": N_("Your approval is requested"),
    "act_intro": N_(
        "%(company)s asks you to approve these items of %(portal)s. Nothing is decided until "
        "you press a button below."
    ),
    "act_note": N_("Note"),
    "act_approve_all": N_("Approve all"),
    "act_reject_all": N_("Reject all"),
    "act_open_portal": N_("Open the portal"),
    "act_pin_help": N_(
        "Your decision needs a one-time code. We e-mail it to %(email)s when you press "
        "“Send me a code”."
    ),
    "act_code_sent": N_("A code is on its way to %(email)s. Enter it, then approve or reject."),
    "act_pin_required": N_("Enter the code we e-mailed you first, or ask for one."),
    "act_reason_required": N_("Please give a reason for rejecting these items."),
    "act_form_expired": N_("This page had expired. Please try again."),
    "act_expired_title": N_("This approval link has expired"),
    "act_expired": N_(
        "Nothing was decided. Open the portal to see what still awaits your approval, or ask "
        "%(company)s for a new link."
    ),
    "act_used_title": N_("This approval link has already been used"),
    "act_used": N_(
        "A decision was already made with this link. Open the portal to see the items and "
        "their status."
    ),
    "act_left_title": N_("Not decided here"),
    "act_left_help": N_(
        "These items changed or were decided after the e-mail was sent, so they are not "
        "decided here. Look at them in the portal."
    ),
    "act_state_changed": N_("changed since the e-mail"),
    "act_gone": N_("Some items of the e-mail are no longer shown in the portal."),
    "act_nothing_title": N_("Nothing was decided"),
    "act_nothing_left": N_(
        "Nothing is left to decide here: every item of the e-mail changed or was decided since."
    ),
    "act_done_title": N_("Thank you"),
    "act_done_approved": N_("Your approval is recorded for %(company)s."),
    "act_done_rejected": N_("Your rejection and your reason are recorded for %(company)s."),
}

#: Texts that depend on a count, by key: ``(singular, plural)`` in English. Translate one with
#: :meth:`Translator.plural_label`; the count is available as ``%(count)s``.
PLURAL_LABELS: Mapping[str, tuple[str, str]] = {
    # Pages a client understands (issue 12): when to try again after too many attempts
    "too_many_wait": Np_(
        "There were too many attempts from your network. Please try again in %(count)s minute.",
        "There were too many attempts from your network. Please try again in %(count)s minutes.",
    ),
    "entries_count": Np_("%(count)s time entry", "%(count)s time entries"),
    "approved_count": Np_("%(count)s time entry approved.", "%(count)s time entries approved."),
    "rejected_count": Np_("%(count)s time entry rejected.", "%(count)s time entries rejected."),
    "selected_count": Np_("%(count)s time entry selected", "%(count)s time entries selected"),
    # Expenses and trips (issue 14)
    "expenses_count": Np_("%(count)s expense", "%(count)s expenses"),
    "trips_count": Np_("%(count)s trip", "%(count)s trips"),
    "expenses_approved_count": Np_("%(count)s expense approved.", "%(count)s expenses approved."),
    "expenses_rejected_count": Np_("%(count)s expense rejected.", "%(count)s expenses rejected."),
    "trips_approved_count": Np_("%(count)s trip approved.", "%(count)s trips approved."),
    "trips_rejected_count": Np_("%(count)s trip rejected.", "%(count)s trips rejected."),
    "code_sent": Np_(
        "A new code is on its way. It is valid for %(count)s minute.",
        "A new code is on its way. It is valid for %(count)s minutes.",
    ),
}

_APPROVAL_STATUS: Mapping[ApprovalStatus, tuple[str, str]] = {
    ApprovalStatus.OPEN: Nc_("approval status", "Open"),
    ApprovalStatus.PENDING_INTERNAL: Nc_("approval status", "Awaiting internal approval"),
    ApprovalStatus.INTERNALLY_APPROVED: Nc_("approval status", "Approved internally"),
    ApprovalStatus.PENDING_EXTERNAL: Nc_("approval status", "Awaiting your approval"),
    ApprovalStatus.APPROVED: Nc_("approval status", "Approved"),
    ApprovalStatus.REJECTED: Nc_("approval status", "Rejected"),
}

_INVOICE_STATUS: Mapping[DocumentStatus, tuple[str, str]] = {
    DocumentStatus.DRAFT: Nc_("invoice status", "Draft"),
    DocumentStatus.SENT: Nc_("invoice status", "Sent"),
    DocumentStatus.PAID: Nc_("invoice status", "Paid"),
    DocumentStatus.OVERDUE: Nc_("invoice status", "Overdue"),
    DocumentStatus.CREDITED: Nc_("invoice status", "Credited"),
}

_QUOTE_STATUS: Mapping[DocumentStatus, tuple[str, str]] = {
    DocumentStatus.DRAFT: Nc_("quote status", "Draft"),
    DocumentStatus.SENT: Nc_("quote status", "Sent"),
    DocumentStatus.ACCEPTED: Nc_("quote status", "Accepted"),
    DocumentStatus.DECLINED: Nc_("quote status", "Declined"),
    DocumentStatus.EXPIRED: Nc_("quote status", "Expired"),
}

_BUDGET_TYPE: Mapping[BudgetType, tuple[str, str]] = {
    BudgetType.TOTAL_HOURS: Nc_("budget type", "Total hours"),
    BudgetType.TASK_HOURS: Nc_("budget type", "Hours per task"),
    BudgetType.EMPLOYEE_HOURS: Nc_("budget type", "Hours per employee"),
    BudgetType.TOTAL_FEE: Nc_("budget type", "Total fee"),
    BudgetType.TASK_FEE: Nc_("budget type", "Fee per task"),
    BudgetType.EMPLOYEE_FEE: Nc_("budget type", "Fee per employee"),
    BudgetType.TOTAL_COSTS: Nc_("budget type", "Total costs"),
}
