"""Edit conflicts on every kind of record: two tabs read the same version, the first save wins,
the second answers 409 with both versions side by side, and only the user's choices are saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from conftest import client_for
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
)

# kind: (factory, edit URL name, two fields both tabs change, a field only tab A changes)
KINDS: dict[str, tuple[Any, str, dict[str, tuple[str, str]], tuple[str, str]]] = {
    "deal": (
        DealFactory,
        "pipeline:deal-edit",
        {"name": ("Fleet A", "Fleet B"), "amount": ("1111", "2222")},
        ("expected_close_on", "2031-03-04"),
    ),
    "account": (
        AccountFactory,
        "customers:account-edit",
        {"name": ("Acme A", "Acme B"), "website": ("https://a.example", "https://b.example")},
        ("notes", "Called by A"),
    ),
    "contact": (
        ContactFactory,
        "customers:contact-edit",
        {"first_name": ("Ann", "Bea"), "position": ("CFO", "CTO")},
        ("notes", "Met by A"),
    ),
    "lead": (
        LeadFactory,
        "leads:lead-edit",
        {"company": ("Acme A", "Acme B"), "title": ("CFO", "CTO")},
        ("notes", "Noted by A"),
    ),
    "activity": (
        ActivityFactory,
        "activities:activity-edit",
        {"subject": ("Call A", "Call B"), "body": ("Notes A", "Notes B")},
        ("due_at", "2031-03-04T10:30"),
    ),
}


def form_data(form) -> dict[str, Any]:
    """What the browser would send for the form as shown."""
    data: dict[str, Any] = {}
    for field in form:
        value = field.value()
        if field.widget_type == "checkbox":
            if value:
                data[field.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[field.html_name] = [str(item) for item in value]
        elif value is not None:
            data[field.html_name] = str(value)
    return data


def tab_open(client, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200
    return form_data(response.context["form"])


@pytest.fixture(params=list(KINDS))
def kind(request):
    return request.param


def open_two_tabs(kind, rep):
    factory, url_name, _, _ = KINDS[kind]
    record = factory(owner=rep)
    url = reverse(url_name, args=[record.pk])
    client = client_for(rep)
    return record, url, client, tab_open(client, url), tab_open(client, url)


def test_the_second_save_from_the_same_version_answers_409_and_keeps_the_first(kind, rep):
    record, url, client, tab_a, tab_b = open_two_tabs(kind, rep)
    _, _, both, (only_a, only_a_value) = KINDS[kind]
    for name, (a_value, b_value) in both.items():
        tab_a[name] = a_value
        tab_b[name] = b_value
    tab_a[only_a] = only_a_value
    assert client.post(url, tab_a).status_code == 302

    response = client.post(url, tab_b)

    assert response.status_code == 409
    content = response.content.decode()
    assert "Someone else saved this" in content
    assert "version 2" not in content  # no developer wording
    record.refresh_from_db()
    for name, (a_value, _) in both.items():
        assert str(getattr(record, name)).startswith(a_value.split("T")[0])
    conflict = response.context["form"].conflict
    rows = {row.name: row for row in conflict.rows}
    for name, (a_value, b_value) in both.items():
        assert rows[name].choose
        assert b_value in rows[name].mine.replace(",", "")  # 2,222.00 for an amount
        assert a_value in rows[name].saved.replace(",", "")
        assert f'name="keep-{name}" value="mine"' in content
    assert not rows[only_a].choose  # tab B did not touch it: kept as they saved it
    assert "Changed by them, kept" in content
    # The stale values cannot be saved by pressing Save again: no field carries them.
    for name, (_, b_value) in both.items():
        assert f'name="{name}" value="{b_value}"' not in content


def test_choosing_mine_for_one_field_and_saved_for_another_saves_exactly_that(kind, rep):
    record, url, client, tab_a, tab_b = open_two_tabs(kind, rep)
    _, _, both, (only_a, only_a_value) = KINDS[kind]
    (first, (_a_first, b_first)), (second, (a_second, _)) = list(both.items())
    for name, (a_value, b_value) in both.items():
        tab_a[name] = a_value
        tab_b[name] = b_value
    tab_a[only_a] = only_a_value
    client.post(url, tab_a)
    conflict = client.post(url, tab_b).context["form"].conflict

    resolve = {
        "conflict-resolve": "1",
        "version": conflict.version,
        "original": conflict.original,
        "conflict-field": [first, second],
        f"keep-{first}": "mine",
        f"mine-{first}": b_first,
        f"keep-{second}": "saved",
        f"mine-{second}": "ignored",
    }
    response = client.post(url, resolve)

    assert response.status_code == 302
    record.refresh_from_db()
    assert str(getattr(record, first)) == b_first
    assert str(getattr(record, second)).startswith(a_second.replace("1111", "1111"))
    assert str(getattr(record, only_a)).startswith(only_a_value.split("T")[0])


def test_nothing_is_saved_until_every_field_is_chosen(rep):
    record, url, client, tab_a, tab_b = open_two_tabs("deal", rep)
    tab_a.update(name="Fleet A", amount="1111")
    tab_b.update(name="Fleet B", amount="2222")
    client.post(url, tab_a)
    conflict = client.post(url, tab_b).context["form"].conflict
    resolve = {
        "conflict-resolve": "1",
        "version": conflict.version,
        "original": conflict.original,
        "conflict-field": ["name", "amount"],
        "keep-name": "mine",
        "mine-name": "Fleet B",
        "mine-amount": "2222",
    }
    response = client.post(url, resolve)
    assert response.status_code == 409
    assert "Choose which version to keep for: Amount" in response.content.decode()
    record.refresh_from_db()
    assert record.name == "Fleet A" and record.amount == 1111


def test_a_resolution_that_is_itself_stale_is_refused_again(rep, teammate):
    record, url, client, tab_a, tab_b = open_two_tabs("deal", rep)
    tab_a.update(name="Fleet A")
    tab_b.update(name="Fleet B")
    client.post(url, tab_a)
    conflict = client.post(url, tab_b).context["form"].conflict
    tab_c = tab_open(client, url)
    tab_c.update(name="Fleet C")
    client.post(url, tab_c)
    resolve = {
        "conflict-resolve": "1",
        "version": conflict.version,
        "original": conflict.original,
        "conflict-field": ["name"],
        "keep-name": "mine",
        "mine-name": "Fleet B",
    }
    response = client.post(url, resolve)
    assert response.status_code == 409
    record.refresh_from_db()
    assert record.name == "Fleet C"


def test_only_their_change_needs_no_choice_and_keeps_mine_preselected(rep):
    _record, url, client, tab_a, tab_b = open_two_tabs("deal", rep)
    tab_a.update(amount="1111")
    tab_b.update(name="Fleet B")
    client.post(url, tab_a)
    response = client.post(url, tab_b)
    rows = {row.name: row for row in response.context["form"].conflict.rows}
    assert rows["name"].choose and rows["name"].preselect == "mine"
    assert not rows["amount"].choose


def test_the_conflict_names_who_saved_when_the_history_knows(rep):
    rep.first_name, rep.last_name = "Rita", "Rep"
    rep.save()
    _record, url, client, tab_a, tab_b = open_two_tabs("deal", rep)
    tab_a.update(name="Fleet A")
    client.post(url, tab_a)
    tab_b.update(name="Fleet B")
    response = client.post(url, tab_b)
    assert "Someone else saved this deal while you were editing: Rita Rep at " in (
        response.content.decode()
    )
