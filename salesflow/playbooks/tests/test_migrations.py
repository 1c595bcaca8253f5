"""The default playbooks migration runs both ways."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps

from salesflow.playbooks.models import ChecklistItem, LibraryResponse, NextActionRule, QuestionSet

pytestmark = pytest.mark.django_db

defaults = import_module("salesflow.playbooks.migrations.0002_default_playbooks")


def counts() -> tuple[int, ...]:
    return (
        QuestionSet.objects.count(),
        QuestionSet.objects.get().questions.count() if QuestionSet.objects.exists() else 0,
        ChecklistItem.objects.count(),
        NextActionRule.objects.count(),
        LibraryResponse.objects.count(),
    )


def test_default_playbooks_are_removed_and_seeded_again_without_duplicates():
    assert counts() == (1, 4, 4, 4, 8)
    defaults.playbooks_remove(apps, None)
    assert counts() == (0, 0, 0, 0, 0)
    defaults.playbooks_create(apps, None)
    defaults.playbooks_create(apps, None)
    assert counts() == (1, 4, 4, 4, 8)
