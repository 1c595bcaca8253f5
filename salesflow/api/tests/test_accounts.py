from __future__ import annotations

from salesflow.api.tests.conftest import ids, invalid_fields
from salesflow.customers.models import Account
from tests.factories import AccountFactory, DealFactory

# Token lookup, its last-used stamp, the user's teams, the count and the page.
LIST_QUERIES = 5


def test_rep_creates_an_account_they_own_in_their_team(api_as, rep, north):
    response = api_as(rep).post(
        "/accounts", {"name": "Acme GmbH", "tier": "A", "size_band": "51-200", "region": "DACH"}
    )

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Acme GmbH"
    assert body["tier"] == "A"
    assert body["owner_id"] == rep.pk
    assert body["team_id"] == north.pk
    assert body["visibility"] == "team"
    assert body["version"] == 1
    assert {"created_at", "updated_at"} <= set(body)
    assert Account.objects.get(pk=body["id"]).region == "DACH"


def test_rep_reads_a_teammates_account(api_as, rep, teammate):
    account = AccountFactory(owner=teammate, name="Globex")

    response = api_as(rep).get(f"/accounts/{account.pk}")

    assert response.status_code == 200
    assert response.json()["name"] == "Globex"


def test_list_filters_accounts_by_name_tier_industry_region_and_owner(api_as, rep, teammate):
    acme = AccountFactory(owner=rep, name="Acme", tier="A", industry="Retail", region="North")
    AccountFactory(owner=rep, name="Acme Labs", tier="B", industry="Retail", region="North")
    globex = AccountFactory(owner=teammate, name="Globex", tier="A", industry="Energy")
    api = api_as(rep)

    assert ids(api.get("/accounts", {"q": "acme", "tier": "A"})) == {acme.pk}
    assert ids(api.get("/accounts", {"industry": "energy"})) == {globex.pk}
    assert ids(api.get("/accounts", {"region": "north", "tier": "A"})) == {acme.pk}
    assert ids(api.get("/accounts", {"owner_id": teammate.pk})) == {globex.pk}
    assert api.get("/accounts").json()["count"] == 3


def test_list_pages_with_limit_and_offset_in_name_order(api_as, rep):
    for name in ("Charlie", "Alpha", "Bravo"):
        AccountFactory(owner=rep, name=name)

    response = api_as(rep).get("/accounts", {"limit": 2, "offset": 1})

    assert [item["name"] for item in response.json()["items"]] == ["Bravo", "Charlie"]
    assert response.json()["count"] == 3


def test_patch_changes_only_the_fields_sent_and_bumps_the_version(api_as, rep):
    account = AccountFactory(owner=rep, name="Acme", tier="C", region="North")

    response = api_as(rep).patch(f"/accounts/{account.pk}", {"tier": "A", "version": 1})

    assert response.status_code == 200
    assert response.json()["tier"] == "A"
    assert response.json()["version"] == 2
    account.refresh_from_db()
    assert (account.tier, account.region, account.name) == ("A", "North", "Acme")


def test_patch_can_hand_the_account_to_a_teammate(api_as, rep, teammate):
    account = AccountFactory(owner=rep)

    response = api_as(rep).patch(f"/accounts/{account.pk}", {"owner_id": teammate.pk})

    assert response.json()["owner_id"] == teammate.pk


def test_delete_removes_the_account(api_as, rep):
    account = AccountFactory(owner=rep)
    api = api_as(rep)

    response = api.delete(f"/accounts/{account.pk}")

    assert response.status_code == 204
    assert not Account.objects.filter(pk=account.pk).exists()
    assert api.get(f"/accounts/{account.pk}").status_code == 404


def test_an_account_with_deals_cannot_be_deleted(api_as, rep):
    deal = DealFactory(owner=rep)

    response = api_as(rep).delete(f"/accounts/{deal.account_id}")

    assert invalid_fields(response) == {"account_id"}
    assert Account.objects.filter(pk=deal.account_id).exists()


def test_create_without_a_name_answers_422_naming_name(api_as, rep):
    assert invalid_fields(api_as(rep).post("/accounts", {"tier": "A"})) == {"name"}
    assert invalid_fields(api_as(rep).post("/accounts", {"name": ""})) == {"name"}


