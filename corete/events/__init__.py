"""Events of the network: stored as published, expanded into occurrences on read."""
