"""The home page: a glance at every room of the hub (so it may import them all)."""
