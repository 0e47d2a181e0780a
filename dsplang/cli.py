"""The `dsp` command. Imports nothing heavy at module level so `dsp --help` stays fast."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

from dsplang.version import __version__

EXIT_OK, EXIT_ERROR, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_USAGE, EXIT_NO_TESTS = 2, 5          # `dsp test`, as pytest


def add_lm_options(command: argparse.ArgumentParser, quiet: bool) -> None:
    """The options every command that runs programs takes: --lm, --no-cache, --limit (and
    --quiet)."""
    command.add_argument("--lm", metavar="MODEL",
                         help="default LM when the program sets none (a litellm model string)")
    command.add_argument("--no-cache", action="store_true", help="neither read nor write the LM cache")
    command.add_argument("--otel", action="store_true",
                         help="send the run's spans over OTLP (OTEL_EXPORTER_OTLP_ENDPOINT, default "
                              "http://localhost:4318; the endpoint being set turns this on too)")
    command.add_argument("--limit", action="append", default=[], metavar="NAME=N",
                         help="raise (or lower) an interpreter limit: int_digits (default 100000), "
                              "seq_len (10000000) or depth (1000); repeatable; also DSP_LIMITS")
    if quiet:
        command.add_argument("--quiet", action="store_true", help="hide the LM usage summary at the end")


def limits(args):
    """The interpreter limits from DSP_LIMITS and the --limit options."""
    from dsplang.interpreter.limits import Limits
    return Limits.from_settings(args.limit)


def add_report_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--report", metavar="PATH",
                         help="write an HTML report of the run to PATH: scores per candidate, LM calls, tokens "
                              "and cost over time, the worst examples with their prompts (see `dsp report`)")


def add_test_parser(sub) -> None:
    """`dsp test [PATHS]`: test_*.dsp / *_test.dsp files, their `def test_*()` (docs/testing.md)."""
    test = sub.add_parser("test", help="run the test_*() functions of test_*.dsp files, with recorded LM replies")
    test.add_argument("paths", nargs="*", metavar="PATH",
                      help="test files, or folders to search for test_*.dsp and *_test.dsp (default: .)")
    test.add_argument("-k", dest="keyword", metavar="EXPR",
                      help="run the tests whose name or file name matches EXPR: words joined with and/or/not, "
                           "e.g. 'qa and not slow'")
    test.add_argument("-x", "--exitfirst", action="store_true", help="stop after the first failing test")
    tape = test.add_mutually_exclusive_group()
    tape.add_argument("--record", action="store_true",
                      help="call the LM and record each file's exchanges in its cassette (test_x.cassette.json)")
    tape.add_argument("--replay", action="store_true",
                      help="answer from the cassettes only, never the LM (the default when a cassette exists)")
    tape.add_argument("--live", action="store_true", help="call the LM, ignoring the cassettes")
    test.add_argument("--format", choices=("text", "json"), default="text", help="how to report (default: text)")
    test.add_argument("-s", "--no-capture", action="store_true", help="show what tests print as they run")
    add_report_option(test)
    add_lm_options(test, quiet=True)
    test.add_argument("--debug", action="store_true", help="show Python tracebacks for errors")


def add_batch_parser(sub) -> None:
    """`dsp batch FILE NAME --input IN.jsonl --output OUT.jsonl` (docs/scale.md)."""
    batch = sub.add_parser("batch", help="run a program over every row of a JSONL file, resumably "
                                         "(in this process, or on a Ray cluster)")
    batch.add_argument("file", help="the .dsp file")
    batch.add_argument("name", help="the program to run: a module, module instance, predictor or function of "
                                    "the file (e.g. qa); the file runs as far as the last statement setting it")
    batch.add_argument("--input", "-i", required=True, metavar="IN.jsonl",
                       help="one JSON object per line: the program's keyword arguments")
    batch.add_argument("--output", "-o", required=True, metavar="OUT.jsonl",
                       help='one line per row: {"row": N, "outputs": {...}} or {"row": N, "error": "..."}; '
                            "a rerun skips the rows already there")
    batch.add_argument("--key", metavar="FIELD", help="the input field that identifies a row (not passed to the "
                                                      "program); a rerun matches rows by it instead of by number")
    batch.add_argument("--inputs", metavar="A,B", help="pass only these fields of each row to the program")
    batch.add_argument("--threads", type=int, default=1, metavar="N",
                       help="rows at once, on threads (per worker on Ray; default 1)")
    batch.add_argument("--concurrency", type=int, metavar="N", help="rows at once as async calls (in this process)")
    batch.add_argument("--retry-errors", action="store_true", help="run again the rows whose line is an error")
    batch.add_argument("--ray", metavar="local|auto|ADDRESS",
                       help="run on Ray: a new local cluster, the one running on this machine, or ray://HOST:10001")
    batch.add_argument("--workers", type=int, metavar="N", help="Ray workers (default: the cluster's CPUs)")
    batch.add_argument("--chunk-size", type=int, metavar="N", help="rows sent to a Ray worker at once "
                                                                   "(default: 4 x --threads, at least 8)")
    batch.add_argument("--ray-env", action="append", default=[], metavar="VAR",
                       help="also set this environment variable in the Ray workers (e.g. OPENAI_API_KEY); "
                            "repeatable")
    add_lm_options(batch, quiet=True)
    batch.add_argument("--debug", action="store_true", help="show Python tracebacks for errors")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dsp", description="dsplang: write programs of language-model calls, then compile them.")
    parser.add_argument("--version", action="version", version=f"dsp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run a .dsp program")
    run.add_argument("file", help="the .dsp file to run")
    add_lm_options(run, quiet=True)
    run.add_argument("--trace", metavar="PATH", help="write every predictor call to PATH as JSON lines")
    add_report_option(run)
    run.add_argument("--show-prompts", action="store_true", help="print each prompt as it is sent")
    run.add_argument("--recompile", action="store_true",
                     help="run every `compile` again, even when its saved result is current")
    run.add_argument("--debug", action="store_true", help="show Python tracebacks for errors")
    run.add_argument("--stream", action="store_true",
                     help="print each predictor's output fields on stderr as the LM writes them")
    tape = run.add_mutually_exclusive_group()
    tape.add_argument("--record", metavar="FILE",
                      help="record every LM exchange of the run in the cassette FILE (no credentials)")
    tape.add_argument("--replay", metavar="FILE",
                      help="answer every LM request from the cassette FILE, offline; a changed prompt is an error")

    add_test_parser(sub)

    comp = sub.add_parser("compile", help="run a program up to its last `compile` and write the compiled programs")
    comp.add_argument("file", help="the .dsp file whose compile statements to run")
    add_lm_options(comp, quiet=True)
    comp.add_argument("--recompile", action="store_true", help="compile again even when the saved result is current")
    comp.add_argument("--estimate", action="store_true",
                      help="print each compile's expected LM calls, tokens and cost, without calling the LM")
    add_report_option(comp)
    comp.add_argument("--debug", action="store_true", help="show Python tracebacks for errors")

    add_batch_parser(sub)

    check = sub.add_parser("check", help="parse and statically check .dsp files (exit 1 on problems)")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.add_argument("--format", choices=("text", "json"), default="text",
                       help="text (the default: each problem with its source line, on stderr) or json "
                            "(one document on stdout, for CI and editors; see docs/language.md)")
    check.add_argument("--debug", action="store_true", help="show Python tracebacks for internal errors")

    preview = sub.add_parser("preview",
                             help="show the messages a signature or predictor would send, without an LM call")
    preview.add_argument("file")
    preview.add_argument("name", help="a signature, a predictor, or a module attribute path like qa.respond")
    preview.add_argument("--input", "-i", action="append", default=[], metavar="FIELD=VALUE",
                         help="an input value (repeatable); missing inputs are shown as placeholders")
    preview.add_argument("--debug", action="store_true")

    repl = sub.add_parser("repl", help="an interactive session (optionally after running FILE)")
    repl.add_argument("file", nargs="?", help="a .dsp file to run into the session first")
    add_lm_options(repl, quiet=False)
    repl.add_argument("--show-prompts", action="store_true", help="print each prompt as it is sent")
    repl.add_argument("--debug", action="store_true", help="show Python tracebacks for errors")

    report = sub.add_parser("report", help="turn a trace (dsp run --trace) into a self-contained HTML report")
    report.add_argument("trace", metavar="TRACE", help="the JSONL trace file")
    report.add_argument("-o", "--output", metavar="PATH",
                        help="where to write the page (default: TRACE with .html for its extension)")
    report.add_argument("--debug", action="store_true", help="show Python tracebacks for errors")

    sub.add_parser("lsp", help="run the language server on stdin/stdout (for editors)")

    fmt = sub.add_parser("fmt", help="format .dsp files in place (comments kept)")
    fmt.add_argument("files", nargs="+", metavar="FILE", help="files to format; - reads stdin, writes stdout")
    fmt.add_argument("--check", action="store_true",
                     help="write nothing; list the files that would change and exit 1 if any")
    return parser


def main(argv: list[str] | None = None) -> int:
    if argv is None:              # dsp started as a command, not called by a test or a tool
        _skip_final_collection()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    if not getattr(args, "debug", False):
        import warnings
        warnings.showwarning = _show_warning
        # What pydantic and litellm warn about their own code (litellm's TypedDicts, deprecated
        # pydantic attributes it reads) is not the user's business; --debug shows it.
        warnings.filterwarnings("ignore", module=r"(pydantic|litellm)(\.|$)")
    handler = {"run": cmd_run, "compile": cmd_compile, "check": cmd_check, "preview": cmd_preview,
               "repl": cmd_repl, "lsp": cmd_lsp, "fmt": cmd_fmt, "test": cmd_test,
               "report": cmd_report, "batch": cmd_batch}[args.command]
    debug = getattr(args, "debug", False)
    try:
        code = handler(args)
    except KeyboardInterrupt:
        print("dsp: interrupted", file=sys.stderr)
        code = EXIT_INTERRUPTED
    except Exception as exc:  # the edge: render every error once
        code = report(exc, debug)
    _wait_for_workers(code)
    return code


def _skip_final_collection() -> None:
    """At exit, leave what is alive then out of the garbage collector's last full pass: that
    pass walks every object of the parser, the interpreter and the run (about 40 ms of a
    0.3 s cached `dsp run`) only to free memory the process hands back anyway. Objects are
    still freed by reference counting. Registered once, and atexit handlers run
    last-registered first, so this one runs after those registered during the command (a
    local model server's shutdown)."""
    import atexit
    import gc
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)


