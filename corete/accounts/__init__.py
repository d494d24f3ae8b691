"""Accounts and roles: coordinators now; space operators later (bound to their spaces)."""
