"""Static analysis of .dsp source, without running it: `dsp check`, and the scope model
the language server and the REPL's completion read."""
