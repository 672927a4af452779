"""The CRM's social tasks."""
