"""Changing who owns a record, its team or who may see it (issue #14, point 9).

Writing a record is not enough: only its owner, a manager of its team or an admin may change
its owner, team or visibility (`policy.can_hand_over`, checked by `owner_change_check` in every
write service). A rep may still edit the other fields of a teammate's team-shared record, and
may pick up a record nobody owns from the team queue.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import client_for
from salesflow.api.tests.conftest import ApiClient
from salesflow.customers.models import Account, Contact
from salesflow.leads.models import Lead
from salesflow.outreach.models import Segment
from salesflow.outreach.services import segment_update
from salesflow.pipeline.forms import DealForm
from salesflow.pipeline.models import Deal
from salesflow.users import policy
from salesflow.users.models import Role, Visibility
from salesflow.users.services import owner_change_check
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

OWNER_REFUSED = "Only the owner or a manager of the team may change the owner."
VISIBILITY_REFUSED = "Only the owner or a manager of the team may change the visibility."

FACTORIES = {
    "deals": DealFactory,
    "leads": LeadFactory,
    "accounts": AccountFactory,
    "contacts": ContactFactory,
    "activities": ActivityFactory,
}
# A field each kind's PATCH accepts that has nothing to do with ownership.
OTHER_FIELD = {
    "deals": {"amount": "123.00"},
    "leads": {"notes": "Called back"},
    "accounts": {"region": "Nordics"},
    "contacts": {"hobbies": "Chess"},
    "activities": {"outcome": "Went well"},
}


def _state(record: Any) -> tuple[Any, ...]:
    """What a refused hand-over must leave as it was, read again from the database."""
    record.refresh_from_db()
    return (record.owner_id, record.team_id, record.visibility, record.version)


def _refusals(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.content
    return {error["loc"][-1]: error["msg"] for error in response.json()["detail"]}


@pytest.fixture
def other_manager(south):
    return UserFactory(username="south-manager", role=Role.MANAGER, team=south)


# ---------------------------------------------------------------- the rule itself


def test_only_the_owner_a_manager_of_the_team_and_admins_may_hand_over(
    rep, teammate, manager, admin_user, outsider, other_manager
):
    shared = DealFactory(owner=teammate, visibility=Visibility.TEAM)
    assert policy.can_write(rep, shared)  # the rep may edit it ...
    assert not policy.can_hand_over(rep, shared)  # ... but not hand it over
    assert policy.can_hand_over(teammate, shared)
    assert policy.can_hand_over(manager, shared)
    assert policy.can_hand_over(admin_user, shared)
    assert not policy.can_hand_over(outsider, shared)
    assert not policy.can_hand_over(other_manager, shared)
    teammate.is_active = False
    assert not policy.can_hand_over(teammate, shared)


def test_a_manager_of_a_team_above_may_hand_over_its_records(rep, north):
    region = TeamFactory(name="Region")
    north.parent = region
    north.save()
    regional = UserFactory(username="regional", role=Role.MANAGER, team=region)
    assert policy.can_hand_over(regional, DealFactory(owner=rep))


def test_a_record_nobody_owns_is_handed_over_by_nobody_but_managers_and_admins(rep, manager, north):
    queued = LeadFactory(owner=None, team=north)
    assert not policy.can_hand_over(rep, queued)
    assert policy.can_hand_over(manager, queued)
    assert not policy.can_hand_over(rep, LeadFactory(owner=None, team=None))


def test_the_check_names_every_field_it_refuses(rep, teammate, north, south):
    deal = DealFactory(owner=teammate)
    with pytest.raises(ValidationError) as refused:
        owner_change_check(
            acting_user=rep,
            record=deal,
            data={"owner": rep, "visibility": Visibility.PRIVATE, "team": south},
        )
    assert refused.value.message_dict == {
        "owner": [OWNER_REFUSED],
        "visibility": [VISIBILITY_REFUSED],
        "team": ["Only the owner or a manager of the team may change the team."],
    }


def test_sending_the_current_values_again_is_no_change(rep, teammate, north):
    deal = DealFactory(owner=teammate, visibility=Visibility.TEAM)
    data = {"owner": teammate, "visibility": Visibility.TEAM, "team": north}
    owner_change_check(acting_user=rep, record=deal, data=data)  # no refusal


# ---------------------------------------------------------------- through the API


@pytest.mark.parametrize("kind", sorted(FACTORIES))
def test_a_rep_cannot_take_a_teammates_record_nor_make_it_private(kind, rep, teammate):
    record = FACTORIES[kind](owner=teammate, visibility=Visibility.TEAM)
    before = _state(record)
    api = ApiClient(rep)

    taken = api.patch(f"/{kind}/{record.pk}", {"owner_id": rep.pk})
    hidden = api.patch(f"/{kind}/{record.pk}", {"visibility": "private"})
    both = api.patch(f"/{kind}/{record.pk}", {"owner_id": rep.pk, "visibility": "private"})

    assert _refusals(taken) == {"owner_id": OWNER_REFUSED}
    assert _refusals(hidden) == {"visibility": VISIBILITY_REFUSED}
    assert _refusals(both) == {"owner_id": OWNER_REFUSED, "visibility": VISIBILITY_REFUSED}
    assert _state(record) == before
    # The other fields of the shared record stay the rep's to edit.
    assert api.patch(f"/{kind}/{record.pk}", OTHER_FIELD[kind]).status_code == 200


@pytest.mark.parametrize("kind", sorted(FACTORIES))
def test_the_teams_manager_and_an_admin_hand_over_and_the_owner_makes_private(
    kind, rep, teammate, manager, admin_user
):
    record = FACTORIES[kind](owner=teammate, visibility=Visibility.TEAM)

    by_owner = ApiClient(teammate).patch(f"/{kind}/{record.pk}", {"visibility": "private"})
    by_manager = ApiClient(manager).patch(f"/{kind}/{record.pk}", {"owner_id": rep.pk})
    by_admin = ApiClient(admin_user).patch(f"/{kind}/{record.pk}", {"visibility": "team"})

    assert [by_owner.status_code, by_manager.status_code, by_admin.status_code] == [200] * 3
    record.refresh_from_db()
    assert (record.owner, record.visibility) == (rep, Visibility.TEAM)


def test_a_rep_gives_away_their_own_record(rep, teammate):
    deal = DealFactory(owner=rep)
    response = ApiClient(rep).patch(f"/deals/{deal.pk}", {"owner_id": teammate.pk})
    assert response.status_code == 200
    deal.refresh_from_db()
    assert deal.owner == teammate


def test_a_rep_picks_up_a_queued_lead_but_cannot_make_it_private(rep, north):
    lead = LeadFactory(owner=None, team=north, visibility=Visibility.TEAM)
    api = ApiClient(rep)

    hidden = api.patch(f"/leads/{lead.pk}", {"owner_id": rep.pk, "visibility": "private"})
    assert _refusals(hidden) == {"visibility": VISIBILITY_REFUSED}
    assert _state(lead)[:3] == (None, north.pk, Visibility.TEAM)

    assert api.patch(f"/leads/{lead.pk}", {"owner_id": rep.pk}).status_code == 200
    lead.refresh_from_db()
    assert lead.owner == rep


def test_assigning_a_teammates_lead_through_the_api_is_refused(rep, teammate, manager):
    lead = LeadFactory(owner=teammate)
    before = _state(lead)

    refused = ApiClient(rep).post(f"/leads/{lead.pk}/assign", {})

    assert _refusals(refused) == {"owner_id": OWNER_REFUSED}
    assert _state(lead) == before
    assigned = ApiClient(manager).post(f"/leads/{lead.pk}/assign", {"owner_id": rep.pk})
    assert assigned.status_code == 200
    lead.refresh_from_db()
    assert lead.owner == rep


# ---------------------------------------------------------------- pages, bulk, inline


def _form_data(form: Any, **changes: Any) -> dict[str, Any]:
    """What the edit page posts back unchanged, with `changes` typed over it."""
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if field.disabled or value is None:
            continue
        data[form.add_prefix(name)] = value
    return {**data, **changes}


def test_the_edit_page_shows_the_refusal_on_the_field(rep, teammate):
    deal = DealFactory(owner=teammate, name="Fleet renewal")
    before = _state(deal)
    data = _form_data(DealForm(user=rep, record=deal), visibility="private", name="Renamed")

    response = client_for(rep).post(reverse("pipeline:deal-edit", args=[deal.pk]), data)

    assert response.status_code == 200
    assert response.context["form"].errors == {"visibility": [VISIBILITY_REFUSED]}
    assert _state(deal) == before and deal.name == "Fleet renewal"


def test_inline_owner_edit_of_a_teammates_deal_is_refused_on_the_field(rep, teammate):
    deal = DealFactory(owner=teammate)
    before = _state(deal)

    response = client_for(rep).post(
        reverse("pipeline:deal-inline-owner", args=[deal.pk]),
        {"owner": rep.pk, "version": deal.version},
        HTTP_HX_REQUEST="true",
    )

    assert OWNER_REFUSED in response.content.decode()
    assert _state(deal) == before


@pytest.mark.parametrize(
    ("url_name", "factory", "model"),
    [("pipeline:deal-bulk", DealFactory, Deal),
     ("leads:lead-bulk", LeadFactory, Lead),
     ("customers:account-bulk", AccountFactory, Account),
     ("customers:contact-bulk", ContactFactory, Contact)],
)  # fmt: skip
def test_bulk_owner_and_visibility_change_only_what_the_user_may_hand_over(
    url_name, factory, model, rep, teammate, manager
):
    mine = factory(owner=rep)
    theirs = factory(owner=teammate, visibility=Visibility.TEAM)
    before = _state(theirs)

    def run(action: str, **data: Any) -> str:
        client = client_for(rep)
        records = [model.objects.get(pk=mine.pk), model.objects.get(pk=theirs.pk)]
        ids = [f"{record.pk}:{record.version}" for record in records]
        response = client.post(
            reverse(url_name), {"action": action, "ids": ids, "step": "run", **data}
        )
        return " ".join(str(m) for m in get_messages(response.wsgi_request))

    hidden = run("visibility", visibility="private")
    assert hidden.startswith("1 changed, 1 refused: ") and VISIBILITY_REFUSED in hidden
    taken = run("owner", owner=rep.pk)
    assert taken.startswith("1 assigned, 1 refused: ") and OWNER_REFUSED in taken
    assert _state(theirs) == before
    mine.refresh_from_db()
    assert mine.visibility == Visibility.PRIVATE

    # The team's manager may.
    records = [f"{theirs.pk}:{theirs.version}"]
    client_for(manager).post(
        reverse(url_name), {"action": "owner", "ids": records, "step": "run", "owner": rep.pk}
    )
    theirs.refresh_from_db()
    assert theirs.owner == rep


def test_a_segment_shared_with_the_team_is_not_made_private_by_a_teammate(rep, teammate):
    segment = Segment.objects.create(
        name="Nordics", owner=teammate, team=teammate.teams.first(), visibility=Visibility.TEAM
    )
    with pytest.raises(ValidationError) as refused:
        segment_update(segment, acting_user=rep, visibility=Visibility.PRIVATE)
    assert refused.value.message_dict == {"visibility": [VISIBILITY_REFUSED]}
    segment.refresh_from_db()
    assert segment.visibility == Visibility.TEAM
    segment_update(segment, acting_user=rep, name="Nordic region")  # other fields: fine
    segment_update(segment, acting_user=teammate, visibility=Visibility.PRIVATE)
    segment.refresh_from_db()
    assert (segment.name, segment.visibility) == ("Nordic region", Visibility.PRIVATE)


def test_pages_offer_handing_over_only_to_those_who_may(rep, teammate, manager, north):
    from salesflow.pipeline.views_inline import deal_inline_value

    theirs = LeadFactory(owner=teammate)
    queued = LeadFactory(owner=None, team=north)

    assert "Assign to me" not in client_for(rep).get(theirs.get_absolute_url()).content.decode()
    assert "Assign to me" in client_for(manager).get(theirs.get_absolute_url()).content.decode()
    assert "Assign to me" in client_for(rep).get(queued.get_absolute_url()).content.decode()
    deal = DealFactory(owner=teammate)
    assert not deal_inline_value(rep, deal, "owner").editable
    assert deal_inline_value(rep, deal, "amount").editable
    assert deal_inline_value(teammate, deal, "owner").editable


def test_an_import_cannot_hand_over_a_teammates_lead(rep, teammate, settings, tmp_path):
    from salesflow.imports.tests.conftest import errors_of, run_import

    settings.MEDIA_ROOT = tmp_path
    lead = LeadFactory(owner=teammate, email="ada@example.com", company="Old Co")
    before = _state(lead)
    mapping = {
        "kind": "leads",
        "columns": {"Email": "email", "Owner": "owner"},
        "defaults": {"source": "referral"},
    }

    job = run_import(rep, f"Email,Owner\nada@example.com,{rep.username}\n", mapping=mapping)

    assert job.error_count == 1
    assert OWNER_REFUSED in errors_of(job)[0][2]
    assert _state(lead) == before
