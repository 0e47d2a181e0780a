"""ChatAdapter: DSPy's `[[ ## field ## ]]` wire format.

The system message lists the input and output fields (name, type, description),
shows the structure of an exchange — each field under its `[[ ## name ## ]]`
header, typed outputs with a note on what their value must be (a JSON schema for
structured types), ending with `[[ ## completed ## ]]` — and states the
objective (the signature's instructions). Demos are user/assistant pairs. The
final user message holds the inputs and a reminder of the outputs to produce.

The reply is split at the headers; the first section for each output field is
parsed into the field's type (`parsing.py`). Everything that depends only on the
signature is built once per signature (`Adapter.plan`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dsplang.stdlib.adapters.base import (
    STRUCTURE_INTRO,
    Adapter,
    Plan,
    field_block,
    field_descriptions,
    format_value,
    output_type_hint,
    parse_outputs,
    placeholder,
    task_description,
)
from dsplang.stdlib.signature import Signature

__all__ = ["ChatAdapter"]

# Forgiving about spacing inside the brackets; a header starts its line.
_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*##[ \t]*(\w+)[ \t]*##[ \t]*\]\][ \t]*", re.MULTILINE)
COMPLETED = "[[ ## completed ## ]]"


class ChatAdapter(Adapter):
    """Formats calls in DSPy's chat format and parses replies written in it."""

    name = "chat"

    def build_plan(self, signature: Signature) -> Plan:
        """The system message and the output reminder for `signature`."""
        structure = "\n\n".join([
            STRUCTURE_INTRO,
            "\n\n".join(field_block(f.name, placeholder(f)) for f in signature.inputs),
            "\n\n".join(field_block(f.name, placeholder(f)) for f in signature.outputs),
            COMPLETED,
        ]).strip()
        system = (f"{field_descriptions(signature)}\n{structure}\n"
                  f"{task_description(signature.instructions)}")
        fields = ", then ".join(f"`[[ ## {f.name} ## ]]`{output_type_hint(f)}" for f in signature.outputs)
        requirements = (f"Respond with the corresponding output fields, starting with the field {fields}, "
                        f"and then ending with the marker for `{COMPLETED}`.")
        return Plan(system, signature, requirements)

    def assistant_content(self, signature: Signature, outputs: Mapping[str, Any],
                          missing: str | None) -> str:
        """Each output under its header, then the completed marker."""
        blocks = []
        for spec in signature.outputs:
            if spec.name in outputs:
                blocks.append(field_block(spec.name, format_value(outputs[spec.name], spec.annotation)))
            elif missing is not None:
                blocks.append(field_block(spec.name, missing))
        return "\n\n".join(blocks).strip() + f"\n\n{COMPLETED}\n"

    def parse(self, signature: Signature, text: str) -> dict[str, Any]:
        """Typed output values from a reply in the header format.

        The first section of each output field counts; headers that name no output
        (inputs echoed back, `completed`) end the previous section. A reply with no
        headers at all is taken whole as the value of a signature's only output.
        """
        plan = self.plan(signature)
        headers = list(_HEADER.finditer(text))
        found: dict[str, str] = {}
        for index, match in enumerate(headers):
            name = plan.outputs.resolve(match.group(1))
            if name is None or name in found:
                continue
            end = headers[index + 1].start() if index + 1 < len(headers) else len(text)
            found[name] = text[match.end():end].strip()
        if not headers and len(signature.outputs) == 1 and text.strip():
            found[signature.outputs[0].name] = text.strip()
        return parse_outputs(signature, plan, found, text, "ChatAdapter")
