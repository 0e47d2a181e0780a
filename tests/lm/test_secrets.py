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
                                  "keyword", "monkey", "stop", "response_format", "extra_body"])
def test_ordinary_names(name):
    assert not is_secret(name)


def test_nested_values_and_urls_are_cleaned():
    value = {"extra_body": {"api_key": "x", "options": [{"token": "y", "n": 1}]},
             "api_base": "http://u:p@host:8000/v1", "other": "a@b.c"}
    assert without_secrets(value) == {"extra_body": {"options": [{"n": 1}]},
                                      "api_base": "http://host:8000/v1", "other": "a@b.c"}
