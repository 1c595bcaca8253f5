from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from salesflow.core.models import TimeStampedModel, VersionedModel
from salesflow.customers.models import Account, Contact, SizeBand
from salesflow.users.models import OwnedModel, Team


class Channel(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"


class Source(models.TextChoices):
    SEO = "seo", "SEO / search"
    CONTENT = "content", "Content"
    SOCIAL = "social", "Social media"
    WEBINAR = "webinar", "Webinar"
    REFERRAL = "referral", "Referral"
    COLD_CALL = "cold_call", "Cold call"
    EMAIL = "email", "Email"
    DIRECT_MAIL = "direct_mail", "Direct mail"
    EXHIBITION = "exhibition", "Exhibition"
    ADVERTISING = "advertising", "Advertising"
    OTHER = "other", "Other"


# The channel a source belongs to when the person entering the lead does not say.
SOURCE_CHANNEL = {
    Source.SEO: Channel.INBOUND,
    Source.CONTENT: Channel.INBOUND,
    Source.SOCIAL: Channel.INBOUND,
    Source.WEBINAR: Channel.INBOUND,
    Source.REFERRAL: Channel.INBOUND,
    Source.COLD_CALL: Channel.OUTBOUND,
    Source.EMAIL: Channel.OUTBOUND,
    Source.DIRECT_MAIL: Channel.OUTBOUND,
    Source.EXHIBITION: Channel.OUTBOUND,
    Source.ADVERTISING: Channel.OUTBOUND,
    Source.OTHER: Channel.INBOUND,
}


class LeadStatus(models.TextChoices):
    NEW = "new", "New"
    WORKING = "working", "Working"
    QUALIFIED = "qualified", "Qualified"
    DISQUALIFIED = "disqualified", "Disqualified"
    CONVERTED = "converted", "Converted"


class Campaign(TimeStampedModel):
    """A marketing or outreach action that brings leads in; its cost feeds ROI reports."""

    name = models.CharField(max_length=200, unique=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    source = models.CharField(max_length=32, choices=Source.choices, blank=True)
    cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="EUR")
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cost__gte=0), name="campaign_cost_not_negative"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Qualification(TimeStampedModel):
    """BANT answers for a prospect: budget, authority, need, timeline.

    One record serves a lead and the deal converted from it (or a deal created directly),
    so the rule "qualified means BANT recorded" lives in one place.
    """

    budget_amount = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    budget_currency = models.CharField(max_length=3, default="EUR")
    is_budget_confirmed = models.BooleanField(default=False)
    is_decision_maker = models.BooleanField(
        null=True, blank=True, help_text="Is the person we talk to the one who decides?"
    )
    decision_maker_name = models.CharField(
        max_length=200, blank=True, help_text="Who decides, when it is someone else."
    )
    need = models.TextField(blank=True)
    pain_level = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 (nice to have) to 5 (urgent pain).",
    )
    timeline_on = models.DateField(null=True, blank=True, help_text="Expected purchase date.")
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pain_level__isnull=True)
                | models.Q(pain_level__gte=1, pain_level__lte=5),
                name="qualification_pain_level_1_5",
            )
        ]

    def __str__(self) -> str:
        return f"BANT #{self.pk}"

    @property
    def missing(self) -> list[str]:
        """The BANT letters not answered yet."""
        gaps = []
        if self.budget_amount is None:
            gaps.append("budget")
        if self.is_decision_maker is None or (
            self.is_decision_maker is False and not self.decision_maker_name
        ):
            gaps.append("authority")
        if not self.need.strip():
            gaps.append("need")
        if self.timeline_on is None:
            gaps.append("timeline")
        return gaps

    @property
    def is_complete(self) -> bool:
        return not self.missing


