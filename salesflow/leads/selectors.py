from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import (
    Case,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    When,
)
from django.db.models import Value as V
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from salesflow.core.errors import AccessDenied
from salesflow.core.normalize import company_key, name_key
from salesflow.customers.models import Account
from salesflow.customers.selectors import accounts_visible_to
from salesflow.customfields.selectors import custom_filter_q
from salesflow.leads.models import (
    DisqualificationReason,
    Grade,
    Lead,
    LeadCaptureForm,
    LeadScoringSettings,
    LeadStatus,
)
from salesflow.users import policy
from salesflow.users.selectors import team_tree_ids

OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.QUALIFIED)
# Accounts compared by company key on the fly are narrowed in SQL to at most this many.
ACCOUNT_CANDIDATES = 200


def day_start(day: dt.date) -> dt.datetime:
    """The first moment of `day` in the site's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def moment_on_days_q(field: str, *, start: dt.date | None = None, end: dt.date | None = None) -> Q:
    """Rows whose datetime `field` falls on a day from `start` to `end` (both included, either
    open), days as the site's time zone counts them. Bounds on the column, so its index helps."""
    q = Q()
    if start is not None:
        q &= Q(**{f"{field}__gte": day_start(start)})
    if end is not None:
        q &= Q(**{f"{field}__lt": day_start(end + dt.timedelta(days=1))})
    return q


def leads_visible_to(user: Any) -> QuerySet[Lead]:
    return Lead.objects.filter(policy.readable_q(user))


def lead_get_for_user(user: Any, pk: int, *, write: bool = False) -> Lead:
    lead = get_object_or_404(leads_visible_to(user).select_related("owner", "campaign"), pk=pk)
    if write and not policy.can_write(user, lead):
        raise AccessDenied("You may see this lead but not change it.")
    return lead


def scoring_settings() -> LeadScoringSettings:
    """The grade thresholds row, created with defaults on first use."""
    row, _ = LeadScoringSettings.objects.get_or_create(pk=1)
    return row


def disqualification_reasons_active() -> QuerySet[DisqualificationReason]:
    return DisqualificationReason.objects.filter(is_active=True)


def capture_form_get_by_key(form_key: str) -> LeadCaptureForm:
    """The capture form behind a public form key (404 if none); inactive ones too, so the
    endpoint can say the form is closed."""
    return get_object_or_404(
        LeadCaptureForm.objects.select_related("campaign", "default_owner", "default_team"),
        form_key=form_key,
    )


def leads_queue_for_manager(user: Any, *, now: dt.datetime | None = None) -> QuerySet[Lead]:
    """Leads of the user's teams waiting for someone: nobody owns them, or they are hot and
    nobody has contacted them yet. Oldest wait first, hot before the rest; `age` is how long
    each has waited (since assignment, or since it came in)."""
    now = now or timezone.now()
    leads = leads_visible_to(user).filter(status__in=OPEN_STATUSES)
    if not user.is_admin:
        leads = leads.filter(team_id__in=policy.managed_team_ids(user))
    waiting = Q(owner__isnull=True) | Q(grade=Grade.HOT, first_response_at__isnull=True)
    return (
        leads.filter(waiting)
        .annotate(
            waiting_since=Coalesce("assigned_at", "created_at"),
            age=ExpressionWrapper(V(now) - F("waiting_since"), output_field=DurationField()),
            is_hot=Case(
                When(grade=Grade.HOT, then=V(1)), default=V(0), output_field=IntegerField()
            ),
        )
        .select_related("owner", "team", "campaign")
        .order_by("-is_hot", "waiting_since", "pk")
    )


def accounts_matching_company(user: Any, company: str) -> list[Account]:
    """Accounts the user may read whose name has the same company key as `company`.

    Accounts store no key, so SQL narrows by the key's longest word and Python compares keys.
    """
    key = company_key(company)
    if not key:
        return []
    word = max(key.split(), key=len)
    candidates = (
        accounts_visible_to(user).filter(name__icontains=word).order_by("pk")[:ACCOUNT_CANDIDATES]
    )
    return [account for account in candidates if company_key(account.name) == key]


