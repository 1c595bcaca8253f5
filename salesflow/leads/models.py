from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from salesflow.core.models import TimeStampedModel, VersionedModel
from salesflow.customers.models import SizeBand
from salesflow.users.models import OwnedModel


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

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "team", "visibility"], name="lead_access_idx"),
            models.Index(fields=["source", "status"], name="lead_source_status_idx"),
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
