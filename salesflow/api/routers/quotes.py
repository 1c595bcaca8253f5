"""Quotes (proposals) on deals, their lines and status steps (the catalogue: `products`).

A quote follows its deal's access. Every change, line changes included, bumps the quote's
`version` (the optimistic lock); `revision` counts the negotiation rounds (v1, v2, ...).
Answers carry the lines and totals as `selectors.quote_totals` computes them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from salesflow.api.auth import MANAGER_ONLY
from salesflow.api.lookups import links_resolve
from salesflow.api.schemas import (
    ADMIN_READ_ERRORS,
    AMOUNT,
    READ_ERRORS,
    WRITE_ERRORS,
    InputSchema,
    PageQuery,
    VersionedPatch,
    page,
)
from salesflow.pipeline.selectors import deal_get_for_user
from salesflow.quotes.models import Quote
from salesflow.quotes.selectors import (
    CENT,
    deal_quotes,
    products_active,
    quote_approval_declined,
    quote_get_for_user,
    quote_needs_approval,
    quote_settings,
    quote_totals,
)
from salesflow.quotes.selectors_approvals import (
    approval_rows,
    approvals_page_rows,
)
from salesflow.quotes.services import (
    quote_accept,
    quote_approval_decline,
    quote_approve,
    quote_create,
    quote_line_add,
    quote_line_delete,
    quote_line_update,
    quote_reject,
    quote_revise,
    quote_send,
    quote_submit_for_approval,
    quote_update,
)

router = Router(tags=["quotes"])

PERCENT: dict[str, Any] = {"ge": 0, "le": 100, "max_digits": 5, "decimal_places": 2}
QUANTITY: dict[str, Any] = {"gt": 0, "max_digits": 12, "decimal_places": 2}
PRODUCT_LINKS = {"product_id": lambda user: products_active()}
LINE_FIELDS = (
    "id", "product_id", "description", "quantity", "unit_price", "discount_percent", "tax_rate",
    "position",
)  # fmt: skip
LINE_AMOUNTS = ("gross", "line_discount", "amount", "quote_discount", "net", "tax")


class QuoteIn(InputSchema):
    currency: str = Field(None, min_length=3, max_length=3, description="Defaults to the deal's.")
    discount_percent: Decimal = Field(
        None, **PERCENT, description="Taken off every line, after the line's own discount."
    )
    valid_until: dt.date | None = Field(None, description="Defaults to the settings' validity.")
    notes: str = Field(None, description="Printed on the proposal.")


class QuotePatch(VersionedPatch):
    currency: str = Field(None, min_length=3, max_length=3)
    discount_percent: Decimal = Field(None, **PERCENT)
    valid_until: dt.date | None = None
    notes: str = Field(None)


class LineIn(InputSchema):
    """A product fills the description, unit price and tax rate you leave out."""

    product_id: int | None = None
    description: str = Field(None, min_length=1)
    quantity: Decimal = Field(Decimal(1), **QUANTITY)
    unit_price: Decimal = Field(None, **AMOUNT)
    discount_percent: Decimal = Field(Decimal(0), **PERCENT)
    tax_rate: Decimal = Field(None, **PERCENT)
    version: int | None = Field(None, description="The quote's version you read.")


class LinePatch(VersionedPatch):
    product_id: int | None = None
    description: str = Field(None, min_length=1)
    quantity: Decimal = Field(None, **QUANTITY)
    unit_price: Decimal = Field(None, **AMOUNT)
    discount_percent: Decimal = Field(None, **PERCENT)
    tax_rate: Decimal = Field(None, **PERCENT)
    position: int = Field(None, ge=0, le=32767)


class StepIn(InputSchema):
    note: str = Field("", description="Why, e.g. the customer's objection on a rejection.")
    version: int | None = None


class SendIn(InputSchema):
    version: int | None = None


class LineOut(Schema):
    id: int
    product_id: int | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    tax_rate: Decimal
    position: int
    gross: Decimal = Field(description="Quantity x unit price.")
    line_discount: Decimal
    amount: Decimal = Field(description="After the line's discount: the line's figure.")
    quote_discount: Decimal = Field(description="The line's share of the quote's discount.")
    net: Decimal
    tax: Decimal


class TotalsOut(Schema):
    currency: str
    subtotal: Decimal
    line_discount_total: Decimal
    quote_discount_total: Decimal
    discount_total: Decimal
    discount_percent: Decimal = Field(description="Every discount as a share of the subtotal.")
    net_total: Decimal
    tax_total: Decimal
    grand_total: Decimal


class DeclineOut(Schema):
    """A manager's decline of the approval that sent the draft back."""

    declined_by_id: int | None
    declined_at: dt.datetime
    reason: str = Field(description="Why, as the manager wrote it (may be empty).")


