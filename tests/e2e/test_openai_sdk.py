"""The official `openai` Python SDK against a real `plexus serve` on SmolLM2.

Proves that an unmodified OpenAI client gets correct answers: chat and completions, streamed and
not; `n` choices with their indices; stop strings (the text ends before the match, finish_reason
"stop"); seed reproducibility; logprobs in the chat and completions shapes; usage counts equal to
/tokenize's; the greedy chat answer equal to transformers' continuation; the errors the SDK maps
to exceptions (400 BadRequestError naming both token counts, 404 NotFoundError). curl checks the
raw server-sent-event framing byte for byte.
"""

from __future__ import annotations

import json
import subprocess

import openai
import pytest

from plexus_server import API_KEY, MAX_MODEL_LEN, MODEL_NAME, reference_answer

REFERENCE = reference_answer()
COLOURS = [{"role": "user", "content": "Name three primary colours."}]
FRANCE = "The capital of France is"


def greedy_chat(client, **kwargs):
    args = dict(model=MODEL_NAME, messages=COLOURS, max_tokens=32, temperature=0)
    args.update(kwargs)
    return client.chat.completions.create(**args)


def tokenize_count(server, prompt: str) -> int:
    status, body = server.post("/tokenize", {"prompt": prompt})
    assert status == 200, body
    return body["count"]


# ---- models ----

def test_models_list_names_the_served_model(client):
    models = client.models.list()
    assert [m.id for m in models.data] == [MODEL_NAME]
    assert models.data[0].owned_by == "plexus"


# ---- chat ----

def test_greedy_chat_equals_transformers_reference(client):
    r = greedy_chat(client)
    choice = r.choices[0]
    assert choice.message.content == REFERENCE["continuation_text"]
    assert choice.message.role == "assistant"
    assert choice.finish_reason == "length"
    assert r.object == "chat.completion" and r.model == MODEL_NAME
    assert r.usage.prompt_tokens == REFERENCE["num_ids"]
    assert r.usage.completion_tokens == 32
    assert r.usage.total_tokens == REFERENCE["num_ids"] + 32


