"""The community API (API.md, "community"): directory, posts, messages, blocks, AI."""

from django.urls import path  # noqa: F401

app_name = "community"

urlpatterns: list = [
    # --- directory and tiers ---
    # --- posts, comments, likes, reports ---
    # --- messages and blocks ---
    # --- recommendations and profile optimisation ---
]
