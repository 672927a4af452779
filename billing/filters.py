import django_filters

from .models import PlanGrant


class GrantFilter(django_filters.FilterSet):
    user = django_filters.UUIDFilter(field_name="user_id", help_text="Only this member's grants.")

    class Meta:
        model = PlanGrant
        fields = ["user"]