def test_streamed_chat_equals_reference(client):
    stream = greedy_chat(client, stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == REFERENCE["continuation_text"]
    finals = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finals == ["length"]
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 32
    assert chunks[-1].usage.prompt_tokens == REFERENCE["num_ids"]
    assert all(c.object == "chat.completion.chunk" and c.id == chunks[0].id for c in chunks)


def test_streamed_chat_without_include_usage_has_no_usage_chunk(client):
    chunks = list(greedy_chat(client, max_tokens=4, stream=True))
    assert all(c.choices for c in chunks)
    assert all(c.usage is None for c in chunks)


# ---- completions ----

def test_completion_usage_counts_match_tokenize(client, server):
    r = client.completions.create(model=MODEL_NAME, prompt=FRANCE, max_tokens=8, temperature=0)
    assert r.object == "text_completion"
    assert r.usage.prompt_tokens == tokenize_count(server, FRANCE)
    assert 1 <= r.usage.completion_tokens <= 8
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens
    assert r.choices[0].text.strip()
    assert r.choices[0].finish_reason in ("length", "stop")


def test_completion_default_max_tokens_is_16(client):
    r = client.completions.create(model=MODEL_NAME, prompt=FRANCE, temperature=0,
                                  extra_body={"ignore_eos": True})
    assert r.usage.completion_tokens == 16 and r.choices[0].finish_reason == "length"


def test_streamed_completion_equals_whole_one(client):
    whole = client.completions.create(model=MODEL_NAME, prompt=FRANCE, max_tokens=12,
                                      temperature=0)
    chunks = list(client.completions.create(model=MODEL_NAME, prompt=FRANCE, max_tokens=12,
                                            temperature=0, stream=True,
                                            stream_options={"include_usage": True}))
    text = "".join(c.choices[0].text for c in chunks if c.choices)
    assert text == whole.choices[0].text
    assert chunks[-1].usage.completion_tokens == whole.usage.completion_tokens
    assert chunks[-1].usage.prompt_tokens == whole.usage.prompt_tokens


def test_completion_with_token_id_prompt_equals_text_prompt(client, server):
    status, tok = server.post("/tokenize", {"prompt": FRANCE})
    assert status == 200
    by_text = client.completions.create(model=MODEL_NAME, prompt=FRANCE, max_tokens=8,
                                        temperature=0)
    by_ids = client.completions.create(model=MODEL_NAME, prompt=tok["tokens"], max_tokens=8,
                                       temperature=0)
    assert by_ids.choices[0].text == by_text.choices[0].text


def test_completion_echo_returns_prompt_first(client):
    r = client.completions.create(model=MODEL_NAME, prompt=FRANCE, max_tokens=4, temperature=0,
                                  echo=True)
    assert r.choices[0].text.startswith(FRANCE)


# ---- n ----

def test_chat_n_gives_three_indexed_choices(client):
    r = client.chat.completions.create(model=MODEL_NAME, messages=COLOURS, max_tokens=8, n=3,
                                       temperature=1, seed=7)
    assert sorted(c.index for c in r.choices) == [0, 1, 2]
    assert all(c.message.content for c in r.choices)
    assert 3 <= r.usage.completion_tokens <= 3 * 8  # summed over the choices


def test_streamed_chat_n_finishes_every_index(client):
    chunks = list(client.chat.completions.create(model=MODEL_NAME, messages=COLOURS, max_tokens=6,
                                                 n=3, temperature=1, seed=3, stream=True))
    finished = sorted(c.choices[0].index for c in chunks if c.choices[0].finish_reason)
    assert finished == [0, 1, 2]
    roles = sorted(c.choices[0].index for c in chunks if c.choices[0].delta.role == "assistant")
    assert roles == [0, 1, 2]


def test_completion_n_with_two_prompts_indexes_p_times_n_plus_i(client):
    prompts = [FRANCE, "One, two, three,"]
    r = client.completions.create(model=MODEL_NAME, prompt=prompts, max_tokens=4, n=2,
                                  temperature=0)
    assert sorted(c.index for c in r.choices) == [0, 1, 2, 3]
    by_index = {c.index: c.text for c in r.choices}
    # Greedy: both choices of a prompt agree, and each prompt's text is its solo answer.
    assert by_index[0] == by_index[1] and by_index[2] == by_index[3]
    solo = client.completions.create(model=MODEL_NAME, prompt=prompts[1], max_tokens=4,
                                     temperature=0)
    assert by_index[2] == solo.choices[0].text


# ---- stop ----

def test_stop_string_ends_text_before_it(client):
    full = REFERENCE["continuation_text"]
    r = greedy_chat(client, stop=["Red is"])
    assert r.choices[0].message.content == full[:full.index("Red is")]
    assert r.choices[0].finish_reason == "stop"


def test_stop_string_across_tokens_in_a_stream(client):
    full = REFERENCE["continuation_text"]
    stop = "mary colo"  # inside "primary colours": ends mid-token on both sides
    chunks = list(greedy_chat(client, stop=[stop, "never-there"], stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == full[:full.index(stop)]
    assert [c.choices[0].finish_reason for c in chunks if c.choices[0].finish_reason] == ["stop"]


def test_completion_stop_string(client):
    whole = client.completions.create(model=MODEL_NAME, prompt="1, 2, 3, 4,", max_tokens=16,
                                      temperature=0).choices[0].text
    assert " 6" in whole, whole
    r = client.completions.create(model=MODEL_NAME, prompt="1, 2, 3, 4,", max_tokens=16,
                                  temperature=0, stop=" 6")
    assert r.choices[0].text == whole[:whole.index(" 6")]
    assert r.choices[0].finish_reason == "stop"


# ---- seed ----

def sampled(client, seed: int) -> str:
    r = client.completions.create(model=MODEL_NAME, prompt="Once upon a time", max_tokens=8,
                                  temperature=1, seed=seed, extra_body={"ignore_eos": True})
    return r.choices[0].text


def test_same_seed_gives_same_text(client):
    assert sampled(client, 1234) == sampled(client, 1234)


def test_different_seeds_usually_give_different_texts(client):
    texts = {sampled(client, seed) for seed in range(1, 5)}
    assert len(texts) >= 3, texts


def test_seeded_chat_stream_equals_seeded_whole(client):
    args = dict(model=MODEL_NAME, messages=COLOURS, max_tokens=12, temperature=1, seed=99)
    whole = client.chat.completions.create(**args).choices[0].message.content
    chunks = client.chat.completions.create(**args, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == whole


# ---- logprobs ----

def test_chat_logprobs_shape(client):
    r = greedy_chat(client, max_tokens=8, logprobs=True, top_logprobs=3)
    content = r.choices[0].logprobs.content
    assert len(content) == r.usage.completion_tokens == 8
    assert "".join(t.token for t in content) == r.choices[0].message.content
    for t in content:
        assert t.logprob <= 0
        assert bytes(t.bytes) == t.token.encode()
        assert len(t.top_logprobs) == 3
        tops = [a.logprob for a in t.top_logprobs]
        assert tops == sorted(tops, reverse=True)
        # Greedy: the chosen token is the most likely one.
        assert t.top_logprobs[0].token == t.token
        assert t.top_logprobs[0].logprob == pytest.approx(t.logprob)


def test_chat_without_logprobs_has_none(client):
    assert greedy_chat(client, max_tokens=2).choices[0].logprobs is None


def test_streamed_chat_logprobs(client):
    chunks = list(greedy_chat(client, max_tokens=6, logprobs=True, top_logprobs=2, stream=True))
    tokens = [t for c in chunks if c.choices and c.choices[0].logprobs
              for t in c.choices[0].logprobs.content]
    assert len(tokens) == 6 and all(len(t.top_logprobs) == 2 for t in tokens)


def test_completion_logprobs_shape(client):
    r = client.completions.create(model=MODEL_NAME, prompt=FRANCE, max_tokens=6, temperature=0,
                                  logprobs=2, extra_body={"ignore_eos": True})
    lp = r.choices[0].logprobs
    assert len(lp.tokens) == len(lp.token_logprobs) == len(lp.top_logprobs) == 6
    assert len(lp.text_offset) == 6
    assert "".join(lp.tokens) == r.choices[0].text
    assert lp.text_offset == sorted(lp.text_offset)
    for token, logprob, top in zip(lp.tokens, lp.token_logprobs, lp.top_logprobs):
        assert logprob <= 0
        assert 1 <= len(top) <= 2
        assert max(top.values()) == pytest.approx(logprob)
        assert token in top


# ---- errors the SDK raises ----

def test_max_tokens_over_context_is_400_naming_both_counts(client):
    prompt_tokens = REFERENCE["num_ids"]
    max_tokens = MAX_MODEL_LEN - prompt_tokens + 1
    with pytest.raises(openai.BadRequestError) as e:
        greedy_chat(client, max_tokens=max_tokens)
    message = e.value.body["message"] if isinstance(e.value.body, dict) else str(e.value)
    assert e.value.status_code == 400
    assert str(prompt_tokens) in message and str(max_tokens) in message, message
    assert str(MAX_MODEL_LEN) in message, message


def test_max_tokens_beyond_max_model_len_names_both_counts(client):
    with pytest.raises(openai.BadRequestError) as e:
        greedy_chat(client, max_tokens=4 * MAX_MODEL_LEN)
    message = e.value.body["message"]
    assert str(REFERENCE["num_ids"]) in message and str(4 * MAX_MODEL_LEN) in message, message


def test_completion_prompt_over_context_is_400(client):
    ids = [198] * (MAX_MODEL_LEN - 4)
    with pytest.raises(openai.BadRequestError) as e:
        client.completions.create(model=MODEL_NAME, prompt=ids, max_tokens=10)
    message = e.value.body["message"]
    assert str(MAX_MODEL_LEN - 4) in message and "10" in message, message


def test_unknown_model_is_404(client):
    with pytest.raises(openai.NotFoundError) as e:
        client.chat.completions.create(model="gpt-4o", messages=COLOURS, max_tokens=2)
    assert e.value.status_code == 404
    assert e.value.body["param"] == "model" and "gpt-4o" in e.value.body["message"]


def test_bad_parameter_is_400_naming_it(client):
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model=MODEL_NAME, messages=COLOURS, n=0)
    assert e.value.body["param"] == "n" and e.value.body["type"] == "invalid_request_error"


def test_wrong_api_key_is_authentication_error(server):
    wrong = openai.OpenAI(base_url=server.url + "/v1", api_key="not-" + API_KEY, max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        wrong.models.list()


# ---- raw SSE framing, as curl sees it ----

def curl_stream(server, path: str, body: dict) -> tuple[str, str]:
    """POSTs with curl -N; (response headers, body) as received."""
    out = subprocess.run(
        ["curl", "-sS", "-N", "-D", "-", "-H", f"Authorization: Bearer {API_KEY}",
         "-H", "Content-Type: application/json", "--data-binary", json.dumps(body),
         server.url + path],
        check=True, capture_output=True, timeout=120)
    head, _, payload = out.stdout.decode().partition("\r\n\r\n")
    return head, payload


def check_sse_framing(payload: str) -> list[dict]:
    """Every event is exactly 'data: <one line of JSON>' and a blank line; the last is [DONE].
    Returns the JSON events."""
    assert payload.endswith("data: [DONE]\n\n"), payload[-200:]
    assert "\r" not in payload
    events = payload.split("\n\n")
    assert events[-1] == ""
    events = events[:-1]
    assert all(e.startswith("data: ") and "\n" not in e for e in events), events[:3]
    assert events.count("data: [DONE]") == 1
    return [json.loads(e[len("data: "):]) for e in events[:-1]]


def test_curl_chat_stream_framing(server):
    head, payload = curl_stream(server, "/v1/chat/completions", {
        "messages": COLOURS, "max_tokens": 32, "temperature": 0, "stream": True,
        "stream_options": {"include_usage": True}})
    assert head.startswith("HTTP/1.1 200")
    lower = head.lower()
    assert "content-type: text/event-stream" in lower
    assert "transfer-encoding: chunked" in lower
    events = check_sse_framing(payload)
    text = "".join(e["choices"][0]["delta"].get("content", "") for e in events if e["choices"])
    assert text == REFERENCE["continuation_text"]
    assert events[-1]["usage"]["completion_tokens"] == 32


def test_curl_completion_stream_framing(server):
    head, payload = curl_stream(server, "/v1/completions", {
        "prompt": FRANCE, "max_tokens": 8, "temperature": 0, "stream": True})
    events = check_sse_framing(payload)
    assert all(e["object"] == "text_completion" for e in events)
    assert events[-1]["choices"][0]["finish_reason"] in ("length", "stop")


def test_curl_error_in_stream_request_is_plain_json(server):
    """A request refused before streaming starts is a plain JSON 400, not an event stream."""
    head, payload = curl_stream(server, "/v1/completions", {
        "prompt": FRANCE, "max_tokens": 0, "stream": True})
    assert head.startswith("HTTP/1.1 400")
    assert json.loads(payload)["error"]["param"] == "max_tokens"
