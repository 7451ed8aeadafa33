"""The signed-in user's own account and profile (``/me``)."""
