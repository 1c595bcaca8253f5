from __future__ import annotations

from typing import Any

from django.contrib import admin

from salesflow.imports.models import ImportJob, ImportMapping


@admin.register(ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "created_by", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name",)
    readonly_fields = ("created_by", "created_at", "updated_at")


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Jobs are written by the importer only; the admin shows them (errors: download the CSV)."""

    list_display = ("pk", "original_filename", "kind", "mode", "is_dry_run", "status")
    list_display += ("rows_processed", "rows_total", "created_count", "error_count", "created_by")
    list_display += ("created_at",)
    list_filter = ("status", "kind", "mode", "is_dry_run")
    list_select_related = ("created_by",)
    search_fields = ("original_filename", "file_sha256")

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
