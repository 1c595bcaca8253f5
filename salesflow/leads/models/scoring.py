"""Lead scoring: the ideal customer profile, scoring rules and grade thresholds."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from salesflow.customfields.models import CustomField, FieldType, RecordKind


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
    CUSTOM = "custom", "Custom fields"


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
    # On a lead custom field (`custom_field`):
    CUSTOM_NUMBER_RANGE = (
        "custom_number_range",
        "Custom field: number of at least [threshold] and/or at most [at most]",
    )
    CUSTOM_CHOICE_IN = "custom_choice_in", "Custom field: choice is one of [choices]"
    CUSTOM_YES = "custom_yes", "Custom field: yes/no is yes"
    CUSTOM_NO = "custom_no", "Custom field: yes/no is no"
    CUSTOM_DATE_WITHIN = "custom_date_within", "Custom field: date in the last [threshold] days"


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
    ScoreCondition.CUSTOM_NUMBER_RANGE: ScoreCategory.CUSTOM,
    ScoreCondition.CUSTOM_CHOICE_IN: ScoreCategory.CUSTOM,
    ScoreCondition.CUSTOM_YES: ScoreCategory.CUSTOM,
    ScoreCondition.CUSTOM_NO: ScoreCategory.CUSTOM,
    ScoreCondition.CUSTOM_DATE_WITHIN: ScoreCategory.CUSTOM,
}

# The lead custom field types each custom-field condition reads.
CUSTOM_FIELD_TYPES: dict[str, tuple[str, ...]] = {
    ScoreCondition.CUSTOM_NUMBER_RANGE: (FieldType.NUMBER, FieldType.DECIMAL, FieldType.MONEY),
    ScoreCondition.CUSTOM_CHOICE_IN: (FieldType.CHOICE, FieldType.CHOICES),
    ScoreCondition.CUSTOM_YES: (FieldType.YES_NO,),
    ScoreCondition.CUSTOM_NO: (FieldType.YES_NO,),
    ScoreCondition.CUSTOM_DATE_WITHIN: (FieldType.DATE, FieldType.DATETIME),
}
CUSTOM_CONDITIONS = tuple(CUSTOM_FIELD_TYPES)
# Conditions whose points may halve with time: since the engagement happened, or since the date.
DECAYING_CONDITIONS = (
    *(
        code
        for code, category in CONDITION_CATEGORY.items()
        if category == ScoreCategory.ENGAGEMENT
    ),
    ScoreCondition.CUSTOM_DATE_WITHIN,
)


def _amount(field: CustomField | None, value: Decimal | None) -> str:
    """A threshold as people write it: 5, 2.5, 1,500, EUR 5,000."""
    if value is None:
        return ""
    number = Decimal(value)
    text = f"{number:,.0f}" if number == number.to_integral_value() else f"{number.normalize():,f}"
    if field is not None and field.type == FieldType.MONEY and field.currency:
        return f"{field.currency} {text}"
    return text


class ScoringRule(models.Model):
    """One explainable line of a lead's score: "+20 budget confirmed"."""

    name = models.CharField(
        max_length=150,
        blank=True,
        help_text="Shown in the score's explanation. A custom-field rule may have none: it is "
        "then named by what it tests.",
    )
    condition = models.CharField(max_length=32, choices=ScoreCondition.choices)
    threshold = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Percent, amount, level, days or count, as the condition says.",
    )
    custom_field = models.ForeignKey(
        CustomField,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scoring_rules",
        help_text="The lead field a custom-field condition reads.",
    )
    threshold_max = models.DecimalField(
        "at most",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Number ranges: the highest value that still counts (blank: no upper end).",
    )
    values = models.JSONField(
        "choices",
        default=list,
        blank=True,
        help_text="Custom choice conditions: the keys of the choices that count.",
    )
    points = models.SmallIntegerField(help_text="Negative to lower the score.")
    half_life_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Engagement and custom dates: the points halve every this many days since "
        "it happened.",
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
            models.CheckConstraint(
                condition=~models.Q(name="") | models.Q(condition__in=CUSTOM_CONDITIONS),
                name="scoring_rule_named_unless_on_a_custom_field",
            ),
            # A custom-field condition reads exactly one field; the others read none.
            models.CheckConstraint(
                condition=models.Q(condition__in=CUSTOM_CONDITIONS, custom_field__isnull=False)
                | (
                    ~models.Q(condition__in=CUSTOM_CONDITIONS) & models.Q(custom_field__isnull=True)
                ),
                name="scoring_rule_custom_condition_has_a_field",
            ),
            models.CheckConstraint(
                condition=models.Q(threshold_max__isnull=True)
                | models.Q(condition=ScoreCondition.CUSTOM_NUMBER_RANGE),
                name="scoring_rule_at_most_only_for_ranges",
            ),
            models.CheckConstraint(
                condition=~models.Q(condition=ScoreCondition.CUSTOM_NUMBER_RANGE)
                | models.Q(threshold__isnull=False)
                | models.Q(threshold_max__isnull=False),
                name="scoring_rule_range_has_an_end",
            ),
            models.CheckConstraint(
                condition=models.Q(threshold__isnull=True)
                | models.Q(threshold_max__isnull=True)
                | models.Q(threshold__lte=models.F("threshold_max")),
                name="scoring_rule_range_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.points:+d} {self.title}"

    def clean(self) -> None:
        """A custom-field condition needs a lead field of a type it reads, and what to compare
        that field's values with; the errors name the field."""
        errors = self._custom_field_errors()
        if errors:
            raise ValidationError(errors)

    def _custom_field_errors(self) -> dict[str, str]:
        field = self.custom_field
        if not self.name.strip() and self.condition not in CUSTOM_CONDITIONS:
            return {"name": "Give the rule a name."}
        if self.values and self.condition != ScoreCondition.CUSTOM_CHOICE_IN:
            return {"values": "Only the custom choice condition takes choices."}
        if self.threshold_max is not None and self.condition != ScoreCondition.CUSTOM_NUMBER_RANGE:
            return {"threshold_max": "Only a custom number range has a highest value."}
        if self.condition not in CUSTOM_CONDITIONS:
            if field is not None:
                return {"custom_field": "Only the custom-field conditions read a field."}
            return {}
        if field is None:
            return {"custom_field": "Choose the lead field this rule reads."}
        if field.kind != RecordKind.LEAD:
            kind = field.get_kind_display().lower()
            return {
                "custom_field": f"“{field.label}” ({field.key}) is a {kind} field; scoring "
                "rules read lead fields."
            }
        if self.field_type_problem:
            return {"custom_field": self.field_type_problem}
        low, high = self.threshold, self.threshold_max
        if self.condition == ScoreCondition.CUSTOM_NUMBER_RANGE:
            if low is None and high is None:
                return {"threshold": f"Give the lowest or the highest {field.label} that counts."}
            if low is not None and high is not None and low > high:
                return {"threshold_max": f"The highest {field.label} is below the lowest."}
        if self.condition == ScoreCondition.CUSTOM_DATE_WITHIN and (low is None or low < 0):
            return {"threshold": f"Give how many days back {field.label} counts."}
        if self.condition == ScoreCondition.CUSTOM_CHOICE_IN:
            return self._choices_errors(field)
        return {}

    def _choices_errors(self, field: CustomField) -> dict[str, str]:
        if not isinstance(self.values, list) or not self.values:
            return {"values": f"Choose at least one choice of {field.label}."}
        known = field.choice_keys()
        unknown = [value for value in self.values if value not in known]
        if unknown:
            offered = ", ".join(
                field.choice_label(key) for key in field.choice_keys(active_only=True)
            )
            return {"values": f"{field.label} has no choice {unknown[0]!r}; it has {offered}."}
        return {}

    @property
    def category(self) -> str:
        return CONDITION_CATEGORY[ScoreCondition(self.condition)]

    @property
    def title(self) -> str:
        """The rule's name, or what it tests when it has none."""
        return self.name.strip() or self.explained

    @property
    def explained(self) -> str:
        """What the rule tests, in words: "Total visits of at least 5" for a custom-field rule
        (in the field's current label and choice labels); the rule's name for the others."""
        field = self.custom_field
        if field is None or self.condition not in CUSTOM_CONDITIONS:
            return self.name
        label = field.label
        if self.condition == ScoreCondition.CUSTOM_NUMBER_RANGE:
            low, high = (_amount(field, value) for value in (self.threshold, self.threshold_max))
            if low and high:
                return f"{label} of {low}" if low == high else f"{label} between {low} and {high}"
            return f"{label} of at least {low}" if low else f"{label} of at most {high}"
        if self.condition == ScoreCondition.CUSTOM_CHOICE_IN:
            names = [field.choice_label(key) for key in self.values or []]
            listed = " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
            verb = "includes" if field.type == FieldType.CHOICES else "is"
            return f"{label} {verb} {listed}"
        if self.condition == ScoreCondition.CUSTOM_YES:
            return f"{label} is yes"
        if self.condition == ScoreCondition.CUSTOM_NO:
            return f"{label} is no"
        days = _amount(None, self.threshold)
        return f"{label} in the last {days} day{'' if days == '1' else 's'}"

    @property
    def field_type_problem(self) -> str:
        """Why the rule's custom field is not of a type its condition reads ("" when it is): the
        field's type may have changed since the rule was written."""
        field = self.custom_field
        wanted = CUSTOM_FIELD_TYPES.get(self.condition)
        if field is None or wanted is None or field.type in wanted:
            return ""
        names = " or ".join(FieldType(kind).label.lower() for kind in wanted)
        return (
            f"“{field.label}” ({field.key}) is a {field.get_type_display().lower()} field; "
            f"this condition reads a {names} field."
        )

    @property
    def not_counting_reason(self) -> str:
        """Why an active rule gives no points to any lead now ("" when it counts)."""
        field = self.custom_field
        if self.condition not in CUSTOM_CONDITIONS or field is None:
            return ""
        if field.archived_at is not None:
            return f"{field.label} is archived: the rule counts again once it is restored."
        return self.field_type_problem


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
