"""Hosted feeds' edges: the feed the hub publishes for a space, the operator's editor
(profile, events, skills, needs) and the same editing through the API. Every editing
route goes through space_editor_required: an operator edits only its own spaces."""
from __future__ import annotations

from flask import Blueprint as FlaskBlueprint
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from flask_smorest import abort as api_abort
from marshmallow import ValidationError
from sqlalchemy import select

from corete.accounts.models import Invitation, User
from corete.accounts.views import role_names
from corete.accounts.services import AccountError, invite, mail_invitation, revoke, set_active, users
from corete.core.api import editing_doc
from corete.core.caching import conditional
from corete.core.edge import accepts_pictures
from corete.core.forms import attempt, form_errors
from corete.core.i18n import page_language
from corete.core.models import utcnow
from corete.core.permissions import role_required, space_editor_required
from corete.core.templating import KIND_LABELS, span, unit_name
from corete.extensions import db
from corete.federation.schemas import SPACE_KINDS, UNITS
from corete.hosting import services
from corete.newsletter.services import news_of
from corete.hosting.models import ITEM_TYPES, HostedItem
from corete.hosting.schemas import FORMS, EventIn, HostedItemOut, HostedItemsOut, InviteIn, NeedIn, SkillIn
from corete.spaces.models import Space
from corete.spaces.schemas import ProfileIn
from corete.spaces.services import RegistryError, feed_health

pages_bp = FlaskBlueprint("hosting", __name__, template_folder="templates")
api_bp = Blueprint("hosting_api", __name__, url_prefix="/api/v1/spaces",
                   description="Editing the spaces the hub hosts (operators of the space, coordinators)")


def base_url() -> str:
    """Where the poller finds the hub: PUBLIC_URL. Never a Host header the request chose
    (an operator would choose the host and port the poller fetches): without PUBLIC_URL,
    only the address this request came to when TRUSTED_HOSTS is set (Flask refuses any
    other host then); otherwise the hub cannot host feeds yet (409, in the API too)."""
    if current_app.config.get("PUBLIC_URL"):
        return current_app.config["PUBLIC_URL"]
    if current_app.config.get("TRUSTED_HOSTS"):
        return request.host_url
    abort(409, description=_("The hub does not know its public address yet (PUBLIC_URL): "
                             "a coordinator must set it before the hub can host feeds."))


# --- What the hub publishes ----------------------------------------------------------------


@pages_bp.route("/spaces/<slug>/feed.json")
def feed_json(slug):
    """A hosted space's feed: a CoRete JSON Feed, polled by the hub like any member's."""
    space = db.session.scalar(select(Space).where(Space.slug == slug))
    hosted = services.find_hosted(db.session, space) if space is not None else None
    if hosted is None:
        abort(404)
    body = services.document(hosted, services.items_of(db.session, space), request.base_url)

    def render():
        return Response(body, content_type="application/feed+json; charset=utf-8")

    return conditional(render, etag=services.etag(body), last_modified=hosted.updated_at, max_age=60)


# --- The editor ----------------------------------------------------------------------------


@pages_bp.route("/my/spaces")
@login_required
def my_spaces():
    """The spaces this account may edit."""
    if current_user.has_role("coordinator"):
        spaces = db.session.scalars(select(Space).order_by(Space.name)).all()
    else:
        spaces = current_user.spaces
    if len(spaces) == 1 and not current_user.has_role("coordinator"):
        return redirect(url_for("hosting.editor", slug=spaces[0].slug))
    return render_template("hosting/my_spaces.html", spaces=spaces)


