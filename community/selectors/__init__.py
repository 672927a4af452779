"""The community's reads that need care (visibility, annotations, constant query counts)."""
