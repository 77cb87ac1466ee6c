"""The reasons shown with a recommendation, in English or Chinese: what led to the course, strongest first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from beanie import PydanticObjectId

from oms.services.ai.model import SERVED

if TYPE_CHECKING:
    from oms.services.ai.recommendations import Candidate

REASONS = {
    "co": {"en": "Learners of “{course}” also took this", "zh": "学习《{course}》的同学也选了这门课"},
    "next": {"en": "Often taken next after “{course}”", "zh": "学完《{course}》的同学常接着学这门课"},
    "content": {"en": "Shares topics {topics} with “{course}”", "zh": "与《{course}》有共同主题：{topics}"},
    "content_plain": {"en": "Similar in content to “{course}”", "zh": "内容与《{course}》相近"},
    "trending": {"en": "Popular this week", "zh": "本周热门"},
    "popular": {"en": "Among the most taken courses", "zh": "最受欢迎的课程之一"},
}


def reasons_for(
    c: Candidate, names: dict[PydanticObjectId, str], tags: dict[PydanticObjectId, list[str]], lang: str
) -> list[str]:
    """Up to three reasons, strongest first, naming the caller's course that led here."""
    out: list[tuple[float, str]] = []
    if c.next_from[1] in names:
        out.append((SERVED.next + 0.01, REASONS["next"][lang].format(course=names[c.next_from[1]])))
    if c.co_from[1] in names:
        out.append((SERVED.ease + SERVED.co, REASONS["co"][lang].format(course=names[c.co_from[1]])))
    _, seed = c.content_from
    theirs = {t.lower() for t in tags.get(seed, [])} if seed is not None else set()
    shared = [t for t in tags.get(c.course_id, []) if t.lower() in theirs][:2]
    if seed is not None and seed in names:
        if shared:
            topics = ("、" if lang == "zh" else ", ").join(shared)
            text = REASONS["content"][lang].format(topics=topics, course=names[seed])
        else:
            text = REASONS["content_plain"][lang].format(course=names[seed])
        out.append((SERVED.content * c.content_from[0], text))
    out.sort(key=lambda r: -r[0])
    reasons = [text for _, text in out]
    if c.trending:
        reasons.append(REASONS["trending"][lang])
    elif not reasons:
        reasons.append(REASONS["popular"][lang])
    return reasons
