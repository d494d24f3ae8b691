"""The member registry: spaces and the feeds they publish."""
