"""Streaming output fields: the incremental `[[ ## field ## ]]` parser, `streamify` through the
real litellm path against the local streaming server, and `dsp run --stream`."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

import dsplang
from dsplang.errors import DspTypeError
from dsplang.lm.client import LM
from dsplang.stdlib.adapters import ChatAdapter, JSONAdapter
from dsplang.stdlib.modules.chain_of_thought import ChainOfThought, with_reasoning
from dsplang.stdlib.modules.predict import Predict
from dsplang.stdlib.signature import Signature
from dsplang.stdlib.streaming import ChatFieldStream, StreamChunk, StreamPrinter, streamify

pytestmark = pytest.mark.time_limit(180)

COT_REPLY = ("[[ ## reasoning ## ]]\nIt is in France.\nIts capital is Paris.\n\n"
             "[[ ## answer ## ]]\nParis\n\n[[ ## completed ## ]]")
SIGNATURE = with_reasoning(Signature.from_string("question -> answer"))

REPLIES = [
    COT_REPLY,
    # odd spacing in headers, an input echoed back, a repeated field, content lines that
    # start like a header, surrounding blank lines
    "  \n[[## question ##]]\nwhat?\n[[ ##  reasoning ## ]]  first line\n[not a header]\n[[x]] y\n\n\n"
    "[[ ## answer ## ]]\n\n  Paris  \n[[ ## answer ## ]]\nignored\n[[ ## completed ## ]]\n",
    "[[ ## answer ## ]]\nno reasoning\n",
]


def fields_of(pieces: list[tuple[str, str, bool]]) -> dict[str, str]:
    joined: dict[str, str] = {}
    for field, text, _ in pieces:
        joined[field] = joined.get(field, "") + text
    return joined


@pytest.mark.parametrize("reply", REPLIES)
def test_every_split_of_a_reply_streams_the_fields_the_adapter_parses(reply):
    plan = ChatAdapter().plan(SIGNATURE)
    whole = {k: v for k, v in _sections(reply).items()}
    for size in range(1, len(reply) + 1):
        parser = ChatFieldStream(plan.outputs.resolve)
        pieces = []
        for start in range(0, len(reply), size):
            pieces += parser.feed(reply[start:start + size])
        pieces += parser.close()
        assert fields_of(pieces) == whole, size
        lasts = [field for field, _, last in pieces if last]
        assert sorted(lasts) == sorted(whole), size       # one end per field that streamed


def _sections(reply: str) -> dict[str, str]:
    """What ChatAdapter.parse reads for each output present (all outputs here are text)."""
    try:
        return {k: v for k, v in ChatAdapter().parse(SIGNATURE, reply).items()}
    except Exception:  # noqa: BLE001 - a reply without every output: compare what is there
        return {"answer": "no reasoning"}


def test_chunks_arrive_while_the_lm_writes_and_end_with_the_prediction(openai_server):
    helper = sys.modules[type(openai_server).__module__]
    openai_server.queue(helper.Reply(COT_REPLY, piece=3, pause=0.005))
    lm = LM("openai/gpt-4o-mini", api_base=openai_server.url, api_key="sk-test", cache=False)
    cot = ChainOfThought("question -> answer")

    async def main():
        return [item async for item in streamify(cot)(question="capital of France?")]
    with dsplang.context(lm=lm):
        items = asyncio.run(main())
    *chunks, prediction = items
    assert prediction.answer == "Paris" and prediction.reasoning == "It is in France.\nIts capital is Paris."
    assert all(isinstance(c, StreamChunk) for c in chunks)
    reasoning = [c for c in chunks if c.field == "reasoning"]
    answer = [c for c in chunks if c.field == "answer"]
    assert len(reasoning) > 5 and len(answer) >= 2            # in pieces, as they were sent
    assert "".join(c.text for c in reasoning) == prediction.reasoning
    assert "".join(c.text for c in answer) == "Paris"
    assert chunks.index(reasoning[-1]) < chunks.index(answer[0])
    assert reasoning[-1].last and answer[-1].last and not reasoning[0].last
    assert openai_server.requests[-1]["stream"] is True


def test_a_dsp_module_streams_with_its_predictor_paths_and_a_field_filter(openai_server):
    helper = sys.modules[type(openai_server).__module__]
    openai_server.default = helper.Reply(COT_REPLY, piece=4)
    names = dsplang.run('''
signature Answer:
    input question: str
    output answer: str

module QA():
    respond = ChainOfThought(Answer)

    def forward(question: str):
        return respond(question=question)
''')
    lm = LM("openai/gpt-4o-mini", api_base=openai_server.url, api_key="sk-test")

    async def main():
        stream = streamify(names["QA"](), fields=["answer"])
        return [item async for item in stream(question="capital?")]
    with dsplang.context(lm=lm):
        first = asyncio.run(main())
        cached = asyncio.run(main())                    # a cache hit streams too, whole
    assert {(c.predictor, c.field) for c in first[:-1]} == {("respond.predict", "answer")}
    assert "".join(c.text for c in first[:-1]) == "Paris" and first[-1].answer == "Paris"
    assert [(c.text, c.last) for c in cached[:-1]] == [("Paris", False), ("", True)]
    assert len(openai_server.requests) == 1


def test_a_json_reply_is_delivered_whole_once_parsed(openai_server):
    helper = sys.modules[type(openai_server).__module__]
    openai_server.queue(helper.Reply('{"answer": "Paris"}', piece=3))
    lm = LM("openai/gpt-4o-mini", api_base=openai_server.url, api_key="sk-test", cache=False)
    predict = Predict("question -> answer", adapter=JSONAdapter())

    async def main():
        return [item async for item in streamify(predict)(question="capital?")]
    with dsplang.context(lm=lm):
        *chunks, prediction = asyncio.run(main())
    assert prediction.answer == "Paris"
    assert [(c.field, c.text, c.last) for c in chunks] == [("answer", "Paris", False), ("answer", "", True)]


def test_an_error_in_the_program_is_raised_by_the_stream():
    async def main():
        return [item async for item in streamify(Predict("question -> answer"))(question="q")]
    with dsplang.context(lm=dsplang.ScriptedLM([])), pytest.raises(dsplang.DspError, match="ran out"):
        asyncio.run(main())


def test_streamify_needs_a_program():
    with pytest.raises(DspTypeError, match="streamify"):
        streamify(42)


def test_the_printer_writes_a_line_per_field():
    out = io.StringIO()
    printer = StreamPrinter(out)
    for chunk in [StreamChunk("p", "reasoning", "It is"), StreamChunk("p", "reasoning", " so."),
                  StreamChunk("p", "reasoning", "", True), StreamChunk("p", "answer", "Paris"),
                  StreamChunk("p", "answer", "", True)]:
        printer(chunk)
    assert out.getvalue() == "p.reasoning: It is so.\np.answer: Paris\n"


def test_dsp_run_stream_prints_fields_on_stderr_as_they_arrive(openai_server, tmp_path):
    helper = sys.modules[type(openai_server).__module__]
    openai_server.default = helper.Reply(COT_REPLY, piece=5)
    program = tmp_path / "qa.dsp"
    program.write_text(f'''use LM("openai/gpt-4o-mini", api_base="{openai_server.url}", api_key="sk-test")

signature Answer:
    input question: str
    output answer: str

module QA():
    respond = ChainOfThought(Answer)

    def forward(question: str):
        return respond(question=question)

print("answer:", QA()(question="capital of France?").answer)
''')
    env = {**os.environ, "DSP_CACHE_DIR": str(tmp_path / "cache"), "DSP_NO_LOCAL_LM": "1",
           "PYTHONPATH": str(Path(dsplang.__file__).parents[1])}
    done = subprocess.run([sys.executable, "-m", "dsplang.cli", "run", str(program), "--stream", "--quiet"],
                          capture_output=True, text=True, env=env, timeout=170)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "answer: Paris\n"
    assert done.stderr == ("respond.predict.reasoning: It is in France.\nIts capital is Paris.\n"
                           "respond.predict.answer: Paris\n")


def test_a_reply_that_fails_to_parse_is_voided_before_the_json_retry(openai_server):
    helper = sys.modules[type(openai_server).__module__]
    openai_server.queue(helper.Reply("[[ ## answer ## ]]\nParis\n\n[[ ## completed ## ]]", piece=4),
                        helper.Reply('{"answer": 4}', piece=3))
    lm = LM("openai/gpt-4o-mini", api_base=openai_server.url, api_key="sk-test", cache=False)
    predict = Predict("question -> answer: int")

    async def main():
        return [item async for item in streamify(predict)(question="2 + 2?")]
    with dsplang.context(lm=lm):
        *chunks, prediction = asyncio.run(main())
    assert prediction.answer == 4 and len(openai_server.requests) == 2
    void = next(i for i, c in enumerate(chunks) if c.void)
    assert "".join(c.text for c in chunks[:void]) == "Paris"         # streamed live, then voided
    assert chunks[void] == StreamChunk("question -> answer: int", "answer", "", last=True, void=True)
    assert [(c.text, c.last, c.void) for c in chunks[void + 1:]] == [("4", False, False), ("", True, False)]
    assert repr(chunks[void]) == "StreamChunk(question -> answer: int.answer: void)"


def test_a_broken_stream_voids_what_it_delivered_and_the_error_is_raised(openai_server):
    helper = sys.modules[type(openai_server).__module__]
    openai_server.queue(helper.Cut(["[[ ## answer ## ]]\n", "Par"]))
    lm = LM("openai/gpt-4o-mini", api_base=openai_server.url, api_key="sk-test", cache=False)
    seen: list = []

    async def main():
        async for item in streamify(Predict("question -> answer"), fields="answer")(question="capital?"):
            seen.append(item)
    with dsplang.context(lm=lm), pytest.raises(dsplang.DspError):
        asyncio.run(main())
    assert [(c.text, c.void) for c in seen] == [("Par", False), ("", True)]


def test_the_printer_marks_a_voided_field():
    out = io.StringIO()
    printer = StreamPrinter(out)
    for chunk in [StreamChunk("p", "answer", "Par"), StreamChunk("p", "answer", "", True, True),
                  StreamChunk("p", "answer", "4"), StreamChunk("p", "answer", "", True),
                  StreamChunk("q", "answer", "", True, True)]:
        printer(chunk)
    assert out.getvalue() == ("p.answer: Par [void: the reply failed]\np.answer: 4\n"
                              "q.answer: [void: the reply failed]\n")
