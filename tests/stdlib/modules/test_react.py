"""ReAct on the scripted LM: tools from .dsp and Python, observations for every mistake,
the extraction step, the trace, context-window trimming, and native function calling."""

from __future__ import annotations

import json

import pytest

import dsplang
from dsplang.context import trace
from dsplang.context.lm import using
from dsplang.errors import DspArgumentError, DspLMError
from dsplang.lm.client import LM
from dsplang.lm.scripted import ScriptedLM
from dsplang.stdlib.modules.react import ReAct, ToolStep

SIG = "question -> answer: int"


def multiply(a: int, b: int) -> int:
    """Multiply two whole numbers."""
    return a * b


def broken(x: str) -> str:
    """Always fails."""
    raise RuntimeError("the service is down")


@pytest.fixture(scope="module")
def lookup():
    return dsplang.run('''
def lookup(city: str) -> str:
    """Look up the population of a city."""
    if city == "Paris":
        return "2.1 million"
    raise Error(f"no data for {city}")
''', "react_tools.dsp").lookup


def step(thought, name, args):
    return {"next_thought": thought, "next_tool_name": name, "next_tool_args": args}


def test_trajectory_with_tools_errors_and_extraction(lookup):
    lm = ScriptedLM([
        step("Find Paris.", "lookup", {"city": "Paris"}),
        step("Multiply.", "multiply", {"a": 6, "b": 7}),
        step("Bad args.", "multiply", {"a": "six"}),
        step("Broken.", "broken", {"x": "y"}),
        step("Rome?", "lookup", {"city": "Rome"}),
        step("Done.", "finish", {}),
        {"reasoning": "6*7=42", "answer": 42},
    ])
    agent = ReAct(SIG, tools=[lookup, multiply, broken])
    with using(lm), trace.collecting() as tr:
        pred = agent(question="What is 6 times 7?")
    assert pred.answer == 42 and pred.reasoning == "6*7=42"
    t = pred.trajectory
    assert t["observation_0"] == "2.1 million"
    assert t["observation_1"] == "42"
    assert t["observation_2"].startswith("Invalid arguments for multiply:")
    assert t["observation_3"] == "Execution error in broken: RuntimeError: the service is down"
    assert t["observation_4"] == "Execution error in lookup: no data for Rome"
    assert (t["tool_name_5"], t["observation_5"]) == ("finish", "Completed.")
    assert t["tool_args_0"] == {"city": "Paris"}
    steps = [r for r in tr.records if isinstance(r, ToolStep)]
    assert [s.tool_name for s in steps] == ["lookup", "multiply", "multiply", "broken", "lookup", "finish"]
    calls = tr.predictor_calls()
    assert [c.path for c in calls] == ["react.react"] * 6 + ["react.extract.predict"]
    extract_prompt = lm.requests[-1].messages[-1]["content"]
    assert "[[ ## observation_3 ## ]]\nExecution error in broken" in extract_prompt
    system = lm.requests[0].messages[0]["content"]
    assert "lookup, whose description is <desc>Look up the population of a city.</desc>" in system
    assert "must exactly match (no extra characters) one of: lookup; multiply; broken; finish" in system
    assert "tools" not in lm.requests[0].params  # ScriptedLM: the text format


def test_unknown_tool_is_an_observation_and_the_run_goes_on(lookup):
    unknown = step("Use google.", "google", {"q": "x"})
    lm = ScriptedLM([unknown, unknown,  # the chat reply, then Predict's JSON retry
                     step("Look up.", "lookup", {"city": "Paris"}), step("Done.", "finish", {}),
                     {"reasoning": "r", "answer": 2}])
    with using(lm):
        pred = ReAct(SIG, tools=[lookup])(question="q")
    t = pred.trajectory
    assert t["tool_name_0"] == "google" and t["tool_args_0"] == {"q": "x"}
    assert t["observation_0"] == "Unknown tool 'google'. The tools are: lookup, finish."
    assert t["observation_1"] == "2.1 million"
    assert pred.answer == 2


def test_unreadable_reply_ends_the_loop_then_extracts(lookup):
    lm = ScriptedLM([step("Look up.", "lookup", {"city": "Paris"}), "gibberish", "gibberish",
                     {"reasoning": "r", "answer": 3}])
    with using(lm):
        pred = ReAct(SIG, tools=[lookup])(question="q")
    assert list(pred.trajectory) == ["thought_0", "tool_name_0", "tool_args_0", "observation_0"]
    assert pred.answer == 3


def test_max_iters_caps_the_loop(lookup):
    lm = ScriptedLM([step("again", "lookup", {"city": "Paris"})] * 2 + [{"reasoning": "r", "answer": 1}])
    with using(lm):
        pred = ReAct(SIG, tools=[lookup], max_iters=2)(question="q")
    assert len(pred.trajectory) == 8 and pred.answer == 1
    lm = ScriptedLM([step("again", "lookup", {"city": "Paris"}), {"reasoning": "r", "answer": 1}])
    with using(lm):
        assert len(ReAct(SIG, tools=[lookup])(question="q", max_iters=1).trajectory) == 4


class ContextWindowExceededError(Exception):
    """Named like litellm's, which is how the client recognises it."""

    status_code = 400


class SmallWindowLM(ScriptedLM):
    """Raises a context-window error when the prompt has more than `limit` characters."""

    def __init__(self, answers, limit):
        super().__init__(answers)
        self.limit = limit
        self.rejected = 0

    def _complete(self, messages, n, params):
        if sum(len(m["content"]) for m in messages) > self.limit:
            self.rejected += 1
            raise ContextWindowExceededError("This model's maximum context length is 8192 tokens")
        return super()._complete(messages, n, params)


def test_oldest_steps_are_dropped_when_the_context_overflows():
    def fetch(page: int) -> str:
        """Fetch a long page."""
        return f"page {page}: " + "x" * 400
    answers = [step(f"page {i}", "fetch", {"page": i}) for i in range(4)]
    answers += [step("done", "finish", {}), {"reasoning": "r", "answer": 7}]
    probe = ScriptedLM(list(answers))
    with using(probe):
        ReAct(SIG, tools=[fetch])(question="q")
    lengths = [sum(len(m["content"]) for m in r.messages) for r in probe.requests]
    lm = SmallWindowLM(answers, limit=lengths[2] + 10)  # room for about two steps
    with using(lm):
        pred = ReAct(SIG, tools=[fetch])(question="q")
    assert pred.answer == 7 and lm.rejected >= 1
    assert len(pred.trajectory) == 20  # the prediction keeps every step
    last_prompt = lm.requests[-1].messages[-1]["content"]
    assert "observation_0" not in last_prompt and "observation_4" in last_prompt


def test_context_overflow_with_no_steps_left_is_an_error():
    lm = SmallWindowLM([step("s", "finish", {})], limit=10)
    with using(lm), pytest.raises(DspLMError, match="maximum context length"):
        ReAct(SIG, tools=[])(question="q")


def test_native_function_calling(openai_server, lookup):
    from openai_server import Reply

    def call(name, args):
        return [{"id": "call_1", "type": "function",
                 "function": {"name": name, "arguments": json.dumps(args)}}]
    openai_server.queue(
        Reply("[[ ## next_thought ## ]]\nLook it up.\n\n[[ ## completed ## ]]",
              tool_calls=call("lookup", {"city": "Paris"})),
        Reply("", tool_calls=call("lookup", {"town": "Paris"})),
        Reply("", tool_calls=call("finish", {})),
        Reply("[[ ## reasoning ## ]]\nfound it\n\n[[ ## answer ## ]]\n2100000\n\n[[ ## completed ## ]]"))
    lm = LM("openai/test-model", api_base=openai_server.url, api_key="sk-test", num_retries=0, cache=False)
    agent = ReAct(SIG, tools=[lookup], function_calling=True)
    with using(lm), trace.collecting() as tr:
        pred = agent(question="Population of Paris?")
    assert pred.answer == 2100000
    t = pred.trajectory
    assert (t["thought_0"], t["observation_0"]) == ("Look it up.", "2.1 million")
    assert t["observation_1"].startswith("Invalid arguments for lookup:")
    assert t["tool_name_2"] == "finish"
    tools = openai_server.requests[0]["tools"]
    assert [x["function"]["name"] for x in tools] == ["lookup", "finish"]
    assert tools[0]["function"]["parameters"]["required"] == ["city"]
    assert "tools" not in openai_server.requests[-1]  # the extraction is a plain call
    assert tr.predictor_calls()[0].outputs["next_tool_name"] == "lookup"


def test_in_a_module_with_paths_and_clone(lookup):
    ns = dsplang.run('''
signature QA = "question -> answer"
module Agent():
    act = ReAct(QA, tools=[])
    def forward(question: str):
        return act(question=question)
let agent = Agent()
''', "agent.dsp")
    agent = ns.agent
    assert [p for p, _ in agent.named_predictors()] == ["act.react", "act.extract.predict"]
    copy = agent.clone()
    assert copy.act.react is not agent.act.react
    assert copy.act.tools is agent.act.tools


def test_a_mistyped_keyword_is_an_error():
    with pytest.raises(DspArgumentError) as err:
        ReAct(SIG, tool=[multiply])
    assert err.value.hint == "did you mean 'tools'?"
