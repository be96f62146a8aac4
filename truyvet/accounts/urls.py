from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from truyvet.accounts import views

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="accounts/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", views.two_factor_verify_page, name="two_factor_verify"),
    path("two-factor/setup/", views.two_factor_setup_page, name="two_factor_setup"),
    path("home/", views.home, name="home"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:alert_id>/ack/", views.alert_ack, name="alert_ack"),
    path("alerts/ack-group/", views.alert_ack_group, name="alert_ack_group"),
    path("signin/", views.citizen_signin, name="citizen_signin"),
    path("signin/code/", views.citizen_code, name="citizen_code"),
    path("me/", views.me, name="me"),
]
