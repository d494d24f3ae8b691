"""Who may do what: the check every room's views use for role-restricted actions."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def role_required(*roles: str):
    """Only logged-in users with one of ``roles`` get through; others get 403 (and
    visitors who are not logged in are sent to the login page)."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator
