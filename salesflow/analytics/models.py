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


# Summary data of the deal history reports (issue #10 point 5; docs/analytics.md, "Summary
# data"). Each deal's rows are recomputed from that deal's own history whenever it changes
# (`salesflow.analytics.summary.deal_summaries_refresh`, a hook of the stage-history writers),
# and a pipeline's rows are rebuilt when its stages change (`report_summaries_rebuild`). The
# reports read them only for a pipeline whose stage layout is the one they were computed with.


class DealHistoryFacts(models.Model):
    """The funnel's figures of one deal: the stages it entered and those it moved on from, as
    bits (bit n = the pipeline's n-th stage by id, see `summary.stage_bits`)."""

    deal = models.OneToOneField(
        "pipeline.Deal", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    reached_bits = models.BigIntegerField(default=0)
    advanced_bits = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Deal {self.deal_id}: reached {self.reached_bits:b}"


class DealStageDetour(models.Model):
    """The detours of one deal at one stage, summed over its history (only deals with some).

    `events` counts the detour events that are not left out for an estimated moment, as the
    detours report counts them; `left_out` those that are."""

    deal = models.ForeignKey("pipeline.Deal", on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey(
        "pipeline.Stage", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    backward_moves = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    skipped_stages = models.IntegerField(default=0)
    repeated_stages = models.IntegerField(default=0)
    extra_days = models.FloatField(default=0.0)
    left_out = models.IntegerField(default=0)
    events = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["deal", "stage"], name="stage_detour_deal_idx"),
            # The report by stage reads the rows in stage order from the index alone: no sort.
            models.Index(
                fields=[
                    "stage",
                    "deal",
                    "backward_moves",
                    "reopened",
                    "skipped_stages",
                    "repeated_stages",
                    "extra_days",
                    "left_out",
                    "events",
                ],
                name="stage_detour_report_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Deal {self.deal_id} at stage {self.stage_id}"


class ReportSummaryState(models.Model):
    """The stage layout of a pipeline (ids, positions, kinds, archived) its summary rows were
    last rebuilt with. A pipeline without one, or whose stages changed since, is read by the
    reports' own SQL until `report_summaries_rebuild` runs again."""

    pipeline = models.OneToOneField(
        "pipeline.Pipeline", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    layout = models.TextField()
    built_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Pipeline {self.pipeline_id} built {self.built_at:%Y-%m-%d %H:%M}"
