from __future__ import annotations

from django.urls import path

from salesflow.search import views, views_pick

app_name = "search"

urlpatterns = [
    path("", views.search, name="search"),
    path("pick/<str:kind>/", views_pick.pick, name="pick"),
]
