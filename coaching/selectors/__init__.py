"""Coaching's reads that need care (owner scoping, annotations, constant query counts)."""
