"""The tasks, by name, and which of them run periodically. Both job queues run exactly these."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from peerpear.db import utcnow
from peerpear.events.deadlines import close_expired
from peerpear.jobs.base import JobContext, PeriodicTask, Task
from peerpear.llm import explanations, summaries
from peerpear.mail import delivery as mail
from peerpear.mail import reminders
from peerpear.models import AuthSession
from peerpear.pairing.execute import execute_run
from peerpear.pairing.recovery import waiting_runs
from peerpear.rounds import scheduler as rounds_scheduler

RUN_PAIRING = "pairing.run"
SCHEDULE_ROUNDS = "rounds.schedule"


def run_key(run_id: int) -> str:
    return f"run:{run_id}"


async def run_pairing(ctx: JobContext, run_id: int) -> None:
    await execute_run(
        ctx.sessions,
        run_id,
        ctx.worker_id,
        llm=ctx.llm,
        embedding_model=ctx.settings.llm_embedding_model,
    )


async def close_expired_events(ctx: JobContext) -> list[int]:
    """Close every open event past its deadline (one transaction); the closed ids."""
    async with ctx.sessions.begin() as db:
        return await close_expired(db, utcnow())


async def clean_expired_sessions(ctx: JobContext) -> None:
    """Delete sign-in sessions that expired a day ago or more (they no longer sign anyone in;
    the day keeps recent ones for investigating a problem)."""
    async with ctx.sessions.begin() as db:
        await db.execute(
            delete(AuthSession).where(AuthSession.expires_at < utcnow() - timedelta(days=1))
        )


async def recover_runs(ctx: JobContext, queued_for: float | None = None) -> list[int]:
    """Runs that lost their worker get another (pairing/recovery.py); ``queued_for``: seconds
    a queued run waits before it counts as lost. The ids of the queued ones enqueued again."""
    await ctx.queue.recover_stalled()
    grace = {} if queued_for is None else {"queued_for": timedelta(seconds=queued_for)}
    waiting = await waiting_runs(ctx.sessions, **grace)
    for run_id in waiting:
        await ctx.queue.enqueue(RUN_PAIRING, key=run_key(run_id), run_id=run_id)
    return waiting


async def schedule_rounds(ctx: JobContext, now: datetime | None = None) -> list[int]:
    """Start the recurring events' due rounds and settle finished ones (rounds/scheduler.py);
    ``now``: the time to act at (tests move it forward). The ids of the runs enqueued."""
    runs = await rounds_scheduler.tick(ctx.sessions, now or utcnow())
    for run_id in runs:
        await ctx.queue.enqueue(RUN_PAIRING, key=run_key(run_id), run_id=run_id)
    return runs


TASKS: dict[str, Task] = {
    RUN_PAIRING: run_pairing,
    "events.close_expired": close_expired_events,
    "auth.clean_sessions": clean_expired_sessions,
    "pairing.recover": recover_runs,
    summaries.SUMMARIZE: summaries.summarize,
    summaries.REQUEST_SUMMARIES: summaries.request_summaries,
    "llm.recover_summaries": summaries.recover_summaries,
    explanations.EXPLAIN: explanations.rephrase_explanations,
    mail.SEND_MAIL: mail.send_mail,
    mail.SEND_DUE: mail.send_due_mail,
    reminders.REMIND_DUE: reminders.send_due_reminders,
    SCHEDULE_ROUNDS: schedule_rounds,
}

PERIODIC: list[PeriodicTask] = [
    PeriodicTask("events.close_expired", lambda settings: settings.deadline_check_seconds),
    PeriodicTask("auth.clean_sessions", lambda settings: 3600),
    PeriodicTask("pairing.recover", lambda settings: settings.run_recovery_seconds),
    PeriodicTask("llm.recover_summaries", lambda settings: summaries.RECOVERY_SECONDS),
    PeriodicTask(mail.SEND_DUE, lambda settings: settings.mail_check_seconds),
    PeriodicTask(reminders.REMIND_DUE, lambda settings: settings.reminder_check_seconds),
    # Rounds are due at whole days or weeks: checking as often as deadlines is plenty.
    PeriodicTask(SCHEDULE_ROUNDS, lambda settings: settings.deadline_check_seconds),
]
