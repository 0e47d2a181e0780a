"""The fake task and fake LM behaviour shared by the dsplang and DSPy sides of compile_vs_dspy.py.

Plain Python (imports neither dsplang nor DSPy), so both processes use exactly this code.

The task: "In the <domain> archive, what is the code word of entry <k>?" -> a word. The fake
LM answers a task request right with a probability that rises with the demos in the prompt
(more so with demos from the same domain), falls with every demo whose answer is wrong, and
rises with a good instruction (one containing MAGIC). Without the domain's rule in the
instructions (`rule(domain)`, which also contains MAGIC) it is right at most `CAP_WITHOUT_RULE`
of the time; with it, up to 0.97: instructions carry knowledge demos cannot. Whether it is right
is decided by a hash of (instructions, demo questions, question), and, for a request sampled
at a temperature above 0 with a rollout id (SIMBA's runs), of the rollout id too: the same
prompt always gets the same answer.

Requests for other outputs are prompt-model requests:
- a `proposed_instruction` (MIPROv2, COPRO) is good (contains MAGIC) for about a third of the
  requests (by a hash of the request text and the completion number); it holds no rule;
- a reflection (GEPA: DSPy's plain-text prompt with ``` blocks, or dsplang's `new_instruction`)
  returns the current instruction plus rules: every rule the feedback quotes (`feedback`) is
  added with probability 0.8, and without feedback, the rule of each domain whose questions were
  answered wrong with probability 0.25 (the LM has to guess the rule from a bare score);
- SIMBA's advice (`module_advice`) is a rule too: the one the worse run's feedback quotes (0.8),
  or else the rule of the example's domain with probability 0.4 (a vague tip otherwise);
- any other output field gets a fixed descriptive sentence.

`feedback(question, answer, predicted)` is what a feedback metric says: "Correct." or the right
answer and the rule of the question's domain, quoted.

Label noise (`dataset(..., noise=F)`): a fraction F of the rows, chosen by a hash of the row
number, carry a wrong answer. With clean rows every demo is right (labelled demos are rows,
and a bootstrapped demo only passes the metric with the right answer), so the wrong-demo
penalty changes nothing; with noisy training rows, demo sets differ in how many wrong labelled
demos they hold, and so in true accuracy, as they do on real data.
"""

from __future__ import annotations

import hashlib
import json
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
CAP_WITHOUT_RULE = 0.75
VAGUE_ADVICE = "Read the question carefully and answer with a single word."
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


def rule(domain: str) -> str:
    """The rule that lets the fake LM answer `domain` questions reliably (it contains MAGIC)."""
    return f"For {domain} entries, {MAGIC} (the {domain} edition)."


def feedback(question: str, answer: str, predicted: str) -> str:
    """What a feedback metric says about one answer: it names the rule of the question's domain."""
    if predicted == answer:
        return "Correct."
    return (f"Wrong: the code word is {answer!r}, not {predicted!r}. "
            f"The instructions lack the rule <<{rule(domain_of(question))}>>")


def right_probability(instructions: str, demo_questions: list[str], question: str, wrong_demos: int = 0) -> float:
    relevant = sum(domain_of(q) == domain_of(question) for q in demo_questions)
    p = 0.2 + 0.1 * min(len(demo_questions), 4) + 0.1 * min(relevant, 2) - WRONG_DEMO_PENALTY * wrong_demos
    if MAGIC in instructions:
        p += 0.3
    cap = 0.97 if rule(domain_of(question)) in instructions else CAP_WITHOUT_RULE
    return min(max(p, 0.05), cap)


_QUOTED_RULE = re.compile(r"lack the rule <<(.+?)>>")


def _chance(text: str, p: float) -> bool:
    return _hash(text) % 10_000 < p * 10_000


def _added_rules(current: str, request: str, known: str) -> str:
    """`current` plus the rules the reflection LM writes after reading `request`."""
    rules = list(dict.fromkeys(_QUOTED_RULE.findall(request)))
    if rules:
        chosen = [r for r in rules if _chance(f"{known}|{r}", 0.8)]
    else:
        wrong = {domain_of(q) for q in re.findall(r"In the \w+ archive, what is the code word of entry \d+\?",
                                                   request)}
        chosen = [rule(d) for d in sorted(wrong) if d and _chance(f"{known}|{d}", 0.25)]
    new = [r for r in chosen if r not in current]
    return "\n".join([current.strip(), *new]) if new else current.strip()


def _reflection(text: str) -> str:
    """A reply to DSPy GEPA's plain-text reflection prompt (the new instruction in ``` blocks)."""
    blocks = re.findall(r"```\n?(.*?)```", text, re.S)
    current = blocks[0].strip() if blocks else ""
    return "```\n" + _added_rules(current, text, text) + "\n```"


def reply(messages: list[dict] | None, n: int = 1, *, rollout=None, temperature=None, prompt: str | None = None) -> list[str]:
    """The fake LM's `n` reply texts (DSPy's chat wire format) for chat `messages` (or a plain
    `prompt`); `rollout` and `temperature` are the request's rollout id and temperature."""
    if not messages:
        messages = [{"role": "user", "content": prompt or ""}]
    system = str(messages[0]["content"])
    if len(messages) == 1 and "I provided an assistant with" in system:
        return [_reflection(system)] * n
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
        sampled = f"|{rollout}" if rollout is not None and float(temperature or 0) > 0 else ""
        draw = _hash(system + "|" + "|".join(sorted(demos)) + "|" + question + sampled) % 10_000 / 10_000
        right = draw < right_probability(system, demos, question, wrong)
        return [_format({"answer": answer_for(question) if right else "unknown"}, "JSON object" in system)] * n
    texts = []
    user = users[-1] if users else ""
    for k in range(n):
        values = {}
        for name in outputs:
            if name == "new_instruction":
                fields = dict(_FIELD.findall(user))
                current = fields.get("current_instruction", "")
                values[name] = _added_rules(current, user, user)
            elif name == "module_advice":
                values[name] = json.dumps(_advice(user))
            elif name == "proposed_instruction":
                h = _hash(f"{users[-1]}|{k}")
                values[name] = (GOOD_INSTRUCTIONS[(h // 3) % 3] if h % 3 == 0
                                else WEAK_INSTRUCTIONS[h % len(WEAK_INSTRUCTIONS)])
            else:
                values[name] = DESCRIPTION
        texts.append(_format(values, "JSON object" in system))
    return texts


def _advice(user: str) -> dict:
    """SIMBA's advice per module name: a rule (see the module docstring)."""
    fields = dict(_FIELD.findall(user))
    names = re.findall(r'"([^"]+)"', fields.get("module_names", "")) or ["self"]
    quoted = _QUOTED_RULE.findall(fields.get("worse_reward_info", ""))
    question = re.search(r"In the \w+ archive, what is the code word of entry \d+\?", fields.get("program_inputs", ""))
    if quoted and _chance(user, 0.8):
        text = quoted[0]
    elif question and _chance("advice|" + user, 0.4):
        text = rule(domain_of(question.group(0)))
    else:
        text = VAGUE_ADVICE
    return {name: text for name in names}


def _format(values: dict, as_json: bool = False) -> str:
    if as_json:        # the request came from a JSON adapter (DSPy's GEPA proposer uses one)
        return json.dumps({k: json.loads(v) if k == "module_advice" else v for k, v in values.items()})
    return "\n\n".join(f"[[ ## {k} ## ]]\n{v}" for k, v in values.items()) + "\n\n[[ ## completed ## ]]"


def prompt_tokens(messages: list[dict]) -> int:
    return sum(len(str(m["content"])) for m in messages) // 4
