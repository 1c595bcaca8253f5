"""Add `name_key` to accounts and contacts, fill it on the rows there are, then index it.

The keys are computed in Python (`salesflow.core.normalize.name_key`), because SQL `LOWER()`
folds only ASCII letters on SQLite, and written back in batches with `bulk_update`.
"""

from django.db import migrations, models

from salesflow.core.normalize import name_key, person_name_key

BATCH_SIZE = 2000


def keys_fill(model, sources, key_of):
    """Set `name_key` from the `sources` columns on every row, a batch of rows at a time.

    Walks the table by primary key rather than holding a cursor open while writing to it.
    Rows whose key is already right are not written, so a second run writes nothing.
    """
    last_pk = 0
    while True:
        rows = list(
            model.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "name_key", *sources)[:BATCH_SIZE]
        )
        if not rows:
            return
        last_pk = rows[-1][0]
        changed = [
            model(pk=pk, name_key=key)
            for pk, current, *values in rows
            if (key := key_of(*values)) != current
        ]
        model.objects.bulk_update(changed, ["name_key"])


def account_contact_name_keys_fill(apps, schema_editor):
    keys_fill(apps.get_model("customers", "Account"), ["name"], name_key)
    keys_fill(apps.get_model("customers", "Contact"), ["first_name", "last_name"], person_name_key)


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_initial")]

    operations = [
        migrations.AddField(
            model_name="account",
            name="name_key",
            field=models.CharField(blank=True, editable=False, max_length=300),
        ),
        migrations.AddField(
            model_name="contact",
            name="name_key",
            field=models.CharField(blank=True, editable=False, max_length=300),
        ),
        # Backwards, the columns go away with the fields: nothing to undo.
        migrations.RunPython(account_contact_name_keys_fill, migrations.RunPython.noop),
        # Indexed after the backfill, so the batches do not update the index row by row.
        migrations.AddIndex(
            model_name="account",
            index=models.Index(fields=["name_key"], name="account_name_key_idx"),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(fields=["name_key"], name="contact_name_key_idx"),
        ),
    ]
