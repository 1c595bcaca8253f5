"""Forms of the follow-up settings pages (admins): tiers and the tier rules."""

from __future__ import annotations

from typing import Any

from salesflow.core.forms import VersionedServiceForm
from salesflow.customers.models import TierLevel
from salesflow.followup.models import TierRule


class TierForm(VersionedServiceForm):
    fieldsets = [
        ("Tier", ["code", "name"]),
        ("Cadence", ["contact_every_days", "channel"]),
        ("", ["is_active"]),
    ]

    class Meta:
        model = TierLevel
        fields = ["code", "name", "contact_every_days", "channel", "is_active"]
        labels = {"is_active": "Active (offered for accounts)"}
        help_texts = {
            "code": "Short (A, B, Gold): accounts, imports and the API name the tier by it.",
            "contact_every_days": "An account of this tier is due for contact this many days "
            "after its last contact.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.record is None:
            del self.fields["is_active"]

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.fields}


class TierRuleForm(VersionedServiceForm):
    fieldsets = [("Rule", ["tier", "metric", "threshold", "months", "is_active"])]

    class Meta:
        model = TierRule
        fields = ["tier", "metric", "threshold", "months", "is_active"]
        labels = {"threshold": "At least", "is_active": "Active"}
        help_texts = {"threshold": "In the accounts' and deals' currency, as entered."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tier"].queryset = TierLevel.objects.filter(is_active=True).order_by(
            "position", "code"
        )
        self.fields["tier"].empty_label = None
