"""Settings: production refuses placeholder secrets; development keeps a generated one."""

from pathlib import Path

import pytest

from oms.config import ConfigError, Settings


@pytest.mark.parametrize("secret", [None, "", "changeme", "secret", "short-but-not-placeholder"])
def test_production_refuses_missing_or_weak_secret(
    secret: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OMS_JWT_SECRET", raising=False)
    with pytest.raises(ConfigError, match="OMS_JWT_SECRET"):
        Settings(env="production", jwt_secret=secret)


def test_production_accepts_a_real_secret() -> None:
    settings = Settings(env="production", jwt_secret="k" * 48)
    assert settings.resolved_jwt_secret() == "k" * 48


def test_development_generates_and_keeps_a_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMS_JWT_SECRET", raising=False)
    first = Settings(env="development", data_dir=tmp_path).resolved_jwt_secret()
    again = Settings(env="development", data_dir=tmp_path).resolved_jwt_secret()
    assert first == again
    assert len(first) >= 32
    assert (tmp_path / "jwt-secret").stat().st_mode & 0o077 == 0


def test_database_name_comes_from_the_uri() -> None:
    assert Settings(mongodb_url="mongodb://h:1/analytics").mongodb_database == "analytics"
    assert Settings(mongodb_url="mongodb://h:1").mongodb_database == "oms"
    assert Settings(mongodb_url="mongodb://h:1/?replicaSet=rs0").mongodb_database == "oms"
