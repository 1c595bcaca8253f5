"""Follow-up rules: last contact and next contact due of accounts, the tier rules, the tasks
the worker creates when contact falls due, and calendar feed tokens.

Last contact is the latest DONE activity of a contact type (`CONTACT_TYPES`) on the account,
one of its contacts or one of its deals. It is kept true by `activity_contact_hook` (registered
on the activity services in `FollowupConfig.ready()`) and, after bulk loads, by
`accounts_last_contact_refresh_all`. The next contact due is written by the customers services
(`accounts_contact_set`): last contact (or the account's creation) plus the tier's cadence.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from salesflow.activities.models import Activity
from salesflow.activities.services import activity_create
from salesflow.core.services import fields_assign, instance_save_versioned
from salesflow.customers.models import Account, TierLevel
from salesflow.customers.services import accounts_contact_set, accounts_tier_set
from salesflow.followup.models import CalendarFeed, FollowupTask, RuleMetric, TierRule
from salesflow.pipeline.models import WON_OUTCOMES, Deal, Outcome
from salesflow.users import policy

# The activity types that count as contact with a customer (notes and tasks do not).
CONTACT_TYPES = ("call", "email", "meeting", "visit", "demo", "invitation")
# Where a contact activity reaches its account: directly, through a contact or a deal.
ACCOUNT_PATHS = ("account", "contact__account", "deal__account")


# Last contact ---------------------------------------------------------------------------------


def last_contacts(account_ids: Iterable[int] | None = None) -> dict[int, dt.datetime]:
    """The latest done contact per account (accounts never contacted are left out): one grouped
    query per path (the account itself, its contacts, its deals), whatever the number."""
    done = Activity.objects.filter(type__in=CONTACT_TYPES, done_at__isnull=False)
    ids = None if account_ids is None else list(account_ids)
    found: dict[int, dt.datetime] = {}
    for path in ACCOUNT_PATHS:
        rows = done.filter(
            **({f"{path}__in": ids} if ids is not None else {f"{path}__isnull": False})
        )
        grouped = (
            rows.order_by().values(path).annotate(last=Max("done_at")).values_list(path, "last")
        )
        for account_id, last in grouped:
            if account_id is not None and (account_id not in found or last > found[account_id]):
                found[account_id] = last
    return found


def accounts_last_contact_refresh(account_ids: Iterable[int]) -> int:
    """Recompute last contact and next contact due of these accounts; answers how many changed."""
    ids = [pk for pk in set(account_ids) if pk is not None]
    if not ids:
        return 0
    found = last_contacts(ids)
    return accounts_contact_set({pk: found.get(pk) for pk in ids})


def accounts_last_contact_refresh_all() -> int:
    """Recompute every account (after a bulk load: imports, the demo); answers how many changed."""
    found = last_contacts()
    ids = Account.objects.values_list("pk", flat=True)
    return accounts_contact_set({pk: found.get(pk) for pk in ids})


def activity_accounts(activity: Activity) -> set[int]:
    """The accounts an activity counts for: its own, its contact's and its deal's."""
    ids = {activity.account_id}
    if activity.contact_id:
        ids.add(getattr(activity.contact, "account_id", None))
    if activity.deal_id:
        ids.add(getattr(activity.deal, "account_id", None))
    return {pk for pk in ids if pk is not None}


def activity_contact_hook(activity: Activity, *, acting_user: Any, deleted: bool = False) -> None:
    """After an activity is created, changed, completed or deleted: recompute the accounts it
    counts for. An open task or note changes no last contact and costs nothing."""
    if not deleted and activity.done_at is None and activity.type not in CONTACT_TYPES:
        return
    accounts_last_contact_refresh(activity_accounts(activity))


# Tier rules ------------------------------------------------------------------------------------


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` earlier (the month's last day when it has fewer days)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _accounts_meeting(rule: TierRule, accounts: QuerySet[Account], today: dt.date) -> Q:
    """The accounts that meet the rule, as a condition on accounts: a subquery aggregated in
    the database, never a list of ids in Python."""
    if rule.metric == RuleMetric.ANNUAL_REVENUE:
        return Q(annual_revenue__gte=rule.threshold)
    deals = Deal.objects.filter(account__in=accounts.values("pk"))
    if rule.metric == RuleMetric.OPEN_PIPELINE:
        deals = deals.filter(outcome=Outcome.OPEN)
    else:
        since = months_before(today, rule.months)
        deals = deals.filter(outcome__in=WON_OUTCOMES).filter(
            Q(closed_on__gte=since) | Q(closed_on__isnull=True, closed_at__date__gte=since)
        )
    totals = (
        deals.order_by()
        .values("account")
        .annotate(total=Sum("amount"))
        .filter(total__gte=rule.threshold)
        .values("account")
    )
    return Q(pk__in=totals)


def tier_rules_active() -> list[TierRule]:
    return list(
        TierRule.objects.filter(is_active=True, tier__is_active=True)
        .select_related("tier")
        .order_by("tier__position", "tier__code", "pk")
    )


def tier_rules_apply(
    account_ids: Iterable[int] | None = None, *, today: dt.date | None = None
) -> dict[str, int]:
    """Set the tier of accounts not set by hand (all, or the given ones) by the active rules:
    the top tier with a rule the account meets, else the lowest active tier. Nothing happens
    while no rule is active. Set-based: one update per tier, whatever the number of accounts.
    Answers how many accounts moved into each tier."""
    rules = tier_rules_active()
    if not rules:
        return {}
    today = today or timezone.localdate()
    accounts = Account.objects.filter(tier_by_hand=False)
    if account_ids is not None:
        accounts = accounts.filter(pk__in=list(account_ids))
    meets: dict[str, Q] = {}  # by tier code, top tier first
    for rule in rules:
        condition = _accounts_meeting(rule, accounts, today)
        meets[rule.tier.code] = (
            meets[rule.tier.code] | condition if rule.tier.code in meets else condition
        )
    lowest = TierLevel.objects.filter(is_active=True).order_by("-position", "-code").first()
    moved: dict[str, int] = {}
    claimed = Q(pk__in=[])  # an account keeps the first (top) tier it meets
    for code, condition in meets.items():
        count = accounts_tier_set(accounts.filter(condition).exclude(claimed), tier=code)
        claimed |= condition
        if count:
            moved[code] = moved.get(code, 0) + count
    if lowest is not None:
        count = accounts_tier_set(accounts.exclude(claimed), tier=lowest.code)
        if count:
            moved[lowest.code] = moved.get(lowest.code, 0) + count
    return moved


def account_rules_hook(account: Account, *, changed: list[str]) -> None:
    """After an account is created or changed: when the rules decide its tier and a fact they
    read changed (or the tier was just handed back to them), apply them to it at once."""
    if account.tier_by_hand:
        return
    if {"annual_revenue", "tier_by_hand", "tier"} & set(changed):
        tier_rules_apply([account.pk])
        account.refresh_from_db(fields=["tier", "next_contact_due_on"])


def deal_won_rules_hook(deal: Deal, *, acting_user: Any) -> None:
    """A won deal adds to the account's won revenue: apply the rules to it."""
    if deal.account_id:
        tier_rules_apply([deal.account_id])


