#!/usr/bin/env python3
"""Renders the golden outputs that plexus' chat-template engine must reproduce byte for byte.

Python jinja2 is set up the way HF transformers' apply_chat_template sets it up
(ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, `raise_exception` and
`strftime_now` globals, transformers' `tojson` filter), with one change for determinism:
`strftime_now` formats a fixed date (NOW below) instead of the clock. The variables passed are
the ones transformers passes: messages, tools=None, documents=None, add_generation_prompt and the
tokenizer's special tokens.

Writes
  tests/fixtures/chat/golden/<template>.json  cases: messages + extra variables -> output or error
  tests/fixtures/chat/features.json           small templates, one engine feature each

Run:  python tools/chat_templates/make_golden.py   (after extract_templates.py)
"""
import json
from datetime import datetime
from pathlib import Path

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "chat"
NOW = datetime(2024, 9, 26, 14, 5, 9)


def make_env() -> jinja2.Environment:
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                          sort_keys=sort_keys)

    def strftime_now(format):
        return NOW.strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def render(env, template: str, variables: dict) -> dict:
    try:
        return {"output": env.from_string(template).render(**variables)}
    except jinja2.exceptions.TemplateError as e:  # includes raise_exception and syntax errors
        return {"error": str(e)}
    except Exception as e:  # sandbox OverflowError, TypeError, ... : still an error for plexus
        return {"error": f"{type(e).__name__}: {e}"}


# ---- conversations ------------------------------------------------------------------------

SYSTEMS = [None, "You are a helpful assistant.", "  Be brief.\nAnswer in French.  ", ""]
USERS = ["Hello!", "What is 2 + 2?", "Résumé: naïve café — 東京 🚀", "", "  padded question  \n",
         "Line one\nLine two\n\nLine four", 'Quotes "double" and \'single\' and {{ braces }} {% x %}',
         "tab\there\\backslash"]
ASSISTANTS = ["Hi! How can I help?", "4", "", "<think>\nThe user wants a sum.\n</think>\n\n4",
              "<think>a</think>b</think>c", "Voilà — 完成 ✅", "  spaced answer  "]


def conversations():
    """Deterministic conversations: every mix of system, turns and generation prompt."""
    cases = []
    n = 0
    for system in SYSTEMS:
        for turns in (1, 2, 3, 4):
            for add_generation_prompt in (True, False):
                messages = []
                if system is not None:
                    messages.append({"role": "system", "content": system})
                for t in range(turns):
                    messages.append({"role": "user", "content": USERS[(n + t) % len(USERS)]})
                    if t < turns - 1 or not add_generation_prompt:
                        messages.append(
                            {"role": "assistant",
                             "content": ASSISTANTS[(n + 2 * t) % len(ASSISTANTS)]})
                cases.append({"messages": messages,
                              "extra": {"add_generation_prompt": add_generation_prompt}})
                n += 1
    # Edge shapes: a single user turn ending the prompt, two system messages, a trailing
    # assistant turn with the generation prompt anyway, no messages at all.
    cases.append({"messages": [{"role": "user", "content": "only"}],
                  "extra": {"add_generation_prompt": False}})
    cases.append({"messages": [{"role": "system", "content": "first system"},
                               {"role": "system", "content": "second system"},
                               {"role": "user", "content": "hi"}],
                  "extra": {"add_generation_prompt": True}})
    cases.append({"messages": [{"role": "user", "content": "q"},
                               {"role": "assistant", "content": "<think>x</think>a"}],
                  "extra": {"add_generation_prompt": True}})
    cases.append({"messages": [{"role": "user", "content": "date?"}],
                  "extra": {"add_generation_prompt": True, "date_string": "01 Jan 2025"}})
    cases.append({"messages": [{"role": "user", "content": "hi"}], "extra": {}})
    return cases


