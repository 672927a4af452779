"""The CRM's writes; other apps call these, never the models."""
