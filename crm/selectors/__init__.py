"""The CRM's reads that need care (annotations, scoping, exact contact lookups)."""
