"""Shapes and input validation for the community API, one module per concern."""
