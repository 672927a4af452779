"""The CRM's posts tasks."""
