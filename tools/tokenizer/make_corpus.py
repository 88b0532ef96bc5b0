#!/usr/bin/env python3
"""Writes tests/fixtures/tokenizer/corpus.jsonl: the hard strings every tokenizer is checked on.

Deterministic (fixed seed, no network). One JSON object per line: {"text": str} for valid
UTF-8, or {"hex": str} for byte strings that are not valid UTF-8 (the tokenizer must treat them
as Python's bytes.decode("utf-8", "replace") does: each maximal invalid subpart becomes U+FFFD).

Usage: python3 tools/tokenizer/make_corpus.py [--out tests/fixtures/tokenizer/corpus.jsonl]
"""

import argparse
import json
import random

# Sentences in many scripts (each written for this corpus).
SCRIPTS = [
    "The quick brown fox jumps over the lazy dog.",
    "Ça va très bien, merci ! Où est la gare ?",
    "Größenordnung: Straße, Fußgänger, Äpfel und Öl.",
    "¿Dónde está el baño? ¡Qué día tan bonito!",
    "Zażółć gęślą jaźń — pójdź w krąg.",
    "Příliš žluťoučký kůň úpěl ďábelské ódy.",
    "Съешь же ещё этих мягких французских булок, да выпей чаю.",
    "Ελληνικά: Ξεσκεπάζω την ψυχοφθόρα βδελυγμία.",
    "עברית: דג סקרן שט בים מאוכזב ולפתע מצא חברה.",
    "العربية: صِف خَلقَ خَودِ كَمِثلِ الشَمسِ إذ بَزَغَت",
    "فارسی: به نام خداوند جان و خرد",
    "हिन्दी: ऋषियों को सताने वाले दुष्ट राक्षसों के राजा रावण का सर्वनाश।",
    "বাংলা: আমি বাংলায় গান গাই।",
    "தமிழ்: யாமறிந்த மொழிகளிலே தமிழ்மொழி போல் இனிதாவது எங்கும் காணோம்.",
    "తెలుగు భాష చాలా అందమైనది.",
    "ภาษาไทย: เป็นมนุษย์สุดประเสริฐเลิศคุณค่า",
    "ລາວ: ພາສາລາວ",
    "ខ្មែរ: ភាសាខ្មែរ",
    "မြန်မာဘာသာ",
    "ქართული ენა ძალიან ლამაზია.",
    "Հայերեն լեզու",
    "አማርኛ ቋንቋ",
    "中文：我能吞下玻璃而不伤身体。",
    "繁體中文：我能吞下玻璃而不傷身體。",
    "日本語：いろはにほへと ちりぬるを わかよたれそ つねならむ。カタカナ、ｶﾀｶﾅ。",
    "한국어: 다람쥐 헌 쳇바퀴에 타고파. 키스의 고유조건은",
    "Tiếng Việt: Tôi có thể ăn thủy tinh mà không hại gì.",
    "Türkçe: Pijamalı hasta yağız şoföre çabucak güvendi.",
    "Íslenska: Kæmi ný öxi hér, ykist þjófum nú bæði víl og ádrepa.",
    "Mongolian ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ",
    "Tifinagh ⵜⴰⵎⴰⵣⵉⵖⵜ and Cherokee ᏣᎳᎩ and Runic ᚠᚢᚦᚨᚱᚲ",
    "Math: ∀x∈ℝ, ∃y: x² + y² ≤ ∞; ∑ᵢ aᵢ ≈ π ≠ 3.14 → ∫₀¹ f(t) dt",
    "𝕳𝖊𝖑𝖑𝖔 𝓦𝓸𝓻𝓵𝓭 𝟙𝟚𝟛 (mathematical alphanumerics)",
    "Ancient: 𐌰𐌱𐌲 𓀀𓀁𓀂 𒀀𒀁 (Gothic, hieroglyphs, cuneiform)",
]

EMOJI = [
    "👍", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🏴‍☠️", "👩🏾‍💻", "🧑‍🤝‍🧑", "❤️", "☺️", "🇫🇷🇯🇵🇺🇸",
    "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "1️⃣", "#️⃣", "🫠🫶🪿", "😀😃😄😁😆😅🤣😂",
]

COMBINING = [
    "e\u0301", "a\u0300\u0301\u0302", "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319",
    "\u1100\u1161\u11a8", "n\u0303o", "\u0041\u030a", "\u212b", "\u00c5", "q\u0307\u0323",
    "\u0915\u094d\u0937", "o\u0308\u0304", "\u1e9b\u0323", "ﬁ ﬂ ﬃ", "Ａｂｃ１２３", "\u2126",
]

CODE = [
    "def f(x):\n    return x ** 2  # square\n",
    "for (int i = 0; i < n; ++i) {\n\tsum += a[i];\n}\n",
    "#include <vector>\nint main() { std::vector<int> v{1, 2, 3}; return v.size(); }",
    "SELECT id, name FROM users WHERE age >= 18 AND name LIKE '%o%';",
    "const x = async () => { await fetch(`/api/${id}?q=${encodeURIComponent(q)}`); };",
    "<html><body class=\"main\">&lt;p&gt; &amp; &#x1F600;</body></html>",
    '{"key": [1, 2.5, -3e10, true, null], "nested": {"a": "b\\n"}}',
    "$ grep -rn 'TODO' src/ | awk -F: '{print $1}' | sort -u > /tmp/out.txt 2>&1",
    "fn main() -> Result<(), Box<dyn Error>> { println!(\"{:?}\", vec![1u8; 4]); Ok(()) }",
    "x=1;y=2;z=x+y;print(z)#comment\r\nwindows line\r\n",
    "    indented four\n        indented eight\n\t\ttabs\n",
    "https://example.com/path/to/page?query=value&other=123#fragment",
    "user@example.org, first.last+tag@sub.domain.co.uk",
    "@@ -1,5 +1,6 @@\n-old line\n+new line\n context\n",
]

