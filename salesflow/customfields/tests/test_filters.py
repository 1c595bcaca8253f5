"""Filters on custom values: the syntax, the types, and the database using the field's index."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from salesflow.customfields.models import FieldType, RecordKind
from salesflow.customfields.selectors import custom_filter_q
from salesflow.customfields.services import custom_field_create, custom_field_index_name
from salesflow.leads.models import Lead
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(admin_user):
    visits = custom_field_create(
        acting_user=admin_user, kind=RecordKind.LEAD, key="visits", label="Total visits",
        type=FieldType.NUMBER,
    )  # fmt: skip
    origin = custom_field_create(
        acting_user=admin_user, kind=RecordKind.LEAD, key="origin", label="Lead origin",
        type=FieldType.CHOICE, choices=["Landing Page Submission", "API", "Lead Add Form"],
    )  # fmt: skip
    tags = custom_field_create(
        acting_user=admin_user, kind=RecordKind.LEAD, key="tags", label="Tags",
        type=FieldType.CHOICES, choices=["Will revert", "Ringing", "Busy"],
    )  # fmt: skip
    return visits, origin, tags


def leads(**params) -> set[str]:
    q = custom_filter_q(RecordKind.LEAD, params)
    return set(Lead.objects.filter(q).values_list("last_name", flat=True))


def test_numbers_compare_as_numbers(fields, rep):
    for name, visits in (("Nine", 9), ("Ten", 10), ("Hundred", 100)):
        LeadFactory(owner=rep, last_name=name, custom={"visits": visits})
    LeadFactory(owner=rep, last_name="None")
    assert leads(**{"custom.visits__gte": "10"}) == {"Ten", "Hundred"}
    assert leads(**{"custom.visits__lte": "10"}) == {"Nine", "Ten"}
    assert leads(**{"custom.visits": "9"}) == {"Nine"}
    assert leads(**{"custom.visits__in": "9,100"}) == {"Nine", "Hundred"}
    assert leads(**{"custom.visits__isnull": "true"}) == {"None"}
    assert leads(**{"custom.visits__isnull": "false"}) == {"Nine", "Ten", "Hundred"}


def test_choices_match_by_key_or_label(fields, rep):
    LeadFactory(owner=rep, last_name="Api", custom={"origin": "api"})
    LeadFactory(owner=rep, last_name="Form", custom={"origin": "lead_add_form"})
    assert leads(**{"custom.origin": "API"}) == {"Api"}
    assert leads(**{"custom.origin__in": "api,Lead Add Form"}) == {"Api", "Form"}


def test_several_choices_match_when_the_list_holds_one(fields, rep):
    LeadFactory(owner=rep, last_name="Both", custom={"tags": ["will_revert", "busy"]})
    LeadFactory(owner=rep, last_name="Ringing", custom={"tags": ["ringing"]})
    assert leads(**{"custom.tags": "busy"}) == {"Both"}
    assert leads(**{"custom.tags__in": "ringing,busy"}) == {"Both", "Ringing"}


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("custom.nope", "There is no lead field with the key 'nope'."),
        ("custom.visits__between", "Unknown operator 'between'"),
        ("custom.origin__gte", "cannot be compared"),
    ],
)
def test_a_bad_filter_names_the_parameter(fields, param, message):
    with pytest.raises(ValidationError) as caught:
        custom_filter_q(RecordKind.LEAD, {param: "1"})
    assert param in caught.value.message_dict
    assert message in " ".join(caught.value.message_dict[param])


def test_a_value_of_the_wrong_type_names_the_field_and_type(fields):
    with pytest.raises(ValidationError) as caught:
        custom_filter_q(RecordKind.LEAD, {"custom.visits__gte": "many"})
    assert caught.value.message_dict == {
        "custom.visits__gte": ["Total visits expects a whole number, not 'many'."]
    }


def test_the_database_uses_the_field_s_index(fields, rep):
    visits = fields[0]
    LeadFactory.create_batch(30, owner=rep, custom={"visits": 3})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    queryset = Lead.objects.filter(
        custom_filter_q(RecordKind.LEAD, {"custom.visits__gte": "5"})
    ).order_by()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            plan = queryset.explain()
            cursor.execute("SET enable_seqscan = on")
    else:
        plan = queryset.explain()
    assert custom_field_index_name(visits) in plan


def test_a_field_is_added_in_the_transaction_that_just_wrote_records_of_its_kind(admin_user):
    """PostgreSQL refuses CREATE INDEX on a table with pending deferred checks (rows written
    earlier in the same transaction, as an import does before the fields its mapping needs)."""
    from tests.factories import AccountFactory

    AccountFactory(owner=admin_user, name="Acme")
    field = custom_field_create(
        acting_user=admin_user, kind=RecordKind.ACCOUNT, key="segment", label="Segment",
        type=FieldType.TEXT,
    )  # fmt: skip
    assert field.pk is not None
