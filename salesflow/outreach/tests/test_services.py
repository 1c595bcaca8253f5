"""Segments, templates and merge fields, campaigns' own rules."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from salesflow.core.errors import AccessDenied
from salesflow.outreach.merge import merge, merge_values
from salesflow.outreach.segments import segment_members
from salesflow.outreach.services import (
    bounces_record,
    mailing_create,
    mailing_send,
    mailing_send_batch,
    segment_create,
    template_create,
)
from salesflow.outreach.tests.conftest import contact
from salesflow.users.models import Visibility
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_unknown_merge_field_is_refused_naming_field_and_merge_field(rep):
    with pytest.raises(ValidationError) as refused:
        template_create(
            acting_user=rep, name="Oops", subject="Hi {{ first_name }}",
            body_text="Dear {{ firstname }}", body_html="<p>{{ password }}</p>",
        )  # fmt: skip
    errors = refused.value.message_dict
    assert "{{ firstname }}" in errors["body_text"][0]
    assert "{{ password }}" in errors["body_html"][0]
    assert "subject" not in errors


def test_merge_fields_fill_in_the_contact_and_owner(rep):
    rep.first_name, rep.last_name, rep.email = "Rita", "Rep", "rita@sales.example"
    person = contact(rep, "x@example.org", first_name="Ada", last_name="Lovelace", company="Acme")
    values = merge_values(person, sender=rep, unsubscribe_url="https://u")
    text = "{{first_name}} {{ last_name }} of {{ company }}: {{ owner_name }} <{{ owner_email }}>"
    assert merge(text, values) == "Ada Lovelace of Acme: Rita Rep <rita@sales.example>"
    person.first_name = "<b>Ada</b>"
    assert merge(
        "{{ first_name }}", merge_values(person, sender=rep, unsubscribe_url=""), html=True
    ) == ("&lt;b&gt;Ada&lt;/b&gt;")


def test_segment_filters_select_by_account_and_contact(rep):
    wanted = ContactFactory(
        owner=rep, has_consent=True,
        account=AccountFactory(owner=rep, industry="Software", region="Nordics", tier="A"),
    )  # fmt: skip
    ContactFactory(owner=rep, account=AccountFactory(owner=rep, industry="Software", tier="C"))
    ContactFactory(owner=rep, account=AccountFactory(owner=rep, industry="Retail", tier="A"))
    segment = segment_create(
        acting_user=rep, name="Key software",
        filters={"industry": ["software"], "tier": ["A"], "has_consent": True},
    )  # fmt: skip
    assert list(segment_members(rep, segment.filters)) == [wanted]


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"tier": ["Z"]}, "tier"),
        ({"size_band": "huge"}, "size_band"),
        ({"owner_id": 999999}, "owner_id"),
        ({"has_consent": "maybe"}, "has_consent"),
        ({"colour": "red"}, "filters"),
        ({"custom": {"custom.nope": "1"}}, "custom"),
    ],
)
def test_bad_segment_filters_are_refused_naming_the_filter(rep, filters, field):
    with pytest.raises(ValidationError) as refused:
        segment_create(acting_user=rep, name="Bad", filters=filters)
    assert field in refused.value.message_dict


def test_segment_members_are_limited_to_what_the_user_may_read(rep, outsider):
    mine = contact(rep, "mine@example.org")
    contact(outsider, "theirs@example.org")
    segment = segment_create(acting_user=rep, name="All", filters={}, visibility="everyone")
    assert list(segment_members(rep, segment.filters)) == [mine]


def test_a_campaign_needs_a_template_and_segment_the_creator_may_read(
    rep, outsider, template, segment
):
    with pytest.raises(ValidationError) as refused:
        mailing_create(
            acting_user=outsider, name="Steal", kind="newsletter", template=template,
            segment=segment,
        )  # fmt: skip
    assert set(refused.value.message_dict) == {"template", "segment"}


def test_a_teammate_may_send_a_team_campaign_but_an_outsider_may_not(
    rep, teammate, outsider, mailing
):
    with pytest.raises(AccessDenied):
        mailing_send(mailing, acting_user=outsider)
    mailing.refresh_from_db()
    assert mailing.status == "draft"
    mailing_send(mailing, acting_user=teammate)
    mailing.refresh_from_db()
    assert (mailing.status, mailing.sent_by) == ("sending", teammate)


def test_bounces_reported_later_mark_the_sent_rows(rep, mailing, smtp_server):
    contact(rep, "bounce@example.org")
    contact(rep, "fine@example.org")
    mailing_send(mailing, acting_user=rep)
    mailing_send_batch(mailing.pk)
    assert bounces_record(mailing, acting_user=rep, emails=["BOUNCE@example.org"]) == 1
    statuses = dict(mailing.recipients.values_list("email", "status"))
    assert statuses == {"bounce@example.org": "bounced", "fine@example.org": "sent"}


def test_private_segments_are_hidden_from_teammates(rep, teammate):
    from salesflow.outreach.selectors import segments_visible_to

    private = segment_create(acting_user=rep, name="Mine", visibility=Visibility.PRIVATE)
    assert private not in segments_visible_to(teammate)
    assert private in segments_visible_to(rep)


def test_custom_field_filters_select_contacts_and_a_removed_field_stops_the_campaign(
    rep, template, smtp_server
):
    from salesflow.customfields.models import CustomField

    field = CustomField.objects.create(kind="contact", key="visits", label="Visits", type="number")
    many = contact(rep, "many@example.org", custom={"visits": 7})
    contact(rep, "few@example.org", custom={"visits": 1})
    segment = segment_create(
        acting_user=rep, name="Regulars", filters={"custom": {"custom.visits__gte": 5}}
    )
    assert segment.filters["custom"] == {"custom.visits__gte": "5"}
    assert list(segment_members(rep, segment.filters)) == [many]
    with pytest.raises(ValidationError) as refused:
        segment_create(acting_user=rep, name="Bad", filters={"custom": {"custom.visits": [1]}})
    assert "custom" in refused.value.message_dict

    field.delete()
    assert list(segment_members(rep, segment.filters)) == []
    mailing = mailing_create(
        acting_user=rep, name="M", kind="newsletter", template=template, segment=segment
    )
    with pytest.raises(ValidationError) as stopped:
        mailing_send(mailing, acting_user=rep)
    assert "segment" in stopped.value.message_dict
    mailing.refresh_from_db()
    assert mailing.status == "draft"
