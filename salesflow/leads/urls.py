from __future__ import annotations

from django.urls import path

from salesflow.leads import views, views_bulk, views_inline

app_name = "leads"

urlpatterns = [
    path("", views.lead_list, name="lead-list"),
    path("new/", views.lead_create, name="lead-create"),
    path("bulk/", views_bulk.lead_bulk, name="lead-bulk"),
    *views_inline.urlpatterns,
    path("queue/", views.lead_queue, name="queue"),
    path("<int:pk>/", views.lead_detail, name="lead-detail"),
    path("<int:pk>/edit/", views.lead_edit, name="lead-edit"),
    path("<int:pk>/delete/", views.lead_delete, name="lead-delete"),
    path("<int:pk>/qualification/", views.lead_qualification, name="lead-qualification"),
    path("<int:pk>/disqualify/", views.lead_disqualify, name="lead-disqualify"),
    path("<int:pk>/assign/", views.lead_assign, name="lead-assign"),
    path("<int:pk>/merge/", views.lead_merge, name="lead-merge"),
    path(
        "<int:pk>/merge-into-contact/",
        views.lead_merge_into_contact,
        name="lead-merge-into-contact",
    ),
]
