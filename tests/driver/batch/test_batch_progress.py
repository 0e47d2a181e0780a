"""`dsp batch`'s progress on stderr when it is not a terminal: a plain line now and then."""

from __future__ import annotations

import io

from dsplang.driver.batch.progress import BatchProgress


def test_a_log_gets_a_plain_line_per_period_with_rows_errors_and_rate():
    out = io.StringIO()
    progress = BatchProgress(1200, out, every=0.0)
    progress.row(failed=False)
    progress.row(failed=True)
    progress.close()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("dsp batch: 1/1,200 rows, ") and lines[0].endswith(" rows/s")
    assert lines[1].startswith("dsp batch: 2/1,200 rows, 1 error, ")


def test_nothing_is_shown_between_periods_or_without_a_stream():
    out = io.StringIO()
    progress = BatchProgress(10, out, every=3600.0)
    progress.row(failed=False)
    assert out.getvalue() == "" and (progress.done, progress.errors) == (1, 0)
    BatchProgress(10, None, every=0.0).row(failed=True)
