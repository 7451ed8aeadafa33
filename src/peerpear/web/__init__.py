"""The web console (issue 11): server-rendered pages at ``/`` that call the same services as the
API under ``/api/v1``, with templates and static files of our own."""
