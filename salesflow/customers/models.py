from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from salesflow.core.models import TimeStampedModel, VersionedModel
from salesflow.core.normalize import NAME_KEY_MAX_LENGTH
from salesflow.users.models import OwnedModel


class SizeBand(models.TextChoices):
    MICRO = "1-10", "1-10 employees"
    SMALL = "11-50", "11-50 employees"
    MEDIUM = "51-200", "51-200 employees"
    LARGE = "201-1000", "201-1,000 employees"
    ENTERPRISE = "1000+", "More than 1,000 employees"


class Tier(models.TextChoices):
    A = "A", "A (key account)"
    B = "B", "B"
    C = "C", "C"


# Year founded: no company we sell to is older than this, and none is founded in the future
# (the upper bound is checked by the services against today's year).
FOUNDED_MIN_YEAR = 1000


class Account(OwnedModel, VersionedModel, TimeStampedModel):
    """A company we sell to."""

    name = models.CharField(max_length=200)
    # Derived by the services, never typed in: the name with case and spacing folded, so
    # imports, dedup and search compare names alike on SQLite and PostgreSQL.
    name_key = models.CharField(max_length=NAME_KEY_MAX_LENGTH, blank=True, editable=False)
    industry = models.CharField(max_length=100, blank=True)
    size_band = models.CharField(max_length=16, choices=SizeBand.choices, blank=True)
    region = models.CharField(max_length=100, blank=True)
    website = models.URLField(blank=True)
    tier = models.CharField(max_length=1, choices=Tier.choices, default=Tier.C)
    annual_revenue = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(max_length=3, default="EUR", help_text="Of the annual revenue.")
    employee_count = models.PositiveIntegerField(
        null=True, blank=True, verbose_name="number of employees"
    )
    founded_year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        verbose_name="year founded",
        validators=[MinValueValidator(FOUNDED_MIN_YEAR), MaxValueValidator(9999)],
    )
    # The group this company belongs to. The services refuse cycles (an account as its own
    # ancestor); deleting a parent leaves its children standing alone.
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="parent account",
    )
    notes = models.TextField(blank=True)

    # Values of the custom fields admins define for this kind of record (salesflow.customfields).
    custom = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name"], name="account_name_idx"),
            models.Index(fields=["name_key"], name="account_name_key_idx"),
            models.Index(fields=["owner", "team", "visibility"], name="account_access_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(annual_revenue__isnull=True) | Q(annual_revenue__gte=0),
                name="account_revenue_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(founded_year__isnull=True) | Q(founded_year__gte=FOUNDED_MIN_YEAR),
                name="account_founded_year_range",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="account_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:account-detail", args=[self.pk])


class Contact(OwnedModel, VersionedModel, TimeStampedModel):
    """A person at an account, with the personal profile that builds trust."""

    account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts"
    )
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    # Derived by the services, never typed in: "first last" with case and spacing folded.
    name_key = models.CharField(max_length=NAME_KEY_MAX_LENGTH, blank=True, editable=False)
    position = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True, db_index=True)
    phone = models.CharField(max_length=32, blank=True, db_index=True, help_text="E.164")
    # Personal profile (step 7 of the sales process: know the customer).
    birthday = models.DateField(null=True, blank=True)
    family = models.TextField(blank=True)
    hobbies = models.TextField(blank=True)
    education = models.TextField(blank=True)
    achievements = models.TextField(blank=True)
    places_visited = models.TextField(blank=True)
    cultural_background = models.TextField(blank=True)
    topics = models.TextField(
        "topics to talk about",
        blank=True,
        help_text="What this person likes to talk about: an opener for the next call or visit.",
    )
    notes = models.TextField(blank=True)
    has_consent = models.BooleanField(
        default=False, help_text="Agreed to receive marketing communication."
    )
    consent_at = models.DateTimeField(null=True, blank=True)
    do_not_contact = models.BooleanField(default=False)

    # Values of the custom fields admins define for this kind of record (salesflow.customfields).
    custom = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="contact_name_idx"),
            models.Index(fields=["name_key"], name="contact_name_key_idx"),
            models.Index(fields=["owner", "team", "visibility"], name="contact_access_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("customers:contact-detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
