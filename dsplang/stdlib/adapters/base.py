"""What the chat and JSON adapters share: value formatting, the field descriptions and
type notes of the system message, demo selection, and the missing-field error.

The wording follows DSPy's adapters so prompts are comparable; type names are
written the dsplang way (`list[str]`, `optional[int]`).
"""

from __future__ import annotations

import enum
import json
import textwrap
from collections.abc import Iterable, Mapping
from typing import Any, Literal, get_args, get_origin

from dsplang.errors import DspOutputParseError
from dsplang.lm.prompt import Prompt
from dsplang.stdlib.adapters.parsing import FieldParseError, clip, parser_for
from dsplang.stdlib.history import History, as_history, check_history
from dsplang.stdlib.image import Image, image_kind, revive
from dsplang.stdlib.signature import FieldSpec, Signature
from dsplang.stdlib.types import allows_none, optional_inner, type_adapter

INCOMPLETE_DEMO_PREFIX = "This is an example of the task, though some input or output fields are not supplied."
MISSING_IN_DEMO = "Not supplied for this particular example. "
REASONING = "reasoning"     # the output a model's own reasoning fills (`Adapter.parse_reply`)
STRUCTURE_INTRO = "All interactions will be structured in the following way, with the appropriate values filled in."


# ---------------------------------------------------------------- values

def jsonable(value: Any) -> Any:
    """`value` as plain JSON data (records become dicts, enums their strings)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    import pydantic_core  # on first use: a prompt of strings never needs it
    return pydantic_core.to_jsonable_python(value, fallback=str)


def format_value(value: Any, annotation: object) -> str:
    """A field value as prompt text: strings as is, a list in a `str` field as a numbered
    list of «blobs», containers, records and a History (in a demo) as JSON, anything else via str()."""
    if isinstance(value, str):
        return value
    if isinstance(value, History):
        return json.dumps(jsonable(value.to_dict()), ensure_ascii=False)
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, list) and annotation is str:
        return _numbered_list(value)
    data = jsonable(value)
    if isinstance(data, (dict, list)):
        return json.dumps(data, ensure_ascii=False)
    return str(data)


def _numbered_list(items: list) -> str:
    if not items:
        return "N/A"
    if len(items) == 1:
        return _blob(str(items[0]))
    return "\n".join(f"[{i}] {_blob(str(item))}" for i, item in enumerate(items, 1))


def _blob(text: str) -> str:
    """One list item, fenced with « » so items that span lines stay apart."""
    if "\n" not in text and "«" not in text and "»" not in text:
        return f"«{text}»"
    indented = text.replace("\n", "\n    ")
    return f"«««\n    {indented}\n»»»"


def field_block(name: str, text: str) -> str:
    """`[[ ## name ## ]]` followed by the field's text on the next line."""
    return f"[[ ## {name} ## ]]\n{text}"


# ---------------------------------------------------------------- the system message parts

def field_descriptions(signature: Signature) -> str:
    """"Your input fields are: 1. `q` (str): desc ..." then the same for the outputs."""
    return (f"Your input fields are:\n{_enumerate(signature.inputs)}\n"
            f"Your output fields are:\n{_enumerate(signature.outputs)}")


def _enumerate(fields: Iterable[FieldSpec]) -> str:
    lines = [f"{i}. `{f.name}` ({f.type_name}): {f.desc or ''}" for i, f in enumerate(fields, 1)]
    return "\n".join(lines).strip()


def type_note(spec: FieldSpec) -> str:
    """What an output value must look like, for non-string outputs ("" for str and inputs)."""
    annotation = spec.annotation
    if spec.direction == "input" or annotation is str:
        return ""
    if annotation is bool:
        return "must be True or False"
    if annotation in (int, float):
        return f"must be a single {annotation.__name__} value"
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "must be one of: " + "; ".join(str(m.value) for m in annotation)
    if get_origin(annotation) is Literal:
        values = "; ".join(str(v) for v in get_args(annotation))
        return f"must exactly match (no extra characters) one of: {values}"
    schema = json.dumps(_type_first(type_adapter(annotation).json_schema()), ensure_ascii=False)
    return f"must adhere to the JSON schema: {schema}"


