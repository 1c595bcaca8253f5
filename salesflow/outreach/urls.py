from __future__ import annotations

from django.urls import path

from salesflow.outreach import views

app_name = "outreach"

urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaign-list"),
    path("campaigns/new/", views.campaign_create, name="campaign-create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign-detail"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign-edit"),
    path("campaigns/<int:pk>/send/", views.campaign_send, name="campaign-send"),
    path("campaigns/<int:pk>/resume/", views.campaign_resume, name="campaign-resume"),
    path("campaigns/<int:pk>/bounces/", views.campaign_bounces, name="campaign-bounces"),
    path("segments/", views.segment_list, name="segment-list"),
    path("segments/new/", views.segment_create, name="segment-create"),
    path("segments/<int:pk>/", views.segment_detail, name="segment-detail"),
    path("segments/<int:pk>/edit/", views.segment_edit, name="segment-edit"),
    path("templates/", views.template_list, name="template-list"),
    path("templates/new/", views.template_create, name="template-create"),
    path("templates/<int:pk>/", views.template_detail, name="template-detail"),
    path("templates/<int:pk>/edit/", views.template_edit, name="template-edit"),
    path("contacts/<int:pk>/email/", views.contact_email, name="contact-email"),
    path("deals/<int:pk>/email/", views.deal_email, name="deal-email"),
    # No name on purpose: it is the one page that works without signing in, and the
    # permission matrix checks every named page for a sign-in (services.unsubscribe_path).
    path("unsubscribe/<str:token>/", views.unsubscribe),
]
