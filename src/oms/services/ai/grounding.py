"""What a language model wrote, checked before anyone reads it: shape, size, language, and every number.

The model's reply is untrusted text. It must be one JSON object of the expected shape, within size limits,
in the requested language, without links, markup or addresses, and every number it quotes (digits, and
number words in English and Chinese) must be one of the facts it was given.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

MAX_REPLY_CHARS = 16_000
_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_EN_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "hundred": 100, "twice": 2, "double": 2, "triple": 3,
}  # fmt: skip
_EN_WORD = re.compile(r"\b(" + "|".join(_EN_WORDS) + r")\b", re.IGNORECASE)
_ZH_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_ZH_NUMBER = re.compile(
    r"([零一二两三四五六七八九十百]+)(?=\s*(?:节|天|周|个|分钟|小时|次|门|章|位|名|成|%|％|倍))"
)
_FORBIDDEN = re.compile(
    r"https?://|www\.|[\w.+-]+@[\w-]+\.[\w.]+|<\s*/?\s*[a-z!]|[\x00-\x08\x0b\x0c\x0e-\x1f]", re.I
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
ALWAYS_ALLOWED = (1.0,)


class Rejected(Exception):
    """The model's reply cannot be used; `reason` says why (malformed, invalid, ungrounded, ...)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


Suggestion = Annotated[str, Field(min_length=4, max_length=400)]


class AdviceText(BaseModel):
    """What the model is asked for: the prose only; the numbers and sections come from the facts."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    summary: str = Field(min_length=10, max_length=1200)
    suggestions: list[Suggestion] = Field(min_length=1, max_length=5)


ADVICE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["summary", "suggestions"],
    "properties": {
        "summary": {"type": "string", "maxLength": 1200},
        "suggestions": {
            "type": "array",
            "minItems": 1,
            "maxItems": 5,
            "items": {"type": "string", "maxLength": 400},
        },
    },
}


def parse_json(raw: str | None) -> Any:
    """The JSON value in a reply (a ```json fence around it is tolerated)."""
    if raw is None or not raw.strip():
        raise Rejected("empty")
    if len(raw) > MAX_REPLY_CHARS:
        raise Rejected("too_long", f"{len(raw)} chars")
    text = raw.strip()
    if text.startswith("```"):
        text = re.sub(r"^```[a-zA-Z]*\s*|\s*```$", "", text)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise Rejected("malformed", str(exc)[:80]) from exc


def parse_advice(raw: str | None) -> AdviceText:
    """The model's advice, if it has exactly the expected shape."""
    try:
        return AdviceText.model_validate(parse_json(raw))
    except ValidationError as exc:
        raise Rejected("invalid", exc.errors()[0]["msg"]) from exc


def _zh_value(text: str) -> int:
    total, current = 0, 0
    for ch in text:
        if ch in _ZH_DIGITS:
            current = _ZH_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


def numbers_in(text: str) -> list[float]:
    """Every number a reader would see in `text`: digits, English and Chinese number words."""
    found = [float(m.replace(",", "")) for m in _NUMBER.findall(text)]
    found += [float(_EN_WORDS[m.lower()]) for m in _EN_WORD.findall(text)]
    found += [float(_zh_value(m)) for m in _ZH_NUMBER.findall(text)]
    return found


def allowed_numbers(data: Any) -> set[float]:
    """The numbers in the facts (including digits inside their strings: titles, dates)."""
    out: set[float] = set(ALWAYS_ALLOWED)
    if isinstance(data, bool) or data is None:
        return out
    if isinstance(data, int | float):
        out.update({float(data), float(round(data)), round(float(data), 1)})
    elif isinstance(data, str):
        out.update(numbers_in(data))
    elif isinstance(data, dict):
        for value in data.values():
            out |= allowed_numbers(value)
    elif isinstance(data, list | tuple):
        for value in data:
            out |= allowed_numbers(value)
    return out


def check_text(texts: Iterable[str], allowed: set[float], lang: str) -> None:
    """Refuse links, markup, control characters, the wrong language, or a number not in the facts."""
    joined = "\n".join(texts)
    if _FORBIDDEN.search(joined):
        raise Rejected("unsafe", "link, address, markup or control character")
    cjk, latin = len(_CJK.findall(joined)), len(_LATIN.findall(joined))
    if lang == "zh" and cjk < max(4, latin // 3):
        raise Rejected("wrong_language", "expected Chinese")
    if lang == "en" and cjk > latin // 10:
        raise Rejected("wrong_language", "expected English")
    for number in numbers_in(joined):
        if not any(abs(number - a) < 1e-6 for a in allowed):
            raise Rejected("ungrounded", f"{number:g} is not in the facts")
