"""What a segment's filter may say, and which contacts it selects.

A segment's `filters` is a JSON object with any of these keys (all optional; each given key
narrows the segment; a list matches any of its values):

- `industry`, `region`: lists of account values (exact, any capitals);
- `size_band`, `tier`: lists of the account's size bands and tiers;
- `owner_id`, `team_id`: the contact's owner or team;
- `has_consent`: true or false (a campaign skips contacts without consent anyway);
- `custom`: contact custom-field filters, `{"custom.<key>[__gte|__lte|__in|__isnull]": value}`;
- `account_custom`: the same over the account's custom fields;
- `contact_ids`, `account_ids`: explicit members added from the contact and account lists'
  "Add to segment" bulk action: those contacts (and the contacts of those accounts) belong to
  the segment whatever the other keys say (given alone, they are the whole segment).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from salesflow.customers.models import Account, Contact, SizeBand, Tier
from salesflow.customfields.selectors import PREFIX, custom_filter_q
from salesflow.users import policy
from salesflow.users.models import Team, User

LIST_KEYS = {
    "industry": None,
    "region": None,
    "size_band": SizeBand.values,
    "tier": Tier.values,
}
ID_KEYS = ("contact_ids", "account_ids")
KEYS = (*LIST_KEYS, "owner_id", "team_id", "has_consent", "custom", "account_custom", *ID_KEYS)


def _text_list(name: str, value: Any, allowed: list[str] | None) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValidationError({name: "Give a list of texts."})
    values = [v.strip() for v in values if v.strip()]
    if allowed is not None:
        wrong = [v for v in values if v not in allowed]
        if wrong:
            raise ValidationError(
                {name: f"Unknown value {wrong[0]!r}; choose from {', '.join(allowed)}."}
            )
    return values


def _custom(name: str, value: Any, kind: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError({name: "Give an object of custom.<key> filters."})
    clean = {}
    for key, raw in value.items():
        if not str(key).startswith(PREFIX):
            raise ValidationError({name: f"Filter {key!r} must start with {PREFIX!r}."})
        # The list filters' syntax: every value is text ("true", "5", "a,b" for __in).
        if isinstance(raw, bool):
            raw = "true" if raw else "false"
        elif isinstance(raw, int | float):
            raw = str(raw)
        elif not isinstance(raw, str):
            raise ValidationError({name: f"Give {key!r} a text, number or true/false."})
        clean[key] = raw
    try:
        custom_filter_q(kind, clean)
    except ValidationError as error:
        raise ValidationError({name: " ".join(error.messages)}) from None
    return clean


def segment_filters_clean(filters: Any) -> dict[str, Any]:
    """The filter as stored: checked, blanks dropped. Raises ValidationError naming the key."""
    if filters is None:
        return {}
    if not isinstance(filters, dict):
        raise ValidationError({"filters": "Give the filters as an object."})
    unknown = sorted(set(filters) - set(KEYS))
    if unknown:
        raise ValidationError({"filters": f"Unknown filter {unknown[0]!r}; use {', '.join(KEYS)}."})
    clean: dict[str, Any] = {}
    for name, allowed in LIST_KEYS.items():
        if filters.get(name) in (None, "", []):
            continue
        if values := _text_list(name, filters[name], allowed):
            clean[name] = values
    for name, model in (("owner_id", User), ("team_id", Team)):
        value = filters.get(name)
        if value in (None, ""):
            continue
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
            raise ValidationError({name: "Give a number."})
        if not model.objects.filter(pk=int(value)).exists():
            raise ValidationError({name: f"There is no {model._meta.verbose_name} {value}."})
        clean[name] = int(value)
    consent = filters.get("has_consent")
    if consent is not None and consent != "":
        if not isinstance(consent, bool):
            raise ValidationError({"has_consent": "Give true or false."})
        clean["has_consent"] = consent
    for name, kind in (("custom", "contact"), ("account_custom", "account")):
        if filters.get(name):
            clean[name] = _custom(name, filters[name], kind)
    for name in ID_KEYS:
        if filters.get(name) in (None, "", []):
            continue
        ids = filters[name]
        if not isinstance(ids, list) or not all(
            isinstance(pk, int) and not isinstance(pk, bool) and 0 < pk < 2**62 for pk in ids
        ):
            raise ValidationError({name: "Give a list of record ids."})
        clean[name] = sorted(set(ids))
    return clean


def segment_q(filters: dict[str, Any]) -> Q:
    """The contacts a (clean) filter selects: those its keys select, plus its explicit
    members (`contact_ids`, `account_ids`)."""
    query = _segment_filter_q(filters)
    members = Q(pk__in=[])
    if filters.get("contact_ids"):
        members |= Q(pk__in=filters["contact_ids"])
    if filters.get("account_ids"):
        members |= Q(account_id__in=filters["account_ids"])
    if not (filters.get("contact_ids") or filters.get("account_ids")):
        return query
    if not any(filters.get(key) not in (None, "", [], {}) for key in KEYS if key not in ID_KEYS):
        return members
    return query | members


def _segment_filter_q(filters: dict[str, Any]) -> Q:
    query = Q()
    for name in ("industry", "region"):
        if values := filters.get(name):
            any_of = Q()
            for value in values:
                any_of |= Q(**{f"account__{name}__iexact": value})
            query &= any_of
    for name in ("size_band", "tier"):
        if values := filters.get(name):
            query &= Q(**{f"account__{name}__in": values})
    if filters.get("owner_id"):
        query &= Q(owner_id=filters["owner_id"])
    if filters.get("team_id"):
        query &= Q(team_id=filters["team_id"])
    if "has_consent" in filters:
        query &= Q(has_consent=filters["has_consent"])
    if filters.get("custom"):
        query &= custom_filter_q("contact", filters["custom"])
    if filters.get("account_custom"):
        account_q = custom_filter_q("account", filters["account_custom"])
        query &= Q(account__in=Account.objects.filter(account_q).values("pk"))
    return query


def segment_members(
    user: Any, filters: dict[str, Any], *, strict: bool = False
) -> QuerySet[Contact]:
    """The segment's contacts among those `user` may read, in name order.

    A filter that no longer works (its custom field was removed) selects nobody, or with
    `strict` raises ValidationError on `segment` (a campaign must not go out on a guess)."""
    try:
        query = segment_q(filters)
    except ValidationError as error:
        if strict:
            raise ValidationError(
                {"segment": f"The segment's filter no longer works: {' '.join(error.messages)}"}
            ) from None
        return Contact.objects.none()
    # By the policy itself: a contact seen only as a readable deal's primary contact is left
    # out, since the sender could not record the email on its timeline.
    return (
        Contact.objects.filter(policy.readable_q(user))
        .filter(query)
        .select_related("account", "owner")
        .order_by("last_name", "first_name", "pk")
    )
