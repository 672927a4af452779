from collections import Counter

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.db.models import Exists, OuterRef
from django.utils.module_loading import import_string
from rest_framework_simplejwt.token_blacklist import admin as token_admin
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from core import privacy
from core.admin import ReadOnlyAdminMixin
from core.audit import Action, AuditedModelAdmin

from . import services
from .addresses import normalise_email
from .models import Consent, Onboarding, Profile, User


def _has_verified_address() -> Exists:
    return Exists(EmailAddress.objects.filter(user=OuterRef("pk"), verified=True))


class UserCreationForm(auth_forms.BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = ("password", "is_active", "is_staff", "is_superuser", "groups", "user_permissions")


class VerifiedFilter(admin.SimpleListFilter):
    title = "email verified"
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(_has_verified_address())
        if self.value() == "no":
            return queryset.filter(~_has_verified_address())
        return queryset


class ProfileInline(admin.StackedInline):
    """The phone is shown decrypted, read-only: editing it here would bypass the blind index
    that ``services.profile_update`` keeps beside it. Viewing it is audited through the
    user's change page."""

    model = Profile
    can_delete = False
    fields = Profile.MEMBER_FIELDS
    readonly_fields = ["phone"]


class ReadOnlyInline(ReadOnlyAdminMixin, admin.options.InlineModelAdmin):
    """A record the member made (onboarding answers, consents): staff read it, never edit."""

    can_delete = False
    extra = 0


class OnboardingInline(ReadOnlyInline, admin.StackedInline):
    model = Onboarding
    fields = readonly_fields = [
        *Onboarding.AGE_FIELDS,
        *Onboarding.PREFERENCE_FIELDS,
        "preferences_at",
        *Onboarding.SKILL_GOAL_FIELDS,
        "skill_goals_at",
        "completed_at",
    ]


class ConsentInline(ReadOnlyInline, admin.TabularInline):
    model = Consent
    fields = readonly_fields = ["kind", "version", "granted", "source", "created_at"]
    ordering = ["-created_at"]


@admin.register(User)
class UserAdmin(AuditedModelAdmin, auth_admin.UserAdmin):
    """Members and staff. Accounts are removed only through "Erase selected accounts", which
    runs the privacy registry (pseudonymised events, revoked tokens, the leftover check); the
    plain delete would skip all of that, so it is switched off. The email is read-only
    because allauth's verified address would not follow a change made here."""

    subject_field = "pk"
    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Important dates", {"fields": ["last_login", "date_joined", "erasure_requested_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]
    list_display = ["email", "verified", "is_staff", "is_active", "date_joined", "last_login"]
    list_filter = [VerifiedFilter, "is_staff", "is_active", "date_joined"]
    search_fields = ["email"]
    ordering = ["-date_joined"]
    inlines = [ProfileInline, OnboardingInline, ConsentInline]
    actions = ["erase_accounts"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(email_verified=_has_verified_address())

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["email", "last_login", "date_joined", "erasure_requested_at"]

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        # Other apps' inlines (billing's Stripe customer) are named in a setting, imported
        # here when the page is built, so accounts never imports those apps.
        extra = [import_string(path) for path in settings.USER_ADMIN_INLINES]
        return [*self.inlines, *extra]

    @admin.display(description="verified", boolean=True, ordering="email_verified")
    def verified(self, obj: User) -> bool:
        return obj.email_verified

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_erase_permission(self, request) -> bool:
        return request.user.has_perm("accounts.delete_user")

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, unquote(id))
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and user is not None:
            before = user.password
            user.refresh_from_db(fields=["password"])
            if user.password != before:
                services.sessions_end(user=user)
                self.audit(request, user, Action.CHANGE, changes={"fields": ["password"]})
        return response

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            services.user_provision(user=obj, request=request)

    @admin.action(description="Erase selected accounts", permissions=["erase"])
    def erase_accounts(self, request, queryset) -> None:
        erased = 0
        totals: Counter[str] = Counter()
        for user in list(queryset):
            if user.pk == request.user.pk:
                self.message_user(
                    request, f"{user.email}: you cannot erase your own account.", messages.ERROR
                )
                continue
            if user.is_superuser:
                self.message_user(
                    request,
                    f"{user.email} is a superuser and was not erased; remove superuser "
                    "status first.",
                    messages.ERROR,
                )
                continue
            self.audit_action(request, user, "erase_accounts")
            try:
                counts = services.account_erase(user=user, source="admin")
            except privacy.ErasureIncomplete as exc:
                self.message_user(request, f"{user.email} was not erased: {exc}", messages.ERROR)
                continue
            totals.update(counts)
            erased += 1
        if erased:
            summary = ", ".join(f"{label}: {count}" for label, count in sorted(totals.items()))
            self.message_user(
                request, f"Erased {erased} account(s). Rows handled: {summary}.", messages.SUCCESS
            )


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    """The consent history, read-only: a consent is the member's act, not staff's."""

    list_display = ["user", "kind", "version", "granted", "source", "created_at"]
    list_filter = ["kind", "granted", "source"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    fields = readonly_fields = ["user", "kind", "version", "granted", "source", "created_at"]


# simplejwt's read-only list of refresh tokens, without the stored token column: it holds a
# digest (accounts/tokens.py), nothing to sign in with, but nothing staff need either.
admin.site.unregister(OutstandingToken)


@admin.register(OutstandingToken)
class OutstandingTokenAdmin(token_admin.OutstandingTokenAdmin):
    fields = ["jti", "user", "created_at", "expires_at"]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return self.fields
