"""Adapters turn a signature, demos and inputs into chat messages and parse replies back.

`ChatAdapter` (DSPy's `[[ ## field ## ]]` format) is the default; `JSONAdapter` asks
for a JSON object (with structured output where the provider supports it).
"""

from dsplang.stdlib.adapters.chat import ChatAdapter
from dsplang.stdlib.adapters.json_adapter import JSONAdapter
from dsplang.stdlib.adapters.parsing import FieldParseError, parse_value

__all__ = ["ChatAdapter", "JSONAdapter", "FieldParseError", "parse_value"]
