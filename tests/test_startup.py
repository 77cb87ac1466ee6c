"""Start-up: the first admin from settings, and the validators and indexes analysts rely on."""

import pytest
from fastapi import FastAPI
from pymongo.errors import WriteError

from oms.documents import User
from tests.support.api import PASSWORD
from tests.support.factories import MakeApp


async def test_admin_from_settings_is_created_once(make_app: MakeApp) -> None:
    await make_app(admin_username="Boss", admin_password=PASSWORD)
    await make_app(admin_username="boss", admin_password="another-password")
    admins = await User.find(User.username == "boss").to_list()
    assert len(admins) == 1
    assert admins[0].role == "admin"


async def test_validators_refuse_bad_direct_writes(app: FastAPI) -> None:
    db = app.state.db
    with pytest.raises(WriteError):
        await db.users.insert_one({"username": "x", "role": "root"})
    with pytest.raises(WriteError):
        await db.courses.insert_one({"slug": "Bad Slug", "name": "n"})
    assert await db.users.count_documents({}) == 0
    assert await db.courses.count_documents({}) == 0
