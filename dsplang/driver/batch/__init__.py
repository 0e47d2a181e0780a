"""`dsp batch`: a program over a large JSONL input, resumably, in this process or on Ray
(rows.py: the input; output.py: the output and resuming; program.py: what runs a row;
runner.py: the engines; progress.py: stderr)."""
