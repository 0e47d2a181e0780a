"""`LM(NAME, router={...})`: a litellm Router configuration, checked when the LM is made.

The configuration is what `litellm.Router(**config)` takes: a `model_list` of deployments, each
`{"model_name": NAME, "litellm_params": {"model": ..., "api_key": ..., "api_base": ..., "rpm": ...},
"model_info": {"id": ...}}`, and the router's settings (`fallbacks`, `routing_strategy`,
`num_retries`, `cooldown_time`, ...: `SETTINGS`). The LM's model is the name of a model group, the
`model_name` its deployments share, as in `router.completion(model=NAME)`.

Every mistake that can be seen without calling a provider is a `DspLMError` naming the place in
the configuration (`model_list[1].litellm_params`), so a program sees it at its `LM(...)` call:
a setting litellm's Router does not have (with the closest one as a hint), a deployment without a
model, a fallback to a group no deployment serves, an unknown routing strategy. The router's own
reply cache (`cache_responses`) is refused: dsplang caches replies itself (`DSP_CACHE_URL` shares
that cache); `redis_*` settings stay allowed, for the router's shared usage counts and cooldowns.

`cache_identity` is what the reply cache keys a router LM's requests on instead of the group's
name: the models and reply-shaping parameters of the group's deployments, without credentials,
endpoints or rate limits, so two keys or two servers of one model share their entries and a
group that changes its models does not.
"""

from __future__ import annotations

import difflib
import numbers
from typing import Any

from dsplang.errors import DspLMError
from dsplang.lm.cache import canonical_json, is_keyed_param

# The keyword arguments of `litellm.Router(...)` (tests/lm/test_router.py holds each one to the
# installed litellm's signature).
SETTINGS = frozenset({
    "model_list", "assistants_config", "search_tools", "guardrail_list", "redis_url", "redis_host",
    "redis_port", "redis_password", "redis_db", "cache_responses", "cache_kwargs", "caching_groups",
    "client_ttl", "polling_interval", "default_priority", "num_retries", "max_fallbacks", "timeout",
    "stream_timeout", "default_litellm_params", "default_max_parallel_requests", "set_verbose",
    "debug_level", "default_fallbacks", "fallbacks", "context_window_fallbacks",
    "content_policy_fallbacks", "model_group_alias", "enable_pre_call_checks", "enable_tag_filtering",
    "tag_filtering_match_any", "tag_routing_prefix", "plugins", "retry_after", "retry_policy",
    "model_group_retry_policy", "allowed_fails", "allowed_fails_policy", "cooldown_time",
    "disable_cooldowns", "fallback_on_unsupported_params", "routing_strategy",
    "optional_pre_call_checks", "routing_strategy_args", "routing_groups", "provider_budget_config",
    "alerting_config", "router_general_settings", "deployment_affinity_ttl_seconds",
    "model_group_affinity_config", "ignore_invalid_deployments", "enable_health_check_routing",
    "health_check_staleness_threshold", "health_check_ignore_transient_errors",
    "background_health_check_model_groups", "enable_weighted_failover",
    "enable_mid_stream_fallback_continuation", "fallback_access_check", "fallback_budget_check",
    "auto_router_capability_limit", "session_affinity_repin_on_failover",
})
STRATEGIES = ("simple-shuffle", "least-busy", "usage-based-routing", "latency-based-routing",
              "cost-based-routing", "usage-based-routing-v2")
DEPLOYMENT_KEYS = ("model_name", "litellm_params", "model_info")
FALLBACK_LISTS = ("fallbacks", "context_window_fallbacks", "content_policy_fallbacks")
_WHOLE = ("num_retries", "allowed_fails", "max_fallbacks", "default_max_parallel_requests")
_SECONDS = ("cooldown_time", "timeout", "stream_timeout", "retry_after")
_NOT_SHAPING = frozenset({"rpm", "tpm", "weight", "order", "max_parallel_requests", "region_name",
                          "api_version", "organization", "use_in_pass_through"})
EXAMPLE = ('LM("fast", router={"model_list": [{"model_name": "fast", "litellm_params": '
           '{"model": "openai/gpt-4o-mini", "api_key": "..."}}]})')


def check(config: Any, group: str, model_type: Any = None) -> dict:
    """`config` checked for an LM on model group `group`; a copy whose lists and dicts are plain."""
    if model_type == "text":
        raise _error("model_type='text' cannot go through a router: a Router serves chat requests",
                     "leave model_type out")
    if not isinstance(config, dict) or not config:
        raise _error(f"router= needs a dict of litellm Router settings with a model_list, "
                     f"got {_kind(config)}")
    config = _plain(config)
    for name in config:
        _check_name(str(name))
    _check_deployments(config.get("model_list"))
    groups = group_names(config)
    if group not in groups:
        raise _error(f"no deployment in model_list is named {group!r}: the model groups are "
                     f"{_listed(groups)}", _closest(group, groups, "the LM's model"))
    _check_settings(config, groups)
    return config


def group_names(config: dict) -> list[str]:
    """The model groups a request may name: the deployments' model_name, then the aliases."""
    names = [d["model_name"] for d in config["model_list"]]
    names += [str(alias) for alias in config.get("model_group_alias") or {}]
    return list(dict.fromkeys(names))


