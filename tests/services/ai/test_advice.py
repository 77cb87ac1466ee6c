"""Learning advice: facts computed from known histories, the offline engine's prose, and the endpoint."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from beanie import PydanticObjectId
from bson import ObjectId

from oms.documents import Course, Enrollment
from oms.documents.enrollment import EnrollmentStatus
from oms.services.ai import facts as facts_module
from oms.services.ai import offline
from oms.services.ai.facts import Cohort
from oms.services.ai.grounding import Rejected, allowed_numbers, check_text, numbers_in
from tests.support.advice import (
    NOW,
    course_with_durations,
    enrolled_with_history,
    known_course,
    known_enrollment,
)
from tests.support.api import Actor
from tests.support.factories import MakeApp, MakeStudent

CJK = re.compile(r"[\u4e00-\u9fff]")


# --- facts --------------------------------------------------------------------------------------------


def test_facts_from_a_known_history() -> None:
    course = known_course()
    f = facts_module.compute(known_enrollment(course), course, None, NOW)
    assert (f.sections_total, f.sections_done, f.sections_left, f.progress_percent) == (6, 3, 3, 50)
    assert (f.minutes_total, f.minutes_done, f.minutes_left) == (210, 70, 140)
    assert (f.days_enrolled, f.days_since_last_activity) == (40, 2)
    assert (f.done_last_7_days, f.done_last_30_days, f.resets_last_30_days) == (1, 3, 1)
    assert f.sections_per_week == 0.7  # 3 sections in 30 days
    assert f.minutes_per_week == 26  # units 2, 4, 5 = 110 minutes in 30 days
    assert f.days_to_finish == 38  # 140 minutes at 26 a week
    assert f.estimated_completion == (NOW + timedelta(days=38)).date()
    assert f.trend == "speeding_up"  # 1 this week against 0.7 a week over the month
    assert [s.title for s in f.next_sections] == ["Unit 3", "Unit 5", "Unit 6"]
    assert [s.title for s in f.skipped_sections] == ["Unit 3"]
    assert [s.title for s in f.stalled_sections] == ["Unit 5"]
    assert f.cohort is None


def test_facts_for_finished_idle_and_fresh_enrollments() -> None:
    course = known_course()
    ids = [s.section_id for s in course.sections]
    finished = known_enrollment(course)
    finished.completed_sections, finished.progress, finished.status = ids, 100.0, EnrollmentStatus.completed
    f = facts_module.compute(finished, course, None, NOW)
    assert (f.trend, f.sections_left, f.minutes_left, f.days_to_finish, f.estimated_completion) == (
        "finished",
        0,
        0,
        0,
        None,
    )

    idle = known_enrollment(course, NOW - timedelta(days=60))  # the same history, two months earlier
    f = facts_module.compute(idle, course, None, NOW)
    assert (f.trend, f.done_last_30_days, f.days_since_last_activity) == ("stalled", 0, 62)
    assert (f.days_to_finish, f.estimated_completion) == (None, None)

    fresh = Enrollment(user_id=PydanticObjectId(), course_id=PydanticObjectId(), enrolled_at=NOW)
    f = facts_module.compute(fresh, course, None, NOW)
    assert (f.trend, f.sections_done, f.days_enrolled, f.next_sections[0].title) == (
        "not_started",
        0,
        0,
        "Unit 1",
    )


def test_cohort_is_hidden_below_five_learners() -> None:
    course = known_course()
    small = facts_module.compute(known_enrollment(course), course, Cohort(4, 75, 30, 1), NOW)
    large = facts_module.compute(known_enrollment(course), course, Cohort(5, 80, 30, 1), NOW)
    assert small.cohort is None
    assert large.cohort == Cohort(5, 80, 30, 1)


# --- offline engine -----------------------------------------------------------------------------------


def test_offline_advice_in_english_and_chinese() -> None:
    course = known_course()
    f = facts_module.compute(known_enrollment(course), course, Cohort(8, 75, 30, 2), NOW)
    en = offline.write(f, "en")
    assert "3 of 6 sections" in en.summary and "50%" in en.summary
    assert "1 section in the last 7 days, out of 3 in the last 30" in en.summary
    assert f.estimated_completion is not None and f.estimated_completion.isoformat() in en.summary
    assert "ahead of 75% of the 8 other learners" in en.summary
    assert any("“Unit 3”" in s and "without completing" in s for s in en.suggestions)  # the skipped unit
    assert any("“Unit 5”" in s for s in en.suggestions)  # the reopened one
    zh = offline.write(f, "zh")
    assert len(CJK.findall(zh.summary)) > 30 and "《Unit 3》" in "".join(zh.suggestions)
    assert "6 节" in zh.summary and "50%" in zh.summary
    # every number the engine writes is one of the facts: it passes the same check as the LLM
    for draft, lang in ((en, "en"), (zh, "zh")):
        check_text([draft.summary, *draft.suggestions], allowed_numbers(f.as_data()), lang)


def test_offline_advice_differs_by_situation() -> None:
    course = known_course()
    ids = [s.section_id for s in course.sections]
    active = facts_module.compute(known_enrollment(course), course, None, NOW)
    idle = facts_module.compute(known_enrollment(course, NOW - timedelta(days=60)), course, None, NOW)
    done_enrollment = known_enrollment(course)
    done_enrollment.completed_sections, done_enrollment.progress = ids, 100.0
    finished = facts_module.compute(done_enrollment, course, None, NOW)
    texts = {offline.write(f, "en").summary for f in (active, idle, finished)}
    assert len(texts) == 3
    assert "62 days ago" in offline.write(idle, "en").summary
    assert "Restart with one short session" in " ".join(offline.write(idle, "en").suggestions)
    assert "completed all 6 sections" in offline.write(finished, "en").summary
    variants = {offline.write(active, "en", v).summary for v in range(4)}
    assert len(variants) > 1  # more than one phrasing for the same facts


def test_grounding_reads_digits_and_number_words() -> None:
    assert numbers_in("finish 3 of 6 (50%) by 2026-04-09") == [3, 6, 50, 2026, 4, 9]
    assert numbers_in("about twelve sections, 1,250 minutes") == [1250, 12]
    assert numbers_in("还剩三节，大约两周，二十五分钟") == [3, 2, 25]
    allowed = allowed_numbers({"a": 41.67, "title": "Part 9"})
    check_text(["You are at 41.7% or 42%, see Part 9."], allowed, "en")
    with pytest.raises(Rejected, match="ungrounded"):
        check_text(["You will finish in 17 days."], allowed, "en")
    with pytest.raises(Rejected, match="unsafe"):
        check_text(["See https://example.org"], allowed, "en")
    with pytest.raises(Rejected, match="wrong_language"):
        check_text(["这是中文的建议，请继续学习。"], allowed, "en")


# --- the endpoint -------------------------------------------------------------------------------------


async def test_owner_gets_grounded_advice(client: httpx.AsyncClient, admin: Actor, student: Actor) -> None:
    course = await course_with_durations(client, admin)
    enrollment_id = await enrolled_with_history(client, course, student)
    reply = await client.get(f"/enrollments/{enrollment_id}/advice", headers=student.headers)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["generated_by"] == "offline" and body["lang"] == "en"
    assert body["enrollment_id"] == enrollment_id and body["course_id"] == course["id"]
    assert body["progress"] == {
        "percent": 50, "sections_done": 3, "sections_total": 6, "sections_left": 3, "minutes_left": 140
    }  # fmt: skip
    assert body["pace"]["sections_last_7_days"] == 1 and body["pace"]["sections_last_30_days"] == 3
    assert body["pace"]["days_since_last_activity"] == 2 and body["pace"]["trend"] == "speeding_up"
    assert [s["title"] for s in body["next_sections"]] == ["Unit 3", "Unit 5", "Unit 6"]
    assert body["estimated_completion"] and body["estimated_completion"] in body["summary"]
    assert body["cohort"] is None
    assert body["generated_at"].endswith("Z") and body["suggestions"]
    zh = await client.get(
        f"/enrollments/{enrollment_id}/advice", params={"lang": "zh"}, headers=student.headers
    )
    assert zh.status_code == 200 and zh.json()["lang"] == "zh"
    assert CJK.search(zh.json()["summary"])


async def test_advice_is_private_and_validated(
    client: httpx.AsyncClient, admin: Actor, student: Actor, make_student: MakeStudent
) -> None:
    course = await course_with_durations(client, admin)
    enrollment_id = await enrolled_with_history(client, course, student)
    other = await make_student()
    url = f"/enrollments/{enrollment_id}/advice"
    assert (await client.get(url, headers=other.headers)).status_code == 404
    assert (await client.get(f"/enrollments/{ObjectId()}/advice", headers=student.headers)).status_code == 404
    assert (await client.get(url)).status_code == 401
    bad = await client.get(url, params={"lang": "fr"}, headers=student.headers)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(url, headers=admin.headers)).json()["generated_by"] == "offline"


@pytest.mark.redis
async def test_advice_is_cached_until_progress_changes(
    client: httpx.AsyncClient, admin: Actor, student: Actor
) -> None:
    course = await course_with_durations(client, admin)
    enrollment_id = await enrolled_with_history(client, course, student)
    url = f"/enrollments/{enrollment_id}/advice"
    first = (await client.get(url, headers=student.headers)).json()
    again = (await client.get(url, headers=student.headers)).json()
    assert again == first  # the cached reply, generated_at included
    section = course["sections"][2]["section_id"]
    done = await client.post(
        f"/enrollments/{enrollment_id}/progress", json={"section_id": section}, headers=student.headers
    )
    assert done.status_code == 200
    fresh = (await client.get(url, headers=student.headers)).json()
    assert fresh["progress"]["sections_done"] == 4 and fresh["generated_at"] != first["generated_at"]
    assert fresh["pace"]["sections_last_7_days"] == 2


async def test_cohort_comparison_with_enough_learners(
    client: httpx.AsyncClient, admin: Actor, student: Actor, make_student: MakeStudent
) -> None:
    course = await course_with_durations(client, admin)
    enrollment_id = await enrolled_with_history(client, course, student)
    url = f"/enrollments/{enrollment_id}/advice"
    others = [await make_student() for _ in range(5)]
    for who in others[:4]:
        assert (
            await client.post(f"/courses/{course['id']}/enrollments", headers=who.headers)
        ).status_code == 201
    assert (await client.get(url, headers=student.headers)).json()["cohort"] is None  # 4 others: hidden
    assert (
        await client.post(f"/courses/{course['id']}/enrollments", headers=others[4].headers)
    ).status_code == 201
    await client.post(  # a new event: a new version of the advice
        f"/enrollments/{enrollment_id}/progress",
        json={"section_id": course["sections"][5]["section_id"]},
        headers=student.headers,
    )
    body = (await client.get(url, headers=student.headers)).json()
    assert body["cohort"] == {"learners": 5, "ahead_of_percent": 100, "average_progress": 0}
    assert "ahead of 100% of the 5 other learners" in body["summary"]


async def test_advice_without_redis(
    make_app: MakeApp, client: httpx.AsyncClient, admin: Actor, student: Actor
) -> None:
    course = await course_with_durations(client, admin)
    enrollment_id = await enrolled_with_history(client, course, student)
    app = await make_app(redis_url="redis://127.0.0.1:1/0", redis_timeout_s=0.05)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver/api/v1"
    ) as degraded:
        reply = await degraded.get(f"/enrollments/{enrollment_id}/advice", headers=student.headers)
    assert reply.status_code == 200 and reply.json()["generated_by"] == "offline"


def test_a_course_without_sections() -> None:
    empty = Course(slug="empty", name="Coming soon", status="published")
    fresh = Enrollment(user_id=PydanticObjectId(), course_id=PydanticObjectId(), enrolled_at=NOW)
    f = facts_module.compute(fresh, empty, None, NOW)
    assert (f.sections_total, f.next_sections, f.estimated_completion) == (0, [], None)
    draft = offline.write(f, "en")
    assert "no sections yet" in draft.summary and draft.suggestions == []
    assert "还没有任何小节" in offline.write(f, "zh").summary


@pytest.mark.parametrize(
    ("cohort", "en", "zh"),
    [
        (
            Cohort(6, 0, 50, 0, level_percent=100),
            "All 6 other learners here are at the same point",
            "完全相同",
        ),
        (Cohort(6, 0, 52, 0, level_percent=50), "about the same as the average", "大致相同"),
        (Cohort(6, 50, 45, 0, level_percent=0), "about the same as the average", "大致相同"),  # 5 points
        (Cohort(6, 0, 55, 0, level_percent=0), "about the same as the average", "大致相同"),
        (Cohort(6, 60, 44, 0, level_percent=0), "a little ahead of the average", "略高于"),  # 6 points
        (Cohort(6, 20, 56, 0, level_percent=0), "a little behind the average", "略低于"),
        (Cohort(6, 70, 35, 0, level_percent=0), "a little ahead of the average", "略高于"),  # 15 points
        (Cohort(6, 75, 34, 0, level_percent=0), "ahead of 75% of the 6 other learners", "领先于 75%"),
        (Cohort(6, 10, 66, 1, level_percent=0), "Most of the 6 other learners are further along", "大多"),
        (Cohort(6, 50, 70, 3, level_percent=10), "average 70% progress, ahead of your 50%", "高于你的"),
    ],
)
def test_cohort_sentence_is_true_at_the_boundaries(cohort: Cohort, en: str, zh: str) -> None:
    """Ties, equal averages and small gaps read as such; "most are further along" only when most are."""
    course = known_course()
    f = facts_module.compute(known_enrollment(course), course, cohort, NOW)
    assert f.progress_percent == 50
    english, chinese = offline.write(f, "en").summary, offline.write(f, "zh").summary
    assert en in english and zh in chinese
    if cohort.level_percent == 100 or abs(50 - cohort.average_progress) <= offline.A_LITTLE_POINTS:
        assert "further along" not in english and "ahead of 100%" not in english
        assert "大多走得更远" not in chinese


async def test_cohort_of_counts_learners_at_the_same_progress(
    client: httpx.AsyncClient, admin: Actor, make_student: MakeStudent
) -> None:
    """Every other learner at 0 %, like this one: the stored figures say "level", and the advice says so."""
    course = await course_with_durations(client, admin)
    learners = [await make_student() for _ in range(6)]
    ids = []
    for who in learners:
        reply = await client.post(f"/courses/{course['id']}/enrollments", headers=who.headers)
        assert reply.status_code == 201
        ids.append(reply.json()["id"])
    body = (await client.get(f"/enrollments/{ids[0]}/advice", headers=learners[0].headers)).json()
    assert body["cohort"] == {"learners": 5, "ahead_of_percent": 0, "average_progress": 0}
    assert "All 5 other learners here are at the same point as you (0%)" in body["summary"]
    assert "further along" not in body["summary"]
