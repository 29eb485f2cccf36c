"""A model's own tokenizer and chat template, read offline from a folder (`--tokenizer PATH`).

PATH is a model folder as `save_pretrained` writes it (tokenizer.json, tokenizer_config.json,
maybe chat_template.jinja), or a Hugging Face cache entry
(~/.cache/huggingface/hub/models--org--name): its refs/main names the snapshot read,
snapshots/<revision>. Nothing is downloaded. Only these few files are read, each only if it is a
regular file (a link is followed, as the cache's snapshots link to its blobs) and no bigger than
its bound: a configuration committed to a stranger's repository may point `tokenizer` anywhere,
and what is read is never printed.

The template is chat_template.jinja where the folder has one (newer transformers save it
there), else `chat_template` of tokenizer_config.json (a string, or a list of named templates:
the one named "default"). The special tokens of tokenizer_config.json (bos_token, eos_token, ...)
are what the template sees, as transformers passes them.

The `tokenizers` library is imported here only, when a tokenizer is asked for (the
`open-models` extra).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ft_lint.errors import UsageError
from ft_lint.reader import UnreadableFile, open_data_file

if TYPE_CHECKING:
    from tokenizers import Tokenizer

TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "tokenizer_config.json"
TEMPLATE_FILE = "chat_template.jinja"
# The most each file may hold: Gemma's tokenizer.json is 33 MB, the biggest templates some 20 kB.
MAX_TOKENIZER_BYTES = 64 << 20
MAX_CONFIG_BYTES = 16 << 20
MAX_TEMPLATE_BYTES = 1 << 20
MAX_REF_BYTES = 256
_REVISION = re.compile(r"[0-9A-Za-z._-]{1,128}")  # a snapshot folder's name: never a path
SPECIAL_TOKEN_KEYS = (
    "bos_token",
    "eos_token",
    "unk_token",
    "pad_token",
    "sep_token",
    "cls_token",
    "mask_token",
    "additional_special_tokens",
)
EXTRA = "open-models"


@dataclass(frozen=True)
class LocalModel:
    """A tokenizer with its chat template, and the sequence length training cuts examples at."""

    name: str  # the folder as the user named it, for messages
    tokenizer: Tokenizer = field(repr=False)
    template: str = field(repr=False)
    special_tokens: dict[str, Any] = field(repr=False)  # what the template sees as bos_token, eos_token, ...
    digest: str  # of everything read: the record cache's fingerprint changes with any of it
    max_seq_length: int | None = None  # None: no budget given; nothing is cut

    def count(self, text: str) -> list[tuple[int, int]]:
        """The (start, end) character offsets of each token of `text`, as the trainer tokenizes
        a rendered example: special tokens spelt in it are special, none is added."""
        return list(self.tokenizer.encode(text, add_special_tokens=False).offsets)


def load_local_model(path: Path, max_seq_length: int | None = None) -> LocalModel:
    """The tokenizer and template of the folder `path`; UsageError (one line, naming the file) when
    they cannot be read."""
    folder = _snapshot(path)
    return _load(str(path), folder, _versions(folder), max_seq_length)


def _versions(folder: Path) -> tuple[tuple[int, int], ...]:
    """What tells a changed file: each file's modification time and size (0s: not there)."""
    found = []
    for name in (TOKENIZER_FILE, CONFIG_FILE, TEMPLATE_FILE):
        try:
            status = (folder / name).stat()
            found.append((status.st_mtime_ns, status.st_size))
        except OSError:
            found.append((0, 0))
    return tuple(found)


