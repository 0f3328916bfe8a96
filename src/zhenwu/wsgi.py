"""WSGI entry point (gunicorn zhenwu.wsgi).

Once the application and its URLconf (every view, form and model module) are loaded, the objects
they made are moved out of the garbage collector's way (``gc.freeze``). They live as long as the
worker, and a full collection would otherwise walk all of them (~210,000) every time it ran: a pause
of ~115 ms falling on whichever request triggered it. Frozen, a full collection walks only what the
requests made since, ~4 ms (docs/performance.md, "The collector's pauses").
"""

import gc
import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhenwu.settings")


def freeze_loaded_objects() -> None:
    """Load the URLconf, then move every object alive out of the collector's generations."""
    import_module(settings.ROOT_URLCONF)
    gc.collect()
    gc.freeze()


application = get_wsgi_application()
freeze_loaded_objects()
