"""A PDF worker process (started by pool.RenderPool): reads jobs as JSON lines, answers one line each."""

import json
import logging
import sys


def main() -> int:
    import django

    django.setup()
    from coalition.letters.pdf.pool import RenderJob, render_job

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    for line in sys.stdin:
        try:
            result = render_job(RenderJob(**json.loads(line)))
            answer = {
                "tag": result.tag,
                "pdf_path": result.pdf_path,
                "pages": result.pages,
                "seconds": result.seconds,
                "peak_kb": result.peak_kb,
            }
        except Exception as error:  # reported to the parent, which fails the build with it
            logging.getLogger(__name__).exception("PDF worker: rendering failed")
            answer = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
