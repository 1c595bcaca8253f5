"""Saving an import mapping in the wizard, in the browser on a desktop and a phone: a name that
belongs to someone else's mapping is refused next to the field, and the upload step offers only
the mappings the user may use."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from salesflow.imports.models import ImportMapping
from tests.factories import TeamFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LEADS_CSV = b"Email,Name\nada@example.com,Ada Lovelace\n"
DEFINITION = {"kind": "leads", "columns": {"Email": "email", "Name": "full_name"}}


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1440, "height": 900}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_a_taken_name_is_refused_and_the_picker_shows_only_readable_mappings(page, viewport):
    page.set_viewport_size(viewport)
    rita = UserFactory(
        username="rita", first_name="Rita", last_name="Rep", team=TeamFactory(name="North")
    )
    sam = UserFactory(
        username="sam", first_name="Sam", last_name="South", team=TeamFactory(name="South")
    )
    ImportMapping.objects.create(
        name="Webinar export", kind="leads", definition=DEFINITION, owner=sam,
        team=sam.teams.first(), visibility="everyone",
    )  # fmt: skip
    ImportMapping.objects.create(
        name="South only", kind="leads", definition=DEFINITION, owner=sam,
        team=sam.teams.first(), visibility="team",
    )  # fmt: skip

    page.goto("/login/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/imports/new/")
    picker = page.get_by_label("Saved mapping")
    expect(picker.locator("option", has_text="Webinar export")).to_have_count(1)
    expect(picker.locator("option", has_text="South only")).to_have_count(0)

    page.get_by_label("File", exact=True).set_input_files(
        {"name": "leads.csv", "mimeType": "text/csv", "buffer": LEADS_CSV}
    )
    page.get_by_role("button", name="Next: map the columns").click()
    page.get_by_label("Source of leads without one").select_option("other")
    page.get_by_label("Save this mapping as").fill("Webinar export")
    page.get_by_role("button", name="Next: preview").click()

    expect(
        page.get_by_text("A mapping named 'Webinar export' already exists and belongs to Sam South")
    ).to_be_visible()
    assert ImportMapping.objects.get(name="Webinar export").owner == sam

    page.get_by_label("Save this mapping as").fill("Rita's webinar export")
    page.get_by_label("Who may use the saved mapping").select_option("private")
    page.get_by_role("button", name="Next: preview").click()

    expect(page.get_by_text("Mapping “Rita's webinar export” saved.")).to_be_visible()
    mine = ImportMapping.objects.get(name="Rita's webinar export")
    assert (mine.owner, mine.visibility) == (rita, "private")
    assert not page.console_errors
