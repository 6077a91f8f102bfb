"""The leadership report's HTML as a small tree, read with the standard library only.

The shape tests check what the page says (sentences, table cells, which charts are drawn)
without a browser: `Page` parses the file once and answers by id, tag and class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

# Elements that never have an end tag in HTML.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
# Elements that flow within a sentence; any other element's text is set apart by a space.
INLINE = {"a", "abbr", "b", "code", "em", "i", "small", "span", "strong"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        """The text inside, whitespace collapsed (what a reader reads, less the layout)."""
        parts: list[str] = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif child.tag in INLINE:
                parts.append(child.text())
            else:
                parts.append(f" {child.text()} ")
        return " ".join("".join(parts).split())

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def walk(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.walk()

    def find_all(self, tag: str, css_class: str | None = None) -> list[Node]:
        return [
            node
            for node in self.walk()
            if node.tag == tag and (css_class is None or css_class in node.classes())
        ]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        # Close up to the matching element: the report's HTML is well formed, this is a guard.
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return
        raise ValueError(f"</{tag}> closes nothing open")

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


@dataclass
class Page:
    root: Node

    @classmethod
    def read(cls, path: Path) -> Page:
        builder = _TreeBuilder()
        builder.feed(path.read_text(encoding="utf-8"))
        builder.close()
        if len(builder.stack) != 1:
            raise ValueError(f"{path}: unclosed <{builder.stack[-1].tag}>")
        return cls(builder.root)

    def by_id(self, element_id: str) -> Node | None:
        return next((n for n in self.root.walk() if n.attrs.get("id") == element_id), None)

    def text(self, element_id: str) -> str:
        node = self.by_id(element_id)
        assert node is not None, f"no element #{element_id}"
        return node.text()

    def rows(self, table_id: str) -> list[list[str]]:
        """Text of each data row's cells (rows of <th> only, the headers, left out)."""
        table = self.by_id(table_id)
        assert table is not None and table.tag == "table", f"no table #{table_id}"
        rows = [[td.text() for td in tr.find_all("td")] for tr in table.find_all("tr")]
        return [row for row in rows if row]

    def headers(self, table_id: str) -> list[str]:
        table = self.by_id(table_id)
        assert table is not None, f"no table #{table_id}"
        return [th.text() for th in table.find_all("th")]

    def section(self, section_id: str) -> Node:
        node = self.by_id(section_id)
        assert node is not None and node.tag == "section", f"no section #{section_id}"
        return node
