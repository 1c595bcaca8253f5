"""The views bar's URLs, listed in salesflow/customers/urls.py (listviews has no URL prefix of
its own): `customers:saved-view-*`."""

from __future__ import annotations

from django.urls import path

from salesflow.listviews import views

urlpatterns = [
    path("saved-views/save/", views.view_save, name="saved-view-save"),
    path("saved-views/<int:pk>/", views.view_apply, name="saved-view-apply"),
    path("saved-views/<int:pk>/edit/", views.view_edit, name="saved-view-edit"),
    path("saved-views/<int:pk>/delete/", views.view_delete, name="saved-view-delete"),
]
