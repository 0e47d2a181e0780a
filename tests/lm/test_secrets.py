"""Which setting names are credentials, and settings with them taken out."""

from __future__ import annotations

import pytest

from dsplang.lm.secrets import is_secret, without_secrets


@pytest.mark.parametrize("name", ["api_key", "key", "token", "auth_token", "aws_access_key_id", "api_keys",
                                  "default_headers", "extra_headers", "Authorization", "auth", "password",
                                  "client_secret", "clientsecret", "vertex_credentials", "cookie"])
def test_credential_names(name):
    assert is_secret(name)


@pytest.mark.parametrize("name", ["max_tokens", "max_completion_tokens", "temperature", "api_base", "top_k",
                                  "keyword", "monkey", "stop", "response_format", "extra_body",
                                  "stop_token_ids", "allowed_token_ids"])
def test_ordinary_names(name):
    assert not is_secret(name)


def test_nested_values_and_urls_are_cleaned():
    value = {"extra_body": {"api_key": "x", "options": [{"token": "y", "n": 1}]},
             "api_base": "http://u:p@host:8000/v1", "other": "a@b.c", "api_key": "sk"}
    assert without_secrets(value) == {"extra_body": {"options": [{"n": 1}]},
                                      "api_base": "http://host:8000/v1", "other": "a@b.c"}


def test_schemas_and_tools_keep_their_property_names():
    schema = {"type": "json_schema", "json_schema": {"schema": {
        "properties": {"key": {"type": "string"}, "token": {"type": "string"}}, "required": ["key", "token"]}}}
    assert without_secrets({"response_format": schema})["response_format"] == schema


def test_an_lm_prints_without_its_credentials():
    from dsplang.lm.client import LM
    text = repr(LM("openai/x", api_key="sk-1", extra_body={"api_key": "sk-2", "top_k": 3},
                   api_base="https://bob:hunter2@host/v1", stop_token_ids=[1, 2]))
    for secret in ("sk-1", "sk-2", "hunter2", "bob"):
        assert secret not in text
    assert "api_key=***" in text and "'top_k': 3" in text and "stop_token_ids=[1, 2]" in text
