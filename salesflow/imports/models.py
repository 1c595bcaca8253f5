from __future__ import annotations

from django.conf import settings
from django.db import models

from salesflow.core.models import TimeStampedModel
from salesflow.users.models import OwnedModel


class ImportKind(models.TextChoices):
    LEADS = "leads", "Leads"
    CONTACTS = "contacts", "Contacts"
    ACCOUNTS = "accounts", "Accounts"
    DEALS = "deals", "Historical deals"
    USERS = "users", "Users and teams"
    PRODUCTS = "products", "Products"


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", "All or nothing"
    VALID_ROWS = "valid_rows", "Import the valid rows"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImportMapping(OwnedModel, TimeStampedModel):
    """A saved column mapping, reused for every export of the same shape (see docs/imports.md).

    An owned record (`users.policy`): its owner and team's writers may change it, the others
    it is shared with may use it. Names are unique across the whole CRM, so a name belonging to
    a mapping someone may not change is refused rather than taken over.
    """

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    definition = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


# Uploads waiting in the wizard (drafts): IMPORT_DRAFT_DIR/<token>/<file>, described in the
# session until the import starts; `imports_cleanup` removes the ones left behind.
IMPORT_DRAFT_DIR = "imports/drafts"


def import_file_path(job: ImportJob, filename: str) -> str:
    # The original name is kept on the job; the stored one only has to be unique.
    return f"imports/{job.file_sha256[:2]}/{job.file_sha256}-{filename}"


class ImportJob(TimeStampedModel):
    """One run of one file through the importer, with its counts, checkpoint and errors."""

    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    original_filename = models.CharField(max_length=255)
    # Emptied by `imports_cleanup` once the job is SALESFLOW_IMPORT_FILE_DAYS finished.
    file = models.FileField(upload_to=import_file_path, max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    mapping = models.JSONField(default=dict)
    saved_mapping = models.ForeignKey(
        ImportMapping, on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs"
    )
    mode = models.CharField(
        max_length=16, choices=ImportMode.choices, default=ImportMode.VALID_ROWS
    )
    is_dry_run = models.BooleanField(default=False)
    default_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Owner of rows without an owner column value; blank: the importing user.",
    )
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING, db_index=True
    )
    # What the importer found out about the file: encoding, delimiter, header, date order.
    detected = models.JSONField(default=dict, blank=True)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    # The checkpoint: data rows of the file fully handled (committed, or checked in a dry run).
    rows_processed = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0, help_text="Blank rows.")
    error_count = models.PositiveIntegerField(default=0, help_text="Rows with an error.")
    message = models.TextField(blank=True, help_text="Summary, or why the file was refused.")
    # "host:pid" of the process running the job, so a resumed run can tell a crash from a peer.
    runner = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["created_by", "status"], name="importjob_user_status_idx"),
        ]

    def __str__(self) -> str:
        return f"Import #{self.pk}: {self.original_filename} ({self.get_kind_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def progress_percent(self) -> int:
        """For a progress bar. An all-or-nothing import or a dry run is one transaction, so other
        processes see its progress only when it ends."""
        if self.is_finished:
            return 100
        if not self.rows_total:
            return 0
        return min(100, self.rows_processed * 100 // self.rows_total)


class ImportRowError(models.Model):
    """One problem with one cell (or row, or the whole file) of an import."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="errors")
    # The row as a spreadsheet shows it: the header is row 1, the first record row 2.
    # 0 for a problem with the file as a whole.
    row_number = models.PositiveIntegerField()
    column = models.CharField(max_length=255, blank=True)
    value = models.TextField(blank=True)
    message = models.TextField()

    class Meta:
        ordering = ["row_number", "pk"]
        indexes = [models.Index(fields=["job", "row_number"], name="importrowerror_job_row_idx")]

    def __str__(self) -> str:
        where = f"row {self.row_number}" if self.row_number else "file"
        return f"{where}, {self.column or '-'}: {self.message}"
