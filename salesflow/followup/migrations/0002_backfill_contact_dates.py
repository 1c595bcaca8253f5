"""Fill the last contact and next contact due of the accounts that exist already (the same
rules as salesflow.followup.services, written against the historical models)."""

from __future__ import annotations

import datetime as dt

from django.db import migrations
from django.db.models import Max
from django.utils import timezone

CONTACT_TYPES = ("call", "email", "meeting", "visit", "demo", "invitation")


def backfill(apps, schema_editor):
    Account = apps.get_model("customers", "Account")
    Activity = apps.get_model("activities", "Activity")
    TierLevel = apps.get_model("customers", "TierLevel")
    cadence = dict(TierLevel.objects.values_list("code", "contact_every_days"))
    done = Activity.objects.filter(type__in=CONTACT_TYPES, done_at__isnull=False)
    last: dict[int, dt.datetime] = {}
    for path in ("account", "contact__account", "deal__account"):
        rows = done.filter(**{f"{path}__isnull": False}).order_by().values(path)
        for account_id, moment in rows.annotate(m=Max("done_at")).values_list(path, "m"):
            if account_id not in last or moment > last[account_id]:
                last[account_id] = moment
    changed = []
    for account in Account.objects.only("pk", "tier", "created_at").iterator():
        start = last.get(account.pk) or account.created_at
        days = cadence.get(account.tier)
        account.last_contact_at = last.get(account.pk)
        account.next_contact_due_on = (
            timezone.localdate(start) + dt.timedelta(days=days) if start and days else None
        )
        changed.append(account)
    Account.objects.bulk_update(changed, ["last_contact_at", "next_contact_due_on"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("followup", "0001_initial"),
        ("customers", "0008_seed_tiers"),
        ("activities", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
