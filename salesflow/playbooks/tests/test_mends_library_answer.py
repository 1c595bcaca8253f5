"""A library answer opens for editing first; its "…" placeholders are never stored (issue 12)."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from salesflow.playbooks.models import DealObjection, LibraryResponse
from salesflow.playbooks.services import objection_answer, objection_log
from tests.factories import DealFactory, stage_named

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def proposing(rep):
    return DealFactory(owner=rep, stage=stage_named("Proposal and objections"))


@pytest.fixture
def value():
    answer = LibraryResponse.objects.get(title="Cost of the problem versus the price")
    assert "…" in answer.response
    return answer


@pytest.fixture
def objection(rep, proposing):
    return objection_log(
        proposing, category="price", customer_words="Too dear", acting_user=rep
    ).objection


def test_the_deal_page_opens_the_answer_in_an_editable_field(
    rep_client, proposing, value, objection
):
    content = rep_client.get(proposing.get_absolute_url()).content.decode()
    field = f'<textarea id="use-{objection.pk}-{value.pk}" name="response_given"'
    assert field in content
    start = content.index(field)
    area = content[start : content.index("</textarea>", start)]
    assert html.unescape(area.split(">", 1)[1]) == value.response  # prefilled
    assert '<mark class="placeholder">…</mark>' in content  # highlighted


def test_storing_the_answer_with_its_placeholder_is_refused_naming_it(
    rep_client, proposing, value, objection
):
    response = rep_client.post(
        reverse("playbooks:objection-answer", args=[proposing.pk]),
        {"objection": objection.pk, "library_response": value.pk, "response_given": value.response},
        **HTMX,
    )
    assert "Replace the placeholder “…”" in html.unescape(response.content.decode())
    fresh = DealObjection.objects.get(pk=objection.pk)
    assert (fresh.status, fresh.response_given, fresh.library_response) == ("open", "", None)


@pytest.mark.parametrize("words", ["", "We can start at ... per seat"])
def test_the_service_refuses_any_placeholder(rep, value, objection, words):
    with pytest.raises(ValidationError) as exc:
        objection_answer(objection, library_response=value, response_given=words, acting_user=rep)
    assert "placeholder" in exc.value.message_dict["response_given"][0]
    assert DealObjection.objects.get(pk=objection.pk).status == "open"


def test_the_edited_answer_is_stored_with_its_library_source(
    rep_client, proposing, value, objection
):
    words = value.response.replace("…", "40,000 EUR")
    rep_client.post(
        reverse("playbooks:objection-answer", args=[proposing.pk]),
        {"objection": objection.pk, "library_response": value.pk, "response_given": words},
        **HTMX,
    )
    fresh = DealObjection.objects.get(pk=objection.pk)
    assert (fresh.status, fresh.response_given, fresh.library_response) == (
        "answered",
        words,
        value,
    )


def test_the_api_refuses_a_placeholder_with_422(rep, value, objection):
    from salesflow.api.tests.conftest import ApiClient, invalid_fields

    response = ApiClient(rep).post(
        f"/objections/{objection.pk}/answer", {"library_response_id": value.pk}
    )
    assert invalid_fields(response) == {"response_given"}
    assert DealObjection.objects.get(pk=objection.pk).status == "open"
