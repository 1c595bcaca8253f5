from __future__ import annotations

from django.urls import path

from salesflow.quotes import views, views_approvals, views_deal_lines

app_name = "quotes"

urlpatterns = [
    # Approvals: the quotes waiting for this manager's (or admin's) decision.
    path("approvals/", views_approvals.approvals_list, name="approvals"),
    *[
        path(
            f"approvals/<int:pk>/{decision}/",
            views_approvals.approval_decide,
            {"decision": decision},
            name=f"approval-{decision}",
        )
        for decision in views_approvals.DECISIONS
    ],
    path("deal/<int:pk>/new/", views.quote_create, name="quote-create"),
    path("<int:pk>/", views.quote_detail, name="quote-detail"),
    path("<int:pk>/terms/", views.quote_edit, name="quote-edit"),
    path("<int:pk>/lines/add/", views.line_add, name="quote-line-add"),
    path("<int:pk>/lines/edit/", views.line_edit, name="quote-line-edit"),
    path("<int:pk>/lines/remove/", views.line_remove, name="quote-line-remove"),
    *[
        path(f"<int:pk>/{action}/", views.quote_act, {"action": action}, name=f"quote-{action}")
        for action in views.ACTIONS
    ],
    path("<int:pk>/print/", views.quote_print, name="quote-print"),
    # The products panel of the deal page.
    path("deal/<int:pk>/products/add/", views_deal_lines.line_add, name="deal-line-add"),
    path("deal/<int:pk>/products/edit/", views_deal_lines.line_edit, name="deal-line-edit"),
    path("deal/<int:pk>/products/remove/", views_deal_lines.line_remove, name="deal-line-remove"),
    path(
        "deal/<int:pk>/products/amount/", views_deal_lines.amount_follow, name="deal-amount-follow"
    ),
]
