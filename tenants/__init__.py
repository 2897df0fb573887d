"""Centres (the tenants), their addresses, onboarding, users, memberships and roles."""
