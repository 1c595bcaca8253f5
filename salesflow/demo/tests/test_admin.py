"""The admin of every Salesflow model, on the demo data: pages open and stay cheap."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from salesflow.pipeline.models import Deal, StageChange
from salesflow.users.models import ApiToken, User
from salesflow.users.services import token_create

pytestmark = pytest.mark.django_db

SALESFLOW_APPS = {"core", "users", "customers", "leads", "pipeline", "activities"}
NOT_ADDABLE = {Deal, StageChange, ApiToken}


@pytest.fixture
def superuser_client(settings) -> Client:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo", "--scale", "0.02", stdout=io.StringIO())
    token_create(user=User.objects.get(username="rita"), name="laptop")
    root = User.objects.create_superuser("root", "root@example.com", "unused password 1")
    client = Client()
    client.force_login(root)
    return client


def registered_models() -> list[type]:
    return [m for m in admin.site._registry if m._meta.app_label in SALESFLOW_APPS]


def test_every_salesflow_model_has_an_admin_page_or_inline():
    models = {m for label in SALESFLOW_APPS for m in apps.get_app_config(label).get_models()}
    shown = set(registered_models())
    shown |= {
        inline.model for m in registered_models() for inline in admin.site._registry[m].inlines
    }
    assert models - shown == set()


def test_every_changelist_and_change_page_opens_with_few_queries(
    superuser_client, django_assert_max_num_queries
):
    for model in registered_models():
        opts = model._meta
        with django_assert_max_num_queries(15):
            response = superuser_client.get(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            )
        assert response.status_code == 200, model
        row = model._default_manager.order_by("pk").first()
        if row is not None:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])
            assert superuser_client.get(url).status_code == 200, model
        add = superuser_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        if model in NOT_ADDABLE:
            assert add.status_code == 403, model


def test_stage_history_cannot_be_changed_in_the_admin(superuser_client):
    change = StageChange.objects.first()
    url = reverse("admin:pipeline_stagechange_change", args=[change.pk])
    response = superuser_client.post(url, {"note": "rewritten"})
    assert response.status_code == 403
    change.refresh_from_db()
    assert change.note == ""


def test_api_token_admin_never_shows_the_hash(superuser_client):
    token = ApiToken.objects.get()
    page = superuser_client.get(reverse("admin:users_apitoken_change", args=[token.pk]))
    assert token.prefix in page.text
    assert token.key_hash not in page.text


def test_deal_page_shows_its_history_and_an_edit_bumps_the_version(superuser_client):
    deal = Deal.objects.order_by("pk").first()
    page = superuser_client.get(reverse("admin:pipeline_deal_change", args=[deal.pk]))
    assert page.status_code == 200
    assert deal.stage_changes.last().to_stage.name in page.text
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update(name="Renamed in the admin", **management_form(page))
    response = superuser_client.post(
        reverse("admin:pipeline_deal_change", args=[deal.pk]), {**data}
    )
    assert response.status_code == 302, (
        response.context and response.context["adminform"].form.errors
    )
    renamed = Deal.objects.get(pk=deal.pk)
    assert renamed.name == "Renamed in the admin"
    assert renamed.version == deal.version + 1
    assert renamed.stage_changes.count() == deal.stage_changes.count()


def management_form(page) -> dict[str, str]:
    """The inline formsets as the browser would post them back, unchanged."""
    data = {}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for form in [formset.management_form, *formset.forms]:
            for name in form.fields:
                value = form[name].value()
                if value is not None:
                    data[form.add_prefix(name)] = str(value)
    return data


def test_a_user_with_the_admin_role_may_use_the_admin_and_a_rep_may_not(superuser_client):
    admin_role = Client()
    admin_role.force_login(User.objects.get(username="admin"))
    index = admin_role.get(reverse("admin:index"))
    assert index.status_code == 200
    assert reverse("admin:pipeline_deal_changelist") in index.text
    assert admin_role.get(reverse("admin:customers_account_changelist")).status_code == 200
    rep = Client()
    rep.force_login(User.objects.get(username="rita"))
    assert rep.get(reverse("admin:customers_account_changelist")).status_code == 302
