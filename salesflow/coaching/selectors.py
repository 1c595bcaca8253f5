"""Reads of call review: who may review, who sees a review, the queue and the trends."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek
from django.shortcuts import get_object_or_404

from salesflow.activities.models import Activity
from salesflow.coaching.models import CallRecord, Review, RubricCriterion
from salesflow.core.errors import AccessDenied
from salesflow.users import policy
from salesflow.users.models import User


def rubric_active() -> QuerySet[RubricCriterion]:
    return RubricCriterion.objects.filter(is_active=True).order_by("position", "label")


def call_record_of(activity: Activity) -> CallRecord | None:
    return CallRecord.objects.filter(activity=activity).select_related("activity").first()


def may_review(user: Any, activity: Activity) -> bool:
    """Admins, and managers of the team the call belongs to; nobody reviews their own call."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if activity.owner_id == user.pk:
        return False
    if user.is_admin:
        return True
    return bool(user.is_manager and activity.team_id in policy.managed_team_ids(user))


def review_allowed_check(user: Any, activity: Activity) -> None:
    if activity.owner_id == getattr(user, "pk", None):
        raise AccessDenied("You cannot review your own call.")
    if not may_review(user, activity):
        raise AccessDenied("Only a manager of the rep's team or an admin may review this call.")


def _team_members(team_ids: list[int]) -> QuerySet[User]:
    return User.objects.filter(teams__in=team_ids).values("pk")


def reviews_visible_to(user: Any) -> QuerySet[Review]:
    """Reviews the user may read: the rep reviewed (the activity's owner), the reviewer, the
    managers of the call's team and admins. Other reps, teammates included, see none."""
    reviews = Review.objects.select_related("reviewer", "call_record__activity__owner")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return reviews.none()
    if user.is_admin:
        return reviews
    mine = Q(call_record__activity__owner_id=user.pk) | Q(reviewer_id=user.pk)
    if user.is_manager:
        mine |= Q(call_record__activity__team_id__in=policy.managed_team_ids(user))
    return reviews.filter(mine)


def review_get_for_user(user: Any, pk: int) -> Review:
    return get_object_or_404(reviews_visible_to(user), pk=pk)


def reviews_of_call(user: Any, record: CallRecord | None) -> list[Review]:
    if record is None:
        return []
    return list(
        reviews_visible_to(user)
        .filter(call_record=record)
        .prefetch_related("scores__criterion")
        .order_by("created_at", "pk")
    )


def reviews_received(user: Any) -> QuerySet[Review]:
    """The feedback on the user's own calls, newest first ("My feedback")."""
    return (
        Review.objects.filter(call_record__activity__owner_id=user.pk)
        .select_related("reviewer", "call_record__activity")
        .prefetch_related("scores__criterion")
        .order_by("-created_at", "-pk")
    )


def _material_q(prefix: str = "") -> Q:
    return ~Q(**{f"{prefix}recording": ""}) | ~Q(**{f"{prefix}transcript_text": ""})


def review_queue(user: Any) -> QuerySet[CallRecord]:
    """The team's call records with a recording or transcript that nobody has reviewed yet,
    oldest call first: a manager's teams (and the teams below), every team for an admin."""
    if not getattr(user, "is_authenticated", False) or not (user.is_admin or user.is_manager):
        return CallRecord.objects.none()
    reviewed = Review.objects.filter(call_record_id=OuterRef("pk"))
    records = CallRecord.objects.filter(_material_q()).filter(~Exists(reviewed))
    if not user.is_admin:
        records = records.filter(activity__team_id__in=policy.managed_team_ids(user))
    records = records.exclude(activity__owner_id=user.pk)
    return records.select_related(
        "activity__owner", "activity__deal", "activity__account"
    ).order_by(
        Coalesce("activity__done_at", "activity__due_at", "activity__created_at").asc(), "pk"
    )


def call_moment() -> Any:
    """When the call happened: done, else due, else logged."""
    return Coalesce("activity__done_at", "activity__due_at", "activity__created_at")


def trend_scope(user: Any) -> QuerySet[CallRecord]:
    """The call records whose signals the user may see trended: a rep their own, a manager
    their teams' reps (and their own), an admin everyone's."""
    records = CallRecord.objects.filter(talk_share__isnull=False, activity__owner__isnull=False)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return records.none()
    if user.is_admin:
        return records
    if user.is_manager:
        members = _team_members(policy.managed_team_ids(user))
        return records.filter(Q(activity__owner_id=user.pk) | Q(activity__owner_id__in=members))
    return records.filter(activity__owner_id=user.pk)


def signal_trends(user: Any, *, period: str = "month", rep_id: int | None = None) -> list[dict]:
    """Per rep and per month (or week): calls with signals, average talk share, open-question
    ratio (open / all questions asked), played-back rate and next-step rate. One grouped query."""
    trunc = TruncWeek if period == "week" else TruncMonth
    records = trend_scope(user)
    if rep_id is not None:
        records = records.filter(activity__owner_id=rep_id)

    def as_one(condition: Q) -> Case:
        return Case(When(condition, then=Value(1.0)), default=Value(0.0), output_field=FloatField())

    rows = (
        records.annotate(period=trunc(call_moment()))
        .values(
            "period",
            "activity__owner_id",
            "activity__owner__username",
            "activity__owner__first_name",
            "activity__owner__last_name",
        )
        .annotate(
            calls=Count("pk"),
            talk_share_sum=Sum("talk_share"),
            open_sum=Sum(Coalesce("open_questions", 0)),
            closed_sum=Sum(Coalesce("closed_questions", 0)),
            played_back_sum=Sum(as_one(Q(played_back=True))),
            next_step_sum=Sum(as_one(Q(next_step_agreed=True))),
        )
        .order_by("activity__owner__username", "-period")
    )
    trends = []
    for row in rows:
        calls = row["calls"]
        asked = (row["open_sum"] or 0) + (row["closed_sum"] or 0)
        name = f"{row['activity__owner__first_name']} {row['activity__owner__last_name']}"
        name = name.strip() or row["activity__owner__username"]
        trends.append(
            {
                "rep_id": row["activity__owner_id"],
                "rep": name,
                "period": row["period"].date() if hasattr(row["period"], "date") else row["period"],
                "calls": calls,
                "talk_share": round(row["talk_share_sum"] / calls, 3),
                "open_questions": row["open_sum"] or 0,
                "closed_questions": row["closed_sum"] or 0,
                "open_question_ratio": round(row["open_sum"] / asked, 3) if asked else None,
                "played_back_rate": round(row["played_back_sum"] / calls, 3),
                "next_step_rate": round(row["next_step_sum"] / calls, 3),
            }
        )
    return trends
