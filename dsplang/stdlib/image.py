"""Image: a picture as an input field type (DSPy's `dspy.Image`).

- `Image("cat.png")`: a file, read when the Image is made (a relative path from the current
  directory); its type comes from its first bytes (PNG, JPEG, GIF, WebP, BMP, TIFF, HEIC/AVIF
  and SVG are known), else from its extension.
- `Image("https://...")` or `Image(url="https://...")`: the URL is sent as it is; dsplang never
  fetches it (the provider does).
- `Image(bytes=data, mime="image/png")`: bytes in memory (`mime` may be left out when the
  bytes say it).
- `Image("data:image/png;base64,...")`: a data URI as it is.

A saved program keeps an Image in a demo as `{"url": ...}` (`to_dict`); the adapter makes it
an Image again for a field of an Image type (`revive`).

An adapter sends an Image input (also inside a `list[Image]` or `optional[Image]` field) as an
OpenAI image content part, `{"type": "image_url", "image_url": {"url": ...}}`, in place within
the user message: the message's content becomes a list of text and image parts
(`content_parts`). A model that litellm knows cannot read images is refused before the request
(`lm.vision`).
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import os
from typing import Any, get_args, get_origin

from dsplang.errors import DspArgumentError, DspFileError, DspTypeError, DspValueError, a_type, checked_path
from dsplang.stdlib.types import optional_inner

__all__ = ["Image", "IMAGE_PART", "check_image", "image_kind", "revive", "sniff_mime"]

IMAGE_PART = "image_url"
URL_SCHEMES = ("http://", "https://", "gs://")
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
_SOURCE_HINT = ('e.g. Image("photo.png"), Image(url="https://example.com/cat.jpg") or '
                'Image(bytes=data, mime="image/png")')


def sniff_mime(data: bytes) -> str | None:
    """The image type the first bytes of `data` announce, or None."""
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in (b"avif", b"avis"):
        return "image/avif"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1"):
        return "image/heic"
    head = data[:256].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in data[:1024].lower()):
        return "image/svg+xml"
    return None


class Image:
    """An image to send to a model: `.url` is a data URI (`data:image/png;base64,...`) or the
    URL given; `.source` says where it came from (the path, "url", "bytes" or "data URI")."""

    __slots__ = ("url", "source", "mime", "size")

    def __init__(self, source: Any = None, /, *, url: str | None = None, bytes: Any = None,  # noqa: A002
                 mime: str | None = None) -> None:
        given = [name for name, value in (("a path or URL", source), ("url=", url), ("bytes=", bytes))
                 if value is not None]
        if len(given) != 1:
            what = "nothing" if not given else " and ".join(given)
            raise DspArgumentError(f"Image() takes one source, got {what}", hint=_SOURCE_HINT)
        if mime is not None and (not isinstance(mime, str) or not mime.startswith("image/")):
            raise DspValueError(f"Image(mime=...) must be an image type such as 'image/png', got {mime!r}")
        self.mime: str | None = None
        self.size: int | None = None
        if bytes is not None:
            self._from_bytes(bytes, mime, "bytes")
        elif url is not None:
            self._from_text(url, mime, as_url=True)
        else:
            self._from_text(source, mime, as_url=False)

    # ---------------------------------------------------------- making one

    def _from_text(self, text: Any, mime: str | None, as_url: bool) -> None:
        if isinstance(text, Image):
            self.url, self.source, self.mime, self.size = text.url, text.source, text.mime, text.size
            return
        if isinstance(text, os.PathLike) and not as_url:
            text = os.fspath(text)
        if not isinstance(text, str) or not text.strip():
            where = "Image(url=...)" if as_url else "Image(...)"
            raise DspTypeError(f"{where} takes a path, a URL or a data URI, not {a_type(text)}", hint=_SOURCE_HINT)
        text = text.strip()
        if text.startswith("data:"):
            self._from_data_uri(text)
        elif text.lower().startswith(URL_SCHEMES):
            self.url, self.source, self.mime = text, "url", mime
        elif as_url:
            raise DspValueError(f"Image(url=...) needs an http(s) URL or a data URI, got {text[:80]!r}",
                                hint='a file on disk is Image("path/to/file.png")')
        else:
            self._from_file(text, mime)

    def _from_file(self, path: str, mime: str | None) -> None:
        checked_path(path)
        if not os.path.exists(path):
            raise DspFileError(f"no such image file: {path!r}", hint=None if os.path.isabs(path) else
                               f"relative paths are read from the current directory, {os.getcwd()}")
        if os.path.isdir(path):
            raise DspFileError(f"{path!r} is a directory, not an image file")
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as err:
            raise DspFileError(f"cannot read {path!r}: {err.strerror}") from None
        guessed = mimetypes.guess_type(path)[0]
        self._from_bytes(data, mime or (guessed if guessed and guessed.startswith("image/") else None), path)

    def _from_bytes(self, data: Any, mime: str | None, source: str) -> None:
        if isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        if not isinstance(data, bytes):
            raise DspTypeError(f"Image(bytes=...) takes bytes, not {a_type(data)}", hint=_SOURCE_HINT)
        if not data:
            raise DspValueError(f"the image {'file ' + repr(source) if source != 'bytes' else 'bytes'} is empty")
        kind = sniff_mime(data) or mime
        if kind is None:
            where = f"file {source!r}" if source != "bytes" else "bytes"
            raise DspValueError(f"cannot tell what kind of image the {where} holds",
                                hint="give its type: mime=\"image/png\" (PNG, JPEG, GIF and WebP are "
                                     "recognised from their first bytes)")
        self.mime, self.size, self.source = kind, len(data), source
        self.url = f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"

    def _from_data_uri(self, uri: str) -> None:
        head, comma, body = uri.partition(",")
        kind = head[5:].split(";")[0]
        if not comma or not kind.startswith("image/"):
            raise DspValueError(f"not an image data URI: {uri[:60]!r}",
                                hint="it looks like data:image/png;base64,iVBOR...")
        if head.endswith(";base64"):
            try:
                self.size = len(base64.b64decode(body, validate=True))
            except (binascii.Error, ValueError):
                raise DspValueError("the image data URI holds invalid base64") from None
        self.url, self.source, self.mime = uri, "data URI", kind

    # ---------------------------------------------------------- reading

    def part(self) -> dict:
        """The OpenAI content part for this image."""
        return {"type": IMAGE_PART, "image_url": {"url": self.url}}

    def to_dict(self) -> dict[str, str]:
        """`{"url": ...}`: how a saved program keeps an Image in a demo (`revive` reads it back)."""
        return {"url": self.url}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Image) and self.url == other.url

    def __hash__(self) -> int:
        return hash(self.url)

    def __reduce__(self) -> tuple:
        return (_restore, (self.url, self.source, self.mime, self.size))

    def __repr__(self) -> str:
        if self.source == "url":
            return f"Image(url={self.url!r})"
        size = f", {_size_text(self.size)}" if self.size is not None else ""
        origin = "" if self.source in ("bytes", "data URI") else f"{self.source!r}, "
        return f"Image({origin}{self.mime}{size})"


def _restore(url: str, source: str, mime: str | None, size: int | None) -> Image:
    image = object.__new__(Image)
    image.url, image.source, image.mime, image.size = url, source, mime, size
    return image


def _size_text(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} kB"
    return f"{size / (1024 * 1024):.1f} MB"


def image_kind(annotation: object) -> str | None:
    """"image" for `Image` (or `optional[Image]`), "images" for `list[Image]` (optional too), else None."""
    inner = optional_inner(annotation) or annotation
    if inner is Image:
        return "image"
    if get_origin(inner) is list and get_args(inner) == (Image,):
        return "images"
    return None


def revive(value: Any) -> Any:
    """An Image again from what a saved demo holds (`{"url": ...}`, items of a list too);
    anything else as it is."""
    if isinstance(value, dict) and set(value) == {"url"} and isinstance(value["url"], str):
        return Image(value["url"])
    if isinstance(value, list):
        return [revive(item) for item in value]
    return value


def check_image(value: Any, field: str, many: bool) -> None:
    """A DspTypeError unless `value` is an Image (`many`: a list of Images) or none."""
    if value is None or (isinstance(value, Image) and not many):
        return
    if many and isinstance(value, (list, tuple)):
        bad = next((item for item in value if not isinstance(item, Image)), None)
        if bad is None:
            return
        raise DspTypeError(f"input {field!r} is a list of Images; one of them is {a_type(bad)}", hint=_SOURCE_HINT)
    what = "a list of Images" if many else "an Image"
    hint = f'wrap it: Image({value!r})' if isinstance(value, str) and len(value) < 200 else _SOURCE_HINT
    raise DspTypeError(f"input {field!r} is {what}, not {a_type(value)}", hint=hint)
