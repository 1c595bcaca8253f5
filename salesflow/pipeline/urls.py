from __future__ import annotations

from django.urls import path

from salesflow.pipeline import views, views_bulk, views_inline, views_stakeholders

app_name = "pipeline"

urlpatterns = [
    path("", views.deal_list, name="deal-list"),
    path("new/", views.deal_create, name="deal-create"),
    path("bulk/", views_bulk.deal_bulk, name="deal-bulk"),
    path("<int:pk>/", views.deal_detail, name="deal-detail"),
    path("<int:pk>/history/", views.deal_history, name="deal-history"),
    path("<int:pk>/edit/", views.deal_edit, name="deal-edit"),
    *views_inline.urlpatterns,
    path("<int:pk>/delete/", views.deal_delete, name="deal-delete"),
    path("<int:pk>/move/", views.deal_move, name="deal-move"),
    path("<int:pk>/close/", views.deal_close, name="deal-close"),
    path("<int:pk>/reopen/", views.deal_reopen, name="deal-reopen"),
    path("<int:pk>/bant/", views.deal_bant, name="deal-bant"),
    path("from-lead/<int:pk>/", views.lead_convert, name="lead-convert"),
    path(
        "<int:pk>/stakeholders/add/",
        views_stakeholders.stakeholder_add,
        name="deal-stakeholder-add",
    ),
    path(
        "<int:pk>/stakeholders/edit/",
        views_stakeholders.stakeholder_edit,
        name="deal-stakeholder-edit",
    ),
    path(
        "<int:pk>/stakeholders/remove/",
        views_stakeholders.stakeholder_remove,
        name="deal-stakeholder-remove",
    ),
    path(
        "<int:pk>/competitors/add/", views_stakeholders.competitor_add, name="deal-competitor-add"
    ),
    path(
        "<int:pk>/competitors/edit/",
        views_stakeholders.competitor_edit,
        name="deal-competitor-edit",
    ),
    path(
        "<int:pk>/competitors/remove/",
        views_stakeholders.competitor_remove,
        name="deal-competitor-remove",
    ),
]
