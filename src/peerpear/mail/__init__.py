"""Outgoing email (issue 12): one small interface (mailer.py) with an SMTP implementation
(smtp.py) and a file outbox for servers without one (outbox.py); messages rendered from
templates (rendering.py, templates/), recorded in ``mail_messages`` and delivered by a job with
retries (delivery.py), never inside a request; the admins' view of an event's messages
(listing.py, router.py)."""
