"""Notifications: a transactional outbox (发件箱), templates per centre, pluggable SMS backends and a
Celery dispatcher that sends each message once. Public schema."""
