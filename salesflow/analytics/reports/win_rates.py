"""Win rates: of the deals closed in the period, how many were won, grouped by who sold them,
where they came from, whom they were for, whom we competed with or what they were about; and
why the others were lost or suspended (`by=lost_reason`).

Win rate is won / (won + lost), as in the overview: suspended deals are counted beside it but
left out of the rate, and a group without a won or lost deal has no win rate (None, not 0).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.fields.json import KT
from django.db.models.functions import NullIf

from salesflow.analytics.figures import amounts_by, amounts_total, rate
from salesflow.analytics.filters import BY_CLOSED, ReportFilters, deals_for_report, deals_reported
from salesflow.analytics.labels import team_labels, user_labels
from salesflow.analytics.registry import Chart, Column, Option, Report, ReportSpec, report_register
from salesflow.customers.models import tier_names
from salesflow.customfields.models import FieldType, RecordKind
from salesflow.customfields.selectors import PREFIX, custom_field_get, custom_fields_of
from salesflow.leads.models import Channel, Source
from salesflow.pipeline.models import WON_OUTCOMES, Competitor, LostReason, Outcome
from salesflow.quotes.models import DealLine, Product

WON = Q(outcome__in=WON_OUTCOMES)


def _choice_labels(choices: Any) -> Callable[[Iterable[Any]], dict[Any, str]]:
    return lambda ids: dict(choices.choices)


def _same_labels(ids: Iterable[Any]) -> dict[Any, str]:
    return {value: str(value) for value in ids if value is not None}


def _competitor_labels(ids: Iterable[Any]) -> dict[Any, str]:
    return dict(Competitor.objects.filter(pk__in=list(ids)).values_list("pk", "name"))


def _product_labels(ids: Iterable[Any]) -> dict[Any, str]:
    return dict(Product.objects.filter(pk__in=list(ids)).values_list("pk", "name"))


def _reason_labels(ids: Iterable[Any]) -> dict[Any, str]:
    return dict(LostReason.objects.filter(pk__in=list(ids)).values_list("pk", "name"))


@dataclass(frozen=True)
class Group:
    """What a row of the report stands for: its column title, the expression (on Deal) giving
    the row's key, how keys are named, and the name of the row without a key."""

    title: str
    key: Any
    labels: Callable[[Iterable[Any]], dict[Any, str]]
    unknown: str


def _blank_is_unknown(path: str) -> Any:
    # An account with no industry and a deal with no account fall in the same "Unknown" row.
    return NullIf(F(path), Value(""))


GROUPS: dict[str, Group] = {
    "owner": Group("Rep", F("owner"), user_labels, "Nobody"),
    "team": Group("Team", F("team"), team_labels, "No team"),
    # Channel and source are the lead's the deal came from; a deal without a lead has none.
    "source": Group("Source", F("lead__source"), _choice_labels(Source), "Unknown"),
    "channel": Group("Channel", F("lead__channel"), _choice_labels(Channel), "Unknown"),
    "industry": Group("Industry", _blank_is_unknown("account__industry"), _same_labels, "Unknown"),
    "region": Group("Region", _blank_is_unknown("account__region"), _same_labels, "Unknown"),
    "tier": Group("Tier", F("account__tier"), lambda ids: tier_names(), "Unknown"),
    # A deal with two competitors counts in both rows (DealCompetitor is unique per deal and
    # competitor, so never twice in one row).
    "competitor": Group(
        "Competitor", F("competitors__competitor"), _competitor_labels, "No competitor"
    ),
    "product": Group("Product", None, _product_labels, "No product"),
}
BY_CHOICES = [
    ("owner", "Rep"),
    ("team", "Team"),
    ("source", "Source"),
    ("channel", "Channel"),
    ("industry", "Industry"),
    ("region", "Region"),
    ("tier", "Account tier"),
    ("competitor", "Competitor"),
    ("product", "Product"),
    ("lost_reason", "Lost and suspended reasons"),
]


# Custom fields of deals a report may group by: a row per value.
GROUPABLE_TYPES = (FieldType.CHOICE, FieldType.YES_NO, FieldType.USER)
YES, NO = ("true", "1", True, 1), ("false", "0", False, 0)


def custom_group_choices() -> list[tuple[str, str]]:
    """`by=custom.<key>` for the deal custom fields with one choice, yes/no or a user."""
    return [
        (f"{PREFIX}{field.key}", f"{field.label} (custom field)")
        for field in custom_fields_of(RecordKind.DEAL)
        if field.type in GROUPABLE_TYPES
    ]