class QuoteOut(Schema):
    id: int
    deal_id: int
    number: str
    revision: int
    status: str
    currency: str
    discount_percent: Decimal
    valid_until: dt.date | None
    notes: str
    needs_approval: bool = Field(description="A discount above the threshold: approve first.")
    created_by_id: int | None
    approved_by_id: int | None
    approved_at: dt.datetime | None
    sent_at: dt.datetime | None
    decided_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    declined: DeclineOut | None = Field(
        None,
        description="On a draft whose approval a manager just declined: who, when and why "
        "(null once it moves on, e.g. submitted again).",
    )
    lines: list[LineOut]
    totals: TotalsOut


class QuoteList(Schema):
    items: list[QuoteOut]
    count: int


class ApprovalOut(QuoteOut):
    deal_name: str
    account_id: int | None
    account_name: str | None
    owner_id: int | None = Field(description="The deal's owner.")
    requested_by_id: int | None = Field(description="Who submitted the quote for approval.")
    submitted_at: dt.datetime | None


class ApprovalList(Schema):
    items: list[ApprovalOut]
    count: int


def _quote_out(
    quote: Quote,
    *,
    threshold: Decimal | None = None,
    declines: dict[int, Any] | None = None,
) -> dict[str, Any]:
    """The quote with its lines' amounts and totals, from its prefetched lines, and the decline
    that sent it back (`quote_approval_declined`: read with the quote by `quote_get_for_user`
    and `deal_quotes`); `declines` overrides it for a list that knows there is none."""
    totals = quote_totals(quote)
    declined = declines.get(quote.pk) if declines is not None else quote_approval_declined(quote)
    lines = [
        {
            **{name: getattr(amounts.line, name) for name in LINE_FIELDS},
            **{name: getattr(amounts, name) for name in LINE_AMOUNTS},
        }
        for amounts in totals.lines
    ]
    return {
        **{field.attname: getattr(quote, field.attname) for field in Quote._meta.concrete_fields},
        "id": quote.pk,
        "needs_approval": quote_needs_approval(quote, threshold=threshold),
        "declined": declined
        and {
            "declined_by_id": declined.changed_by_id,
            "declined_at": declined.changed_at,
            "reason": declined.note,
        },
        "lines": lines,
        "totals": {
            "currency": totals.currency,
            "subtotal": totals.subtotal,
            "line_discount_total": totals.line_discount_total,
            "quote_discount_total": totals.quote_discount_total,
            "discount_total": totals.discount_total,
            "discount_percent": totals.discount_percent.quantize(CENT),
            "net_total": totals.net_total,
            "tax_total": totals.tax_total,
            "grand_total": totals.grand_total,
        },
    }


def _fresh(request: HttpRequest, quote_id: int) -> dict[str, Any]:
    return _quote_out(quote_get_for_user(request.auth, quote_id))


