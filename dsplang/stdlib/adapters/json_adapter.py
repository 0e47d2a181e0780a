"""JSONAdapter: the inputs as `[[ ## field ## ]]` blocks, the outputs as one JSON object.

The system message has the same field descriptions and objective as the
ChatAdapter's, with the outputs shown as a JSON object. When the provider
supports structured output (litellm's `supports_response_schema`), the request
carries a strict JSON schema of the outputs as `response_format`; otherwise JSON
mode (`{"type": "json_object"}`) when the model takes `response_format`, else
plain prompting. Replies are read leniently: fences, prose around the object and
small JSON mistakes are forgiven, and each value is coerced by `parsing.py`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, get_args, get_origin

from dsplang.errors import DspOutputParseError
from dsplang.lm.client import quiet_litellm
from dsplang.lm.local import PROVIDER as LOCAL_PROVIDER
from dsplang.lm.scripted import ScriptedLM
from dsplang.stdlib.adapters.base import (
    STRUCTURE_INTRO,
    Adapter,
    Plan,
    field_block,
    field_descriptions,
    jsonable,
    output_type_hint,
    parse_error_with_reply,
    parse_outputs,
    placeholder,
    task_description,
)
from dsplang.stdlib.adapters.parsing import load_json
from dsplang.stdlib.signature import Signature

__all__ = ["JSONAdapter", "response_schema"]

JSON_MODE = {"type": "json_object"}


class JSONAdapter(Adapter):
    """Asks for the outputs as a JSON object and parses that object."""

    name = "json"

    def build_plan(self, signature: Signature) -> Plan:
        """The system message and the output reminder for `signature`."""
        outputs = json.dumps({f.name: placeholder(f) for f in signature.outputs}, indent=2,
                             ensure_ascii=False)
        structure = "\n\n".join([
            STRUCTURE_INTRO,
            "Inputs will have the following structure:",
            "\n\n".join(field_block(f.name, placeholder(f)) for f in signature.inputs),
            "Outputs will be a JSON object with the following fields.",
            outputs,
        ]).strip()
        system = (f"{field_descriptions(signature)}\n{structure}\n"
                  f"{task_description(signature.instructions)}")
        fields = ", then ".join(f"`{f.name}`{output_type_hint(f)}" for f in signature.outputs)
        requirements = f"Respond with a JSON object in the following order of fields: {fields}."
        return Plan(system, signature, requirements)

    def assistant_content(self, signature: Signature, outputs: Mapping[str, Any],
                          missing: str | None) -> str:
        """The outputs as an indented JSON object, in signature order."""
        data = {}
        for spec in signature.outputs:
            if spec.name in outputs:
                data[spec.name] = jsonable(outputs[spec.name])
            elif missing is not None:
                data[spec.name] = missing
        return json.dumps(data, indent=2, ensure_ascii=False)

    def parse(self, signature: Signature, text: str) -> dict[str, Any]:
        """Typed output values from a reply holding a JSON object (keys match case-insensitively)."""
        plan = self.plan(signature)
        try:
            obj = load_json(text)
        except ValueError as err:
            raise _not_an_object(text, str(err)) from None
        if not isinstance(obj, dict):
            raise _not_an_object(text, f"found a JSON {type(obj).__name__} instead")
        found: dict[str, Any] = {}
        for key, value in obj.items():
            name = plan.outputs.resolve(str(key))
            if name is not None and name not in found:
                found[name] = value
        return parse_outputs(signature, plan, found, text, "JSONAdapter")

    def request_kwargs(self, lm: Any, signature: Signature) -> dict:
        """`response_format`: the outputs' strict JSON schema where the model supports it,
        JSON mode where it takes `response_format` at all, else nothing.
        A ScriptedLM gets the schema without litellm being consulted."""
        schema_ok = not _has_open_mapping(signature)
        if _is_scripted(lm):
            return {"response_format": response_schema(signature) if schema_ok else JSON_MODE}
        model = getattr(lm, "model", None)
        if not isinstance(model, str):
            return {}
        schema_support, json_support = _model_support(model)
        if schema_ok and schema_support:
            return {"response_format": response_schema(signature)}
        return {"response_format": JSON_MODE} if json_support else {}


def _not_an_object(text: str, reason: str) -> DspOutputParseError:
    err = DspOutputParseError(f"the LM reply is not a JSON object ({reason}; JSONAdapter)")
    return parse_error_with_reply(err, text)


def _is_scripted(lm: Any) -> bool:
    return isinstance(lm, ScriptedLM)


@lru_cache(maxsize=256)
def _model_support(model: str) -> tuple[bool, bool]:
    """(supports a JSON schema, takes response_format) for a litellm model; (False, False)
    when litellm cannot tell. An embedded local model (`local/...`) takes a schema: llama.cpp
    enforces it with a grammar (answered here, before the model is registered with litellm)."""
    if model.startswith(LOCAL_PROVIDER + "/"):
        return True, True
    try:    # quiet: otherwise unknown models print a provider list
        with quiet_litellm() as litellm:  # heavy: only when a real model is used
            try:
                schema = bool(litellm.supports_response_schema(model=model))
            except Exception:  # litellm raises for models it does not know
                schema = False
            try:
                params = litellm.get_supported_openai_params(model=model) or []
            except Exception:
                params = []
    except ImportError:
        return False, False
    return schema, schema or "response_format" in params


def _has_open_mapping(signature: Signature) -> bool:
    """Whether an output is a dict (strict schemas need every property named)."""
    return any(annotation is dict or get_origin(annotation) is dict or
               any(get_origin(a) is dict for a in get_args(annotation))
               for annotation in (f.annotation for f in signature.outputs))


def response_schema(signature: Signature) -> dict:
    """The `response_format` for structured output: a strict JSON schema of the outputs,
    every object closed (`additionalProperties: false`) and listing all its properties
    as required. Built once per signature; each call gets its own copy."""
    schema = signature.cached("response_schema", lambda: _build_response_schema(signature))
    return copy.deepcopy(schema)


def _build_response_schema(signature: Signature) -> dict:
    schema = signature.output_model().model_json_schema()
    _close_objects(schema)
    name = "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in signature.name)[:64]
    return {"type": "json_schema",
            "json_schema": {"name": name or "outputs", "strict": True, "schema": schema}}


def _close_objects(node: Any) -> None:
    """Make every object schema strict, recursively (properties, items, unions, $defs)."""
    if isinstance(node, list):
        for item in node:
            _close_objects(item)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "object":
        node.setdefault("properties", {})
        node["required"] = list(node["properties"])
        node["additionalProperties"] = False
    node.pop("default", None)
    for key in ("properties", "$defs"):
        for child in node.get(key, {}).values():
            _close_objects(child)
    for key in ("items", "anyOf", "allOf", "oneOf"):
        if key in node:
            _close_objects(node[key])
