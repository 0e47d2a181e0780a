"""`dsp report`: a trace (`dsp run --trace`) as one self-contained HTML page.

read.py (the JSONL file, problems at file:line:col) → records.py (a pydantic model per record
kind) → summary.py (totals.py, series, groups, rounds.py: compiles, evaluations) → charts.py (inline SVG)
and page.py/template.py (the autoescaped page) → build.py (`write_report`).
"""
