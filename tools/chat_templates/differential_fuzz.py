#!/usr/bin/env python3
"""Differential fuzzing of plexus' chat-template engine against Python jinja2.

Generates random inputs in three modes and renders each with jinja2 (set up as in
make_golden.py) and with plexus' `chat_render_jsonl` (built with the tests):

  conversations  random conversations (odd roles, whitespace and unicode edge characters,
                 special-token look-alikes) through every real template in tests/fixtures/chat
  whitespace     random text/tag mixes with -, + and trim/lstrip interactions
  expressions    random `{{ expr }}` over operators, filters, tests, methods and slices

Conversations and whitespace must match exactly (exit status 1 otherwise). Expressions report
mismatches for a person to read: jinja2 has a few behaviours plexus deliberately does not copy
(lazy generators printed as "<generator object ...>", dict_items reprs, `%` string formatting).

Run:  python tools/chat_templates/differential_fuzz.py --driver build/bin/chat_render_jsonl
"""
import argparse
import json
import random
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_golden import FIXTURES, make_env, render  # noqa: E402

PIECES = ["hi", " ", "\n", "\r\n", "\t", "\u2028", "\x85", "\u3000", "\xa0", "é", "🚀", "<think>",
          "</think>", "{{", "%}", "'", '"', "\\", "<|im_end|>", "x" * 50, "", "  lead", "trail  "]
CONTEXT = {"s": "  Hé llo, World  ", "e": "", "n": 7, "m": -3, "f": 2.5, "g": -0.75, "b": True,
           "z": None, "xs": [3, 1, 2], "ws": ["b", "a", "C"], "d": {"k": "v", "a": 1},
           "msgs": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}],
           "t": "a</think>b"}
ATOMS = ["s", "e", "n", "m", "f", "g", "b", "z", "xs", "ws", "d", "msgs", "t", "missing", "0",
         "1", "2", "-1", "3.5", "0.1", "'x'", "'ab c'", "''", "true", "false", "none", "[1, 2]",
         "['a', 'b']", "{'q': 1}", "1e3", "10"]
BINARY = ["+", "-", "*", "/", "//", "%", "~", "==", "!=", "<", ">", "<=", ">=", "in", "not in",
          "and", "or"]
FILTERS = ["trim", "length", "upper", "lower", "first", "last", "join", "join(', ')",
           "default('D')", "default('D', true)", "tojson", "tojson(indent=2)", "string", "int",
           "float", "list", "sort", "abs", "round", "round(1)", "capitalize", "title",
           "replace('l', 'L')", "count", "sum", "select('odd')|list", "map('upper')|list",
           "reject('equalto', 'a')|list", "selectattr('role', 'equalto', 'user')|list",
           "map(attribute='content')|list"]
TESTS = ["defined", "undefined", "none", "string", "number", "integer", "float", "mapping",
         "iterable", "sequence", "odd", "even", "true", "false", "boolean", "divisibleby 2",
         "equalto 1", "lower", "upper"]
METHODS = ["strip()", "lstrip()", "rstrip()", "strip('x ')", "split()", "split(',')",
           "split('l', 1)", "upper()", "lower()", "title()", "capitalize()", "startswith('H')",
           "endswith(' ')", "replace(' ', '_')", "get('k')", "get('zz', 0)", "find('l')",
           "count('l')"]
SPACES = ["", " ", "  ", "\n", "\n\n", "\t", " \n ", "x", "y\n", "\n  "]


def expression(rng, depth=0):
    r = rng.random()
    if depth > 3 or r < 0.3:
        return rng.choice(ATOMS)
    if r < 0.5:
        return f"({expression(rng, depth + 1)} {rng.choice(BINARY)} {expression(rng, depth + 1)})"
    if r < 0.6:
        return f"{expression(rng, depth + 1)} | {rng.choice(FILTERS)}"
    if r < 0.67:
        negation = "not " if rng.random() < 0.3 else ""
        return f"({expression(rng, depth + 1)} is {negation}{rng.choice(TESTS)})"
    if r < 0.75:
        return f"{rng.choice(['s', 'd', 't', 'e'])}.{rng.choice(METHODS)}"
    if r < 0.82:
        start = rng.choice(["", "0", "1", "-1", "-2", "5"])
        stop = rng.choice(["", "1", "-1", "3", "10"])
        step = rng.choice(["", "", "-1", "2", "-2"])
        return f"{rng.choice(['s', 'xs', 'ws', 't', 'msgs'])}[{start}:{stop}{':' + step if step else ''}]"
    if r < 0.88:
        index = rng.choice(["0", "-1", "1", "5", "-5", "'k'", "'role'"])
        return f"{rng.choice(['xs', 'ws', 's', 'd', 'msgs'])}[{index}]"
    if r < 0.93:
        return f"(not {expression(rng, depth + 1)})"
    if r < 0.97:
        return (f"({expression(rng, depth + 1)} if {expression(rng, depth + 1)} "
                f"else {expression(rng, depth + 1)})")
    return f"-{expression(rng, depth + 1)}"


