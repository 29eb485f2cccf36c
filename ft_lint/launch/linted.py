"""Sending exactly the bytes the lint read.

With --launch the scan hashes what it reads of each file (scanning.Scan.digests: byte ranges
that cover the file in order, one per worker process, each with its sha256). Everything the
launch sends or names is read again through `LintedFile.chunks`, which checks each range
against its hash as it goes and that nothing follows the last one: a file appended to,
truncated or rewritten since the lint raises FileChanged, and no job is created from it.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ft_lint.launch.base import LaunchError

CHUNK_BYTES = 1 << 20  # read at a time when nothing asks for more


class FileChanged(LaunchError):
    """The file no longer holds the bytes the lint read."""


@dataclass(frozen=True)
class LintedFile:
    path: Path
    ranges: tuple[tuple[int, int, str], ...]  # (start, end, sha256 of those bytes) as the lint read them

    @property
    def size(self) -> int:
        return self.ranges[-1][1] if self.ranges else 0

    def chunks(self, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        """The linted bytes, read again in chunks of `chunk_bytes` (the last may be shorter).
        Raises FileChanged once they differ from what the lint read: at the end of a range
        whose hash differs, or after the last chunk when the file is longer. So whatever is
        sent from them may be used only once every chunk has been read."""
        position = 0
        for start, end, _ in self.ranges:
            if start != position:  # a range a worker found cut short: the file changed during the lint
                raise self.changed("it changed while the lint read it")
            position = end
        ranges = iter(self.ranges)
        _, end, expected = next(ranges, (0, 0, ""))
        digest = hashlib.sha256()
        position = 0
        try:
            with self.path.open("rb") as handle:
                while position < self.size:
                    chunk = handle.read(min(chunk_bytes, self.size - position))
                    if not chunk:
                        raise self.changed("it is shorter")
                    view, offset = memoryview(chunk), 0
                    while offset < len(chunk):  # each range's share of the chunk into its own hash
                        taken = min(len(chunk) - offset, end - position - offset)
                        digest.update(view[offset : offset + taken])
                        offset += taken
                        if position + offset == end:
                            if digest.hexdigest() != expected:
                                raise self.changed("its bytes differ")
                            digest = hashlib.sha256()
                            _, end, expected = next(ranges, (0, end, ""))
                    position += len(chunk)
                    yield chunk
                if handle.read(1):
                    raise self.changed("it is longer")
        except OSError as error:
            raise LaunchError(f"{self.path}: cannot be read again to send it: {error.strerror or error}") from None

    def check(self) -> None:
        """Reads the file again: FileChanged unless it still holds exactly the linted bytes."""
        for _ in self.chunks():
            pass

    def sha256(self) -> str:
        """The linted bytes' sha256: the lint's own when it hashed them in one piece, else
        read again (and checked)."""
        if len(self.ranges) == 1:
            return self.ranges[0][2]
        whole = hashlib.sha256()
        for chunk in self.chunks():
            whole.update(chunk)
        return whole.hexdigest()

    def read(self) -> bytes:
        """All of the linted bytes, checked, in one read (an SDK given the path would hold
        them all in memory the same)."""
        return b"".join(self.chunks(max(self.size, 1)))

    @contextmanager
    def private_copy(self) -> Iterator[Path]:
        """A checked copy of the linted bytes, named as the file, in a new folder only this
        user can open (removed afterwards): for an SDK that reads the file by its path."""
        with tempfile.TemporaryDirectory(prefix="ft-lint-launch-") as folder:
            copy = Path(folder) / self.path.name
            try:
                with copy.open("wb") as out:
                    for chunk in self.chunks():
                        out.write(chunk)
            except OSError as error:
                raise LaunchError(
                    f"{self.path}: cannot copy it into {folder} to send it: {error.strerror or error} "
                    "(TMPDIR chooses the folder)"
                ) from None
            yield copy

    def changed(self, how: str) -> FileChanged:
        return FileChanged(f"{self.path} changed since the lint read it ({how}); no job was created: lint it again")