class DisqualificationReason(models.Model):
    """Why a lead was dropped; admins keep the list, retired reasons stay for history."""

    name = models.CharField(max_length=150, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


def capture_form_key_new() -> str:
    return secrets.token_urlsafe(16)


class LeadCaptureForm(TimeStampedModel):
    """A web form on the company's site that creates leads (web-to-lead).

    Named so, not `LeadForm`, because `leads.forms.LeadForm` is the staff's lead edit form.
    The public endpoint finds it by `form_key` and calls `lead_capture_from_form`.
    """

    name = models.CharField(max_length=150, unique=True)
    form_key = models.CharField(
        max_length=40, unique=True, default=capture_form_key_new, editable=False
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="capture_forms"
    )
    source = models.CharField(max_length=32, choices=Source.choices, default=Source.CONTENT)
    channel = models.CharField(
        max_length=16, choices=Channel.choices, blank=True, help_text="Blank: the source's."
    )
    default_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who gets the leads; blank leaves them in the team's queue.",
    )
    default_team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    success_message = models.CharField(
        max_length=300, default="Thank you! We will get back to you shortly."
    )
    max_submissions_per_ip = models.PositiveSmallIntegerField(
        default=5, help_text="Submissions one address may send in 10 minutes."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(default_owner__isnull=False)
                | models.Q(default_team__isnull=False),
                name="capture_form_has_owner_or_team",
            )
        ]

    def __str__(self) -> str:
        return self.name