ERROR_CASES = {
    "llama3_1": [
        {"messages": [{"role": "system", "content": "s"}],
         "extra": {"add_generation_prompt": True, "tools": [{"type": "function"}]}},
        {"messages": [{"role": "user", "content": "u"},
                      {"role": "assistant", "content": None,
                       "tool_calls": [{"function": {"name": "a", "arguments": {}}},
                                      {"function": {"name": "b", "arguments": {}}}]}],
         "extra": {"add_generation_prompt": True}},
    ],
}
ERROR_CASES["llama3_2"] = ERROR_CASES["llama3_1"]

# Beyond the tool-free conversations: tool definitions, tool calls and tool results, which
# exercise tojson(indent=...), items, reject and namespace-heavy branches of the real templates.
WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather in a city. Ünïcode ok.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"},
                                                     "days": {"type": "integer"}},
                   "required": ["city"]}}}
OBJECT_CALL = {"type": "function",
               "function": {"name": "get_weather", "arguments": {"city": "Paris", "days": 2}}}
STRING_CALL = {"type": "function",
               "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
TOOL_RESULT = {"role": "tool", "content": '{"temp_c": 21.5, "sky": "clear"}'}
TOOL_CASES = {
    "qwen2_5": [
        {"messages": [{"role": "user", "content": "Weather in Paris?"}],
         "extra": {"add_generation_prompt": True, "tools": [WEATHER_TOOL]}},
        {"messages": [{"role": "system", "content": "Use tools."},
                      {"role": "user", "content": "Weather in Paris?"},
                      {"role": "assistant", "content": "", "tool_calls": [OBJECT_CALL, OBJECT_CALL]},
                      TOOL_RESULT, TOOL_RESULT,
                      {"role": "assistant", "content": "It is 21.5 °C."}],
         "extra": {"add_generation_prompt": False, "tools": [WEATHER_TOOL]}},
    ],
    "llama3_1": [
        {"messages": [{"role": "user", "content": "Weather in Paris?"}],
         "extra": {"add_generation_prompt": True, "tools": [WEATHER_TOOL]}},
        {"messages": [{"role": "system", "content": "sys"},
                      {"role": "user", "content": "Weather in Paris?"},
                      {"role": "assistant", "tool_calls": [OBJECT_CALL]},
                      TOOL_RESULT],
         "extra": {"add_generation_prompt": True, "tools": [WEATHER_TOOL],
                   "tools_in_user_message": False}},
        {"messages": [{"role": "user", "content": "Search it"},
                      {"role": "assistant", "tool_calls": [
                          {"function": {"name": "brave_search",
                                        "arguments": {"query": "paris", "n": "3"}}}]},
                      {"role": "ipython", "content": "results"}],
         "extra": {"add_generation_prompt": True,
                   "builtin_tools": ["brave_search", "code_interpreter", "wolfram_alpha"]}},
    ],
    "deepseek_v3": [
        {"messages": [{"role": "user", "content": "Weather in Paris?"},
                      {"role": "assistant", "content": None, "tool_calls": [STRING_CALL, STRING_CALL]},
                      TOOL_RESULT, TOOL_RESULT,
                      {"role": "assistant", "content": "<think>t</think>It is 21.5 °C."},
                      {"role": "user", "content": "Thanks"}],
         "extra": {"add_generation_prompt": True}},
        {"messages": [{"role": "user", "content": "Weather?"},
                      {"role": "assistant", "content": "Checking.", "tool_calls": [STRING_CALL]},
                      TOOL_RESULT],
         "extra": {"add_generation_prompt": True}},
    ],
}
TOOL_CASES["llama3_2"] = TOOL_CASES["llama3_1"][:2]
TOOL_CASES["deepseek_r1"] = TOOL_CASES["deepseek_v3"][:1]


def golden_for(env, entry: dict) -> dict:
    template = (FIXTURES / entry["file"]).read_bytes().decode("utf-8")
    base = {"tools": None, "documents": None, **entry["special_tokens"]}
    cases = []
    for case in (conversations() + TOOL_CASES.get(entry["name"], []) +
                 ERROR_CASES.get(entry["name"], [])):
        extra = {**base, **case["extra"]}
        result = render(env, template, {"messages": case["messages"], **extra})
        cases.append({"messages": case["messages"], "extra": extra, **result})
    return {"template": entry["file"], "now": NOW.isoformat(), "cases": cases}


# ---- features: one small template per engine feature ------------------------------------

FEATURES = [
    ("text", "plain text", {}),
    ("print_string", "{{ s }}", {"s": "abc"}),
    ("print_int_float_bool_none", "{{ 1 }} {{ 2.5 }} {{ 1.0 }} {{ true }} {{ none }} {{ 1e20 }}", {}),
    ("print_list_dict", "{{ [1, 'a', none, true] }} {{ {'k': 'v', 'n': [1]} }}", {}),
    ("print_undefined", "[{{ missing }}]", {}),
    ("arith", "{{ 1 + 2 * 3 }} {{ 7 // 2 }} {{ 7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ -3 + 1 }}", {}),
    ("float_arith", "{{ 0.1 + 0.2 }} {{ 1 / 3 }} {{ 10 / 5 }}", {}),
    ("concat", "{{ 'a' ~ 1 ~ none ~ true }}", {}),
    ("string_plus", "{{ 'a' + 'b' }}", {}),
    ("compare", "{{ 1 < 2 }} {{ 'a' == 'a' }} {{ 1 == 1.0 }} {{ 'b' > 'a' }} {{ 1 != 2 }} {{ 1 < 2 < 3 }}", {}),
    ("logic", "{{ true and false }} {{ false or 'x' }} {{ not none }} {{ 0 or '' or 'z' }} {{ 1 and 2 }}", {}),
    ("in_operator", "{{ 'a' in 'cat' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 'z' not in 'abc' }}", {}),
    ("condexpr", "{{ 'yes' if x else 'no' }} [{{ 'only' if false }}]", {"x": 1}),
    ("if_elif_else", "{% for v in [1, 2, 3] %}{% if v == 1 %}one{% elif v == 2 %}two{% else %}many{% endif %}{% endfor %}", {}),
    ("for_loop_vars", "{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }}|{% endfor %}", {"xs": ["a", "b", "c"]}),
    ("for_else", "{% for x in [] %}x{% else %}empty{% endfor %}", {}),
    ("for_dict_items", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", {"d": {"b": 1, "a": 2}}),
    ("for_items_filter", "{% for k, v in d | items %}{{ k }}={{ v }};{% endfor %}", {"d": {"x": [1], "y": None}}),
    ("for_dict_keys", "{% for k in d %}{{ k }}{% endfor %}", {"d": {"b": 1, "a": 2}}),
    ("for_string", "{% for c in 'héy' %}[{{ c }}]{% endfor %}", {}),
    ("for_if_filter", "{% for x in range(10) if x is odd %}{{ x }}{% endfor %}", {}),
    ("break_continue", "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}", {}),
    ("loop_scope", "{% set x = 1 %}{% for i in [1, 2] %}{% set x = x + i %}{{ x }}{% endfor %}{{ x }}", {}),
    ("namespace", "{% set ns = namespace(total=0, s='') %}{% for i in [1, 2, 3] %}{% set ns.total = ns.total + i %}{% set ns.s = ns.s ~ i %}{% endfor %}{{ ns.total }} {{ ns.s }}", {}),
    ("set_block", "{% set body %}hello {{ name }}{% endset %}[{{ body }}]", {"name": "you"}),
    ("set_top_level_in_if", "{% if true %}{% set y = 'in-if' %}{% endif %}{{ y }}", {}),
    ("macro", "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('a') }} {{ greet('b', '?') }} {{ greet(name='c') }}", {}),
    ("subscript", "{{ xs[0] }} {{ xs[-1] }} {{ d['k'] }} {{ d.k }} {{ s[1] }}", {"xs": [1, 2, 3], "d": {"k": "v"}, "s": "héllo"}),
    ("slices", "{{ xs[1:] }} {{ xs[:2] }} {{ xs[::-1] }} {{ s[::-1] }} {{ s[1:3] }} {{ xs[::2] }} {{ xs[-2:] }}", {"xs": [1, 2, 3, 4], "s": "añbc"}),
    ("string_methods", "{{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip() }}|{{ 'xxaxx'.strip('x') }}|{{ 'A b'.upper() }}{{ 'A B'.lower() }}|{{ 'hello world'.title() }}|{{ 'a-b-c'.replace('-', '+') }}|{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith('bc') }}{{ 'abc'.startswith(('x', 'a')) }}", {"s": "  pad  "}),
    ("split", "{{ 'a,b,,c'.split(',') }} {{ '  a  b '.split() }} {{ 'a:b:c'.split(':', 1) }} {{ 'x</think>y</think>z'.split('</think>')[-1] }}", {}),
    ("filters_basic", "{{ '  t  ' | trim }}|{{ [1, 2] | length }}|{{ 'abc' | length }}|{{ xs | first }}|{{ xs | last }}|{{ xs | join(', ') }}|{{ 'ab' | upper }}|{{ 'AB' | lower }}|{{ 5 | string }}|{{ '42' | int }}|{{ 'x' | int }}|{{ 3.7 | int }}", {"xs": ["a", "b", "c"]}),
    ("filter_default", "{{ missing | default('d') }} {{ none | default('d') }} {{ '' | default('d', true) }} {{ 'v' | d('x') }}", {}),
    ("filter_list", "{{ 'abc' | list }} {{ d | list }}", {"d": {"a": 1, "b": 2}}),
    ("filter_tojson", "{{ v | tojson }}|{{ v | tojson(indent=2) }}|{{ 'é\"\\n' | tojson }}|{{ [] | tojson(indent=4) }}", {"v": {"a": [1, 2.5, None, True], "b": {"c": "ü"}, "d": {}}}),
    ("filter_select", "{{ msgs | selectattr('role', 'equalto', 'user') | map(attribute='content') | join(',') }}|{{ msgs | rejectattr('role', 'equalto', 'user') | list | length }}|{{ [1, 2, 3, 4] | select('even') | list }}|{{ ['a', 'code', 'b'] | reject('equalto', 'code') | join(',') }}", {"msgs": [{"role": "user", "content": "u1"}, {"role": "assistant", "content": "a1"}, {"role": "user", "content": "u2"}]}),
    ("filter_misc", "{{ [3, 1, 2] | sort }} {{ 'ab' | reverse }} {{ [1, 2] | reverse | list }} {{ -3 | abs }} {{ 'hello' | capitalize }} {{ 'a b' | replace(' ', '_') }} {{ [1, 1, 2] | unique | list }} {{ 2.5 | round }} {{ [1, 2] | sum }}", {}),
    ("tests", "{{ x is defined }} {{ y is defined }} {{ y is undefined }} {{ none is none }} {{ 's' is string }} {{ {} is mapping }} {{ [] is mapping }} {{ 's' is iterable }} {{ 1 is number }} {{ 1 is integer }} {{ 1.5 is float }} {{ [] is sequence }} {{ 3 is odd }} {{ 4 is even }} {{ x is not none }} {{ true is boolean }} {{ 6 is divisibleby 3 }} {{ 'a' is equalto 'a' }} {{ true is true }} {{ 1 is false }}", {"x": 1}),
    ("not_is_defined", "{% if not z is defined %}{% set z = 'dflt' %}{% endif %}{{ z }}", {}),
    ("filter_precedence", "{{ 'a' + s | trim + 'b' }} {{ -2 | abs }}", {"s": "  x  "}),
    ("dict_methods", "{{ d.get('a') }} {{ d.get('z', 'dz') }} {{ d.get('z') }} {{ d.keys() | list }} {{ d.values() | list }}", {"d": {"a": 1, "b": 2}}),
    ("dict_literal_attr", "{{ {'a': {'b': 'deep'}}.a.b }} {{ ('t', 1)[0] }} {{ [[1, 2], [3]][0][1] }}", {}),
    ("string_escapes", "{{ 'tab\\tnl\\nq\\'u\\u00e9\\x41\\\\' }}|{{ \"dq \\\"x\\\"\" }}|{{ 'a' 'b' }}", {}),
    ("range", "{{ range(3) | list }} {{ range(1, 7, 2) | list }} {{ range(5, 0, -2) | list }}", {}),
    ("whitespace_dash", "a  {{- 'b' -}}  c\n  {%- if true -%}  d  {%- endif -%}\n  e", {}),
    ("whitespace_trim_lstrip", "x\n    {% if true %}\n    y\n    {% endif %}\nz\n  {# comment #}\nw {% if true %} v {% endif %}\n", {}),
    ("whitespace_plus", "x\n    {%+ if true %}y{% endif +%}\nz", {}),
    ("whitespace_variable_no_trim", "{{ 'a' }}\n{{ 'b' }}\n", {}),
    ("trailing_newline", "abc\n\n", {}),
    ("crlf", "a\r\n{% if true %}\r\nb\r\n{% endif %}\r\nc", {}),
    ("comment", "a{# hidden {{ x }} #}b{#- trimmed -#}  c", {}),
    ("raw", "{% raw %}{{ not parsed }}{% endraw %}", {}),
    ("strftime_now", "{{ strftime_now('%d %b %Y') }} {{ strftime_now('%Y-%m-%d %H:%M:%S %A %B %j %y %I %p') }}", {}),
    ("tojson_message", "{{ m | tojson }}", {"m": {"role": "user", "content": "日本\t\u0001"}}),
    ("int_float_format", "{{ 3 * 1.5 }} {{ 1e-7 }} {{ 123456789012345678 }} {{ 2 ** 0.5 }} {{ 1.5e300 * 1e10 }} {{ 100.0 }}", {}),
    ("count_and_length_of_messages", "{{ messages | length }} {{ messages[0].role }} {{ messages[-1]['content'] }}", {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]}),
    ("nested_loops_loop_var", "{% for a in [1, 2] %}{% for b in ['x', 'y'] %}{{ loop.index }}{{ a }}{{ b }} {% endfor %}{{ loop.index }};{% endfor %}", {}),
    ("undefined_attr_on_dict", "[{{ m.tool_calls }}]{% if m.tool_calls %}yes{% else %}no{% endif %}{% for t in m.tool_calls %}x{% endfor %}", {"m": {"role": "user"}}),
    # Error cases: the message the template (or jinja2) gives.
    ("error_raise_exception", "{% if messages | length == 0 %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}", {"messages": []}),
    ("error_undefined_attr_of_undefined", "{{ missing.attr }}", {}),
    ("error_unknown_filter", "{{ 'a' | no_such_filter }}", {}),
    ("error_unclosed_if", "{% if true %}a", {}),
    ("error_bad_syntax", "{{ 1 + }}", {}),
    ("error_range_too_big", "{% for i in range(10**9) %}{% endfor %}", {}),
    ("error_add_str_int", "{{ 'a' + 1 }}", {}),
]


def main() -> None:
    env = make_env()
    (FIXTURES / "golden").mkdir(exist_ok=True)
    manifest = json.loads((FIXTURES / "templates.json").read_text(encoding="utf-8"))
    for entry in manifest:
        golden = golden_for(env, entry)
        (FIXTURES / "golden" / f"{entry['name']}.json").write_text(
            json.dumps(golden, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        errors = sum("error" in c for c in golden["cases"])
        print(f"{entry['name']}: {len(golden['cases'])} cases, {errors} errors")
    features = []
    for name, template, context in FEATURES:
        features.append({"name": name, "template": template, "context": context,
                         **render(env, template, context)})
    (FIXTURES / "features.json").write_text(
        json.dumps({"now": NOW.isoformat(), "features": features}, ensure_ascii=False, indent=1)
        + "\n", encoding="utf-8")
    print(f"features: {len(features)}")


if __name__ == "__main__":
    main()
