"""Accounts and sign-in: local passwords, CAS single sign-on, sessions and the auth dependencies."""
