from __future__ import annotations

from django.contrib import admin

from salesflow.outreach.models import EmailTemplate, Mailing, Recipient, Segment, Unsubscription


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "visibility")


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "subject", "owner")


@admin.register(Mailing)
class MailingAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "status", "owner", "started_at")
    list_filter = ("status", "kind")


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    list_display = ("mailing", "email", "status", "reason", "sent_at")
    list_filter = ("status",)
    raw_id_fields = ("mailing", "contact")


@admin.register(Unsubscription)
class UnsubscriptionAdmin(admin.ModelAdmin):
    list_display = ("email", "mailing", "unsubscribed_at")
    raw_id_fields = ("contact", "mailing")
