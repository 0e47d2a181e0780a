"""Local corpora for the retrievers: reading passages, fingerprinting files, the index cache.

A corpus path is one of:

- a folder: every ``.txt`` and ``.md`` file under it (hidden ones skipped), each split into
  passages at blank lines (a Markdown heading alone in its block becomes the title of the
  passages after it), and every ``.jsonl`` file under it, read as below;
- a ``.txt`` or ``.md`` file, split the same way;
- a ``.jsonl`` file: one passage per line, an object with a ``text`` field and optional
  ``title`` and ``id``.

A relative path is read from the current directory, as `load` does. Indexes are cached under
``<cache dir>/retrievers/<kind>/<key>/`` (the cache dir of dsplang.lm.cache), the key being a
hash of the corpus files' paths, sizes and modification times plus the index settings.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dsplang.errors import DspFileError, DspValueError
from dsplang.lm.cache import cache_dir

TEXT_SUFFIXES = (".txt", ".md")
BLANK_LINE = re.compile(r"\n[ \t]*\n")
HEADING = re.compile(r"^#{1,6}\s+(.+)$")


@dataclass(frozen=True, slots=True)
class Passage:
    """One passage of a corpus: its text, where it came from, and its title if any."""

    text: str
    source: str
    title: str | None = None
    id: str | None = None

    def to_json(self) -> dict:
        return {"text": self.text, "source": self.source, "title": self.title, "id": self.id}


class Hit:
    """One search result: a passage and its score. Fields by attribute or by key
    (`hit.text`, `hit["score"]`)."""

    __slots__ = ("text", "source", "score", "title", "id")

    def __init__(self, passage: Passage, score: float) -> None:
        self.text, self.source, self.title, self.id = (passage.text, passage.source,
                                                       passage.title, passage.id)
        self.score = float(score)

    def __getitem__(self, key: str) -> Any:
        if key not in self.__slots__:
            raise KeyError(key)
        return getattr(self, key)

    def to_dict(self) -> dict:
        return {key: getattr(self, key) for key in self.__slots__}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Hit) and self.to_dict() == other.to_dict()

    __hash__ = None

    def __repr__(self) -> str:
        text = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        return f"Hit(score={self.score:.3f}, source={self.source!r}, text={text!r})"


def corpus_files(path: str | os.PathLike) -> list[Path]:
    """The files of the corpus at `path`, sorted; DspFileError when there are none."""
    root = Path(os.fspath(path))
    if not root.exists():
        hint = None if root.is_absolute() else f"relative paths are read from {os.getcwd()}"
        raise DspFileError(f"no such corpus: {os.fspath(path)!r}", hint=hint)
    if root.is_file():
        if root.suffix not in TEXT_SUFFIXES + (".jsonl",):
            raise DspFileError(f"{os.fspath(path)!r} is not a corpus file",
                               hint="a corpus is a folder of .txt/.md files or a .jsonl file")
        return [root]
    found = sorted(p for p in root.rglob("*") if p.is_file()
                   and p.suffix in TEXT_SUFFIXES + (".jsonl",)
                   and not any(part.startswith(".") for part in p.relative_to(root).parts))
    if not found:
        raise DspFileError(f"the corpus folder {os.fspath(path)!r} holds no .txt, .md or .jsonl files")
    return found


def fingerprint(files: list[Path], *settings: Any) -> str:
    """A hash of the files' absolute paths, sizes and modification times, and `settings`."""
    digest = hashlib.sha256(json.dumps([str(s) for s in settings]).encode())
    for path in files:
        stat = path.stat()
        digest.update(f"{path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


def read_passages(path: str | os.PathLike, files: list[Path]) -> list[Passage]:
    """Every passage of the corpus, in file order; DspValueError when there are none."""
    root = Path(os.fspath(path))
    passages: list[Passage] = []
    for file in files:
        name = file.name if root.is_file() else file.relative_to(root).as_posix()
        reader = _jsonl_passages if file.suffix == ".jsonl" else _text_passages
        passages.extend(reader(file, name))
    if not passages:
        raise DspValueError(f"the corpus {os.fspath(path)!r} holds no passages")
    return passages


def _text_passages(file: Path, name: str) -> list[Passage]:
    text = _read(file).replace("\r\n", "\n")
    out: list[Passage] = []
    title = None
    for block in BLANK_LINE.split(text):
        block = block.strip()
        heading = HEADING.match(block) if "\n" not in block else None
        if heading:
            title = heading.group(1).strip()
        elif block:
            out.append(Passage(block, name, title, f"{name}#{len(out) + 1}"))
    return out


def _jsonl_passages(file: Path, name: str) -> list[Passage]:
    out = []
    for lineno, line in enumerate(_read(file).splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as err:
            raise DspValueError(f"{name}:{lineno}: not valid JSON ({err})") from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise DspValueError(f"{name}:{lineno}: a passage must be an object with a 'text' string")
        ident = None if row.get("id") is None else str(row["id"])
        title = None if row.get("title") is None else str(row["title"])
        out.append(Passage(row["text"], f"{name}:{lineno}", title, ident))
    return out


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise DspFileError(f"{str(file)!r} is not UTF-8 text ({err.reason} at byte {err.start})") from None
    except OSError as err:
        raise DspFileError(f"cannot read {str(file)!r}: {err.strerror}") from None


def index_dir(kind: str, key: str) -> Path:
    """Where the index `key` of retriever `kind` is cached."""
    return cache_dir() / "retrievers" / kind / key


def save_index(target: Path, write: Callable[[Path], None]) -> None:
    """Write an index into a fresh folder with `write`, then move it to `target` in one
    step, so a reader never sees half an index (when two processes race, one wins)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    try:
        write(staging)
        os.replace(staging, target)
    except OSError:
        if not target.exists():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def save_passages(folder: Path, passages: list[Passage]) -> None:
    with open(folder / "passages.jsonl", "w", encoding="utf-8") as f:
        for passage in passages:
            f.write(json.dumps(passage.to_json(), ensure_ascii=False) + "\n")


def load_passages(folder: Path) -> list[Passage]:
    with open(folder / "passages.jsonl", encoding="utf-8") as f:
        return [Passage(**json.loads(line)) for line in f if line.strip()]