RULE_FIELDS = {"tier", "metric", "threshold", "months", "is_active"}


@transaction.atomic
def tier_rule_create(*, acting_user: Any, **data: Any) -> TierRule:
    policy.require_admin(acting_user)
    rule = TierRule()
    fields_assign(rule, data, allowed=RULE_FIELDS)
    _rule_check(rule)
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def tier_rule_update(
    rule: TierRule, *, acting_user: Any, expected_version: int | None = None, **data: Any
) -> TierRule:
    policy.require_admin(acting_user)
    changed = fields_assign(rule, data, allowed=RULE_FIELDS)
    _rule_check(rule)
    return instance_save_versioned(rule, changed=changed, expected_version=expected_version)


@transaction.atomic
def tier_rule_delete(rule: TierRule, *, acting_user: Any) -> None:
    policy.require_admin(acting_user)
    rule.delete()


def _rule_check(rule: TierRule) -> None:
    from django.core.exceptions import ValidationError

    if rule.tier_id is not None and not rule.tier.is_active:
        raise ValidationError({"tier": "This tier is retired; choose an active tier."})
    if rule.threshold is not None and Decimal(rule.threshold) < 0:
        raise ValidationError({"threshold": "The threshold cannot be negative."})


# Follow-up tasks -------------------------------------------------------------------------------

