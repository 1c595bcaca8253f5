"""Who works a lead: manual assignment, and routing by the admin's rules with round-robin."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from salesflow.core.errors import DomainError
from salesflow.core.services import instance_save_versioned
from salesflow.leads.models import AssignmentRule, Grade, Lead, LeadStatus, TeamRoundRobin
from salesflow.users import policy
from salesflow.users.models import Role, Team, User
from salesflow.users.services import owner_change_check, record_require_write


def _same(rule_value: str, lead_value: str) -> bool:
    return not rule_value or rule_value.strip().casefold() == lead_value.strip().casefold()


def assignment_rule_for(lead: Lead) -> AssignmentRule | None:
    """The first active rule (by priority) whose region, industry and size band fit the lead."""
    rules = AssignmentRule.objects.filter(is_active=True).select_related("team", "owner")
    for rule in rules.order_by("priority", "pk"):
        if (
            _same(rule.region, lead.region)
            and _same(rule.industry, lead.industry)
            and _same(rule.size_band, lead.size_band)
        ):
            return rule
    return None


def team_reps(team: Team) -> list[User]:
    return list(team.members.filter(is_active=True, role=Role.REP).order_by("pk"))


@transaction.atomic
def team_next_rep(team: Team) -> User | None:
    """The team's next active rep in turn, or None when it has none.

    The team's pointer row is locked (SELECT ... FOR UPDATE) until the caller's transaction
    ends, so two leads routed at the same moment go to two different reps.
    """
    TeamRoundRobin.objects.get_or_create(team=team)
    pointer = TeamRoundRobin.objects.select_for_update().get(team=team)
    reps = team_reps(team)
    if not reps:
        return None
    after = pointer.last_assigned_id or 0
    rep = next((candidate for candidate in reps if candidate.pk > after), reps[0])
    pointer.last_assigned = rep
    pointer.save(update_fields=["last_assigned", "updated_at"])
    return rep


def _owner_set(lead: Lead, owner: User, *, team: Team | None = None) -> Lead:
    owner_teams = policy.team_ids_of(owner)
    if team is None:
        team = lead.team if lead.team_id in owner_teams else owner.teams.order_by("pk").first()
    lead.owner = owner
    lead.team = team
    lead.assigned_at = timezone.now()
    return instance_save_versioned(lead, changed=["owner", "team", "assigned_at"])


def is_routable(lead: Lead) -> bool:
    return (
        lead.owner_id is None
        and lead.status in (LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.QUALIFIED)
        and (lead.status == LeadStatus.QUALIFIED or lead.grade == Grade.HOT)
    )


@transaction.atomic
def lead_route(lead: Lead) -> Lead:
    """Give a qualified or hot lead nobody owns to a rep by the assignment rules.

    The first matching rule names a team and maybe a fixed rep; without one (or when that rep
    left the team or was deactivated) the team's active reps take turns. Refused (DomainError)
    for a lead that is owned, closed, or neither qualified nor hot, and when no rule matches.
    """
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if not is_routable(lead):
        raise DomainError("Only qualified or hot leads that nobody owns are routed.")
    rule = assignment_rule_for(lead)
    if rule is None:
        raise DomainError("No assignment rule matches this lead; assign it by hand.")
    owner = rule.owner
    if owner is not None and not (owner.is_active and rule.team_id in policy.team_ids_of(owner)):
        owner = None
    if owner is None:
        owner = team_next_rep(rule.team)
    if owner is None:
        raise DomainError(f"Team {rule.team.name} has no active rep to take the lead.")
    return _owner_set(lead, owner, team=rule.team)


def lead_route_if_due(lead: Lead) -> Lead:
    """Route the lead when it is due and a rule can place it; otherwise leave it queued."""
    if not is_routable(lead):
        return lead
    try:
        with transaction.atomic():
            return lead_route(lead)
    except DomainError:
        return lead


@transaction.atomic
def lead_assign(lead: Lead, *, acting_user: Any, owner: User | None = None) -> Lead:
    """Give the lead to `owner`, or take it yourself when no owner is given.

    The acting user must be able to change the lead, and the owner must be an active member of
    the acting user's teams (admins: anyone active). The lead's team follows the new owner.
    Another person's lead is handed over only by its owner, a manager of its team or an admin
    (`owner_change_check`); a lead nobody owns may be taken from the team queue.
    """
    record_require_write(acting_user, lead)
    owner = owner or acting_user
    if lead.status == LeadStatus.CONVERTED:
        raise DomainError("This lead is already converted; assign its deal instead.")
    if not owner.is_active:
        raise ValidationError({"owner": "This person's account is deactivated."})
    if not policy.users_visible_to(acting_user).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": "You can only assign records to people in your teams."})
    if owner.pk == lead.owner_id:
        return lead
    # Someone else's lead: only its owner, a manager of its team or an admin hands it over.
    owner_change_check(acting_user=acting_user, record=lead, data={"owner": owner})
    return _owner_set(lead, owner)
