"""Writing lead scoring rules (admins), the custom-field conditions included; how rules score
a lead is `salesflow.leads.scoring`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from salesflow.core.services import fields_assign
from salesflow.customfields.models import CustomField
from salesflow.leads.models import CUSTOM_CONDITIONS, ScoringRule
from salesflow.users.policy import require_admin

SCORING_RULE_FIELDS = {
    "name", "condition", "threshold", "threshold_max", "custom_field", "values", "points",
    "half_life_days", "position", "is_active",
}  # fmt: skip


def _choice_keys(field_: CustomField, raw: Any) -> Any:
    """Choices given by key or by label (case and spacing ignored) as keys, in the field's
    order; an unknown one is kept as given, for the rule's check to name it."""
    if not isinstance(raw, list | tuple):
        return raw
    by_name = {}
    for choice in field_.choices:
        by_name[" ".join(choice["label"].split()).casefold()] = choice["key"]
        by_name[choice["key"].casefold()] = choice["key"]
    wanted = [str(item).strip() for item in raw if str(item).strip()]
    keys = {by_name.get(" ".join(item.split()).casefold(), item) for item in wanted}
    known = [key for key in field_.choice_keys() if key in keys]
    return known + sorted(keys - set(known))


def scoring_custom_field_get(key: str) -> CustomField:
    """The lead custom field with this key, for a scoring rule (the API names fields by key).

    With no lead field of that key, another kind's field of that key, which the rule's check
    refuses as not a lead field; with none at all, refused here naming the key."""
    found = CustomField.objects.filter(key=key).order_by("pk")
    field_ = found.filter(kind="lead").first() or found.first()
    if field_ is None:
        raise ValidationError({"custom_field": f"There is no lead field with the key {key!r}."})
    return field_


@transaction.atomic
def scoring_rule_save(rule: ScoringRule, *, acting_user: Any, **changes: Any) -> ScoringRule:
    """Create (an unsaved `rule`) or change a scoring rule (admins).

    As `lead_setting_save`, with the custom-field conditions: `custom_field` is a lead
    `CustomField` (an archived one is refused), `values` its choices by key or label (stored as
    keys). A custom-field rule may have no name: it is then named by what it tests, in the
    field's current labels ("Total visits of at least 5"). Switching to a condition that reads
    no field drops the field, range end and choices not given with it. Errors name the field.
    Scores change when leads are next rescored.
    """
    require_admin(acting_user)
    if isinstance(changes.get("name"), str):
        changes["name"] = changes["name"].strip()
    changed = fields_assign(rule, changes, allowed=SCORING_RULE_FIELDS)
    field_ = rule.custom_field
    if "custom_field" in changed and field_ is not None and field_.archived_at is not None:
        raise ValidationError(
            {"custom_field": f"{field_.label} is archived; restore it to score on it."}
        )
    if rule.condition not in CUSTOM_CONDITIONS:
        leftovers = {"custom_field": None, "threshold_max": None, "values": []}
        for name, empty in leftovers.items():
            if name not in changes and getattr(rule, name) != empty:
                setattr(rule, name, empty)
                changed.append(name)
    elif field_ is not None and "values" in changes:
        rule.values = _choice_keys(field_, rule.values)
    if changed or rule.pk is None:
        rule.full_clean()
        rule.save()
    return rule
