"""A file's context, built once per file by every command that reads one (the lint, `stats`,
--fix through the lint, --launch): its name in reports, the format forced with --format, the
format it is read as (forced, else sniffed), and the model it is checked against."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ft_lint.files import display_name
from ft_lint.formats import Format, all_formats, sniff_format
from ft_lint.model_choice import ModelChoice, choose_model

if TYPE_CHECKING:
    from ft_lint.config import Settings


@dataclass(frozen=True)
class FileContext:
    path: Path
    filename: str  # display_name(path)
    forced: Format | None  # --format (or `format =`): every record is read as it
    format: Format | None  # the file's format: forced, else sniffed; None: no record of a known one
    choice: ModelChoice

    @property
    def format_name(self) -> str | None:
        return self.format.name if self.format else None


def file_context(path: Path, settings: Settings, today: dt.date) -> FileContext:
    """Raises what reading the file's first records raises (reader.UnreadableFile,
    reader.WholeFileProblem): each caller says it its own way. `today`: config.current_date."""
    filename = display_name(path)
    forced = all_formats()[settings.format] if settings.format else None
    file_format = forced or sniff_file(path, filename, settings)
    choice = choose_model(settings, filename, file_format.name if file_format else None, today)
    return FileContext(path, filename, forced, file_format, choice)


def sniff_file(path: Path, filename: str, settings: Settings) -> Format | None:
    """The format a file is checked as when none is forced: sniffed, preferring the formats
    of the model named for the file (--model, per-file settings or `model =`)."""
    from ft_lint.models import resolve_model

    named = settings.model_for(filename)
    return sniff_format(path, resolve_model(named).formats if named else None)
