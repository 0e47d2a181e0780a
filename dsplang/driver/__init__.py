"""The driver: the builtins table, the LM statements (`use`, `with`, `compile`, `save`, `load`),
compiled-program files and the compile cache, and running a file. It implements the
interpreter's `Host` with the standard library and the run context."""
