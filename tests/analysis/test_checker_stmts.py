"""Checker statements (analysis/stmts.py): expressions in every statement, assignment, except
names, loop and def placement, duplicates, compile/save/load."""

import dataclasses

from checker_helpers import ok, one, problems

from dsplang.analysis.checker import check_program

# ---------------------------------------------------------------- every statement's expressions

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
