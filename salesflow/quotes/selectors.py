"""Reads of quotes: who may see them, their totals, and what a deal still lacks.

A quote follows its deal's access: readable iff the deal is readable, writable iff the deal is.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.shortcuts import get_object_or_404

from salesflow.core.errors import AccessDenied
from salesflow.core.normalize import name_key
from salesflow.core.panels import page_memo, page_memo_started
from salesflow.pipeline.models import Deal
from salesflow.pipeline.selectors import deals_visible_to
from salesflow.quotes.models import (
    DealLine,
    Product,
    Quote,
    QuoteLine,
    QuoteSettings,
    QuoteStatus,
    QuoteStatusChange,
)
from salesflow.users import policy

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def quote_settings() -> QuoteSettings:
    """The organisation's quote settings row, created with defaults on first use."""
    settings_row, _ = QuoteSettings.objects.get_or_create(pk=1)
    return settings_row


def products_active() -> QuerySet[Product]:
    """The catalogue a rep picks lines from; every signed-in user may read it."""
    return Product.objects.filter(is_active=True)


def quotes_visible_to(user: Any) -> QuerySet[Quote]:
    return Quote.objects.filter(deal__in=deals_visible_to(user))


def _with_last_status_change(quotes: QuerySet[Quote]) -> QuerySet[Quote]:
    """The quotes with their latest status change and its author, in the same query (a LEFT
    JOIN on the change whose id is the quote's latest): `quote.last_status_change`, None
    without one. `quote_approval_declined` reads it instead of asking the database."""
    latest = (
        QuoteStatusChange.objects.filter(quote=OuterRef("pk"))
        .order_by("-changed_at", "-pk")
        .values("pk")[:1]
    )
    return quotes.annotate(
        last_status_change=FilteredRelation(
            "status_changes", condition=Q(status_changes__pk=Subquery(latest))
        )
    ).select_related("last_status_change", "last_status_change__changed_by")


def quote_get_for_user(user: Any, pk: int, *, write: bool = False) -> Quote:
    """The quote with its deal, customer, lines and latest status change (for
    `quote_approval_declined`), or 404; AccessDenied if `write` is refused."""
    quote = get_object_or_404(
        _with_last_status_change(quotes_visible_to(user))
        .select_related(
            "deal__account", "deal__primary_contact", "deal__owner", "deal__team", "created_by"
        )
        .prefetch_related(
            Prefetch("lines", queryset=QuoteLine.objects.select_related("product")),
        ),
        pk=pk,
    )
    if write and not policy.can_write(user, quote.deal):
        raise AccessDenied("You may see this quote but not change it.")
    return quote


def deal_quotes(deal: Deal) -> QuerySet[Quote]:
    """Every revision of every quote of the deal, newest quote and revision first.

    The caller has already checked the deal is readable (e.g. with `deal_get_for_user`). Each
    quote comes with its latest status change, for `quote_approval_declined`.
    """
    return (
        _with_last_status_change(deal.quotes.all())
        .select_related("created_by")
        .prefetch_related("lines")
        .order_by("-created_at", "-number", "-revision")
    )


def deal_quotes_read(deal: Deal) -> list[Quote]:
    """`deal_quotes` as a list, read once per deal page (`page_memo`): the quotes panel and the
    "quote sent" exit criterion both need them. On the page, in one query with their lines
    (`deal_quotes_with_lines`); elsewhere, as `deal_quotes`."""
    if page_memo_started(deal):
        return page_memo(deal, "quotes", lambda: deal_quotes_with_lines(deal))
    return list(deal_quotes(deal))


