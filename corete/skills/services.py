"""Skills: receiving them from the federation and searching them."""
from __future__ import annotations

from sqlalchemy import func, or_, select

from corete.core.handler import RowHandler
from corete.core.handover import SkillData
from corete.skills.models import Skill
from corete.spaces.models import Space


def skill_columns(data: SkillData) -> dict:
    return dict(
        skill=data.skill,
        category=data.category,
        holder_name=data.holder_name,
        holder_url=data.holder_url,
        contact=data.contact,
        languages=data.languages,
        description_html=data.description_html,
        url=data.url,
        tags=data.tags,
    )


handler = RowHandler("skill", Skill, skill_columns)


def search_skills(*, q=None, space=None, city=None):
    """A select of skills of active spaces matching the filters, by skill label."""
    stmt = select(Skill).join(Space, Skill.space_id == Space.id).where(Space.active.is_(True))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(
            or_(Skill.skill.ilike(like), Skill.category.ilike(like), Skill.holder_name.ilike(like))
        )
    if space:
        stmt = stmt.where(Space.slug == space)
    if city:
        stmt = stmt.where(Space.city.ilike(city))
    return stmt.order_by(func.lower(Skill.skill), Skill.id)
