from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from salesflow.outreach.services import mailing_create, segment_create, template_create
from salesflow.outreach.tasks import mailing_send_task
from tests.factories import AccountFactory, ContactFactory


@pytest.fixture
def template(rep):
    return template_create(
        acting_user=rep,
        name="Spring update",
        subject="News for {{ company }}",
        body_text=(
            "Hello {{ first_name }},\nour news. {{ owner_name }}\n"
            "Unsubscribe: {{ unsubscribe_url }}"
        ),
    )


@pytest.fixture
def segment(rep):
    return segment_create(acting_user=rep, name="Software", filters={"industry": ["Software"]})


@pytest.fixture
def mailing(rep, template, segment):
    return mailing_create(
        acting_user=rep, name="Spring", kind="newsletter", template=template, segment=segment
    )


def contact(owner, email, **fields):
    """A contact at a software company, with marketing consent unless told otherwise."""
    account = AccountFactory(owner=owner, industry="Software", name=fields.pop("company", "Acme"))
    fields.setdefault("has_consent", True)
    return ContactFactory(owner=owner, account=account, email=email, **fields)


def send_runs():
    """The queued batches of campaigns, oldest first."""
    return list(
        DBTaskResult.objects.filter(task_path=mailing_send_task.module_path).order_by("enqueued_at")
    )
