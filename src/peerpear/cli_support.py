"""What every database-using command does first: load the settings (or exit with the reason)
and, on the embedded default, apply pending migrations."""

from __future__ import annotations

import typer

from peerpear.config import Settings, get_settings


def settings_or_exit() -> Settings:
    try:
        return get_settings()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        typer.echo(f"error: invalid configuration: {exc}", err=True)
        raise typer.Exit(2) from exc


def check_password_length(settings: Settings, password: str, flag: str = "password") -> None:
    if len(password) < settings.min_password_length:
        typer.echo(
            f"error: {flag} must be at least {settings.min_password_length} characters", err=True
        )
        raise typer.Exit(2)


def migrate_if_embedded(settings: Settings) -> None:
    """Apply pending migrations when the settings ask for it (by default: on SQLite)."""
    if settings.should_auto_migrate:
        from peerpear import migrate

        migrate.upgrade(settings.database_url)
