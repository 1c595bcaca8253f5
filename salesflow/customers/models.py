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
    """The tiers a new installation starts with (seeded as `TierLevel` rows by a migration).

    Admins add, rename, reorder and retire tiers (`TierLevel`); `Account.tier` holds a tier's
    code and the services check it against the active tiers (`active_tiers`).
    """

    A = "A", "A (key account)"
    B = "B", "B"
    C = "C", "C"


class ContactChannel(models.TextChoices):
    """How a tier's accounts are preferably contacted: the activity types of a contact."""

    CALL = "call", "Call"
    EMAIL = "email", "Email"
    MEETING = "meeting", "Meeting"
    VISIT = "visit", "Visit"
    DEMO = "demo", "Demo"


class TierLevel(VersionedModel, TimeStampedModel):
    """A tier of accounts (A, B, C ... as admins define them) with its contact cadence: an
    account of the tier is due for contact `contact_every_days` after its last contact."""

    code = models.CharField(
        max_length=16, unique=True, help_text="Short, as accounts and imports name the tier."
    )
    name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(default=0, help_text="1 is the top tier.")
    contact_every_days = models.PositiveSmallIntegerField(
        "contact every (days)", default=30, validators=[MinValueValidator(1)]
    )
    channel = models.CharField(
        "preferred channel",
        max_length=16,
        choices=ContactChannel.choices,
        default=ContactChannel.CALL,
    )
    is_active = models.BooleanField(
        default=True, help_text="A retired tier is no longer offered; its accounts keep it."
    )

    class Meta:
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact_every_days__gte=1), name="tier_contact_every_positive"
            )
        ]

    def __str__(self) -> str:
        return self.name or self.code


class ActiveTiers:
    """The active tiers as `choices` and `values`, read from the database each time: it stands
    where a `TextChoices` class stood (the account form, imports, the API), so a tier an admin
    adds is offered at once."""

    @property
    def choices(self) -> list[tuple[str, str]]:
        rows = TierLevel.objects.filter(is_active=True).order_by("position", "code")
        return list(rows.values_list("code", "name"))

    @property
    def values(self) -> list[str]:
        return [code for code, _name in self.choices]

    @property
    def labels(self) -> list[str]:
        return [name for _code, name in self.choices]


active_tiers = ActiveTiers()


def tier_names() -> dict[str, str]:
    """Every tier's name by code, retired ones included (old accounts and reports name them)."""
    return dict(TierLevel.objects.values_list("code", "name"))


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
    # The code of a `TierLevel`; checked against the active tiers by the services.
    tier = models.CharField(max_length=16, default=Tier.C)
    # Set by hand: the tier rules (salesflow.followup) never change it.
    tier_by_hand = models.BooleanField(
        "tier set by hand",
        default=False,
        help_text="The tier rules never change a tier set by hand.",
    )
    # Kept by salesflow.followup: the latest done contact (call, email, meeting, visit, demo,
    # invitation) on the account, its contacts or its deals; and the day the next one is due
    # (last contact, or the account's creation, plus the tier's cadence).
    last_contact_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_contact_due_on = models.DateField(null=True, blank=True, editable=False)
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
            # The list's order with the access rule's columns (issue #10, lists).
            models.Index(
                fields=["name", "id", "owner", "team", "visibility"], name="account_list_idx"
            ),
            models.Index(fields=["next_contact_due_on"], name="account_contact_due_idx"),
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
            # The list's order with the access rule's columns (issue #10, lists).
            models.Index(
                fields=["last_name", "first_name", "id", "owner", "team", "visibility"],
                name="contact_list_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("customers:contact-detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