def custom_group(key: str) -> Group:
    """A row per stored value of the deal custom field `key` (the JSON value as text on
    PostgreSQL, as stored on SQLite: both are named the same)."""
    field = custom_field_get(RecordKind.DEAL, key)
    if field.type == FieldType.CHOICE:

        def labels(values: Iterable[Any]) -> dict[Any, str]:
            return {v: field.choice_label(str(v)) for v in values if v is not None}

    elif field.type == FieldType.YES_NO:

        def labels(values: Iterable[Any]) -> dict[Any, str]:
            return {v: "Yes" if v in YES else "No" for v in values if v is not None}

    else:

        def labels(values: Iterable[Any]) -> dict[Any, str]:
            names = user_labels(int(v) for v in values if v is not None)
            return {v: names.get(int(v), f"User #{v}") for v in values if v is not None}

    return Group(field.label, KT(f"custom__{key}"), labels, "Not filled")


_COUNTS = {
    "won": Count("pk", filter=WON, distinct=True),
    "lost": Count("pk", filter=Q(outcome=Outcome.LOST), distinct=True),
    "suspended": Count("pk", filter=Q(outcome=Outcome.SUSPENDED), distinct=True),
}


def win_rates(viewer: Any, filters: ReportFilters, options: dict[str, str]) -> Report:
    by = options["by"]
    closed = deals_reported(viewer, filters, by=BY_CLOSED).exclude(outcome=Outcome.OPEN)
    if by == "lost_reason":
        return _lost_reasons(closed, filters)
    group = custom_group(by.removeprefix(PREFIX)) if by.startswith(PREFIX) else GROUPS[by]
    if by == "product":
        counts, won_amounts = _product_figures(viewer, filters, closed)
    else:
        grouped = closed.annotate(group=group.key)
        counts = _counts(grouped, "group")
        won_amounts = amounts_by(grouped.filter(WON), "group")
    labels = group.labels(counts.keys())
    rows = []
    for key in sorted(counts, key=lambda k: (k is None, labels.get(k, str(k)).casefold())):
        figures = counts[key]
        rows.append(
            {
                "key": key,
                "label": labels.get(key, group.unknown) if key is not None else group.unknown,
                "closed": figures["won"] + figures["lost"] + figures["suspended"],
                "won": figures["won"],
                "lost": figures["lost"],
                "suspended": figures["suspended"],
                "win_rate": rate(figures["won"], figures["won"] + figures["lost"]),
                "won_amount": won_amounts.get(key, {}),
            }
        )
    totals = closed.aggregate(**_COUNTS)
    notes = [
        "Deals closed in the period. Win rate is won (won or upgraded) / (won + lost); "
        "suspended deals are counted but left out of the rate.",
    ]
    if by in ("source", "channel"):
        notes.append(
            "Source and channel are those of the lead a deal came from; deals without a lead "
            "are Unknown."
        )
    if by in ("competitor", "product"):
        notes.append(
            f"A deal with several {by}s counts in each of their rows; the totals count it once."
        )
    if by == "product":
        notes.append(
            "A deal's products are its product lines; a product on several lines counts once "
            "per deal, and its won amount is the whole deal's amount."
        )
    return Report(
        title=f"Win rates by {dict(BY_CHOICES).get(by, group.title).lower()}",
        columns=[
            Column("label", group.title),
            Column("closed", "Closed", "int"),
            Column("won", "Won", "int"),
            Column("lost", "Lost", "int"),
            Column("suspended", "Suspended", "int"),
            Column("win_rate", "Win rate", "rate"),
            Column("won_amount", "Won amount", "money"),
        ],
        rows=rows,
        filters=filters,
        summary={
            "won": totals["won"],
            "lost": totals["lost"],
            "suspended": totals["suspended"],
            "win_rate": rate(totals["won"], totals["won"] + totals["lost"]),
            "won_amount": amounts_total(closed.filter(WON)),
        },
        summary_labels={"won": "Won deals", "lost": "Lost deals", "suspended": "Suspended deals"},
        chart=Chart("bar", "label", ["won", "lost", "suspended"], stacked=True),
        notes=notes,
    )


