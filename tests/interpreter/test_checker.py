"""The static checker behind `dsp check`: every rule, positive and negative, with exact spans."""

import dataclasses
import os
import shutil
import sys
import textwrap
import time

import pytest
from hypothesis import given, settings, strategies as st

from dsplang.errors import DspCheckError, DspError, DspFileError
from dsplang.interpreter.checker import check_file, check_program, check_source

FIXTURES = os.path.join(os.path.dirname(__file__), "checker_fixtures")


def problems(src: str, filename: str = "t.dsp") -> list[tuple]:
    """(kind, line, col, message, hint) for each problem in `src`."""
    errs = check_source(textwrap.dedent(src).lstrip("\n"), filename)
    return [(e.kind, e.span.line, e.span.col, e.message, e.hint) for e in errs]


def one(src: str, filename: str = "t.dsp") -> tuple:
    found = problems(src, filename)
    assert len(found) == 1, found
    return found[0]


def ok(src: str, filename: str = "t.dsp") -> None:
    assert problems(src, filename) == []


# ---------------------------------------------------------------- rule 1: hoisting, top-level order

def test_declarations_are_hoisted():
    ok("""
        let p = Predict(Answer)
        print(helper(1), Mood.happy, Bot())
        signature Answer:
            input question: str
            output answer: str
        def helper(x):
            return x
        enum Mood: happy, sad
        module Bot():
            def forward():
                return 1
    """)


def test_function_bodies_see_later_top_level_lets():
    ok("""
        def f():
            return limit + 1
        let limit = 3
        print(f())
    """)


def test_top_level_use_before_let():
    assert one("""
        print(limit)
        let limit = 3
    """) == ("name error", 1, 7, "'limit' is used before it is declared (line 2)", None)


def test_top_level_imports_are_processed_first():
    ok("""
        print(dumps([1]))
        from json import dumps
    """)


# ---------------------------------------------------------------- rule 2: block scopes for let

def test_let_in_inner_block_shadows_and_is_local():
    assert one("""
        let x = 1
        if x > 0:
            let x = "inner"
            let y = x
            print(y)
        print(y)
    """) == ("name error", 6, 7, "name 'y' is not defined", None)


def test_second_let_in_same_block():
    assert one("""
        def f():
            let a = 1
            let a = 2
            return a
    """) == ("name error", 3, 9, "'a' is already declared in this scope (line 2)", None)


def test_let_tuple_declares_both_and_clashes_with_declaration():
    assert one("""
        let a, b = [1, 2]
        print(a + b)
        signature Q = "x -> y"
        let Q = 1
    """) == ("name error", 4, 5, "'Q' is already declared in this scope (line 3)", None)


def test_nested_def_is_declared_where_it_stands_and_closures_see_later_lets():
    assert one("""
        def outer():
            print(early())
            def early():
                return late
            let late = 1
            return early()
    """) == ("name error", 2, 11, "'early' is used before it is declared (line 3)", None)


def test_expressions_in_every_statement_are_checked():
    assert problems("""
        use LM(modl)
        ensure bogus > 1, f"got {bogus2}"
        require true, msg
        raise Error(reason)
        with LM("m"):
            print([x for x in xs])
        type Rec:
            n: int = default_n
    """) == [("name error", 1, 8, "name 'modl' is not defined", None),
             ("name error", 2, 8, "name 'bogus' is not defined", None),
             ("name error", 2, 26, "name 'bogus2' is not defined", None),
             ("name error", 3, 15, "name 'msg' is not defined", None),
             ("name error", 4, 13, "name 'reason' is not defined", None),
             ("name error", 6, 23, "name 'xs' is not defined", None),
             ("name error", 8, 14, "name 'default_n' is not defined", None)]


# ---------------------------------------------------------------- rule 3: assignment

def test_assignment_to_undeclared_name():
    assert one("""
        total = 0
    """) == ("name error", 1, 1, "assignment to undeclared name 'total'",
             "declare it first with `let total = ...`")


def test_assignment_did_you_mean_and_augmented():
    assert one("""
        let count = 0
        for i in range(3):
            coutn += i
    """) == ("name error", 3, 5, "assignment to undeclared name 'coutn'", "did you mean 'count'?")


def test_assignment_to_builtin_and_declarations():
    assert problems("""
        len = 3
        signature Ask = "q -> a"
        Ask = 1
        def f():
            return 1
        f = 2
    """) == [
        ("name error", 1, 1, "cannot assign to builtin 'len'", "declare your own with `let len = ...`"),
        ("name error", 3, 1, "cannot assign to signature 'Ask'",
         "declare a new name with `let Ask = ...` in an inner block"),
        ("name error", 6, 1, "cannot assign to def 'f'",
         "declare a new name with `let f = ...` in an inner block"),
    ]


