from __future__ import annotations

from django.urls import path

from salesflow.users import views_twofactor as views

app_name = "users"

urlpatterns = [
    path("two-factor/", views.two_factor_account, name="two-factor"),
    path("two-factor/code/", views.two_factor_code, name="two-factor-code"),
    path("two-factor/set-up/", views.two_factor_setup, name="two-factor-setup"),
    path("two-factor/off/", views.two_factor_disable, name="two-factor-disable"),
    path(
        "two-factor/recovery-codes/",
        views.two_factor_recovery_codes,
        name="two-factor-recovery-codes",
    ),
    path("two-factor/users/", views.two_factor_users, name="two-factor-users"),
    path("two-factor/users/<int:pk>/reset/", views.two_factor_reset, name="two-factor-reset"),
]
