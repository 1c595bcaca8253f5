"""Source ROI: what each channel, source or campaign brought in for what it cost.

The leads created in the period are followed to the end (a cohort): how many were qualified,
how many deals came from them, how many of those were won and for how much, whenever they
closed. Cost is that of the campaigns those leads came from, each campaign counted once in a
row however many leads it brought.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum

from salesflow.analytics.figures import amounts_total, money, rate
from salesflow.analytics.filters import ReportFilters, deals_for_report, leads_reported
from salesflow.analytics.registry import Chart, Column, Option, Report, ReportSpec, report_register
from salesflow.leads.models import Campaign, Channel, LeadStatus, Source
from salesflow.pipeline.models import WON_OUTCOMES, Deal

QUALIFIED = Q(qualified_at__isnull=False) | Q(status=LeadStatus.CONVERTED)
# The lead fields a row stands for, per `by`.
ROW_FIELDS = {"channel": ("channel",), "source": ("channel", "source"), "campaign": ("campaign",)}


def sources(viewer: Any, filters: ReportFilters, options: dict[str, str]) -> Report:
    by = options["by"]
    fields = ROW_FIELDS[by]
    site_currency = settings.SALESFLOW_DEFAULT_CURRENCY
    leads = leads_reported(viewer, filters)
    deals = Deal.objects.filter(
        deals_for_report(viewer, filters, by=None), lead__in=leads.values("pk")
    )
    won = deals.filter(outcome__in=WON_OUTCOMES)

    lead_counts = _by(
        leads.values(*fields).annotate(leads=Count("pk"), qualified=Count("pk", filter=QUALIFIED)),
        fields,
    )
    deal_path = tuple(f"lead__{name}" for name in fields)
    deal_counts = _by(
        deals.values(*deal_path).annotate(
            deals=Count("pk"), won=Count("pk", filter=Q(outcome__in=WON_OUTCOMES))
        ),
        deal_path,
    )
    won_amounts = _amounts(won, deal_path)
    costs = _costs(leads, fields)
    campaigns = _campaigns(lead_counts) if by == "campaign" else {}

    rows = []
    for key in _ordered(lead_counts, by, campaigns):
        counts = {**lead_counts.get(key, {}), **deal_counts.get(key, {})}
        won_n = counts.get("won", 0)
        cost = costs.get(key, {})
        won_amount = won_amounts.get(key, {})
        rows.append(
            {
                **_row_names(by, key, campaigns),
                "leads": counts.get("leads", 0),
                "qualified": counts.get("qualified", 0),
                "deals": counts.get("deals", 0),
                "won": won_n,
                "won_amount": won_amount,
                "cost": cost,
                "cost_per_lead": _per(cost, counts.get("leads", 0)),
                "cost_per_won": _per(cost, won_n),
                "roi": _roi(won_amount, cost, site_currency),
            }
        )

    total_cost = amounts_total(
        Campaign.objects.filter(pk__in=leads.values("campaign")), amount="cost"
    )
    total_won = amounts_total(won)
    totals = leads.aggregate(leads=Count("pk"), qualified=Count("pk", filter=QUALIFIED))
    notes = [
        "Leads created in the period, and the deals that came from them whenever they closed "
        "(won: won or upgraded). Qualified: leads qualified or converted.",
        "Cost is the cost of the campaigns these leads came from, each campaign counted once per "
        "row; a campaign whose leads came through several sources is counted in full in each "
        "of their rows, and once in the total. Leads without a campaign add no cost.",
        f"ROI is (won amount - cost) / cost in {site_currency}, the site currency; none when "
        f"nothing was spent in {site_currency}.",
    ]
    currencies = set(total_cost) | set(total_won)
    if currencies - {site_currency}:
        notes.append(
            f"Amounts in {', '.join(sorted(currencies - {site_currency}))} are shown but left "
            "out of ROI: amounts are never converted between currencies."
        )
    return Report(
        title={
            "channel": "Inbound and outbound",
            "source": "Sources",
            "campaign": "Campaigns",
        }[by],
        columns=[
            *([Column("campaign", "Campaign")] if by == "campaign" else []),
            Column("channel_label", "Channel"),
            *([Column("source_label", "Source")] if by != "channel" else []),
            Column("leads", "Leads", "int"),
            Column("qualified", "Qualified", "int"),
            Column("deals", "Deals", "int"),
            Column("won", "Won", "int"),
            Column("won_amount", "Won amount", "money"),
            Column("cost", "Cost", "money"),
            Column("cost_per_lead", "Cost per lead", "money"),
            Column("cost_per_won", "Cost per won deal", "money"),
            Column("roi", f"ROI ({site_currency})", "rate"),
        ],
        rows=rows,
        filters=filters,
        summary={
            "leads": totals["leads"],
            "qualified": totals["qualified"],
            "deals": deals.count(),
            "won": won.count(),
            "won_amount": total_won,
            "cost": total_cost,
            "roi": _roi(total_won, total_cost, site_currency),
            "roi_currency": site_currency,
        },
        summary_labels={
            "leads": "Leads",
            "qualified": "Qualified leads",
            "deals": "Deals",
            "won": "Won deals",
            "won_amount": "Won amount",
            "cost": "Campaign cost",
            "roi": f"ROI ({site_currency})",
            "roi_currency": "ROI currency",
        },
        chart=Chart("bar", "label", ["leads", "qualified", "won"]),
        notes=notes,
    )


def _amounts(queryset: QuerySet, fields: tuple[str, ...]) -> dict[Any, dict[str, str]]:
    """Deal amounts per row (keyed as `_by` keys them) and per currency, in one grouped query."""
    totals: dict[Any, dict[str, str]] = {}
    rows = (
        queryset.exclude(amount__isnull=True)
        .values(*fields, "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in rows:
        values = tuple(row[name] for name in fields)
        key = values[0] if len(values) == 1 else values
        totals.setdefault(key, {})[row["currency"]] = money(row["total"])
    return totals


def _by(rows: QuerySet, fields: tuple[str, ...]) -> dict[Any, dict[str, Any]]:
    """Grouped rows by their key: the one field's value, or a tuple of the fields'."""
    grouped = {}
    for row in rows.order_by():
        values = tuple(row.pop(name) for name in fields)
        grouped[values[0] if len(values) == 1 else values] = row
    return grouped


def _costs(leads: QuerySet, fields: tuple[str, ...]) -> dict[Any, dict[str, str]]:
    """The cost of the campaigns of each row's leads, each campaign once per row.

    Summing the campaign's cost over its leads would count it once a lead; so one lead stands
    for each campaign in each row (the first by id) and only those are summed.
    """
    with_campaign = leads.filter(campaign__isnull=False)
    first = with_campaign.filter(**{name: OuterRef(name) for name in ("campaign", *fields)})
    one_a_campaign = with_campaign.filter(pk=Subquery(first.order_by("pk").values("pk")[:1]))
    costs: dict[Any, dict[str, str]] = {}
    rows = (
        one_a_campaign.values(*fields, "campaign__currency")
        .annotate(cost=Sum("campaign__cost"))
        .order_by()
    )
    for row in rows:
        values = tuple(row[name] for name in fields)
        key = values[0] if len(values) == 1 else values
        costs.setdefault(key, {})[row["campaign__currency"]] = money(row["cost"])
    return costs


def _campaigns(lead_counts: dict[Any, Any]) -> dict[int, dict[str, Any]]:
    ids = [key for key in lead_counts if key is not None]
    return {
        row["pk"]: row
        for row in Campaign.objects.filter(pk__in=ids).values("pk", "name", "channel", "source")
    }


def _ordered(lead_counts: dict[Any, Any], by: str, campaigns: dict[int, Any]) -> list[Any]:
    channels = {value: n for n, value in enumerate(Channel.values)}
    if by == "campaign":
        return sorted(
            lead_counts, key=lambda k: (k is None, campaigns.get(k, {}).get("name", "").casefold())
        )
    if by == "channel":
        return sorted(lead_counts, key=lambda k: channels.get(k, 99))
    labels = dict(Source.choices)
    return sorted(lead_counts, key=lambda k: (channels.get(k[0], 99), labels.get(k[1], k[1])))


def _row_names(by: str, key: Any, campaigns: dict[int, Any]) -> dict[str, Any]:
    channel_labels, source_labels = dict(Channel.choices), dict(Source.choices)
    if by == "campaign":
        campaign = campaigns.get(key)
        if campaign is None:
            return {
                "key": None,
                "label": "No campaign",
                "campaign": "No campaign",
                "channel": None,
                "source": None,
                "channel_label": "",
                "source_label": "",
            }
        return {
            "key": key,
            "label": campaign["name"],
            "campaign": campaign["name"],
            "channel": campaign["channel"],
            "source": campaign["source"] or None,
            "channel_label": channel_labels.get(campaign["channel"], ""),
            "source_label": source_labels.get(campaign["source"], ""),
        }
    channel, source = (key, None) if by == "channel" else key
    names = {
        "key": channel if by == "channel" else f"{channel}:{source}",
        "channel": channel,
        "source": source,
        "channel_label": channel_labels.get(channel, channel),
        "source_label": source_labels.get(source, source) if source else "",
    }
    names["label"] = names["channel_label"] if by == "channel" else names["source_label"]
    return names


def _per(cost: dict[str, str], count: int) -> dict[str, str] | None:
    """Cost divided by a count, per currency; None when there is no count or no cost."""
    if not count or not cost:
        return None
    return {currency: money(Decimal(amount) / count) for currency, amount in cost.items()}


def _roi(won_amount: dict[str, str], cost: dict[str, str], currency: str) -> float | None:
    spent = Decimal(cost.get(currency, "0"))
    earned = Decimal(won_amount.get(currency, "0"))
    return rate(float(earned - spent), float(spent))


SPEC = report_register(
    ReportSpec(
        slug="sources",
        title="Source ROI",
        description="Leads, qualified leads, deals and wins per channel, source or campaign, "
        "against what the campaigns cost.",
        build=sources,
        options=[
            Option(
                "by",
                "Group by",
                [("source", "Source"), ("channel", "Inbound / outbound"), ("campaign", "Campaign")],
                "source",
            )
        ],
        period_means="created",
        position=30,
    )
)
