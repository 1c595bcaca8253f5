"""Add `name_key` to leads, fill it on the rows there are, then index it.

The keys are computed in Python (`salesflow.core.normalize.person_name_key`), because SQL
`LOWER()` folds only ASCII letters on SQLite, and written back in batches with `bulk_update`.
"""

from django.db import migrations, models

from salesflow.core.normalize import person_name_key

BATCH_SIZE = 2000


def lead_name_keys_fill(apps, schema_editor):
    """Set `name_key` from the first and last name of every lead, a batch at a time.

    Walks the table by primary key rather than holding a cursor open while writing to it.
    Rows whose key is already right are not written, so a second run writes nothing.
    """
    Lead = apps.get_model("leads", "Lead")
    last_pk = 0
    while True:
        rows = list(
            Lead.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "name_key", "first_name", "last_name")[:BATCH_SIZE]
        )
        if not rows:
            return
        last_pk = rows[-1][0]
        changed = [
            Lead(pk=pk, name_key=key)
            for pk, current, first, last in rows
            if (key := person_name_key(first, last)) != current
        ]
        Lead.objects.bulk_update(changed, ["name_key"])


class Migration(migrations.Migration):
    dependencies = [("leads", "0005_seed_reasons_rules_and_company_keys")]

    operations = [
        migrations.AddField(
            model_name="lead",
            name="name_key",
            field=models.CharField(blank=True, editable=False, max_length=300),
        ),
        # Backwards, the column goes away with the field: nothing to undo.
        migrations.RunPython(lead_name_keys_fill, migrations.RunPython.noop),
        # Indexed after the backfill, so the batches do not update the index row by row.
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["name_key"], name="lead_name_key_idx"),
        ),
    ]
