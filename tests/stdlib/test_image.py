"""Image: made from a file, a URL, bytes or a data URI; sent as OpenAI image content parts in
its field's place; every bad source a located error."""

from __future__ import annotations

import base64
import pickle

import pytest

import dsplang
from dsplang.analysis.checker import check_source
from dsplang.errors import DspArgumentError, DspError, DspFileError, DspTypeError, DspValueError
from dsplang.lm.scripted import ScriptedLM
from dsplang.lm.vision import content_text
from dsplang.stdlib.adapters import ChatAdapter, JSONAdapter
from dsplang.stdlib.image import Image, sniff_mime
from dsplang.stdlib.signature import Signature

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 20
CAPTION = Signature("photo: Image, question -> answer")


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def test_an_image_from_a_file_is_read_and_typed_by_its_bytes(tmp_path):
    path = tmp_path / "cat.bin"
    path.write_bytes(PNG)
    image = Image(str(path))
    assert image.url == data_uri(PNG, "image/png") and image.mime == "image/png" and image.size == len(PNG)
    assert repr(image) == f"Image({str(path)!r}, image/png, 32 bytes)"


def test_an_image_from_a_url_is_sent_as_the_url_and_never_fetched():
    assert Image("https://example.com/cat.jpg").url == "https://example.com/cat.jpg"
    image = Image(url="http://127.0.0.1:9/never-fetched.png")
    assert image.url == "http://127.0.0.1:9/never-fetched.png" and image.size is None
    assert repr(image) == "Image(url='http://127.0.0.1:9/never-fetched.png')"


def test_an_image_from_bytes_or_a_data_uri():
    assert Image(bytes=JPEG).url == data_uri(JPEG, "image/jpeg")
    assert Image(bytes=b"raw pixels", mime="image/x-raw").url == data_uri(b"raw pixels", "image/x-raw")
    uri = data_uri(PNG, "image/png")
    assert Image(uri) == Image(bytes=PNG) and repr(Image(uri)) == "Image(image/png, 32 bytes)"
    assert pickle.loads(pickle.dumps(Image(bytes=PNG))) == Image(bytes=PNG)


