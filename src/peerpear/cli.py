"""The `peerpear` command: serve, worker, db, users, seed, pair.

Every command, `--help` included, pays for what this module imports at the top, so commands
import their implementation inside the function (`tests/test_cli_imports.py` guards this).
"""

from __future__ import annotations

import os

import typer

from peerpear.auth.cli import users_app
from peerpear.cli_support import migrate_if_embedded, settings_or_exit
from peerpear.pair_cli import pair_command

app = typer.Typer(help="PeerPear: pair the members of student organizations.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.command("pair")(pair_command)


def _worker_count(workers: str) -> int:
    """``auto`` means one worker per CPU core this process may use; else a positive number."""
    if workers == "auto":
        cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
        return len(cores) if cores else os.cpu_count() or 1
    if workers.isdigit() and int(workers) >= 1:
        return int(workers)
    raise typer.BadParameter(f"{workers!r} is neither a positive number nor `auto`")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: str = typer.Option(
        "1", help="Worker processes: a number, or `auto` for one per CPU core."
    ),
    reload: bool = typer.Option(False, help="Reload on code changes (development)."),
) -> None:
    """Run the API server (applies pending migrations first on the embedded SQLite default)."""
    import uvicorn

    worker_count = _worker_count(workers)
    settings = settings_or_exit()
    migrate_if_embedded(settings)
    uvicorn.run(
        "peerpear.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=None if reload else worker_count,
        reload=reload,
        log_config=None,
        # The client address (sign-in throttling, logs) comes from X-Forwarded-For only when the
        # request arrives from one of these proxies.
        proxy_headers=True,
        forwarded_allow_ips=settings.trusted_proxies,
    )


@app.command()
def worker(
    concurrency: int = typer.Option(
        0, min=0, max=64, help="Pairing runs at a time (0: PEERPEAR_JOB_CONCURRENCY)."
    ),
) -> None:
    """Run background jobs from the PostgreSQL queue (pairing runs, periodic work); start as
    many as needed, on any hosts."""
    from peerpear.jobs.worker import worker_command

    settings = settings_or_exit()
    worker_command(settings, concurrency or settings.job_concurrency)


@app.command()
def seed(
    demo: bool = typer.Option(False, "--demo", help="Create the demo organization and users."),
    password: str = typer.Option("peerpear-demo", help="Password for every demo account."),
) -> None:
    """Create demo data (an organization, its owner and admin, 40 students) and print sign-ins."""
    from peerpear.seed import seed_command

    seed_command(demo, password)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from peerpear import migrate

    url = settings_or_exit().database_url
    migrate.upgrade(url, revision)
    typer.echo(f"database at {migrate.current(url)}")


@db_app.command("downgrade")
def db_downgrade(
    revision: str = typer.Argument("-1", help="Target revision (default: one back)."),
) -> None:
    """Revert migrations down to REVISION (`base` reverts everything)."""
    from peerpear import migrate

    url = settings_or_exit().database_url
    migrate.downgrade(url, revision)
    typer.echo(f"database at {migrate.current(url) or 'base'}")


@db_app.command("current")
def db_current() -> None:
    """Print the revision the database is at."""
    from peerpear import migrate

    url = settings_or_exit().database_url
    typer.echo(migrate.current(url) or "base (no migrations applied)")


if __name__ == "__main__":
    app()