@pages_bp.route("/spaces/<slug>/edit", methods=["GET", "POST"])
@space_editor_required
def editor(space):
    hosted = services.find_hosted(db.session, space)
    errors = {}
    values = dict(hosted.profile) if hosted else services.profile_of(space)
    if request.method == "POST":
        values = request.form.to_dict()
        _result, errors = attempt(db.session, lambda: services.save_profile(
            db.session, services.hosted_feed(db.session, space, base_url()), ProfileIn().load(request.form)),
            services.HostingError, "name")
        if not errors:
            flash(_("Profile saved: the hub reads your feed again within a minute."), "info")
            return redirect(url_for("hosting.editor", slug=space.slug))
    if request.method != "POST":
        values["timezone"] = space.timezone
    if isinstance(values.get("tags"), list):
        values["tags"] = ", ".join(values["tags"])
    items = services.items_of(db.session, space)
    hosted_feed = hosted.feed if hosted else None
    return render_template("hosting/editor.html", space=space, hosted=hosted, values=values, errors=errors,
                           items={t: [i for i in items if i.type == t] for t in ITEM_TYPES},
                           health=feed_health(hosted_feed) if hosted_feed else None,
                           other_feeds=[f for f in space.feeds if f is not hosted_feed],
                           kinds=[(k, KIND_LABELS[k]) for k in SPACE_KINDS],
                           news=news_of(db.session, space)), (400 if errors else 200)


def _item_page(space, item_type: str, item: HostedItem | None, copy_of: HostedItem | None = None):
    """The form of a new item (``item`` None), of an existing one, or of a new one filled
    from ``copy_of`` (duplicating an event, then changing its date)."""
    source = item or copy_of
    errors, values = {}, dict(source.item.get("_form", {})) if source else {}
    if request.method == "POST":
        values = request.form.to_dict()
        image, errors = _poster(source)

        def save():
            form = FORMS[item_type]().load(request.form)
            if item_type == "event":
                form["image"] = image
            return services.save_item(db.session, services.hosted_feed(db.session, space, base_url()), item_type,
                                      form, item=item, user=current_user)

        if not errors and item_type == "event" and request.form.get("preview"):
            preview, errors = _preview(space, image)
            if not errors:
                return render_template("hosting/event.html", space=space, item=item, values=values, errors={},
                                       poster=image, max_mb=_max_mb(), preview=preview, kept_poster=image,
                                       dates=services.dates_of(item.item, utcnow()) if item is not None else [])
        elif not errors:
            _result, errors = attempt(db.session, save, services.HostingError, "form")
        if not errors:
            flash(_("Saved: the hub reads your feed again within a minute."), "info")
            return redirect(url_for("hosting.editor", slug=space.slug) + f"#{item_type}s")
    return render_template(f"hosting/{item_type}.html", space=space, item=item, values=values, errors=errors,
                           poster=source.item.get("image") if source else None, max_mb=_max_mb(),
                           dates=services.dates_of(item.item, utcnow()) if item is not None and item_type == "event" else [],
                           units=[(u, unit_name(u, 1)) for u in UNITS]), (400 if errors else 200)


@pages_bp.app_template_global()
def preview_when(data) -> str:
    """When a previewed event (the poller's EventData) happens, as the event page says it."""
    return span(data, data.start, data.end)


def _preview(space, image: str | None):
    """(the event as the network will show it, {}) or (None, the form's errors); nothing is
    saved but a poster sent with it, kept so that saving next needs no second upload."""
    try:
        form = EventIn().load(request.form)
        form["image"] = image
        data = services.preview_event(space, services.find_hosted(db.session, space), form)
    except ValidationError as e:
        db.session.rollback()
        return None, form_errors(e)
    except services.HostingError as e:
        db.session.rollback()
        return None, {"form": str(e)}
    db.session.commit()  # the poster, if one was sent
    return data, {}


def _max_mb() -> int:
    return int(current_app.config["PICTURE_MAX_BYTES"]) // 2**20


def _poster(source: HostedItem | None) -> tuple[str | None, dict]:
    """The event's picture after this form: an uploaded poster (checked and kept as the
    hub's own copy), the one it had, or none when the operator removed it."""
    from corete.media import images as media_images, services as media_services  # Pillow: only when posting

    upload = request.files.get("poster")
    if upload is not None and upload.filename:
        try:
            try:
                body = upload.read()
            finally:  # a large file was spooled to a temporary file
                upload.close()
            return media_services.upload(db.session, body, current_app.config, base_url()), {}
        except media_images.NotAnImage:
            return None, {"poster": _("This file is not a picture the hub can use: send a JPEG, PNG, GIF or WebP "
                                      "of at most %(mb)d MB.", mb=_max_mb())}
    if request.form.get("remove_poster"):
        return None, {}
    kept = request.form.get("kept_poster") or ""  # sent with a preview: the hub's own copy
    found = media_services.OWN_PATH.search(kept)
    if found and kept == f"{base_url().rstrip('/')}/media/{found.group(1)}.jpg":
        return kept, {}
    return (source.item.get("image") if source else None), {}


