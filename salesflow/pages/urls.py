from __future__ import annotations

from django.urls import path

from salesflow.pages import views, views_quickadd

app_name = "pages"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("new/", views_quickadd.quick_add, name="quick-add"),
    path("shortcuts/", views_quickadd.shortcuts, name="shortcuts"),
]
