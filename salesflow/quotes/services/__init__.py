"""Every write to products, quotes and their lines. Each status move writes a QuoteStatusChange.

A quote's lines and terms change only while it is a draft; every change, line changes
included, bumps the quote's `version`, so `expected_version` guards the whole proposal.

Callers import the services from here (`from salesflow.quotes import services`); the modules
split them by what they do:

- `products`: the catalogue and the quote settings (admins);
- `deal_lines`: products on a deal, and the deal amount that follows them;
- `drafts`: starting a quote, its terms and its lines;
- `approval`: submitting a discounted quote, approving or declining it;
- `sending`: sending it, the customer's acceptance or rejection, and revising it;
- `transitions`: the status moves they all go through.
"""

from __future__ import annotations

from salesflow.quotes.services.approval import (
    quote_approval_decline,
    quote_approval_refusal,
    quote_approve,
    quote_submit_for_approval,
)
from salesflow.quotes.services.deal_lines import (
    DEAL_LINE_FIELDS,
    deal_amount_follow_lines,
    deal_line_add,
    deal_line_remove,
    deal_line_update,
    deal_lines_bulk_create,
    deal_lines_replace,
)
from salesflow.quotes.services.drafts import (
    LINE_FIELDS,
    QUOTE_FIELDS,
    quote_create,
    quote_line_add,
    quote_line_delete,
    quote_line_update,
    quote_update,
)
from salesflow.quotes.services.products import (
    PRODUCT_FIELDS,
    SETTINGS_FIELDS,
    product_archive,
    product_create,
    product_restore,
    product_update,
    quote_settings_update,
)
from salesflow.quotes.services.sending import quote_accept, quote_reject, quote_revise, quote_send
from salesflow.quotes.services.transitions import TRANSITIONS

__all__ = [
    "DEAL_LINE_FIELDS",
    "LINE_FIELDS",
    "PRODUCT_FIELDS",
    "QUOTE_FIELDS",
    "SETTINGS_FIELDS",
    "TRANSITIONS",
    "deal_amount_follow_lines",
    "deal_line_add",
    "deal_line_remove",
    "deal_line_update",
    "deal_lines_bulk_create",
    "deal_lines_replace",
    "product_archive",
    "product_create",
    "product_restore",
    "product_update",
    "quote_accept",
    "quote_approval_decline",
    "quote_approval_refusal",
    "quote_approve",
    "quote_create",
    "quote_line_add",
    "quote_line_delete",
    "quote_line_update",
    "quote_reject",
    "quote_revise",
    "quote_send",
    "quote_settings_update",
    "quote_submit_for_approval",
    "quote_update",
]
