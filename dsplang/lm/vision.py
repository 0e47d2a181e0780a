"""Messages with image parts: whether a model can take them, and how to show them as text.

An adapter sends an image input as an OpenAI content part (`{"type": "image_url", ...}`) inside
a user message whose content is then a list of parts. Before such a request goes out,
`require_vision` looks the model up in litellm's local price table (`litellm.model_cost`, never
the network): a model listed there without `supports_vision` is refused with a clear error,
instead of a provider's 400 after a round trip. A model litellm does not list (a local server's
`openai/NAME`, a fine-tune, a new model) is let through: the provider decides.

`content_text` renders a message's content for people (`inspect_history`, `--show-prompts`):
text parts as they are, an image as `[image: image/png, 12.3 kB]` instead of its base64.
"""

from __future__ import annotations

from typing import Any

from dsplang.errors import DspLMError

__all__ = ["has_images", "require_vision", "vision_support", "content_text"]

IMAGE_PART = "image_url"


def has_images(messages: list[dict]) -> bool:
    """Whether any message holds an image content part."""
    return any(isinstance(part, dict) and part.get("type") == IMAGE_PART
               for message in messages if isinstance(message.get("content"), list)
               for part in message["content"])


def vision_support(litellm: Any, model: str) -> bool | None:
    """True/False when litellm's price table lists `model` (with or without its provider
    prefix), None when it does not know the model."""
    table = getattr(litellm, "model_cost", None) or {}
    keys = [model]
    try:
        name, provider, _, _ = litellm.get_llm_provider(model)
        keys += [name, f"{provider}/{name}"]
    except Exception:  # noqa: BLE001 - litellm cannot place the model: only its own name is tried
        pass
    for key in keys:
        entry = table.get(key)
        if isinstance(entry, dict):
            return entry.get("supports_vision") is True
    return None


def require_vision(litellm: Any, model: str, messages: list[dict]) -> None:
    """DspLMError when `messages` hold images and litellm lists `model` as unable to read them."""
    if has_images(messages) and vision_support(litellm, model) is False:
        raise DspLMError(f"{model} does not accept images (litellm lists it without vision support), "
                         f"but the request has an Image input",
                         hint="use a model that reads images, such as openai/gpt-4o-mini, "
                              "or leave the Image input out")


def content_text(content: Any) -> str:
    """A message's content as readable text: a list of parts joined, images described."""
    if not isinstance(content, list):
        return "" if content is None else str(content)
    pieces = []
    for part in content:
        if not isinstance(part, dict):
            pieces.append(str(part))
        elif part.get("type") == "text":
            pieces.append(str(part.get("text", "")))
        elif part.get("type") == IMAGE_PART:
            pieces.append(_describe_image(str((part.get("image_url") or {}).get("url", ""))))
        else:
            pieces.append(f"[{part.get('type', 'part')}]")
    return "\n".join(pieces)


def _describe_image(url: str) -> str:
    if not url.startswith("data:"):
        return f"[image: {url}]"
    head, _, body = url.partition(",")
    mime = head[5:].split(";")[0] or "image"
    size = len(body) * 3 // 4 - body.count("=", -2) if head.endswith(";base64") else len(body)
    return f"[image: {mime}, {size / 1024:.1f} kB]" if size >= 1024 else f"[image: {mime}, {size} bytes]"
