"""Coaching's writes, one module per concern: assessment, plans (with recommendations),
progress (goals, XP, badges), tools (AI artifacts) and projects. Other apps call these
(``coaching.services.award_xp``), never the models."""

from .progress import award_xp, evaluate_badges

__all__ = ["award_xp", "evaluate_badges"]
