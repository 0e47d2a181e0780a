"""Process-wide runtime settings that the CLI sets and the predictors read."""

SHOW_PROMPTS = False   # `dsp run --show-prompts`: print each prompt as it is sent