# The lead list's orders; ties go to the newer lead.
LEAD_ORDERS = {
    "": ("-score", "-created_at", "-pk"),
    "score": ("score", "-created_at", "-pk"),
    "-created": ("-created_at", "-pk"),
    "created": ("created_at", "pk"),
}


def lead_source_details_visible_to(user: Any) -> list[str]:
    """The distinct sources as given (`source_detail`) among the leads the user may read,
    sorted, one per spelling ignoring case ("Google" stands for "google" too): the choices of
    the lead list's filter, which matches ignoring case."""
    # The access rule on the rows themselves (not `pk IN (the readable leads)`): one pass over
    # the table instead of a list of every readable lead first.
    rows = leads_visible_to(user).exclude(source_detail="").order_by("source_detail")
    spellings: dict[str, str] = {}
    for value in rows.values_list("source_detail", flat=True).distinct():
        spellings.setdefault(value.casefold(), value)
    return sorted(spellings.values(), key=str.casefold)


def leads_closed_on_q(*, start: dt.date | None = None, end: dt.date | None = None) -> Q:
    """Leads closed on a day from `start` to `end`: converted then (`converted_at`), or, never
    converted, disqualified then. Open leads have no close day and never match."""
    converted = Q(converted_at__isnull=False) & moment_on_days_q(
        "converted_at", start=start, end=end
    )
    disqualified = Q(converted_at__isnull=True, disqualified_at__isnull=False) & moment_on_days_q(
        "disqualified_at", start=start, end=end
    )
    return converted | disqualified


def leads_filtered(
    user: Any,
    *,
    q: str = "",
    sort: str = "",
    source_detail: str = "",
    custom: Mapping[str, Any] | None = None,
    team: Any = None,
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
    closed_from: dt.date | None = None,
    closed_to: dt.date | None = None,
    industry: str = "",
    **filters: Any,
) -> QuerySet[Lead]:
    """The lead list: readable leads holding every search word, filtered by the given fields
    (grade, status, source, channel, owner, campaign), by the source as given and the industry
    ignoring case, by team (a team or its id; its sub-teams included), by the days they came
    in and closed (`leads_closed_on_q`), and sorted, highest score first unless `sort` says
    otherwise (a key of LEAD_ORDERS). Filters only narrow what the user may read."""
    leads = leads_visible_to(user).select_related("owner", "campaign")
    if source_detail:
        leads = leads.filter(source_detail__iexact=source_detail.strip())
    if industry.strip():
        leads = leads.filter(industry__iexact=industry.strip())
    if team is not None:
        leads = leads.filter(team_id__in=team_tree_ids(getattr(team, "pk", team)))
    if created_from or created_to:
        leads = leads.filter(moment_on_days_q("created_at", start=created_from, end=created_to))
    if closed_from or closed_to:
        leads = leads.filter(leads_closed_on_q(start=closed_from, end=closed_to))
    for word in q.split():
        leads = leads.filter(
            Q(name_key__contains=name_key(word))
            | Q(email__icontains=word)
            | Q(company__icontains=word)
            | Q(phone__icontains=word)
        )
    if custom:
        leads = leads.filter(custom_filter_q("lead", custom))
    order: tuple[Any, ...] = LEAD_ORDERS.get(sort, LEAD_ORDERS[""])
    if custom and order == LEAD_ORDERS[""]:
        # The score as an expression, which the list's index (score, created_at, id, ...) does
        # not give: a custom-field filter then reads its own index and sorts its matches, where
        # walking the list's index would read every lead down to the last match of a rare value
        # (issue #10, lists). The same order.
        order = ((F("score") + 0).desc(), *order[1:])
    return leads.filter(**filters).order_by(*order)