@pages_bp.route("/spaces/<slug>/edit/<item_type>/new", methods=["GET", "POST"])
@accepts_pictures
@space_editor_required
def new_item(space, item_type):
    if item_type not in ITEM_TYPES:
        abort(404)
    return _item_page(space, item_type, None)


def _own_item(space, item_id: int) -> HostedItem:
    item = db.session.get(HostedItem, item_id)
    if item is None or item.space_id != space.id:  # another space's item is not found here
        abort(404)
    return item


@pages_bp.route("/spaces/<slug>/edit/items/<int:item_id>", methods=["GET", "POST"])
@accepts_pictures
@space_editor_required
def edit_item(space, item_id):
    item = _own_item(space, item_id)
    return _item_page(space, item.type, item)


@pages_bp.route("/spaces/<slug>/edit/items/<int:item_id>/copy", methods=["GET", "POST"])
@accepts_pictures
@space_editor_required
def copy_item(space, item_id):
    original = _own_item(space, item_id)
    return _item_page(space, original.type, None, copy_of=original)


@pages_bp.route("/spaces/<slug>/edit/items/<int:item_id>/dates", methods=["POST"])
@space_editor_required
def item_date(space, item_id):
    """Cancel one date of a recurring event (published as that date cancelled), or restore it."""
    item = _own_item(space, item_id)
    cancel = request.form.get("action") == "cancel"
    _result, errors = attempt(db.session, lambda: services.set_cancelled(
        db.session, services.hosted_feed(db.session, space, base_url()), item, request.form.get("date", ""), cancel),
        services.HostingError, "date")
    if errors:
        flash(errors["date"], "error")
    else:
        flash(_("Date cancelled: calendars that subscribed show it cancelled.") if cancel
              else _("Date restored."), "info")
    return redirect(url_for("hosting.edit_item", slug=space.slug, item_id=item.id) + "#dates")


@pages_bp.route("/spaces/<slug>/edit/items/<int:item_id>/delete", methods=["POST"])
@space_editor_required
def delete_item(space, item_id):
    item = _own_item(space, item_id)
    services.delete_item(db.session, services.hosted_feed(db.session, space, base_url()), item)
    db.session.commit()
    flash(_("Removed: it leaves the network when the hub next reads your feed."), "info")
    return redirect(url_for("hosting.editor", slug=space.slug))


# --- Coordinators: operators and invitations -----------------------------------------------


@pages_bp.route("/operators", methods=["GET", "POST"])
@role_required("coordinator")
def operators():
    errors, link, values = {}, None, {}
    if request.method == "POST":
        values = request.form.to_dict()

        def work():
            form = InviteIn().load(request.form)
            if form.get("new_space"):
                space = services.add_hosted_space(db.session, form["new_space"], base_url(), city=form.get("city"))
            else:
                space = db.session.scalar(select(Space).where(Space.slug == form["space"]))
                if space is None:
                    raise AccountError(_("Choose a space of the list."))
            days = form.get("days") or current_app.config["INVITATION_DAYS"]
            invitation, token = invite(db.session, form["email"], [space], by=current_user, days=days)
            mail_invitation(db.session, invitation, token, lang=page_language(), inviter=current_user.email)
            return invitation, token
        result, errors = attempt(db.session, work, (AccountError, RegistryError), "email")
        if not errors:
            invitation, token = result
            link = url_for("accounts.accept_invitation", token=token, _external=True)
            flash(_("Invitation e-mailed to %(email)s. The link below is shown only now, should you want to send it yourself.",
                    email=invitation.email), "info")
            values = {}
    invitations = db.session.scalars(select(Invitation).order_by(Invitation.created_at.desc()).limit(100)).all()
    spaces = db.session.execute(select(Space.slug, Space.name).order_by(Space.name)).all()
    names = dict(db.session.execute(select(Space.id, Space.name)).all())
    people = users(db.session)
    return render_template("hosting/operators.html", errors=errors, link=link, values=values,
                           invitations=invitations, spaces=spaces, names=names, operators=people,
                           role_names=role_names(), now=utcnow()), (400 if errors else 200)


