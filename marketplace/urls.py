"""The marketplace API (docs/API.md, "marketplace"), mounted under ``marketplace/`` by
config/urls.py."""

from django.urls import path

app_name = "marketplace"

urlpatterns: list = []
