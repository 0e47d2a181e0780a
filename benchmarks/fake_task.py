"""The fake task and fake LM behaviour shared by the dsplang and DSPy sides of compile_vs_dspy.py.

Plain Python (imports neither dsplang nor DSPy), so both processes use exactly this code.

The task: "In the <domain> archive, what is the code word of entry <k>?" -> a word. The fake
LM answers a task request right with a probability that rises with the demos in the prompt
(more so with demos from the same domain), falls with every demo whose answer is wrong, and
rises with a good instruction (one containing MAGIC); whether it is right is decided by a hash of (instructions, demo questions, question),
so the same prompt always gets the same answer. Requests for other outputs are prompt-model
requests: a `proposed_instruction` is good (contains MAGIC) for about a third of the
requests (by a hash of the request text and the completion number); any other output field
gets a fixed descriptive sentence.

Label noise (`dataset(..., noise=F)`): a fraction F of the rows, chosen by a hash of the row
number, carry a wrong answer. With clean rows every demo is right (labelled demos are rows,
and a bootstrapped demo only passes the metric with the right answer), so the wrong-demo
penalty changes nothing; with noisy training rows, demo sets differ in how many wrong labelled
demos they hold, and so in true accuracy, as they do on real data.
"""

from __future__ import annotations

import hashlib
import re

DOMAINS = ["chemistry", "history", "music", "sport", "geography"]
WORDS = ["amber", "basil", "cedar", "delta", "ember", "flint", "garnet", "harbor", "indigo", "juniper",
         "kelp", "lumen", "maple", "nectar", "onyx", "pepper", "quartz", "raven", "sable", "thistle"]
MAGIC = "look up the entry in the domain's code book"
GOOD_INSTRUCTIONS = [f"You are an archivist: {MAGIC} and reply with the code word only.",
                     f"Read the question, {MAGIC}, then give the single code word.",
                     f"To answer, {MAGIC}; the answer is one lowercase word."]
WEAK_INSTRUCTIONS = ["Answer the question accurately.", "Give a short answer.",
                     "Think about the domain, then answer with one word.",
                     "You are a helpful assistant. Answer concisely."]
WRONG_DEMO_PENALTY = 0.1
DESCRIPTION = "The data are questions asking for the code word of an archive entry in a domain; answers are single words."

_FIELD = re.compile(r"\[\[ ## (\w+) ## \]\]\n(.*?)(?=\n\n\[\[ ## |\n\nRespond|\Z)", re.S)
_OUTPUTS = re.compile(r"Your output fields are:\n((?:\d+\. .*\n?)+)")
_NAME = re.compile(r"^\d+\. `(\w+)`", re.M)


def _hash(text: str) -> int:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:12], 16)


def answer_for(question: str) -> str:
    return WORDS[_hash("answer|" + question) % len(WORDS)]


def domain_of(question: str) -> str:
    return next((d for d in DOMAINS if f" {d} " in question), "")


def dataset(start: int, stop: int, noise: float = 0.0) -> list[dict]:
    """Rows {question, answer} number start..stop (the same for both sides); a fraction `noise`
    of them (by a hash of the row number) has a wrong answer."""
    rows = []
    for k in range(start, stop):
        domain = DOMAINS[_hash(f"domain|{k}") % len(DOMAINS)]
        question = f"In the {domain} archive, what is the code word of entry {k}?"
        answer = answer_for(question)
        if _hash(f"noise|{k}") % 10_000 < noise * 10_000:
            answer = WORDS[(WORDS.index(answer) + 1 + _hash(f"wrong|{k}") % (len(WORDS) - 1)) % len(WORDS)]
        rows.append({"question": question, "answer": answer})
    return rows


def right_probability(instructions: str, demo_questions: list[str], question: str, wrong_demos: int = 0) -> float:
    relevant = sum(domain_of(q) == domain_of(question) for q in demo_questions)
    p = 0.2 + 0.1 * min(len(demo_questions), 4) + 0.1 * min(relevant, 2) - WRONG_DEMO_PENALTY * wrong_demos
    if MAGIC in instructions:
        p += 0.3
    return min(max(p, 0.05), 0.97)


def reply(messages: list[dict], n: int = 1) -> list[str]:
    """The fake LM's `n` reply texts (DSPy's chat wire format) for chat `messages`."""
    system = str(messages[0]["content"])
    found = _OUTPUTS.search(system)
    outputs = _NAME.findall(found.group(1)) if found else ["answer"]
    users = [str(m["content"]) for m in messages if m["role"] == "user"]
    if outputs == ["answer"]:
        fields = dict(_FIELD.findall(users[-1]))
        question = fields.get("question", "").strip()
        demos = [dict(_FIELD.findall(u)).get("question", "").strip() for u in users[:-1]]
        replies = [str(m["content"]) for m in messages if m["role"] == "assistant"]
        wrong = sum(dict(_FIELD.findall(r)).get("answer", "").strip() != answer_for(q)
                    for q, r in zip(demos, replies))
        draw = _hash(system + "|" + "|".join(sorted(demos)) + "|" + question) % 10_000 / 10_000
        right = draw < right_probability(system, demos, question, wrong)
        return [_format({"answer": answer_for(question) if right else "unknown"})] * n
    texts = []
    for k in range(n):
        values = {}
        for name in outputs:
            if name == "proposed_instruction":
                h = _hash(f"{users[-1]}|{k}")
                values[name] = (GOOD_INSTRUCTIONS[(h // 3) % 3] if h % 3 == 0
                                else WEAK_INSTRUCTIONS[h % len(WEAK_INSTRUCTIONS)])
            else:
                values[name] = DESCRIPTION
        texts.append(_format(values))
    return texts


def _format(values: dict) -> str:
    return "\n\n".join(f"[[ ## {k} ## ]]\n{v}" for k, v in values.items()) + "\n\n[[ ## completed ## ]]"


def prompt_tokens(messages: list[dict]) -> int:
    return sum(len(str(m["content"])) for m in messages) // 4
