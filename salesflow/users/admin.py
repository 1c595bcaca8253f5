from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from salesflow.core.admin import SalesflowAdmin
from salesflow.users.models import ApiToken, Team, User
from salesflow.users.services import team_parent_check, token_revoke


@admin.register(User)
class SalesflowUserAdmin(UserAdmin):
    """Django's user admin plus the Salesflow role and teams."""

    fieldsets = (
        *UserAdmin.fieldsets[:2],
        ("Salesflow", {"fields": ("role", "teams")}),
        *UserAdmin.fieldsets[2:],
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        ("Salesflow", {"classes": ("wide",), "fields": ("email", "role", "teams")}),
    )
    list_display = ("username", "email", "first_name", "last_name", "role", "team_names")
    list_display += ("is_active", "last_login")
    list_filter = ("role", "teams", "is_active", "is_staff", "is_superuser")
    filter_horizontal = ("teams", "groups", "user_permissions")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("teams")

    @admin.display(description="Teams")
    def team_names(self, user: User) -> str:
        return ", ".join(team.name for team in user.teams.all())


class TeamAdminForm(forms.ModelForm):
    """A team's parent is checked as the import and the services check it: never a cycle."""

    class Meta:
        model = Team
        fields = ["name", "parent"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            team_parent_check(self.instance, data.get("parent"))
        except ValidationError as error:
            self.add_error("parent", error.message_dict["parent"])
        return data


@admin.register(Team)
class TeamAdmin(SalesflowAdmin):
    form = TeamAdminForm
    list_display = ("name", "parent", "member_count", "created_at")
    list_filter = ("parent",)
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description="Members", ordering="member_count")
    def member_count(self, team: Any) -> int:
        return team.member_count


@admin.register(ApiToken)
class ApiTokenAdmin(SalesflowAdmin):
    """Tokens are created where the key can be shown once (`salesflow token create`, the app);
    here they are only listed, renamed and revoked. The key's hash is never shown."""

    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "created_at")
    list_select_related = ("user",)
    search_fields = ("prefix", "name", "user__username")
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "prefix", "created_at", "last_used_at", "revoked_at")
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        active = list(queryset.filter(revoked_at__isnull=True))
        for token in active:
            token_revoke(token=token)
        self.message_user(request, f"Revoked {len(active)} token(s).", messages.SUCCESS)
