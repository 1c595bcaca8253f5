"""The product columns of the deal list's CSV (`salesflow.pipeline.exports`): the deal's first
product line, as the deal importer reads it back (`product`, `quantity`), and every line in one
readable cell (`products`)."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from salesflow.pipeline.exports import Columns
from salesflow.pipeline.models import Deal
from salesflow.quotes.models import DealLine


def deal_product_columns(deals: QuerySet[Deal]) -> tuple[QuerySet[Deal], Columns]:
    first = DealLine.objects.filter(deal=OuterRef("pk")).order_by("position", "pk")
    deals = deals.annotate(
        export_product=Subquery(first.values("product__name")[:1]),
        export_quantity=Subquery(first.values("quantity")[:1]),
    )
    return deals, [("product", "export_product"), ("quantity", "export_quantity")]
