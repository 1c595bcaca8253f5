from __future__ import annotations

from django.urls import path

from salesflow.quotes import views

app_name = "quotes"

urlpatterns = [
    path("<int:pk>/print/", views.quote_print, name="quote-print"),
]
