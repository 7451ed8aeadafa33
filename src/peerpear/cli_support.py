"""What every database-using command does first: load the settings (or exit with the reason)
and, on the embedded default, apply pending migrations.

Every `peerpear` command imports this module, `peerpear pair` and `--help` included, so the
settings stack (pydantic-settings) loads inside the functions that need it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from peerpear.config import Settings


def settings_or_exit() -> Settings:
    from pydantic import ValidationError

    from peerpear.config import get_settings

    try:
        return get_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        setting = f"PEERPEAR_{where.upper()}: " if where else ""
        typer.echo(f"error: invalid configuration: {setting}{first['msg']}", err=True)
        raise typer.Exit(2) from exc


def check_password_length(settings: Settings, password: str, flag: str = "password") -> None:
    """Exit 2 with the reason when ``password`` breaks the sign-up password policy."""
    from peerpear.auth.service import check_password_policy
    from peerpear.errors import ValidationFailed

    try:
        check_password_policy(password, settings)
    except ValidationFailed as exc:
        message = exc.message
        if flag != "password" and message.startswith("password "):
            message = f"{flag} {message.removeprefix('password ')}"
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(2) from exc


def migrate_if_embedded(settings: Settings) -> None:
    """Apply pending migrations when the settings ask for it (by default: on SQLite)."""
    if settings.should_auto_migrate:
        from peerpear import migrate

        migrate.upgrade(settings.database_url)
