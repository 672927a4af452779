"""Recommendations name the generation that wrote them, for their ``ai`` provenance.

Existing rows take it from where they came from: a plan's recommendations from the plan's
generation, the others (an assessment's suggested goals, and those whose plan was deleted
since) from their assessment's analysis.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def link_generations(apps, schema_editor):
    Recommendation = apps.get_model("coaching", "Recommendation")
    DevelopmentPlan = apps.get_model("coaching", "DevelopmentPlan")
    AssessmentResult = apps.get_model("coaching", "AssessmentResult")
    Recommendation.objects.filter(plan__isnull=False).update(
        generation=Subquery(
            DevelopmentPlan.objects.filter(pk=OuterRef("plan_id")).values("generation_id")[:1]
        )
    )
    Recommendation.objects.filter(plan__isnull=True, assessment__isnull=False).update(
        generation=Subquery(
            AssessmentResult.objects.filter(pk=OuterRef("assessment_id")).values("generation_id")[
                :1
            ]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("ai", "0001_initial"),
        ("coaching", "0003_assessmentresult_notes"),
    ]

    operations = [
        migrations.AddField(
            model_name="recommendation",
            name="generation",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="ai.generation",
            ),
        ),
        migrations.RunPython(link_generations, migrations.RunPython.noop),
    ]
