"""Reading course import files: NDJSON line by line, or one JSON document, validated item by item.

Parsing is CPU-bound: `ReadAhead` runs it in a thread of its own, a few batches ahead of the writer, so a
large file never sits in memory as Python objects and the event loop keeps serving requests.
"""

from __future__ import annotations

import asyncio
import json
import queue
import re
import threading
from collections.abc import Iterator
from enum import StrEnum
from typing import IO, Any

import orjson

from oms.exceptions import Unprocessable, UnsupportedMediaType
from oms.services.imports.items import ParsedItem, validate_item

NDJSON_MEDIA_TYPES = {
    "application/x-ndjson",
    "application/ndjson",
    "application/jsonl",
    "application/x-jsonlines",
    "application/jsonlines",
}
NDJSON_SUFFIXES = (".ndjson", ".jsonl")
BATCH_ITEMS = 500
BATCH_BYTES = 8 * 1024 * 1024
READ_AHEAD = 4  # batches parsed ahead of the one being written
_WS = re.compile(r"[ \t\n\r]*")


class Format(StrEnum):
    ndjson = "ndjson"
    document = "document"  # a JSON array of courses (or a single course object)


class EmptyImport(Unprocessable):
    title = "Empty import"


class MalformedImport(Unprocessable):
    title = "Malformed JSON"


UnsupportedImportType = UnsupportedMediaType


def detect_format(source: IO[bytes], media_type: str | None = None, filename: str | None = None) -> Format:
    """NDJSON or a JSON document, from the media type, the file name, or the first line (the file is
    rewound); EmptyImport when there is nothing but whitespace."""
    start = source.tell()
    first = source.readline()
    while first and not first.strip():
        first = source.readline()
    source.seek(start)
    head = first.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise EmptyImport("the body is empty; send a JSON array of courses or NDJSON (one course per line)")
    # a JSON array is never NDJSON (no line of it is a course): read it as the document it is, even when
    # sent or named as NDJSON, as a one-line object is read as NDJSON whatever it is called
    if head.startswith(b"["):
        return Format.document
    if (media_type or "").lower() in NDJSON_MEDIA_TYPES or (filename or "").lower().endswith(NDJSON_SUFFIXES):
        return Format.ndjson
    # an object that ends on its first line is NDJSON (even if that line is malformed); one that goes on
    # is a pretty-printed document
    if head.startswith(b"{") and head.rstrip().endswith(b"}"):
        return Format.ndjson
    return Format.document


