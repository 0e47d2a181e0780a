"""Tool schemas from .dsp defs and Python functions, argument checking, observations."""

from __future__ import annotations

import pytest

import dsplang
from dsplang.errors import DspTypeError, DspValueError
from dsplang.stdlib.modules.tools import Tool, as_tools, format_observation

SOURCE = '''
enum Unit: celsius, fahrenheit

type Place:
    city: str
    country: str

def weather(place: Place, unit: Unit = "celsius", days: int = 1) -> str:
    """Forecast the weather at a place."""
    return f"{place.city}: sunny for {days} days in {unit}"

def untyped(x):
    """No types here."""
    return x

def explode(msg: str):
    """Raises."""
    raise Error(msg)
'''


@pytest.fixture(scope="module")
def ns():
    return dsplang.run(SOURCE, "tools_test.dsp")


def add(a: int, b: int = 2) -> int:
    """Add two numbers.

    Returns their sum."""
    return a + b


def test_dsp_def_becomes_a_tool_with_typed_schema(ns):
    tool = Tool.from_callable(ns.weather)
    assert tool.name == "weather" and tool.desc == "Forecast the weather at a place."
    schema = tool.schema()
    assert schema["required"] == ["place"]
    assert tool.args["days"] == {"default": 1, "type": "integer"}
    assert "celsius" in str(schema["$defs"]) and "country" in str(schema["$defs"])
    assert tool.openai_schema()["function"]["parameters"] == schema


def test_dsp_tool_runs_with_validated_arguments(ns):
    tool = Tool.from_callable(ns.weather)
    text = tool.run({"place": {"city": "Oslo", "country": "Norway"}, "days": "3"})
    assert text == "Oslo: sunny for 3 days in celsius"


def test_bad_arguments_become_an_observation(ns):
    tool = Tool.from_callable(ns.weather)
    text = tool.run({"place": {"city": "Oslo"}, "unit": "kelvin", "extra": 1})
    assert text.startswith("Invalid arguments for weather:")
    assert "country" in text and "unit" in text and "extra" in text
    assert "It takes arguments" in text
    assert tool.run("not json").startswith("Invalid arguments for weather: the arguments are not a JSON object")


def test_errors_inside_tools_become_observations(ns):
    assert Tool.from_callable(ns.explode).run({"msg": "boom"}) == "Execution error in explode: boom"

    def broken(x: str) -> str:
        """Fails."""
        raise RuntimeError("service down")
    assert Tool.from_callable(broken).run({"x": "a"}) == "Execution error in broken: RuntimeError: service down"


def test_python_function_tool():
    tool = Tool.from_callable(add)
    assert tool.desc == "Add two numbers.\n\nReturns their sum."
    assert tool.args == {"a": {"type": "integer"}, "b": {"default": 2, "type": "integer"}}
    assert tool.run({"a": 40}) == "42"
    assert "It takes arguments" in tool.describe()


def test_untyped_parameters_accept_anything(ns):
    tool = Tool.from_callable(ns.untyped)
    assert tool.run({"x": [1, "a"]}) == '[1, "a"]'


def test_non_functions_and_duplicates_are_rejected(ns):
    with pytest.raises(DspTypeError):
        Tool.from_callable(42)
    with pytest.raises(DspTypeError):
        as_tools(add)
    with pytest.raises(DspValueError, match="two tools"):
        as_tools([add, add])
    lam = dsplang.run("let f = lambda x: x", "lam.dsp").f
    with pytest.raises(DspTypeError, match="lambda"):
        Tool.from_callable(lam)


def test_long_observations_are_clipped():
    assert format_observation({"a": 1}) == '{"a": 1}'
    assert format_observation("x" * 5000).endswith("(1000 more characters)")
