"""A privacy request in the browser, on a desktop and a phone: the export page lists the other
places that name the person, and erasing renames the deal named after them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from salesflow.pipeline.models import Deal
from tests.factories import ContactFactory, DealFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1440, "height": 900}, {"width": 390, "height": 844}],
    ids=["desk", "phone"],
)
def test_the_admin_sees_where_the_person_is_and_erases_them(page, viewport, screenshot):
    page.set_viewport_size(viewport)
    admin = UserFactory(username="ada", role="admin", is_staff=True)
    contact = ContactFactory(
        owner=admin, first_name="Ines", last_name="Varga", email="iv@x.example"
    )
    deal = DealFactory(owner=admin, name="Ines Varga renewal", primary_contact=contact)

    page.goto("/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/privacy/contact/{contact.pk}/")
    places = page.get_by_role("region", name="Elsewhere")
    expect(places).to_contain_text("Deals (named after the person")
    expect(places).to_contain_text("Ines Varga renewal")
    screenshot(f"privacy-export-{viewport['width']}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"] + 1  # nothing runs off the screen

    page.get_by_label('Type "erase" to confirm').fill("erase")
    page.get_by_role("button", name="Erase").click()
    expect(page.get_by_text("other record(s) and file(s)")).to_be_visible()
    assert Deal.objects.get(pk=deal.pk).name == f"Deal #{deal.pk}"
    assert page.console_errors == []
