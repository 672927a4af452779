"""Shapes and input validation for the coaching API, one module per concern."""
