from __future__ import annotations

import io
import itertools
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import phonenumbers
import pytest
from django.core.management import CommandError, call_command

from salesflow.activities.models import Activity
from salesflow.activities.selectors import activities_agenda
from salesflow.customers.models import Account, Contact
from salesflow.demo.generator import DEMO_USERS
from salesflow.leads.models import Campaign, Channel, Lead, LeadStatus, Source
from salesflow.pipeline.models import (
    Deal,
    Outcome,
    Stage,
    StageChange,
    StageKind,
    StageRequirement,
    StakeholderRole,
)
from salesflow.users.models import Role, User, Visibility
from salesflow.users.services import user_create

pytestmark = pytest.mark.django_db

SCALE = "0.02"
PROJECT_DIR = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    # The demo hashes and checks seven passwords; Argon2 makes that the slowest part of a test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", "--scale", SCALE, *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    models = (User, Account, Contact, Campaign, Lead, Deal, StageChange, Activity)
    return {model.__name__: model.objects.count() for model in models}


def test_demo_loads_every_kind_of_record_and_prints_the_logins():
    output = demo()
    counts = row_counts()
    assert counts == {
        "User": 7,
        "Account": 10,
        "Contact": 40,
        "Campaign": 10,
        "Lead": 100,
        "Deal": 30,
        "StageChange": counts["StageChange"],
        "Activity": counts["Activity"],
    }
    assert counts["StageChange"] > 30
    # The planner's 400, plus the follow-up features' own (invitations, chains, referral asks).
    assert counts["Activity"] > 400
    assert re.search(r"Demo data loaded in \d+\.\d seconds", output)
    for user in DEMO_USERS:
        assert re.search(rf"{user.username}\s+{user.role}\s+{user.team or '-'}\s+demo1234", output)


def test_demo_users_sit_in_two_teams_and_sign_in_with_the_password():
    demo("--password", "another secret")
    users = {u.username: u for u in User.objects.prefetch_related("teams")}
    assert {u.username: [t.name for t in u.teams.all()] for u in users.values()} == {
        "admin": [],
        "maria": ["North"],
        "rita": ["North"],
        "rob": ["North"],
        "marco": ["South"],
        "sara": ["South"],
        "sam": ["South"],
    }
    assert users["admin"].is_admin and users["admin"].is_staff
    assert users["maria"].role == Role.MANAGER and users["rita"].role == Role.REP
    assert all(u.check_password("another secret") for u in users.values())


def test_every_stage_and_every_outcome_is_present():
    demo()
    assert set(Deal.objects.values_list("stage__name", flat=True)) == set(
        Stage.objects.filter(pipeline__is_default=True).values_list("name", flat=True)
    )
    assert set(Deal.objects.values_list("outcome", flat=True)) == set(Outcome.values)
    assert set(Deal.objects.values_list("currency", flat=True)) == {"EUR"}


def test_each_deal_history_is_a_path_ending_in_its_current_stage():
    demo()
    open_stages = list(
        Stage.objects.filter(pipeline__is_default=True, kind=StageKind.OPEN).order_by("position")
    )
    changes: dict[int, list[StageChange]] = {}
    for change in StageChange.objects.order_by("changed_at", "pk"):
        changes.setdefault(change.deal_id, []).append(change)
    for deal in Deal.objects.select_related("stage"):
        path = changes[deal.pk]
        assert path[0].from_stage_id is None
        assert path[-1].to_stage_id == deal.stage_id
        assert path[-1].to_outcome == deal.outcome
        assert all(a.to_stage_id == b.from_stage_id for a, b in itertools.pairwise(path))
        assert [c.changed_at for c in path] == sorted(c.changed_at for c in path)
        assert deal.created_at == path[0].changed_at
        if deal.outcome in (Outcome.WON, Outcome.UPGRADED):
            visited = {c.to_stage_id for c in path}
            assert {s.pk for s in open_stages} <= visited
        if deal.outcome != Outcome.OPEN:
            assert deal.closed_at is not None and deal.closed_at >= path[0].changed_at


def test_lost_and_suspended_deals_have_reasons_and_some_deals_took_a_detour():
    demo()
    closed_badly = Deal.objects.filter(outcome__in=[Outcome.LOST, Outcome.SUSPENDED])
    assert closed_badly.exists()
    assert not closed_badly.filter(lost_reason__isnull=True).exists()
    assert not Deal.objects.filter(
        outcome__in=[Outcome.OPEN, Outcome.WON], lost_reason__isnull=False
    ).exists()
    assert StageChange.objects.filter(is_backward=True).exists()


def test_deals_past_the_decision_maker_gate_name_one():
    demo()
    gate = StageRequirement.objects.get(
        stage__pipeline__is_default=True, kind="decision_maker"
    ).stage
    past = Deal.objects.filter(
        stage_changes__to_stage__position__gt=gate.position,
        stage_changes__to_stage__kind__in=[StageKind.OPEN, StageKind.WON],
    ).distinct()
    assert past.exists()
    for deal in past:
        assert deal.stakeholders.filter(role=StakeholderRole.DECISION_MAKER).exists(), deal
        assert deal.qualification is not None and deal.qualification.is_complete, deal


def test_upgrades_sell_more_to_accounts_that_bought_before():
    demo()
    upgrades = Deal.objects.filter(outcome=Outcome.UPGRADED)
    assert upgrades.exists()
    for deal in upgrades:
        assert deal.stage.kind == StageKind.WON
        earlier = Deal.objects.filter(
            account=deal.account,
            outcome__in=[Outcome.WON, Outcome.UPGRADED],
            closed_at__lt=deal.closed_at,
        )
        assert earlier.exists(), deal


