from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from salesflow.core.config_cache import ConfigQuerySet
from salesflow.core.models import TimeStampedModel, VersionedModel
from salesflow.customers.models import Account, Contact
from salesflow.leads.models import Lead, Qualification
from salesflow.users.models import OwnedModel, Team


class Pipeline(TimeStampedModel):
    """A sales process: an ordered list of stages. Teams may run several (new business, upsell)."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    handover_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who takes over delivery of won deals; the deal's owner when empty.",
    )
    handover_team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The delivery team whose queue gets the hand-over task.",
    )

    objects = ConfigQuerySet.as_manager()  # bulk writes change the config version

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_pipeline"
            )
        ]

    def __str__(self) -> str:
        return self.name


class StageKind(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won (terminal)"
    LOST = "lost", "Lost (terminal)"


class StageQuerySet(ConfigQuerySet):  # bulk writes change the configuration version
    def active(self) -> StageQuerySet:
        """Stages a deal can be in or moved to: not removed (archived) by an admin."""
        return self.filter(archived_at__isnull=True)


class Stage(models.Model):
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField()
    probability = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(100)], help_text="Win probability in %."
    )
    rotting_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="A deal idle this many days in the stage is rotting."
    )
    guidance = models.TextField(blank=True, help_text="What the rep does in this stage.")
    kind = models.CharField(max_length=8, choices=StageKind.choices, default=StageKind.OPEN)
    # A removed stage that deals passed through stays as a row, so their history still reads.
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = StageQuerySet.as_manager()

    class Meta:
        ordering = ["pipeline", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["pipeline", "name"],
                condition=Q(archived_at__isnull=True),
                name="stage_name_unique_in_pipeline",
            ),
            models.UniqueConstraint(
                fields=["pipeline", "kind"],
                condition=Q(kind__in=["won", "lost"], archived_at__isnull=True),
                name="stage_one_won_one_lost_per_pipeline",
            ),
            models.CheckConstraint(
                condition=Q(probability__gte=0, probability__lte=100),
                name="stage_probability_0_100",
            ),
        ]
        indexes = [models.Index(fields=["pipeline", "position"], name="stage_position_idx")]

    def __str__(self) -> str:
        return f"{self.pipeline.name}: {self.name}" if "pipeline" in self.__dict__ else self.name

    @property
    def is_terminal(self) -> bool:
        return self.kind != StageKind.OPEN

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class StageRequirement(models.Model):
    """An exit criterion: what must be true of a deal before it may leave the stage forward.

    `kind` names a check in the registry of `salesflow.pipeline.criteria`; `params` configure it
    (e.g. `{"field": "amount"}` for `field_filled`).
    """

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="requirements")
    kind = models.CharField(max_length=50)
    params = models.JSONField(default=dict, blank=True)
    label = models.CharField(
        max_length=200, blank=True, help_text="Shown to reps; the check's own label when blank."
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = ConfigQuerySet.as_manager()  # bulk writes change the config version

    class Meta:
        ordering = ["stage", "position", "pk"]

    def __str__(self) -> str:
        return self.label or self.kind


class LostReason(models.Model):
    """Why a deal was lost or suspended; admins keep the list, retired reasons stay for history."""

    name = models.CharField(max_length=150, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    objects = ConfigQuerySet.as_manager()  # bulk writes change the config version

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Outcome(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    SUSPENDED = "suspended", "Suspended"
    UPGRADED = "upgraded", "Upgraded (upsell to an existing customer)"


# Outcomes that count as a sale: reports of won business use these, not Outcome.WON alone.
WON_OUTCOMES = (Outcome.WON, Outcome.UPGRADED)


class ClosingTechnique(models.TextChoices):
    """How the rep asked for the order (step 6 of the sales process)."""

    DIRECT = "direct", "Direct close"
    ASSUMPTIVE = "assumptive", "Assumptive close"
    OPPORTUNITY = "opportunity", "Opportunity / urgency close"
    PRESSURE = "pressure", "Pressure close"
    OTHER = "other", "Other"


class Deal(OwnedModel, VersionedModel, TimeStampedModel):
    name = models.CharField(max_length=200)
    # Empty for a deal whose customer is not known yet (imported, or a first call); the default
    # pipeline asks for one before the deal leaves Qualification.
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="deals"
    )
    primary_contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="deals"
    )
    lead = models.ForeignKey(
        Lead,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
        help_text="The lead this deal was converted from.",
    )
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="deals")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="deals")
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(max_length=3, default="EUR")
    # The amount is the total of the deal's product lines (salesflow.quotes), kept so by the
    # line services, instead of a figure typed in.
    amount_from_lines = models.BooleanField("amount follows the product lines", default=False)
    expected_close_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(
        max_length=16, choices=Outcome.choices, default=Outcome.OPEN, db_index=True
    )
    lost_reason = models.ForeignKey(
        LostReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deals",
        help_text="Required when the deal is lost or suspended.",
    )
    qualification = models.ForeignKey(
        Qualification,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
        help_text="BANT answers: the converted lead's, or recorded on the deal.",
    )
    stage_entered_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_on = models.DateField(
        null=True, blank=True, help_text="The day the customer decided; reports count by it."
    )
    closing_technique = models.CharField(
        max_length=16, choices=ClosingTechnique.choices, blank=True
    )
    external_id = models.CharField(max_length=100, blank=True, db_index=True)
    # The deal's next step, kept by the activity services (salesflow.activities): how many of its
    # activities are still to do, and when the earliest dated one is due. No open activity means
    # no next step; a due moment in the past means an overdue one.
    open_activity_count = models.PositiveIntegerField(default=0, editable=False)
    next_activity_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Values of the custom fields admins define for this kind of record (salesflow.customfields).
    custom = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="deal_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(outcome__in=["lost", "suspended"]) | Q(lost_reason__isnull=False),
                name="deal_lost_or_suspended_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(outcome="open") | Q(closed_at__isnull=False),
                name="deal_closed_has_closed_at",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "team", "visibility"], name="deal_access_idx"),
            # The deal list's order with the columns of the access rule, so a page's ids come
            # from the index alone; an account's or contact's deals with the same columns, so
            # "readable through a deal" is checked in the index (issue #10, lists).
            models.Index(
                fields=["created_at", "id", "owner", "team", "visibility"], name="deal_list_idx"
            ),
            models.Index(
                fields=["account", "owner", "team", "visibility"], name="deal_account_access_idx"
            ),
            models.Index(
                fields=["primary_contact", "owner", "team", "visibility"],
                name="deal_contact_access_idx",
            ),
            models.Index(fields=["pipeline", "stage", "outcome"], name="deal_board_idx"),
            # A board column's first cards, newest in the stage first (issue #10, pages).
            models.Index(fields=["stage", "stage_entered_at", "id"], name="deal_board_order_idx"),
            # My day of a manager: the team's open deals per stage, closing soonest first, with
            # what the stage totals read; the same for one person; the deals needing a next
            # step of one person and of a team, in My day's order (issue #10, pages).
            models.Index(
                fields=[
                    "team",
                    "outcome",
                    "stage",
                    "expected_close_on",
                    "currency",
                    "amount",
                    "owner",
                    "visibility",
                ],
                name="deal_team_open_idx",
            ),
            models.Index(
                fields=[
                    "owner",
                    "outcome",
                    "stage",
                    "expected_close_on",
                    "currency",
                    "amount",
                    "team",
                    "visibility",
                ],
                name="deal_owner_open_idx",
            ),
            models.Index(
                fields=["owner", "outcome", "next_activity_at", "open_activity_count"],
                name="deal_owner_next_step_idx",
            ),
            models.Index(
                fields=["team", "outcome", "next_activity_at", "open_activity_count"],
                name="deal_team_next_step_idx",
            ),
            # The board's Won and Lost columns of a period, by close day (issue #10, pages).
            models.Index(
                fields=[
                    "pipeline",
                    "stage",
                    "closed_on",
                    "closed_at",
                    "outcome",
                    "currency",
                    "amount",
                    "stage_entered_at",
                    "owner",
                    "team",
                    "visibility",
                ],
                name="deal_board_closed_idx",
            ),
            # The board's column totals read from the index alone (issue #10, pages).
            models.Index(
                fields=[
                    "pipeline",
                    "stage",
                    "outcome",
                    "currency",
                    "amount",
                    "stage_entered_at",
                    "closed_on",
                    "closed_at",
                    "owner",
                    "team",
                    "visibility",
                ],
                name="deal_board_totals_idx",
            ),
            models.Index(fields=["closed_at"], name="deal_closed_at_idx"),
            models.Index(
                fields=["outcome", "open_activity_count", "next_activity_at"],
                name="deal_next_step_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("pipeline:deal-detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.outcome != Outcome.OPEN

    @property
    def is_won(self) -> bool:
        return self.outcome in WON_OUTCOMES


class StageChange(models.Model):
    """One move of a deal between stages (or into its first stage); written only by services."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    from_outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    to_outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.OPEN)
    changed_at = models.DateTimeField(db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_backward = models.BooleanField(default=False)
    # No source gave this moment (an import without a date column for the stage): changed_at is
    # an estimate, shown as "about", and reports that measure time leave it out.
    is_estimated = models.BooleanField(default=False)
    override_reason = models.TextField(blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]
        indexes = [
            models.Index(fields=["deal", "changed_at"], name="stagechange_deal_idx"),
            # The reports' history windows (analytics, migration 0014): read in this order only.
            models.Index(
                fields=[
                    "deal",
                    "changed_at",
                    "id",
                    "to_stage",
                    "from_stage",
                    "from_outcome",
                    "to_outcome",
                    "is_backward",
                    "is_estimated",
                ],
                name="stagechange_report_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_id} -> {self.to_stage_id}"


class StakeholderRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", "Decision maker"
    KEY_PERSON = "key_person", "Key person"
    INFLUENCER = "influencer", "Influencer"
    CHAMPION = "champion", "Champion"
    USER = "user", "User"
    PURCHASING = "purchasing", "Purchasing"
    BLOCKER = "blocker", "Blocker"


class Attitude(models.TextChoices):
    SUPPORTER = "supporter", "Supporter"
    NEUTRAL = "neutral", "Neutral"
    OPPONENT = "opponent", "Opponent"


class DealStakeholder(TimeStampedModel):
    """A person on the customer's side of a deal: who decides, who influences, who blocks."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stakeholders")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="stakeholdings")
    role = models.CharField(max_length=16, choices=StakeholderRole.choices)
    attitude = models.CharField(max_length=16, choices=Attitude.choices, default=Attitude.NEUTRAL)
    personality = models.TextField(blank=True, help_text="Personality traits worth knowing.")
    working_style = models.TextField(blank=True, help_text="How they work and decide.")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["deal", "role", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "contact"], name="stakeholder_once_per_deal")
        ]
        indexes = [models.Index(fields=["deal", "role"], name="stakeholder_role_idx")]

    def __str__(self) -> str:
        return f"{self.contact} ({self.get_role_display()})"


class Competitor(TimeStampedModel):
    """A company we compete with; the list and its notes are shared by the whole sales team."""

    name = models.CharField(max_length=200, unique=True)
    website = models.URLField(blank=True)
    strengths = models.TextField(blank=True)
    weaknesses = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    objects = ConfigQuerySet.as_manager()  # bulk writes change the config version

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CompetitorStatus(models.TextChoices):
    ACTIVE = "active", "Still competing"
    ELIMINATED = "eliminated", "Eliminated"
    WON_AGAINST = "won_against", "We won against them"
    LOST_TO = "lost_to", "We lost to them"


class DealCompetitor(TimeStampedModel):
    """A competitor in one deal, as the rep sees them there, and how we mean to beat them."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="competitors")
    competitor = models.ForeignKey(
        Competitor, on_delete=models.PROTECT, related_name="deal_competitors"
    )
    strengths = models.TextField(blank=True, help_text="Their strengths as seen on this deal.")
    weaknesses = models.TextField(blank=True, help_text="Their weaknesses as seen on this deal.")
    counter_strategy = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=CompetitorStatus.choices, default=CompetitorStatus.ACTIVE
    )

    class Meta:
        ordering = ["deal", "competitor__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "competitor"], name="deal_competitor_once_per_deal"
            )
        ]

    def __str__(self) -> str:
        return f"{self.competitor} on {self.deal_id}"
