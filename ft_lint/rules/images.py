"""FT113: images in chat data, checked without downloading anything.

The adapters in `ft_lint.formats` find each message's images whatever the format writes
(OpenAI `image_url` parts, Gemini `inlineData` / `fileData` parts, Bedrock `image`
blocks); what each provider accepts comes from the `images` entry of the format's
`x-ft-lint` block.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from ft_lint.findings import Problem, Severity
from ft_lint.formats import Format, Image
from ft_lint.image_headers import sniff_image_type
from ft_lint.profiles import Profile
from ft_lint.record import Record
from ft_lint.redaction import redact
from ft_lint.rules import Option, RecordRule, may_mention

# The keys every adapter finds images under start with these: image_url, image (OpenAI, TRL,
# Bedrock), inlineData, fileData (Gemini).
IMAGE_WORDS = (b"image", b"inlineData", b"fileData")


def may_hold_images(record: Record) -> bool:
    """False when the record's bytes prove it holds no image (see `may_mention`)."""
    return may_mention(record.raw, IMAGE_WORDS)


_SNIFFED = frozenset({"jpeg", "png", "gif", "webp"})
_MB = 1024 * 1024


class InvalidImage(RecordRule):
    """An image the provider will not take.

    Finds: a URL whose scheme the provider does not fetch from (OpenAI: https or a
    base64 data URL; Vertex AI: gs:// or http(s); Bedrock: s3://); an embedded image
    that is not valid base64, whose bytes are not the type it declares, or whose type
    the provider does not take (OpenAI: JPEG, PNG, WEBP); an image over the provider's
    size limit; more images in one example than the provider's limit; an image in an
    assistant message (models are trained to write text, not images). No image is ever
    downloaded: a remote image is checked by its URL only.

    What the provider takes comes from the format's schema (OpenAI's figures), unless the
    profile of the model's provider says otherwise (ft_lint/profiles.toml, with sources):
    Together's validator takes images only in user messages and only as base64 data URLs
    starting exactly data:image/jpeg;base64, (or png, webp: "jpg" is refused), at most 10 per
    example of at most 10 MiB each (the `together` SDK 2.14.0's files.py and constants.py).

    Why: the provider skips or rejects examples with such images, after the upload.

    Example (flagged):
        {"type": "image_url", "image_url": {"url": "http://example.com/cat.gif"}}
    Fix: use https, or embed the image as data:image/png;base64,...
    """

    code = "FT113"
    name = "invalid-image"
    severity = Severity.ERROR
    OPTIONS: ClassVar[dict[str, Option]] = {
        "max-image-bytes": Option(
            0,
            "largest image, in bytes; 0: the provider's limit for the file's format (OpenAI 10 MB, Vertex AI 20 MB)",
            minimum=0,
            maximum=1 << 30,
        ),
        "max-images": Option(
            0,
            "most images in one example; 0: the provider's limit for the file's format (OpenAI 10, Vertex AI 30)",
            minimum=0,
            maximum=1000,
        ),
    }

    def check_record(self, record: Record) -> Iterator[Problem]:
        fmt = record.format
        if fmt is None or not may_hold_images(record):
            return
        taken = _Accepted.of(fmt, record.profile)
        images = [(message.role, image) for message in record.messages for image in message.images]
        max_images = self.options["max-images"] or taken.max_images
        max_bytes = self.options["max-image-bytes"] or taken.max_bytes
        for count, (role, image) in enumerate(images, start=1):
            if role == "assistant":
                yield Problem("assistant messages cannot contain images", image.pointer)
            elif taken.roles is not None and role not in taken.roles:
                where = " or ".join(taken.roles)
                yield Problem(
                    f"{taken.name} takes images only in {where} messages, not in {role or 'role-less'} ones",
                    image.pointer,
                )
            reason = _problem(image, taken, max_bytes)
            if reason:
                yield Problem(reason, image.pointer)
            if max_images and count == max_images + 1:
                yield Problem(
                    f"example has {len(images)} images; {taken.name} takes at most {max_images}", image.pointer
                )


@dataclass(frozen=True)
class _Accepted:
    """The images a provider takes in a format: the schema's figures, or its profile's where it has them."""

    name: str  # how messages name who takes them: the format, or the provider
    types: tuple[str, ...]
    url_schemes: tuple[str, ...]
    data_url_prefixes: tuple[str, ...] | None
    roles: tuple[str, ...] | None
    max_images: int | None
    max_bytes: int | None

    @staticmethod
    def of(fmt: Format, profile: Profile) -> _Accepted:
        return _Accepted(
            name=profile.title or fmt.name,
            types=fmt.image_types,
            url_schemes=profile.image_url_schemes or fmt.image_url_schemes,
            data_url_prefixes=profile.image_data_url_prefixes,
            roles=profile.image_roles,
            max_images=profile.max_images or fmt.max_images,
            max_bytes=profile.max_image_bytes or fmt.max_image_bytes,
        )


def _start(url: str) -> str:
    """The start of a URL for a message: masked before it is cut, so a key cut by the edge is
    not shown in part."""
    return redact(url)[:40]


def _problem(image: Image, taken: _Accepted, max_bytes: int | None) -> str | None:
    if image.url is None and image.data is None:
        return None  # nothing written to check (a TRL image part, or a schema error)
    if image.url is not None:
        scheme = image.url.partition(":")[0].lower() if ":" in image.url else ""
        if taken.url_schemes and scheme not in taken.url_schemes:
            return f"image URL must be {_schemes(taken)}, not {_start(image.url)!r}"
    inline = image.inline()
    declared = (inline[0] if inline else image.media_type) or ""
    if image.url is not None and inline is not None and ";base64," not in image.url[:200]:
        return (
            f"data URL must hold base64 data (data:image/png;base64,...), not {_start(image.url.partition(',')[0])!r}"
        )
    kind = declared.lower().removeprefix("image/").replace("jpg", "jpeg")
    if (inline or declared) and taken.types and kind not in taken.types:
        return f"image type {declared or 'not given'!r} is not taken by {taken.name}; use {', '.join(taken.types)}"
    prefixes = taken.data_url_prefixes
    if image.url is not None and prefixes and not image.url.startswith(prefixes):
        return (
            f"{taken.name} takes a data URL only when it starts with {' or '.join(prefixes)} exactly, "
            f"not {_start(image.url.partition(',')[0])!r}"
        )
    if inline is None:
        return None  # remote: never downloaded
    payload = inline[1]
    if max_bytes and len(payload) * 3 // 4 - payload[-2:].count("=") > max_bytes:  # the decoded size, without decoding
        return f"image is larger than {_size(max_bytes)}"
    data = image.decoded()
    if data is None:
        return "image data is not valid base64"
    if not data:
        return "image data is empty"
    actual = sniff_image_type(data)
    if actual is None and kind in _SNIFFED:
        return f"image is declared {declared} but its bytes are not a JPEG, PNG, GIF or WEBP image"
    if actual is not None and actual != kind:
        return f"image is declared {declared} but its bytes are {actual.upper()}"
    return None


def _size(limit: int) -> str:
    return f"{limit // _MB} MB" if limit % _MB == 0 else f"{limit:,} bytes"


def _schemes(taken: _Accepted) -> str:
    named = [f"{s}://" if s != "data" else "a base64 data: URL" for s in taken.url_schemes]
    return " or ".join(named)
