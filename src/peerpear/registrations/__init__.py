"""Registrations: students registering and answering, their private avoid lists, and what
admins do with them (roles, pair rules, analytics, import and export)."""