def _wait_for_workers(code: int) -> None:
    """After a Ctrl-C, LM calls already sent may still be running on worker threads (their
    answers go to the cache). Wait for them rather than leave Python to join them silently at
    exit; a second Ctrl-C quits at once, without a traceback (the cache is SQLite, so an
    unfinished write is rolled back, never half-written)."""
    runner = sys.modules.get("dsplang.stdlib.parallel_runner")
    if runner is None:            # nothing ran in parallel
        return
    import threading
    workers = [t for t in threading.enumerate() if t.name.startswith(runner.WORKER_PREFIX) and t.is_alive()]
    if not workers:
        return
    print(f"dsp: waiting for the LM calls already running on {len(workers)} thread{'s' if len(workers) > 1 else ''} "
          "(Ctrl-C again to quit now)", file=sys.stderr)
    try:
        for worker in workers:
            worker.join()
    except KeyboardInterrupt:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED if code == EXIT_OK else code)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings (a bypassed cache file, a stale compiled program) as one readable line."""
    print(f"dsp: warning: {message}", file=sys.stderr)


def report(exc: BaseException, debug: bool) -> int:
    from dsplang.errors import DspError, render
    if debug:
        import traceback
        traceback.print_exception(exc)
        original = getattr(exc, "original", None)
        if original is not None and original is not exc.__cause__:
            traceback.print_exception(original)
    if isinstance(exc, DspError):
        print(render(exc), file=sys.stderr)
        return EXIT_ERROR
    print(f"dsp: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
    if not debug:
        print("  (run again with --debug to see the Python traceback, and please report it)", file=sys.stderr)
    return EXIT_INTERNAL


def cmd_run(args) -> int:
    from dsplang.driver import run as runtime
    with reported(args.report, args.trace, args.file) as trace_path:
        options = runtime.RunOptions(lm=args.lm, cache=not args.no_cache, otel=args.otel, trace_path=trace_path,
                                     show_prompts=args.show_prompts, quiet=args.quiet, recompile=args.recompile,
                                     limits=limits(args))
        from dsplang.driver.cassettes import run_cassette
        with run_cassette(record=args.record, replay=args.replay), streamed(args.stream):
            runtime.run_file(args.file, options)
    return EXIT_OK


@contextlib.contextmanager
def reported(report_path: str | None, trace_path: str | None, program: str):
    """`--report PATH`: the run's trace goes to `trace_path` (or a temporary file), and after the
    run its report to PATH; after a run that failed, only when the trace has records. Yields
    the trace path to run with."""
    if report_path is None:
        yield trace_path
        return
    from dsplang.report.build import check_writable
    check_writable(report_path)
    import tempfile
    temp = None
    if trace_path is None:
        fd, temp = tempfile.mkstemp(prefix="dsp-trace-", suffix=".jsonl")
        os.close(fd)
    path = trace_path or temp or ""
    try:
        yield path
    except BaseException:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            write_report(path, report_path, program, failed=True)
        raise
    else:
        write_report(path, report_path, program)
    finally:
        if temp is not None:
            os.unlink(temp)


def write_report(trace_path: str, report_path: str, program: str, failed: bool = False) -> None:
    """Write the report of `trace_path` to `report_path`; say where on stderr. After a run that
    failed, a report that cannot be written is a warning (the run's own error is shown)."""
    from dsplang.errors import DspError, render
    from dsplang.report.build import write_report as build
    try:
        summary = build(trace_path, report_path, program)
    except DspError as err:
        if not failed:
            raise
        print(f"dsp: warning: no report: {render(err)}", file=sys.stderr)
        return
    for warning in summary.warnings:
        print(f"dsp: warning: {warning}", file=sys.stderr)
    print(f"dsp: report: {report_path}", file=sys.stderr)


def streamed(on: bool):
    """`dsp run --stream`: the predictors' output fields printed on stderr as they arrive."""
    if not on:
        return contextlib.nullcontext()
    from dsplang.stdlib.streaming import StreamPrinter, listening
    return listening(StreamPrinter(sys.stderr))


def cmd_test(args) -> int:
    from dsplang.driver import run as runtime
    from dsplang.driver.testing import report as shown
    from dsplang.driver.testing.find import find_test_files
    from dsplang.driver.testing.keywords import keyword_matcher
    from dsplang.driver.testing.runner import TestOptions, run_tests
    from dsplang.errors import DspArgumentError, render
    try:
        files = find_test_files(args.paths or ["."])
        keyword = keyword_matcher(args.keyword) if args.keyword is not None else None
    except DspArgumentError as err:
        print(f"dsp test: {render(err)}", file=sys.stderr)
        return EXIT_USAGE
    mode = "record" if args.record else "replay" if args.replay else "live" if args.live else "auto"
    as_json = args.format == "json"
    with reported(args.report, None, " ".join(args.paths) or ".") as trace_path:
        run_options = runtime.RunOptions(lm=args.lm, cache=not args.no_cache, otel=args.otel, quiet=args.quiet,
                                         trace_path=trace_path, limits=limits(args))
        options = TestOptions(run_options, keyword, mode, args.exitfirst, capture=not args.no_capture)
        session = run_tests(files, options, shown.Silent() if as_json else shown.TextProgress(sys.stdout))
        if as_json:
            print(shown.as_json(session))
        else:
            failures = shown.failures_text(session, debug=args.debug)
            if failures:
                print(failures)
            print(f" {shown.summary_line(session)} ".center(shown.WIDTH, "="))
        if not args.quiet and (session.usage.calls or session.usage.failed_calls):
            print(session.usage.summary(), file=sys.stderr)
        sys.stdout.flush()
    if not session.results:
        return EXIT_NO_TESTS
    return EXIT_OK if session.ok else EXIT_ERROR


def cmd_compile(args) -> int:
    if args.estimate:
        from dsplang.driver.estimate import estimate_file
        estimate_file(args.file, lm=args.lm, limits=limits(args))
        return EXIT_OK
    from dsplang.driver import run as runtime
    with reported(args.report, None, args.file) as trace_path:
        options = runtime.RunOptions(lm=args.lm, cache=not args.no_cache, otel=args.otel, quiet=args.quiet,
                                     trace_path=trace_path, recompile=args.recompile, compile_only=True,
                                     limits=limits(args))
        run = runtime.new_run(options)
        runtime.run_file(args.file, options, run)
    for name, path in run.compiled.written:
        print(f"{name}: {os.path.relpath(path)}")
    return EXIT_OK


def cmd_batch(args) -> int:
    from dsplang.driver import run as runtime
    from dsplang.driver.batch.runner import BatchOptions, run_batch
    inputs = tuple(f.strip() for f in args.inputs.split(",") if f.strip()) if args.inputs is not None else None
    options = BatchOptions(args.file, args.name, args.input, args.output, key=args.key, inputs=inputs,
                           threads=args.threads, concurrency=args.concurrency, ray=args.ray,
                           workers=args.workers, chunk_size=args.chunk_size, retry_errors=args.retry_errors,
                           ray_env=tuple(args.ray_env))
    run_options = runtime.RunOptions(lm=args.lm, cache=not args.no_cache, quiet=args.quiet, limits=limits(args))
    run = runtime.new_run(run_options)
    summary = run_batch(options, run, sys.stderr)
    print(summary.line(), file=sys.stderr)
    if not args.quiet and (run.usage.calls or run.usage.failed_calls):
        print(run.usage.summary(), file=sys.stderr)
    if summary.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_ERROR if summary.failed else EXIT_OK


def cmd_check(args) -> int:
    from dsplang.analysis.checker import check_file
    from dsplang.errors import render
    problems = 0
    checked = []
    for path in args.files:
        found = check_file(path)
        checked.append((path, found))
        problems += len(found)
        if args.format == "json":
            continue
        for err in found:
            print(render(err), file=sys.stderr)
        if not found:
            print(f"{path}: ok")
    if args.format == "json":
        from dsplang.analysis.report import json_report
        print(json_report(checked))
        return EXIT_ERROR if problems else EXIT_OK
    if problems:
        print(f"{problems} problem{'s' if problems != 1 else ''} found", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def cmd_preview(args) -> int:
    from dsplang.driver import run as runtime
    inputs = {}
    for item in args.input:
        key, sep, value = item.partition("=")
        if not sep:
            from dsplang.errors import DspArgumentError
            raise DspArgumentError(f"--input needs FIELD=VALUE, got {item!r}")
        inputs[key] = value
    print(runtime.preview(args.file, args.name, inputs))
    return EXIT_OK


def cmd_repl(args) -> int:
    from dsplang.driver import run as runtime
    from dsplang.repl.app import main as repl_main
    options = runtime.RunOptions(lm=args.lm, cache=not args.no_cache, otel=args.otel,
                                 show_prompts=args.show_prompts, limits=limits(args))
    return repl_main(args.file, options, debug=args.debug)


def cmd_report(args) -> int:
    if not args.output and os.path.exists(args.trace) and not os.path.isfile(args.trace) \
            and not os.path.isdir(args.trace):
        from dsplang.errors import DspArgumentError
        raise DspArgumentError(f"the trace {args.trace} is a pipe or a device: give the report's path with -o PATH")
    output = args.output or os.path.splitext(args.trace)[0] + ".html"
    if os.path.abspath(output) == os.path.abspath(args.trace):
        from dsplang.errors import DspArgumentError
        raise DspArgumentError(f"the report would overwrite its trace {args.trace}", hint="give another -o PATH")
    from dsplang.report.build import write_report as build
    summary = build(args.trace, output)
    for warning in summary.warnings:
        print(f"dsp: warning: {warning}", file=sys.stderr)
    # A report written to a pipe or device (`-o /dev/stdout | ...`) keeps the summary out of it.
    stream = sys.stdout if os.path.isfile(output) else sys.stderr
    print(f"{output}: {summary.line()}", file=stream)
    return EXIT_OK


def cmd_lsp(args) -> int:
    from dsplang.lsp.server import serve
    serve()
    return EXIT_OK


def cmd_fmt(args) -> int:
    from dsplang.fmt.command import run_fmt
    return run_fmt(args.files, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
