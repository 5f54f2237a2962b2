"""The portal pages' texts: the library's catalog (:data:`clientportal.i18n.LABELS`) plus the few
texts only the web pages use, translated here for every supported language.

Templates call ``t("key", **values)``: a key of :data:`~clientportal.i18n.LABELS` is translated
through the Babel catalog, any other key comes from :data:`WEB_TEXTS`. Both are in the portal's
language; a language without a web text falls back to English.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from ..i18n import (
    LABELS,
    PLURAL_LABELS,
    Translator,
    format_budget_amount,
    format_date,
    format_duration,
    format_money,
    format_number,
    format_percent,
    translator,
)
from ..model import ApprovalStatus, BudgetType, DocumentStatus

__all__ = ["WEB_TEXTS", "PageText"]

#: Texts of the web pages that the library's catalog does not have, by key and language.
WEB_TEXTS: Mapping[str, Mapping[str, str]] = {
    "main_navigation": {
        "en": "Main navigation",
        "nl": "Hoofdnavigatie",
        "de": "Hauptnavigation",
        "fr": "Navigation principale",
        "es": "Navegación principal",
        "pl": "Nawigacja główna",
    },
    "skip_to_content": {
        "en": "Skip to content",
        "nl": "Naar de inhoud",
        "de": "Zum Inhalt springen",
        "fr": "Aller au contenu",
        "es": "Saltar al contenido",
        "pl": "Przejdź do treści",
    },
    "hours_per_week": {
        "en": "Hours per week",
        "nl": "Uren per week",
        "de": "Stunden pro Woche",
        "fr": "Heures par semaine",
        "es": "Horas por semana",
        "pl": "Godziny w tygodniu",
    },
    "week_of": {
        "en": "Week of %(date)s",
        "nl": "Week van %(date)s",
        "de": "Woche vom %(date)s",
        "fr": "Semaine du %(date)s",
        "es": "Semana del %(date)s",
        "pl": "Tydzień od %(date)s",
    },
    "budget_of": {
        "en": "%(used)s of %(amount)s",
        "nl": "%(used)s van %(amount)s",
        "de": "%(used)s von %(amount)s",
        "fr": "%(used)s sur %(amount)s",
        "es": "%(used)s de %(amount)s",
        "pl": "%(used)s z %(amount)s",
    },
    "filters": {
        "en": "Filters",
        "nl": "Filters",
        "de": "Filter",
        "fr": "Filtres",
        "es": "Filtros",
        "pl": "Filtry",
    },
    "all_projects": {
        "en": "All projects",
        "nl": "Alle projecten",
        "de": "Alle Projekte",
        "fr": "Tous les projets",
        "es": "Todos los proyectos",
        "pl": "Wszystkie projekty",
    },
    "all_statuses": {
        "en": "All statuses",
        "nl": "Alle statussen",
        "de": "Alle Status",
        "fr": "Tous les statuts",
        "es": "Todos los estados",
        "pl": "Wszystkie statusy",
    },
    "pagination": {
        "en": "Pages",
        "nl": "Pagina's",
        "de": "Seiten",
        "fr": "Pages",
        "es": "Páginas",
        "pl": "Strony",
    },
    "first_page": {
        "en": "First page",
        "nl": "Eerste pagina",
        "de": "Erste Seite",
        "fr": "Première page",
        "es": "Primera página",
        "pl": "Pierwsza strona",
    },
    "download": {
        "en": "Download",
        "nl": "Downloaden",
        "de": "Herunterladen",
        "fr": "Télécharger",
        "es": "Descargar",
        "pl": "Pobierz",
    },
    "recently_decided": {
        "en": "Recently decided",
        "nl": "Recent beoordeeld",
        "de": "Kürzlich entschieden",
        "fr": "Décisions récentes",
        "es": "Decididas recientemente",
        "pl": "Ostatnio rozpatrzone",
    },
    "not_decided": {
        "en": "Some hours were not changed: they no longer await your approval.",
        "nl": "Sommige uren zijn niet gewijzigd: ze wachten niet meer op uw goedkeuring.",
        "de": "Einige Stunden wurden nicht geändert: Sie warten nicht mehr auf Ihre Freigabe.",
        "fr": "Certaines heures n'ont pas été modifiées : elles n'attendent plus votre "
        "approbation.",
        "es": "Algunas horas no se han modificado: ya no esperan su aprobación.",
        "pl": "Niektóre godziny nie zostały zmienione: nie czekają już na Twoją akceptację.",
    },
    "shared_link": {
        "en": "This link is shared. Open the portal from your personal link to approve or "
        "reject hours.",
        "nl": "Deze link is gedeeld. Open het portaal via uw persoonlijke link om uren goed te "
        "keuren of af te keuren.",
        "de": "Dieser Link ist geteilt. Öffnen Sie das Portal über Ihren persönlichen Link, um "
        "Stunden freizugeben oder abzulehnen.",
        "fr": "Ce lien est partagé. Ouvrez le portail avec votre lien personnel pour approuver "
        "ou refuser des heures.",
        "es": "Este enlace es compartido. Abra el portal con su enlace personal para aprobar o "
        "rechazar horas.",
        "pl": "Ten link jest współdzielony. Otwórz portal swoim osobistym linkiem, aby "
        "zaakceptować lub odrzucić godziny.",
    },
    "code_send_intro": {
        "en": "To open this portal you need a one-time code. We will e-mail it to %(email)s.",
        "nl": "Om dit portaal te openen heeft u een eenmalige code nodig. We mailen die naar "
        "%(email)s.",
        "de": "Um dieses Portal zu öffnen, brauchen Sie einen Einmalcode. Wir senden ihn an "
        "%(email)s.",
        "fr": "Pour ouvrir ce portail, il vous faut un code à usage unique. Nous l'envoyons à "
        "%(email)s.",
        "es": "Para abrir este portal necesita un código de un solo uso. Lo enviaremos a "
        "%(email)s.",
        "pl": "Aby otworzyć ten portal, potrzebujesz jednorazowego kodu. Wyślemy go na adres "
        "%(email)s.",
    },
    "code_send": {
        "en": "Send me a code",
        "nl": "Stuur mij een code",
        "de": "Code senden",
        "fr": "M'envoyer un code",
        "es": "Enviarme un código",
        "pl": "Wyślij mi kod",
    },
    "signed_out": {
        "en": "You have signed out. Open the link from your e-mail to come back.",
        "nl": "U bent afgemeld. Open de link uit uw e-mail om terug te komen.",
        "de": "Sie haben sich abgemeldet. Öffnen Sie den Link aus Ihrer E-Mail, um zurückzukehren.",
        "fr": "Vous êtes déconnecté. Ouvrez le lien de votre e-mail pour revenir.",
        "es": "Ha cerrado la sesión. Abra el enlace de su correo electrónico para volver.",
        "pl": "Wylogowano. Otwórz link z wiadomości e-mail, aby wrócić.",
    },
    "bad_request_title": {
        "en": "The request could not be read",
        "nl": "Het verzoek kon niet worden gelezen",
        "de": "Die Anfrage konnte nicht gelesen werden",
        "fr": "La demande n'a pas pu être lue",
        "es": "No se pudo leer la solicitud",
        "pl": "Nie udało się odczytać żądania",
    },
    "too_many_title": {
        "en": "Too many attempts",
        "nl": "Te veel pogingen",
        "de": "Zu viele Versuche",
        "fr": "Trop de tentatives",
        "es": "Demasiados intentos",
        "pl": "Zbyt wiele prób",
    },
    "too_many_body": {
        "en": "There were too many attempts from your network. Wait a minute and try again.",
        "nl": "Er waren te veel pogingen vanaf uw netwerk. Wacht een minuut en probeer het "
        "opnieuw.",
        "de": "Es gab zu viele Versuche aus Ihrem Netzwerk. Warten Sie eine Minute und "
        "versuchen Sie es erneut.",
        "fr": "Trop de tentatives depuis votre réseau. Patientez une minute et réessayez.",
        "es": "Hubo demasiados intentos desde su red. Espere un minuto y vuelva a intentarlo.",
        "pl": "Z Twojej sieci było zbyt wiele prób. Odczekaj minutę i spróbuj ponownie.",
    },
    "select_entry": {
        "en": "Select the entry of %(date)s, %(employee)s, %(duration)s",
        "nl": "Selecteer de boeking van %(date)s, %(employee)s, %(duration)s",
        "de": "Eintrag vom %(date)s auswählen, %(employee)s, %(duration)s",
        "fr": "Sélectionner la saisie du %(date)s, %(employee)s, %(duration)s",
        "es": "Seleccionar el registro del %(date)s, %(employee)s, %(duration)s",
        "pl": "Zaznacz wpis z %(date)s, %(employee)s, %(duration)s",
    },
}


class PageText:
    """Texts and formats of one page in one language, for templates: ``t("hours")``,
    ``t.plural("entries_count", 3)``, ``t.duration(5400)``, ``t.money(amount, "EUR")``."""

    def __init__(self, language: str) -> None:
        self.translator: Translator = translator(language)
        self.locale = self.translator.locale
        self.language = self.translator.language
        self._key = self.locale.language

    def __call__(self, key: str, /, **values: object) -> str:
        """The text ``key`` (a catalog label or a web text) with ``values`` filled in."""
        if key in LABELS:
            return self.translator.label(key, **values)
        texts = WEB_TEXTS[key]
        text = texts.get(self._key, texts["en"])
        if not values:
            return text
        try:
            return text % values
        except (KeyError, ValueError, TypeError):
            return texts["en"] % values

    def plural(self, key: str, n: int, /, **values: object) -> str:
        """The count-dependent catalog text ``key`` for ``n``."""
        if key not in PLURAL_LABELS:
            raise KeyError(f"no plural label {key!r}")
        return self.translator.plural_label(key, n, **values)

    def approval_status(self, status: ApprovalStatus) -> str:
        """The name of an approval status."""
        return self.translator.approval_status(status)

    def document_status(self, status: DocumentStatus, kind: str) -> str:
        """The name of an invoice's or quote's status."""
        return self.translator.document_status(status, "invoice" if kind == "invoice" else "quote")

    def budget_type(self, budget_type: BudgetType) -> str:
        """The name of a budget method."""
        return self.translator.budget_type(budget_type)

    def duration(self, seconds: int) -> str:
        """Hours and minutes (``7:30``)."""
        return format_duration(seconds, self.locale)

    def hours(self, seconds: int) -> str:
        """Decimal hours with their unit (``7,5 uur``)."""
        return format_duration(seconds, self.locale, style="decimal")

    def date(self, value: dt.date, style: str = "medium") -> str:
        """A date in the locale's style."""
        return format_date(value, self.locale, style=style)  # type: ignore[arg-type]

    def money(self, amount: Decimal, currency: str) -> str:
        """An amount in its currency."""
        return format_money(amount, currency, self.locale)

    def number(self, value: int | Decimal) -> str:
        """A number in the locale's digits."""
        return format_number(value, self.locale)

    def percent(self, ratio: Decimal) -> str:
        """A ratio as a whole percentage."""
        return format_percent(ratio, self.locale)

    def budget_amount(self, amount: Decimal, budget_type: BudgetType, currency: str | None) -> str:
        """A budget amount: hours with their unit, or money."""
        return format_budget_amount(amount, budget_type, currency, self.locale)