def test_leads_come_from_every_source_both_channels_and_have_every_status():
    demo()
    assert set(Lead.objects.values_list("source", flat=True)) == set(Source.values)
    assert set(Lead.objects.values_list("channel", flat=True)) == set(Channel.values)
    assert set(Lead.objects.values_list("status", flat=True)) == set(LeadStatus.values)
    assert Lead.objects.filter(campaign__isnull=False).exists()
    converted = Lead.objects.filter(status=LeadStatus.CONVERTED)
    assert converted.exists() and all(lead.deals.exists() for lead in converted)


def test_worked_leads_carry_their_history_and_qualified_ones_their_bant():
    demo()
    for lead in Lead.objects.select_related("qualification").prefetch_related("deals"):
        if lead.owner_id is not None:
            assert lead.assigned_at is not None and lead.assigned_at >= lead.created_at
        if lead.status in (LeadStatus.QUALIFIED, LeadStatus.CONVERTED):
            assert lead.qualified_at is not None
            assert lead.qualification is not None and lead.qualification.is_complete
        if lead.status == LeadStatus.DISQUALIFIED:
            assert lead.disqualified_at is not None and lead.disqualification_reason_id
        if lead.status == LeadStatus.CONVERTED:
            (deal,) = lead.deals.all()
            assert lead.converted_account_id == deal.account_id
            assert deal.qualification_id == lead.qualification_id
    assert set(Lead.objects.values_list("grade", flat=True)) > {"cold"}


def test_records_belong_to_their_owners_team_and_are_mostly_team_shared():
    demo()
    team_of = {
        u.pk: next(iter(u.teams.all()), None) for u in User.objects.prefetch_related("teams")
    }
    for model in (Account, Contact, Lead, Deal, Activity):
        rows = list(model.objects.values_list("owner_id", "team_id", "visibility"))
        assert all(team_of[o].pk == t for o, t, _ in rows if o is not None), model
        assert all(t is not None for _, t, _ in rows), model
        shares = Counter(v for _, _, v in rows)
        assert shares[Visibility.TEAM] > len(rows) / 2, model


def test_contact_data_is_normalised_and_profiles_are_filled():
    demo()
    contacts = list(Contact.objects.all())
    for contact in contacts:
        assert contact.email == contact.email.lower()
        if contact.phone:
            assert phonenumbers.is_valid_number(phonenumbers.parse(contact.phone))
            assert (
                phonenumbers.format_number(
                    phonenumbers.parse(contact.phone), phonenumbers.PhoneNumberFormat.E164
                )
                == contact.phone
            )
    with_profile = [c for c in contacts if c.hobbies]
    assert len(with_profile) >= len(contacts) / 5
    assert all(c.birthday and c.family and c.cultural_background for c in with_profile)


def test_every_demo_record_passes_model_validation():
    demo()
    for model in (Account, Contact, Campaign, Lead, Deal, Activity):
        for row in model.objects.all():
            row.full_clean()


def test_each_seller_has_something_due_today_and_overdue():
    demo()
    for user in User.objects.exclude(username="admin"):
        agenda = activities_agenda(user)
        assert agenda["today"].exists(), user
        assert agenda["overdue"].exists(), user
    assert Activity.objects.filter(done_at__isnull=False).count() > Activity.objects.count() / 2
    assert set(Activity.objects.values_list("type", flat=True)) >= {"call", "email", "meeting"}


def test_a_second_run_changes_nothing():
    demo()
    before = row_counts()
    output = demo("--seed", "7")
    assert "demo data already loaded" in output
    assert "demo1234" in output  # the logins are still shown
    assert row_counts() == before


def test_existing_users_are_kept_as_they_are():
    user_create(username="rita", role=Role.REP, team_name="North", password="her own password")
    output = demo()
    rita = User.objects.get(username="rita")
    assert rita.check_password("her own password")
    assert re.search(r"rita\s+rep\s+North\s+\(set earlier", output)
    assert Deal.objects.filter(owner=rita).exists()


def test_a_bad_scale_is_refused():
    with pytest.raises(CommandError, match="--scale"):
        call_command("demo", "--scale", "0")
    assert not Deal.objects.exists()


def salesflow(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).parent / "salesflow"
    return subprocess.run(
        [str(executable), *args],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_migrate_then_demo_on_a_fresh_file_is_the_same_for_the_same_seed(tmp_path):
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{first}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    migrated = salesflow("migrate", "--no-input", "-v0", env=env)
    assert migrated.returncode == 0, migrated.stderr
    shutil.copy(first, second)
    for path in (first, second):
        loaded = salesflow(
            "demo", "--scale", SCALE, env={**env, "DATABASE_URL": f"sqlite:///{path}"}
        )
        assert loaded.returncode == 0, loaded.stderr
        assert "Demo data loaded" in loaded.stdout
    query = (
        "select d.name, d.amount, d.outcome, s.name, a.name, a.website from pipeline_deal d"
        " join pipeline_stage s on s.id = d.stage_id"
        " join customers_account a on a.id = d.account_id order by d.external_id"
    )
    rows = [sqlite3.connect(path).execute(query).fetchall() for path in (first, second)]
    assert len(rows[0]) == 30
    assert rows[0] == rows[1]
