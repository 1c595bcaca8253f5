import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0004_custom_values"),
        ("pipeline", "0008_custom_values"),
    ]

    operations = [
        migrations.AddField(
            model_name="stagechange",
            name="is_estimated",
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name="deal",
            name="account",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deals",
                to="customers.account",
            ),
        ),
    ]
