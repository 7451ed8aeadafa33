"""The organizer's registrations area of an event, as one router for ``web/router.py``: the
registrations list and files, the analytics and the pair rules."""

from __future__ import annotations

from fastapi import APIRouter

from peerpear.web.analytics_router import router as analytics_router
from peerpear.web.registration_files_router import router as registration_files_router
from peerpear.web.registrations_router import router as registrations_router
from peerpear.web.rules_router import router as rules_router

router = APIRouter(include_in_schema=False)
router.include_router(registrations_router)
router.include_router(registration_files_router)
router.include_router(analytics_router)
router.include_router(rules_router)
