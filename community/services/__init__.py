"""The community's writes, one module per concern: directory (tiers), posts, messages
(with blocks), recommendations. Other apps call these, never the models."""
