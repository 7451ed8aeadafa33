"""Request-scoped dependencies shared by every feature: settings and the database session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.config import Settings


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed before the response is sent (scope="function")."""
    async with request.app.state.sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


def get_sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    """The app's sessionmaker, for the rare work that must commit on its own whatever becomes of
    the request's transaction (a sign-in attempt is counted even when the sign-in then fails).
    A service that takes it says so and opens its own short transaction."""
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return sessions


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
SessionmakerDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessionmaker)]