def _type_first(node: Any) -> Any:
    """The schema with each object's "type" key first (models follow it more reliably)."""
    if isinstance(node, Mapping):
        return {k: _type_first(v) for k, v in sorted(node.items(), key=lambda kv: (kv[0] != "type", kv[0]))}
    if isinstance(node, list):
        return [_type_first(v) for v in node]
    return node


def placeholder(spec: FieldSpec) -> str:
    """`{name}`, followed for typed outputs by `# note: the value you produce must ...`."""
    note = type_note(spec)
    return f"{{{spec.name}}}" + (f"        # note: the value you produce {note}" if note else "")


def task_description(instructions: str) -> str:
    """"In adhering to this structure, your objective is: " and the indented instructions."""
    lines = textwrap.dedent(instructions).splitlines()
    return "In adhering to this structure, your objective is: " + "".join(
        "\n        " + line for line in lines)


def output_type_hint(spec: FieldSpec) -> str:
    """" (must be formatted as a valid Python int)" for non-string outputs, else ""."""
    if spec.annotation is str:
        return ""
    return f" (must be formatted as a valid Python {spec.type_name})"


def history_field(signature: Signature) -> str | None:
    """The name of the signature's first `History` input, or None."""
    return signature.cached("history_field", lambda: next(
        (spec.name for spec in signature.inputs
         if spec.annotation is History or optional_inner(spec.annotation) is History), None))


# ---------------------------------------------------------------- demos

def as_dict(demo: Any) -> Mapping[str, Any]:
    """A demo as a mapping (dicts as they are; Example-like objects through dict())."""
    return demo if isinstance(demo, Mapping) else dict(demo)


def split_demos(signature: Signature, demos: Iterable[Any]) -> tuple[list, list]:
    """(incomplete, complete) demos, as DSPy orders them: complete ones have every field
    (not none); incomplete ones are kept only if they have an input and an output."""
    complete, incomplete = [], []
    for demo in demos:
        demo = as_dict(demo)
        if all(demo.get(f.name) is not None for f in signature.fields):
            complete.append(demo)
        elif any(f.name in demo for f in signature.inputs) and any(f.name in demo for f in signature.outputs):
            incomplete.append(demo)
    return incomplete, complete


# ---------------------------------------------------------------- parsing outputs

class OutputPlan:
    """The output fields of a signature with their parsers, and name matching that
    forgives case (`Answer` for `answer`)."""

    __slots__ = ("fields", "by_folded")

    def __init__(self, signature: Signature):
        self.fields = [(spec, parser_for(spec.annotation)) for spec in signature.outputs]
        self.by_folded = {spec.name.casefold(): spec.name for spec in signature.outputs}

    def resolve(self, key: str) -> str | None:
        """The output field a key in the reply names, or None."""
        return self.by_folded.get(key.casefold())


class Plan:
    """The signature-dependent parts of an adapter's prompt, built once per signature."""

    __slots__ = ("system", "inputs", "requirements", "outputs")

    def __init__(self, system: str, signature: Signature, requirements: str):
        self.system = system
        self.inputs = [(spec.name, spec.annotation) for spec in signature.inputs]
        self.requirements = requirements
        self.outputs = OutputPlan(signature)