CONTRACTIONS = [
    "I'm sure you'll see it's what they've done, he'd say.",
    "I'M SURE YOU'LL SEE IT'S WHAT THEY'VE DONE, HE'D SAY.",
    "don't won't can't shan't y'all o'clock rock'n'roll",
    "It’s a curly apostrophe ’s and ‘quoted’ “double”.",
]

DIGITS = [
    "0", "12", "123", "1234", "12345", "123456789012345678901234567890",
    "3.14159265358979", "1,000,000", "-42", "+1 (555) 123-4567", "2024-01-31T12:34:56Z",
    "٠١٢٣٤٥٦٧٨٩", "१२३४५", "¼ ½ ¾ ² ³ ¹", "Ⅻ ⅻ", "①②③", "0x1F600 0b1010 0o777 1e-9",
    "v1.2.3-rc.4+build.5", "The year 1999 and 2000 and 20000.",
]

WHITESPACE = [
    " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", "\r", " \n ", "\n \n", "a  b", "a   b",
    "a\n\nb", "a \n b", "  leading", "trailing  ", "\u00a0nbsp\u00a0", "\u3000ideographic\u3000",
    "\u2003em\u2009thin\u200bzero\u200cwidth\u200djoiner", "\ufeffBOM", "\v\f vertical tab form feed",
    "\u2028line sep\u2029para sep\u0085nel",
]

# Text of special tokens of the tokenizers under test, inside user text.
SPECIAL_TEXT = [
    "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|begin_of_text|>", "<|eot_id|>",
    "<|start_header_id|>user<|end_header_id|>", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>",
    "<｜User｜>", "<｜Assistant｜>", "<think>", "</think>", "<s>", "</s>", "<unk>", "<|im_start",
    "im_start|>", "<<|im_end|>>", "<|im_start|><|im_start|>", "<|fim_prefix|>", "<|EOT|>",
    "<|reserved_special_token_7|>", "<|endoftext|>x<|endoftext|>",
]

INVALID_UTF8 = [
    b"\xff", b"\xfe\xff", b"abc\x80def", b"\xc3", b"\xc3(", b"\xe2\x82", b"\xe2\x82(",
    b"\xf0\x9f\x98", b"\xf0\x9f\x98 ok", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf",
    b"\xe0\x80\xaf", b"\xf8\x88\x80\x80\x80", b"caf\xe9", b"\x80\x80\x80", b"\xf0\x28\x8c\x28",
    b"hello \xf0\x9f\x91 world", b"\xef\xbf\xbd literal replacement char",
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="tests/fixtures/tokenizer/corpus.jsonl")
    args = parser.parse_args()
    rng = random.Random(20261127)

    items = []  # str or bytes
    for group in (SCRIPTS, EMOJI, COMBINING, CODE, CONTRACTIONS, DIGITS, WHITESPACE, SPECIAL_TEXT):
        items.extend(group)
    items.extend(INVALID_UTF8)
    items.append("")

    # Long runs: whitespace, newlines, repeated characters and words.
    for n in (8, 33, 100, 1000):
        items.append(" " * n)
        items.append("\n" * n)
        items.append("x" + " " * n + "y")
        items.append("a" * n)
    items.append("\t \n" * 300)
    items.append("ab" * 500)
    items.append("🙂" * 200)
    items.append("的" * 300)
    items.append("9" * 257)
    items.append(" ".join(SCRIPTS))
    items.append("\n\n".join(CODE))

    # Random mixtures of the fragments above, to cover boundaries between categories.
    pools = [SCRIPTS, EMOJI, COMBINING, CODE, CONTRACTIONS, DIGITS, WHITESPACE, SPECIAL_TEXT]
    joiners = ["", " ", "  ", "\n", "\n\n", "\t", " \n", "'", "-", "."]
    while len(items) < 560:
        parts = []
        for _ in range(rng.randint(2, 6)):
            pool = rng.choice(pools)
            frag = rng.choice(pool)
            if pool is SCRIPTS and rng.random() < 0.5:
                start = rng.randint(0, max(0, len(frag) - 1))
                frag = frag[start:start + rng.randint(1, 20)]
            parts.append(frag)
            parts.append(rng.choice(joiners))
        items.append("".join(parts))
    # Random invalid byte sequences spliced into valid text.
    while len(items) < 600:
        text = rng.choice(SCRIPTS + CODE).encode("utf-8")
        cut = rng.randint(0, len(text))
        junk = bytes(rng.randint(0x80, 0xFF) for _ in range(rng.randint(1, 4)))
        items.append(text[:cut] + junk + text[cut:])

    with open(args.out, "w", encoding="utf-8") as f:
        for item in items:
            if isinstance(item, bytes):
                try:
                    item = item.decode("utf-8")
                except UnicodeDecodeError:
                    f.write(json.dumps({"hex": item.hex()}) + "\n")
                    continue
            f.write(json.dumps({"text": item}, ensure_ascii=False) + "\n")
    print(f"wrote {len(items)} strings to {args.out}")


if __name__ == "__main__":
    main()
