"""Rate limits a router absorbs, told to the run's rate-limit signal (`retry.RATE_LIMITS`).

A router LM's Router retries a request that a deployment answered with 429 on another
deployment, or on a fallback group, so the LM never sees that 429 and its retry policy never
signals it. The thread and async pools of a run slow down on that signal (`stdlib.parallel_runner`,
`stdlib.async_runner`), so the Router's 429s are signalled here, by a litellm failure callback
that sees every deployment call the Router makes:

- a 429 from a deployment while another deployment the request can move to (one of its group's
  others, or of a group it falls back to) is not cooling down is NOT signalled: the Router puts
  the limited one in cooldown and the work goes on at full speed elsewhere, so slowing every
  worker down would waste capacity the run has;
- a 429 from a deployment when every other one is cooling down, or when it is the group's only
  deployment (litellm retries on it, and does not cool a lone deployment down), is signalled,
  naming the deployment's model: the run as a whole is over the limits it has.

When the Router finally gives up, the LM's retry policy signals that 429 too, as for any LM
(a pool halves its width at most once a second, so the second signal of one failure changes
nothing). Only the requests of router LMs are watched: each carries the key of its Router in
its litellm `metadata` (`TAG`); other litellm calls in the process (a host application's own)
are left alone. The callback is registered once per process, on the first Router built.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from dsplang.lm.retry import RATE_LIMITS, classify

TAG = "dsplang_router"      # the metadata entry naming the Router a request went through

# key -> (the Router, its configuration), or None when no Router of the process has that key
Lookup = Callable[[str], "tuple[Any, dict] | None"]

_watcher: Any = None
_lock = threading.Lock()


def tag(call: dict, key: str) -> None:
    """Mark the litellm arguments `call` of a request as going through the Router `key`."""
    metadata = call.get("metadata")
    call["metadata"] = {**(metadata if isinstance(metadata, dict) else {}), TAG: key}


def watch(litellm: Any, lookup: Lookup) -> None:
    """Have litellm tell `absorbed` about every failed deployment call (once per process; again
    if something emptied litellm's callback lists since)."""
    global _watcher
    with _lock:
        if _watcher is None:
            _watcher = _make_watcher(litellm, lookup)
        if _watcher in litellm.failure_callback and _watcher in litellm._async_failure_callback:
            return
        manager = getattr(litellm, "logging_callback_manager", None)
        if manager is not None:
            manager.add_litellm_failure_callback(_watcher)
            manager.add_litellm_async_failure_callback(_watcher)
        else:
            litellm.failure_callback.append(_watcher)
            litellm._async_failure_callback.append(_watcher)


def _make_watcher(litellm: Any, lookup: Lookup) -> Any:
    from litellm.integrations.custom_logger import CustomLogger

    class RouterRateLimits(CustomLogger):
        """litellm's failure hooks (the sync one for sync calls, the awaited one for async)."""

        def log_failure_event(self, kwargs: dict, response_obj: Any, start_time: Any, end_time: Any) -> None:
            absorbed(kwargs, lookup)

        async def async_log_failure_event(self, kwargs: dict, response_obj: Any, start_time: Any,
                                          end_time: Any) -> None:
            absorbed(kwargs, lookup)

    return RouterRateLimits()


def absorbed(kwargs: dict, lookup: Lookup) -> None:
    """One failed deployment call (litellm's logging `kwargs`): signal it when it was a 429 of a
    router LM's request and the Router has nowhere else to send the work (see the module doc)."""
    exc = kwargs.get("exception")
    if not isinstance(exc, BaseException) or classify(exc).status != 429:
        return
    params = kwargs.get("litellm_params") or {}
    metadata = params.get("metadata") or {}
    key = metadata.get(TAG) if isinstance(metadata, dict) else None
    found = lookup(key) if isinstance(key, str) else None
    if found is None:
        return
    router, config = found
    deployment = str((params.get("model_info") or {}).get("id") or "")
    group = str(metadata.get("model_group") or "")
    if not _elsewhere(router, config, group, deployment):
        RATE_LIMITS.notify(_model(kwargs, router, config, deployment))


def _elsewhere(router: Any, config: dict, group: str, failed: str) -> bool:
    """Whether a deployment other than `failed`, of `group` or of a group it falls back to, is
    not cooling down. When the Router cannot be asked, False: a 429 nobody can place slows the
    run down rather than letting it hammer the limit."""
    try:
        others = [i for g in _reachable(config, group) for i in _ids(router, g) if i != failed]
        if not others:
            return False
        cooling = _cooling(router, others)
    except Exception:       # noqa: BLE001 - litellm's internals differ between versions
        return False
    return any(i not in cooling for i in others)


def _reachable(config: dict, group: str) -> list[str]:
    """`group` and the groups its requests fall back to (its own fallbacks, else the defaults)."""
    alias = (config.get("model_group_alias") or {}).get(group)
    group = alias.get("model", group) if isinstance(alias, dict) else alias or group
    targets: list[str] = []
    for entry in config.get("fallbacks") or ():
        targets += [str(t) for t in entry.get(group) or ()]
    if not targets:
        targets = [str(t) for t in config.get("default_fallbacks") or ()]
    return list(dict.fromkeys([group, *targets]))


def _ids(router: Any, group: str) -> list[str]:
    """The ids of `group`'s deployments in `router` (litellm makes ids up when none are given)."""
    registry = getattr(router, "registry", None)
    deployments: Iterable[Any] = (registry().deployments(group) if callable(registry)
                                  else router.get_model_list(model_name=group))
    ids = []
    for deployment in deployments or ():
        info = deployment.get("model_info") if isinstance(deployment, dict) else getattr(deployment, "model_info", None)
        ident = info.get("id") if isinstance(info, dict) else getattr(info, "id", None)
        if ident:
            ids.append(str(ident))
    return ids


def _cooling(router: Any, ids: list[str]) -> set[str]:
    """Which of `ids` the Router has in cooldown now."""
    health = getattr(router, "health", None)
    cache = health().cooldowns if callable(health) else router.cooldown_cache
    return {str(entry[0]) for entry in cache.get_active_cooldowns(model_ids=ids, parent_otel_span=None) or ()}


def _model(kwargs: dict, router: Any, config: dict, deployment: str) -> str:
    """The litellm model of the deployment that was rate limited (`openai/gpt-4o-mini`)."""
    for entry in config["model_list"]:
        if (entry.get("model_info") or {}).get("id") == deployment:
            return str(entry["litellm_params"]["model"])
    model, provider = kwargs.get("model"), kwargs.get("custom_llm_provider")
    if model and provider and not str(model).startswith(f"{provider}/"):
        return f"{provider}/{model}"
    return str(model or deployment)
