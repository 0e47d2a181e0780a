"""Checker types (analysis/types.py): type expressions, signature fields and short-form strings."""

from checker_helpers import one, problems

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
    """) == [("name error", 3, 5, "field 'q' appears twice in signature A",
              "it is first declared on line 2"),
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
