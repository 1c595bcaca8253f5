from __future__ import annotations

from django.urls import path

from salesflow.analytics import views
from salesflow.analytics.forecast.views import forecast_train
from salesflow.analytics.panels import deal_forecast, lead_conversion

app_name = "analytics"

urlpatterns = [
    path("", views.index, name="index"),
    path("forecast/train/", forecast_train, name="forecast-train"),
    path("forecast/deals/<int:pk>/", deal_forecast, name="deal-forecast"),
    path("forecast/leads/<int:pk>/", lead_conversion, name="lead-conversion"),
    path("<slug:slug>/", views.report_page, name="report"),
]