def _step(
    request: HttpRequest,
    quote_id: int,
    payload: StepIn | SendIn | None,
    service: Callable[..., Quote],
) -> dict[str, Any]:
    """One status step: the quote for writing, the service, the quote it leaves (for a revision,
    the new one). Refusals reach the API's exception handler, which answers 403, 404, 409 or 422.
    """
    quote = quote_get_for_user(request.auth, quote_id, write=True)
    data = payload.model_dump() if payload is not None else {}  # the note, where the step has one
    version = data.pop("version", None)
    result = service(quote, acting_user=request.auth, expected_version=version, **data)
    return _fresh(request, result.pk)


def _line(quote: Quote, line_id: int) -> Any:
    line = get_object_or_404(quote.lines.all(), pk=line_id)
    line.quote = quote
    return line


@router.get("/deals/{deal_id}/quotes", response={200: QuoteList, **READ_ERRORS})
def deal_quote_list(request: HttpRequest, deal_id: int) -> dict[str, Any]:
    """Every revision of every quote of the deal, newest first."""
    deal = deal_get_for_user(request.auth, deal_id)
    threshold = quote_settings().approval_discount_threshold
    items = [_quote_out(quote, threshold=threshold) for quote in deal_quotes(deal)]
    return {"items": items, "count": len(items)}


