"""Fetching, detecting, parsing, validating and applying member feeds."""
