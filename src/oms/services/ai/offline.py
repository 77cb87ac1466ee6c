"""The offline advice engine: reads the facts and writes advice in Chinese or English, no model needed.

Advice is assembled from what is true of this learner (stage, pace trend, skipped or reopened sections,
the projected finish, the cohort) and each message has several phrasings, picked per enrollment version,
so two learners in different situations read different advice, not one template with other numbers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from oms.services.ai.facts import Cohort, Facts, SectionRef
from oms.services.ai.phrases import PHRASES

Lang = str
ABOUT_SAME_POINTS = 5  # |progress - cohort average| up to this many points reads "about the same as"
A_LITTLE_POINTS = 15  # up to this many points reads "a little ahead of / behind"; beyond, "ahead / behind"
_SINGULAR = re.compile(r"(?<![\d.,])(1) (section|day|minute|learner)s\b")


@dataclass(frozen=True)
class Draft:
    """Advice text: a summary paragraph and a few concrete suggestions."""

    summary: str
    suggestions: list[str]


def _quote(title: str, lang: Lang) -> str:
    return f"《{title}》" if lang == "zh" else f"“{title}”"


def _titles(sections: list[SectionRef], lang: Lang, with_minutes: bool = False) -> str:
    parts = []
    for s in sections:
        text = _quote(s.title, lang)
        if with_minutes and s.duration_minutes:
            text += f"（{s.duration_minutes} 分钟）" if lang == "zh" else f" ({s.duration_minutes} min)"
        parts.append(text)
    if lang == "zh":
        return "、".join(parts)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def write(facts: Facts, lang: Lang, variant: int = 0) -> Draft:
    """Advice for `facts` in `lang` (zh | en); `variant` picks among equivalent phrasings."""
    values: dict[str, Any] = {**facts.__dict__, "course": _quote(facts.course_name, lang)}
    if facts.cohort:
        values.update(facts.cohort.__dict__)
    first = facts.next_sections[0] if facts.next_sections else None
    if first:
        values.update(first=_quote(first.title, lang), first_minutes=first.duration_minutes)
    values["target"] = max(1, math.ceil(facts.done_last_30_days * 7 / 30))

    def say(key: str, **extra: Any) -> str:
        options = PHRASES[key][lang]
        text = options[variant % len(options)].format(**(values | extra))
        return _SINGULAR.sub(r"\1 \2", text) if lang == "en" else text

    summary = [say(_stage(facts))]
    if facts.status != "dropped" and facts.sections_left:
        if facts.trend in ("speeding_up", "slowing_down") or (
            facts.trend == "steady" and facts.done_last_30_days
        ):
            summary.append(say(facts.trend))
        elif facts.progress_percent > 0 and facts.done_last_30_days == 0:
            summary.append(say("idle"))
        if facts.estimated_completion and facts.days_to_finish:
            summary.append(say("projection", estimated_completion=facts.estimated_completion.isoformat()))
        elif facts.progress_percent > 0 and facts.minutes_left:
            summary.append(say("no_projection"))
    if facts.cohort and facts.status != "dropped":
        summary.append(say(cohort_key(facts.progress_percent, facts.cohort)))
    return Draft(
        " ".join(summary) if lang == "en" else "".join(summary), _suggestions(facts, lang, say, first)
    )


def cohort_key(progress: int, cohort: Cohort) -> str:
    """Which cohort sentence is true: everyone level, about the average (within `ABOUT_SAME_POINTS`
    percentage points), a little ahead or behind it (within `A_LITTLE_POINTS`), or clearly ahead or behind.
    "Most are further along" is said only when more than half the others are."""
    if cohort.level_percent == 100:
        return "cohort_level"
    gap = progress - cohort.average_progress
    if abs(gap) <= ABOUT_SAME_POINTS:
        return "cohort_about_same"
    if abs(gap) <= A_LITTLE_POINTS:
        return "cohort_little_ahead" if gap > 0 else "cohort_little_behind"
    if gap > 0:
        return "ahead"
    further = 100 - cohort.ahead_of_percent - cohort.level_percent
    return "behind" if further > 50 else "behind_average"


def _stage(facts: Facts) -> str:
    if not facts.sections_total:
        return "empty"
    if not facts.sections_left and facts.sections_total:
        return "finished"
    if facts.status == "dropped":
        return "dropped"
    if facts.sections_done == 0:
        return "fresh" if facts.days_enrolled == 0 else "not_started"
    if facts.progress_percent < 34:
        return "early"
    return "middle" if facts.progress_percent < 75 else "late"


def _suggestions(facts: Facts, lang: Lang, say: Any, first: SectionRef | None) -> list[str]:
    tips: list[str] = []
    if not facts.sections_total:
        return []
    if not facts.sections_left:
        return [say("review_tip")]
    if facts.status == "dropped":
        return [say("return_tip")] if first else []
    if facts.skipped_sections:
        tips.append(say("skipped", titles=_titles(facts.skipped_sections[:2], lang)))
    reopened = [s for s in facts.stalled_sections if s not in facts.skipped_sections]
    if reopened:
        tips.append(say("reopened", titles=_titles(reopened[:2], lang)))
    if first and facts.trend in ("stalled", "not_started") and first.duration_minutes:
        tips.append(say("restart" if facts.sections_done else "start"))
    elif facts.next_sections:
        shown = [s for s in facts.next_sections if s not in facts.skipped_sections] or facts.next_sections
        tips.append(say("next", titles=_titles(shown[:2], lang, with_minutes=True)))
    if facts.sections_left <= 2 and facts.sections_total > 2:
        tips.append(say("finish_tip"))
    elif facts.trend == "slowing_down":
        tips.append(say("slowing_tip"))
    elif facts.trend in ("speeding_up", "steady") and facts.done_last_7_days:
        tips.append(say("momentum_tip"))
    return tips[:4]
