"""The quote pages: the quote with its lines, totals and status actions, and the printable
proposal. Each action answers htmx with the quote's `body` partial (and the messages, out of
band) and everyone else with a redirect back to the quote, or the page with the form's errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from salesflow.core.errors import AccessDenied, ConflictError, DomainError
from salesflow.core.forms import form_add_service_error
from salesflow.core.views import error_text
from salesflow.pipeline.selectors import deal_get_for_user
from salesflow.quotes import services
from salesflow.quotes.forms import (
    QuoteActionForm,
    QuoteLineAddForm,
    QuoteLineEditForm,
    QuoteLinePickForm,
    QuoteTermsForm,
)
from salesflow.quotes.models import Quote, QuoteStatus
from salesflow.quotes.selectors import (
    quote_approval_declined,
    quote_get_for_user,
    quote_needs_approval,
    quote_settings,
    quote_totals,
)
from salesflow.users import policy

QUOTE_PAGE = "quotes/quote_detail.html"


def quote_is_approver(user: Any, quote: Quote) -> bool:
    """Whether to offer approve and decline: the service's rule (it decides again on submit)."""
    return services.quote_approval_refusal(user, quote) is None


def quote_page(
    request: HttpRequest, quote: Quote, *, forms: dict[Any, Any] | None = None
) -> HttpResponse:
    """The quote page; for htmx only its body, with the messages out of band."""
    forms = forms or {}
    quote = quote_get_for_user(request.user, quote.pk)
    can_edit = policy.can_write(request.user, quote.deal)
    editable = can_edit and quote.is_editable
    totals = quote_totals(quote)
    context = {
        "quote": quote,
        "deal": quote.deal,
        "totals": totals,
        "can_edit": can_edit,
        "editable": editable,
        "is_approver": can_edit and quote_is_approver(request.user, quote),
        "needs_approval": quote.is_editable and quote_needs_approval(quote),
        "declined": quote_approval_declined(quote),
        "can_revise": QuoteStatus.SUPERSEDED in services.TRANSITIONS[quote.status],
        "threshold": quote_settings().approval_discount_threshold,
        "revisions": quote.deal.quotes.filter(number=quote.number).order_by("revision"),
        "line_rows": [
            (
                amounts,
                editable
                and (
                    forms.get(("line", amounts.line.pk))
                    or QuoteLineEditForm(quote=quote, row=amounts.line)
                ),
            )
            for amounts in totals.lines
        ],
        "line_form": editable and (forms.get("line") or QuoteLineAddForm(quote=quote)),
        "terms_form": editable and (forms.get("terms") or QuoteTermsForm(quote=quote)),
        "action_form": forms.get("action") or QuoteActionForm(quote=quote),
    }
    if not request.htmx or request.htmx.history_restore_request:
        return render(request, QUOTE_PAGE, context)
    body = render_to_string(f"{QUOTE_PAGE}#body", context, request)
    return HttpResponse(body + render_to_string(f"{QUOTE_PAGE}#messages-oob", context, request))


def quote_done(request: HttpRequest, quote: Quote) -> HttpResponse:
    if request.htmx:
        return quote_page(request, quote)
    return redirect("quotes:quote-detail", quote.pk)


def _refused(request: HttpRequest, quote: Quote, error: Exception) -> HttpResponse:
    """A stale page or a rule of the quote's status: say so and show the quote as it is now."""
    known = isinstance(error, (ValidationError, DomainError))
    messages.error(request, error_text(error) if known else str(error))
    return quote_done(request, quote)


@login_required
@require_http_methods(["POST"])
def quote_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a draft quote for the deal and open it."""
    deal = deal_get_for_user(request.user, pk, write=True)
    try:
        quote = services.quote_create(deal, acting_user=request.user)
    except (ValidationError, DomainError) as error:
        messages.error(request, error_text(error))
        return redirect(f"{deal.get_absolute_url()}#panel-quotes")
    messages.success(request, f"Quote {quote} started: add its lines.")
    url = reverse("quotes:quote-detail", args=[quote.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@login_required
@require_http_methods(["GET"])
def quote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return quote_page(request, quote_get_for_user(request.user, pk))


def _form_save(
    request: HttpRequest,
    quote: Quote,
    form: Any,
    *,
    service: Callable[..., Any],
    target: Any,
    data: dict[str, Any],
    success_message: Callable[[Any], str],
) -> HttpResponse | None:
    """Call `service` on `target` with the valid form's `data` and version, then say
    `success_message(result)`.

    Answers the quote, or the refusal of a stale page or of the quote's status; None when the
    service found errors in the input, now on the form, for the caller to show with the page.
    """
    try:
        result = service(
            target, acting_user=request.user, expected_version=form.cleaned_data["version"], **data
        )
    except (ConflictError, DomainError) as error:
        return _refused(request, quote, error)
    except ValidationError as error:
        form_add_service_error(form, error)
        return None
    messages.success(request, success_message(result))
    return quote_done(request, quote)


@login_required
@require_http_methods(["POST"])
def quote_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft's terms: quote-wide discount, validity, notes."""
    quote = quote_get_for_user(request.user, pk, write=True)
    form = QuoteTermsForm(request.POST, quote=quote)
    if form.is_valid():
        done = _form_save(
            request,
            quote,
            form,
            service=services.quote_update,
            target=quote,
            data=form.changes(),
            success_message=lambda _: "Terms saved.",
        )
        if done is not None:
            return done
    return quote_page(request, quote, forms={"terms": form})


