"""Leads and what they carry: source and channel, campaign, BANT, status, merges."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from salesflow.core.models import TimeStampedModel, VersionedModel
from salesflow.core.normalize import NAME_KEY_MAX_LENGTH
from salesflow.customers.models import Account, Contact, SizeBand
from salesflow.leads.models.scoring import Grade
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


class DisqualificationReason(models.Model):
    """Why a lead was dropped; admins keep the list, retired reasons stay for history."""

    name = models.CharField(max_length=150, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


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
    # The source as the file or form gave it ("Welingak Website", "google"), kept as written
    # next to the normalised `source`; list and API filters match it ignoring case.
    source_detail = models.CharField(
        max_length=100, blank=True, db_index=True, verbose_name="source as given"
    )
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
    # Derived by the services, never typed in: the company name's comparable core, and the
    # person's "first last" with case and spacing folded.
    company_key = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    name_key = models.CharField(max_length=NAME_KEY_MAX_LENGTH, blank=True, editable=False)
    capture_form = models.ForeignKey(
        "leads.LeadCaptureForm",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
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

    # Values of the custom fields admins define for this kind of record (salesflow.customfields).
    custom = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "team", "visibility"], name="lead_access_idx"),
            # The lead list's default order with the access rule's columns (issue #10, lists).
            models.Index(
                fields=["score", "created_at", "id", "owner", "team", "visibility"],
                name="lead_list_idx",
            ),
            models.Index(fields=["source", "status"], name="lead_source_status_idx"),
            models.Index(fields=["team", "grade", "status"], name="lead_queue_idx"),
            models.Index(fields=["name_key"], name="lead_name_key_idx"),
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
