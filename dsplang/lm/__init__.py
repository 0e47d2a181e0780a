"""The LM layer: `LM` over litellm, the reply cache, usage accounting, `ScriptedLM`, and
the current-LM context. Importing it does not import litellm."""

from dsplang.lm.client import LM, LMResponse
from dsplang.lm.context import current_lm, set_cli_default, set_default, using
from dsplang.lm.retry import RATE_LIMITS, RateLimitSignal
from dsplang.lm.scripted import ScriptedLM
from dsplang.lm.usage import Usage, UsageTotals, track

__all__ = ["LM", "LMResponse", "ScriptedLM", "Usage", "UsageTotals", "track", "current_lm",
           "set_default", "set_cli_default", "using", "RATE_LIMITS", "RateLimitSignal"]