def deal_quotes_with_lines(deal: Deal) -> list[Quote]:
    """The quotes of `deal_quotes`, in its order, each with its lines (`quote.lines.all()`
    answers from memory), read in ONE query: the quotes LEFT JOIN their lines, a row per line
    (one for a quote without lines). Their authors are not read (`created_by` would cost a
    query each): for the deal page, which does not show them."""
    quote_fields = [field.attname for field in Quote._meta.concrete_fields]
    line_fields = [field.attname for field in QuoteLine._meta.concrete_fields]
    rows = deal.quotes.order_by(
        "-created_at", "-number", "-revision", "pk", "lines__position", "lines__pk"
    ).values_list(
        *(field.name for field in Quote._meta.concrete_fields),
        *(f"lines__{field.name}" for field in QuoteLine._meta.concrete_fields),
    )
    split = len(quote_fields)
    quote_pk = quote_fields.index(Quote._meta.pk.attname)
    line_pk = split + line_fields.index(QuoteLine._meta.pk.attname)
    quotes: dict[int, Quote] = {}
    lines: dict[int, list[QuoteLine]] = {}
    for row in rows:
        quote = quotes.get(row[quote_pk])
        if quote is None:
            quote = quotes[row[quote_pk]] = Quote.from_db(rows.db, quote_fields, row[:split])
            lines[quote.pk] = []
        if row[line_pk] is not None:
            line = QuoteLine.from_db(rows.db, line_fields, row[split:])
            QuoteLine.quote.field.set_cached_value(line, quote)
            lines[quote.pk].append(line)
    for quote in quotes.values():
        # What `prefetch_related("lines")` leaves on each quote.
        prefetched = quote.lines.all()
        prefetched._result_cache = lines[quote.pk]
        prefetched._prefetch_done = True
        quote._prefetched_objects_cache = {"lines": prefetched}
    return list(quotes.values())


@dataclass(frozen=True)
class LineAmounts:
    """A line's money, each figure rounded to cents so the lines add up to the totals."""

    line: QuoteLine
    gross: Decimal  # quantity x unit price
    line_discount: Decimal  # the line's own discount
    amount: Decimal  # gross - line discount: the line's figure on the proposal
    quote_discount: Decimal  # the line's share of the quote-wide discount
    net: Decimal  # amount - quote discount: what the tax is charged on
    tax: Decimal


@dataclass(frozen=True)
class QuoteTotals:
    currency: str
    lines: list[LineAmounts]
    subtotal: Decimal  # before any discount
    line_discount_total: Decimal
    quote_discount_total: Decimal
    discount_total: Decimal
    net_total: Decimal
    tax_total: Decimal
    grand_total: Decimal

    @property
    def discount_percent(self) -> Decimal:
        """The overall discount: all discounts as a percentage of the subtotal."""
        if not self.subtotal:
            return Decimal(0)
        return self.discount_total * HUNDRED / self.subtotal


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _percent_of(value: Decimal, percent: Decimal) -> Decimal:
    return cents(value * percent / HUNDRED)


def line_amounts(line: QuoteLine, *, quote_discount_percent: Decimal) -> LineAmounts:
    gross = cents(Decimal(line.quantity) * Decimal(line.unit_price))
    line_discount = _percent_of(gross, Decimal(line.discount_percent))
    amount = gross - line_discount
    quote_discount = _percent_of(amount, Decimal(quote_discount_percent))
    net = amount - quote_discount
    return LineAmounts(
        line=line,
        gross=gross,
        line_discount=line_discount,
        amount=amount,
        quote_discount=quote_discount,
        net=net,
        tax=_percent_of(net, Decimal(line.tax_rate)),
    )


def quote_totals(quote: Quote) -> QuoteTotals:
    """The quote's money, the one computation every page, API answer and rule uses.

    Each line is rounded to cents (ROUND_HALF_UP) step by step and the totals are sums of the
    rounded figures, so a printed proposal adds up to the cent. Uses prefetched lines if any.
    """
    lines = [
        line_amounts(line, quote_discount_percent=quote.discount_percent)
        for line in quote.lines.all()
    ]
    subtotal = sum((a.gross for a in lines), Decimal("0.00"))
    line_discount_total = sum((a.line_discount for a in lines), Decimal("0.00"))
    quote_discount_total = sum((a.quote_discount for a in lines), Decimal("0.00"))
    net_total = sum((a.net for a in lines), Decimal("0.00"))
    tax_total = sum((a.tax for a in lines), Decimal("0.00"))
    return QuoteTotals(
        currency=quote.currency,
        lines=lines,
        subtotal=subtotal,
        line_discount_total=line_discount_total,
        quote_discount_total=quote_discount_total,
        discount_total=line_discount_total + quote_discount_total,
        net_total=net_total,
        tax_total=tax_total,
        grand_total=net_total + tax_total,
    )


