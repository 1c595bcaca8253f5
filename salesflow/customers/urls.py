from __future__ import annotations

app_name = "customers"

urlpatterns: list = []
