"""Every settings page is reachable from the Settings tabs, lead settings too (issue 12)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from conftest import client_for

pytestmark = pytest.mark.django_db

# Every settings page of every app: (URL name, the tab it is on).
SETTINGS_PAGES = [
    "pipeline-settings:pipeline-list",
    "pipeline-settings:lost-reasons",
    "playbook-settings:checklists",
    "playbook-settings:question-sets",
    "playbook-settings:next-actions",
    "playbook-settings:library",
    "quote-settings:product-list",
    "quote-settings:settings",
    "customfield-settings:field-list",
    "coaching:rubric",
    "followup:tier-list",
    "activities:invitation-reasons",
    "lead-settings:criterion-list",
]


def tabs_of(content: str) -> str:
    match = re.search(
        r'<nav class="tabs settings-tabs" aria-label="Settings">(.*?)</nav>', content, re.S
    )
    assert match, "no settings tabs on the page"
    return match.group(1)


@pytest.mark.parametrize("name", SETTINGS_PAGES)
def test_every_settings_page_shows_tabs_to_every_other(admin_user, name):
    client = client_for(admin_user)
    tabs = tabs_of(client.get(reverse(name)).content.decode())
    for other in SETTINGS_PAGES:
        if other == "lead-settings:criterion-list":
            other = "lead-settings:index"
        assert f'href="{reverse(other)}"' in tabs, other


def test_the_lead_settings_tab_is_current_on_lead_settings(admin_user):
    content = client_for(admin_user).get(reverse("lead-settings:scoring")).content.decode()
    tabs = tabs_of(content)
    assert f'<a href="{reverse("lead-settings:index")}" aria-current="page">Leads</a>' in tabs


def test_a_manager_reaches_lead_settings_from_the_tabs(manager):
    client = client_for(manager)
    tabs = tabs_of(client.get(reverse("playbook-settings:library")).content.decode())
    assert f'href="{reverse("lead-settings:index")}"' in tabs
    assert client.get(reverse("lead-settings:index"), follow=True).status_code == 200
