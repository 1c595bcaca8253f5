"""The printable proposal. Quote editing pages belong to the UI work and call the services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from salesflow.quotes.selectors import quote_get_for_user, quote_settings, quote_totals


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