def _counts(queryset: QuerySet, key: str, prefix: str = "") -> dict[Any, dict[str, int]]:
    """Won, lost and suspended deals per value of `key`, in one grouped query; `prefix` leads
    from the queryset's model to the deal."""
    deal = prefix.removesuffix("__") or "pk"
    outcome = f"{prefix}outcome"
    return {
        row[key]: row
        for row in queryset.values(key)
        .annotate(
            won=Count(deal, filter=Q(**{f"{outcome}__in": WON_OUTCOMES}), distinct=True),
            lost=Count(deal, filter=Q(**{outcome: Outcome.LOST}), distinct=True),
            suspended=Count(deal, filter=Q(**{outcome: Outcome.SUSPENDED}), distinct=True),
        )
        .order_by()
    }


def product_lines_of_deals() -> QuerySet[DealLine]:
    """The products on deals (DealLine), one line per deal and product: a product on two lines
    of a deal is still one deal about that product."""
    first = DealLine.objects.filter(deal=OuterRef("deal"), product=OuterRef("product"))
    return DealLine.objects.filter(pk=Subquery(first.order_by("pk").values("pk")[:1]))


def _product_figures(
    viewer: Any, filters: ReportFilters, closed: QuerySet
) -> tuple[dict[Any, dict[str, int]], dict[Any, dict[str, str]]]:
    lines = (
        product_lines_of_deals()
        .filter(deals_for_report(viewer, filters, by=BY_CLOSED, prefix="deal__"))
        .exclude(deal__outcome=Outcome.OPEN)
    )
    counts = _counts(lines, "product", prefix="deal__")
    won_amounts = amounts_by(
        lines.filter(deal__outcome__in=WON_OUTCOMES),
        "product",
        amount="deal__amount",
        currency="deal__currency",
    )
    without = closed.filter(~Exists(DealLine.objects.filter(deal=OuterRef("pk"))))
    unknown = without.aggregate(**_COUNTS)
    if any(unknown.values()):
        counts[None] = unknown
        won_amounts[None] = amounts_total(without.filter(WON))
    return counts, won_amounts


def _lost_reasons(closed: QuerySet, filters: ReportFilters) -> Report:
    """Lost and suspended deals per reason (every lost or suspended deal has one)."""
    stopped = closed.filter(outcome__in=[Outcome.LOST, Outcome.SUSPENDED])
    counts = {
        row["lost_reason"]: row
        for row in stopped.values("lost_reason")
        .annotate(
            lost=Count("pk", filter=Q(outcome=Outcome.LOST)),
            suspended=Count("pk", filter=Q(outcome=Outcome.SUSPENDED)),
        )
        .order_by()
    }
    lost_amounts = amounts_by(stopped.filter(outcome=Outcome.LOST), "lost_reason")
    labels = _reason_labels(counts.keys())
    total = sum(row["lost"] + row["suspended"] for row in counts.values())
    rows = []
    for key, figures in sorted(
        counts.items(), key=lambda item: (-(item[1]["lost"] + item[1]["suspended"]), item[0])
    ):
        rows.append(
            {
                "key": key,
                "label": labels.get(key, "No reason"),
                "lost": figures["lost"],
                "suspended": figures["suspended"],
                "share": rate(figures["lost"] + figures["suspended"], total),
                "lost_amount": lost_amounts.get(key, {}),
            }
        )
    totals = stopped.aggregate(
        lost=Count("pk", filter=Q(outcome=Outcome.LOST)),
        suspended=Count("pk", filter=Q(outcome=Outcome.SUSPENDED)),
    )
    return Report(
        title="Lost and suspended reasons",
        columns=[
            Column("label", "Reason"),
            Column("lost", "Lost", "int"),
            Column("suspended", "Suspended", "int"),
            Column("share", "Share of lost and suspended", "rate"),
            Column("lost_amount", "Lost amount", "money"),
        ],
        rows=rows,
        filters=filters,
        summary={
            "lost": totals["lost"],
            "suspended": totals["suspended"],
            "lost_amount": amounts_total(stopped.filter(outcome=Outcome.LOST)),
        },
        summary_labels={"lost": "Lost deals", "suspended": "Suspended deals"},
        chart=Chart("bar", "label", ["lost", "suspended"], stacked=True),
        notes=[
            "Deals lost or suspended in the period, by the reason given when they closed, most "
            "frequent first. Share is the reason's part of all lost and suspended deals; the lost "
            "amount counts lost deals only (suspended ones may come back).",
        ],
    )


SPEC = report_register(
    ReportSpec(
        slug="win-rates",
        title="Win rates",
        description="Won against lost deals by rep, team, source, channel, industry, region, "
        "tier, competitor or product, and why deals were lost or suspended.",
        build=win_rates,
        options=[Option("by", "Group by", BY_CHOICES, "owner", more=custom_group_choices)],
        period_means="closed",
        position=20,
    )
)
