"""A small, safe XML tree with line numbers, for GPX and KML (tracks and zones).

Built on the stdlib expat parser: a document type declaration (the door to entity expansion
and external entities) is refused outright, element and attribute names lose their namespace
(GPX 1.0/1.1 and KML 2.2 ``gx:`` elements are matched by local name), and the input is capped
at ``MAX_XML_BYTES`` (the caller reads it with that limit). Each node keeps the line it starts
on for BadInput reports.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.parsers import expat

from .errors import InputError

__all__ = ["MAX_XML_BYTES", "Node", "parse_xml"]

MAX_XML_BYTES = 256 << 20


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list[Node] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.parts).strip()

    def find(self, tag: str) -> Node | None:
        """The first child named ``tag``."""
        return next((c for c in self.children if c.tag == tag), None)

    def child_text(self, tag: str) -> str | None:
        child = self.find(tag)
        return child.text if child is not None else None

    def iter(self, tag: str) -> Iterator[Node]:
        """Every descendant named ``tag``, in document order."""
        stack = list(reversed(self.children))
        while stack:
            node = stack.pop()
            if node.tag == tag:
                yield node
            stack.extend(reversed(node.children))


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1]


class _DoctypeRefused(Exception):
    pass


def parse_xml(data: bytes, path: str) -> Node:
    """The root node of an XML document; ``path`` names it in messages.

    Raises
    ------
    InputError
        When it is not well-formed, empty, or has a document type declaration.

    Examples
    --------
    >>> root = parse_xml(b'<kml xmlns="http://www.opengis.net/kml/2.2">\\n<name> A </name></kml>', "x.kml")
    >>> root.tag, root.child_text("name"), root.find("name").line
    ('kml', 'A', 2)
    """
    parser = expat.ParserCreate(namespace_separator=" ")
    root = Node("", {}, 0)
    stack = [root]

    def start(name: str, attrs: dict[str, str]) -> None:
        node = Node(_local(name), {_local(k): v for k, v in attrs.items()}, parser.CurrentLineNumber)
        stack[-1].children.append(node)
        stack.append(node)

    def end(_name: str) -> None:
        stack.pop()

    def doctype(*_args) -> None:
        raise _DoctypeRefused

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = lambda text: stack[-1].parts.append(text)
    parser.StartDoctypeDeclHandler = doctype
    try:
        parser.Parse(data, True)
    except _DoctypeRefused:
        raise InputError(f"{path}: XML with a document type declaration is refused (entities)") from None
    except expat.ExpatError as err:
        raise InputError(f"{path}: not well-formed XML (line {err.lineno}: {expat.ErrorString(err.code)})") \
            from None
    if not root.children:
        raise InputError(f"{path}: empty XML document")
    return root.children[0]
