"""Read API of needs: /api/v1/needs."""
from flask_smorest import Blueprint

from corete.core.api import paginate_select
from corete.extensions import db
from corete.purchasing.schemas import NeedListArgs, NeedPageOut
from corete.purchasing.services import search_needs

api_bp = Blueprint("needs_api", __name__, url_prefix="/api/v1/needs", description="Purchase and service needs")


@api_bp.route("")
@api_bp.arguments(NeedListArgs, location="query")
@api_bp.response(200, NeedPageOut)
def list_needs(args):
    """Needs published by the spaces; filters: space, category, kind."""
    stmt = search_needs(space=args.get("space"), category=args.get("category"), kind=args.get("kind"))
    return paginate_select(db.session, stmt, args)
