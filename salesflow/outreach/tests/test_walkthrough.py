"""Fixes from the new-user walkthrough: typed text wins over a template, the timeline hides the
unsubscribe link, the deal email names its recipient, edit pages, readable segment filters and
merge fields, wide tables scroll, and sending a campaign is confirmed first."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from conftest import client_for
from salesflow.activities.models import Activity
from salesflow.outreach.models import EmailTemplate, Mailing, Recipient, Segment
from salesflow.outreach.services import mailing_send_batch, template_create
from salesflow.outreach.tests.conftest import contact
from salesflow.pipeline.models import DealStakeholder
from salesflow.users.services import token_create
from tests.factories import ContactFactory, DealFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def launch(rep):
    return template_create(
        acting_user=rep, name="Launch invite", subject="Launch, {{ first_name }}",
        body_text="Join our launch.\nUnsubscribe: {{ unsubscribe_url }}",
        body_html="<p>Join our launch.</p>",
    )  # fmt: skip


def _api(user):
    client = Client()
    headers = {"Authorization": f"Bearer {token_create(user=user)[1]}"}
    return client, headers


# ---------------------------------------------------------------- 1. what the rep typed wins


def test_typed_subject_and_body_win_over_the_chosen_template(rep, rep_client, launch, smtp_server):
    ada = contact(rep, "ada@example.org", first_name="Ada")
    url = reverse("outreach:contact-email", args=[ada.pk])
    response = rep_client.post(
        url, {"contact": ada.pk, "template": launch.pk, "subject": "Quick note",
              "body": "Thanks for today, {{ first_name }}."},
    )  # fmt: skip
    assert response.status_code == 302
    mail = smtp_server.to("ada@example.org")[0]
    assert (mail.subject, mail.text().strip()) == ("Quick note", "Thanks for today, Ada.")
    assert mail.html() == ""  # the template's HTML does not go out over the rep's words
    assert Activity.objects.get(contact=ada).subject == "Quick note"


def test_a_template_fills_only_the_empty_fields(rep, rep_client, launch, smtp_server):
    ada = contact(rep, "ada@example.org", first_name="Ada")
    url = reverse("outreach:contact-email", args=[ada.pk])
    rep_client.post(url, {"contact": ada.pk, "template": launch.pk, "subject": "Quick note"})
    mail = smtp_server.to("ada@example.org")[0]
    assert mail.subject == "Quick note"
    assert mail.text().startswith("Join our launch.")


def test_use_template_prefills_the_form_so_the_rep_sees_what_goes_out(rep, rep_client, launch):
    ada = contact(rep, "ada@example.org")
    url = reverse("outreach:contact-email", args=[ada.pk])
    pressed = rep_client.post(url, {"contact": ada.pk, "template": launch.pk, "use_template": "1"})
    assert pressed.status_code == 302 and f"template={launch.pk}" in pressed["Location"]
    page = rep_client.get(pressed["Location"]).content.decode()
    assert 'value="Launch, {{ first_name }}"' in page
    assert "Join our launch." in page
    assert "Use template" in page
    # A template the rep cannot read fills nothing.
    hidden = EmailTemplate.objects.create(
        name="Secret", subject="Secret subject", body_text="x", visibility="private",
        owner=ContactFactory().owner,
    )  # fmt: skip
    assert "Secret subject" not in rep_client.get(f"{url}?template={hidden.pk}").content.decode()


def test_api_typed_text_wins_over_the_template(rep, launch, smtp_server):
    ada = contact(rep, "ada@example.org", first_name="Ada")
    client, headers = _api(rep)
    response = client.post(
        f"/api/v1/contacts/{ada.pk}/email",
        {"template_id": launch.pk, "subject": "Quick note", "body": "My own words"},
        content_type="application/json", headers=headers,
    )  # fmt: skip
    assert response.status_code == 201, response.content
    mail = smtp_server.to("ada@example.org")[0]
    assert (mail.subject, mail.text().strip()) == ("Quick note", "My own words")


# ------------------------------------------------ 2. no working link on the timeline


def test_the_timeline_email_holds_no_working_unsubscribe_link(rep, rep_client, launch, smtp_server):
    ada = contact(rep, "ada@example.org")
    rep_client.post(
        reverse("outreach:contact-email", args=[ada.pk]), {"contact": ada.pk, "template": launch.pk}
    )
    sent = smtp_server.to("ada@example.org")[0].text()
    assert "/unsubscribe/" in sent  # the customer still gets a working link
    body = Activity.objects.get(contact=ada).body
    assert "/unsubscribe/" not in body and "[unsubscribe link]" in body


def test_campaign_timeline_entries_hold_no_working_unsubscribe_link(
    rep, rep_client, template, segment, mailing, smtp_server, django_capture_on_commit_callbacks
):
    ada = contact(rep, "ada@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        rep_client.post(reverse("outreach:campaign-send", args=[mailing.pk]))
    mailing_send_batch(mailing.pk)
    assert "/unsubscribe/" in smtp_server.to("ada@example.org")[0].text()
    body = Activity.objects.get(contact=ada).body
    assert "/unsubscribe/" not in body and "[unsubscribe link]" in body


# ------------------------------------------------ 3. the deal email names its recipient


def test_deal_email_shows_and_offers_the_deal_contacts(rep, rep_client, smtp_server):
    deal = DealFactory(owner=rep)
    deal.primary_contact = ContactFactory(
        owner=rep, first_name="Pia", last_name="Prime", email="pia@example.org"
    )
    deal.save()
    dnc = ContactFactory(owner=rep, first_name="Dan", last_name="Never", email="dan@example.org",
                         do_not_contact=True)  # fmt: skip
    DealStakeholder.objects.create(deal=deal, contact=dnc, role="champion")
    url = reverse("outreach:deal-email", args=[deal.pk])
    page = rep_client.get(url).content.decode()
    assert "Pia Prime &lt;pia@example.org&gt;" in page
    assert "Dan Never &lt;dan@example.org&gt; (do not contact)" in page
    assert re.search(r"<label[^>]*>To", page)
    refused = rep_client.post(url, {"contact": dnc.pk, "subject": "Hi", "body": "x"})
    assert refused.status_code == 200
    assert "Dan Never is marked do not contact." in refused.content.decode()
    assert smtp_server.received == []


def test_deal_email_with_one_contact_says_who_receives_it(rep, rep_client):
    deal = DealFactory(owner=rep)
    deal.primary_contact = ContactFactory(
        owner=rep, first_name="Pia", last_name="Prime", email="pia@example.org"
    )
    deal.save()
    page = rep_client.get(reverse("outreach:deal-email", args=[deal.pk])).content.decode()
    assert "<strong>To:</strong> Pia Prime &lt;pia@example.org&gt;" in page


# ---------------------------------------------------------------- 4. edit pages and PATCH


def test_a_segment_is_edited_with_the_same_form(rep, rep_client, segment):
    url = reverse("outreach:segment-edit", args=[segment.pk])
    assert url in rep_client.get(segment.get_absolute_url()).content.decode()
    form = rep_client.get(url).content.decode()
    assert 'value="Software"' in form
    response = rep_client.post(
        url, {"name": "Software firms", "visibility": "team", "industry": "Software, Retail"}
    )
    assert response.status_code == 302
    segment.refresh_from_db()
    assert (segment.name, segment.filters["industry"]) == ("Software firms", ["Software", "Retail"])


def test_a_template_edit_is_validated_like_a_new_one(rep, rep_client, template):
    url = reverse("outreach:template-edit", args=[template.pk])
    refused = rep_client.post(
        url, {"name": "T", "subject": "S", "body_text": "Hi {{ nickname }}", "visibility": "team"}
    )
    assert refused.status_code == 200 and "{{ nickname }}" in refused.content.decode()
    template.refresh_from_db()
    assert template.name == "Spring update"
    saved = rep_client.post(
        url, {"name": "Spring", "subject": "Hi", "body_text": "Hi {{ first_name }}",
              "visibility": "team"},
    )  # fmt: skip
    assert saved.status_code == 302
    template.refresh_from_db()
    assert (template.name, template.subject) == ("Spring", "Hi")


def test_a_teammate_who_may_only_read_cannot_edit(rep, outsider, segment, template):
    segment.visibility = template.visibility = "public"
    segment.save()
    template.save()
    client = client_for(outsider)
    response = client.post(
        reverse("outreach:segment-edit", args=[segment.pk]), {"name": "Mine", "visibility": "team"}
    )
    assert response.status_code in (403, 404)
    assert Segment.objects.get(pk=segment.pk).name == "Software"


def test_a_draft_campaign_is_editable_a_sent_one_is_not(
    rep, rep_client, mailing, django_capture_on_commit_callbacks
):
    url = reverse("outreach:campaign-edit", args=[mailing.pk])
    data = {"name": "Renamed", "kind": "newsletter", "template": mailing.template_id,
            "segment": mailing.segment_id, "visibility": "team"}  # fmt: skip
    assert rep_client.post(url, data).status_code == 302
    assert Mailing.objects.get(pk=mailing.pk).name == "Renamed"
    with django_capture_on_commit_callbacks(execute=True):
        rep_client.post(reverse("outreach:campaign-send", args=[mailing.pk]))
    data["name"] = "Too late"
    rep_client.post(url, data)
    assert Mailing.objects.get(pk=mailing.pk).name == "Renamed"


def test_api_patches_segments_and_templates(rep, outsider, segment, template):
    client, headers = _api(rep)
    changed = client.patch(
        f"/api/v1/segments/{segment.pk}", {"name": "Retail", "filters": {"industry": ["Retail"]}},
        content_type="application/json", headers=headers,
    )  # fmt: skip
    assert changed.status_code == 200, changed.content
    segment.refresh_from_db()
    assert (segment.name, segment.filters) == ("Retail", {"industry": ["Retail"]})
    refused = client.patch(
        f"/api/v1/email-templates/{template.pk}", {"body_text": "Hi {{ nickname }}"},
        content_type="application/json", headers=headers,
    )  # fmt: skip
    assert refused.status_code == 422
    assert EmailTemplate.objects.get(pk=template.pk).body_text == template.body_text
    ok = client.patch(
        f"/api/v1/email-templates/{template.pk}", {"subject": "New"},
        content_type="application/json", headers=headers,
    )  # fmt: skip
    assert ok.status_code == 200 and ok.json()["body_text"] == template.body_text
    other, other_headers = _api(outsider)
    denied = other.patch(
        f"/api/v1/segments/{segment.pk}", {"name": "Mine"},
        content_type="application/json", headers=other_headers,
    )  # fmt: skip
    assert denied.status_code in (403, 404)
    assert Segment.objects.get(pk=segment.pk).name == "Retail"


# ---------------------------------------------------------------- 5-7. readable pages


def test_campaign_recipients_and_segment_sample_scroll_sideways(
    rep, rep_client, segment, mailing, django_capture_on_commit_callbacks
):
    contact(rep, "ada@example.org")
    with django_capture_on_commit_callbacks(execute=False):
        rep_client.post(reverse("outreach:campaign-send", args=[mailing.pk]))
    page = rep_client.get(mailing.get_absolute_url()).content.decode()
    assert re.search(
        r'<div class="table-wrap">\s*<table class="table">\s*<caption[^>]*>Recipients', page
    )
    page = rep_client.get(segment.get_absolute_url()).content.decode()
    assert re.search(r'<div class="table-wrap">\s*<table class="table">', page)


def test_segment_page_shows_labels_not_raw_values(rep, rep_client):
    rep.first_name, rep.last_name = "Sara", "Rossi"
    rep.save()
    rep_client.post(
        reverse("outreach:segment-create"),
        {"name": "Cars", "visibility": "team", "industry": "automotive", "owner": rep.pk,
         "has_consent": "yes", "tier": ["A"]},
    )  # fmt: skip
    page = rep_client.get(Segment.objects.get().get_absolute_url()).content.decode()
    assert "Industry: automotive" in page
    assert "Owner: Sara Rossi" in page
    assert "Consent: Has consent" in page
    assert "Tier: A (key account)" in page
    assert "owner_id" not in page.lower()
    assert "[&#x27;automotive&#x27;]" not in page


def test_template_page_lists_merge_fields_as_typed(rep_client, template):
    page = rep_client.get(template.get_absolute_url()).content.decode()
    assert (
        "<tr><td><code>{{ first_name }}</code></td><td>The contact&#x27;s first name</td></tr>"
        in page
    )


# ---------------------------------------------------------------- 8. sending is confirmed first


def test_send_campaign_asks_first_with_the_counts(
    rep, rep_client, template, segment, mailing, smtp_server, django_capture_on_commit_callbacks
):
    contact(rep, "yes@example.org")
    contact(rep, "dnc@example.org", do_not_contact=True)
    contact(rep, "nope@example.org", has_consent=False)
    detail = rep_client.get(mailing.get_absolute_url()).content.decode()
    send_url = reverse("outreach:campaign-send", args=[mailing.pk])
    assert f'href="{send_url}"' in detail  # a link to the confirmation, not a one-click POST
    confirm = rep_client.get(send_url).content.decode()
    assert "<strong>1</strong> contact will receive" in confirm
    assert "Do not contact: 1" in confirm and "No marketing consent: 1" in confirm
    assert not Recipient.objects.exists()
    assert Mailing.objects.get(pk=mailing.pk).status == "draft"
    with django_capture_on_commit_callbacks(execute=True):
        assert rep_client.post(send_url).status_code == 302
    assert Mailing.objects.get(pk=mailing.pk).status != "draft"