@login_required
@require_http_methods(["POST"])
def line_add(request: HttpRequest, pk: int) -> HttpResponse:
    quote = quote_get_for_user(request.user, pk, write=True)
    form = QuoteLineAddForm(request.POST, quote=quote)
    if form.is_valid():
        done = _form_save(
            request,
            quote,
            form,
            service=services.quote_line_add,
            target=quote,
            data=form.values(),
            success_message=lambda line: f"Line added: {line.description}.",
        )
        if done is not None:
            return done
    return quote_page(request, quote, forms={"line": form})


@login_required
@require_http_methods(["POST"])
def line_edit(request: HttpRequest, pk: int) -> HttpResponse:
    quote = quote_get_for_user(request.user, pk, write=True)
    form = QuoteLineEditForm(request.POST, quote=quote)
    if form.is_valid():
        done = _form_save(
            request,
            quote,
            form,
            service=services.quote_line_update,
            target=form.cleaned_data["line"],
            data=form.changes(),
            success_message=lambda line: f"Line saved: {line.description}.",
        )
        if done is not None:
            return done
    if "line" in form.errors:
        messages.error(request, "That line is not on this quote (any more).")
        return quote_done(request, quote)
    return quote_page(request, quote, forms={("line", form.cleaned_data["line"].pk): form})


@login_required
@require_http_methods(["POST"])
def line_remove(request: HttpRequest, pk: int) -> HttpResponse:
    quote = quote_get_for_user(request.user, pk, write=True)
    form = QuoteLinePickForm(request.POST, quote=quote)
    if not form.is_valid():
        messages.error(request, "That line is not on this quote (any more), or the page is old.")
        return quote_done(request, quote)
    line = form.cleaned_data["line"]
    try:
        services.quote_line_delete(
            line, acting_user=request.user, expected_version=form.cleaned_data["version"]
        )
    except DomainError as error:
        return _refused(request, quote, error)
    messages.success(request, f"Line removed: {line.description}.")
    return quote_done(request, quote)


# The status moves: the service, whether it keeps a note (why), and what to say once done.
ACTIONS: dict[str, tuple[Callable[..., Quote], bool, str]] = {
    "submit": (services.quote_submit_for_approval, True, "Submitted for approval."),
    "approve": (services.quote_approve, True, "Quote approved: it may be sent."),
    "decline": (
        services.quote_approval_decline,
        True,
        "Approval declined: the quote is a draft again.",
    ),
    "send": (services.quote_send, False, "Quote marked as sent to the customer."),
    "accept": (services.quote_accept, True, "Quote marked as accepted by the customer."),
    "reject": (services.quote_reject, True, "Quote marked as rejected by the customer."),
    "revise": (services.quote_revise, True, "New revision started: change it and send it again."),
}


@login_required
@require_http_methods(["POST"])
def quote_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Move the quote on: submit, approve, decline, send, accept, reject or revise."""
    quote = quote_get_for_user(request.user, pk, write=True)
    form = QuoteActionForm(request.POST, quote=quote)
    if not form.is_valid():
        messages.error(request, "The page was out of date; try again.")
        return quote_done(request, quote)
    service, keeps_note, done = ACTIONS[action]
    data = form.cleaned_data
    note = {"note": data["note"]} if keeps_note else {}
    try:
        result = service(quote, acting_user=request.user, expected_version=data["version"], **note)
    except (ValidationError, DomainError, AccessDenied) as error:
        # AccessDenied: a rep may change the deal but not approve its quotes.
        return _refused(request, quote, error)
    messages.success(request, done)
    if result.pk != quote.pk:  # a revision: continue on it
        url = reverse("quotes:quote-detail", args=[result.pk])
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return quote_done(request, quote)


@login_required
@require_http_methods(["GET"])
def quote_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The proposal inside the site's layout, or alone for printing with `?print=1`."""
    quote = quote_get_for_user(request.user, pk)
    standalone = request.GET.get("print") == "1"
    context = {
        "base_template": "quotes/print_base.html" if standalone else "base.html",
        "standalone": standalone,
        "quote": quote,
        "deal": quote.deal,
        "totals": quote_totals(quote),
        "company": quote_settings(),
    }
    return render(request, "quotes/quote_print.html", context)
