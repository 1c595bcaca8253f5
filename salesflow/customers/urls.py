from __future__ import annotations

from django.urls import path

from salesflow.customers import views, views_bulk
from salesflow.listviews.urls_part import urlpatterns as saved_view_urls

app_name = "customers"

urlpatterns = [
    path("", views.account_list, name="account-list"),
    path("new/", views.account_create, name="account-create"),
    path("<int:pk>/", views.account_detail, name="account-detail"),
    path("<int:pk>/edit/", views.account_edit, name="account-edit"),
    path("<int:pk>/delete/", views.account_delete, name="account-delete"),
    path("contacts/", views.contact_list, name="contact-list"),
    path("contacts/new/", views.contact_create, name="contact-create"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact-detail"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact-edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact-delete"),
    path("bulk/", views_bulk.account_bulk, name="account-bulk"),
    path("contacts/bulk/", views_bulk.contact_bulk, name="contact-bulk"),
    *saved_view_urls,
]