class ItemReader:
    """Items of one import file in batches; a slug seen before in the file makes the later item fail."""

    def __init__(self, source: IO[bytes], fmt: Format) -> None:
        self.source = source
        self.format = fmt
        self.position = 0  # bytes (NDJSON) or characters (document) read so far, for progress
        self._seen: dict[str, tuple[int, int]] = {}  # slug -> (index, line) of its first item

    def batches(self) -> Iterator[list[ParsedItem]]:
        """Validated items, at most `BATCH_ITEMS` or about `BATCH_BYTES` of input per batch."""
        batch: list[ParsedItem] = []
        size = 0
        values = self._lines() if self.format == Format.ndjson else self._document()
        for index, (line, nbytes, value) in enumerate(values):
            item = value if isinstance(value, ParsedItem) else validate_item(index, line, value)
            item.index = index
            self._check_duplicate(item)
            batch.append(item)
            size += nbytes
            if len(batch) >= BATCH_ITEMS or size >= BATCH_BYTES:
                yield batch
                batch, size = [], 0
        if batch:
            yield batch

    def _check_duplicate(self, item: ParsedItem) -> None:
        if item.course is None or item.slug is None:
            return
        first, line = self._seen.setdefault(item.slug, (item.index, item.line))
        if first != item.index:
            item.course = None
            # the line too: people look a file up by line, and `index` counts from 0
            item.errors.append(
                {
                    "loc": ["slug"],
                    "msg": f"duplicate slug in this file (first at item {first}, line {line})",
                    "type": "duplicate_slug",
                    "ctx": {"first_index": first, "first_line": line},
                }
            )

    def _lines(self) -> Iterator[tuple[int, int, Any]]:
        """(line number, bytes, value or a failed item) for each non-blank line."""
        for number, raw in enumerate(self.source, 1):
            self.position += len(raw)
            text = raw.removeprefix(b"\xef\xbb\xbf") if number == 1 else raw
            if not text.strip():
                continue
            try:
                text.decode("utf-8")
            except UnicodeDecodeError as exc:
                why = f"line {number} is not valid UTF-8 text (at byte {exc.start + 1} of the line)"
                error = {"loc": [], "msg": why, "type": "invalid_utf8", "ctx": {"line": number}}
                yield number, len(raw), ParsedItem(0, number, errors=[error])
                continue
            try:
                value = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                why = f"invalid JSON on line {number}, column {exc.colno}: {exc.msg}"
                error = {
                    "loc": [],
                    "msg": why,
                    "type": "invalid_json",
                    "ctx": {"line": number, "column": exc.colno},
                }
                yield number, len(raw), ParsedItem(0, number, errors=[error])
                continue
            yield number, len(raw), value

    def _document(self) -> Iterator[tuple[int, int, Any]]:
        """(line number, characters, value) for each course of a JSON array, or for a single object."""
        try:
            text = self.source.read().decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise MalformedImport(f"the body is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        decoder = json.JSONDecoder(parse_constant=_no_constants)
        line, counted = 1, 0

        def decode(i: int) -> tuple[int, int, Any, int]:
            nonlocal line, counted
            line, counted = line + text.count("\n", counted, i), i
            try:
                value, end = decoder.raw_decode(text, i)
            except (ValueError, RecursionError) as exc:
                raise _malformed(text, i, exc) from exc
            self.position = end
            return line, end - i, value, _skip(text, end)

        i = _skip(text, 0)
        if text.startswith("{", i):
            number, size, value, i = decode(i)
            yield number, size, value
        elif not text.startswith("[", i):
            raise MalformedImport("the body must be a JSON array of courses, or NDJSON (one course per line)")
        elif text.startswith("]", i := _skip(text, i + 1)):
            raise EmptyImport("the JSON array is empty ([]): it has no courses to import")
        else:
            while True:
                number, size, value, i = decode(i)
                yield number, size, value
                if not text.startswith((",", "]"), i):
                    raise _malformed(text, i, ValueError("expected ',' or ']' after an item"))
                if text.startswith("]", i):
                    i = _skip(text, i + 1)
                    break
                i = _skip(text, i + 1)
        if i != len(text):
            raise _malformed(text, i, ValueError("unexpected data after the end of the JSON document"))


class ReadAhead:
    """An `ItemReader`'s batches, parsed by a thread of their own up to READ_AHEAD batches ahead; a
    reading error (a malformed document) is raised by `next()`. `position` is where the last batch
    returned ends in the file. Call `close()` when done."""

    def __init__(self, reader: ItemReader) -> None:
        self._reader = reader
        self._queue: queue.Queue[tuple[list[ParsedItem], int] | BaseException | None] = queue.Queue(
            READ_AHEAD
        )
        self.position = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="import-reader", daemon=True)
        self._thread.start()

    def _put(self, value: tuple[list[ParsedItem], int] | BaseException | None) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(value, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def _produce(self) -> None:
        try:
            for batch in self._reader.batches():
                if not self._put((batch, self._reader.position)):
                    return
        except Exception as exc:  # handed to the consumer, which raises it
            self._put(exc)
        else:
            self._put(None)

    async def next(self) -> list[ParsedItem] | None:
        """The next batch, or None at the end of the file."""
        value = await asyncio.to_thread(self._queue.get)
        if isinstance(value, BaseException):
            raise value
        if value is None:
            return None
        batch, self.position = value
        return batch

    def close(self) -> None:
        """Stop reading (the thread ends within 0.1 s)."""
        self._stop.set()


def _skip(text: str, i: int) -> int:
    """The position of the first non-whitespace character at or after `i`."""
    match = _WS.match(text, i)
    return match.end() if match else i


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _malformed(text: str, pos: int, exc: Exception) -> MalformedImport:
    """A body-level error saying where the JSON document breaks; nothing of it is imported."""
    if isinstance(exc, json.JSONDecodeError):
        where, why = f"line {exc.lineno} column {exc.colno}", exc.msg
    else:
        line = text.count("\n", 0, pos) + 1
        where, why = (
            f"line {line} column {pos - text.rfind(chr(10), 0, pos)}",
            str(exc) or "nested too deeply",
        )
    return MalformedImport(
        f"the JSON document is malformed at {where}: {why}; nothing was imported",
        errors=[{"loc": ["body"], "msg": f"{where}: {why}"}],
    )
