"""FT113 invalid-image: images in chat data, per provider, never downloaded."""

from __future__ import annotations

import socket

import pytest

from ft_lint.formats import Image
from ft_lint.image_headers import sniff_image_type
from support import FORMAT_TESTS, GIF, JPEG, PNG, WEBP, b64, data_url, found, lint_paths, write_jsonl

QUESTION = {"type": "text", "text": "What is in the picture?"}


def chat(*urls: str, detail: str | None = None, answer: list | str = "A cat.") -> dict:
    parts = [{"type": "image_url", "image_url": {"url": url, **({"detail": detail} if detail else {})}} for url in urls]
    return {"messages": [{"role": "user", "content": [QUESTION, *parts]}, {"role": "assistant", "content": answer}]}


def ft113(tmp_path, records, **settings) -> dict[int, list[str]]:
    findings = lint_paths(
        [write_jsonl(tmp_path / "data.jsonl", records)], defaults=FORMAT_TESTS, select=("FT113",), **settings
    )
    by_line: dict[int, list[str]] = {}
    for finding in findings:
        by_line.setdefault(finding.line, []).append(finding.message)
    return by_line


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("an image was about to be downloaded")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_images_openai_takes(tmp_path):
    records = [
        chat("https://example.com/cat.png"),
        chat(data_url(PNG), data_url(JPEG, "image/jpeg"), data_url(WEBP, "image/webp"), detail="low"),
        chat(data_url(JPEG, "image/jpg")),
    ]
    assert ft113(tmp_path, records) == {}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "http://example.com/cat.png",
            "image URL must be https:// or a base64 data: URL, not 'http://example.com/cat.png'",
        ),
        (
            "ftp://example.com/cat.png",
            "image URL must be https:// or a base64 data: URL, not 'ftp://example.com/cat.png'",
        ),
        ("cat.png", "image URL must be https:// or a base64 data: URL, not 'cat.png'"),
        (data_url(GIF, "image/gif"), "image type 'image/gif' is not taken by openai-chat; use jpeg, png, webp"),
        (data_url(PNG, "image/jpeg"), "image is declared image/jpeg but its bytes are PNG"),
        (
            data_url(b"hello world", "image/png"),
            "image is declared image/png but its bytes are not a JPEG, PNG, GIF or WEBP image",
        ),
        ("data:image/png;base64,iVBORw0KGgo=!!", "image data is not valid base64"),
        ("data:image/png;base64,", "image data is empty"),
        (
            "data:image/png," + b64(PNG),
            "data URL must hold base64 data (data:image/png;base64,...), not 'data:image/png'",
        ),
    ],
)
def test_images_openai_rejects(tmp_path, url, message):
    assert ft113(tmp_path, [chat("https://example.com/ok.png"), chat(url)]) == {2: [message]}


def test_images_in_assistant_messages(lint_records):
    answer = [{"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]
    # OpenAI's schema rejects image parts in assistant messages too; FT113 says why.
    findings = lint_records(chat("https://example.com/a.png"), chat(answer=answer), defaults=FORMAT_TESTS)
    assert (2, "FT113", "/messages/1/content/0/image_url/url") in found(findings)


def test_too_many_images_is_reported_once_at_the_first_image_over(lint_records):
    eleven = chat(*[f"https://example.com/{n}.png" for n in range(11)])
    findings = lint_records(
        chat("https://example.com/a.png"),
        eleven,
        chat(*["https://example.com/x.png"] * 10),
        select=("FT113",),
        defaults=FORMAT_TESTS,
    )
    assert found(findings) == {(2, "FT113", "/messages/0/content/11/image_url/url")}
    assert findings[0].message == "example has 11 images; openai-chat takes at most 10"


def test_options_override_the_providers_limits(tmp_path):
    three = chat(data_url(PNG + b"\x00" * 3000), "https://example.com/b.png", "https://example.com/c.png")
    assert ft113(tmp_path, [chat("https://example.com/a.png"), three]) == {}
    limited = ft113(
        tmp_path,
        [chat("https://example.com/a.png"), three],
        rule_options={"FT113": {"max-images": 2, "max-image-bytes": 1024}},
    )
    assert limited == {2: ["image is larger than 1,024 bytes", "example has 3 images; openai-chat takes at most 2"]}


def test_the_size_limit_is_on_the_decoded_bytes(tmp_path):
    limit = {"rule_options": {"FT113": {"max-image-bytes": 30}}}
    at_limit, over = PNG + b"\x00" * (30 - len(PNG)), PNG + b"\x00" * (31 - len(PNG))
    records = [chat(data_url(at_limit)), chat(data_url(over))]
    assert ft113(tmp_path, records, **limit) == {2: ["image is larger than 30 bytes"]}
    huge = data_url(PNG + b"\x00" * (10 * 1024 * 1024))
    assert ft113(tmp_path, [chat("https://example.com/a.png"), chat(huge)]) == {2: ["image is larger than 10 MB"]}


def test_images_of_other_providers(tmp_path):
    def gemini(part: dict) -> dict:
        return {
            "contents": [
                {"role": "user", "parts": [{"text": "What is this?"}, part]},
                {"role": "model", "parts": [{"text": "A cat."}]},
            ]
        }

    records = [
        gemini({"fileData": {"mimeType": "image/png", "fileUri": "gs://bucket/cat.png"}}),
        gemini({"fileData": {"mimeType": "image/png", "fileUri": "s3://bucket/cat.png"}}),
        gemini({"inlineData": {"mimeType": "image/gif", "data": b64(GIF)}}),
        gemini({"inlineData": {"mimeType": "image/webp", "data": b64(PNG)}}),
        gemini({"fileData": {"mimeType": "application/pdf", "fileUri": "gs://bucket/doc.pdf"}}),  # not an image
        {
            "contents": [
                {
                    "role": "user",
                    "parts": [{"fileData": {"mimeType": "image/png", "fileUri": f"gs://b/{n}.png"}} for n in range(31)],
                },
                {"role": "model", "parts": [{"text": "Cats."}]},
            ]
        },
    ]
    assert ft113(tmp_path, records) == {
        2: ["image URL must be gs:// or https:// or http://, not 's3://bucket/cat.png'"],
        3: ["image type 'image/gif' is not taken by vertex-gemini; use jpeg, png, webp, heic, heif"],
        4: ["image is declared image/webp but its bytes are PNG"],
        6: ["example has 31 images; vertex-gemini takes at most 30"],
    }


def test_sniffing_and_decoding_helpers():
    assert [sniff_image_type(data) for data in (PNG, JPEG, GIF, WEBP, b"BM6")] == ["png", "jpeg", "gif", "webp", None]
    assert Image(("x",), url=data_url(PNG)).decoded() == PNG
    assert Image(("x",), data=b64(JPEG), media_type="image/jpeg").inline() == ("image/jpeg", b64(JPEG))
    assert Image(("x",), url="https://example.com/a.png").decoded() is None
    assert Image(("x",), url="data:image/png;base64,@@").decoded() is None
