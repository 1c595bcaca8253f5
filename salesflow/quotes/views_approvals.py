"""Approvals: the quotes waiting for a discount approval that the signed-in manager (or admin)
may decide, oldest request first, each approved or declined from the list.

The decision calls the same services as the quote page (`quote_approve`,
`quote_approval_decline`), which check the rule again. With htmx a decision answers the row as
it now is (decided, or refreshed when the page was stale) and the messages out of band; without,
a redirect back to the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.views.decorators.http import require_http_methods

from salesflow.core.errors import AccessDenied, DomainError
from salesflow.core.views import error_text, page_of, render_list
from salesflow.quotes import services
from salesflow.quotes.forms import QuoteActionForm
from salesflow.quotes.models import Quote
from salesflow.quotes.selectors import quote_get_for_user, quote_totals
from salesflow.quotes.selectors_approvals import approval_rows, approvals_page_rows
from salesflow.users.policy import require_manager

PAGE = "quotes/approvals.html"

# The decisions: the service and what to say once done.
DECISIONS: dict[str, tuple[Any, str]] = {
    "approve": (services.quote_approve, "Quote {quote} approved: the rep may send it."),
    "decline": (
        services.quote_approval_decline,
        "Approval of quote {quote} declined: it is a draft again, with your reason.",
    ),
}


@dataclass(frozen=True)
class ApprovalRow:
    quote: Quote
    total: Decimal
    discount_percent: Decimal  # every discount as a share of the subtotal
    discount_total: Decimal
    top_line_discount: Decimal  # the deepest line discount


def _row(quote: Quote) -> ApprovalRow:
    totals = quote_totals(quote)
    return ApprovalRow(
        quote=quote,
        total=totals.grand_total,
        discount_percent=totals.discount_percent,
        discount_total=totals.discount_total,
        top_line_discount=max(
            (line.discount_percent for line in quote.lines.all()), default=Decimal(0)
        ),
    )


@login_required
@require_http_methods(["GET"])
def approvals_list(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, what="decide quote approvals")
    page = page_of(request, approval_rows(request.user))
    rows = [_row(quote) for quote in approvals_page_rows(page.object_list)]
    return render_list(request, PAGE, {"page_obj": page, "rows": rows})


def _row_answer(request: HttpRequest, pk: int, decided: str | None) -> HttpResponse:
    """The row of quote `pk` as it is now: still waiting for this user (with its buttons), or
    a line saying what became of it; the messages out of band."""
    quote = approvals_page_rows(approval_rows(request.user).filter(pk=pk))
    context = {
        "row": _row(quote[0]) if quote else None,
        "gone": None if quote else quote_get_for_user(request.user, pk),
        "decided": decided,
    }
    body = render_to_string(f"{PAGE}#row", context, request)
    return HttpResponse(body + render_to_string(f"{PAGE}#messages-oob", context, request))


@login_required
@require_http_methods(["POST"])
def approval_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """Approve or decline (with the reason, optional as on the quote page) from the list."""
    require_manager(request.user, what="decide quote approvals")
    quote = quote_get_for_user(request.user, pk, write=True)
    form = QuoteActionForm(request.POST, quote=quote)
    decided = None
    if not form.is_valid():
        messages.error(request, "The page was out of date; try again.")
    else:
        service, done = DECISIONS[decision]
        try:
            service(
                quote,
                acting_user=request.user,
                expected_version=form.cleaned_data["version"],
                note=form.cleaned_data["note"],
            )
        except (ValidationError, DomainError, AccessDenied) as error:
            # A stale row (someone decided first), or a quote this user may not decide.
            known = isinstance(error, (ValidationError, DomainError))
            messages.error(request, error_text(error) if known else str(error))
        else:
            decided = decision
            messages.success(request, done.format(quote=quote))
    if request.htmx:
        return _row_answer(request, pk, decided)
    return redirect("quotes:approvals")