@router.get(
    "/quotes/approvals", response={200: ApprovalList, **ADMIN_READ_ERRORS}, auth=MANAGER_ONLY
)
def quote_approval_list(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    """The quotes waiting for a discount approval that you may decide, oldest request first
    (managers: their teams' deals; admins: all; never a quote you submitted yourself)."""
    found = page(approval_rows(request.auth), query)
    threshold = quote_settings().approval_discount_threshold
    items = []
    for quote in approvals_page_rows(found["items"]):
        deal = quote.deal
        items.append(
            {
                **_quote_out(quote, threshold=threshold, declines={}),
                "deal_name": deal.name,
                "account_id": deal.account_id,
                "account_name": deal.account.name if deal.account else None,
                "owner_id": deal.owner_id,
                "requested_by_id": quote.requested_by_id,
                "submitted_at": quote.submitted_at,
            }
        )
    return {"items": items, "count": found["count"]}


@router.post("/deals/{deal_id}/quotes", response={201: QuoteOut, **WRITE_ERRORS})
def deal_quote_add(
    request: HttpRequest, deal_id: int, payload: QuoteIn | None = None
) -> Status[Any]:
    """Start a draft quote (v1), numbered Q-<year>-<nnnn>."""
    deal = deal_get_for_user(request.auth, deal_id, write=True)
    data = payload.model_dump(exclude_unset=True) if payload is not None else {}
    quote = quote_create(deal, acting_user=request.auth, **data)
    return Status(201, _fresh(request, quote.pk))


@router.get("/quotes/{quote_id}", response={200: QuoteOut, **READ_ERRORS})
def quote_detail(request: HttpRequest, quote_id: int) -> dict[str, Any]:
    return _fresh(request, quote_id)


@router.patch("/quotes/{quote_id}", response={200: QuoteOut, **WRITE_ERRORS})
def quote_change(request: HttpRequest, quote_id: int, payload: QuotePatch) -> dict[str, Any]:
    """A draft's terms; a quote past draft is revised instead (409)."""
    quote = quote_get_for_user(request.auth, quote_id, write=True)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    quote_update(quote, acting_user=request.auth, expected_version=version, **data)
    return _fresh(request, quote_id)


@router.post("/quotes/{quote_id}/lines", response={201: QuoteOut, **WRITE_ERRORS})
def quote_line_add_to(request: HttpRequest, quote_id: int, payload: LineIn) -> Status[Any]:
    """Add a line at the end; answers the whole quote with its new totals."""
    quote = quote_get_for_user(request.auth, quote_id, write=True)
    data = links_resolve(
        payload.model_dump(exclude_unset=True), user=request.auth, links=PRODUCT_LINKS
    )
    version = data.pop("version", None)
    quote_line_add(quote, acting_user=request.auth, expected_version=version, **data)
    return Status(201, _fresh(request, quote_id))


@router.patch("/quotes/{quote_id}/lines/{line_id}", response={200: QuoteOut, **WRITE_ERRORS})
def quote_line_change(
    request: HttpRequest, quote_id: int, line_id: int, payload: LinePatch
) -> dict[str, Any]:
    quote = quote_get_for_user(request.auth, quote_id, write=True)
    data = links_resolve(
        payload.model_dump(exclude_unset=True), user=request.auth, links=PRODUCT_LINKS
    )
    version = data.pop("version", None)
    quote_line_update(
        _line(quote, line_id), acting_user=request.auth, expected_version=version, **data
    )
    return _fresh(request, quote_id)


@router.delete("/quotes/{quote_id}/lines/{line_id}", response={204: None, **WRITE_ERRORS})
def quote_line_remove(
    request: HttpRequest, quote_id: int, line_id: int, version: int | None = None
) -> Status[None]:
    quote = quote_get_for_user(request.auth, quote_id, write=True)
    quote_line_delete(_line(quote, line_id), acting_user=request.auth, expected_version=version)
    return Status(204, None)


@router.post("/quotes/{quote_id}/submit", response={200: QuoteOut, **WRITE_ERRORS})
def quote_submit(
    request: HttpRequest, quote_id: int, payload: StepIn | None = None
) -> dict[str, Any]:
    """Ask a manager to approve the draft (needed for a discount above the threshold)."""
    return _step(request, quote_id, payload, quote_submit_for_approval)


@router.post(
    "/quotes/{quote_id}/approve", response={200: QuoteOut, **WRITE_ERRORS}, auth=MANAGER_ONLY
)
def quote_approve_now(
    request: HttpRequest, quote_id: int, payload: StepIn | None = None
) -> dict[str, Any]:
    """A manager of the deal's team or an admin approves a quote waiting for approval."""
    return _step(request, quote_id, payload, quote_approve)


@router.post(
    "/quotes/{quote_id}/decline", response={200: QuoteOut, **WRITE_ERRORS}, auth=MANAGER_ONLY
)
def quote_decline(
    request: HttpRequest, quote_id: int, payload: StepIn | None = None
) -> dict[str, Any]:
    """A manager sends a quote waiting for approval back to draft, saying why in `note`."""
    return _step(request, quote_id, payload, quote_approval_decline)


@router.post("/quotes/{quote_id}/send", response={200: QuoteOut, **WRITE_ERRORS})
def quote_send_now(
    request: HttpRequest, quote_id: int, payload: SendIn | None = None
) -> dict[str, Any]:
    """Mark the quote sent to the customer; it needs lines, and approval when discounted."""
    return _step(request, quote_id, payload, quote_send)


@router.post("/quotes/{quote_id}/accept", response={200: QuoteOut, **WRITE_ERRORS})
def quote_accept_now(
    request: HttpRequest, quote_id: int, payload: StepIn | None = None
) -> dict[str, Any]:
    """The customer accepted the sent quote."""
    return _step(request, quote_id, payload, quote_accept)


@router.post("/quotes/{quote_id}/reject", response={200: QuoteOut, **WRITE_ERRORS})
def quote_reject_now(
    request: HttpRequest, quote_id: int, payload: StepIn | None = None
) -> dict[str, Any]:
    """The customer rejected the sent quote; `note` keeps their objection."""
    return _step(request, quote_id, payload, quote_reject)


@router.post("/quotes/{quote_id}/revise", response={201: QuoteOut, **WRITE_ERRORS})
def quote_revise_now(
    request: HttpRequest, quote_id: int, payload: StepIn | None = None
) -> Status[Any]:
    """Copy the quote into the next revision, a draft, and supersede this one."""
    return Status(201, _step(request, quote_id, payload, quote_revise))
