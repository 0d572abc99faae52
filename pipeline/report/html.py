"""The report as one self-contained HTML page: inline CSS, figures as data URIs, no script, no
link to anything outside the file, so it opens the same offline, from a mail or an archive.

A section holds paragraphs, tables and figures in the order they were added; a section that
could not be made says why in one paragraph instead of leaving a gap. Every text is escaped here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from .. import __version__
from .figures import Figure

GENERATOR = f"mcuforge {__version__}"

CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1000px; color: #222;
       padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; border-bottom: 1px solid #ccc; margin-top: 2em; }
h3 { font-size: 1em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.85em; }
th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: right; }
th { background: #f3f3f3; } td.l, th.l { text-align: left; }
tr.flag td { background: #fde2e2; font-weight: bold; }
figure { margin: 0.5em 0 1.5em; } figcaption { font-size: 0.85em; color: #555; }
img { max-width: 100%; height: auto; }
p.omitted { color: #8a5a00; background: #fff6e0; padding: 4px 8px; }
nav a { margin-right: 1em; }
"""


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]            # a leading '<' makes a column left-aligned
    rows: tuple[tuple[str, ...], ...]
    flagged: frozenset[int] = frozenset()   # row indices shown highlighted
    caption: str = ""
    id: str = ""


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass
class Section:
    id: str
    title: str
    parts: list[str | Heading | Table | Figure] = field(default_factory=list)
    omitted: str = ""                   # why the section has no content

    def heading(self, text: str) -> None:
        self.parts.append(Heading(text))

    def text(self, paragraph: str) -> None:
        self.parts.append(paragraph)

    def table(self, columns: Sequence[str], rows: Sequence[Sequence[str]], *, caption: str = "",
              flagged: Sequence[int] = (), id: str = "") -> None:
        self.parts.append(Table(tuple(columns), tuple(tuple(r) for r in rows),
                                frozenset(flagged), caption, id))

    def figure(self, fig: Figure) -> None:
        self.parts.append(fig)

    @property
    def figures(self) -> list[Figure]:
        return [p for p in self.parts if isinstance(p, Figure)]


def omitted(id: str, title: str, reason: str) -> Section:
    return Section(id, title, omitted=reason)


def _table(t: Table) -> str:
    esc = html.escape
    left = [c.startswith("<") for c in t.columns]
    head = "".join(f'<th class="l">{esc(c[1:])}</th>' if lft else f"<th>{esc(c)}</th>"
                   for c, lft in zip(t.columns, left))
    body = []
    for k, row in enumerate(t.rows):
        cells = "".join(f'<td class="l">{esc(v)}</td>' if left[i] else f"<td>{esc(v)}</td>"
                        for i, v in enumerate(row))
        body.append(f'<tr class="flag">{cells}</tr>' if k in t.flagged else f"<tr>{cells}</tr>")
    ident = f' id="{esc(t.id)}"' if t.id else ""
    caption = f"<caption>{esc(t.caption)}</caption>" if t.caption else ""
    return f"<table{ident}>{caption}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _part(p: str | Heading | Table | Figure) -> str:
    esc = html.escape
    if isinstance(p, Heading):
        return f"<h3>{esc(p.text)}</h3>"
    if isinstance(p, Table):
        return _table(p)
    if isinstance(p, Figure):
        return (f'<figure><img id="{esc(p.id)}" alt="{esc(p.title)}" src="{p.data_uri}">'
                f"<figcaption>{esc(p.title)}</figcaption></figure>")
    return f"<p>{esc(p)}</p>"


def page(title: str, intro: Sequence[str], sections: Sequence[Section]) -> str:
    esc = html.escape
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f'<meta name="generator" content="{esc(GENERATOR)}">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{esc(title)}</title><style>{CSS}</style></head><body>",
           f"<h1>{esc(title)}</h1>"]
    out += [f"<p>{esc(line)}</p>" for line in intro]
    out.append("<nav>" + "".join(f'<a href="#{esc(s.id)}">{esc(s.title)}</a>' for s in sections)
               + "</nav>")
    for s in sections:
        out.append(f'<section id="{esc(s.id)}"><h2>{esc(s.title)}</h2>')
        if s.omitted:
            out.append(f'<p class="omitted">Not in this report: {esc(s.omitted)}</p>')
        out += [_part(p) for p in s.parts]
        out.append("</section>")
    out.append(f'<footer><p>Written by {esc(GENERATOR)}.</p></footer></body></html>')
    return "\n".join(out) + "\n"