def whitespace_template(rng):
    sign = lambda: rng.choice(["", "-", "+"])  # noqa: E731
    dash = lambda: rng.choice(["", "-"])  # noqa: E731
    parts = []
    for _ in range(rng.randint(1, 6)):
        parts.append(rng.choice(SPACES))
        k = rng.random()
        if k < 0.4:
            parts.append("{%" + sign() + " if b " + sign() + "%}" + rng.choice(SPACES) + "A" +
                         rng.choice(SPACES) + "{%" + sign() + " endif " + sign() + "%}")
        elif k < 0.6:
            parts.append("{{" + dash() + " n " + dash() + "}}")
        elif k < 0.8:
            parts.append("{#" + dash() + " c " + dash() + "#}")
        else:
            parts.append("{%" + sign() + " for i in xs " + sign() + "%}" + rng.choice(SPACES) +
                         "{{ i }}" + rng.choice(SPACES) + "{%" + dash() + " endfor " + dash() +
                         "%}")
    parts.append(rng.choice(SPACES))
    return "".join(parts)


def conversation_cases(rng, count):
    cases = []
    for entry in json.loads((FIXTURES / "templates.json").read_text(encoding="utf-8")):
        template = (FIXTURES / entry["file"]).read_text(encoding="utf-8")
        for _ in range(count):
            messages = []
            for k in range(rng.randint(0, 6)):
                role = (rng.choice(["system", "user", "assistant"]) if rng.random() < 0.3
                        else ["user", "assistant"][k % 2])
                content = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 6)))
                messages.append({"role": role, "content": content})
            context = {"messages": messages, "tools": None, "documents": None,
                       **entry["special_tokens"]}
            r = rng.random()
            if r < 0.8:
                context["add_generation_prompt"] = r < 0.4
            cases.append((template, context))
    return cases


def run(driver, cases):
    lines = "".join(json.dumps({"template": t, "context": c}) + "\n" for t, c in cases)
    done = subprocess.run([driver], input=lines, capture_output=True, text=True, check=True)
    # split("\n"), not splitlines(): outputs may contain U+2028 and friends.
    return [json.loads(line) for line in done.stdout.split("\n") if line]


def compare(env, driver, mode, cases, show):
    mismatches = 0
    for (template, context), got in zip(cases, run(driver, cases)):
        want = render(env, template, context)
        same = ("error" in want) == ("error" in got) and want.get("output") == got.get("output")
        if same:
            continue
        mismatches += 1
        if mismatches <= show:
            print(f"[{mode}] {template[:120]!r}\n  jinja2: {want!r:.300}\n  plexus: {got!r:.300}")
    print(f"{mode}: {len(cases)} cases, {mismatches} mismatches")
    return mismatches


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--driver", required=True, help="path to the chat_render_jsonl binary")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=2000, help="cases per mode (per template)")
    parser.add_argument("--show", type=int, default=10, help="mismatches to print per mode")
    args = parser.parse_args()
    env = make_env()
    rng = random.Random(args.seed)
    strict = compare(env, args.driver, "conversations",
                     conversation_cases(rng, args.count // 5), args.show)
    strict += compare(env, args.driver, "whitespace",
                      [(whitespace_template(rng), CONTEXT) for _ in range(args.count)], args.show)
    compare(env, args.driver, "expressions",
            [("{{ " + expression(rng) + " }}", CONTEXT) for _ in range(args.count)], args.show)
    sys.exit(1 if strict else 0)


if __name__ == "__main__":
    main()
