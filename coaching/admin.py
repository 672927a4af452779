"""The coaching admin.

Assessment: staff edit questionnaire versions here. A version members have answered is
read-only, questions and choices included, so every result stays readable against what it
answered; "Copy as a new draft version" is the way to change it, and "Publish" makes a
version the one members take (the highest published version is current). Results are
members' personal data: read-only, and every opening is audited.
"""

from django.contrib import admin, messages
from django.db.models import Count

from core.audit import AuditedModelAdmin
from core.exceptions import DomainError

from .models import AssessmentResult, Choice, Question, Questionnaire
from .services import assessment as assessment_services

# --- assessment ---------------------------------------------------------------------------


def _answered(questionnaire) -> bool:
    return questionnaire is not None and questionnaire.results.exists()


class _LockedWhenAnswered:
    """Inline and admin permissions for rows of a questionnaire members have answered."""

    def questionnaire_of(self, obj):
        raise NotImplementedError

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and not _answered(
            self.questionnaire_of(obj)
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not _answered(
            self.questionnaire_of(obj)
        )


class QuestionInline(_LockedWhenAnswered, admin.TabularInline):
    model = Question
    fields = ["order", "key", "text", "type", "required", "dimension", "weight"]
    extra = 0
    show_change_link = True

    def questionnaire_of(self, obj):
        return obj

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and not _answered(obj)


class ChoiceInline(_LockedWhenAnswered, admin.TabularInline):
    model = Choice
    fields = ["order", "value", "label", "scores"]
    extra = 0

    def questionnaire_of(self, obj):
        return obj.questionnaire if obj is not None else None

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and not _answered(
            self.questionnaire_of(obj)
        )


@admin.register(Questionnaire)
class QuestionnaireAdmin(_LockedWhenAnswered, admin.ModelAdmin):
    list_display = ["version", "title", "is_published", "published_at", "question_count"]
    list_filter = ["is_published"]
    search_fields = ["title"]
    readonly_fields = ["is_published", "published_at", "created_at", "updated_at"]
    inlines = [QuestionInline]
    actions = ["copy_as_draft", "publish", "unpublish"]

    def questionnaire_of(self, obj):
        return obj

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(question_total=Count("questions"))

    @admin.display(description="questions", ordering="question_total")
    def question_count(self, obj) -> int:
        return obj.question_total

    @admin.action(description="Copy as a new draft version", permissions=["add"])
    def copy_as_draft(self, request, queryset) -> None:
        for questionnaire in queryset.order_by("version"):
            draft = assessment_services.questionnaire_copy(questionnaire=questionnaire)
            self.message_user(
                request,
                f"Copied v{questionnaire.version} as draft v{draft.version}.",
                messages.SUCCESS,
            )

    @admin.action(description="Publish", permissions=["change"])
    def publish(self, request, queryset) -> None:
        for questionnaire in queryset.order_by("version"):
            try:
                assessment_services.questionnaire_publish(questionnaire=questionnaire)
            except DomainError as exc:
                self.message_user(
                    request, f"v{questionnaire.version}: {exc.detail}", messages.ERROR
                )
            else:
                self.message_user(request, f"Published v{questionnaire.version}.", messages.SUCCESS)

    @admin.action(description="Unpublish", permissions=["change"])
    def unpublish(self, request, queryset) -> None:
        for questionnaire in queryset:
            assessment_services.questionnaire_unpublish(questionnaire=questionnaire)
        self.message_user(request, f"Unpublished {queryset.count()} version(s).", messages.SUCCESS)


@admin.register(Question)
class QuestionAdmin(_LockedWhenAnswered, admin.ModelAdmin):
    list_display = ["key", "questionnaire", "order", "type", "required", "dimension"]
    list_filter = ["type", "questionnaire"]
    search_fields = ["key", "text"]
    list_select_related = ["questionnaire"]
    inlines = [ChoiceInline]

    def questionnaire_of(self, obj):
        return obj.questionnaire if obj is not None else None


@admin.register(AssessmentResult)
class AssessmentResultAdmin(AuditedModelAdmin):
    """Members' results: read-only (personal data; every opening is audited)."""

    list_display = ["user", "questionnaire", "archetype", "analysis_status", "created_at"]
    list_filter = ["analysis_status", "archetype"]
    search_fields = ["user__email"]
    list_select_related = ["user", "questionnaire"]
    raw_id_fields = ["user", "generation"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# --- projects and AI tools ----------------------------------------------------------------
# Members' own work: read-only for staff, every opening audited.

from .models import Artifact, ArtifactVersion, Project  # noqa: E402


class ArtifactVersionInline(admin.TabularInline):
    model = ArtifactVersion
    fields = ["version", "title", "content", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-version"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class _ReadOnlyAdmin(AuditedModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Project)
class ProjectAdmin(_ReadOnlyAdmin):
    list_display = ["name", "user", "artifact_count", "duplicated_from", "updated_at"]
    search_fields = ["name", "user__email"]
    list_select_related = ["user", "duplicated_from"]
    raw_id_fields = ["user", "duplicated_from"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(artifact_total=Count("artifacts"))

    @admin.display(description="artifacts", ordering="artifact_total")
    def artifact_count(self, obj) -> int:
        return obj.artifact_total


@admin.register(Artifact)
class ArtifactAdmin(_ReadOnlyAdmin):
    list_display = ["title", "kind", "status", "user", "project", "version", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "user__email"]
    list_select_related = ["user", "project"]
    raw_id_fields = ["user", "project", "generation", "reminder"]
    date_hierarchy = "created_at"
    inlines = [ArtifactVersionInline]


# --- development plans and recommendations -----------------------------------------------
# Members' own plans: read-only for staff (deleting stays possible), every opening audited.

from django.db.models import Prefetch, Q  # noqa: E402
from django.utils.html import format_html, format_html_join  # noqa: E402

from .models import (  # noqa: E402
    DevelopmentPlan,
    PlanAction,
    PlanMilestone,
    PlanPhase,
    Recommendation,
)


@admin.register(DevelopmentPlan)
class DevelopmentPlanAdmin(AuditedModelAdmin):
    """Members' development plans, every version; the change page shows the whole tree
    (phases -> milestones -> actions with due dates and done marks)."""

    list_display = [
        "title",
        "user",
        "version",
        "status",
        "starts_on",
        "actions_done",
        "actions_total",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["title", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "assessment", "generation"]
    date_hierarchy = "created_at"
    fields = [
        "user",
        "version",
        "title",
        "summary",
        "status",
        "starts_on",
        "assessment",
        "generation",
        "tree",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                action_total=Count("actions"),
                action_done=Count("actions", filter=Q(actions__done_at__isnull=False)),
            )
        )

    @admin.display(description="actions", ordering="action_total")
    def actions_total(self, obj) -> int:
        return obj.action_total

    @admin.display(description="done", ordering="action_done")
    def actions_done(self, obj) -> int:
        return obj.action_done

    @admin.display(description="plan")
    def tree(self, obj):
        phases = (
            PlanPhase.objects.filter(plan=obj)
            .order_by("order")
            .prefetch_related(
                Prefetch(
                    "milestones",
                    queryset=PlanMilestone.objects.order_by("order").prefetch_related(
                        Prefetch("actions", queryset=PlanAction.objects.order_by("order"))
                    ),
                )
            )
        )
        html = format_html_join(
            "",
            "<h4>{}</h4><ul>{}</ul>",
            ((phase.title, _milestones_html(phase)) for phase in phases),
        )
        return html or format_html("<em>{}</em>", "No phases yet.")


def _milestones_html(phase: PlanPhase):
    return format_html_join(
        "",
        "<li>{} (due {})<ul>{}</ul></li>",
        (
            (milestone.title, milestone.due_date or "-", _actions_html(milestone))
            for milestone in phase.milestones.all()
        ),
    )


def _actions_html(milestone: PlanMilestone):
    return format_html_join(
        "",
        "<li>{} {} (due {})</li>",
        (
            ("done" if action.done_at else "open", action.title, action.due_date or "-")
            for action in milestone.actions.all()
        ),
    )


@admin.register(Recommendation)
class RecommendationAdmin(AuditedModelAdmin):
    """AI recommendations (from assessments and plans); members apply them, staff look."""

    list_display = ["title", "user", "kind", "confidence_score", "is_applied", "created_at"]
    list_filter = ["kind", "is_applied"]
    search_fields = ["title", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "assessment", "plan", "applied_goal", "applied_action"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "user",
        "kind",
        "title",
        "description",
        "confidence_score",
        "is_applied",
        "applied_at",
        "assessment",
        "plan",
        "applied_goal",
        "applied_action",
        "created_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# --- goals, progress, XP, badges ----------------------------------------------------------

from .badges import get as badge_named  # noqa: E402
from .models import BadgeAward, Goal, XPAward  # noqa: E402


@admin.register(Goal)
class GoalAdmin(AuditedModelAdmin):
    """Members' goals. Staff may correct the wording; status, progress and completion follow
    the member's progress (and give XP), so they are read-only here."""

    list_display = ["title", "user", "status", "progress", "target_date", "completed_at"]
    list_filter = ["status"]
    search_fields = ["title", "user__email"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    fields = [
        "user",
        "title",
        "description",
        "target_date",
        "status",
        "progress",
        "completed_at",
        "created_at",
        "updated_at",
    ]
    readonly_fields = ["user", "status", "progress", "completed_at", "created_at", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return False


class _LedgerAdmin(AuditedModelAdmin):
    """XP and badges are a ledger: written only by coaching.services, never by hand."""

    list_select_related = ["user"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(XPAward)
class XPAwardAdmin(_LedgerAdmin):
    list_display = ["user", "amount", "reason", "source_id", "created_at"]
    list_filter = ["reason"]
    search_fields = ["user__email", "source_id"]
    fields = ["user", "amount", "reason", "source_id", "created_at"]
    readonly_fields = fields


@admin.register(BadgeAward)
class BadgeAwardAdmin(_LedgerAdmin):
    list_display = ["user", "badge", "badge_name", "created_at"]
    list_filter = ["badge"]
    search_fields = ["user__email", "badge"]
    fields = ["user", "badge", "badge_name", "created_at"]
    readonly_fields = fields

    @admin.display(description="name")
    def badge_name(self, award) -> str:
        badge = badge_named(award.badge)
        return badge.name if badge else "(retired badge)"
