"""The CRM's imports tasks."""
