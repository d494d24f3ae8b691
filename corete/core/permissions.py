"""Who may do what: the check every room's views use for role-restricted actions."""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, request
from flask_login import current_user, login_required
from sqlalchemy import select


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


def space_editor_required(view):
    """The view edits the space named by its ``slug`` argument: coordinators may edit
    every space, operators only their own (403 otherwise). The view receives the Space.
    Visitors who are not logged in go to the login page, or get 401 from the API."""
    @wraps(view)
    def wrapped(slug, *args, **kwargs):
        from corete.extensions import db
        from corete.spaces.models import Space

        if not current_user.is_authenticated:
            if request.path.startswith("/api/"):
                abort(401)
            return current_app.login_manager.unauthorized()
        space = db.session.scalar(select(Space).where(Space.slug == slug))
        if space is None:
            abort(404)
        if not current_user.may_edit(space):
            abort(403)
        return view(space, *args, **kwargs)
    return wrapped
