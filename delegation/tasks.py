"""Celery tasks of delegation (public schema)."""
from celery import shared_task


@shared_task(name="delegation.consent_drafts_purge")
def consent_drafts_purge_task() -> int:
    from delegation.consent import consent_drafts_purge

    return consent_drafts_purge()
