"""Rendering chunks side by side: worker processes, each laying out one chunk at a time.

WeasyPrint is single-threaded, so a long list renders in parallel only across processes.
A Celery worker's own pool processes are daemonic and may not fork a multiprocessing pool,
so the workers are plain subprocesses (`python -m coalition.letters.pdf.worker`) talking
JSON lines over their standard streams: the job names an HTML file and a PDF file to
write, never user data on a command line. With `processes=0` (tests, a one-core machine)
the chunks are rendered in this process instead.
"""

import contextlib
import json
import os
import selectors
import subprocess
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings


@dataclass(frozen=True)
class RenderJob:
    html_path: str
    pdf_path: str
    stylesheet_path: str
    lang: str
    title: str
    author: str
    tag: int = 0  # the caller's reference (a chunk index)
    tagged: bool = False  # signatory chunks: merge.pdf_merge tags each page as one paragraph


@dataclass(frozen=True)
class RenderResult:
    tag: int
    pdf_path: str
    pages: int
    seconds: float
    peak_kb: int = 0


class RenderError(RuntimeError):
    pass


def render_job(job: RenderJob) -> RenderResult:
    """Render one job in this process (what each worker runs)."""
    import resource
    import time

    from .render import document_to_pdf, html_to_document

    started = time.perf_counter()
    document = html_to_document(
        Path(job.html_path).read_text(encoding="utf-8"),
        stylesheet=Path(job.stylesheet_path).read_text(encoding="utf-8"),
        lang=job.lang,
        title=job.title,
        author=job.author,
        tagged=job.tagged,
    )
    Path(job.pdf_path).write_bytes(document_to_pdf(document, tagged=job.tagged))
    return RenderResult(
        tag=job.tag,
        pdf_path=job.pdf_path,
        pages=len(document.pages),
        seconds=time.perf_counter() - started,
        peak_kb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    )


def default_processes() -> int:
    configured = getattr(settings, "COALITION_PDF_PROCESSES", None)
    if configured is not None:
        return max(0, int(configured))
    return os.cpu_count() or 1


# A worker's memory creeps up with every document WeasyPrint lays out (380 MB after about 105
# chunks of 4,800 lines); replacing it after this many keeps every process far below 400 MB,
# for the cost of one start-up (about 2 s) per this many chunks.
JOBS_PER_WORKER = 40


class RenderPool:
    """`processes` workers (0: in this process). Use as a context manager; `run()` yields results as they finish."""

    def __init__(self, processes: int | None = None, *, jobs_per_worker: int = JOBS_PER_WORKER):
        self.processes = default_processes() if processes is None else processes
        self.jobs_per_worker = max(1, jobs_per_worker)
        self._workers: list[subprocess.Popen] = []
        self.workers_started = 0

    def _spawn(self) -> subprocess.Popen:
        self.workers_started += 1
        return subprocess.Popen(
            [sys.executable, "-m", "coalition.letters.pdf.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "")},
            cwd=str(settings.BASE_DIR),
            text=True,
            bufsize=1,
        )

    @staticmethod
    def _stop(worker: subprocess.Popen) -> None:
        with contextlib.suppress(OSError):
            worker.stdin.close()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()

    def __enter__(self):
        self._workers = [self._spawn() for _ in range(self.processes if self.processes > 1 else 0)]
        return self

    def __exit__(self, *exc):
        for worker in self._workers:
            with contextlib.suppress(OSError):
                worker.stdin.close()
        for worker in self._workers:
            self._stop(worker)
        self._workers = []

    def run(self, jobs: Iterable[RenderJob]) -> Iterator[RenderResult]:
        """Render every job; results come in the order they finish (match them by `tag`)."""
        if not self._workers:
            for job in jobs:
                yield render_job(job)
            return
        pending = iter(jobs)
        idle = deque(self._workers)
        busy: dict[int, RenderJob] = {}
        done: dict[int, int] = {}  # worker pid -> jobs rendered
        with selectors.DefaultSelector() as selector:
            for worker in self._workers:
                selector.register(worker.stdout, selectors.EVENT_READ, worker)
            exhausted = False
            while True:
                while idle and not exhausted:
                    job = next(pending, None)
                    if job is None:
                        exhausted = True
                        break
                    worker = idle.popleft()
                    busy[worker.pid] = job
                    worker.stdin.write(json.dumps(asdict(job)) + "\n")
                    worker.stdin.flush()
                if not busy:
                    return
                for key, _events in selector.select():
                    worker = key.data
                    line = worker.stdout.readline()
                    job = busy.pop(worker.pid, None)
                    if not line:
                        raise RenderError(f"a PDF worker exited (status {worker.poll()}) while rendering")
                    answer = json.loads(line)
                    if "error" in answer:
                        raise RenderError(f"rendering failed: {answer['error']}")
                    done[worker.pid] = done.get(worker.pid, 0) + 1
                    if done[worker.pid] >= self.jobs_per_worker and not exhausted:
                        # Replaced by a fresh process: its memory goes back to the system.
                        selector.unregister(worker.stdout)
                        self._stop(worker)
                        fresh = self._spawn()
                        self._workers[self._workers.index(worker)] = fresh
                        selector.register(fresh.stdout, selectors.EVENT_READ, fresh)
                        worker = fresh
                    idle.append(worker)
                    if job is not None:
                        yield RenderResult(**answer)
