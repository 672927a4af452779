import django_filters

from .models import Generation


class GenerationFilter(django_filters.FilterSet):
    feature = django_filters.CharFilter(help_text="Only generations of this feature.")
    status = django_filters.ChoiceFilter(
        choices=Generation.Status.choices, help_text="Only generations in this status."
    )

    class Meta:
        model = Generation
        fields = ["feature", "status"]
