"""Start one of the platform's programs for a fault test, as production starts it, with the deliberately broken
variants of GOVSERVICE_FAULT_VARIANT patched in first (tests/faults/variants.py):

    python -m tests.faults.launch gunicorn config.wsgi --bind ...
    python -m tests.faults.launch celery -A config worker ...

Django is set up before the program runs, so the patches are in every process it forks (gunicorn's workers,
Celery's pool).
"""
from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.faults.settings")
    import django

    django.setup()
    from tests.faults import variants

    variants.apply(os.environ.get("GOVSERVICE_FAULT_VARIANT", ""))
    program, *args = sys.argv[1:]
    sys.argv = [program, *args]
    if program == "gunicorn":
        from gunicorn.app.wsgiapp import run

        run()
    elif program == "celery":
        from celery.bin.celery import main as celery

        celery()
    else:
        raise SystemExit(f"unknown program {program!r}")


if __name__ == "__main__":
    main()
