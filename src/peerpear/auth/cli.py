"""``peerpear users ...``: bootstrap operator accounts from the command line."""

from __future__ import annotations

import typer

users_app = typer.Typer(help="User accounts.", no_args_is_help=True)


async def _create_user(
    database_url: str,
    *,
    email: str,
    password: str | None,
    first_name: str,
    last_name: str,
    platform_admin: bool,
) -> int:
    from peerpear.auth import service
    from peerpear.config import get_settings
    from peerpear.db import create_engine, create_sessionmaker

    engine = create_engine(get_settings(), database_url)
    try:
        async with create_sessionmaker(engine)() as db, db.begin():
            user = await service.create_user(
                db,
                email=email,
                password=password,
                first_name=first_name,
                last_name=last_name,
                platform_admin=platform_admin,
                email_verified=True,  # the operator vouches for the address
            )
            return user.id
    finally:
        await engine.dispose()


@users_app.command("create")
def create(
    email: str = typer.Option(..., "--email", help="Sign-in email (unique, any case)."),
    password: str | None = typer.Option(
        None, "--password", help="Local password; prompted for when omitted."
    ),
    no_password: bool = typer.Option(
        False,
        "--no-password",
        help="No local password: the person signs in with CAS (linked by email on first sign-in).",
    ),
    first_name: str = typer.Option("", "--first-name", help="First name."),
    last_name: str = typer.Option("", "--last-name", help="Last name."),
    platform_admin: bool = typer.Option(
        False, "--platform-admin", help="May create organizations and administer the platform."
    ),
) -> None:
    """Create a user in PEERPEAR_DATABASE_URL (migrating the embedded SQLite default first)."""
    import asyncio  # here, not at the top: every `peerpear` command imports this module

    from email_validator import EmailNotValidError, validate_email
    from sqlalchemy.exc import DBAPIError

    from peerpear.auth.schemas import NAME_LENGTH
    from peerpear.cli_support import check_password_length, migrate_if_embedded, settings_or_exit
    from peerpear.errors import Conflict

    settings = settings_or_exit()
    try:
        address = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        typer.echo(f"error: invalid email {email!r}: {exc}", err=True)
        raise typer.Exit(2) from exc
    if no_password and password is not None:
        typer.echo("error: give either --password or --no-password, not both", err=True)
        raise typer.Exit(2)
    if not no_password and password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if password is not None:
        check_password_length(settings, password)
    migrate_if_embedded(settings)
    try:
        user_id = asyncio.run(
            _create_user(
                settings.database_url,
                email=address,
                password=password,
                first_name=first_name.strip()[:NAME_LENGTH],
                last_name=last_name.strip()[:NAME_LENGTH],
                platform_admin=platform_admin,
            )
        )
    except Conflict as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    except (DBAPIError, OSError) as exc:
        typer.echo(
            f"error: could not write to the database ({exc.__class__.__name__}: {exc}); "
            "is it reachable and migrated (`peerpear db upgrade`)?",
            err=True,
        )
        raise typer.Exit(1) from exc
    role = "platform admin" if platform_admin else "user"
    typer.echo(f"created {role} {address.lower()} (id {user_id})")
    if password is not None and not settings.allow_local_accounts:
        typer.echo(
            "note: PEERPEAR_ALLOW_LOCAL_ACCOUNTS is off, so this password cannot be used to sign "
            "in; the account is reachable through CAS with the same email",
            err=True,
        )
