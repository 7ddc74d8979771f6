"""Free tags, normalised so that "烘焙", " 烘焙 " and "#烘焙" are one tag."""

import re
import unicodedata

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.core.db import db
from portal.core.errors import DomainError
from portal.neighbors.models import Tag

MAX_TAG_LENGTH = 20
SEPARATORS = re.compile(r"[,，、;；/|\n\r\t ]+")

# offered as suggestions besides the tags neighbours already use (from the seeds: 爱烘焙, 会修家电…)
SUGGESTED_SKILLS = [
    "会修家电",
    "电脑维修",
    "修水管",
    "育儿经验",
    "照护老人",
    "英语辅导",
    "做饭",
    "理发",
    "摄影",
    "开车",
]
SUGGESTED_INTERESTS = ["烘焙", "园艺", "宠物", "跑步", "读书", "广场舞", "钓鱼", "书法", "手工", "亲子"]


def normalize_tag(text: str) -> str:
    """One spelling per tag: NFKC (full-width → half-width), no '#', trimmed, lower case."""
    tag = unicodedata.normalize("NFKC", text or "")
    tag = re.sub(r"\s+", " ", tag).strip().lstrip("#").strip().casefold()
    tag = "".join(ch for ch in tag if unicodedata.category(ch)[0] in "LNMPS" or ch == " ")
    return tag.strip()


def parse_tags(text: str, limit: int = 10, field: str | None = None) -> list[str]:
    """Tags typed in one box (commas, 、 or spaces between them), normalised, duplicates dropped."""
    names: list[str] = []
    for part in SEPARATORS.split(unicodedata.normalize("NFKC", text or "")):
        name = normalize_tag(part)
        if not name or name in names:
            continue
        if len(name) > MAX_TAG_LENGTH:
            raise DomainError(_l("A tag has at most %(n)s characters.", n=MAX_TAG_LENGTH), field)
        names.append(name)
    if len(names) > limit:
        raise DomainError(_l("At most %(n)s tags.", n=limit), field)
    return names


def tags_named(names: list[str]) -> list[Tag]:
    """The Tag rows for these (normalised) names, created when new; in the given order."""
    if not names:
        return []
    found = {t.name: t for t in db.session.scalars(sa.select(Tag).where(Tag.name.in_(names)))}
    for name in names:
        if name in found:
            continue
        try:
            with db.session.begin_nested():
                tag = Tag(name=name)
                db.session.add(tag)
                db.session.flush()
            found[name] = tag
        except IntegrityError:  # created by a concurrent request
            found[name] = db.session.scalar(sa.select(Tag).where(Tag.name == name))
    return [found[name] for name in names]


def tag_by_name(text: str) -> Tag | None:
    name = normalize_tag(text)
    return db.session.scalar(sa.select(Tag).where(Tag.name == name)) if name else None