class SubmissionOutcome(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    INVALID = "invalid", "Invalid input"
    SPAM = "spam", "Spam (honeypot filled)"
    RATE_LIMITED = "rate_limited", "Too many from this address"
    CLOSED = "closed", "Form inactive"


class FormSubmission(models.Model):
    """One attempt to submit a capture form; the rate limit counts these rows."""

    form = models.ForeignKey(LeadCaptureForm, on_delete=models.CASCADE, related_name="submissions")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    submitted_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=SubmissionOutcome.choices)
    lead = models.ForeignKey(
        "Lead", on_delete=models.SET_NULL, null=True, blank=True, related_name="submissions"
    )

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["form", "ip_address", "submitted_at"], name="submission_rate_idx"),
            models.Index(fields=["submitted_at"], name="submission_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.form_id} {self.ip_address} {self.outcome}"


class ProfileDimension(models.TextChoices):
    INDUSTRY = "industry", "Industry"
    SIZE_BAND = "size_band", "Company size"
    REGION = "region", "Region"
    ROLE = "role", "Role (word in the job title)"


class ProfileCriterion(models.Model):
    """One trait of the ideal customer; a lead's fit is the weight it matches of the total."""

    dimension = models.CharField(max_length=16, choices=ProfileDimension.choices)
    value = models.CharField(max_length=100)
    weight = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["dimension", "-weight", "value"]
        verbose_name_plural = "profile criteria"
        constraints = [
            models.UniqueConstraint(fields=["dimension", "value"], name="profile_criterion_unique"),
            models.CheckConstraint(
                condition=models.Q(weight__gte=1, weight__lte=100),
                name="profile_criterion_weight_1_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_dimension_display()}: {self.value} ({self.weight})"


class ScoreCategory(models.TextChoices):
    FIT = "fit", "Fit"
    BANT = "bant", "BANT"
    ENGAGEMENT = "engagement", "Engagement"


class ScoreCondition(models.TextChoices):
    """What a scoring rule looks at; `threshold` means what the label says."""

    PROFILE_FIT = "profile_fit", "Profile fit of at least [threshold] %"
    BUDGET_CONFIRMED = "budget_confirmed", "Budget confirmed"
    BUDGET_AT_LEAST = "budget_at_least", "Budget of at least [threshold]"
    IS_DECISION_MAKER = "is_decision_maker", "Talks to the decision maker"
    NEED_STATED = "need_stated", "Need written down"
    PAIN_LEVEL_GTE = "pain_level_gte", "Pain level of at least [threshold]"
    TIMELINE_WITHIN_DAYS = "timeline_within_days", "Buys within [threshold] days"
    EMAIL_REPLIED = "email_replied", "Replied to an email ([threshold] times)"
    MEETING_HELD = "meeting_held", "Meeting held ([threshold] times)"
    VISIT_HELD = "visit_held", "Visit held ([threshold] times)"
    DEMO_REQUESTED = "demo_requested", "Demo requested or held"
    FORM_FILLED = "form_filled", "Filled in a web form"
    NO_ACTIVITY_DAYS = "no_activity_days", "No activity for [threshold] days"


CONDITION_CATEGORY = {
    ScoreCondition.PROFILE_FIT: ScoreCategory.FIT,
    ScoreCondition.BUDGET_CONFIRMED: ScoreCategory.BANT,
    ScoreCondition.BUDGET_AT_LEAST: ScoreCategory.BANT,
    ScoreCondition.IS_DECISION_MAKER: ScoreCategory.BANT,
    ScoreCondition.NEED_STATED: ScoreCategory.BANT,
    ScoreCondition.PAIN_LEVEL_GTE: ScoreCategory.BANT,
    ScoreCondition.TIMELINE_WITHIN_DAYS: ScoreCategory.BANT,
    ScoreCondition.EMAIL_REPLIED: ScoreCategory.ENGAGEMENT,
    ScoreCondition.MEETING_HELD: ScoreCategory.ENGAGEMENT,
    ScoreCondition.VISIT_HELD: ScoreCategory.ENGAGEMENT,
    ScoreCondition.DEMO_REQUESTED: ScoreCategory.ENGAGEMENT,
    ScoreCondition.FORM_FILLED: ScoreCategory.ENGAGEMENT,
    ScoreCondition.NO_ACTIVITY_DAYS: ScoreCategory.ENGAGEMENT,
}


class ScoringRule(models.Model):
    """One explainable line of a lead's score: "+20 budget confirmed"."""

    name = models.CharField(max_length=150, help_text="Shown in the score's explanation.")
    condition = models.CharField(max_length=32, choices=ScoreCondition.choices)
    threshold = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Percent, amount, level, days or count, as the condition says.",
    )
    points = models.SmallIntegerField(help_text="Negative to lower the score.")
    half_life_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Engagement only: the points halve every this many days since it happened.",
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(condition__in=ScoreCondition.values),
                name="scoring_rule_known_condition",
            ),
            models.CheckConstraint(
                condition=models.Q(half_life_days__isnull=True) | models.Q(half_life_days__gt=0),
                name="scoring_rule_half_life_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.points:+d} {self.name}"

    @property
    def category(self) -> str:
        return CONDITION_CATEGORY[ScoreCondition(self.condition)]


class LeadScoringSettings(models.Model):
    """Grade thresholds; a single row (pk=1), see `scoring_settings()`."""

    hot_min = models.SmallIntegerField(default=60, help_text="A score from here up is hot.")
    warm_min = models.SmallIntegerField(default=30, help_text="A score from here up is warm.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "lead scoring settings"
        verbose_name_plural = "lead scoring settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pk=1), name="lead_scoring_settings_single_row"
            ),
            models.CheckConstraint(
                condition=models.Q(hot_min__gt=models.F("warm_min")),
                name="lead_scoring_hot_above_warm",
            ),
        ]

    def __str__(self) -> str:
        return f"Hot from {self.hot_min}, warm from {self.warm_min}"


class Grade(models.TextChoices):
    HOT = "hot", "Hot"
    WARM = "warm", "Warm"
    COLD = "cold", "Cold"


class AssignmentRule(models.Model):
    """Where routed leads go: the first active rule (lowest priority) that matches wins."""

    name = models.CharField(max_length=150)
    priority = models.PositiveSmallIntegerField(default=100, help_text="Lower goes first.")
    region = models.CharField(max_length=100, blank=True, help_text="Blank matches any.")
    industry = models.CharField(max_length=100, blank=True, help_text="Blank matches any.")
    size_band = models.CharField(
        max_length=16, choices=SizeBand.choices, blank=True, help_text="Blank matches any."
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="assignment_rules")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="A fixed rep; blank shares the leads round-robin among the team's reps.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority", "pk"]

    def __str__(self) -> str:
        return self.name


