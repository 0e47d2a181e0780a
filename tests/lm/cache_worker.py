"""Run as a separate process by test_lm_cache: writes `count` replies into the LM cache.

    python cache_worker.py TAG COUNT      (DSP_CACHE_DIR chooses the cache)

Each reply has its own key (`question TAG-j`), and every worker also writes the same
`shared-j` keys, so two workers contend for the same rows.
"""

import sys

from dsplang.lm import ScriptedLM


def main(tag: str, count: int) -> None:
    for j in range(count):
        for question, answer in ((f"question {tag}-{j}", f"answer {tag}-{j}"),
                                 (f"shared-{j}", f"shared answer {j}")):
            lm = ScriptedLM([answer], cache=True)
            lm.request([{"role": "user", "content": question}])


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
