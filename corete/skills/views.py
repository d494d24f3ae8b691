"""Read API of skills: /api/v1/skills."""
from flask_smorest import Blueprint

from corete.core.api import paginate_select
from corete.extensions import db
from corete.skills.schemas import SkillListArgs, SkillPageOut
from corete.skills.services import search_skills

api_bp = Blueprint("skills_api", __name__, url_prefix="/api/v1/skills", description="Skills of the network")


@api_bp.route("")
@api_bp.arguments(SkillListArgs, location="query")
@api_bp.response(200, SkillPageOut)
def list_skills(args):
    """Skills published by the spaces; filters: q, space, city."""
    stmt = search_skills(q=args.get("q"), space=args.get("space"), city=args.get("city"))
    return paginate_select(db.session, stmt, args)
