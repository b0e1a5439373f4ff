"""A number quoted in two places says the same in both: each quote against docs/numbers.toml."""
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NUMBERS = tomllib.loads((ROOT / "docs" / "numbers.toml").read_text(encoding="utf-8"))
NUMBER = r"\d[\d,]*(?:\.\d+)?%?"
QUOTED = rf"({NUMBER}(?:\s*±\s*{NUMBER})?)"


def parts(text):
    """'75.0 ± 11.9' -> [(75.0, 1), (11.9, 1)]: each number with its decimals ('91.4%' -> (0.914, 3))."""
    found = []
    for piece in text.split("±"):
        piece = piece.strip().replace(",", "")
        percent = piece.endswith("%")
        digits = piece.rstrip("%")
        decimals = len(digits.partition(".")[2]) + (2 if percent else 0)
        found.append((float(digits) / (100 if percent else 1), decimals))
    return found


def agrees(quote, value):
    """A quote agrees if each of its numbers is the value's, rounded to the quote's decimals."""
    quoted, measured = parts(quote), parts(value)
    if len(quoted) > len(measured):
        return False
    return all(abs(q - round(m, decimals)) < 1e-9 for (q, decimals), (m, _) in zip(quoted, measured))


def pattern(text):
    """The quote's text as a regex: any run of whitespace (a line break too) matches any other."""
    before, after = text.split("{}")
    words = lambda s: r"\s+".join(re.escape(w) for w in s.split())
    lead = words(before) + (r"\s+" if before.endswith(" ") else "")
    tail = (r"\s*" if after.startswith(" ") else "") + words(after)
    return lead + QUOTED + tail


QUOTES = [(name, file, text) for name, entry in NUMBERS.items() for file, text in entry["quotes"]]


@pytest.mark.parametrize("name, file, text", QUOTES, ids=[f"{n}:{f}" for n, f, _ in QUOTES])
def test_each_quote_says_the_measured_value(name, file, text):
    value = NUMBERS[name]["value"]
    found = re.findall(pattern(text), (ROOT / file).read_text(encoding="utf-8"))
    assert found, f"{file} no longer has the text {text!r}: update docs/numbers.toml [{name}]"
    for quote in found:
        assert agrees(quote, value), f"{file} quotes {quote} where docs/numbers.toml [{name}] says {value}"


def test_every_number_is_quoted_in_more_than_one_file_or_table():
    for name, entry in NUMBERS.items():
        assert len(entry["quotes"]) >= 2, f"[{name}] has one quote: it needs no entry"
        assert entry["source"], name


@pytest.mark.parametrize("quote, value, ok", [
    ("75 ± 12", "75.0 ± 11.9", True), ("75.0 ± 11.9", "75.0 ± 11.9", True), ("74", "75.0 ± 11.9", False),
    ("91.4% ± 0.2%", "0.914 ± 0.002", True), ("91%", "0.914 ± 0.002", True), ("0.92", "0.91", False),
    ("19 ± 0.3", "19.2 ± 0.3", True), ("19.2 ± 0.4", "19.2 ± 0.3", False), ("1 ± 2", "1", False)])
def test_agrees_rounds_but_never_changes_a_number(quote, value, ok):
    assert agrees(quote, value) == ok
