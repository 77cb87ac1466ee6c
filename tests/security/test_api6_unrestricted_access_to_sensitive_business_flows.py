"""OWASP API6:2023 Unrestricted Access to Sensitive Business Flows: scripted enroll/unenroll bursts,
registration bursts."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from bson import ObjectId
from fastapi import FastAPI

from oms.documents import Enrollment
from oms.redis_store import pop_bucket as bucket
from tests.support.api import PASSWORD, Actor
from tests.support.factories import MakeApp, MakeCourse


@pytest.mark.redis
async def test_enroll_drop_bursts_keep_one_enrollment_and_count_it_once(
    app: FastAPI, client: httpx.AsyncClient, student: Actor, make_course: MakeCourse
) -> None:
    course = await make_course()
    first = await client.post(f"/courses/{course['id']}/enrollments", headers=student.headers)
    enrollment = first.json()["id"]

    async def cycle() -> None:
        await client.delete(f"/enrollments/{enrollment}", headers=student.headers)
        await client.post(f"/courses/{course['id']}/enrollments", headers=student.headers)

    await asyncio.gather(*(cycle() for _ in range(25)))
    assert await Enrollment.find({"user_id": ObjectId(student.id)}).count() == 1
    ranking = await app.state.redis.zscore(bucket("enroll", "all"), course["id"])
    assert ranking == 1.0  # re-enrolling after a drop is not a new enrollment for the popularity ranking
    popular = (await client.get("/courses/popular", params={"window": "all"})).json()["items"]
    assert [(i["course"]["id"], i["enrollments"]) for i in popular] == [(course["id"], 1)]


async def test_registration_bursts_from_one_address_are_stopped(make_app: MakeApp) -> None:
    guarded: FastAPI = await make_app(registrations_per_address=5)
    transport = httpx.ASGITransport(app=guarded, client=("198.51.100.77", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1") as c:
        replies = await asyncio.gather(
            *(
                c.post("/auth/register", json={"username": f"bot{i:03d}", "password": PASSWORD})
                for i in range(40)
            )
        )
    statuses = [r.status_code for r in replies]
    assert statuses.count(201) == 5, [r.text for r in replies if r.status_code != 429][:3] or statuses
    assert statuses.count(429) == 35