@functools.lru_cache(maxsize=4)  # once per run (every file and forked worker shares it), again when a file changed
def _load(name: str, folder: Path, versions: tuple[tuple[int, int], ...], max_seq_length: int | None) -> LocalModel:
    tokenizer_bytes = _read(folder / TOKENIZER_FILE, MAX_TOKENIZER_BYTES)
    config_path = folder / CONFIG_FILE
    config = _json_object(config_path, _read(config_path, MAX_CONFIG_BYTES)) if config_path.exists() else {}
    template_path = folder / TEMPLATE_FILE
    template = (
        _text(template_path, _read(template_path, MAX_TEMPLATE_BYTES))
        if template_path.exists()
        else _configured_template(config, config_path)
    )
    try:
        from tokenizers import Tokenizer
    except ImportError:
        raise UsageError(f"--tokenizer needs the `tokenizers` library: pip install 'ft-lint[{EXTRA}]'") from None
    try:
        tokenizer = Tokenizer.from_str(_text(folder / TOKENIZER_FILE, tokenizer_bytes))
    except Exception as error:  # the library's own errors: a file it cannot build a tokenizer from
        raise UsageError(
            f"{folder / TOKENIZER_FILE}: not a tokenizer the `tokenizers` library reads ({_short(error)})"
        ) from None
    special = {key: _token_text(config[key]) for key in SPECIAL_TOKEN_KEYS if key in config}
    digest = hashlib.sha256()
    for part in (tokenizer_bytes, template.encode(), json.dumps(special, sort_keys=True).encode()):
        digest.update(hashlib.sha256(part).digest())
    return LocalModel(name, tokenizer, template, special, digest.hexdigest(), max_seq_length)


def _snapshot(path: Path) -> Path:
    """The folder that holds the files: `path`, or the snapshot a Hugging Face cache entry's
    refs/main names (the only snapshot, where there is no refs/main)."""
    if not path.is_dir():
        raise UsageError(
            f"{path}: {'not a folder' if path.exists() else 'no such folder'} (--tokenizer names a model folder)"
        )
    snapshots = path / "snapshots"
    if (path / TOKENIZER_FILE).exists() or not snapshots.is_dir():
        return path
    ref = path / "refs" / "main"
    if ref.exists():
        revision = _text(ref, _read(ref, MAX_REF_BYTES)).strip()
        if not _REVISION.fullmatch(revision) or revision in (".", ".."):
            raise UsageError(f"{ref}: does not name a snapshot")
        return snapshots / revision
    found = sorted(p for p in snapshots.iterdir() if p.is_dir()) if snapshots.is_dir() else []
    if len(found) != 1:
        raise UsageError(
            f"{path}: a Hugging Face cache entry without refs/main and with {len(found)} snapshots: name one"
        )
    return found[0]


def _read(path: Path, limit: int) -> bytes:
    try:
        with open_data_file(path) as handle:
            data = handle.read(limit + 1)
    except UnreadableFile as error:
        raise UsageError(f"{error} (--tokenizer reads it)") from None
    except OSError as error:
        raise UsageError(f"{path}: cannot be read: {error.strerror or error}") from None
    if len(data) > limit:
        raise UsageError(f"{path}: more than {limit:,} bytes, more than such a file holds")
    return data


def _text(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text") from None


def _json_object(path: Path, data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(_text(path, data))
    except json.JSONDecodeError as error:
        raise UsageError(f"{path}: not valid JSON (line {error.lineno} column {error.colno})") from None
    if not isinstance(value, dict):
        raise UsageError(f"{path}: not a JSON object")
    return value


def _configured_template(config: dict[str, Any], path: Path) -> str:
    template = config.get("chat_template")
    if isinstance(template, list):  # named templates: transformers uses "default"
        named = {t.get("name"): t.get("template") for t in template if isinstance(t, dict)}
        template = named.get("default")
    if not isinstance(template, str) or not template:
        raise UsageError(
            f"{path.parent}: no chat template (neither {TEMPLATE_FILE} nor `chat_template` in {CONFIG_FILE}); "
            "a base model's tokenizer has none: give the instruct model's folder"
        )
    return template


def _token_text(value: Any) -> Any:
    """A special token as the template sees it: its text (tokenizer_config.json may hold an
    AddedToken as {"content": ...}); a list of them for additional_special_tokens."""
    if isinstance(value, dict):
        return value.get("content")
    if isinstance(value, list):
        return [_token_text(item) for item in value]
    return value


def _short(error: Exception) -> str:
    text = " ".join(str(error).split())
    return text[:120] + ("…" if len(text) > 120 else "")