class Adapter:
    """The message layout both adapters share: a system message, demos as user/assistant
    pairs, then the user message with the inputs and the reminder of what to produce.
    Subclasses build the `Plan` and write the assistant side."""

    name = "adapter"

    def plan(self, signature: Signature) -> Plan:
        """The cached prompt parts for `signature`."""
        return signature.cached((type(self).__name__, "plan"), lambda: self.build_plan(signature))

    def build_plan(self, signature: Signature) -> Plan:
        raise NotImplementedError

    def assistant_content(self, signature: Signature, outputs: Mapping[str, Any],
                          missing: str | None) -> str:
        """The assistant text for `outputs`; a field absent from `outputs` is written as
        `missing`, or left out when `missing` is None."""
        raise NotImplementedError

    def format(self, signature: Signature, demos: Iterable[Any], inputs: Mapping[str, Any]) -> list[dict]:
        """The chat messages for one call: system, demo pairs, the turns of a `History` input
        (if the signature has one), then the user turn (a `Prompt` that knows this adapter
        wrote it, for a ScriptedLM's replies)."""
        plan = self.plan(signature)
        messages = Prompt([{"role": "system", "content": plan.system}])
        messages.adapter, messages.signature = self, signature
        if demos:
            messages.extend(self.format_demos(signature, plan, demos))
        field = history_field(signature)
        if field is not None and field in inputs:
            history = as_history(inputs[field], field)
            if history is not None:
                messages.extend(self.format_turns(signature, plan, history))
            inputs = {name: value for name, value in inputs.items() if name != field}
        messages.append({"role": "user", "content": user_content(plan, inputs, main=True)})
        return messages

    def format_turns(self, signature: Signature, plan: Plan, history: History) -> list[dict]:
        """A conversation's turns as chat messages: each turn's inputs as a user message, its
        outputs as the assistant's reply (a turn may lack either; one with no field of the
        signature is an error)."""
        field = history_field(signature)
        messages = []
        check_history(history, field or "", [spec.name for spec in signature.fields])
        for turn in history.turns():
            values = {name: value for name, value in turn.items() if name != field}
            said = user_content(plan, values)
            answered = any(spec.name in values for spec in signature.outputs)
            if said:
                messages.append({"role": "user", "content": said})
            if answered:
                messages.append({"role": "assistant", "content": self.assistant_content(signature, values, None)})
        return messages

    def format_demos(self, signature: Signature, plan: Plan, demos: Iterable[Any]) -> list[dict]:
        """Demos as user/assistant pairs: incomplete ones first (with a note), then complete.

        Unlike DSPy, a demo's user turn ends with the same reminder of the outputs as the
        request: the demos then show exactly the exchange the model is asked to continue.
        Small models copy the last demo's answer when the request's turn looks unlike the
        demos' (SmolLM2-135M, five BBC News demos: 43% without the reminder, 65% with it).
        """
        incomplete, complete = split_demos(signature, demos)
        messages = []
        for demo in incomplete:
            messages.append({"role": "user", "content": user_content(plan, demo, INCOMPLETE_DEMO_PREFIX, True)})
            messages.append({"role": "assistant",
                             "content": self.assistant_content(signature, demo, MISSING_IN_DEMO)})
        for demo in complete:
            messages.append({"role": "user", "content": user_content(plan, demo, main=True)})
            messages.append({"role": "assistant", "content": self.assistant_content(signature, demo, None)})
        return messages

    def parse_reply(self, signature: Signature, text: str, reasoning: str | None = None) -> dict[str, Any]:
        """`parse`, where a reasoning model's own reasoning (`reasoning_content`), when given,
        is the value of a `reasoning: str` output (ChainOfThought's) in place of any the text
        holds; the text then needs only the other outputs."""
        if reasoning is None or not any(spec.name == REASONING and spec.annotation is str
                                        for spec in signature.outputs):
            return self.parse(signature, text)
        rest = [f for f in signature.outputs if f.name != REASONING]
        values = self.parse(signature.cached("without_reasoning", lambda: signature.with_outputs(rest)),
                            text) if rest else {}
        return {spec.name: reasoning if spec.name == REASONING else values[spec.name] for spec in signature.outputs}

    def format_reply(self, signature: Signature, outputs: Mapping[str, Any]) -> str:
        """The assistant text that `parse` reads back as `outputs` (demos, ScriptedLM).
        Output fields absent from `outputs` are left out of the reply."""
        return self.assistant_content(signature, outputs, None)

    def request_kwargs(self, lm: Any, signature: Signature) -> dict:
        """Extra request parameters for the LM call (none by default)."""
        return {}


