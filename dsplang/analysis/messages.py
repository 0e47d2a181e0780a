"""The wording of the mistakes that both `dsp check` and a run report: one function per
message, returning `(message, hint)`, called by the static checks (`analysis.usage`) and by the
standard library when the same mistake is made at run time, so the two never drift apart.

The analysis layer sits below the standard library, which may import this module (it imports
nothing but `errors`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from dsplang.errors import did_you_mean

Message = tuple[str, str | None]


def unknown_input(signature: str, key: str, inputs: Sequence[str]) -> Message:
    """A predictor called with a keyword that is not an input of its signature."""
    return (f"signature {signature} has no input {key!r}",
            did_you_mean(key, inputs) or f"its inputs are: {', '.join(inputs)}")


def missing_inputs(signature: str, missing: Sequence[str], inputs: Sequence[str]) -> Message:
    """A predictor called without some required inputs of its signature."""
    noun = "input" if len(missing) == 1 else "inputs"
    words = ", ".join(repr(m) for m in missing)
    return f"missing {noun} {words} for signature {signature}", f"its inputs are: {', '.join(inputs)}"


def positional_predictor_call(name: str, inputs: Sequence[str]) -> Message:
    """A predictor called with positional arguments (`name` is the predictor's name: its
    signature's, or its path in a module)."""
    return (f"{name}: a predictor takes keyword arguments, not positional ones",
            "its inputs are: " + ", ".join(inputs))


def no_output_fields(signature: str) -> Message:
    """A signature declared without an output field."""
    return f"signature {signature} has no output fields", "add a line `output NAME: TYPE`"


def signature_field_twice(signature: str, field: str, first_line: int | None = None) -> Message:
    """A signature with two fields of one name (`first_line`: where the first is, when known)."""
    return (f"field {field!r} appears twice in signature {signature}",
            None if first_line is None else f"it is first declared on line {first_line}")


def prediction_has_no_field(key: str, fields: Collection[str]) -> Message:
    """`pred.anwser`: a prediction read by a name that is not one of its fields."""
    return f"the prediction has no field {key!r}", prediction_field_hint(key, fields)


def prediction_field_hint(key: str, fields: Collection[str]) -> str:
    return did_you_mean(key, fields) or f"its fields are: {', '.join(fields)}"


def unknown_keyword(owner: str, key: str, params: Sequence[str]) -> Message:
    """`BootstrapFewShot(max_bootstraped_demos=4)`: a keyword the constructor does not take."""
    return (f"{owner}() got an unknown keyword argument {key!r}",
            did_you_mean(key, params) or "its parameters are: " + ", ".join(params))


def keyword_typo(owner: str, key: str, params: Sequence[str]) -> Message | None:
    """A keyword a predictor's constructor passes on to the LM as a request setting, when it is
    close to one of the constructor's own (`ReAct(QA, tool=[...])`); None when it is not."""
    hint = did_you_mean(key, params)
    return (f"{owner} got an unknown keyword argument {key!r}", hint) if hint else None


def reasoning_input(signature: str) -> Message:
    """ChainOfThought over a signature with an input named `reasoning` (its own output's name).
    A signature with its own `reasoning` output is fine: ChainOfThought keeps that one."""
    return (f"ChainOfThought adds an output named 'reasoning', but signature {signature} has an "
            f"input of that name", "rename that input")


def record_has_no_field(record: str, key: str, fields: Sequence[str]) -> Message:
    """A record made with a field name it does not declare."""
    return f"{record} has no field {key!r}", did_you_mean(key, fields)


def record_field_problem(record: str, field: str, problem: str) -> str:
    """A record field given a value of the wrong type (`problem` is the validator's words)."""
    return f"{record}: field {field!r}: {problem}"


def record_too_many_values(record: str, fields: int, given: int) -> str:
    """A record made with more positional values than it has fields."""
    return f"{record}() takes {fields} fields, got {given} positional values"


def record_field_twice(record: str, field: str) -> str:
    """A record field given both positionally and by keyword."""
    return f"{record}() got field {field!r} twice"


def signature_label(spec: str) -> str:
    """The name of a signature made from a short-form string: the text, spaces collapsed."""
    return " ".join(spec.split())
