"""Checker expressions (analysis/exprs.py): unknown names and the arity of calls."""

from checker_helpers import ok, problems

from dsplang.analysis.checker import check_file

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