def test_unknown_choices_answer_422_naming_each_field(api_as, rep):
    response = api_as(rep).post(
        "/accounts", {"name": "Acme", "tier": "Z", "size_band": "huge", "visibility": "public"}
    )

    assert invalid_fields(response) == {"tier", "size_band", "visibility"}


def test_a_malformed_website_answers_422_naming_website(api_as, rep):
    response = api_as(rep).post("/accounts", {"name": "Acme", "website": "acme dot com"})

    assert invalid_fields(response) == {"website"}
    assert not Account.objects.exists()


def test_patch_with_null_for_a_required_field_answers_422(api_as, rep):
    account = AccountFactory(owner=rep, name="Acme")

    response = api_as(rep).patch(f"/accounts/{account.pk}", {"name": None})

    assert invalid_fields(response) == {"name"}
    account.refresh_from_db()
    assert account.name == "Acme"


def test_an_owner_outside_your_teams_answers_422_naming_owner_id(api_as, rep, outsider):
    response = api_as(rep).post("/accounts", {"name": "Acme", "owner_id": outsider.pk})

    assert invalid_fields(response) == {"owner_id"}
    assert not Account.objects.exists()


def test_an_unknown_account_answers_404(api_as, rep):
    api = api_as(rep)

    assert api.get("/accounts/999999").status_code == 404
    assert api.patch("/accounts/999999", {"name": "x"}).status_code == 404
    assert api.delete("/accounts/999999").status_code == 404
    assert api.get("/accounts/999999").json() == {"detail": "Not found."}


def test_outsider_gets_404_for_a_teammates_account_and_does_not_list_it(api_as, outsider, teammate):
    account = AccountFactory(owner=teammate, name="Secret Corp")
    api = api_as(outsider)

    assert api.get(f"/accounts/{account.pk}").json() == {"detail": "Not found."}
    assert api.patch(f"/accounts/{account.pk}", {"name": "Mine"}).status_code == 404
    assert api.delete(f"/accounts/{account.pk}").status_code == 404
    assert account.pk not in ids(api.get("/accounts"))
    account.refresh_from_db()
    assert account.name == "Secret Corp"


def test_patch_of_an_account_shared_read_only_answers_403(api_as, rep, outsider):
    account = AccountFactory(owner=outsider, name="Shared", visibility="everyone")
    api = api_as(rep)

    assert api.get(f"/accounts/{account.pk}").status_code == 200
    response = api.patch(f"/accounts/{account.pk}", {"name": "Mine"})

    assert response.status_code == 403
    assert "detail" in response.json()
    assert api.delete(f"/accounts/{account.pk}").status_code == 403
    account.refresh_from_db()
    assert account.name == "Shared"


def test_manager_changes_a_private_account_of_their_team(api_as, manager, teammate):
    account = AccountFactory(owner=teammate, visibility="private")

    response = api_as(manager).patch(f"/accounts/{account.pk}", {"tier": "A"})

    assert response.status_code == 200


def test_a_stale_version_answers_409_and_changes_nothing(api_as, rep):
    account = AccountFactory(owner=rep, name="Acme")
    api = api_as(rep)
    api.patch(f"/accounts/{account.pk}", {"region": "North", "version": 1})

    response = api.patch(f"/accounts/{account.pk}", {"name": "Acme Two", "version": 1})

    assert response.status_code == 409
    assert response.json()["missing"] == []
    assert "changed by someone else" in response.json()["detail"]
    account.refresh_from_db()
    assert (account.name, account.version) == ("Acme", 2)


def test_listing_accounts_takes_a_constant_number_of_queries(
    api_as, rep, teammate, manager, django_assert_max_num_queries
):
    for owner in (rep, teammate, manager) * 3:
        AccountFactory(owner=owner)
    api = api_as(rep)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = api.get("/accounts")

    assert response.json()["count"] == 9


def test_creating_an_account_whose_name_exists_names_the_field_and_creates_nothing(api_as, rep):
    AccountFactory(owner=rep, name="Acme GmbH")
    response = api_as(rep).post("/accounts", {"name": "acme gmbh"})
    assert response.status_code == 422
    assert invalid_fields(response) == {"name"}
    assert Account.objects.count() == 1
