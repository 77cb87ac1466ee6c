"""The `oms` command: serve, dev, migrate, create-admin, seed-demo."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from oms.cli import course_files
from oms.cli.devstack import Stack, StackError, env_flag, free_port, port_open
from oms.cli.redis_chain import provide_redis
from oms.config import ConfigError, Settings, get_settings
from oms.db import connected
from oms.documents.course import CourseStatus
from oms.documents.user import Role
from oms.edge.observability import setup_logging
from oms.exceptions import DomainError, UsernameTaken
from oms.redis_owner import Claim, claim_once, shared_message
from oms.redis_store import RedisGuard, connect
from oms.schemas.auth import RegisterRequest
from oms.schemas.course_import import ImportMode
from oms.services.accounts.auth import create_user
from oms.services.accounts.passwords import PasswordHasher
from oms.services.ai import builder, evaluation
from oms.services.demo import DEMO_PASSWORD, seed_demo
from oms.services.imports.importer import ImportOptions
from oms.services.popularity.rankings import Rankings
from oms.services.popularity.view_counts import ViewBuffer

app = typer.Typer(help="OMS: online course management system.", no_args_is_help=True, add_completion=False)

EMBEDDED_MONGO_PORT = 27117


def _settings() -> Settings:
    try:
        return get_settings()
    except ConfigError as exc:
        typer.secho(f"configuration error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address (default OMS_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default OMS_PORT)")] = None,
    workers: Annotated[int, typer.Option(min=1, help="worker processes")] = 1,
) -> None:
    """Serve the API with uvicorn against the configured MongoDB and Redis."""
    settings = _settings()
    uvicorn.run(
        "oms.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_config=None,
        proxy_headers=True,
        server_header=False,
    )


@app.command()
def migrate() -> None:
    """Install the collections' validators and indexes (idempotent; the API does the same at start-up)."""
    settings = _settings()
    setup_logging(settings.log_level, settings.log_json)

    async def run() -> None:
        async with connected(settings) as db:
            typer.echo(f"database {db.name}: validators and indexes are in place")

    asyncio.run(run())