@pytest.mark.parametrize("data, mime", [
    (PNG, "image/png"), (JPEG, "image/jpeg"), (b"GIF89a...", "image/gif"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"), (b"<svg xmlns='x'/>", "image/svg+xml"),
    (b"plain text", None)])
def test_the_kind_of_image_is_told_by_its_first_bytes(data, mime):
    assert sniff_mime(data) == mime


@pytest.mark.parametrize("source, error, said", [
    ('Image("missing.png")', DspFileError, "no such image file: 'missing.png'"),
    ("Image()", DspArgumentError, "Image() takes one source, got nothing"),
    ('Image("a.png", url="https://x.org/a.png")', DspArgumentError,
     "Image() takes one source, got a path or URL and url="),
    ('Image(url="cat.png")', DspValueError, "Image(url=...) needs an http(s) URL or a data URI, got 'cat.png'"),
    ("Image(3)", DspTypeError, "Image(...) takes a path, a URL or a data URI, not an int"),
    ('Image(bytes="text")', DspTypeError, "Image(bytes=...) takes bytes, not a str"),
    ('Image(url="https://x.org/a", mime="text/plain")', DspValueError,
     "Image(mime=...) must be an image type such as 'image/png', got 'text/plain'"),
    ('Image("data:text/plain;base64,aGk=")', DspValueError, "not an image data URI: 'data:text/plain;base64,aGk='"),
    ('Image("data:image/png;base64,@@@")', DspValueError, "the image data URI holds invalid base64"),
])
def test_a_bad_image_source_is_a_located_error(source, error, said):
    with pytest.raises(error) as info:
        dsplang.run(f"let image = {source}\n", "img.dsp")
    assert info.value.message == said
    assert str(info.value.span).startswith("img.dsp:1:")


def test_an_unreadable_image_file_is_a_clear_error(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "notes.png").write_bytes(b"just some words")
    with pytest.raises(DspValueError, match="is empty"):
        Image(str(tmp_path / "empty.png"))
    with pytest.raises(DspValueError, match="cannot tell what kind of image"):
        Image(bytes=b"just some words")
    assert Image(str(tmp_path / "notes.png")).mime == "image/png"   # the extension says it
    with pytest.raises(DspFileError, match="is a directory"):
        Image(str(tmp_path))


def test_an_image_input_becomes_an_image_part_in_its_fields_place():
    image = Image(bytes=PNG)
    messages = ChatAdapter().format(CAPTION, [], {"photo": image, "question": "What is it?"})
    parts = messages[-1]["content"]
    assert [p["type"] for p in parts] == ["text", "image_url", "text"]
    assert parts[0] == {"type": "text", "text": "[[ ## photo ## ]]"}
    assert parts[1] == {"type": "image_url", "image_url": {"url": data_uri(PNG, "image/png")}}
    assert parts[2]["text"].startswith("[[ ## question ## ]]\nWhat is it?\n\nRespond with")
    assert content_text(parts).startswith("[[ ## photo ## ]]\n[image: image/png, 32 bytes]\n[[ ## question ## ]]")
    assert isinstance(messages[0]["content"], str)      # the system message stays text


def test_a_list_of_images_and_a_demo_with_an_image():
    sig = Signature("photos: list[Image] -> count: int")
    demo = {"photos": [Image(bytes=JPEG)], "count": 1}
    messages = JSONAdapter().format(sig, [demo], {"photos": [Image(bytes=PNG), Image(url="https://x.org/b.png")]})
    demo_parts, request_parts = messages[1]["content"], messages[3]["content"]
    assert [p["type"] for p in demo_parts] == ["text", "image_url", "text"]
    assert [p["type"] for p in request_parts] == ["text", "image_url", "image_url", "text"]
    assert request_parts[2]["image_url"]["url"] == "https://x.org/b.png"


def test_a_predictor_with_an_image_input_runs_through_the_parser():
    lm = ScriptedLM([{"answer": "a cat"}])
    pred = dsplang.Predict(CAPTION, lm=lm)(photo=Image(bytes=PNG), question="What is it?")
    assert pred.answer == "a cat"
    assert lm.requests[0].messages[-1]["content"][1]["type"] == "image_url"


def test_an_image_input_given_something_else_is_an_error_at_the_call():
    source = ('use ScriptedLM([{"answer": "x"}])\n'
              'signature Caption:\n    input photo: Image\n    output answer: str\n'
              'Predict(Caption)(photo="cat.png")\n')
    with pytest.raises(DspTypeError) as info:
        dsplang.run(source, "cap.dsp")
    assert str(info.value) == "cap.dsp:5:1: type error: input 'photo' is an Image, not a str"
    assert info.value.hint == "wrap it: Image('cat.png')"
    assert check_source(source, "cap.dsp") == []
    with pytest.raises(DspError, match="cannot be Image"):
        Signature("question -> picture: Image")


def test_an_image_in_a_demo_survives_save_and_load(tmp_path):
    (tmp_path / "cat.png").write_bytes(PNG)
    saved = tmp_path / "cap.json"
    names = dsplang.run(
        'let lm = ScriptedLM({"": {"answer": "a cat"}})\n'
        'use lm\n'
        'signature Caption:\n    input photo: Image\n    input history: History\n    output answer: str\n'
        f'let cap = Predict(Caption)\n'
        f'cap.demos = [Example(photo=Image("{tmp_path / "cat.png"}"), history=History([{{"answer": "hi"}}]),'
        ' answer="a cat")]\n'
        f'save cap to "{saved}"\n'
        'let again = Predict(Caption)\n'
        f'load again from "{saved}"\n'
        'let pred = again(photo=Image(url="https://example.com/dog.png"), history=History())\n', "saved.dsp")
    demo_turn = names.lm.requests[0].messages[1]["content"]
    assert demo_turn[1] == {"type": "image_url", "image_url": {"url": data_uri(PNG, "image/png")}}
    assert '[[ ## history ## ]]\n{"messages": [{"answer": "hi"}]}' in demo_turn[2]["text"]
