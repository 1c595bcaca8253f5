from __future__ import annotations

from django.contrib import admin

from salesflow.coaching.models import CallRecord, Review, ReviewScore, RubricCriterion


@admin.register(RubricCriterion)
class RubricCriterionAdmin(admin.ModelAdmin):
    list_display = ("label", "position", "is_active")
    list_filter = ("is_active",)
    search_fields = ("label",)


@admin.register(CallRecord)
class CallRecordAdmin(admin.ModelAdmin):
    list_display = ("activity", "recording_filename", "talk_share", "next_step_agreed")
    list_select_related = ("activity",)
    raw_id_fields = ("activity", "recording_uploaded_by")
    readonly_fields = ("recording",)
    search_fields = ("activity__subject",)
    show_full_result_count = False


class ReviewScoreInline(admin.TabularInline):
    model = ReviewScore
    extra = 0


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("call_record", "reviewer", "created_at")
    list_select_related = ("call_record__activity", "reviewer")
    raw_id_fields = ("call_record", "reviewer")
    inlines = [ReviewScoreInline]
