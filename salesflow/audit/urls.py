from __future__ import annotations

from django.urls import path

from salesflow.audit import views

app_name = "audit"

urlpatterns = [path("", views.audit_log, name="log")]
