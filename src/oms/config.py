"""Settings: one class, read from the environment with the `OMS_` prefix."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pymongo.uri_parser import parse_uri

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "please-change-me", "dev", "development"}
MIN_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """The configuration cannot run the service; the message says what to fix."""


def checkout_web_dist() -> Path | None:
    """`web/dist` of the source checkout this package runs from (None when installed elsewhere)."""
    checkout = Path(__file__).resolve().parents[2]
    return checkout / "web" / "dist" if (checkout / "pyproject.toml").is_file() else None


class Settings(BaseSettings):
    """Every setting OMS reads; the README lists them with their `OMS_` names."""

    model_config = SettingsConfigDict(env_prefix="OMS_", env_file=".env", extra="ignore")

    env: Literal["development", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    data_dir: Path = Path("var")

    mongodb_url: str = "mongodb://127.0.0.1:27017/oms"
    mongodb_timeout_ms: int = Field(
        1000, ge=100, description="server selection timeout: a down database fails fast"
    )
    mongodb_connect_timeout_ms: int = Field(
        10_000,
        ge=100,
        description="connect and heartbeat timeout: a heartbeat that times out cancels every operation in flight, "
        "so a server that is only busy must have longer than this to answer one",
    )
    request_deadline_ms: int = Field(
        2500, ge=100, le=120_000, description="all database work of one API request, retries included"
    )
    ai_request_deadline_ms: int = Field(
        12_000, ge=100, le=300_000, description="the same for the AI routes (they wait on a model too)"
    )
    mongodb_retry_s: float = Field(
        1.0, gt=0, le=60, description="after the database failed to answer, how long requests skip it"
    )
    import_batch_deadline_s: float = Field(60, gt=0, description="one batch of a course import")
    export_batch_deadline_s: float = Field(30, gt=0, description="one batch of a course export")
    recommender_batch_deadline_s: float = Field(
        120, gt=0, description="one step of a recommender build (a read, a batch of rows)"
    )
    rankings_rebuild_deadline_s: float = Field(60, gt=0, description="recounting the popularity rankings")
    migrate_deadline_s: float = Field(60, gt=0, description="each step of installing validators and indexes")
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_timeout_s: float = Field(0.25, gt=0)
    redis_retry_s: float = Field(5.0, gt=0, description="after a Redis fault, how long to go without it")
    cache_enabled: bool = Field(
        True, description="read hot pages and rankings from Redis (off: MongoDB only)"
    )
    cache_ttl_s: int = Field(300, ge=1, le=86_400, description="lifetime of cached pages (±10% jitter)")
    near_cache_mb: int = Field(
        64, ge=0, le=4096, description="course pages held in each process (kept exact by Redis); 0: off"
    )

    search_backend: Literal["embedded", "atlas"] = Field(
        "embedded", description="embedded: a tantivy index in each worker; atlas: MongoDB Atlas Search"
    )
    search_in_memory: bool = Field(
        False,
        description="keep the embedded index in memory (rebuilt at each start) instead of under data_dir",
    )
    atlas_search_index: str = Field("courses", description="the Atlas Search index name on `courses`")

    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="origins allowed to call the API from browsers (comma-separated)"
    )
    trusted_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["*"], description="Host header values accepted (comma-separated; * = any)"
    )
    docs_enabled: bool = Field(True, description="serve /docs, /redoc and the OpenAPI document")
    web_dist: Path | None = Field(
        default_factory=checkout_web_dist,
        description="the built web app served at / (default: web/dist of the checkout)",
    )
    audit_retention_days: int = Field(365, ge=1, le=36_500, description="how long audit entries are kept")
    jwt_secret: SecretStr | None = None
    jwt_previous_secrets: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="retired signing secrets still accepted (comma-separated); drop one to refuse its tokens",
    )
    argon2_time_cost: int = Field(3, ge=1, le=10)
    argon2_memory_kib: int = Field(65536, ge=1024, le=1_048_576)
    login_failures_per_user: int = Field(5, ge=1, description="failed logins for one username per window")
    login_failures_per_address: int = Field(20, ge=1, description="failed logins from one address per window")
    login_window_s: int = Field(900, ge=1, description="the login throttling window")
    registrations_per_address: int = Field(10, ge=1, description="registrations from one address per window")
    registration_window_s: int = Field(3600, ge=1)
    access_token_minutes: int = Field(15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(14, ge=1, le=365)

    admin_username: str | None = None
    admin_password: SecretStr | None = None

    max_body_bytes: int = Field(16 * 1024 * 1024, ge=1024, description="largest request body accepted")
    import_max_bytes: int = Field(
        50 * 1024 * 1024, ge=1024, description="largest body POST /admin/courses/import accepts"
    )
    history_limit: int = Field(500, ge=10, le=10_000, description="progress events kept per enrollment")
    slow_request_ms: float = Field(500, gt=0, description="requests slower than this are logged as warnings")
    log_level: str = "INFO"
    log_json: bool = True

    ai_base_url: str | None = None
    ai_api_key: SecretStr | None = None
    ai_model: str | None = None
    ai_timeout_s: float = Field(8.0, gt=0, le=120, description="deadline for one AI reply, retries included")
    ai_retries: int = Field(2, ge=0, le=5, description="extra provider attempts within the deadline")
    ai_quota_per_hour: int = Field(
        30,
        ge=1,
        description="model-written replies a user may receive per clock hour (then 429); offline replies, "
        "fallbacks after a provider failure and cached replies are not counted",
    )
    ai_provider_calls_per_hour: int = Field(
        0,
        ge=0,
        description="cost control: provider requests per user per clock hour, failed ones included (past it "
        "the offline engine answers, never a 429); 0 means 4 x ai_quota_per_hour",
    )
    ai_cache_ttl_s: int = Field(6 * 3600, ge=60, description="lifetime of cached advice")
    ai_rewrite_reasons: bool = Field(False, description="let the LLM reword recommendation reasons")
    recommender_refresh_s: int = Field(
        30, ge=0, description="how often to check for new data and rebuild the recommender (0: never)"
    )

    @field_validator("jwt_previous_secrets", "cors_origins", "trusted_hosts", mode="before")
    @classmethod
    def _split_secrets(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

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