def user_content(plan: Plan, values: Mapping[str, Any], prefix: str = "",
                 main: bool = False) -> str | list[dict]:
    """A user turn: the inputs present in `values`, in signature order, as field blocks;
    with `main` (the request and every demo) it ends with the reminder of the outputs.
    Text, unless an input holds an Image: then a list of content parts, each image in its
    field's place (`content_parts`)."""
    parts: list[str | list[Image]] = [prefix] if prefix else []
    for name, annotation in plan.inputs:
        if name in values:
            images = image_value(values[name], annotation)
            if images is None:
                parts.append(f"[[ ## {name} ## ]]\n{format_value(values[name], annotation)}")
            else:
                parts += [f"[[ ## {name} ## ]]", images]
    if main:
        parts.append(plan.requirements)
    if all(isinstance(part, str) for part in parts):
        return "\n\n".join(parts).strip()  # type: ignore[arg-type]
    return content_parts(parts)


def image_value(value: Any, annotation: object = None) -> list[Image] | None:
    """The Images a field value is (an Image, or a non-empty list of them), else None. In a
    field of an Image type, a loaded demo's `{"url": ...}` is an Image again."""
    if annotation is not None and image_kind(annotation) is not None:
        value = revive(value)
    if isinstance(value, Image):
        return [value]
    if isinstance(value, (list, tuple)) and value and all(isinstance(item, Image) for item in value):
        return list(value)
    return None


def content_parts(parts: list[str | list[Image]]) -> list[dict]:
    """OpenAI content parts: neighbouring texts joined by blank lines into one text part,
    each image an `image_url` part."""
    out: list[dict] = []
    texts: list[str] = []
    for part in parts:
        if isinstance(part, str):
            texts.append(part)
            continue
        if texts:
            out.append({"type": "text", "text": "\n\n".join(texts).strip()})
            texts = []
        out.extend(image.part() for image in part)
    if texts:
        out.append({"type": "text", "text": "\n\n".join(texts).strip()})
    return out


def parse_outputs(signature: Signature, plan: Plan, found: Mapping[str, Any], raw: str,
                  adapter: str) -> dict[str, Any]:
    """Typed values for every output field from `found` (field name -> raw value).
    A missing field whose type allows none becomes None; other missing fields raise."""
    values: dict[str, Any] = {}
    missing = []
    for spec, parser in plan.outputs.fields:
        if spec.name in found:
            try:
                values[spec.name] = parser(found[spec.name])
            except ValueError as err:
                error = FieldParseError(spec.name, found[spec.name], str(err))
                raise parse_error_with_reply(error, raw) from None
        elif allows_none(spec.annotation):
            values[spec.name] = None
        else:
            missing.append(spec.name)
    if missing:
        raise missing_fields_error(signature, missing, raw, adapter)
    return values


def missing_fields_error(signature: Signature, missing: list[str], raw: str,
                         adapter: str) -> DspOutputParseError:
    """The error for a reply that lacks required output fields; it shows the reply."""
    names = ", ".join(repr(m) for m in missing)
    noun = "field" if len(missing) == 1 else "fields"
    err = DspOutputParseError(
        f"the LM reply has no output {noun} {names} (signature {signature.name} "
        f"expects {', '.join(signature.output_names)}; {adapter})")
    err.notes.append(f"the LM replied: {clip(raw, 1000)}")
    err.raw = raw  # type: ignore[attr-defined]
    err.missing = missing  # type: ignore[attr-defined]
    return err


def parse_error_with_reply(err: DspOutputParseError, raw: str) -> DspOutputParseError:
    """Add the whole reply to a field's parse error (once)."""
    if not getattr(err, "raw_reply", None):
        err.raw_reply = raw  # type: ignore[attr-defined]
        err.notes.append(f"the LM replied: {clip(raw, 1000)}")
    return err