def test_attribute_and_index_assignment_need_a_known_name():
    assert problems("""
        let d = {}
        d["k"] = 1
        let e = Example(question="q")
        e.answer = "a"
        z.answer = "b"
        let a, b = [1, 2]
        a, b = [b, a]
    """) == [("name error", 5, 1, "name 'z' is not defined", None)]


def test_assignment_reaches_outer_scopes():
    ok("""
        let best = 0
        def f(xs):
            for x in xs:
                if x > best:
                    best = x
            return best
    """)


# ---------------------------------------------------------------- rule 4: local binders

def test_loop_target_is_local_to_the_body():
    assert one("""
        for i, entry in enumerate([1]):
            print(i, entry)
        print(entry)
    """) == ("name error", 3, 7, "name 'entry' is not defined", None)


def test_comprehension_and_lambda_names_are_local():
    assert problems("""
        let squares = [n * n for n in range(3) if n > 0]
        let pairs = {k: v for k, v in zip([1], [2])}
        let f = lambda a, b=2: a + b
        print(n, a)
    """) == [("name error", 4, 7, "name 'n' is not defined", None),
             ("name error", 4, 10, "name 'a' is not defined", None)]


def test_except_and_with_aliases():
    assert problems("""
        try:
            print(1)
        except LMError as err:
            print(err)
        with LM("x") as lm:
            print(lm)
        print(err, lm)
    """) == [("name error", 7, 7, "name 'err' is not defined", None),
             ("name error", 7, 12, "name 'lm' is not defined", None)]


def test_def_params_are_local():
    assert one("""
        def f(question, k=3):
            return question * k
        print(k)
    """) == ("name error", 3, 7, "name 'k' is not defined", None)


# ---------------------------------------------------------------- rule 5: modules

def test_module_members_visible_in_methods():
    ok("""
        signature QA = "question -> answer"
        module Bot(k: int = 2):
            predict = Predict(QA)
            calls = k * 2
            def forward(question: str):
                calls = calls + 1
                k = k - 1
                return helper(predict(question=question), self)
            def helper(pred, me):
                return pred
    """)


def test_module_attribute_sees_only_earlier_attributes():
    assert one("""
        module Bot():
            first = second
            second = 1
            def forward():
                return first
    """) == ("name error", 2, 13, "'second' is used before it is declared (line 3)", None)


def test_module_duplicate_member_and_assignment_to_method():
    assert problems("""
        module Bot():
            x = 1
            x = 2
            def forward():
                go = 3
                return x
            def go():
                return 1
    """) == [("name error", 3, 5, "'x' is already declared in module Bot (line 2)", None),
             ("name error", 5, 9, "cannot assign to method 'go'", None)]


# ---------------------------------------------------------------- rule 6: unknown names

def test_unknown_name_with_did_you_mean_over_builtins_and_locals():
    assert problems("""
        let question = "q"
        print(questoin)
        let p = ChainOfThougt("q -> a")
        print(true, True, none)
    """) == [("name error", 2, 7, "name 'questoin' is not defined", "did you mean 'question'?"),
             ("name error", 3, 9, "name 'ChainOfThougt' is not defined",
              "did you mean 'ChainOfThought'?")]


# ---------------------------------------------------------------- rule 7: imports

