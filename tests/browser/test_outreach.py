"""Customer communications in the browser: a rep emails a contact from its page (a real SMTP
server receives it, the timeline shows it), and the contact unsubscribes from a campaign email
without signing in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from salesflow.customers.models import Contact
from salesflow.outreach.services import unsubscribe_path, unsubscribe_token
from salesflow.users.models import Role
from tests.factories import ContactFactory, TeamFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def sign_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url("/login/")


def test_a_rep_emails_a_contact_and_the_contact_unsubscribes(page, smtp_server):
    rita = UserFactory(username="rita", role=Role.REP, team=TeamFactory(name="North"))
    ada = ContactFactory(
        owner=rita, first_name="Ada", last_name="Lovelace", email="ada@example.org",
        has_consent=True,
    )  # fmt: skip
    sign_in(page, "rita")
    page.goto(ada.get_absolute_url())
    page.get_by_role("link", name="Send email").click()
    page.get_by_label("Subject").fill("Our call, {{ first_name }}")
    page.get_by_label("Body").fill("Thank you for your time today.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Email sent to Ada Lovelace.")).to_be_visible()
    expect(page.get_by_text("Our call, Ada").first).to_be_visible()  # on the timeline
    assert [mail.subject for mail in smtp_server.to("ada@example.org")] == ["Our call, Ada"]

    page.context.clear_cookies()
    page.goto(unsubscribe_path(unsubscribe_token(ada.pk, None)))
    expect(page.get_by_text("ada@example.org")).to_be_visible()
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", name=re.compile("unsubscribed"))).to_be_visible()
    assert not Contact.objects.get(pk=ada.pk).has_consent
    assert page.console_errors == []


def test_template_prefill_and_confirmed_campaign_on_a_phone(page, smtp_server):
    from salesflow.outreach.services import mailing_create, segment_create, template_create

    rita = UserFactory(username="rita", role=Role.REP, team=TeamFactory(name="North"))
    ada = ContactFactory(
        owner=rita, first_name="Ada", last_name="Lovelace", email="ada-lovelace-long@example.org",
        has_consent=True,
    )  # fmt: skip
    ada.account.industry = "Software"
    ada.account.save()
    invite = template_create(
        acting_user=rita, name="Launch invite", subject="Launch, {{ first_name }}",
        body_text="Join us.\nUnsubscribe: {{ unsubscribe_url }}",
    )  # fmt: skip
    segment = segment_create(acting_user=rita, name="Software", filters={"industry": ["Software"]})
    mailing = mailing_create(
        acting_user=rita, name="Launch", kind="newsletter", template=invite, segment=segment
    )
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "rita")

    # Choosing a template shows its words in the form; the rep's change is what goes out.
    page.goto(ada.get_absolute_url())
    page.get_by_role("link", name="Send email").click()
    page.get_by_label("Template").select_option(label="Launch invite")
    page.get_by_role("button", name="Use template").click()
    expect(page.get_by_label("Subject")).to_have_value("Launch, {{ first_name }}")
    page.get_by_label("Subject").fill("Quick note")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("Email sent to Ada Lovelace.")).to_be_visible()
    assert [mail.subject for mail in smtp_server.to(ada.email)] == ["Quick note"]

    # Sending a campaign asks first, then the recipients table scrolls inside its card.
    page.goto(mailing.get_absolute_url())
    page.get_by_role("link", name="Send campaign").click()
    expect(page.get_by_text("contact will receive")).to_be_visible()
    page.get_by_role("button", name="Send to 1 contact").click()
    expect(page.get_by_text("Sending started")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert page.console_errors == []
