"""Settings: one class, read from the environment with the `OMS_` prefix."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from pymongo.uri_parser import parse_uri

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "please-change-me", "dev", "development"}
MIN_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """The configuration cannot run the service; the message says what to fix."""


class Settings(BaseSettings):
    """Every setting OMS reads; the README lists them with their `OMS_` names."""

    model_config = SettingsConfigDict(env_prefix="OMS_", env_file=".env", extra="ignore")

    env: Literal["development", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    data_dir: Path = Path("var")

    mongodb_url: str = "mongodb://127.0.0.1:27017/oms"
    mongodb_timeout_ms: int = Field(1000, ge=100, description="server selection / connect timeout")
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_timeout_s: float = Field(0.25, gt=0)
    redis_retry_s: float = Field(5.0, gt=0, description="after a Redis fault, how long to go without it")
    cache_enabled: bool = Field(
        True, description="read hot pages and rankings from Redis (off: MongoDB only)"
    )
    cache_ttl_s: int = Field(300, ge=1, le=86_400, description="lifetime of cached pages (±10% jitter)")

    jwt_secret: SecretStr | None = None
    argon2_time_cost: int = Field(3, ge=1, le=10)
    argon2_memory_kib: int = Field(65536, ge=1024, le=1_048_576)
    access_token_minutes: int = Field(15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(14, ge=1, le=365)

    admin_username: str | None = None
    admin_password: SecretStr | None = None

    max_body_bytes: int = Field(16 * 1024 * 1024, ge=1024, description="largest request body accepted")
    history_limit: int = Field(500, ge=10, le=10_000, description="progress events kept per enrollment")
    log_level: str = "INFO"
    log_json: bool = True

    ai_base_url: str | None = None
    ai_api_key: SecretStr | None = None
    ai_model: str | None = None

    @model_validator(mode="after")
    def _production_needs_real_secret(self) -> Settings:
        if self.env == "production":
            secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
            if secret.strip().lower() in PLACEHOLDER_SECRETS or len(secret) < MIN_SECRET_LENGTH:
                raise ConfigError(
                    "OMS_JWT_SECRET must be set to a random value of at least "
                    f"{MIN_SECRET_LENGTH} characters when OMS_ENV=production "
                    "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
                )
        return self

    @property
    def mongodb_database(self) -> str:
        """The database named by the URI's path, `oms` when it names none."""
        return parse_uri(self.mongodb_url, validate=False).get("database") or "oms"

    def resolved_jwt_secret(self) -> str:
        """The signing secret; in development one is generated once and kept under the data dir."""
        if self.jwt_secret and self.jwt_secret.get_secret_value():
            return self.jwt_secret.get_secret_value()
        if self.env == "production":  # pragma: no cover - the validator already refused this
            raise ConfigError("OMS_JWT_SECRET is required in production")
        path = self.data_dir / "jwt-secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read from the environment once."""
    return Settings()
