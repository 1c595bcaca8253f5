from __future__ import annotations

from django.urls import path

from salesflow.pages import views

app_name = "pages"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
