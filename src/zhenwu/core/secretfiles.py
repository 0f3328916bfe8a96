"""Secrets generated once into var/ (the Django secret key, the data keyring).

Imported by settings.py, so it depends on nothing but the standard library.
"""

import contextlib
import os
import tempfile
from pathlib import Path


def create_once(path: Path, content: str) -> None:
    """Write ``content`` to ``path`` unless the file exists, never leaving it half-written.

    The content goes whole into a private (0600) temporary file that is then linked into place:
    link() fails if another process got there first, so two processes starting at once never
    overwrite each other's secret, and no process ever reads a half-written one.
    """
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(content)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
