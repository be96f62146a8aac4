from __future__ import annotations

from django.urls import URLPattern, URLResolver

from ioc import views

app_name = "ioc"

urlpatterns: list[URLPattern | URLResolver] = [*views.urlpatterns]