@pytest.fixture
def project(tmp_path):
    """A folder with the fixtures copied in; returns a writer of extra files."""
    for name in os.listdir(FIXTURES):
        shutil.copy(os.path.join(FIXTURES, name), tmp_path / name)

    def write(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return str(path)
    write.root = tmp_path
    return write


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


# ---------------------------------------------------------------- rule 8: except, loops, duplicates

def test_except_names():
    assert one("""
        try:
            print(1)
        except ParseError:
            print(2)
        except LMErorr as e:
            print(e)
        except:
            print(3)
    """) == ("name error", 5, 1, "unknown error name 'LMErorr' in except", "did you mean 'LMError'?")


def test_break_continue_return_placement():
    assert problems("""
        for i in range(3):
            if i:
                continue
            while true:
                break
            def inner():
                break
        break
        return 1
    """) == [("syntax error", 7, 9, "'break' outside a loop", None),
             ("syntax error", 8, 1, "'break' outside a loop", None),
             ("syntax error", 9, 1, "'return' outside a def", None)]


def test_duplicate_declarations():
    assert problems("""
        def f(a):
            return a
        enum f: x, y
        signature f = "a -> b"
    """) == [("name error", 3, 1, "'f' is already declared (line 1)", None),
             ("name error", 4, 1, "'f' is already declared (line 1)", None)]


def test_duplicate_parameters_in_a_built_tree():
    """The parser rejects `def f(a, a)` itself; the checker also catches it in trees built by code."""
    from dsplang.grammar.parser import parse

    program = parse("def f(a, b):\n    return a\n", "t.dsp")
    fn = program.body[0]
    params = (fn.params[0], dataclasses.replace(fn.params[1], name="a"))
    program = dataclasses.replace(program, body=(dataclasses.replace(fn, params=params),))
    found = [(e.kind, e.span.line, e.span.col, e.message) for e in check_program(program, "t.dsp")]
    assert found == [("name error", 1, 10, "duplicate parameter 'a' in f()")]


# ---------------------------------------------------------------- rule 9: types

def test_types_in_fields_records_and_annotations():
    assert problems("""
        enum Sentiment: positive, negative
        type Row:
            mood: Sentimnt
            tags: list[strr]
        signature S:
            input text: str
            output mood: optional[Sentiment]
            output n: dict[str, int]?
            output choice: literal["a", "b"]
        def f(x: Row, y: intt) -> bool:
            let z: list[str, int] = []
            return true
    """) == [("name error", 3, 11, "unknown type 'Sentimnt'", "did you mean 'Sentiment'?"),
             ("name error", 4, 16, "unknown type 'strr'", "did you mean 'str'?"),
             ("name error", 10, 18, "unknown type 'intt'", "did you mean 'int'?"),
             ("type error", 11, 12, "list[...] takes 1 type argument, got 2", None)]


def test_a_signature_is_not_a_type():
    assert one("""
        signature A = "q -> a"
        type T:
            a: A
    """) == ("type error", 3, 8, "'A' is a signature, not a type", None)


def test_signature_fields_repeated_or_without_outputs():
    assert problems("""
        signature A:
            input q: str
            output q: str
        signature B:
            input q: str
    """) == [("name error", 3, 5, "signature field 'q' is already declared (line 2)", None),
             ("value error", 4, 1, "signature B has no output fields", "add a line `output NAME: TYPE`")]


def test_short_form_strings_are_checked():
    assert problems("""
        enum Sentiment: positive, negative
        signature Classify = "sentence -> sentiment: Sentimen"
        let p = Predict("text -> label: Sentiment")
        let q = ChainOfThought("question -> answer: flot")
        let r = Predict(signature="a -> b: boool")
    """) == [("name error", 2, 46, "unknown type 'Sentimen'", "did you mean 'Sentiment'?"),
             ("name error", 4, 45, "unknown type 'flot'", "did you mean 'float'?"),
             ("name error", 5, 36, "unknown type 'boool'", "did you mean 'bool'?")]


def test_malformed_short_form_is_a_syntax_error_inside_the_string():
    found = problems("""
        signature S = "question -> -> answer"
        let p = Predict("question answer")
    """)
    # the parser words the message; the checker places it inside the string
    assert [(kind, line, col) for kind, line, col, _, _ in found] == [
        ("syntax error", 1, 28), ("syntax error", 2, 17)]
    assert found[0][3].startswith("unexpected '->'")
    assert '"->"' in found[1][3]


def test_generic_type_misuse():
    assert problems("""
        type T:
            a: lst[str]
            b: str[int]
            c: dict[str]
    """) == [("name error", 2, 8, "unknown type 'lst'", "did you mean 'list'?"),
             ("type error", 3, 8, "type 'str' does not take type arguments", None),
             ("type error", 4, 8, "dict[...] takes 2 type arguments, got 1", None)]


# ---------------------------------------------------------------- rule 10: arity

def test_call_arity_of_defs():
    assert problems("""
        def metric(example, pred, trace=none):
            return 1
        print(metric(1, 2, 3, 4))
        print(metric(1, pred=2, trac=3))
        print(metric(1))
        print(metric(1, 2, example=3))
        print(metric(*[1, 2]), metric(1, 2, trace=0))
    """) == [
        ("argument error", 3, 23, "metric() takes 3 positional arguments but 4 were given; its parameters "
         "are metric(example, pred, trace=...)", None),
        ("argument error", 4, 25, "metric() has no parameter 'trac'; its parameters are "
         "metric(example, pred, trace=...)", "did you mean 'trace'?"),
        ("argument error", 5, 7, "metric() is missing required argument 'pred'; its parameters are "
         "metric(example, pred, trace=...)", None),
        ("argument error", 6, 20, "metric() got multiple values for argument 'example'", None),
    ]


def test_call_arity_of_modules_and_star_params(project):
    main = project("main.dsp", """
        import "common.dsp" as common
        module Hop(hops: int = 2):
            def forward(question):
                return question
        def anything(*args, **kwargs):
            return args
        let h = Hop(hopz=3)
        print(anything(1, 2, x=3), common.clean(), h(question="q"))
    """)
    found = [(e.kind, e.span.line, e.span.col, e.message, e.hint) for e in check_file(main)]
    assert found == [
        ("argument error", 7, 13, "Hop() has no parameter 'hopz'; its parameters are Hop(hops=...)",
         "did you mean 'hops'?"),
        ("argument error", 8, 28, "common.clean() is missing required argument 'text'; its parameters "
         "are common.clean(text, lower=...)", None),
    ]


def test_shadowed_def_is_not_arity_checked():
    ok("""
        def f(a):
            return a
        def g():
            let f = lambda: 1
            return f()
    """)


# ---------------------------------------------------------------- rule 11: compile, save, load

def test_compile_save_load():
    assert problems("""
        let train = []
        compile qa = Predict("q -> a") with LabeledFewShot() on train
        compile qa = qa with LabeledFewShot() on train
        save qa to "qa.json"
        load qb from "qa.json"
        save qa_prog to "x.json"
    """) == [("name error", 5, 1, "name 'qb' is not defined", None),
             ("name error", 6, 1, "name 'qa_prog' is not defined", None)]


def test_compile_into_a_declaration():
    assert one("""
        signature S = "q -> a"
        compile S = Predict(S) with LabeledFewShot() on []
    """) == ("name error", 2, 1, "cannot compile into signature 'S'", None)


# ---------------------------------------------------------------- whole files

def test_five_problems_reported_in_order():
    found = problems("""
        let x = 1
        y = 2
        print(lenn(x))
        for i in range(3):
            let i2 = i
            let i2 = 0
        def f(a):
            return a
        print(f(1, 2))
        type T:
            n: nt
    """)
    assert [(kind, line, col) for kind, line, col, _, _ in found] == [
        ("name error", 2, 1), ("name error", 3, 7), ("name error", 6, 9),
        ("argument error", 9, 12), ("name error", 11, 8)]


def test_syntax_errors_come_with_static_problems():
    found = check_source("let x = (1 +\n", "t.dsp")
    assert found and all(e.kind == "syntax error" for e in found)


def test_big_example_has_no_problems(capsys):
    before = set(sys.modules)
    assert check_file(os.path.join(FIXTURES, "multihop.dsp")) == []
    assert capsys.readouterr().out == ""
    assert "tools" not in set(sys.modules) - before
    assert "_dsp_checker_tools_marker" not in sys.modules


def test_missing_file_is_a_file_error(tmp_path):
    [err] = check_file(str(tmp_path / "nope.dsp"))
    assert isinstance(err, DspFileError)


def test_problems_are_check_errors():
    [err] = check_source("print(nope)\n", "t.dsp")
    assert isinstance(err, DspCheckError) and str(err) == "t.dsp:1:7: name error: name 'nope' is not defined"


def test_checking_a_thousand_lines_is_fast():
    from dsplang.grammar.parser import parse

    chunk = textwrap.dedent("""
        def f{i}(a, b=2):
            let total = 0
            for x in range(a):
                if x % 2 == 0:
                    total = total + x * b
            return total
        let v{i} = f{i}(3, b=4) + len([y for y in range(2)])
    """)
    source = "".join(chunk.format(i=i) for i in range(125))
    program = parse(source, "big.dsp")
    start = time.perf_counter()
    assert check_program(program, "big.dsp") == []
    assert time.perf_counter() - start < 0.1


EXAMPLE = open(os.path.join(FIXTURES, "multihop.dsp"), encoding="utf-8").read()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(EXAMPLE) - 1), st.sampled_from(list(' :()=,"\n\tax.[]#'))),
                min_size=1, max_size=4))
def test_damaged_programs_give_errors_never_crashes(edits):
    text = list(EXAMPLE)
    for index, char in edits:
        text[index] = char
    found = check_source("".join(text), os.path.join(FIXTURES, "multihop.dsp"))
    assert all(isinstance(e, DspError) and e.span is not None for e in found)
