"""gunicorn settings read from the project's directory (`gunicorn coalition.wsgi:application`).

Options given on the command line take precedence over these.
"""

import gc


def post_worker_init(worker):
    """Once a worker has loaded Django, Wagtail and the URLs, keep those objects out of garbage collection.

    Nearly everything alive at this point lives as long as the worker. Without this, each
    full collection walks all of it again: pauses of tens of milliseconds at random requests,
    which is what the slowest 1% of answers under a burst were made of.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - import the views now, not in the first request
    gc.collect()
    gc.freeze()
