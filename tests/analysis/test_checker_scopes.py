"""Checker scopes (analysis/scopes.py): hoisting, block scopes for `let`, local binders, modules."""

from checker_helpers import ok, one, problems

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
