"""Shared kernel: column types, the hand-over data types between federation and rooms, errors."""
