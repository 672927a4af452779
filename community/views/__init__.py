"""The community API's doorways, one module per concern."""