class TeamRoundRobin(models.Model):
    """The rep of a team who got the last routed lead; locked while choosing the next."""

    team = models.OneToOneField(
        Team, on_delete=models.CASCADE, primary_key=True, related_name="round_robin"
    )
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.team_id}: {self.last_assigned_id}"


class Lead(OwnedModel, VersionedModel, TimeStampedModel):
    """A person (and usually a company) who may buy, before qualification."""

    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=150, blank=True, help_text="Job title")
    email = models.EmailField(blank=True, db_index=True)
    phone = models.CharField(max_length=32, blank=True, db_index=True, help_text="E.164")
    company = models.CharField(max_length=200, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    size_band = models.CharField(max_length=16, choices=SizeBand.choices, blank=True)
    region = models.CharField(max_length=100, blank=True)
    website = models.URLField(blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    source = models.CharField(max_length=32, choices=Source.choices)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )
    status = models.CharField(
        max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW, db_index=True
    )
    notes = models.TextField(blank=True)
    external_id = models.CharField(max_length=100, blank=True, db_index=True)
    qualification = models.OneToOneField(
        Qualification, on_delete=models.SET_NULL, null=True, blank=True, related_name="lead"
    )
    # Derived by the services, never typed in: the company name's comparable core.
    company_key = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    capture_form = models.ForeignKey(
        LeadCaptureForm, on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )
    # Scoring, recomputed by `lead_rescore` / `leads_rescore_all`.
    fit_score = models.PositiveSmallIntegerField(default=0, editable=False)
    score = models.IntegerField(default=0, editable=False)
    grade = models.CharField(
        max_length=8, choices=Grade.choices, default=Grade.COLD, editable=False
    )
    score_breakdown = models.JSONField(default=list, blank=True, editable=False)
    scored_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Assignment and first response.
    assigned_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    # Qualification outcome and conversion.
    qualified_at = models.DateTimeField(null=True, blank=True)
    disqualification_reason = models.ForeignKey(
        DisqualificationReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
    )
    disqualified_at = models.DateTimeField(null=True, blank=True)
    converted_at = models.DateTimeField(null=True, blank=True)
    converted_account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="converted_leads"
    )
    converted_contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="converted_leads"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "team", "visibility"], name="lead_access_idx"),
            models.Index(fields=["source", "status"], name="lead_source_status_idx"),
            models.Index(fields=["team", "grade", "status"], name="lead_queue_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("leads:lead-detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def display_name(self) -> str:
        return self.full_name or self.email or self.company or f"Lead #{self.pk}"

    @property
    def response_time(self) -> dt.timedelta | None:
        """From the lead's arrival to the first call, email or meeting with them."""
        if self.first_response_at is None or self.created_at is None:
            return None
        return self.first_response_at - self.created_at

    @property
    def is_converted(self) -> bool:
        return self.status == LeadStatus.CONVERTED


class LeadMerge(models.Model):
    """What a merge did, kept after the duplicate is deleted: who, when, what it held."""

    lead = models.ForeignKey(
        Lead,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="merges",
        help_text="The lead that was kept (or, for a merge into a contact, the merged lead).",
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="lead_merges"
    )
    duplicate_id = models.BigIntegerField(help_text="The id the merged lead had.")
    duplicate_data = models.JSONField(default=dict, help_text="Its fields when it was merged.")
    fields_filled = models.JSONField(default=list)
    activities_moved = models.PositiveIntegerField(default=0)
    merged_at = models.DateTimeField()
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-merged_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lead__isnull=False) | models.Q(contact__isnull=False),
                name="lead_merge_has_target",
            )
        ]

    def __str__(self) -> str:
        return f"Lead #{self.duplicate_id} merged {self.merged_at:%Y-%m-%d}"
