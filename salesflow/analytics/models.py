"""What the analytics app stores: the models it learned. Reports themselves store nothing."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ModelKind(models.TextChoices):
    DEAL = "deal", "Deal win probability"
    LEAD = "lead", "Lead conversion probability"


class TrainedModel(models.Model):
    """One model learned from the organisation's own closed deals (or finished leads).

    The newest row of a kind is the one in use; older rows stay as the record of how the model
    changed (their metrics). See docs/forecast.md.
    """

    kind = models.CharField(max_length=8, choices=ModelKind.choices)
    trained_at = models.DateTimeField(db_index=True)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the worker's schedule or the command trained it.",
    )
    n_train = models.PositiveIntegerField(help_text="Closed records the model learned from.")
    n_positive = models.PositiveIntegerField(help_text="Of those, won deals or converted leads.")
    # The feature table's version and columns, the time-split backtest (AUC, Brier score,
    # calibration table, beside the baseline), training-set sizes.
    metrics = models.JSONField(default=dict)
    # The fitted scikit-learn pipeline, pickled by joblib. Unpickling runs code, so this is
    # acceptable only because our own trainer (salesflow.analytics.forecast.learning) writes it
    # into our own database; never load such bytes from an upload or another system.
    pipeline = models.BinaryField()

    class Meta:
        ordering = ["-trained_at", "-pk"]
        indexes = [models.Index(fields=["kind", "-trained_at"], name="trained_model_latest_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["deal", "lead"]), name="trained_model_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.trained_at:%Y-%m-%d %H:%M}"
