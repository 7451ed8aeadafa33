"""The student's pages besides registering and answering (event_router.py): their profile,
the people they would rather not be grouped with, and their group once published."""

from __future__ import annotations

from fastapi import APIRouter

from peerpear.web.avoid_router import router as avoid_router
from peerpear.web.group_router import router as group_router
from peerpear.web.profile_router import router as profile_router

router = APIRouter(include_in_schema=False)
router.include_router(profile_router)
router.include_router(avoid_router)
router.include_router(group_router)
