"""Python tools for the checker fixtures. Importing this module leaves a mark,
so a test can prove the checker never imported it."""

import sys

print("tools.py was imported")
sys.modules.setdefault("_dsp_checker_tools_marker", sys)


def wiki_search(query, k=3):
    return [f"passage about {query}"] * k


def lookup(title):
    return title
