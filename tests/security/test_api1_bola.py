"""OWASP API1:2023 Broken Object Level Authorization: nobody reads or changes another student's objects."""

from __future__ import annotations

import httpx

from oms.documents import Enrollment, Submission
from tests.support.scene import Scene


async def test_another_students_enrollment_is_invisible_and_untouchable(
    client: httpx.AsyncClient, scene: Scene
) -> None:
    theirs = scene.enrollments[scene.bob.username]
    sid = scene.course["sections"][0]["section_id"]
    probes = [
        await client.get(f"/enrollments/{theirs}", headers=scene.alice.headers),
        await client.delete(f"/enrollments/{theirs}", headers=scene.alice.headers),
        await client.post(
            f"/enrollments/{theirs}/progress",
            json={"section_id": sid, "completed": True},
            headers=scene.alice.headers,
        ),
        await client.get(f"/enrollments/{theirs}/advice", headers=scene.alice.headers),
    ]
    assert [r.status_code for r in probes] == [404, 404, 404, 404]
    assert all(r.headers["content-type"] == "application/problem+json" for r in probes)
    stored = await Enrollment.get(theirs)
    assert stored is not None
    assert (stored.status, stored.completed_sections, len(stored.history)) == ("active", [], 1)


async def test_another_students_submission_is_invisible(client: httpx.AsyncClient, scene: Scene) -> None:
    theirs = scene.submissions[scene.bob.username]
    assert (await client.get(f"/submissions/{theirs}", headers=scene.alice.headers)).status_code == 404
    listed = await client.get(
        f"/assignments/{scene.assignment['id']}/submissions", headers=scene.alice.headers
    )
    assert [s["id"] for s in listed.json()["items"]] == [scene.submissions[scene.alice.username]]
    assert "bob" not in listed.text and scene.bob.username not in listed.text
    stored = await Submission.get(theirs)
    assert stored is not None and stored.status == "submitted"


async def test_my_lists_hold_only_my_objects(client: httpx.AsyncClient, scene: Scene) -> None:
    mine = (await client.get("/me/enrollments", headers=scene.alice.headers)).json()["items"]
    assert [e["id"] for e in mine] == [scene.enrollments[scene.alice.username]]
    assert {e["user_id"] for e in mine} == {scene.alice.id}


async def test_ids_of_other_kinds_do_not_cross(client: httpx.AsyncClient, scene: Scene) -> None:
    """An enrollment id used as a submission id (and the reverse) finds nothing."""
    enrollment = scene.enrollments[scene.alice.username]
    submission = scene.submissions[scene.alice.username]
    assert (await client.get(f"/submissions/{enrollment}", headers=scene.alice.headers)).status_code == 404
    assert (await client.get(f"/enrollments/{submission}", headers=scene.alice.headers)).status_code == 404
