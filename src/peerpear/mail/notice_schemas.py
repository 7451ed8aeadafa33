"""Bodies of the introduction option on publish and of "send a reminder now"."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from peerpear.mail.introductions import MAX_MESSAGE
from peerpear.schemas_common import InputModel, TrimmedText


class PublishOptions(InputModel):
    """Optional body of the publish action."""

    introduce: bool = Field(
        default=False,
        description="Email each group an introduction (one message per member, who turned "
        "introductions on): the group's members with their roles and addresses, what they "
        "share, and `message`. Groups introduced at an earlier publish, with the same members, "
        "are not emailed again.",
    )
    message: Annotated[str, TrimmedText(max_length=MAX_MESSAGE)] = Field(
        default="", description="The organizers' own words, in every introduction."
    )


class RemindersQueued(BaseModel):
    queued: int = Field(
        description="Reminders queued: one per incomplete registration whose person keeps "
        "reminders on."
    )
