"""Admin services for playbooks: checklists, question sets, next-action rules (admins) and the
shared objection library (managers and admins)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from salesflow.core.services import fields_assign
from salesflow.pipeline.models import Stage
from salesflow.playbooks.models import (
    ChecklistItem,
    CustomerState,
    LibraryResponse,
    NextActionRule,
    Question,
    QuestionSet,
)
from salesflow.users.policy import require_admin, require_manager

CHECKLIST_ITEM_EDITABLE = {"label", "position", "is_active"}
QUESTION_SET_EDITABLE = {"name", "stage", "description", "is_active"}
QUESTION_EDITABLE = {"text", "hint", "position", "is_active"}
RULE_EDITABLE = {"action", "guidance", "activity_type", "due_in_days"}
LIBRARY_EDITABLE = {"category", "title", "response", "is_active"}


def _save(instance: Any, changes: dict[str, Any], allowed: set[str]) -> Any:
    changed = fields_assign(instance, changes, allowed=allowed)
    if changed or instance.pk is None:
        instance.full_clean()
        instance.save()
    return instance


@transaction.atomic
def checklist_item_add(
    stage: Stage, *, label: str, acting_user: Any, position: int | None = None
) -> ChecklistItem:
    require_admin(acting_user)
    if position is None:
        position = stage.checklist_items.count() + 1
    item = ChecklistItem(stage=stage, label=label.strip(), position=position)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def checklist_item_update(
    item: ChecklistItem, *, acting_user: Any, **changes: Any
) -> ChecklistItem:
    """Label, position, or `is_active=False` to retire an item (its ticks stay)."""
    require_admin(acting_user)
    return _save(item, changes, CHECKLIST_ITEM_EDITABLE)


@transaction.atomic
def question_set_create(
    *,
    name: str,
    acting_user: Any,
    stage: Stage | None = None,
    questions: Sequence[str] = (),
    description: str = "",
) -> QuestionSet:
    require_admin(acting_user)
    question_set = QuestionSet(name=name.strip(), stage=stage, description=description)
    question_set.full_clean()
    question_set.save()
    for position, text in enumerate(questions, 1):
        question = Question(question_set=question_set, text=text.strip(), position=position)
        question.full_clean()
        question.save()
    return question_set


@transaction.atomic
def question_set_update(
    question_set: QuestionSet, *, acting_user: Any, **changes: Any
) -> QuestionSet:
    require_admin(acting_user)
    return _save(question_set, changes, QUESTION_SET_EDITABLE)


@transaction.atomic
def question_add(
    question_set: QuestionSet,
    *,
    text: str,
    acting_user: Any,
    hint: str = "",
    position: int | None = None,
) -> Question:
    require_admin(acting_user)
    if position is None:
        position = question_set.questions.count() + 1
    question = Question(question_set=question_set, text=text.strip(), hint=hint, position=position)
    question.full_clean()
    question.save()
    return question


@transaction.atomic
def question_update(question: Question, *, acting_user: Any, **changes: Any) -> Question:
    """Text, hint, position, or `is_active=False` to retire a question (answers stay)."""
    require_admin(acting_user)
    return _save(question, changes, QUESTION_EDITABLE)


@transaction.atomic
def next_action_rule_set(
    *,
    state: str,
    action: str,
    acting_user: Any,
    guidance: str = "",
    activity_type: str = "task",
    due_in_days: int = 2,
) -> NextActionRule:
    """The recommended next action for a customer state (replaces the current one)."""
    require_admin(acting_user)
    if state not in CustomerState.values:
        raise ValidationError({"state": "Choose a customer state."})
    rule = NextActionRule.objects.select_for_update().filter(
        state=state, is_active=True
    ).first() or NextActionRule(state=state)
    changes = {
        "action": action.strip(),
        "guidance": guidance,
        "activity_type": activity_type,
        "due_in_days": due_in_days,
    }
    return _save(rule, changes, RULE_EDITABLE)


@transaction.atomic
def next_action_rule_disable(rule: NextActionRule, *, acting_user: Any) -> NextActionRule:
    require_admin(acting_user)
    rule.is_active = False
    rule.save(update_fields=["is_active", "updated_at"])
    return rule


@transaction.atomic
def library_response_create(
    *, category: str, title: str, response: str, acting_user: Any
) -> LibraryResponse:
    require_manager(acting_user, what="edit the objection library")
    entry = LibraryResponse(
        category=category, title=title.strip(), response=response.strip(), created_by=acting_user
    )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def library_response_update(
    entry: LibraryResponse, *, acting_user: Any, **changes: Any
) -> LibraryResponse:
    """Category, title, text, or `is_active=False` to retire it (its use stays on record)."""
    require_manager(acting_user, what="edit the objection library")
    return _save(entry, changes, LIBRARY_EDITABLE)
