"""The progress line of a long lint: click's progress bar on stderr, with the files done, the
speed in MB/s and the time left.

It shows only where a person watches: stderr is a terminal, the report is for people (not
json, sarif or github, wherever it goes), no CI system is named in $CI (some run builds in a
pseudo-terminal), the terminal is not `dumb`, and `--no-progress` was not given. It appears
after DELAY_SECONDS, so a quick run prints nothing, and stays on the line where it ends.
Bytes count as done once scanned, whether checked now or found in the record cache; with
worker processes, once the range holding them is done.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from pathlib import Path

DELAY_SECONDS = 2.0
REDRAW_SECONDS = 0.1  # at most this often: a block of lines is read far faster than a terminal needs
MACHINE_READABLE = ("json", "sarif", "github")


def wanted(stream: TextIO, output_format: str, asked: bool) -> bool:
    """Whether a progress line may be written to STREAM (see the module's documentation)."""
    return (
        asked
        and output_format not in MACHINE_READABLE
        and not os.environ.get("CI")
        and os.environ.get("TERM") != "dumb"
        and stream.isatty()
    )


class Progress:
    """The bytes and files of one lint, drawn as a bar once DELAY_SECONDS have passed."""

    def __init__(self, files: list[Path], stream: TextIO):
        self.total_files = len(files)
        self.total_bytes = sum(_size(path) for path in files)
        self.files = self.done = 0
        self._before_file = 0  # the bytes of the files done
        self.stream = stream
        self.started = self.drawn = time.monotonic()
        self._bar: Any = None  # click's ProgressBar, made once the line shows

    def advance(self, done_bytes: int) -> None:
        """So many more bytes of the current file are done."""
        self.done += done_bytes
        self._draw()

    def file_done(self, path: Path) -> None:
        """The current file is done: all of its bytes, however many were counted."""
        self.files += 1
        self.done = self._before_file = self._before_file + _size(path)
        self._draw()

    def _draw(self) -> None:
        now = time.monotonic()
        if now - self.started < DELAY_SECONDS or now - self.drawn < REDRAW_SECONDS:
            return
        self.drawn = now
        if self._bar is None:
            import click

            self._bar = click.progressbar(
                length=max(self.total_bytes, 1),
                label="ft-lint",
                file=self.stream,
                show_eta=False,  # its estimate counts from the bar's start, not the lint's: ours is in _facts
                show_percent=True,
                item_show_func=self._facts,
                width=24,
            )
        self._bar.update(self.done - self._bar.pos)

    def _facts(self, _: object) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        speed = self.done / elapsed
        left = (self.total_bytes - self.done) / speed if speed else 0.0
        minutes, seconds = divmod(round(max(left, 0.0)), 60)
        return f"{self.files}/{self.total_files} files  {speed / 1e6:.1f} MB/s  {minutes}:{seconds:02d} left"

    def close(self) -> None:
        """End the line (if it was drawn) where the lint ended."""
        if self._bar is not None:
            self._bar.update(self.done - self._bar.pos)
            self._bar.render_progress()  # the files done, if no byte moved since the last drawing
            self._bar.render_finish()
            self._bar = None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reported when the file is read
