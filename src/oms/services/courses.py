"""Courses: create, read by id or slug, the catalogue, partial updates, archiving."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from beanie import PydanticObjectId
from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from oms.clock import utcnow
from oms.documents import Course, Section, User
from oms.documents.course import CourseStatus
from oms.exceptions import CourseNotFound, PreconditionFailed, ServiceUnavailable, SlugTaken, Unprocessable
from oms.schemas.common import PageParams
from oms.schemas.courses import CatalogueSort, CourseCreate, CourseSummary, CourseUpdate, SectionCreate
from oms.services.pagecache.cache import Cache
from oms.services.search.base import SearchIndex
from oms.services.search.catalogue import search_page
from oms.services.search.runtime import course_changed

MAX_COURSE_TEXT_BYTES = 8 * 1024 * 1024
SUMMARY_PROJECTION = {"content": 0, "sections.body": 0}
_SLUG_TRIES = 20


# Letters that no Unicode decomposition turns into ASCII: Greek, and a few Latin ones of their own.
_TRANSLITERATION = str.maketrans(
    {
        **dict(zip("αβγδεζηικλμνξοπρστυω", "abgdeziiklmnxoprstyo", strict=True)),
        "ς": "s",
        "θ": "th",
        "φ": "f",
        "χ": "ch",
        "ψ": "ps",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "þ": "th",
        "ı": "i",
    }
)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _pinyin(name: str) -> str:
    """Chinese characters as toneless pinyin syllables, each a word of its own (`高等数学` -> `gao deng shu
    xue`); the rest of the name as it is. pypinyin loads its dictionary on first use, so only when needed."""
    if not _HAN.search(name):
        return name
    from pypinyin import lazy_pinyin

    return " ".join(lazy_pinyin(name, errors=lambda rest: rest))


def slugify(name: str) -> str:
    """A URL slug from a name: ASCII letters and digits joined by hyphens, `course` when nothing is left.
    Chinese becomes pinyin, accents are dropped (NFKD) and Greek is transliterated, so a name in another
    script still gives a slug that reads like it (`高等数学` -> `gao-deng-shu-xue`, `Ωmega café` ->
    `omega-cafe`)."""
    text = unicodedata.normalize("NFKD", _pinyin(name).lower()).translate(_TRANSLITERATION)
    ascii_name = text.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:80].strip("-")
    return slug or "course"


def check_size(content: str, sections: list[Section]) -> None:
    """Refuse a course whose text would not fit comfortably in one MongoDB document."""
    size = len(content.encode()) + sum(len(s.body.encode()) + len(s.title.encode()) for s in sections)
    if size > MAX_COURSE_TEXT_BYTES:
        raise Unprocessable(
            f"the course's text is {size} bytes; at most {MAX_COURSE_TEXT_BYTES} are allowed",
            errors=[{"loc": ["body", "sections"], "msg": "course text too large"}],
        )


def build_sections(items: list[SectionCreate]) -> list[Section]:
    """Sections in the given order, each with a fresh id."""
    return [
        Section(title=s.title, body=s.body, duration_minutes=s.duration_minutes, order=i)
        for i, s in enumerate(items)
    ]


async def create_course(body: CourseCreate, author: User, cache: Cache) -> Course:
    """Insert a course; a derived slug gets a numeric suffix until it is unique, a given one must be free."""
    sections = build_sections(body.sections)
    check_size(body.content, sections)
    base = body.slug or slugify(body.name)
    for attempt in range(_SLUG_TRIES):
        slug = base if attempt == 0 else f"{base[:110]}-{attempt + 1}"
        course = Course(
            slug=slug,
            name=body.name,
            description=body.description,
            content=body.content,
            tags=body.tags,
            status=body.status,
            sections=sections,
            created_by=author.id,
        )
        try:
            await course.insert()
        except DuplicateKeyError as exc:
            if body.slug:
                raise SlugTaken(f"slug {body.slug!r} is already used by another course") from exc
            continue
        await course_changed(str(course.id))
        await cache.invalidate_course(None)
        return course
    raise SlugTaken("could not derive a free slug; send one")


async def find_course(ref: str, *, include_unpublished: bool) -> Course:
    """A course by ObjectId or slug; unpublished ones only when allowed, otherwise CourseNotFound.

    A slug may itself look like an ObjectId (a name of 24 hex digits): an id that matches no course is
    then tried as a slug.
    """
    visible: dict[str, Any] = {} if include_unpublished else {"status": CourseStatus.published.value}
    course = None
    if ObjectId.is_valid(ref):
        course = await Course.find_one({"_id": ObjectId(ref), **visible})
    if course is None:
        course = await Course.find_one({"slug": ref.strip().lower(), **visible})
    if course is None:
        raise CourseNotFound()
    return course


async def catalogue(
    page: PageParams,
    *,
    q: str | None,
    tag: str | None,
    sort: CatalogueSort | None,
    statuses: list[CourseStatus],
    rank: dict[str, float] | None = None,
    index: SearchIndex | None = None,
) -> dict[str, Any]:
    """A catalogue page (the `CataloguePage` shape) matching the filters.

    With a ready search index every page comes from it (relevance order by default when `q` is given);
    the plain popularity listing, and the plain listing while the index is first built, from MongoDB
    (a search then is 503: it would scan the collection). Without an index, `q` is matched literally.
    `sort=popular` orders by `rank` (course id -> score, best first), then by name.
    """
    by_rank = sort == CatalogueSort.popular and not q
    ready = index is not None and index.status().ready
    if q and index is not None and not ready:  # never a collection scan for a search
        raise ServiceUnavailable("the search index is being built; try again in a few seconds")
    if index is not None and ready and not by_rank:
        return await search_page(
            index,
            limit=page.limit,
            offset=page.offset,
            q=q,
            tag=tag,
            sort=sort,
            statuses=[s.value for s in statuses],
        )
    items, total = await _from_database(page, q=q, tag=tag, sort=sort, statuses=statuses, rank=rank)
    summaries = [CourseSummary.model_validate(c).model_dump(mode="json") for c in items]
    return {"items": summaries, "total": total, "limit": page.limit, "offset": page.offset}


async def _from_database(
    page: PageParams,
    *,
    q: str | None,
    tag: str | None,
    sort: CatalogueSort | None,
    statuses: list[CourseStatus],
    rank: dict[str, float] | None,
) -> tuple[list[Course], int]:
    query: dict[str, Any] = {"status": {"$in": [s.value for s in statuses]}}
    if tag:
        query["tags"] = tag.strip().lower()
    if q:
        pattern = {"$regex": re.escape(q.strip()), "$options": "i"}
        query["$or"] = [{"name": pattern}, {"description": pattern}]
    collection = Course.get_pymongo_collection()
    if sort == CatalogueSort.popular:
        return await _by_rank(query, rank or {}, page)
    order = [("name", 1), ("_id", 1)] if sort == CatalogueSort.name else [("created_at", -1), ("_id", -1)]
    total = await collection.count_documents(query)
    cursor = collection.find(query, SUMMARY_PROJECTION).sort(order).skip(page.offset).limit(page.limit)
    return [Course.model_validate(raw) async for raw in cursor], total


async def _by_rank(
    query: dict[str, Any], rank: dict[str, float], page: PageParams
) -> tuple[list[Course], int]:
    collection = Course.get_pymongo_collection()
    matches = await collection.find(query, {"_id": 1, "name": 1}).to_list()
    matches.sort(key=lambda c: (-rank.get(str(c["_id"]), 0.0), c["name"], c["_id"]))
    ids = [c["_id"] for c in matches[page.offset : page.offset + page.limit]]
    found = {raw["_id"]: raw async for raw in collection.find({"_id": {"$in": ids}}, SUMMARY_PROJECTION)}
    return [Course.model_validate(found[i]) for i in ids if i in found], len(matches)


async def published_summaries(ids: list[ObjectId]) -> dict[str, Course]:
    """Published courses among `ids`, without section bodies, by id string."""
    cursor = Course.get_pymongo_collection().find(
        {"_id": {"$in": ids}, "status": CourseStatus.published.value}, SUMMARY_PROJECTION
    )
    return {str(raw["_id"]): Course.model_validate(raw) async for raw in cursor}


async def write(course: Course, update: dict[str, Any], expected_version: int | None, cache: Cache) -> Course:
    """Apply one atomic update that bumps `version`; with `expected_version`, only to that version (else 412)."""
    query: dict[str, Any] = {"_id": course.id}
    if expected_version is not None:
        query["version"] = expected_version
    update.setdefault("$set", {})["updated_at"] = utcnow()
    update["$inc"] = {"version": 1}
    try:
        raw = await Course.get_pymongo_collection().find_one_and_update(
            query, update, return_document=ReturnDocument.AFTER
        )
    except DuplicateKeyError as exc:
        raise SlugTaken("slug is already used by another course") from exc
    if raw is None:
        if expected_version is not None and await Course.find_one({"_id": course.id}):
            raise PreconditionFailed("the course changed since the ETag you sent; fetch it again")
        raise CourseNotFound()
    updated: Course = Course.model_validate(raw)
    await course_changed(str(updated.id))
    await cache.invalidate_course(str(updated.id))
    return updated


async def update_course(
    course: Course, body: CourseUpdate, expected_version: int | None, cache: Cache
) -> Course:
    """Change only the fields sent, atomically."""
    changes = body.model_dump(exclude_unset=True, mode="json")
    if not changes:
        return course
    return await write(course, {"$set": changes}, expected_version, cache)


async def archive_course(course: Course, expected_version: int | None, cache: Cache) -> Course:
    """Archive a course; its enrollments stay."""
    return await write(course, {"$set": {"status": CourseStatus.archived.value}}, expected_version, cache)


def course_id(course: Course) -> PydanticObjectId:
    """The id of a stored course."""
    assert course.id is not None
    return course.id
