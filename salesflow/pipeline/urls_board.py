from __future__ import annotations

from django.urls import path

from salesflow.pipeline import views_board

app_name = "board"

urlpatterns = [
    path("", views_board.board, name="board"),
    path("column/", views_board.board_column, name="column"),
    path("deals/<int:pk>/move/", views_board.board_move, name="move"),
]