def cache_identity(config: dict, group: str) -> str:
    """What stands for the model in the cache keys of `group`'s requests (see the module doc)."""
    target = (config.get("model_group_alias") or {}).get(group, group)
    target = target.get("model", group) if isinstance(target, dict) else target
    shaping = sorted({canonical_json({k: v for k, v in d["litellm_params"].items()
                                      if is_keyed_param(k) and k not in _NOT_SHAPING})
                      for d in config["model_list"] if d["model_name"] == target})
    return f"router:{group}:[{','.join(shaping)}]"


def _check_name(name: str) -> None:
    if name in SETTINGS:
        return
    raise _error(f"{name!r} is not a litellm Router setting", _closest(name, sorted(SETTINGS), "a setting"))


def _check_deployments(model_list: Any) -> None:
    if not isinstance(model_list, list) or not model_list:
        raise _error(f"router= needs a model_list: a list of deployments, got {_kind(model_list)}",
                     f"for example {EXAMPLE}")
    for i, deployment in enumerate(model_list):
        where = f"model_list[{i}]"
        if not isinstance(deployment, dict):
            raise _error(f"{where} must be a dict with model_name and litellm_params, got {_kind(deployment)}")
        for key in deployment:
            if key not in DEPLOYMENT_KEYS:
                raise _error(f"{where} has {key!r}, which a deployment does not have",
                             _closest(str(key), list(DEPLOYMENT_KEYS), "a key") or
                             "a deployment has model_name, litellm_params and model_info; "
                             "rpm and tpm go in litellm_params")
        name = deployment.get("model_name")
        if not isinstance(name, str) or not name.strip():
            raise _error(f"{where} needs a model_name: the group name requests use, got {_kind(name)}")
        params = deployment.get("litellm_params")
        if not isinstance(params, dict) or not isinstance(params.get("model"), str) or not params["model"].strip():
            raise _error(f"{where}.litellm_params needs a 'model' such as 'openai/gpt-4o-mini', "
                         f"got {_kind(params if not isinstance(params, dict) else params.get('model'))}")
        info = deployment.get("model_info", {})
        if not isinstance(info, dict) or not isinstance(info.get("id", ""), str):
            raise _error(f"{where}.model_info must be a dict whose 'id' is a string, got {_kind(info)}")


def _check_settings(config: dict, groups: list[str]) -> None:
    if config.get("cache_responses"):
        raise _error("cache_responses: dsplang caches the replies itself",
                     "leave it out; set DSP_CACHE_URL=redis://HOST:6379/0 to share the cache")
    strategy = config.get("routing_strategy", STRATEGIES[0])
    if strategy not in STRATEGIES:
        raise _error(f"routing_strategy {strategy!r} is not one of {_listed(STRATEGIES)}",
                     _closest(str(strategy), list(STRATEGIES), "a strategy"))
    for name in _WHOLE:
        value = config.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise _error(f"{name} must be a whole number >= 0, got {value!r}")
    for name in _SECONDS:
        value = config.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0):
            raise _error(f"{name} must be a number of seconds >= 0, got {value!r}")
    for name in FALLBACK_LISTS:
        _check_fallbacks(name, config.get(name), groups)
    defaults = config.get("default_fallbacks")
    if defaults is not None:
        if not isinstance(defaults, list):
            raise _error(f"default_fallbacks must be a list of model groups, got {_kind(defaults)}")
        for target in defaults:
            _check_group(target, "default_fallbacks", groups)
    for name in ("default_litellm_params", "model_group_alias", "routing_strategy_args"):
        if config.get(name) is not None and not isinstance(config[name], dict):
            raise _error(f"{name} must be a dict, got {_kind(config[name])}")


def _check_fallbacks(name: str, value: Any, groups: list[str]) -> None:
    """`[{"fast": ["smart", "backup"]}, ...]`: every group named is served by a deployment."""
    if value is None:
        return
    if not isinstance(value, list):
        raise _error(f'{name} must be a list such as [{{"fast": ["smart"]}}], got {_kind(value)}')
    for i, entry in enumerate(value):
        if not isinstance(entry, dict) or not entry:
            raise _error(f'{name}[{i}] must be a dict such as {{"fast": ["smart"]}}, got {_kind(entry)}')
        for source, targets in entry.items():
            _check_group(source, f"{name}[{i}]", groups)
            if not isinstance(targets, list) or not targets:
                raise _error(f"{name}[{i}][{source!r}] must be a list of model groups, got {_kind(targets)}")
            for target in targets:
                _check_group(target, f"{name}[{i}][{source!r}]", groups)


def _check_group(name: Any, where: str, groups: list[str]) -> None:
    if name not in groups:
        raise _error(f"{where} names {name!r}, a model group no deployment in model_list serves "
                     f"(the groups are {_listed(groups)})", _closest(str(name), groups, "a group"))


def _plain(value: Any) -> Any:
    """Lists, tuples and dicts of the language (or of Python) as plain lists and dicts."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _closest(name: str, choices: list[str], what: str) -> str | None:
    match = difflib.get_close_matches(name, choices, n=1, cutoff=0.75)
    return f"did you mean {match[0]!r}?" if match else None


def _listed(names: Any) -> str:
    return ", ".join(repr(n) for n in names)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, (str, int, float, bool)):
        return f"{type(value).__name__} {value!r}"
    return type(value).__name__


def _error(message: str, hint: str | None = None) -> DspLMError:
    return DspLMError(f"LM router: {message}", hint=hint)
