"""Quick add: each kind through its create service, errors next to the field with nothing
created, the account typed by name (used when readable, else created once), and the pages stay
small and cheap."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from salesflow.activities.models import Activity
from salesflow.customers.models import Account, Contact
from salesflow.leads.models import Lead
from salesflow.pipeline.models import Deal
from tests.factories import (
    AccountFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    default_pipeline,
)

pytestmark = pytest.mark.django_db

URL = reverse("pages:quick-add")
HTMX = {"HTTP_HX_REQUEST": "true"}


def post(client, kind: str, data: dict, *, htmx: bool = True):
    return client.post(f"{URL}?kind={kind}", data, **(HTMX if htmx else {}))


def field_errors(response) -> dict[str, list[str]]:
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


def test_the_header_offers_quick_add_and_the_shortcuts(rep_client):
    content = rep_client.get(reverse("pages:dashboard")).content.decode()
    assert 'class="button button--primary button--small quick-add-button"' in content
    assert f'href="{URL}"' in content
    assert 'id="quick-add-dialog"' in content
    assert reverse("pages:shortcuts") in content


def test_without_a_kind_the_dialog_offers_the_kinds(rep_client):
    response = rep_client.get(URL, **HTMX)
    content = response.content.decode()
    assert "<html" not in content  # only the dialog's content
    for kind in ("lead", "contact", "account", "deal", "activity"):
        assert f"?kind={kind}" in content
    assert "<form" not in content


def test_without_javascript_it_is_a_page(rep_client):
    response = rep_client.get(f"{URL}?kind=deal")
    content = response.content.decode()
    assert "<html" in content and "<h1>Quick add</h1>" in content
    assert 'name="account_name"' in content


def test_a_lead(rep_client, rep):
    response = post(
        rep_client,
        "lead",
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "company": "Engines Ltd",
            "email": "ADA@engines.example",
            "phone": "+49 30 1234567",
            "source": "seo",
        },
    )
    lead = Lead.objects.get()
    assert (lead.full_name, lead.company, lead.email, lead.owner) == (
        "Ada Lovelace",
        "Engines Ltd",
        "ada@engines.example",
        rep,
    )
    content = response.content.decode()
    assert "Created" in content and f'href="{lead.get_absolute_url()}"' in content
    assert "Add another" in content and ">Open</a>" in content


def test_a_contact_at_an_existing_account_is_attached_to_it(rep_client, rep, teammate):
    account = AccountFactory(owner=teammate, name="Globex GmbH")
    response = post(
        rep_client,
        "contact",
        {"first_name": "Hank", "last_name": "Scorpio", "email": "", "phone": "",
         "account_name": "  globex   gmbh "},
    )  # fmt: skip
    contact = Contact.objects.get()
    assert contact.account == account and contact.owner == rep
    assert Account.objects.count() == 1
    assert "did not exist yet" not in response.content.decode()


def test_an_account(rep_client, rep):
    post(rep_client, "account", {"name": "Initech", "industry": "Software", "region": "Europe",
                                 "website": "initech.example"})  # fmt: skip
    account = Account.objects.get()
    assert (account.name, account.owner, account.website) == (
        "Initech",
        rep,
        "https://initech.example",
    )


def test_an_account_that_exists_already_is_refused_on_its_name(rep_client, rep):
    AccountFactory(owner=rep, name="Initech")
    response = post(rep_client, "account", {"name": "INITECH"})
    assert "already exists" in field_errors(response)["name"][0]
    assert Account.objects.count() == 1


def test_a_deal_with_a_new_account_creates_the_account_once(rep_client, rep):
    data = {
        "name": "Fleet renewal",
        "account_name": "Umbrella Corp",
        "amount": "15000",
        "currency": "",
        "expected_close_on": "2031-05-01",
        "pipeline": default_pipeline().pk,
    }
    response = post(rep_client, "deal", data)
    deal = Deal.objects.get()
    account = Account.objects.get()
    assert deal.account == account and account.owner == rep and deal.owner == rep
    assert (deal.amount, deal.currency, deal.expected_close_on) == (
        Decimal("15000"),
        "EUR",
        dt.date(2031, 5, 1),
    )
    assert deal.stage == default_pipeline().stages.order_by("position").first()
    assert "The account “Umbrella Corp” did not exist yet and was created" in (
        response.content.decode()
    )
    # The second deal for the same name uses the account: no duplicate.
    response = post(rep_client, "deal", {**data, "name": "Second", "account_name": "umbrella corp"})
    assert Account.objects.count() == 1
    assert Deal.objects.get(name="Second").account == account
    assert "did not exist yet" not in response.content.decode()


def test_a_rep_cannot_attach_to_another_teams_private_account(rep_client, rep, outsider):
    private = AccountFactory(owner=outsider, name="Secret Co", visibility="private")
    post(rep_client, "deal", {"name": "Peek", "account_name": "Secret Co",
                              "pipeline": default_pipeline().pk})  # fmt: skip
    deal = Deal.objects.get()
    assert deal.account != private and deal.account.owner == rep
    assert not private.deals.exists()
    # Nor through an activity's related record.
    response = post(
        rep_client, "activity", {"type": "call", "subject": "Snoop", "account": private.pk}
    )
    assert "account" in field_errors(response)
    assert not Activity.objects.exists()


def test_an_activity_on_a_deal(rep_client, rep):
    deal = DealFactory(owner=rep, name="Fleet renewal")
    page = rep_client.get(f"{URL}?kind=activity", **HTMX).content.decode()
    assert f'<option value="{deal.pk}">Fleet renewal</option>' in page
    assert 'data-picker-url="/search/pick/deal/"' in page
    data = {"type": "call", "subject": "Call the buyer", "due_at": "2031-05-01T10:00"}
    post(rep_client, "activity", {**data, "deal": deal.pk})
    activity = Activity.objects.get()
    assert (activity.subject, activity.deal, activity.account, activity.owner) == (
        "Call the buyer",
        deal,
        deal.account,
        rep,
    )


def test_an_activity_on_a_readable_record_of_a_teammate(rep_client, teammate):
    lead = LeadFactory(owner=teammate)
    post(rep_client, "activity", {"type": "email", "subject": "Intro", "lead": lead.pk})
    assert Activity.objects.get().lead == lead


@pytest.mark.parametrize(
    ("kind", "data", "field"),
    [
        ("lead", {"first_name": "Ada", "source": "seo", "email": "not-an-email"}, "email"),
        ("lead", {"first_name": "Ada", "source": ""}, "source"),
        ("contact", {"first_name": "Hank", "last_name": "", "account_name": "Brand New"},
         "last_name"),
        ("account", {"name": ""}, "name"),
        ("deal", {"name": "", "account_name": "Brand New"}, "name"),
        ("deal", {"name": "Big", "amount": "lots", "account_name": "Brand New"}, "amount"),
        ("activity", {"type": "", "subject": "Call"}, "type"),
        ("activity", {"type": "call", "subject": "Call"}, "deal"),
        ("activity", {"type": "call", "subject": "Call", "deal": "999999"}, "deal"),
    ],
)  # fmt: skip
def test_bad_input_names_the_field_and_creates_nothing(rep_client, kind, data, field):
    if kind == "deal":
        data = {"pipeline": default_pipeline().pk, **data}
    response = post(rep_client, kind, data)
    assert response.status_code == 200
    assert field in field_errors(response)
    content = response.content.decode()
    assert 'aria-invalid="true"' in content and "has-error" in content
    assert not Lead.objects.exists() and not Contact.objects.exists()
    assert not Account.objects.exists() and not Deal.objects.exists()
    assert not Activity.objects.exists()


def test_a_refusal_by_the_service_creates_no_account(rep_client, rep):
    """The deal service refuses a primary contact of another account; here: a contact whose
    phone the contact service refuses, after the account was typed."""
    data = {"first_name": "Hank", "last_name": "Scorpio", "phone": "12"}
    response = post(rep_client, "contact", {**data, "account_name": "Brand New"})
    assert "phone" in field_errors(response)
    assert not Account.objects.exists() and not Contact.objects.exists()


def test_without_javascript_a_save_redirects_to_the_created_record(rep_client):
    response = post(rep_client, "account", {"name": "Initech"}, htmx=False)
    account = Account.objects.get()
    assert response.status_code == 302
    page = rep_client.get(response["Location"]).content.decode()
    assert f'href="{account.get_absolute_url()}"' in page and "Created account" in page


def test_the_created_page_shows_only_a_readable_record(rep_client, outsider):
    hidden = AccountFactory(owner=outsider, visibility="private", name="Hidden Co")
    page = rep_client.get(f"{URL}?kind=account&created={hidden.pk}").content.decode()
    assert "Hidden Co" not in page and 'name="name"' in page


def test_the_forms_are_cheap_whatever_the_number_of_records(
    rep_client, rep, django_assert_max_num_queries
):
    for _ in range(25):
        ContactFactory(owner=rep)
    with django_assert_max_num_queries(14):
        response = rep_client.get(f"{URL}?kind=activity", **HTMX)
    content = response.content.decode()
    contact_select = content[content.index('name="contact"') :].split("</select>", 1)[0]
    assert contact_select.count("<option") == 21  # "—" and 20 suggestions, not every record
    for kind in ("lead", "contact", "account", "deal"):
        with django_assert_max_num_queries(6):
            rep_client.get(f"{URL}?kind={kind}", **HTMX)


def test_the_shortcuts_page_lists_every_shortcut(rep_client):
    content = rep_client.get(reverse("pages:shortcuts")).content.decode()
    for keys in ("<kbd>/</kbd>", "<kbd>n</kbd> <kbd>d</kbd>", "<kbd>j</kbd>", "<kbd>k</kbd>",
                 "<kbd>g</kbd> <kbd>h</kbd>", "<kbd>?</kbd>"):  # fmt: skip
        assert keys in content


def test_list_pages_carry_their_record_urls_in_order(rep_client, rep):
    first = DealFactory(owner=rep, name="A first")
    second = DealFactory(owner=rep, name="B second")
    content = rep_client.get(reverse("pipeline:deal-list")).content.decode()
    marker = 'data-record-list="'
    urls = content[content.index(marker) + len(marker) :].split('"', 1)[0].split()
    assert set(urls) == {first.get_absolute_url(), second.get_absolute_url()}


def test_a_required_custom_field_is_asked_for(rep_client, admin_user):
    from salesflow.customfields.models import FieldType, RecordKind
    from salesflow.customfields.services import custom_field_create

    custom_field_create(
        acting_user=admin_user, kind=RecordKind.DEAL, key="region_code", label="Region code",
        type=FieldType.TEXT, is_required=True,
    )  # fmt: skip
    custom_field_create(
        acting_user=admin_user, kind=RecordKind.DEAL, key="notes_extra", label="Extra notes",
        type=FieldType.TEXT,
    )  # fmt: skip
    page = rep_client.get(f"{URL}?kind=deal", **HTMX).content.decode()
    assert "Region code" in page and "Extra notes" not in page
    data = {"name": "Big", "account_name": "Brand New", "pipeline": default_pipeline().pk}
    response = post(rep_client, "deal", data)
    assert "custom.region_code" in field_errors(response)
    assert not Deal.objects.exists() and not Account.objects.exists()
    post(rep_client, "deal", {**data, "custom.region_code": "N1"})
    assert Deal.objects.get().custom["region_code"] == "N1"


def test_a_record_refused_by_its_service_leaves_no_new_account(rep_client, monkeypatch):
    from django.core.exceptions import ValidationError

    from salesflow.pages import views_quickadd

    def refuse(**data):
        assert data["account"].pk  # the account was made first, in the same transaction
        raise ValidationError({"account": "This account cannot take deals."})

    monkeypatch.setitem(views_quickadd.CREATE, "deal", refuse)
    response = post(rep_client, "deal", {"name": "Big", "account_name": "Brand New",
                                         "pipeline": default_pipeline().pk})  # fmt: skip
    assert field_errors(response)["account_name"] == ["This account cannot take deals."]
    assert not Account.objects.exists()


def test_opened_on_a_record_page_it_fills_in_that_record(rep_client, rep, outsider):
    deal = DealFactory(owner=rep, name="Fleet renewal")
    page = rep_client.get(
        f"{URL}?kind=activity&from={deal.get_absolute_url()}", **HTMX
    ).content.decode()
    assert f'<option value="{deal.pk}" selected>Fleet renewal</option>' in page
    # The kind switcher keeps where it was opened.
    assert f"kind=deal&amp;from={deal.get_absolute_url()}" in page
    page = rep_client.get(f"{URL}?kind=deal&from={deal.get_absolute_url()}", **HTMX)
    assert f'value="{deal.account.name}"' in page.content.decode()
    contact = ContactFactory(owner=rep)
    page = rep_client.get(f"{URL}?kind=contact&from={contact.account.get_absolute_url()}", **HTMX)
    assert f'value="{contact.account.name}"' in page.content.decode()


def test_a_record_page_the_user_cannot_read_fills_in_nothing(rep_client, outsider):
    hidden = AccountFactory(owner=outsider, visibility="private", name="Hidden Co")
    page = rep_client.get(f"{URL}?kind=deal&from={hidden.get_absolute_url()}", **HTMX)
    assert "Hidden Co" not in page.content.decode()
    page = rep_client.get(f"{URL}?kind=activity&from={hidden.get_absolute_url()}", **HTMX)
    assert "Hidden Co" not in page.content.decode()
    for odd in ("https://evil.example/deals/1/", "/nowhere/", "//evil.example/"):
        assert rep_client.get(f"{URL}?kind=deal&from={odd}", **HTMX).status_code == 200
