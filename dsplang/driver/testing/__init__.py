"""`dsp test`: test files found (find.py), tests picked with -k (keywords.py), run each in a
Run of its own with its file's cassette (runner.py), and reported (report.py).
Rules: docs/testing.md."""
