"""The pipeline exit criterion this app provides: "a quote has been sent".

Imported only from `QuotesConfig.ready()`, once `salesflow.pipeline.criteria` exists.
"""

from __future__ import annotations

from salesflow.pipeline.criteria import Missing
from salesflow.pipeline.models import Deal
from salesflow.quotes.selectors import quote_sent_missing


def quote_sent(deal: Deal, requirement: object) -> list[Missing]:
    """Met once the deal has a quote that is sent or accepted (a revised draft is not)."""
    return [Missing(code=m["code"], message=m["message"]) for m in quote_sent_missing(deal)]
