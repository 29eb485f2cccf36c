"""Writing a file whole or not at all, without following anything a stranger planted beside it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_atomically(path: Path, pieces: Iterable[bytes | bytearray | memoryview]) -> None:
    """Write `pieces` to a new temporary file beside `path`, then rename it over `path`.

    The temporary file is made by mkstemp (O_EXCL, mode 0600): a link planted under any name
    is never written through, and readers see the old file or the new one, never half of one.
    Its name is `path`'s name, a dot, 8 random characters and `.tmp` (the cache's clean-up
    recognises exactly these)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.writelines(pieces)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
