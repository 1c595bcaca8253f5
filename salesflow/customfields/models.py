"""Fields an admin adds to leads, contacts, accounts, deals and activities.

A definition is a row here; the values live with each record, in its `custom` JSON column, keyed
by the definition's `key` (see `salesflow.customfields.values` for how each type is stored).
"""

from __future__ import annotations

from django.db import models

from salesflow.core.config_cache import ConfigQuerySet
from salesflow.core.models import TimeStampedModel


class RecordKind(models.TextChoices):
    LEAD = "lead", "Lead"
    CONTACT = "contact", "Contact"
    ACCOUNT = "account", "Account"
    DEAL = "deal", "Deal"
    ACTIVITY = "activity", "Activity"


# The model holding each kind's records, by app label and model name: this app sits below the
# apps that own those models, so it names them instead of importing them.
KIND_MODELS = {
    RecordKind.LEAD: ("leads", "Lead"),
    RecordKind.CONTACT: ("customers", "Contact"),
    RecordKind.ACCOUNT: ("customers", "Account"),
    RecordKind.DEAL: ("pipeline", "Deal"),
    RecordKind.ACTIVITY: ("activities", "Activity"),
}


class FieldType(models.TextChoices):
    TEXT = "text", "Text"
    LONG_TEXT = "long_text", "Long text"
    NUMBER = "number", "Whole number"
    DECIMAL = "decimal", "Decimal number"
    MONEY = "money", "Money"
    DATE = "date", "Date"
    DATETIME = "datetime", "Date and time"
    YES_NO = "yes_no", "Yes/no"
    CHOICE = "choice", "One choice"
    CHOICES = "choices", "Several choices"
    URL = "url", "Web address"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    USER = "user", "A user"


class CustomField(TimeStampedModel):
    """One admin-defined field of one kind of record.

    The `key` names the value in every record's `custom` object, in the API, in filters
    (`custom.<key>`) and in import mappings; it never changes, so renaming the label loses
    nothing. Choices are a list of `{"key", "label", "archived"}` in their order: a choice's key
    is what records store, so its label can be renamed and an archived choice keeps its values.
    Removing a field archives it: its values stay on the records and come back if it is
    restored.
    """

    kind = models.CharField(max_length=10, choices=RecordKind.choices)
    key = models.SlugField(
        max_length=50,
        allow_unicode=False,
        help_text="Lower-case letters, digits and underscores; cannot change later.",
    )
    label = models.CharField(max_length=100)
    type = models.CharField(max_length=10, choices=FieldType.choices)
    help_text = models.CharField(max_length=300, blank=True)
    is_required = models.BooleanField("required", default=False)
    default = models.JSONField(null=True, blank=True)
    choices = models.JSONField(default=list, blank=True)
    currency = models.CharField(
        max_length=3, blank=True, help_text="For money fields: the ISO currency of the amounts."
    )
    section = models.CharField(
        max_length=60, blank=True, help_text="The heading the field is grouped under on forms."
    )
    position = models.PositiveIntegerField(default=0)
    is_personal = models.BooleanField(
        "personal data",
        default=False,
        help_text="Exported and erased with the person by privacy requests.",
    )
    is_outcome = models.BooleanField(
        "records the outcome",
        default=False,
        help_text="Filled only once a lead or deal is won or lost; never offered to learned "
        "models as a feature.",
    )
    show_in_list = models.BooleanField("list column", default=False)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = ConfigQuerySet.as_manager()  # bulk writes change the config version

    class Meta:
        ordering = ["kind", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="custom_field_key_unique"),
            models.CheckConstraint(
                condition=models.Q(key__regex=r"^[a-z][a-z0-9_]*$"),
                name="custom_field_key_is_an_identifier",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.label}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_choice(self) -> bool:
        return self.type in (FieldType.CHOICE, FieldType.CHOICES)

    def choice_keys(self, *, active_only: bool = False) -> list[str]:
        return [
            choice["key"] for choice in self.choices if not (active_only and choice.get("archived"))
        ]

    def choice_label(self, key: str) -> str:
        for choice in self.choices:
            if choice["key"] == key:
                return choice["label"]
        return key
