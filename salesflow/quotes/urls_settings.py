from __future__ import annotations

from django.urls import path

from salesflow.quotes import views_settings as views

app_name = "quote-settings"

urlpatterns = [
    path("", views.product_list, name="product-list"),
    path("products/new/", views.product_create, name="product-create"),
    path("products/<int:pk>/edit/", views.product_edit, name="product-edit"),
    path("products/<int:pk>/deactivate/", views.product_deactivate, name="product-deactivate"),
    path("products/<int:pk>/restore/", views.product_restore, name="product-restore"),
    path("settings/", views.settings_edit, name="settings"),
]
