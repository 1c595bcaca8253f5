"""A list's filter with a value that does not exist says so once, naming the filter, instead of
Django's "Select a valid choice. That choice is not one of the available choices."."""

from __future__ import annotations

import pytest

from conftest import client_for
from salesflow.customfields.models import FieldType, RecordKind
from salesflow.customfields.services import custom_field_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "query", "message"),
    [
        ("/deals/", "owner=999999", "Owner: there is no “999999” to filter on."),
        ("/deals/", "pipeline=999999", "Pipeline: there is no “999999” to filter on."),
        ("/deals/", "stage=999999", "Stage: there is no “999999” to filter on."),
        ("/deals/", "team=999999", "There is no team 999999."),
        ("/leads/", "source=zz", "Source: there is no “zz” to filter on."),
        ("/leads/", "campaign=999999", "Campaign: there is no “999999” to filter on."),
        ("/leads/", "team=999999", "There is no team 999999."),
        ("/accounts/", "owner=abc", "Owner: there is no “abc” to filter on."),
        ("/accounts/", "tier=zz", "Tier: there is no “zz” to filter on."),
        ("/accounts/contacts/", "owner=999999", "Owner: there is no “999999” to filter on."),
        ("/activities/", "owner=999999", "Owner: there is no “999999” to filter on."),
    ],
)
def test_a_bad_filter_is_one_message_naming_it(manager, path, query, message):
    response = client_for(manager).get(f"{path}?{query}")

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count(message) == 1, message
    assert "Select a valid choice" not in page


def test_a_custom_field_filter_names_the_field(manager, admin_user):
    custom_field_create(
        acting_user=admin_user, kind=RecordKind.LEAD, key="tags", label="Tags",
        type=FieldType.CHOICES, choices=["Ringing", "Busy"], show_in_list=True,
    )  # fmt: skip

    page = client_for(manager).get("/leads/?custom.tags=Nope").content.decode()

    assert page.count("Tags: there is no “Nope” to filter on.") == 1
    assert "Select a valid choice" not in page
