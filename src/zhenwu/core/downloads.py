"""Headers of every response that sends a stored file (attachment, photo, evidence).

The file's type was decided from its content at upload; these headers make sure a browser never
second-guesses it (nosniff), never runs anything in it (a sandbox CSP without any source), never
shows it inside another site's frame, and never keeps a shared copy of it.
"""

from django.http.response import HttpResponseBase

STORED_FILE_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"


def protect_stored_file(response: HttpResponseBase, *, cache_control: str = "private, no-store") -> None:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = STORED_FILE_CSP
    response["Cache-Control"] = cache_control
