"""The operators' edges: the feed the hub publishes for a space they host, their editor
(the profile and every item type's form) and the same editing through the API, and the
feed validator for those who publish their own feed. Every editing
route goes through space_editor_required: an operator edits only its own spaces."""
from __future__ import annotations

import re

from flask import Blueprint as FlaskBlueprint
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from flask_smorest import abort as api_abort
from marshmallow import ValidationError
from sqlalchemy import select

from corete.accounts.models import Invitation, User
from corete.accounts.views import role_names
from corete.accounts.services import AccountError, invite, mail_invitation, revoke, set_active, users
from corete.core.atom import websub_hub
from corete.core.api import editing_doc
from corete.core.caching import conditional
from corete.core.edge import accepts_pictures
from corete.core.forms import attempt, form_errors
from corete.core.i18n import page_language
from corete.core.models import utcnow
from corete.core.permissions import role_required, space_editor_required
from corete.core import itemtypes
from corete.core.templating import KIND_LABELS, span
from corete.core.vocabulary import SPACE_KINDS
from corete.extensions import db, limiter
from corete.federation.fetch import FetchPolicy
from corete.federation.reasons import DOCUMENT_FIXES, PLAIN_ERRORS, in_words
from corete.federation.validate import preview as build_preview
from corete.federation.validate import validate_source
from corete.map.views import place_map
from corete.hosting import services
from corete.newsletter.services import news_of
from corete.hosting.models import HostedItem
from corete.hosting.schemas import HostedItemOut, HostedItemsOut, InviteIn
from corete.spaces.models import Space
from corete.spaces.schemas import ProfileIn, visitor_values
from corete.spaces.services import RegistryError, feed_health

pages_bp = FlaskBlueprint("hosting", __name__, template_folder="templates")
MAX_PASTE = 2 * 1024 * 1024
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
    body = services.document(db.session, hosted, services.items_of(db.session, space), request.base_url,
                             websub_hub(current_app.config))

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
        values.update(visitor_values(values.pop("visitors", None)))
    if isinstance(values.get("tags"), list):
        values["tags"] = ", ".join(values["tags"])
    items = services.items_of(db.session, space)
    hosted_feed = hosted.feed if hosted else None
    return render_template("hosting/editor.html", space=space, hosted=hosted, values=values, errors=errors,
                           item_types=itemtypes.editable(),
                           items={t.name: [i for i in items if i.type == t.name] for t in itemtypes.editable()},
                           health=feed_health(hosted_feed) if hosted_feed else None,
                           other_feeds=[f for f in space.feeds if f is not hosted_feed],
                           kinds=[(k, KIND_LABELS[k]) for k in SPACE_KINDS],
                           news=news_of(db.session, space)), (400 if errors else 200)


def _item_page(space, item_type: str, item: HostedItem | None, copy_of: HostedItem | None = None):
    """The form of a new item (``item`` None), of an existing one, or of a new one filled
    from ``copy_of`` (duplicating an event, then changing its date). What differs between
    types (the form, its template, a picture, a preview) is the type's registered editor."""
    editor = _editor_of(item_type)
    source = item or copy_of
    errors, values, preview = {}, dict(source.item.get("_form", {})) if source else {}, None
    image = source.item.get("image") if source else None
    if request.method == "POST":
        values = request.form.to_dict()
        if editor.pictures:
            image, errors = _poster(source)

        def save():
            form = editor.form().load(request.form)
            if editor.pictures:
                form["image"] = image
            return services.save_item(db.session, services.hosted_feed(db.session, space, base_url()), item_type,
                                      form, item=item, user=current_user)

        if not errors and editor.preview and request.form.get("preview"):
            preview, errors = _preview(space, item_type, editor, image)
        elif not errors:
            _result, errors = attempt(db.session, save, services.HostingError, "form")
            if not errors:
                flash(_("Saved: the hub reads your feed again within a minute."), "info")
                return redirect(url_for("hosting.editor", slug=space.slug) + f"#{itemtypes.get(item_type).plural}")
    context = editor.context(item.item if item is not None else None, utcnow()) if editor.context else {}
    return render_template(editor.template, space=space, item=item, values=values, errors=errors, poster=image,
                           max_mb=_max_mb(), preview=preview, kept_poster=image if preview else None,
                           **context), (400 if errors else 200)


def _editor_of(item_type: str) -> itemtypes.Editor:
    registered = itemtypes.get(item_type)
    if registered is None or registered.editor is None:
        abort(404)
    return registered.editor


@pages_bp.app_template_global()
def preview_when(data) -> str:
    """When a previewed event (the poller's EventData) happens, as the event page says it."""
    return span(data, data.start, data.end)


def _preview(space, item_type: str, editor: itemtypes.Editor, image: str | None):
    """(the item as the network will show it, {}) or (None, the form's errors); nothing is
    saved but a picture sent with it, kept so that saving next needs no second upload."""
    try:
        form = editor.form().load(request.form)
        if editor.pictures:
            form["image"] = image
        data = services.preview_item(space, services.find_hosted(db.session, space), item_type, form)
    except ValidationError as e:
        db.session.rollback()
        return None, form_errors(e)
    except services.HostingError as e:
        db.session.rollback()
        return None, {"form": str(e)}
    db.session.commit()  # the picture, if one was sent
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


# --- The feed validator: what the network will make of a feed ----------------------------


