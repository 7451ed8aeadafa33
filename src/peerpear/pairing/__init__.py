"""Pairing: runs of the engine on an event's snapshot (on the job queue), the working pairing
that admins edit and publish, the students' own results, and the exports."""