@pages_bp.route("/operators/users/<int:user_id>/<any(disable, enable):action>", methods=["POST"])
@role_required("coordinator")
def set_user_active(user_id, action):
    """Disabling ends every session of the account at once; enabling lets it log in again."""
    user = db.get_or_404(User, user_id)
    try:
        set_active(db.session, user, action == "enable", by=current_user)
    except AccountError as e:
        db.session.rollback()
        flash(str(e), "error")
    else:
        db.session.commit()
        flash(_("%(email)s can log in again.", email=user.email) if action == "enable"
              else _("%(email)s is disabled: its sessions have ended.", email=user.email), "info")
    return redirect(url_for("hosting.operators"))


@pages_bp.route("/operators/invitations/<int:invitation_id>/revoke", methods=["POST"])
@role_required("coordinator")
def revoke_invitation(invitation_id):
    invitation = db.get_or_404(Invitation, invitation_id)
    revoke(db.session, invitation)
    db.session.commit()
    flash(_("Invitation withdrawn."), "info")
    return redirect(url_for("hosting.operators"))


# --- The same through the API ----------------------------------------------------------------


def _api_item(item: HostedItem) -> dict:
    published = {k: v for k, v in item.item.items() if k != "_form"}
    return {"id": item.id, "type": item.type, "uid": item.uid, "updated_at": item.updated_at.isoformat(),
            "item": published}


def _api_load(item_type: str) -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description="a JSON object is expected")
    try:
        return FORMS[item_type]().load(body)
    except ValidationError as e:
        api_abort(422, messages={"json": form_errors(e)})


def _api_save(space, item_type: str, item: HostedItem | None):
    form = _api_load(item_type)
    hosted = services.hosted_feed(db.session, space, base_url())
    try:
        saved = services.save_item(db.session, hosted, item_type, form, item=item, user=current_user)
    except services.HostingError as e:
        db.session.rollback()
        api_abort(422, messages={"json": {"item": str(e)}})
    db.session.commit()
    return saved


_ITEM_BODY = {"required": True, "content": {"application/json": {"schema": {"anyOf": [EventIn, SkillIn, NeedIn]}}},
              "description": "The editor's form fields, as JSON: those of the item's type (event, skill or need)."}


def _ok(status: int, text: str, schema=None) -> dict:
    return {str(status): {"description": text, **({"content": {"application/json": {"schema": schema}}} if schema else {})}}


@api_bp.route("/<slug>/items", methods=["GET"])
@api_bp.doc(**editing_doc(ok=_ok(200, "The hosted feed's items", HostedItemsOut)))
@space_editor_required
def api_items(space):
    """The hosted feed's items, as the editor keeps them."""
    return {"items": [_api_item(i) for i in services.items_of(db.session, space)]}


@api_bp.route("/<slug>/items/<item_type>", methods=["POST"])
@api_bp.doc(**editing_doc(ok=_ok(201, "Added", HostedItemOut), invalid=True, requestBody=_ITEM_BODY))
@space_editor_required
def api_create(space, item_type):
    """Add an event, skill or need (the editor's form fields, as JSON)."""
    if item_type not in ITEM_TYPES:
        abort(404)
    return _api_item(_api_save(space, item_type, None)), 201


@api_bp.route("/<slug>/items/<int:item_id>", methods=["PUT"])
@api_bp.doc(**editing_doc(ok=_ok(200, "Replaced", HostedItemOut), invalid=True, requestBody=_ITEM_BODY))
@space_editor_required
def api_replace(space, item_id):
    """Replace an item: every field, as when it was added."""
    item = _own_item(space, item_id)
    return _api_item(_api_save(space, item.type, item))


@api_bp.route("/<slug>/items/<int:item_id>", methods=["DELETE"])
@api_bp.doc(**editing_doc(ok=_ok(204, "Removed")))
@space_editor_required
def api_delete(space, item_id):
    """Remove an item: the hosted feed no longer carries it."""
    item = _own_item(space, item_id)
    services.delete_item(db.session, services.hosted_feed(db.session, space, base_url()), item)
    db.session.commit()
    return "", 204