@pages_bp.route("/validate", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["VALIDATE_RATE_LIMIT"], methods=["POST"])
def validate_page():
    """The operator's first stop: each problem in plain words, where it is and how to fix
    it, and a preview of the space on the map and its events in the calendar."""
    report, error, problems, preview, small_map = None, None, [], None, None
    url = (request.form.get("url") or "").strip()
    document = request.form.get("document") or ""
    if request.method == "POST":
        if url:
            report = validate_source(url=url, config=current_app.config,
                                     policy=FetchPolicy.for_validator(current_app.config))
        elif document.strip():
            if len(document) > MAX_PASTE:
                error = _("The document is larger than 2 MiB.")
            else:
                report = validate_source(body=document.encode("utf-8"), config=current_app.config)
        else:
            error = _("Paste a feed URL or a feed document.")
    if report is not None and report.document is not None:
        problems = [_problem(r, "error", report) for r in report.rejections] + \
                   [_problem(r, "warning", report) for r in report.warnings]
        preview = build_preview(report.document, utcnow())
        space = preview.space
        if space is not None and (space.lat is not None or space.city):
            small_map = place_map(space.lat, space.lon, space.city)
    status = 400 if error else 200
    detail = in_words(report.error) if report is not None and report.error else None
    return render_template("hosting/validate.html", report=report, error=error, url=url, detail=detail,
                           document=document[:MAX_PASTE], problems=problems, preview=preview, small_map=small_map,
                           plain=PLAIN_ERRORS, fixes=DOCUMENT_FIXES), status


# How to fix a problem, by the field it is in (JSON Feed) or the property it names
# (iCalendar); each item type adds the advice on its own fields (core.itemtypes).
FIELD_FIXES = {
    "type": _l("Each item says what it is in \"_corete.type\": %(types)s."),
    "lat": _l("Decimal degrees with a dot: 41.8626 (latitude), 12.4841 (longitude)."),
    "id": _l("Give every item an id that never changes, even when the item does."),
    "email": _l("An e-mail address such as info@example.org."),
}
FIELD_FIXES["lon"] = FIELD_FIXES["lat"]


def _fixes(item_type: str | None) -> dict:
    """The advice by field for an item of this type (the event's, in an iCalendar)."""
    registered = itemtypes.get(item_type or "event")
    return {**(registered.fixes if registered else {}), **FIELD_FIXES}


ICS_FIXES = {"DTSTART": "start", "DTEND": "end", "RRULE": "rrule", "TZID": "timezone", "UID": "id", "DURATION": "end"}
_POINTER = re.compile(r"^/items/(\d+)(?:/_corete)?(?:/([a-z_]+))?")
_VEVENT = re.compile(r"^VEVENT (\d+)")
_LINE = re.compile(r"^line (\d+)$")


def _problem(rejection, level: str, report) -> dict:
    """A rejection for a person: where it is, what is wrong, how to fix it."""
    where, field, fixes = rejection.where, None, _fixes(rejection.item_type)
    if m := _POINTER.match(where):
        field = m.group(2) or next((f for f in fixes if f"'{f}'" in rejection.reason
                                    or rejection.reason.startswith(f"'{f}")), None)
        place = _("item %(n)d", n=int(m.group(1)) + 1)
        if rejection.source_id:
            place += " (id " + rejection.source_id[:60] + ")"
        if m.group(2):
            place += ", " + _("field %(field)s", field="_corete." + m.group(2))
    elif m := _VEVENT.match(where):
        place = _("event %(n)s of the calendar", n=m.group(1))
        field = next((f for prop, f in ICS_FIXES.items() if prop in rejection.reason), None)
    elif m := _LINE.match(where):
        place = _("line %(n)d", n=int(m.group(1)))
    else:
        place = where
    line = report.line_of.get(where)
    if line and not _LINE.match(where):
        place += ", " + _("line %(n)d", n=line)
    if field is None and "RFC 3339" in rejection.reason:
        field = "start"
    fix = fixes.get(field) if field else None
    if field == "type":
        fix = fix % {"types": ", ".join(f'"{n}"' for n in itemtypes.names())}
    return {"level": level, "where": place, "reason": in_words(rejection.reason), "fix": fix}


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
        return _editor_of(item_type).form().load(body)
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


def _item_body() -> dict:
    """The request body of the editing API: any editable type's form, as JSON."""
    return {"required": True,
            "content": {"application/json": {"schema": {"anyOf": [t.editor.form for t in itemtypes.editable()]}}},
            "description": "The editor's form fields, as JSON: those of the item's type (" +
                           ", ".join(itemtypes.names()) + ")."}


def _ok(status: int, text: str, schema=None) -> dict:
    return {str(status): {"description": text, **({"content": {"application/json": {"schema": schema}}} if schema else {})}}


@api_bp.route("/<slug>/items", methods=["GET"])
@api_bp.doc(**editing_doc(ok=_ok(200, "The hosted feed's items", HostedItemsOut)))
@space_editor_required
def api_items(space):
    """The hosted feed's items, as the editor keeps them."""
    return {"items": [_api_item(i) for i in services.items_of(db.session, space)]}


@api_bp.route("/<slug>/items/<item_type>", methods=["POST"])
@api_bp.doc(**editing_doc(ok=_ok(201, "Added", HostedItemOut), invalid=True, requestBody=_item_body()))
@space_editor_required
def api_create(space, item_type):
    """Add an item of a type the editor offers (its form's fields, as JSON)."""
    _editor_of(item_type)
    return _api_item(_api_save(space, item_type, None)), 201


@api_bp.route("/<slug>/items/<int:item_id>", methods=["PUT"])
@api_bp.doc(**editing_doc(ok=_ok(200, "Replaced", HostedItemOut), invalid=True, requestBody=_item_body()))
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
