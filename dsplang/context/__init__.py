"""The run context: one `Run` per run of a program (options, current LM and retriever,
traces, usage, assertion feedback, what a compile wrote), entered and restored as a unit.

`with entered(Run(Options(...))) as run:` runs code in a run; `current()` is the Run of
this context: see `dsplang.context.run`.
"""