@app.command("create-admin")
def create_admin(
    username: Annotated[str, typer.Option(help="the admin's username")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from stdin")
    ] = False,
) -> None:
    """Create an admin account (the password is prompted for unless --password-stdin)."""
    settings = _settings()
    password = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    )
    try:
        body = RegisterRequest(username=username, password=password)
    except ValueError as exc:
        typer.secho(f"invalid username or password: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc

    async def run() -> None:
        async with connected(settings):
            await create_user(
                PasswordHasher(settings), username=body.username, password=body.password, role=Role.admin
            )

    try:
        asyncio.run(run())
    except UsernameTaken as exc:
        typer.secho(f"user {body.username!r} already exists", fg="red", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"admin {body.username!r} created")


@app.command("seed-demo")
def seed_demo_command(
    students: Annotated[int, typer.Option(min=1, max=1000)] = 24,
) -> None:
    """Load a demo catalogue with students, enrollments and progress (safe to run twice)."""
    settings = _settings()

    async def run() -> None:
        async with connected(settings):
            report = await seed_demo(PasswordHasher(settings), students=students)
        typer.echo(
            f"demo data: {report.courses} courses, {report.students} students, "
            f"{report.enrollments} enrollments added (student passwords: {DEMO_PASSWORD})"
        )

    asyncio.run(run())


@app.command("rebuild-rankings")
def rebuild_rankings() -> None:
    """Recount the popularity rankings in Redis from the enrollments in MongoDB."""
    settings = _settings()

    async def run() -> bool:
        client = connect(settings, timeout_s=5)
        try:
            async with connected(settings) as db:
                guard = RedisGuard(client)
                if await claim_once(guard, db) is Claim.shared:
                    typer.secho(shared_message(settings.redis_url), fg="red", err=True)
                    raise typer.Exit(1)
                rankings = Rankings(guard, ViewBuffer(guard), deadline_s=settings.rankings_rebuild_deadline_s)
                return await rankings.rebuild()
        finally:
            await client.aclose()

    if not asyncio.run(run()):
        typer.secho(
            "could not rebuild: Redis is unreachable or another rebuild is running", fg="red", err=True
        )
        raise typer.Exit(1)
    typer.echo("popularity rankings rebuilt from MongoDB")


@app.command("reindex")
def reindex_command() -> None:
    """Rebuild the catalogue search index from MongoDB (with a progress bar)."""
    from oms.cli.search import reindex

    reindex(_settings())


@app.command("import-courses")
def import_courses_command(
    file: Annotated[str, typer.Argument(help="a JSON array or NDJSON file of courses; - reads stdin")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="validate and report, write nothing")] = False,
    mode: Annotated[ImportMode, typer.Option(help="upsert: slug is the key; create: taken slugs fail")] = (
        ImportMode.upsert
    ),
    atomic: Annotated[bool, typer.Option("--atomic", help="if any item fails, write nothing")] = False,
    report: Annotated[Path | None, typer.Option(help="write the per-item report (JSON) to this file")] = None,
) -> None:
    """Import courses (format: docs/course-import.schema.json); exit code 0 only when no item failed."""
    settings = _settings()
    options = ImportOptions(
        mode=mode, dry_run=dry_run, atomic=atomic, batch_deadline_s=settings.import_batch_deadline_s
    )
    try:
        result = asyncio.run(course_files.import_file(settings, file, options))
    except (OSError, DomainError) as exc:
        typer.secho(f"cannot import {file}: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    course_files.print_summary(result)
    if report:
        course_files.write_report(result, report)
    if result.failed or result.refused:
        raise typer.Exit(1)


@app.command("export-courses")
def export_courses_command(
    file: Annotated[Path | None, typer.Argument(help="where to write NDJSON (default: stdout)")] = None,
    status: Annotated[list[CourseStatus] | None, typer.Option(help="only this status (repeatable)")] = None,
    tag: Annotated[str | None, typer.Option(help="only courses with this tag")] = None,
    section_ids: Annotated[bool, typer.Option("--section-ids", help="include each section's id")] = False,
) -> None:
    """Export courses as NDJSON in the import format, ordered by slug."""
    settings = _settings()
    with file.open("wb") if file else nullcontext(sys.stdout.buffer) as out:
        count = asyncio.run(course_files.export_file(settings, out, status or [], tag, section_ids))
    typer.echo(f"exported {count} courses" + (f" to {file}" if file else ""), err=True)


@app.command("rebuild-recommender")
def rebuild_recommender() -> None:
    """Rebuild the course recommender from the courses and enrollments in MongoDB (the API also does
    this by itself every OMS_RECOMMENDER_REFRESH_S when the data changed)."""
    settings = _settings()

    async def run() -> builder.BuildReport | None:
        async with connected(settings) as db:
            return await builder.rebuild(
                db, force=True, wait_s=60, batch_timeout_s=settings.recommender_batch_deadline_s
            )

    report = asyncio.run(run())
    if report is None:
        typer.secho("could not rebuild: another build held the lease for 60 s", fg="red", err=True)
        raise typer.Exit(1)
    typer.echo(
        f"recommender version {report.version}: {report.courses} courses, {report.learners} learners, "
        f"{report.enrollments} enrollments in {report.seconds:.2f} s"
    )


@app.command("eval-recommender")
def eval_recommender(
    data: Annotated[
        Path | None, typer.Option(help="folder of the COCO files (coco_valid.txt, coco_i2kg_map.txt, ...)")
    ] = None,
    generated: Annotated[bool, typer.Option(help="use generated data instead of --data")] = False,
    max_users: Annotated[int | None, typer.Option(min=100, help="evaluate a fixed sample of users")] = None,
    tune: Annotated[
        bool, typer.Option(help="also try the tuning grid of the served model on the validation split")
    ] = False,
) -> None:
    """HR@10, NDCG@10 and catalogue coverage of every baseline (popularity, co-occurrence, cosine kNN, the
    earlier item-kNN, content and hybrid, EASE and RP3β at their best on each split) and the served model
    (tuned on a validation split inside the time split's training period), on that validation split,
    leave-latest-out and a time split. --data DIR is required unless --generated."""
    if (data is None) == (not generated):
        typer.secho(
            "give either --data DIR (the folder of the COCO files) or --generated", fg="red", err=True
        )
        raise typer.Exit(2)
    try:
        dataset = evaluation.load(data, generated=generated)
    except FileNotFoundError as exc:
        typer.secho(f"no COCO files in {data}: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"data: {dataset.source}: {len(dataset.courses)} courses, {len(dataset.interactions)} events")
    typer.echo(
        "served: weights tuned on the validation split only; EASE, RP3β: best of their grid on each split; "
        "cov.eval: catalogue coverage of the evaluated users' top-10 lists; cov.all: of every user's list"
    )
    if tune:
        tried = evaluation.tune(dataset, max_users=max_users)
        typer.echo("\ntuning on the validation split (chosen first):")
        typer.echo(evaluation.table([r for _, r in tried]))
    for split, results in evaluation.evaluate(dataset, max_users=max_users):
        users = f"{results[0].users} users ({len(split.others)} more with a training history)"
        typer.echo(f"\n{split.name}: {users}, {len(split.train)} training interactions")
        typer.echo(evaluation.table(results))


def _admin_credentials(settings: Settings) -> tuple[str, str]:
    """Configured admin credentials, or `admin` with a password generated once under the data dir."""
    if settings.admin_username and settings.admin_password:
        return settings.admin_username, settings.admin_password.get_secret_value()
    path = settings.data_dir / "admin-password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return settings.admin_username or "admin", path.read_text().strip()


def _web_app_source(settings: Settings) -> str:
    dist = settings.web_dist
    return f"from {dist}" if dist and (dist / "index.html").is_file() else "not built yet: run make web"


@app.command()
def dev(
    demo: Annotated[bool, typer.Option(help="load the demo catalogue first")] = False,
) -> None:
    """Run the whole system locally: embedded MongoDB (unless OMS_MONGODB_URL), Redis, and the API."""
    settings = _settings()
    data = settings.data_dir.resolve()
    stack = Stack()
    # uvicorn re-raises SIGTERM after its graceful shutdown; turn it into an exit so `finally` stops the stack
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        if "OMS_MONGODB_URL" not in os.environ:
            port = int(os.environ.get("OMS_EMBEDDED_MONGODB_PORT", EMBEDDED_MONGO_PORT))
            if port_open("127.0.0.1", port):
                port = free_port()
            url = stack.start_mongo(port, data / "mongo", data / "logs" / "mongo.log")
            os.environ["OMS_MONGODB_URL"] = f"{url}/oms"
        redis = provide_redis(
            stack, settings.redis_url, data / "redis", data / "logs" / "redis.log", persist=True
        )
        if redis.url is not None:
            os.environ["OMS_REDIS_URL"] = redis.url  # else the app keeps retrying the configured URL
        username, password = _admin_credentials(settings)
        os.environ["OMS_ADMIN_USERNAME"], os.environ["OMS_ADMIN_PASSWORD"] = username, password
        os.environ["OMS_DATA_DIR"] = str(data)
        get_settings.cache_clear()
        settings = _settings()
        if demo or env_flag("DEMO"):
            seed_demo_command(students=24)
        base = f"http://{settings.host}:{settings.port}"
        typer.secho(
            f"\nOMS is starting at {base}\n"
            f"  web app:  {base}/  ({_web_app_source(settings)})\n"
            f"  docs:     {base}/docs  (ReDoc: {base}/redoc)\n"
            f"  admin:    {username} / {password}  (Authorize in the docs, or POST /api/v1/auth/login)\n"
            f"  MongoDB:  {os.environ['OMS_MONGODB_URL']}\n"
            f"  Redis:    {redis.summary}\n"
            f"  demo:     {'loaded; students student01.. / ' + DEMO_PASSWORD if demo or env_flag('DEMO') else 'make run DEMO=1 (or oms seed-demo)'}\n"
            "Ctrl-C stops everything.\n",
            fg="green",
        )
        if not redis.available:
            typer.secho(redis.help(), fg="yellow")
        uvicorn.run(
            "oms.main:create_app",
            factory=True,
            host=settings.host,
            port=settings.port,
            log_config=None,
            server_header=False,
        )
    except StackError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from exc
    finally:
        stack.stop()


if __name__ == "__main__":  # pragma: no cover
    app()
