"""The LM layer: `LM` over litellm, the reply cache, usage accounting and `ScriptedLM`.
Which LM is current belongs to the run (`dsplang.context.lm`). Importing it does not import
litellm."""

from dsplang.lm.client import LM, LMResponse
from dsplang.lm.retry import RATE_LIMITS, RateLimitSignal
from dsplang.lm.scripted import ScriptedLM
from dsplang.lm.usage import Usage, UsageTotals, track

__all__ = ["LM", "LMResponse", "ScriptedLM", "Usage", "UsageTotals", "track", "RATE_LIMITS",
           "RateLimitSignal"]
