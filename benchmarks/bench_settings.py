"""Settings for the benchmarks' servers only: the project's settings plus the benchmark URLconf.

`coalition.settings.dev` with `DEBUG=false` from the environment (as page_latency.py runs it);
the one difference is ROOT_URLCONF, which adds the `/__bench__/` endpoints of bench_urls.py in
front of the project's own URLs. Nothing in the project imports this module.
"""

from coalition.settings.dev import *  # noqa: F403

ROOT_URLCONF = "benchmarks.bench_urls"
