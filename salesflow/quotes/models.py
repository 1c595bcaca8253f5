"""Products, quotes (proposals) and their lines.

A quote belongs to a deal and follows the deal's access. A quote is revised, not rewritten:
`quote_revise` copies it into the next revision (same number, v2, v3, ...) and marks the old one
superseded, so what the customer was sent stays as it was. Money is Decimal in the quote's
currency; totals come from `selectors.quote_totals`, never from the templates.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from salesflow.core.config_cache import ConfigQuerySet
from salesflow.core.models import TimeStampedModel, VersionedModel
from salesflow.core.normalize import name_key
from salesflow.pipeline.models import Deal

PERCENT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


def validate_more_than_zero(value: Decimal) -> None:
    if value is not None and value <= 0:
        raise ValidationError("Enter a quantity greater than zero.", code="min_value")


def _percent_field(
    verbose_name: str, *, default: int | Decimal = 0, help_text: str = ""
) -> models.DecimalField:
    return models.DecimalField(
        verbose_name,
        max_digits=5,
        decimal_places=2,
        default=Decimal(default),
        validators=PERCENT_VALIDATORS,
        help_text=help_text,
    )


def _money_field(verbose_name: str, **kwargs: object) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=14, decimal_places=2, validators=[MinValueValidator(0)], **kwargs
    )


class Product(VersionedModel, TimeStampedModel):
    """An item of the catalogue an admin keeps; retired products stay for old quotes and deals.

    `name_key` is the name with case and spacing folded (`core.normalize.name_key`): imports and
    pickers find "widget  PRO" as "Widget Pro". The code (SKU) is optional, unique when given.
    """

    name = models.CharField(max_length=200)
    name_key = models.CharField(max_length=200, db_index=True, editable=False, default="")
    sku = models.CharField("code (SKU)", max_length=64, blank=True)
    category = models.CharField(
        "category / series", max_length=100, blank=True, help_text="E.g. the product line."
    )
    description = models.TextField(blank=True)
    unit_price = _money_field("list price")
    currency = models.CharField(max_length=3, default="EUR")
    tax_rate = _percent_field("tax rate (%)")
    is_active = models.BooleanField(default=True)

    objects = ConfigQuerySet.as_manager()  # bulk writes change the config version

    class Meta:
        ordering = ["name", "sku"]
        constraints = [
            models.UniqueConstraint(
                fields=["sku"], condition=~Q(sku=""), name="product_sku_unique"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="product_unit_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="product_tax_rate_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})" if self.sku else self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.name_key = name_key(self.name)
        super().save(*args, **kwargs)


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING_APPROVAL = "pending_approval", "Waiting for approval"
    APPROVED = "approved", "Approved"
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded"


class Quote(VersionedModel, TimeStampedModel):
    """One revision of a proposal to the customer of a deal.

    `revision` counts the negotiation rounds (v1, v2, ...); `version`, from VersionedModel, is
    the optimistic-lock counter every change bumps, line changes included.
    """

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="quotes")
    number = models.CharField(max_length=20, help_text="Q-<year>-<sequence>, kept by revisions.")
    revision = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=20, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT, db_index=True
    )
    currency = models.CharField(max_length=3, default="EUR")
    discount_percent = _percent_field(
        "quote discount (%)", help_text="Taken off every line, after the line's own discount."
    )
    valid_until = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True, help_text="Printed on the proposal.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(
        null=True, blank=True, help_text="When the customer accepted or rejected it."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["number", "revision"], name="quote_number_revision_unique"
            ),
            models.UniqueConstraint(
                fields=["number"],
                condition=~Q(status="superseded"),
                name="quote_one_current_revision",
            ),
            models.CheckConstraint(condition=Q(revision__gte=1), name="quote_revision_from_1"),
            models.CheckConstraint(
                condition=Q(status__in=QuoteStatus.values), name="quote_status_known"
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100),
                name="quote_discount_0_100",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["sent", "accepted", "rejected"])
                | Q(sent_at__isnull=False),
                name="quote_sent_has_sent_at",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["accepted", "rejected"]) | Q(decided_at__isnull=False),
                name="quote_decided_has_decided_at",
            ),
        ]
        indexes = [models.Index(fields=["deal", "status"], name="quote_deal_status_idx")]

    def __str__(self) -> str:
        return f"{self.number} v{self.revision}"

    @property
    def is_editable(self) -> bool:
        """Lines and terms change only while the quote is a draft."""
        return self.status == QuoteStatus.DRAFT


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="quote_lines"
    )
    description = models.TextField()
    quantity = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal(1), validators=[validate_more_than_zero]
    )
    unit_price = _money_field("unit price")
    discount_percent = _percent_field("discount (%)")
    tax_rate = _percent_field("tax rate (%)")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["quote", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="quoteline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="quoteline_unit_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100),
                name="quoteline_discount_0_100",
            ),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="quoteline_tax_rate_0_100"
            ),
        ]

    def __str__(self) -> str:
        return self.description


class DealLine(models.Model):
    """A product on a deal: what the customer is buying, before (and beside) any quote.

    The price is in the deal's currency. When the deal's `amount_from_lines` is on, the
    services keep the deal's amount equal to the lines' total (`selectors.deal_lines_total`).
    """

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="deal_lines")
    quantity = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal(1), validators=[validate_more_than_zero]
    )
    unit_price = _money_field("unit price")
    discount_percent = _percent_field("discount (%)")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["deal", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="dealline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="dealline_unit_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100),
                name="dealline_discount_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity:g} x {self.product.name}"

    @property
    def total(self) -> Decimal:
        gross = self.quantity * self.unit_price
        return (gross * (100 - self.discount_percent) / 100).quantize(Decimal("0.01"))


class QuoteStatusChange(models.Model):
    """One move of a quote between statuses; written only by services."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=QuoteStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=QuoteStatus.choices)
    changed_at = models.DateTimeField(db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True, help_text="E.g. the customer's objection on rejection.")

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.quote_id}: {self.from_status or '-'} -> {self.to_status}"


class QuoteSettings(models.Model):
    """How quotes work in this organisation; a single row (pk=1), see `quote_settings()`."""

    approval_discount_threshold = _percent_field(
        "approval discount threshold (%)",
        default=15,
        help_text="A quote with a discount above this needs a manager's approval before sending.",
    )
    validity_days = models.PositiveSmallIntegerField(
        default=30, help_text="A new quote is valid this many days unless the rep says otherwise."
    )
    company_name = models.CharField(
        max_length=200, blank=True, help_text="Printed at the top of every proposal."
    )
    company_details = models.TextField(
        blank=True, help_text="Address, registration and tax numbers, contact: printed under it."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "quote settings"
        verbose_name_plural = "quote settings"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="quote_settings_single_row"),
            models.CheckConstraint(
                condition=Q(
                    approval_discount_threshold__gte=0, approval_discount_threshold__lte=100
                ),
                name="quote_settings_threshold_0_100",
            ),
        ]

    def __str__(self) -> str:
        return "Quote settings"
