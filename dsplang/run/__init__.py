"""The run context: one `Run` per run of a program (options, current LM and retriever,
traces, usage, assertion feedback, what a compile wrote), entered and restored as a unit.

`with entered(Run(Options(...))) as run:` runs code in a run; `current()` is the Run of
this context: see `dsplang.run.context`. This package itself defines nothing, so importing
it costs nothing (`dsplang/__init__.py` imports it to keep the name `dsplang.run` for the
API function).
"""
