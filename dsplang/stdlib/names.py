"""The table of names (`dsplang.grammar.names`) as the interpreter's compiler reads it.

The table itself lives in the grammar layer; this module only re-exports it.
"""

from dsplang.grammar.names import (  # noqa: F401
    BUILTINS,
    CONSTANTS,
    ERROR_NAMES,
    GLOBAL_NAMES,
    LANGUAGE_BUILTINS,
    PREDICTORS,
    PYTHON_BUILTINS,
    SIGNATURE_TAKERS,
    TYPE_NAMES,
    type_suggestion,
)
