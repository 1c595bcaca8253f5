"""The lead funnel: leads, how many were qualified, converted into a deal, and won, by channel,
source, or the source as the lead's form or file gave it."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q

from salesflow.analytics.figures import rate
from salesflow.analytics.filters import ReportFilters, leads_reported
from salesflow.analytics.registry import Chart, Column, Option, Report, ReportSpec, report_register
from salesflow.leads.models import Channel, LeadStatus, Source
from salesflow.pipeline.models import WON_OUTCOMES, Deal

GROUPS = {"channel": "Channel", "source": "Source", "source_detail": "Source as given"}


def lead_funnel(viewer: Any, filters: ReportFilters, options: dict[str, str]) -> Report:
    key = options["by"]
    converted = Exists(Deal.objects.filter(lead=OuterRef("pk")))
    won = Exists(Deal.objects.filter(lead=OuterRef("pk"), outcome__in=WON_OUTCOMES))
    qualified = (
        Q(qualified_at__isnull=False)
        | Q(status__in=[LeadStatus.QUALIFIED, LeadStatus.CONVERTED])
        | Q(converted)
    )
    figures = {
        "leads": Count("pk"),
        "qualified": Count("pk", filter=qualified),
        "converted": Count("pk", filter=Q(converted)),
        "won": Count("pk", filter=Q(won)),
    }
    leads = leads_reported(viewer, filters)
    grouped = leads.values(key).annotate(**figures).order_by(key)
    names = {"channel": dict(Channel.choices), "source": dict(Source.choices)}.get(key, {})
    rows = [
        {
            "key": row[key],
            "label": names.get(row[key], row[key]) or "(not given)",
            **_figures(row),
        }
        for row in grouped
    ]
    rows.sort(key=lambda row: (-row["leads"], row["label"].lower()))
    totals = leads.aggregate(**figures)
    return Report(
        title="Lead funnel",
        columns=[
            Column("label", GROUPS[key]),
            Column("leads", "Leads", "int"),
            Column("qualified", "Qualified", "int"),
            Column("converted", "Converted", "int"),
            Column("won", "Won", "int"),
            Column("qualification_rate", "Qualified / leads", "rate"),
            Column("conversion_rate", "Converted / qualified", "rate"),
            Column("win_rate", "Won / converted", "rate"),
            Column("lead_to_win", "Won / leads", "rate"),
        ],
        rows=rows,
        filters=filters,
        summary=_figures(totals),
        summary_labels={
            "qualification_rate": "Qualified / leads",
            "conversion_rate": "Converted / qualified",
            "win_rate": "Won / converted",
            "lead_to_win": "Won / leads",
        },
        chart=Chart("bar", "label", ["leads", "qualified", "converted", "won"]),
        notes=[
            "Leads created in the period. Qualified: marked qualified at some time (BANT "
            "complete), including leads disqualified or converted since. Converted: a deal was "
            "made from the lead (whoever owns the deal). Won: a deal from it is won or "
            "upgraded. The pipeline filter does not apply to leads. A rate with nothing to "
            "divide by is left empty (—).",
        ],
    )


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    leads, qualified, converted, won = (row[k] for k in ("leads", "qualified", "converted", "won"))
    return {
        "leads": leads,
        "qualified": qualified,
        "converted": converted,
        "won": won,
        "qualification_rate": rate(qualified, leads),
        "conversion_rate": rate(converted, qualified),
        "win_rate": rate(won, converted),
        "lead_to_win": rate(won, leads),
    }


SPEC = report_register(
    ReportSpec(
        slug="lead-funnel",
        title="Lead funnel",
        description="Leads, qualified, converted into deals and won, by channel or source.",
        build=lead_funnel,
        options=[
            Option(
                "by",
                "Group by",
                [
                    ("channel", "Channel"),
                    ("source", "Source"),
                    ("source_detail", "Source as given"),
                ],
                "channel",
            )
        ],
        period_means="created",
        position=15,
    )
)
