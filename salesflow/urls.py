from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from salesflow.api.api import api
from salesflow.users.views_twofactor import SignInView

urlpatterns = [
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/", include("salesflow.customers.urls")),
    path("leads/", include("salesflow.leads.urls")),
    path("deals/", include("salesflow.pipeline.urls")),
    path("board/", include("salesflow.pipeline.urls_board")),
    path("playbooks/", include("salesflow.playbooks.urls")),
    path("settings/pipelines/", include("salesflow.pipeline.urls_settings")),
    path("settings/leads/", include("salesflow.leads.urls_settings")),
    path("settings/playbooks/", include("salesflow.playbooks.urls_settings")),
    path("settings/quotes/", include("salesflow.quotes.urls_settings")),
    path("settings/fields/", include("salesflow.customfields.urls")),
    path("activities/", include("salesflow.activities.urls")),
    path("audit/", include("salesflow.audit.urls")),
    path("privacy/", include("salesflow.privacy.urls")),
    path("quotes/", include("salesflow.quotes.urls")),
    path("imports/", include("salesflow.imports.urls")),
    path("analytics/", include("salesflow.analytics.urls")),
    path("follow-up/", include("salesflow.followup.urls")),
    path("outreach/", include("salesflow.outreach.urls")),
    path("coaching/", include("salesflow.coaching.urls")),
    path("referrals/", include("salesflow.referrals.urls")),
    path("search/", include("salesflow.search.urls")),
    path("account/", include("salesflow.users.urls")),
    path("", include("salesflow.pages.urls")),
]
