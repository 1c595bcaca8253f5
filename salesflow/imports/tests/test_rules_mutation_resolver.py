"""What an import finds (or makes) for the names a row gives: owners, accounts, contacts,
pipelines, stages, lost reasons, campaigns and products (issue 14, mutation testing of
`salesflow/imports/resolver.py`). Each test is what a person importing a file would notice:
which record a row was linked to, and the exact problem shown for a row and column."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from salesflow.customers.models import Account, Contact
from salesflow.imports.tests.conftest import errors_of, run_import
from salesflow.leads.models import Lead
from salesflow.pipeline.models import Deal, LostReason, Pipeline, Stage, StageKind
from salesflow.quotes.models import DealLine, Product
from salesflow.quotes.services import product_create
from salesflow.users.models import User
from tests.factories import AccountFactory, CampaignFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2024, 6, 1, 9, 0, tzinfo=dt.UTC)
LEADS = {
    "kind": "leads",
    "columns": {"Name": "full_name", "Owner": "owner", "Phone": "phone"},
    "defaults": {"source": "referral"},
}
LEADS_HEADER = "Name,Owner,Phone\n"
# A row with a title alone is refused by lead_create ("Give at least a name, ..."), after
# the owner it names was found or made.
REFUSED = {
    "kind": "leads",
    "columns": {"Name": "full_name", "Owner": "owner", "Title": "title"},
    "defaults": {"source": "referral"},
    "create_missing": ["owner"],
}
REFUSED_HEADER = "Name,Owner,Title\n"
CONTACTS = {
    "kind": "contacts",
    "columns": {
        "Name": "full_name",
        "Email": "email",
        "Company": "account",
        "Owner": "owner",
        "Phone": "phone",
    },
    "create_missing": ["account"],
}
CONTACTS_HEADER = "Name,Email,Company,Owner,Phone\n"
DEALS = {
    "kind": "deals",
    "columns": {"Org": "account", "Deal": "name", "Stage": "stage"},
}
DEALS_HEADER = "Org,Deal,Stage\n"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def deals_mapping(**columns: str) -> dict:
    mapping = {**DEALS, "columns": {**DEALS["columns"], **columns}}
    return mapping


def owner_of(first_name: str) -> str:
    return Lead.objects.get(first_name=first_name).owner.username


# -- owners ---------------------------------------------------------------------------------------


def test_an_owner_is_found_by_username_email_or_full_name_in_any_capitals(admin_user):
    jdoe = UserFactory(
        username="jdoe", first_name="John", last_name="Doe", email="john.doe@corp.example"
    )
    UserFactory(username="other", first_name="Ann", last_name="Other")
    users = User.objects.count()
    content = LEADS_HEADER + "Ada One,JDOE,\nBea Two,John.Doe@Corp.Example,\nCy Three,john  DOE,\n"

    job = run_import(admin_user, content, mapping=LEADS)

    assert errors_of(job) == []
    assert [owner_of(n) for n in ("Ada", "Bea", "Cy")] == [jdoe.username] * 3
    assert User.objects.count() == users  # nobody created


def test_a_name_with_accents_in_other_capitals_finds_its_user(admin_user):
    jorg = UserFactory(username="jm", first_name="Jörg", last_name="Müller")

    job = run_import(admin_user, LEADS_HEADER + "Ada One,JÖRG MÜLLER,\n", mapping=LEADS)

    assert errors_of(job) == []
    assert owner_of("Ada") == jorg.username


def test_the_username_typed_exactly_wins_over_one_in_other_capitals(admin_user):
    UserFactory(username="Max", first_name="Max", last_name="Upper")
    UserFactory(username="max", first_name="Max", last_name="Lower")

    lower = run_import(admin_user, LEADS_HEADER + "Ada One,max,\n", mapping=LEADS)
    upper = run_import(admin_user, LEADS_HEADER + "Bea Two,Max,\n", mapping=LEADS)

    assert errors_of(lower) == errors_of(upper) == []
    assert (owner_of("Ada"), owner_of("Bea")) == ("max", "Max")


def test_in_one_file_each_row_gets_the_user_it_names_in_its_capitals(admin_user):
    """The owner cache once folded capitals: "max" then "Max" in one file both went to max."""
    UserFactory(username="Max", first_name="Max", last_name="Upper")
    UserFactory(username="max", first_name="Max", last_name="Lower")
    UserFactory(username="MAX", first_name="Max", last_name="Shout")

    job = run_import(
        admin_user, LEADS_HEADER + "Ada One,max,\nBea Two,Max,\nCy Three,MAX,\n", mapping=LEADS
    )

    assert errors_of(job) == []
    assert (owner_of("Ada"), owner_of("Bea"), owner_of("Cy")) == ("max", "Max", "MAX")


def test_a_name_two_users_share_is_refused_naming_both(admin_user):
    UserFactory(username="slee", first_name="Sam", last_name="Lee")
    UserFactory(username="samlee", first_name="Sam", last_name="Lee")

    job = run_import(admin_user, LEADS_HEADER + "Ada One,sam lee,\n", mapping=LEADS)

    assert errors_of(job) == [
        (
            2,
            "Owner",
            "'sam lee' matches several users: slee (Sam Lee) and samlee (Sam Lee). "
            "Name the owner by username or email.",
        )
    ]
    assert not Lead.objects.exists()


def test_an_email_two_users_share_is_refused_naming_them_by_username(admin_user):
    UserFactory(username="desk1", first_name="", last_name="", email="sales@corp.example")
    UserFactory(username="desk2", first_name="Dana", last_name="Desk", email="sales@corp.example")

    job = run_import(admin_user, LEADS_HEADER + "Ada One,sales@corp.example,\n", mapping=LEADS)

    assert errors_of(job) == [
        (
            2,
            "Owner",
            "'sales@corp.example' matches several users: desk1 and desk2 (Dana Desk). "
            "Name the owner by username or email.",
        )
    ]


def test_an_unknown_owner_is_refused_on_the_owner_column(admin_user):
    users = User.objects.count()

    job = run_import(admin_user, LEADS_HEADER + "Ada One,Nobody Here,\n", mapping=LEADS)

    assert errors_of(job) == [
        (
            2,
            "Owner",
            "No user 'Nobody Here' (by username, email or name). Create the user "
            'first, or add "owner" to the mapping\'s create_missing to add them as '
            "inactive users.",
        )
    ]
    assert User.objects.count() == users


def test_missing_owners_are_made_inactive_users_named_as_the_file_names_them(admin_user):
    UserFactory(username="Old.Colleague", first_name="Someone", last_name="Else")
    mapping = {**LEADS, "create_missing": ["owner"]}
    content = (
        LEADS_HEADER
        + "Ada One,Old  Colleague,\n"  # the username is taken (in other capitals)
        + "Bea Two,Ex.Person@Corp.Example,\n"
        + "Cy Three,Jörg Müller,\n"
        + "Di Four,Old Colleague,\n"  # the same person again: the same new user
        + "Ed Five,!!!,\n"
    )

    job = run_import(admin_user, content, mapping=mapping)

    assert errors_of(job) == []
    made = {
        lead.first_name: lead.owner
        for lead in Lead.objects.select_related("owner").order_by("first_name")
    }
    got = {
        first: (u.username, u.email, u.first_name, u.last_name, u.is_active)
        for first, u in made.items()
    }
    assert got == {
        "Ada": ("old.colleague2", "", "Old", "Colleague", False),
        "Bea": ("ex.person@corp.example", "ex.person@corp.example", "", "", False),
        "Cy": ("jorg.muller", "", "Jörg", "Müller", False),
        "Di": ("old.colleague2", "", "Old", "Colleague", False),
        "Ed": ("imported-user", "", "", "!!!", False),
    }
    assert list(made["Ada"].teams.all()) == []  # the admin importing has no team


def test_a_made_owner_joins_the_importers_team_and_names_taken_twice_count_on(manager, north):
    UserFactory(username="old.colleague")
    UserFactory(username="old.colleague2")
    mapping = {**LEADS, "create_missing": ["owner"]}

    job = run_import(manager, LEADS_HEADER + "Ada One,Old Colleague,\n", mapping=mapping)

    assert errors_of(job) == []
    owner = Lead.objects.get().owner
    assert owner.username == "old.colleague3"
    assert list(owner.teams.all()) == [north]


def test_an_owner_made_for_a_refused_row_is_made_again_for_the_next_row(admin_user):
    content = REFUSED_HEADER + ",Old Colleague,CEO\nBea Two,Old Colleague,\n"

    job = run_import(admin_user, content, mapping=REFUSED)

    assert [(row, column) for row, column, _ in errors_of(job)] == [(2, "Name")]
    lead = Lead.objects.select_related("owner").get()
    assert lead.first_name == "Bea"
    assert User.objects.filter(pk=lead.owner_id, username="old.colleague").exists()
    assert User.objects.filter(username__startswith="old.colleague").count() == 1


def test_a_refused_row_leaves_no_user_made_for_it(admin_user):
    users = User.objects.count()

    job = run_import(admin_user, REFUSED_HEADER + ",Ghost Person,CEO\n", mapping=REFUSED)

    assert [(row, column) for row, column, _ in errors_of(job)] == [(2, "Name")]
    assert User.objects.count() == users
    assert not Lead.objects.exists()


def test_an_owner_found_by_name_after_a_refused_row_is_the_one_that_exists(admin_user):
    """The names of users are read once a run; a user made for a refused row is forgotten."""
    content = (
        REFUSED_HEADER
        + ",Old Colleague,CEO\n"  # reads the names, makes the user, then is refused
        + "Bea Two,Old Colleague,\n"
        + "Cy Three,Old Colleague,\n"
    )

    job = run_import(admin_user, content, mapping=REFUSED)

    assert len(errors_of(job)) == 1
    owners = set(Lead.objects.values_list("owner_id", flat=True))
    assert len(owners) == 1
    assert User.objects.get(pk=owners.pop()).username == "old.colleague"


# -- accounts and contacts ------------------------------------------------------------------------


def test_an_account_made_for_a_refused_row_is_made_again_for_the_next_row(admin_user):
    content = (
        CONTACTS_HEADER
        + ",ada@example.com,NewCo,,\n"  # makes NewCo, then contact_create wants a name
        + "Bea Two,bea@example.com,NewCo,,\n"
    )

    job = run_import(admin_user, content, kind="contacts", mapping=CONTACTS)

    assert [row for row, _, _ in errors_of(job)] == [2]
    contact = Contact.objects.select_related("account").get()
    assert (contact.first_name, contact.account.name) == ("Bea", "NewCo")
    assert Account.objects.filter(name="NewCo").count() == 1


def test_an_account_is_made_for_the_rows_owner_and_their_team(admin_user, rep, north):
    content = CONTACTS_HEADER + "Ada One,ada@example.com,NewCo,rep,\n"

    job = run_import(admin_user, content, kind="contacts", mapping=CONTACTS)

    assert errors_of(job) == []
    account = Account.objects.get(name="NewCo")
    assert (account.owner, account.team) == (rep, north)


def test_an_unknown_account_is_refused_when_the_mapping_may_not_make_it(rep):
    AccountFactory(name="Hidden Ltd", owner=UserFactory(), visibility="private")
    mapping = {**CONTACTS, "create_missing": []}
    content = CONTACTS_HEADER + "Ada One,ada@example.com,hidden  LTD,,\n"

    job = run_import(rep, content, kind="contacts", mapping=mapping)

    assert errors_of(job) == [
        (
            2,
            "Company",
            "No account 'hidden LTD' that you can see. Import the accounts first, "
            'or add "account" to the mapping\'s create_missing.',
        )
    ]
    assert not Contact.objects.exists()


def test_a_deal_row_links_the_readable_contact_with_that_email_the_oldest_first(admin_user):
    acme = AccountFactory(name="Acme", owner=admin_user)
    oldest = ContactFactory(account=acme, owner=admin_user, email="pat@acme.example")
    ContactFactory(account=acme, owner=admin_user, email="pat@acme.example")
    mapping = deals_mapping(Contact="contact_email")

    job = run_import(
        admin_user,
        "Org,Deal,Stage,Contact\nAcme,Fleet,Qualification,"
        "pat@acme.example\nAcme,Cars,Qualification,pat@acme.example\n",
        kind="deals",
        mapping=mapping,
    )

    assert errors_of(job) == []
    assert set(Deal.objects.values_list("primary_contact", flat=True)) == {oldest.pk}


def test_a_contact_of_another_team_is_not_found_by_a_deal_row(rep, outsider):
    AccountFactory(name="Acme", owner=rep, visibility="everyone")
    ContactFactory(owner=outsider, email="pat@acme.example", visibility="private")
    mapping = deals_mapping(Contact="contact_email")

    job = run_import(
        rep,
        "Org,Deal,Stage,Contact\nAcme,Fleet,Qualification,pat@acme.example\n",
        kind="deals",
        mapping=mapping,
    )

    assert errors_of(job) == [
        (
            2,
            "Contact",
            "No contact with email 'pat@acme.example' that you can see. Import the "
            'contacts first, or add "contact" to the mapping\'s create_missing.',
        )
    ]
    assert not Deal.objects.exists()


def test_a_missing_contact_is_made_at_the_deals_account_for_the_rows_owner(admin_user, rep, north):
    acme = AccountFactory(name="Acme", owner=rep)
    mapping = {
        **deals_mapping(Contact="contact_email", Person="contact_name", Owner="owner"),
        "create_missing": ["contact"],
    }
    content = (
        "Org,Deal,Stage,Contact,Person,Owner\n"
        "Acme,Fleet,Qualification,grace@acme.example,Grace Hopper,rep\n"
        "Acme,Cars,Qualification,grace@acme.example,Grace Hopper,rep\n"
        "Acme,Vans,Qualification,ops@acme.example,,rep\n"
    )

    job = run_import(admin_user, content, kind="deals", mapping=mapping)

    assert errors_of(job) == []
    assert Contact.objects.count() == 2  # the same email twice is one contact
    made = {
        c.email: (c.first_name, c.last_name, c.account_id, c.owner_id, c.team_id)
        for c in Contact.objects.all()
    }
    assert made == {
        "grace@acme.example": ("Grace", "Hopper", acme.pk, rep.pk, north.pk),
        "ops@acme.example": ("", "ops", acme.pk, rep.pk, north.pk),
    }
    contact_of = dict(Deal.objects.values_list("name", "primary_contact__email"))
    assert contact_of == {
        "Fleet": "grace@acme.example",
        "Cars": "grace@acme.example",
        "Vans": "ops@acme.example",
    }


# -- pipelines, stages, reasons -------------------------------------------------------------------


@pytest.fixture
def partners(admin_user):
    """A second pipeline whose stages were made out of position order."""
    pipeline = Pipeline.objects.create(name="Partners")
    Stage.objects.create(pipeline=pipeline, name="Signed", position=3, probability=90)
    Stage.objects.create(pipeline=pipeline, name="Intro", position=1, probability=10)
    Stage.objects.create(
        pipeline=pipeline, name="Old step", position=2, probability=50, archived_at=timezone.now()
    )
    Stage.objects.create(
        pipeline=pipeline, name="Won", position=4, probability=100, kind=StageKind.WON
    )
    AccountFactory(name="Acme", owner=admin_user)
    return pipeline


def test_a_deal_goes_to_the_pipeline_and_stage_its_row_names(admin_user, partners):
    mapping = deals_mapping(Pipeline="pipeline")
    content = (
        "Org,Deal,Stage,Pipeline\n"
        "Acme,Fleet,SIGNED,partners\n"
        "Acme,Cars,Intro,Partners\n"
        "Acme,Vans,Qualification,\n"
    )

    job = run_import(admin_user, content, kind="deals", mapping=mapping)

    assert errors_of(job) == []
    placed = {d.name: (d.pipeline.name, d.stage.name) for d in Deal.objects.all()}
    assert placed == {
        "Fleet": ("Partners", "Signed"),
        "Cars": ("Partners", "Intro"),
        "Vans": ("Sales process", "Qualification"),
    }


def test_an_unknown_pipeline_is_refused_listing_the_pipelines(admin_user, partners):
    mapping = deals_mapping(Pipeline="pipeline")

    job = run_import(
        admin_user,
        "Org,Deal,Stage,Pipeline\nAcme,Fleet,Intro,Resellers\n",
        kind="deals",
        mapping=mapping,
    )

    names = ", ".join(Pipeline.objects.values_list("name", flat=True))
    assert "Partners" in names and "Sales process" in names
    assert errors_of(job) == [(2, "Pipeline", f"Unknown pipeline 'Resellers'; there are: {names}.")]


def test_an_unknown_stage_is_refused_listing_the_current_stages_in_order(admin_user, partners):
    mapping = deals_mapping(Pipeline="pipeline")
    intro = partners.stages.get(name="Intro")
    content = (
        f"Org,Deal,Stage,Pipeline\nAcme,Fleet,Old step,Partners\nAcme,Cars,{intro.pk},Partners\n"
    )

    job = run_import(admin_user, content, kind="deals", mapping=mapping)

    hint = '; use one of: Intro, Signed, Won, or translate it in the mapping\'s "values".'
    assert errors_of(job) == [
        (2, "Stage", f"Unknown stage 'Old step' in pipeline 'Partners'{hint}"),
        (3, "Stage", f"Unknown stage '{intro.pk}' in pipeline 'Partners'{hint}"),
    ]
    assert not Deal.objects.exists()


def test_a_pipeline_without_a_lost_stage_cannot_take_a_lost_deal(admin_user, partners):
    mapping = deals_mapping(Pipeline="pipeline", Result="outcome")

    job = run_import(
        admin_user,
        "Org,Deal,Stage,Pipeline,Result\nAcme,Fleet,Intro,Partners,lost\n",
        kind="deals",
        mapping=mapping,
    )

    assert errors_of(job) == [(2, "Stage", "Pipeline 'Partners' has no lost stage.")]


def test_won_and_lost_outcomes_close_deals_in_the_won_and_the_lost_stage(admin_user):
    AccountFactory(name="Acme", owner=admin_user)
    mapping = deals_mapping(Result="outcome")
    content = (
        "Org,Deal,Stage,Result\n"
        "Acme,Fleet,Qualification,won\n"
        "Acme,Cars,Qualification,lost\n"
        "Acme,Vans,Qualification,won\n"
    )

    job = run_import(admin_user, content, kind="deals", mapping=mapping)

    assert errors_of(job) == []
    stage_of = dict(Deal.objects.values_list("name", "stage__kind"))
    assert stage_of == {"Fleet": "won", "Cars": "lost", "Vans": "won"}


def test_an_unknown_lost_reason_is_refused_listing_only_the_active_reasons(admin_user):
    AccountFactory(name="Acme", owner=admin_user)
    LostReason.objects.filter(name="Went silent").update(is_active=False)
    mapping = deals_mapping(Result="outcome", Why="lost_reason")

    job = run_import(
        admin_user,
        "Org,Deal,Stage,Result,Why\nAcme,Fleet,Qualification,lost,Budget\n",
        kind="deals",
        mapping=mapping,
    )

    active = (
        "Price too high, Lost to a competitor, No budget, No decision maker reached, "
        "No real need, Timing: project postponed, Product does not fit, Other"
    )
    assert errors_of(job) == [(2, "Why", f"Unknown lost reason 'Budget'; use one of: {active}.")]


# -- campaigns ------------------------------------------------------------------------------------


CAMPAIGNS = {
    "kind": "leads",
    "columns": {"Name": "full_name", "Campaign": "campaign"},
    "defaults": {"source": "referral"},
}


def test_each_lead_joins_the_campaign_its_row_names_in_any_capitals(rep):
    spring = CampaignFactory(name="Spring Fair")
    autumn = CampaignFactory(name="Autumn Fair")
    mapping = CAMPAIGNS
    content = "Name,Campaign\nAda One,SPRING  FAIR\nBea Two,autumn fair\nCy Three,Spring Fair\n"

    job = run_import(rep, content, mapping=mapping)

    assert errors_of(job) == []
    joined = dict(Lead.objects.values_list("first_name", "campaign"))
    assert joined == {"Ada": spring.pk, "Bea": autumn.pk, "Cy": spring.pk}


def test_an_unknown_campaign_is_refused_on_its_column(rep):
    mapping = CAMPAIGNS

    job = run_import(rep, "Name,Campaign\nAda One,Winter Fair\n", mapping=mapping)

    assert errors_of(job) == [
        (2, "Campaign", "No campaign 'Winter Fair'; create it first (Campaigns), then import.")
    ]
    assert not Lead.objects.exists()


# -- products -------------------------------------------------------------------------------------


@pytest.fixture
def catalogue(admin_user):
    AccountFactory(name="Acme", owner=admin_user)
    return {
        "widget": product_create(
            acting_user=admin_user, name="Widget", sku="W-1", unit_price=Decimal("10.00")
        ),
        "widget_old": product_create(
            acting_user=admin_user, name="widget", sku="", unit_price=Decimal("8.00")
        ),
        "gadget": product_create(
            acting_user=admin_user, name="Gadget Pro", sku="G-7", unit_price=Decimal("25.00")
        ),
    }


def lines() -> dict[str, tuple[str, Decimal, Decimal]]:
    return {
        line.deal.name: (line.product.name, line.quantity, line.unit_price)
        for line in DealLine.objects.select_related("deal", "product")
    }


def test_a_deal_row_names_its_product_by_code_or_by_name(admin_user, catalogue):
    mapping = deals_mapping(Product="product", Qty="quantity")
    content = (
        "Org,Deal,Stage,Product,Qty\n"
        "Acme,Fleet,Qualification,W-1,2\n"
        "Acme,Cars,Qualification,gadget  PRO,\n"
    )

    job = run_import(admin_user, content, kind="deals", mapping=mapping)

    assert errors_of(job) == []
    assert lines() == {
        "Fleet": ("Widget", Decimal(2), Decimal("10.00")),
        "Cars": ("Gadget Pro", Decimal(1), Decimal("25.00")),
    }


def test_a_product_name_several_products_share_is_refused_naming_their_codes(admin_user, catalogue):
    mapping = deals_mapping(Product="product")

    job = run_import(
        admin_user,
        "Org,Deal,Stage,Product\nAcme,Fleet,Qualification,Widget\n",
        kind="deals",
        mapping=mapping,
    )

    old = catalogue["widget_old"].pk
    assert errors_of(job) == [
        (
            2,
            "Product",
            f"Several products are called 'Widget' (codes W-1, #{old}); name it by its code.",
        )
    ]


def test_an_unknown_product_is_refused_unless_an_admins_import_may_add_it(
    admin_user, rep, catalogue
):
    AccountFactory(name="Rep Co", owner=rep)
    refused = run_import(
        admin_user,
        "Org,Deal,Stage,Product\nAcme,Fleet,Qualification,Gizmo\n",
        kind="deals",
        mapping=deals_mapping(Product="product"),
    )
    mapping = {**deals_mapping(Product="product"), "create_missing": ["product"]}
    by_rep = run_import(
        rep,
        "Org,Deal,Stage,Product\nRep Co,Fleet,Qualification,Gizmo\n",
        kind="deals",
        mapping=mapping,
    )

    assert errors_of(refused) == [
        (
            2,
            "Product",
            "No product 'Gizmo' in the catalogue. Import the products first, merge "
            'spellings with a value table ("values": {"product": {...}}), or add '
            '"product" to create_missing.',
        )
    ]
    assert errors_of(by_rep) == [(2, "Product", "Only an admin's import may add products.")]
    assert not Product.objects.filter(name="Gizmo").exists()


def test_an_admins_import_adds_a_missing_product_once_at_price_zero(admin_user, catalogue):
    mapping = {**deals_mapping(Product="product", Amount="amount"), "create_missing": ["product"]}
    content = (
        "Org,Deal,Stage,Product,Amount\n"
        "Acme,Fleet,Qualification, Gizmo ,300\n"
        "Acme,Cars,Qualification,GIZMO,100\n"
    )

    job = run_import(admin_user, content, kind="deals", mapping=mapping)

    assert errors_of(job) == []
    gizmo = Product.objects.get(name="Gizmo")
    assert gizmo.unit_price == 0
    assert set(DealLine.objects.values_list("product", flat=True)) == {gizmo.pk}


def test_a_rep_cannot_import_a_deal_for_someone_of_another_team_as_owner(
    rep, teammate, outsider, north
):
    AccountFactory(name="Acme", owner=rep)
    mapping = deals_mapping(Owner="owner")
    content = (
        "Org,Deal,Stage,Owner\n"
        "Acme,Fleet,Qualification,outsider\n"
        "Acme,Cars,Qualification,teammate\n"
    )

    job = run_import(rep, content, kind="deals", mapping=mapping)

    assert errors_of(job) == [(2, "Owner", "You can only assign records to people in your teams.")]
    deals = Deal.objects.values_list("name", "owner__username", "team")
    assert list(deals) == [("Cars", "teammate", north.pk)]  # shared with the owner's team


def test_a_contact_and_product_made_for_a_refused_deal_row_are_made_again_for_the_next(admin_user):
    """The resolver forgets what a refused row made (its savepoint is rolled back): the next
    row naming the same contact and product makes them again instead of linking lost rows."""
    AccountFactory(name="Acme", owner=admin_user)
    mapping = {
        **deals_mapping(Contact="contact_email", Product="product", Amount="amount"),
        "create_missing": ["contact", "product"],
    }
    content = (
        "Org,Deal,Stage,Contact,Product,Amount\n"
        "Acme,Fleet,Qualification,grace@acme.example,Route planner,123456789012345678\n"
        "Acme,Cars,Qualification,grace@acme.example,Route planner,1000\n"
    )

    job = run_import(admin_user, content, kind="deals", mapping=mapping)

    assert [(row, column) for row, column, _message in errors_of(job)] == [(2, "Amount")]
    deal = Deal.objects.get()
    assert deal.name == "Cars" and deal.primary_contact.email == "grace@acme.example"
    assert Contact.objects.count() == 1
    assert [line.product.name for line in DealLine.objects.filter(deal=deal)] == ["Route planner"]
