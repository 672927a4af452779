"""Conversations: the AI practice partner and, later, the AI coach (docs/API.md,
"conversations").

The app owns the practice scenarios staff curate in the admin (setting, target, premium
flag, tips per difficulty), the AI-written context of a scenario at a difficulty
(``conversations.scenario_context``), and each member's count of practice conversations per
local day (``PracticeQuota``), which the plan's ``conversations.practice_per_day`` limits.
Practice is for adults: every AI-starting endpoint requires the onboarding age check
(``accounts.selectors.is_verified_adult``), and premium scenarios need
``conversations.premium_scenarios``.
"""