TASK_HOUR = 9  # a follow-up task is due at 9:00 (local time) on the day contact falls due


def accounts_falling_due(today: dt.date) -> QuerySet[Account]:
    """Accounts due for contact by `today` that have an active owner, no open follow-up task
    and no follow-up task for this due day yet."""
    open_task = FollowupTask.objects.filter(
        account=OuterRef("pk"), activity__isnull=False, activity__done_at__isnull=True
    )
    this_due = FollowupTask.objects.filter(
        account=OuterRef("pk"), due_on=OuterRef("next_contact_due_on")
    )
    return (
        Account.objects.filter(
            next_contact_due_on__lte=today, owner__isnull=False, owner__is_active=True
        )
        .exclude(Exists(open_task))
        .exclude(Exists(this_due))
        .select_related("owner")
        .order_by("next_contact_due_on", "pk")
    )


def followup_task_subject(account: Account, tier: TierLevel | None) -> str:
    if tier is None:
        return f"Contact {account.name}"[:200]
    channel = tier.get_channel_display()
    return f"{channel} {account.name}: due every {tier.contact_every_days} days"[:200]


def followup_tasks_create(*, today: dt.date | None = None) -> int:
    """One open task for the owner of each account whose contact is due (see
    `accounts_falling_due`); running it again creates nothing new. Answers how many."""
    today = today or timezone.localdate()
    tiers = {tier.code: tier for tier in TierLevel.objects.all()}
    created = 0
    for account in accounts_falling_due(today):
        due_on = account.next_contact_due_on
        due_at = timezone.make_aware(dt.datetime.combine(due_on, dt.time(TASK_HOUR)))
        try:
            with transaction.atomic():
                activity = activity_create(
                    acting_user=account.owner,
                    type="task",
                    subject=followup_task_subject(account, tiers.get(account.tier)),
                    body="Contact falls due by the account's tier cadence.",
                    due_at=due_at,
                    account=account,
                    owner=account.owner,
                )
                FollowupTask.objects.create(account=account, activity=activity, due_on=due_on)
        except IntegrityError:
            continue  # another worker made it meanwhile
        created += 1
    return created


def followup_daily(*, today: dt.date | None = None) -> dict[str, Any]:
    """The daily follow-up run: tier rules, last contacts (a safety net after bulk changes
    that bypass the activity services), then the follow-up tasks."""
    moved = tier_rules_apply(today=today)
    refreshed = accounts_last_contact_refresh_all()
    tasks = followup_tasks_create(today=today)
    return {"tiers_moved": moved, "accounts_refreshed": refreshed, "tasks_created": tasks}


# Calendar feed ---------------------------------------------------------------------------------


def calendar_token_new() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def calendar_feed_regenerate(*, user: Any) -> CalendarFeed:
    """Give the user a feed with a new secret: the previous URL stops working."""
    feed, created = CalendarFeed.objects.get_or_create(
        user=user, defaults={"token": calendar_token_new()}
    )
    if not created:
        feed.token = calendar_token_new()
        feed.save(update_fields=["token", "updated_at"])
    return feed


@transaction.atomic
def calendar_feed_revoke(*, user: Any) -> None:
    CalendarFeed.objects.filter(user=user).delete()


def calendar_feed_for_token(token: str) -> CalendarFeed | None:
    """The feed of a token, None for a tampered, revoked or inactive user's token."""
    if not token or len(token) > 64:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not secrets.compare_digest(feed.token, token):
        return None
    return feed if feed.user.is_active else None
