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
