"""`dsp repl`: the interactive session.

- `session.py`  the state kept across inputs and how one input runs (no terminal needed);
- `commands.py` the meta-commands (`:help`, `:load`, `:inspect`, ...), `display.py` their text;
- `completion.py`, `introspect.py` Tab completion against the live scope;
- `app.py` the prompt_toolkit prompt (highlighting, multi-line input, history) and the loop.
"""
