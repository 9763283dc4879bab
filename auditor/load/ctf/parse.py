"""A CTF's bytes parsed safely into elements named by lower-case local name, each with its line;
the school numbers a CTF names; the text of elements."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import XMLParser

from auditor.errors import PackError
from auditor.values import parse_date

_PLACEHOLDER = re.compile(r"^X+$", re.IGNORECASE)

# ---- the school --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolId:
    """A school as a CTF names it: LA number + establishment number (the DfE number), and URN."""

    lea: str | None = None
    estab: str | None = None
    urn: str | None = None

    @classmethod
    def of(cls, value: SchoolId | tuple[str, str] | str | None) -> SchoolId | None:
        """A ``SchoolId``; an (LEA, Estab) pair; text: a 6-digit URN or a 7-digit LAESTAB
        ("9612999", "961/2999"); None."""
        if value is None or isinstance(value, SchoolId):
            return value
        if isinstance(value, tuple):
            return cls(_clean_id(value[0]), _clean_id(value[1]))
        digits = re.sub(r"[\s/-]", "", str(value))
        if re.fullmatch(r"\d{7}", digits):
            return cls(digits[:3], digits[3:])
        return cls(urn=_clean_id(value))

    def matches(self, lea: str | None, estab: str | None, urn: str | None) -> bool:
        if self.urn and urn and self.urn == urn:
            return True
        return bool(self.lea and self.estab and (self.lea, self.estab) == (lea, estab))

    def merged(self, other: SchoolId) -> SchoolId:
        return SchoolId(self.lea or other.lea, self.estab or other.estab, self.urn or other.urn)

    def __str__(self) -> str:
        parts = [f"LEA {self.lea} Estab {self.estab}" if self.lea and self.estab else "", f"URN {self.urn}" if self.urn else ""]
        return ", ".join(p for p in parts if p) or "no school number"


def _clean_id(value: object) -> str | None:
    text = str(value or "").strip()
    return None if not text or _PLACEHOLDER.match(text) else text

# ---- parsing -----------------------------------------------------------------------------------


class _Element(ET.Element):
    __slots__ = ("line",)


class _Builder(ET.TreeBuilder):
    """Elements named by their local name in lower case (no namespace, any case), each with the
    line it starts on."""

    def __init__(self) -> None:
        super().__init__(element_factory=_Element)
        self.parser: Any = None

    def start(self, tag: str, attrs: dict) -> ET.Element:
        element = super().start(_local(tag), attrs)
        element.line = self.parser.parser.CurrentLineNumber
        return element

    def end(self, tag: str) -> ET.Element:
        return super().end(_local(tag))


def _local(tag: str) -> str:
    return tag.rpartition("}")[2].lower()


def parse_xml(data: bytes, name: str) -> ET.Element:
    """The root of a CTF, parsed from its bytes (so that its encoding declaration and any
    byte-order mark are honoured) by defusedxml with DTDs forbidden: entity expansion, external
    entities and DTDs fetched from a URL are refused before anything is read."""
    builder = _Builder()
    parser = XMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    builder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException as err:
        raise PackError(
            name,
            f"is refused: it declares a DTD or entities ({type(err).__name__}), which no Common Transfer File "
            "has and XML attacks (entity expansion, external entities, a DTD fetched from a URL) use; nothing was read",
        ) from None
    except ET.ParseError as err:
        raise PackError(name, f"is not well-formed XML ({err}); nothing was read") from None
    if root.tag != "ctfile":
        raise PackError(name, f"is not a Common Transfer File: its root element is <{root.tag}>, not <CTfile>")
    return root


_CTF_ROOT = re.compile(rb"<(?:[\w.-]+:)?ctfile[\s>/]")


def looks_like_ctf(data: bytes) -> bool:
    """Whether a file's first bytes open a ``<CTfile>`` element (any case, any namespace prefix):
    how a pack's *.xml files are told apart without parsing them."""
    head = data[:65536]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    return bool(_CTF_ROOT.search(head.lower()))


def _text(element: ET.Element | None) -> str | None:
    if element is None:
        return None
    text = "".join(element.itertext()).strip()
    return text or None


def _child(element: ET.Element, name: str) -> str | None:
    return _text(element.find(name))


# Containers of other people's or other schools' data: a pupil's own fields are not searched there.
_NOT_THE_PUPILS = {"contacts", "contact", "address", "schoolhistory", "attendance", "stageassessments", "senhistory"}


def _nearest(element: ET.Element) -> dict[str, ET.Element]:
    """Each descendant name's nearest element (breadth first), outside ``_NOT_THE_PUPILS``."""
    found: dict[str, ET.Element] = {}
    level = [element]
    while level:
        below = []
        for parent in level:
            for child in parent:
                if not isinstance(child.tag, str):
                    continue
                found.setdefault(child.tag, child)
                if child.tag not in _NOT_THE_PUPILS:
                    below.append(child)
        level = below
    return found


def _date_or_none(text: str | None) -> dt.date | None:
    try:
        return parse_date(text) if text else None
    except ValueError:
        return None


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None

