#!/usr/bin/env python3
"""Writes the golden token ids and decodes for every reference tokenizer, using HF `tokenizers`.

Input: tests/fixtures/tokenizer/corpus.jsonl (make_corpus.py) and the tokenizer.json files that
fetch_tokenizers.py puts in tests/fixtures/tokenizer/<name>/ or models/tokenizers/<name>/.
Output: tests/fixtures/tokenizer/golden/<name>.jsonl. Line 1 is a header
  {"tokenizer", "source", "tokenizers_version", "vocab_size", "special_prefix", "special_suffix"}
then one line per corpus string, in corpus order:
  {"i": index, "ids": encode(text, add_special_tokens=False),
   "decode": decode(prefix + ids + suffix, skip_special_tokens=False),
   "decode_skip": decode(prefix + ids + suffix, skip_special_tokens=True)}
encode(text, add_special_tokens=True) is checked here to equal prefix + ids + suffix for every
string, so the C++ test compares both encodings. Byte strings that are not valid UTF-8 are given
to HF as bytes.decode("utf-8", "replace"), the behaviour plexus implements for such input.

Usage (repository root, venv with tools/tokenizer/requirements.txt):
  python3 tools/tokenizer/make_golden.py
"""

import json
import os

import tokenizers
from tokenizers import Tokenizer

FIXTURES = "tests/fixtures/tokenizer"
NAMES = ["smollm2", "spm-byte-fallback", "spm-metaspace", "llama3", "qwen2.5", "deepseek-v3"]


def find(name):
    for root in (FIXTURES, "models/tokenizers"):
        path = os.path.join(root, name, "tokenizer.json")
        if os.path.exists(path):
            return path
    return None


def load_corpus():
    texts = []
    with open(os.path.join(FIXTURES, "corpus.jsonl"), encoding="utf-8") as f:
        for line in f:
            item = json.loads(line)
            if "text" in item:
                texts.append(item["text"])
            else:
                texts.append(bytes.fromhex(item["hex"]).decode("utf-8", "replace"))
    return texts


def main():
    texts = load_corpus()
    os.makedirs(os.path.join(FIXTURES, "golden"), exist_ok=True)
    for name in NAMES:
        path = find(name)
        if path is None:
            print(f"skip {name}: no tokenizer.json (run fetch_tokenizers.py)")
            continue
        tok = Tokenizer.from_file(path)
        empty = tok.encode("", add_special_tokens=True).ids
        # The post-processor's prefix and suffix: split the ids of the empty string by "A".
        probe = tok.encode("A", add_special_tokens=False).ids
        with_special = tok.encode("A", add_special_tokens=True).ids
        start = next(i for i in range(len(with_special))
                     if with_special[i:i + len(probe)] == probe)
        prefix, suffix = with_special[:start], with_special[start + len(probe):]
        assert prefix + suffix == empty, (name, prefix, suffix, empty)
        out = os.path.join(FIXTURES, "golden", f"{name}.jsonl")
        with open(out, "w", encoding="utf-8") as f:
            header = {"tokenizer": name, "source": path, "tokenizers_version": tokenizers.__version__,
                      "vocab_size": tok.get_vocab_size(with_added_tokens=True),
                      "special_prefix": prefix, "special_suffix": suffix}
            f.write(json.dumps(header) + "\n")
            for i, text in enumerate(texts):
                ids = tok.encode(text, add_special_tokens=False).ids
                full = tok.encode(text, add_special_tokens=True).ids
                assert full == prefix + ids + suffix, (name, i)
                case = {"i": i, "ids": ids,
                        "decode": tok.decode(full, skip_special_tokens=False),
                        "decode_skip": tok.decode(full, skip_special_tokens=True)}
                f.write(json.dumps(case, ensure_ascii=False) + "\n")
        print(f"wrote {out} ({len(texts)} strings)")


if __name__ == "__main__":
    main()