def quote_needs_approval(quote: Quote, *, threshold: Decimal | None = None) -> bool:
    """Whether any line's discount, the quote's discount or the overall discount is above the
    organisation's approval threshold."""
    if threshold is None:
        threshold = quote_settings().approval_discount_threshold
    if quote.discount_percent > threshold:
        return True
    if any(line.discount_percent > threshold for line in quote.lines.all()):
        return True
    return quote_totals(quote).discount_percent > threshold


def quote_sent_missing(deal: Deal) -> list[dict[str, str]]:
    """The pipeline exit criterion "a quote has been sent": nothing missing once the deal has a
    quote that was sent (or accepted), else one entry with a stable code and message."""
    done = (QuoteStatus.SENT, QuoteStatus.ACCEPTED)
    if any(quote.status in done for quote in deal_quotes_read(deal)):
        return []
    return [{"code": "quote_sent", "message": "Send a quote to the customer."}]


# Products on deals -----------------------------------------------------------------------------


def products_named(text: str) -> list[Product]:
    """The products a person or a file means by `text`: the one with that code (SKU), else
    those with that name ignoring case and spacing, active ones first. More than one is
    ambiguous: the caller names them."""
    text = (text or "").strip()
    if not text:
        return []
    by_code = Product.objects.filter(sku=text).first()
    if by_code is not None:
        return [by_code]
    return list(Product.objects.filter(name_key=name_key(text)).order_by("-is_active", "pk"))


def deal_lines_of(deal: Deal) -> QuerySet[DealLine]:
    return DealLine.objects.filter(deal=deal).select_related("product").order_by("position", "pk")


def deal_line_total_expression() -> Any:
    """A line's total, quantity times unit price less its discount, computed by the database."""
    return ExpressionWrapper(
        F("quantity") * F("unit_price") * (Value(100) - F("discount_percent")) / Value(100),
        output_field=DecimalField(max_digits=20, decimal_places=4),
    )


def deal_lines_total(deal: Deal) -> Decimal | None:
    """The total of the deal's lines in its currency, rounded to cents; None without lines."""
    total = DealLine.objects.filter(deal=deal).aggregate(total=Sum(deal_line_total_expression()))
    return None if total["total"] is None else cents(Decimal(total["total"]))


def deal_line_get_for_user(user: Any, pk: int, *, write: bool = False) -> DealLine:
    """A line of a deal the user may read (or change): 404 for deals they cannot see."""
    line = get_object_or_404(
        DealLine.objects.select_related("product", "deal"),
        pk=pk,
        deal__in=deals_visible_to(user),
    )
    if write and not policy.can_write(user, line.deal):
        raise AccessDenied("You may read this deal but not change it.")
    return line


def quote_approval_declined(quote: Quote) -> QuoteStatusChange | None:
    """The manager's decline that sent this draft back, with their reason; None when the quote's
    last move was anything else (a decline answered by a new submission is history)."""
    if quote.status != QuoteStatus.DRAFT:
        return None
    if "last_status_change" in quote.__dict__:  # read with the quote (`quote_get_for_user`)
        last = quote.last_status_change
    else:
        changes = quote.status_changes.select_related("changed_by")
        last = changes.order_by("-changed_at", "-pk").first()
    if last is None or last.from_status != QuoteStatus.PENDING_APPROVAL:
        return None
    return last
