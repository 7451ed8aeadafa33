"""Organizations, their members and admin requests."""
