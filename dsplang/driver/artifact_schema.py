"""The shape of a compiled-program file, as pydantic models (built on first use): what `load`
and the compile cache accept before they change anything.

A file is checked whole: its format version first (a file from a newer dsplang is refused
as such, whatever else it holds), then every entry, strictly (no text where a number
belongs, no unknown entries; LM settings, configs, optimizer settings and demo values are
free-form). A predictor holds at most `MAX_DEMOS` demos. The first problems found are
named in the error, with the path to the entry (`predictors.respond.predict.fields`).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Literal

from dsplang.stdlib.types import describe_validation_error

if TYPE_CHECKING:
    import pydantic

FORMAT = 1
MAX_DEMOS = 1000        # per predictor; a prompt with more would not fit any model's context
_SHOWN_PROBLEMS = 3


@functools.cache
def file_model() -> type[pydantic.BaseModel]:
    """The pydantic model of a whole file, built on first use: importing pydantic and building
    the models takes longer than a cached run of a small program, which never reads a file."""
    import pydantic
    from pydantic import BaseModel, ConfigDict, Field
    from pydantic_core import PydanticCustomError

    class _Entry(BaseModel):
        model_config = ConfigDict(strict=True, extra="forbid")

    class FieldEntry(_Entry):
        direction: Literal["input", "output"]
        type: str
        desc: str | None = None

    class LMEntry(BaseModel):
        model_config = ConfigDict(strict=True, extra="allow")
        model: str

    class PredictorEntry(_Entry):
        signature: str
        instructions: str | None
        fields: dict[str, FieldEntry]
        demos: list[dict[str, Any]]
        lm: LMEntry | None = None
        config: dict[str, Any] = Field(default_factory=dict)

        @pydantic.field_validator("demos", mode="after")
        @classmethod
        def _not_too_many(cls, demos: list) -> list:
            if len(demos) > MAX_DEMOS:
                raise PydanticCustomError("too_many_demos",
                                          "{count} demos, more than the {most} a predictor may hold",
                                          {"count": f"{len(demos):,}", "most": f"{MAX_DEMOS:,}"})
            return demos

    class CandidateEntry(_Entry):
        label: str
        score: float | None
        evaluated: int
        note: str

    class ScoresEntry(_Entry):
        best: float | None
        chosen: int | None
        valset_size: int
        stopped: str | None
        candidates: list[CandidateEntry]

    class RunEntry(_Entry):
        calls: int = 0
        cache_hits: int = 0
        prompt_tokens: int = 0
        completion_tokens: int = 0
        cost: float | None = None
        failed_calls: int = 0
        wall_time: float = 0.0

    class OptimizerEntry(_Entry):
        name: str
        settings: dict[str, Any]

    class ArtifactFile(_Entry):
        dsplang_artifact: int
        language_version: int
        dsplang_version: str
        program: str
        source_hash: str | None
        data_hash: str | None
        optimizer: OptimizerEntry | None
        lm: LMEntry | None
        reuse_key: str | None
        scores: ScoresEntry | None
        run: RunEntry | None
        predictors: dict[str, PredictorEntry]

    return ArtifactFile


def problem(data: Any) -> str | None:
    """What is wrong with a file's parsed JSON, in words, or None when it is a valid file."""
    if not isinstance(data, dict):
        return "it holds no JSON object"
    version = data.get("dsplang_artifact")
    if version is None or "predictors" not in data:
        return "it has no dsplang_artifact and predictors entries"
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        return f"its format version (dsplang_artifact) is {version!r}, not a whole number of at least 1"
    if version > FORMAT:
        return (f"it was written by a newer dsplang (format {version}); this one reads format {FORMAT}, "
                "so upgrade dsplang or compile the program again")
    import pydantic

    try:
        file_model().model_validate(data)
    except pydantic.ValidationError as err:
        return describe_validation_error(err, limit=_SHOWN_PROBLEMS)
    return None
