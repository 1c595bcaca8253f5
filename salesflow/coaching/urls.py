from __future__ import annotations

from django.urls import path

from salesflow.coaching import views

app_name = "coaching"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("trends/", views.trends, name="trends"),
    path("feedback/", views.feedback, name="feedback"),
    path("rubric/", views.rubric, name="rubric"),
    path("rubric/<int:pk>/edit/", views.rubric_edit, name="rubric-edit"),
    path("calls/<int:pk>/", views.call_detail, name="call"),
    path("calls/<int:pk>/recording/", views.recording_file, name="recording"),
    path("calls/<int:pk>/recording/upload/", views.recording_upload, name="recording-upload"),
    path("calls/<int:pk>/transcript/", views.transcript_upload, name="transcript"),
    path("calls/<int:pk>/notes/", views.notes_upload, name="notes"),
    path("calls/<int:pk>/review/", views.review_create, name="review"),
]
