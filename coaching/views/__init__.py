"""The coaching API's doorways, one module per concern."""
