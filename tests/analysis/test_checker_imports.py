"""Checker imports (analysis/imports.py): Python and .dsp imports, found without running them.

The `project` fixture (conftest.py) copies checker_fixtures/ into a tmp folder.
"""

from dsplang.analysis.checker import check_file

# ---------------------------------------------------------------- rule 7: imports

def test_python_imports_declare_names(project):
    main = project("main.dsp", """
        from tools import wiki_search as search, lookup
        import os.path
        import json as j
        print(search("q"), lookup("t"), os.sep, j.dumps(1), wiki_search)
    """)
    found = [(e.span.line, e.span.col, e.message, e.hint) for e in check_file(main)]
    assert found == [(4, 53, "name 'wiki_search' is not defined", "did you mean 'search'?")]


def test_python_import_missing_module_and_missing_name(project):
    main = project("main.dsp", """
        from tols import wiki_search
        from tools import wiki_serch
        import no_such_module_anywhere
    """)
    found = [(e.kind, e.span.line, e.span.col, e.message, e.hint) for e in check_file(main)]
    assert found == [
        ("import error", 1, 1, "no Python module named 'tols' (looked beside the file, in the working "
         "directory and in installed modules)", "did you mean 'tools'?"),
        ("import error", 2, 19, "Python module 'tools' has no name 'wiki_serch'", "did you mean 'wiki_search'?"),
        ("import error", 3, 1, "no Python module named 'no_such_module_anywhere' (looked beside the "
         "file, in the working directory and in installed modules)", None),
    ]


def test_dsp_import_declares_declarations(project):
    main = project("main.dsp", """
        import "common.dsp"
        import "common.dsp" as common
        let s: Source = Source(url="u", title="t")
        let v: common.Verdict = common.Verdict.supported
        print(clean(" x "), common.clean("y"), Predict(Summarize), common.Summarize)
        signature Check = "claim -> verdict: Verdict, source: common.Source"
    """)
    assert check_file(main) == []


def test_dsp_import_alias_member_and_type_errors(project):
    main = project("main.dsp", """
        import "common.dsp" as common
        print(common.Summarise)
        type Row:
            verdict: common.Verdic
            summary: common.Summarize
    """)
    found = [(e.kind, e.span.line, e.span.col, e.message, e.hint) for e in check_file(main)]
    assert found == [
        ("name error", 2, 7, "'common' has no declaration 'Summarise'", "did you mean 'Summarize'?"),
        ("name error", 4, 14, "'common' has no type 'Verdic'", "did you mean 'Verdict'?"),
        ("type error", 5, 14, "'common.Summarize' is not a type (SignatureDecl)", None),
    ]


def test_dsp_import_missing_file(project):
    main = project("main.dsp", """
        let x = 1
        import "comon.dsp"
    """)
    [err] = check_file(main)
    assert (err.kind, err.span.line, err.span.col, err.hint) == ("import error", 2, 1, "did you mean 'common.dsp'?")
    assert err.message.startswith("cannot find 'comon.dsp'")


def test_dsp_import_cycle(project):
    project("b.dsp", """
        import "c.dsp"
        def fb():
            return 1
    """)
    project("c.dsp", """
        import "a.dsp"
    """)
    main = project("a.dsp", """
        import "b.dsp"
        print(fb())
    """)
    found = [(e.kind, e.span.line, e.span.col, e.message) for e in check_file(main)]
    assert found == [("import error", 1, 1, "import cycle: a.dsp -> b.dsp -> c.dsp -> a.dsp")]


def test_dsp_import_of_a_file_with_a_syntax_error(project):
    project("broken.dsp", """
        def f(:
            return 1
    """)
    main = project("main.dsp", 'import "broken.dsp"\n')
    [err] = check_file(main)
    assert (err.kind, err.span.line, err.span.col) == ("import error", 1, 1)
    assert err.message.startswith("'broken.dsp' has a syntax error (line 1): ")
