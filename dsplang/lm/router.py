"""The litellm Routers behind router LMs (`LM("fast", router={...})`, `lm.router_config`).

A router LM sends each request to `router.completion(model=GROUP, ...)` (`acompletion` when
awaited, with `stream=True` when streamed) instead of `litellm.completion`. The router picks a
deployment of the group by its `routing_strategy`, and when one fails with a rate limit (429),
a timeout or a server error it puts that deployment in cooldown and retries the request on
another (`num_retries` of the configuration, litellm's default 2), then on the `fallbacks`. So
that it can, the LM does not pass its `num_retries=0` to the router; the LM's own retry policy
(`lm.retry`, with its backoff) still wraps the whole call, for when every deployment is cooling
down.

One Router is built per distinct configuration in a process, on the first request, and shared
by every LM (and copy) made with that configuration: the cooldowns and usage counts it keeps
are the process's knowledge of its deployments. It works from every thread and event loop.

A 429 the router absorbs (it moved the request to another deployment) never reaches the LM;
`lm.router_limits` tells the run's rate-limit signal about the ones that matter: each request
is tagged with its Router's key (`tag`) so that litellm's failure callback can find it.

`answered_by` says which deployment answered: its litellm model (`openai/gpt-4o-mini`), which
becomes the reply's `model` (so usage, cost, history and traces name the deployment that was
used), and its id (`model_info.id`, or the one litellm made up for it).
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from dsplang.errors import DspLMError
from dsplang.lm import router_limits
from dsplang.lm.cache import canonical_json

_routers: dict[str, tuple[Any, dict]] = {}     # key -> (Router, its configuration)
_lock = threading.Lock()


def key_of(config: dict) -> str:
    """The key of `config`'s Router: it holds the credentials' hash, not their text, and never
    leaves the process (it goes in the requests' litellm metadata, which is not sent)."""
    return hashlib.sha256(canonical_json(config).encode("utf-8")).hexdigest()


def router_for(litellm: Any, config: dict) -> Any:
    """The process's `litellm.Router` for `config` (checked by `router_config.check`)."""
    key = key_of(config)
    with _lock:
        found = _routers.get(key)
        if found is None:
            try:
                found = _routers[key] = (litellm.Router(**config), config)
            except (TypeError, ValueError) as exc:   # pydantic's ValidationError is a ValueError
                raise DspLMError(f"LM router: litellm refused the configuration: {exc}",
                                 hint="see https://docs.litellm.ai/docs/routing") from exc
    router_limits.watch(litellm, _lookup)
    return found[0]


def tag(call: dict, config: dict) -> None:
    """Mark a request's litellm arguments as going through `config`'s Router (`lm.router_limits`)."""
    router_limits.tag(call, key_of(config))


def _lookup(key: str) -> tuple[Any, dict] | None:
    with _lock:
        return _routers.get(key)


def answered_by(router: Any, config: dict, raw: Any) -> tuple[str | None, str | None]:
    """The litellm model and the id of the deployment that sent `raw` (None when unknown)."""
    hidden = getattr(raw, "_hidden_params", None)
    hidden = hidden if isinstance(hidden, dict) else {}
    deployment = hidden.get("model_id")
    model = hidden.get("litellm_model_name")
    if model is None and deployment is not None:
        model = _model_of(router, config, str(deployment))
    return (str(model) if model else None), (str(deployment) if deployment else None)


def _model_of(router: Any, config: dict, deployment: str) -> str | None:
    """The litellm model of deployment `deployment`: from the configuration when it named its ids,
    else from the router's list (where litellm put the ids it made up)."""
    for entry in config["model_list"]:
        if (entry.get("model_info") or {}).get("id") == deployment:
            return entry["litellm_params"]["model"]
    for entry in router.get_model_list() or ():
        if (entry.get("model_info") or {}).get("id") == deployment:
            return (entry.get("litellm_params") or {}).get("model")
    return None


def forget() -> None:
    """Drop the routers built so far (their cooldowns and counts): the next request builds anew."""
    with _lock:
        _routers.clear()
