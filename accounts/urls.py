"""The accounts API (docs/API.md, accounts): ``auth/``, ``me/`` and ``onboarding/``, which share
no prefix; config/urls.py mounts this module at the API's root. ``page_urlpatterns`` are the
HTML pages emails link to when no front end serves them, mounted under ``account/``."""

from django.urls import path

from . import pages, views

app_name = "accounts"

urlpatterns = [
    path("auth/register", views.RegisterView.as_view(), name="auth-register"),
    path("auth/login", views.LoginView.as_view(), name="auth-login"),
    path("auth/refresh", views.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/verify-email", views.VerifyEmailView.as_view(), name="auth-verify-email"),
    path(
        "auth/verify-email/resend",
        views.ResendVerificationView.as_view(),
        name="auth-verify-email-resend",
    ),
    path("auth/password/forgot", views.PasswordForgotView.as_view(), name="auth-password-forgot"),
    path("auth/password/reset", views.PasswordResetView.as_view(), name="auth-password-reset"),
    path("auth/password/change", views.PasswordChangeView.as_view(), name="auth-password-change"),
    path("auth/ws-ticket", views.WebSocketTicketView.as_view(), name="auth-ws-ticket"),
    path("auth/me", views.MeView.as_view(), name="auth-me"),
    path("me/profile", views.ProfileView.as_view(), name="me-profile"),
    path("me/consents", views.ConsentListView.as_view(), name="me-consents"),
    path("me/export", views.ExportView.as_view(), name="me-export"),
    path("me/account", views.AccountView.as_view(), name="me-account"),
    path("onboarding/flow", views.OnboardingFlowView.as_view(), name="onboarding-flow"),
    path(
        "onboarding/age-verification",
        views.AgeVerificationView.as_view(),
        name="onboarding-age-verification",
    ),
    path("onboarding/preferences", views.PreferencesView.as_view(), name="onboarding-preferences"),
    path("onboarding/skill-goals", views.SkillGoalsView.as_view(), name="onboarding-skill-goals"),
    path("onboarding/complete", views.OnboardingCompleteView.as_view(), name="onboarding-complete"),
]

# Each key is one path segment: verification keys are signed values ([A-Za-z0-9_:-]),
# reset keys ``<uid>-<token>``; the fixed paths come first so that no key shadows them.
page_urlpatterns = [
    path(
        "verify-email/resend",
        pages.VerificationResendPage.as_view(),
        name="verify-email-resend",
    ),
    path("verify-email/<str:key>", pages.VerifyEmailPage.as_view(), name="verify-email"),
    path("reset-password/forgot", pages.PasswordForgotPage.as_view(), name="password-forgot"),
    path("reset-password/<str:key>", pages.ResetPasswordPage.as_view(), name="reset-password"),
]
