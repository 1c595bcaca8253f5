"""Defining custom fields: admins only; renames keep values; archive keeps values; type changes
convert every value or change nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from salesflow.customfields.models import CustomField, FieldType, RecordKind
from salesflow.customfields.services import (
    custom_field_archive,
    custom_field_create,
    custom_field_restore,
    custom_field_type_change,
    custom_field_update,
    custom_values_assign,
)
from salesflow.leads.models import Lead
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def define(admin, key="origin", type_=FieldType.CHOICE, **extra) -> CustomField:
    if type_ in (FieldType.CHOICE, FieldType.CHOICES):
        extra.setdefault("choices", ["Landing Page Submission", "API"])
    return custom_field_create(
        acting_user=admin, kind=RecordKind.LEAD, key=key, label=key.title(), type=type_, **extra
    )


def test_only_an_admin_defines_fields(manager):
    with pytest.raises(PermissionDenied):
        define(manager)
    assert not CustomField.objects.exists()


@pytest.mark.parametrize("key", ["Total Visits", "1st", "total-visits", ""])
def test_a_key_must_be_an_identifier(admin_user, key):
    with pytest.raises(ValidationError) as caught:
        define(admin_user, key=key, type_=FieldType.TEXT)
    assert "key" in caught.value.message_dict


def test_a_key_is_unique_per_kind_of_record(admin_user):
    define(admin_user, key="origin")
    with pytest.raises(ValidationError, match="exists already"):
        define(admin_user, key="origin")
    custom_field_create(
        acting_user=admin_user, kind=RecordKind.DEAL, key="origin", label="O", type="text"
    )


def test_renaming_a_label_and_a_choice_keeps_every_value(admin_user, rep):
    field = define(admin_user)
    lead = LeadFactory(owner=rep, custom={"origin": "api"})
    custom_field_update(
        field,
        acting_user=admin_user,
        label="Where the lead came from",
        choices=[{"key": "landing_page_submission", "label": "Landing page"},
                 {"key": "api", "label": "Our API"}],
    )  # fmt: skip
    field.refresh_from_db()
    lead.refresh_from_db()
    assert lead.custom == {"origin": "api"}
    assert field.choice_label("api") == "Our API"
    assert field.label == "Where the lead came from"


def test_a_choice_left_out_is_archived_not_lost(admin_user):
    field = define(admin_user)
    custom_field_update(field, acting_user=admin_user, choices=[{"label": "API", "key": "api"}])
    field.refresh_from_db()
    assert field.choices == [
        {"key": "api", "label": "API", "archived": False},
        {"key": "landing_page_submission", "label": "Landing Page Submission", "archived": True},
    ]


def test_key_kind_and_type_never_change_through_an_update(admin_user):
    field = define(admin_user)
    with pytest.raises(ValidationError) as caught:
        custom_field_update(field, acting_user=admin_user, key="renamed")
    assert "key" in caught.value.message_dict
    assert CustomField.objects.get().key == "origin"


def test_an_archived_field_keeps_its_values_and_refuses_new_ones(admin_user, rep):
    field = define(admin_user, key="visits", type_=FieldType.NUMBER)
    lead = LeadFactory(owner=rep, custom={"visits": 4})
    custom_field_archive(field, acting_user=admin_user)
    with pytest.raises(ValidationError) as caught:
        custom_values_assign(lead, {"visits": 5}, kind="lead")
    assert caught.value.message_dict == {
        "custom.visits": ["Visits is archived; restore it to change it."]
    }
    assert lead.custom == {"visits": 4}
    custom_field_restore(field, acting_user=admin_user)
    assert custom_values_assign(lead, {"visits": 5}, kind="lead")
    assert lead.custom == {"visits": 5}


def test_values_are_checked_by_type_and_name_the_field(admin_user):
    define(admin_user, key="visits", type_=FieldType.NUMBER)
    lead = Lead()
    with pytest.raises(ValidationError) as caught:
        custom_values_assign(lead, {"visits": "lots", "nope": 1}, kind="lead")
    assert caught.value.message_dict == {
        "custom.visits": ["Visits expects a whole number, not 'lots'."],
        "custom.nope": ["There is no lead field with the key 'nope'."],
    }
    assert lead.custom == {}


def test_a_new_record_gets_defaults_and_needs_required_fields(admin_user):
    define(admin_user, key="visits", type_=FieldType.NUMBER, default="0")
    define(admin_user, key="origin", is_required=True)
    with pytest.raises(ValidationError) as caught:
        custom_values_assign(Lead(), {}, kind="lead")
    assert caught.value.message_dict == {"custom.origin": ["Origin is required."]}
    lead = Lead()
    custom_values_assign(lead, {"origin": "API"}, kind="lead")
    assert lead.custom == {"visits": 0, "origin": "api"}


def test_an_update_changes_only_the_keys_given_and_empty_removes(admin_user, rep):
    define(admin_user, key="visits", type_=FieldType.NUMBER)
    define(admin_user, key="note", type_=FieldType.TEXT)
    lead = LeadFactory(owner=rep, custom={"visits": 3, "note": "hello"})
    assert custom_values_assign(lead, {"note": ""}, kind="lead")
    assert lead.custom == {"visits": 3}
    assert not custom_values_assign(lead, {"visits": "3"}, kind="lead")


def test_a_type_change_converts_every_value(admin_user, rep):
    field = define(admin_user, key="visits", type_=FieldType.TEXT)
    first = LeadFactory(owner=rep, custom={"visits": "12"})
    second = LeadFactory(owner=rep, custom={"visits": "3"})
    assert custom_field_type_change(field, acting_user=admin_user, to_type=FieldType.NUMBER) == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.custom, second.custom) == ({"visits": 12}, {"visits": 3})
    assert CustomField.objects.get().type == FieldType.NUMBER


def test_a_type_change_that_would_lose_values_changes_nothing(admin_user, rep):
    field = define(admin_user, key="visits", type_=FieldType.TEXT)
    LeadFactory(owner=rep, custom={"visits": "12"})
    bad = LeadFactory(owner=rep, custom={"visits": "a dozen"})
    LeadFactory(owner=rep, custom={"visits": "many"})
    with pytest.raises(ValidationError) as caught:
        custom_field_type_change(field, acting_user=admin_user, to_type=FieldType.NUMBER)
    message = caught.value.message_dict["type"][0]
    assert message.startswith("2 stored values would not convert to whole number, e.g. ")
    assert f"on record #{bad.pk}" in message
    assert CustomField.objects.get().type == FieldType.TEXT
    assert sorted(lead.custom["visits"] for lead in Lead.objects.all()) == ["12", "a dozen", "many"]
