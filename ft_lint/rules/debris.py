"""FT206-FT211: what a data generator or a scraper left in the text.

Unfilled template slots, broken or leftover markup, and characters nobody typed (invisible,
control, private-use). The markup rules read trained text only (assistant replies: what the
model learns to write) and never look inside code (fenced blocks and `inline code`), where
slots and tags are the subject. The character rules read every text: in trained text a
finding is a warning, in a prompt (system, user, tool, weight-0 replies) it is info.
The non-preferred reply of preference (DPO) data is trained text too: the model is trained
away from it, token by token, so characters found only there teach it that they mark a bad
answer; such findings are warnings, and their message names the non-preferred reply.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import html.entities
import re
import unicodedata
from collections.abc import Callable, Iterator

from ft_lint.findings import Problem, Severity
from ft_lint.formats import Turn
from ft_lint.record import Record
from ft_lint.rules import RecordRule

# --- shared: code, prompts, how a finding is worded ------------------------------------------

# A fenced code block, to its closing fence or the end of the text.
_FENCED = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*\n[\s\S]*?(?:^[ \t]*\1[ \t]*$|\Z)", re.MULTILINE)
_BACKTICKS = re.compile(r"`+")


class _Prose:
    """A text and where code sits in it, found on the first question."""

    def __init__(self, text: str):
        self.text = text

    @functools.cached_property
    def _code_spans(self) -> list[tuple[int, int]]:
        return _code_spans(self.text)

    def in_code(self, position: int) -> bool:
        i = bisect.bisect_right(self._code_spans, (position, len(self.text))) - 1
        return i >= 0 and position < self._code_spans[i][1]

    def code(self) -> str:
        return " ".join(self.text[start:end] for start, end in self._code_spans)


def _code_spans(text: str) -> list[tuple[int, int]]:
    """Fenced blocks, and `inline code`: a run of backticks up to the next run as long on its line
    (CommonMark lets a span cross lines; rarely wanted, and the pairing stays linear this way)."""
    fenced = [m.span() for m in _FENCED.finditer(text)] if "```" in text or "~~~" in text else []
    runs, line, counted_to = [], 0, 0
    for run in _BACKTICKS.finditer(text):
        if fenced and _within(fenced, run.start()):
            continue
        line += text.count("\n", counted_to, run.start())
        counted_to = run.start()
        runs.append((line, len(run.group(0)), run.span()))
    closer_of: list[int | None] = [None] * len(runs)
    later: dict[tuple[int, int], int] = {}  # (line, run length) -> the nearest later run
    for i in range(len(runs) - 1, -1, -1):
        key = runs[i][:2]
        closer_of[i] = later.get(key)
        later[key] = i
    inline, i = [], 0
    while i < len(runs):
        j = closer_of[i]
        if j is None:
            i += 1
            continue
        inline.append((runs[i][2][0], runs[j][2][1]))
        i = j + 1
    return sorted(fenced + inline)


def _within(spans: list[tuple[int, int]], position: int) -> bool:
    i = bisect.bisect_right(spans, (position, position)) - 1
    return i >= 0 and position < spans[i][1]


def _prompt(record: Record) -> str:
    """Every text the model reads but is not trained to write, joined."""
    return "\n".join(turn.text for turn in record.turns if turn.text and not turn.message.trained)


def _trained_texts(record: Record, may_hold: Callable[[str], bool]) -> Iterator[tuple[Turn, str]]:
    """The trained texts that may hold what a rule looks for (that cheap test first: most texts fail
    it), each with its turn."""
    return ((turn, turn.text) for turn in record.turns if turn.text and may_hold(turn.text) and turn.message.trained)


def _counted(first: str, count: int) -> str:
    return first if count == 1 else f"{first} and {count - 1} more"


# Around a slot in running text: a space, an opening bracket or quote before it; a space, a
# closing bracket or quote or sentence punctuation after it. `f"{x}"`, `\frac{a}{b}` and
# `print('{x}')` are code, not prose.
_PROSE_BEFORE = frozenset(" \t\n(“«\N{LEFT SINGLE QUOTATION MARK}")
_PROSE_AFTER = frozenset(" \t\n.,:;!?)”»\N{RIGHT SINGLE QUOTATION MARK}")
_AFTER_BRACKETS = _PROSE_AFTER - {":"}  # `[Name]: Ada` is a label, `[Name](url)` a link


def _stands_alone(text: str, start: int, end: int, after: frozenset[str] = _PROSE_AFTER) -> bool:
    return (start == 0 or text[start - 1] in _PROSE_BEFORE) and (end == len(text) or text[end] in after)


# --- FT206 unfilled-placeholder ---------------------------------------------------------------

_MUSTACHE_SLOT = re.compile(r"\{\{\s*[A-Za-z_][\w.]*(?: [\w.]+){0,4}\s*\}\}")  # {{ user.name }}, {{Order Number}}
_FORMAT_SLOT = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_ANGLE_SLOT = re.compile(r"<([A-Z][A-Z0-9]*(?:[_ ][A-Z0-9]+)*)>")
_BRACKET_SLOT = re.compile(r"\[([^\[\]\n]{1,40})\]")
# Words a blank names when a generator or a writer leaves it: [Customer Name], [Order Number].
_SLOT_NOUNS = frozenset(
    "name company address date email e-mail phone number amount city country state zip title product "
    "website url link time location organization organisation department recipient signature price position id".split()
)
_SLOT_GLUE = frozenset("of the and or for a an to in".split())
_EXPLICIT_BLANK = re.compile(
    r"(?:insert|fill\s+in|placeholder|todo|tbd|tba)\b", re.IGNORECASE
)  # not "enter": [Enter HAMLET]
# A prompt that asks for a piece of writing, or for blanks: gaps for what the writer cannot know
# (the sender, the school, the amount) are then what a good answer leaves. A verb alone is not
# enough ("create an account"): it must have a document for object, within the sentence.
_WRITING_VERBS = r"(?:write|draft|compose|pen|prepare|craft|create|generate|produce)"
_DOCUMENTS = (
    r"(?:letters?|e-?mails?|messages?|notes?|memos?|templates?|drafts?|invitations?|scripts?|speech(?:es)?|toasts?"
    r"|announcements?|newsletters?|press releases?|proposals?|pitch(?:es)?|statements?|essays?|stor(?:y|ies)|bios?"
    r"|biograph(?:y|ies)|posts?|reviews?|ads?|advertisements?|flyers?|brochures?|descriptions?|reports?|contracts?"
    r"|agreements?|r[eé]sum[eé]s?|cvs?|applications?|recommendations?|cards?|poems?|profiles?|dialogues?|conversations?)"
)
_ASKS_FOR_WRITING = re.compile(
    rf"\b{_WRITING_VERBS}\b[^.?!\n]{{0,60}}?\b{_DOCUMENTS}\b"
    r"|\b(?:letters?|templates?|memos?|r[eé]sum[eé]s?|placeholders?|fill(?:ed)?[ -]in|mad ?libs?)\b",
    re.IGNORECASE,
)
# An answer that says it holds blanks: "replace [Company] with...", "a template you can fill in".
_NAMES_ITS_BLANKS = re.compile(r"\b(?:placeholders?|templates?|fill(?:ed)? in|replace)\b", re.IGNORECASE)


class UnfilledPlaceholder(RecordRule):
    """A template slot left unfilled in a trained reply (`{customer_name}`, `{{ product }}`,
    `<NAME>`, `[Customer Name]`, `[Insert date]`).

    Why: the generator that wrote the example never substituted its variables (a
    `str.format` or Jinja template rendered without its data, synthetic support data
    whose entities were never filled in, a writer model told to leave "[Customer Name]"
    blanks); the model learns to answer with blanks.

    Only trained text is read (a prompt may show the format it wants), and only slots that
    stand in running text (`Dear {name},`, not `f"{name}"` or `\\frac{dx}{dt}`). A slot is:
    a `{name}` field whose name has a word of three letters or more (not `{x_n}` or
    `{dt}`: maths); a `{{ name }}` or `{{Order Number}}` field; an upper-case `<NAME>` that
    is not an HTML tag; a bracketed blank that says so (`[Insert ...]`, `[TBD]`) or that is
    one to four capitalised words ending in a noun a blank stands for (Name, Company,
    Date, Address, Number, Email, ...), not followed by `(` (a Markdown link).
    When it must guess it stays silent: a slot the prompt holds too (the reply repeats
    what the user will supply, or teaches templates); a slot addressed to the reader
    (`[Your Name]`, `<YOUR_API_KEY>`); a slot inside code, or whose name the reply's code
    uses; a reply that says it holds blanks ("template", "placeholder", "replace ...");
    and any reply to a prompt that asks for a piece of writing (write, draft, compose,
    create... a letter, email, pitch, statement, script; or a template, placeholders),
    where blanks for what the writer cannot know are what a good answer leaves.

    Example (flagged):
        {"role": "user", "content": "Where is my order?"},
        {"role": "assistant", "content": "Hi {customer_name}, your order {order_id} ships today."}
    Fix: render the template with its data, or drop the example.
    """

    code = "FT206"
    name = "unfilled-placeholder"
    severity = Severity.WARNING

    def check_record(self, record: Record) -> Iterator[Problem]:
        prompt: str | None = None
        for turn, text in _trained_texts(record, _may_hold_slots):
            slots = _slots(_Prose(text))
            if not slots:
                continue
            if prompt is None:
                prompt = _prompt(record)
            if _ASKS_FOR_WRITING.search(prompt) or _NAMES_ITS_BLANKS.search(text):
                continue
            slots = [slot for slot in slots if slot not in prompt]
            if slots:
                yield Problem(
                    _counted(f"{turn.message.label} has an unfilled template slot {slots[0]!r}", len(slots)),
                    turn.pointer,
                )


def _may_hold_slots(text: str) -> bool:
    return "{" in text or "[" in text or "<" in text  # a memchr pass each


def _slots(prose: _Prose) -> list[str]:
    """The unfilled slots standing in the running text, in order."""
    text, found = prose.text, []
    if "{" in text:
        found += [m for m in _MUSTACHE_SLOT.finditer(text) if _stands_alone(text, *m.span())]
        found += [m for m in _FORMAT_SLOT.finditer(text) if _is_named(m.group(1)) and _stands_alone(text, *m.span())]
    if "<" in text:
        found += [m for m in _ANGLE_SLOT.finditer(text) if _is_angle_slot(text, m)]
    if "[" in text:
        found += [
            m
            for m in _BRACKET_SLOT.finditer(text)
            if _is_bracket_slot(m.group(1)) and _stands_alone(text, *m.span(), after=_AFTER_BRACKETS)
        ]
    if found:  # a slot in code, or one in prose whose name the code uses (`{name}` explains it), is code's
        code = prose.code()
        found = [m for m in sorted(found, key=lambda m: m.start()) if _slot_name(m) not in code]
    return [m.group(0) for m in found]


def _is_named(field: str) -> bool:
    """`{name}`, `{order_id}`: a word of three letters or more; not `{x_n}` or `{dt}`, which are maths."""
    return any(len(part) >= 3 for part in field.split("_"))


def _slot_name(match: re.Match[str]) -> str:
    return match.group(0).strip("{}[]<> ")


def _is_angle_slot(text: str, match: re.Match[str]) -> bool:
    name = match.group(1)
    return (
        len(name) >= 2
        and name.lower() not in _HTML_ELEMENTS
        and not name.startswith("YOUR")
        and f"</{name}>" not in text  # <NOTE>...</NOTE> is markup
        and _stands_alone(text, *match.span())
    )


def _is_bracket_slot(inner: str) -> bool:
    words = inner.split()
    if not words or words[0].lower() == "your":
        return False
    if _EXPLICIT_BLANK.match(inner):
        return True
    last = words[-1].lower().removesuffix("'s").removesuffix("\N{RIGHT SINGLE QUOTATION MARK}s")
    return (
        len(words) <= 4
        and last in _SLOT_NOUNS
        and words[0][0].isupper()
        and all(word[0].isupper() or word in _SLOT_GLUE for word in words)
    )


# --- markup: HTML element names ---------------------------------------------------------------

_VOID_ELEMENTS = frozenset("area base br col embed hr img input link meta param source track wbr".split())
# Elements HTML lets go unclosed (a <p> ends at the next block, an <li> at the next item).
_OPTIONAL_CLOSE = frozenset(
    "p li dt dd tr td th thead tbody tfoot option optgroup colgroup rt rp html head body".split()
)
_HTML_ELEMENTS = (
    _VOID_ELEMENTS
    | _OPTIONAL_CLOSE
    | frozenset(
        "a abbr address article aside audio b bdi bdo big blockquote button canvas caption center cite code data "
        "datalist del details dfn dialog div dl em fieldset figcaption figure font footer form h1 h2 h3 h4 h5 h6 "
        "header i iframe ins kbd label legend main map mark menu meter nav nobr noscript object ol output picture "
        "pre progress q s samp script section select small span strike strong style sub summary sup table template "
        "textarea time title u ul var video".split()
    )
)
_TAG = re.compile(r"<(/?)([A-Za-z][\w:.-]{0,39})(\s[^<>]*?)?(/?)>")  # names no longer than 40: bounded comparisons
_HTML_COMMENT = re.compile(r"<!--[\s\S]*?(?:-->|\Z)")


# --- FT207 unbalanced-tag ---------------------------------------------------------------------


class UnbalancedTag(RecordRule):
    """Markup tags in a trained reply that do not pair up (`<query>...</qurey>`, `42</answer>`).

    A tag closed under another name, closed without being opened, closed out of order, or
    (where the reply's own tags are closed) never closed.

    Why: generators that wrap parts of a reply in tags (`<answer>`, `<reasoning>`,
    `<query>`) break them when a template is mistyped or an output is cut off; the model
    learns the broken structure, and a parser reading its output fails.

    Only trained text that closes a tag is read, outside code and HTML comments. Names are
    compared ignoring case; self-closing tags (`<x/>`) and HTML's void elements (`<br>`,
    `<img>`) need no closing tag, and HTML's optional ones (`<p>`, `<li>`, `<td>`) may go
    unclosed. Stray HTML closing tags are FT208's. When it must guess: a tag never closed
    is reported only if its name is not HTML, it has no attributes, it starts a line (or
    follows another tag), and the reply closes other tags: `git checkout <branch>` stays
    silent.

    Example (flagged):
        {"role": "assistant", "content": "<query>SELECT name FROM users</qurey>"}
    Fix: correct the template that wrote the tags; drop examples cut off mid-reply.
    """

    code = "FT207"
    name = "unbalanced-tag"
    severity = Severity.WARNING

    def check_record(self, record: Record) -> Iterator[Problem]:
        for turn, text in _trained_texts(record, _may_close_tags):
            problem = _tag_problem(_Prose(text))
            if problem:
                yield Problem(f"{turn.message.label} {problem}", turn.pointer)


def _may_close_tags(text: str) -> bool:
    return "<" in text and "</" in text  # memchr first: a two-character `in` scans ~50 times slower


def _tag_problem(prose: _Prose) -> str | None:
    """What is wrong with the text's tags, worded for a finding (the first thing found), or None."""
    text = _HTML_COMMENT.sub(lambda m: " " * len(m.group(0)), prose.text)  # same length: positions still match
    opened: list[tuple[str, re.Match[str]]] = []  # the open tags, innermost last, with their lower-case names
    open_count: dict[str, int] = {}  # so that a closer with no opener is known without a walk down the stack
    unclosed: dict[str, re.Match[str]] = {}  # lower-case name -> the first tag of that name never closed
    stray: list[re.Match[str]] = []
    closed_names: set[str] = set()
    for tag in _TAG.finditer(text):
        closing, name, _, self_closing = tag.groups()
        name = name.lower()
        if self_closing or name in _VOID_ELEMENTS or prose.in_code(tag.start()):
            continue
        if not closing:
            opened.append((name, tag))
            open_count[name] = open_count.get(name, 0) + 1
            continue
        if not open_count.get(name):
            stray.append(tag)
            continue
        closed_names.add(name)
        while True:  # each tag is popped once: the walk costs no more than the pushes
            inner_name, inner = opened.pop()
            open_count[inner_name] -= 1
            if inner_name == name:
                break
            unclosed.setdefault(inner_name, inner)
    for name, tag in opened:
        unclosed.setdefault(name, tag)
    for name in _OPTIONAL_CLOSE & unclosed.keys():
        del unclosed[name]
    candidates = list(unclosed.items())[:_COMPARED]  # bounded: a finding names the first problem only
    for closer in stray[:_COMPARED]:
        name = closer.group(2).lower()
        if name in unclosed:
            return (
                f"closes {unclosed[name].group(0)!r} out of order: "
                f"{closer.group(0)!r} comes after the tag around it was closed"
            )
        opener = next((tag for other, tag in candidates if _misspelled(other, name)), None)
        if opener is not None:
            return f"opens {opener.group(0)!r} and closes it as {closer.group(0)!r}: the tag names differ"
    for closer in stray:
        if closer.group(2).lower() not in _HTML_ELEMENTS:
            return f"has {closer.group(0)!r} with no {'<' + closer.group(2) + '>'!r} before it"
    if any(name not in _HTML_ELEMENTS for name in closed_names):  # the reply is structured by tags of its own
        for opener in unclosed.values():
            if _is_structure_tag(text, opener):
                return f"opens {opener.group(0)!r} and never closes it"
    return None


_COMPARED = 32  # stray closers and unclosed names compared for a misspelling


def _likeness(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def _misspelled(a: str, b: str) -> bool:
    """Letters swapped (div, dvi) or most of them alike (query, qurey: 0.8; query, answer: 0.36)."""
    return sorted(a) == sorted(b) or _likeness(a, b) >= 0.75


def _is_structure_tag(text: str, tag: re.Match[str]) -> bool:
    """<answer> opening a line or following another tag, with no attributes, and not HTML."""
    if tag.group(3) or tag.group(2).lower() in _HTML_ELEMENTS:
        return False
    start = tag.start()
    while start and text[start - 1] in " \t":
        start -= 1
    return start == 0 or text[start - 1] in "\n>"


# --- FT208 html-remains -----------------------------------------------------------------------

# Tags a page's text keeps when it is not rendered; they count even without attributes. Names that
# also read as a placeholder (<link>, <input>, <title>) count only with attributes, or closing.
_FORMATTING_TAGS = frozenset(
    "a b big blockquote body br center div em font h1 h2 h3 h4 h5 h6 head hr html i iframe img li nobr ol p "
    "script small span strike strong style table tbody td th thead tr u ul".split()
)
# Tags Markdown writers use on purpose, and <s>, </s>: a model's start and end tokens (FT203) far
# more often than strikethrough.
_NOT_REMAINS = frozenset("sup sub kbd details summary mark code pre s".split())
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_TABLE_ROW = re.compile(r"^[ \t]*\|.*$", re.MULTILINE)  # a Markdown table row, where <br> breaks a cell's line
_HREF_REMAINS = re.compile(r"\bhref\s*=?\s*[\"']?\s*(?:https?|www)\b")
_MARKUP_TOPIC = re.compile(
    r"\b(?:x?html5?|xml|markup|css|dom|jsx|tsx|svg|web ?pages?|websites?|browsers?|tags?|entit(?:y|ies)"
    r"|escap\w*|hyperlinks?)\b",
    re.IGNORECASE,
)


class HtmlRemains(RecordRule):
    """HTML tags, entities or link remains in a trained reply (`<br>`, `&amp;`, `a href http`).

    Tags (`<br>`, `</p>`, `<div class=...>`), entities (`&amp;`, `&#39;`, `&nbsp;`), or a
    link with its brackets stripped (`a href http...`), left by scraping or a converter.

    Why: text taken from web pages or exported from rich-text tools keeps its markup when
    it is not rendered, or gets escaped twice; the model learns to write `&amp;` for `&`
    and `<br>` for a line break.

    Only trained text is read, never inside code. Entities count when HTML defines them;
    tags when HTML defines them and they are closing tags, carry attributes, or are
    formatting tags (`<br>`, `<p>`, `<b>`, `<div>`, `<li>`, ...): `<link>` or `<input>`
    alone read as placeholders and are left alone, as are tags Markdown writers use on
    purpose (`<sup>`, `<kbd>`, `<details>`) and `<br>` in a Markdown table row. When it must
    guess it stays silent: a record whose texts talk about markup (HTML, XML, CSS, tags,
    entities, escaping, web pages) is about the markup it holds.

    Example (flagged):
        {"role": "assistant", "content": "Salt &amp; pepper.<br>Serve warm."}
    Fix: unescape entities (`html.unescape`) and strip tags where the text was extracted.
    """

    code = "FT208"
    name = "html-remains"
    severity = Severity.WARNING

    def check_record(self, record: Record) -> Iterator[Problem]:
        about_markup: bool | None = None
        for turn, text in _trained_texts(record, _may_hold_html):
            remains = _html_remains(_Prose(text))
            if not remains:
                continue
            if about_markup is None:
                about_markup = any(_MARKUP_TOPIC.search(other.text) for other in record.turns if other.text)
            if about_markup:
                return
            yield Problem(_counted(f"{turn.message.label} contains HTML: {remains[0]!r}", len(remains)), turn.pointer)


def _may_hold_html(text: str) -> bool:
    return (
        "<" in text or "&" in text or "href" in text
    )  # `href` (~1 ns a character) for a link stripped of its brackets


def _html_remains(prose: _Prose) -> list[str]:
    """The HTML tags, entities and link remains in the running text, in order."""
    text, found = prose.text, []
    tags = []
    if "<" in text:
        table_rows = [m.span() for m in _TABLE_ROW.finditer(text)] if "|" in text else []
        tags = [
            m
            for m in _TAG.finditer(text)
            if _is_html_remains(m) and not (m.group(2).lower() == "br" and _within(table_rows, m.start()))
        ]
        found += tags
    if "&" in text:
        found += [
            m for m in _ENTITY.finditer(text) if m.group(1).startswith("#") or m.group(1) + ";" in html.entities.html5
        ]
    if "href" in text:
        tag_spans = [tag.span() for tag in tags]
        found += [m for m in _HREF_REMAINS.finditer(text) if not _within(tag_spans, m.start())]
    return [m.group(0) for m in sorted(found, key=lambda m: m.start()) if not prose.in_code(m.start())]


def _is_html_remains(tag: re.Match[str]) -> bool:
    closing, name, attributes, _ = tag.groups()
    name = name.lower()
    if name not in _HTML_ELEMENTS or name in _NOT_REMAINS:
        return False
    if attributes:
        return "=" in attributes  # `a<b and c>d` is a comparison
    return bool(closing) or name in _FORMATTING_TAGS


# --- FT209-FT211: characters nobody typed ----------------------------------------------------

# Bytes that start, in raw JSON, a character FT209-FT211 look for: as UTF-8 (by its lead byte),
# or as a JSON escape. Each search starts with a literal byte, which the regex engine finds at
# memchr speed; a lead byte absent from the line costs nothing more than one translate pass.
_ODD_BY_LEAD = {
    lead[0]: re.compile(pattern).search
    for lead, pattern in (
        (b"\x7f", rb"\x7f"),
        (b"\xc2", rb"\xc2[\x80-\x9f\xad]"),  # C1 controls, soft hyphen
        (b"\xd8", rb"\xd8\x9c"),  # Arabic letter mark
        (
            b"\xe2",
            rb"\xe2(?:\x80[\x8b-\x8f\xaa-\xae]|\x81[\xa0-\xa4\xa6-\xa9])",
        ),  # zero-width, bidi, invisible operators
        (b"\xee", rb"\xee"),  # private use U+E000-U+EFFF
        (b"\xef", rb"\xef(?:[\x80-\xa3]|\xbb\xbf)"),  # private use U+F000-U+F8FF, U+FEFF
        (b"\xf3", rb"\xf3(?:\xa0[\x80\x81]|[\xb0-\xbf])"),  # tag characters, private use plane 15
        (b"\xf4", rb"\xf4[\x80-\x8f]"),  # private use plane 16
    )
}
_NOT_LEADS = bytes(sorted(set(range(256)) - set(_ODD_BY_LEAD)))
_ODD_ESCAPE = re.compile(
    rb"\\(?:[bf]|u(?:00[01]|007[fF]|00[89]|00[aA][dD]|061[cC]|20[026]|[fF][eE][fF][fF]|[eE]|[fF][0-8]|[dD][bB][4-9a-fA-F]))"
)


@functools.lru_cache(maxsize=64)  # the three rules ask about one record in turn
def _may_hold_odd_characters(raw: bytes) -> bool:
    """False only when the record's bytes cannot hold a character FT209-FT211 look for (no
    bytes: cannot tell). A cheap test before any text is searched."""
    if not raw or _ODD_ESCAPE.search(raw):
        return True
    return any(_ODD_BY_LEAD[lead](raw) for lead in set(raw.translate(None, _NOT_LEADS)))


class _CharacterRule(RecordRule):
    """Reports each text holding characters of one kind: a warning in trained text, info in a prompt."""

    _CHARACTERS: re.Pattern[str]

    def check_record(self, record: Record) -> Iterator[Problem]:
        if not _may_hold_odd_characters(record.raw):
            return
        for turn in record.turns:
            text = turn.text
            if not text:
                continue
            found = self._found(text)
            if found:
                what = _counted(f"{turn.message.label} contains {self._describe(text, found[0])}", len(found))
                yield Problem(what, turn.pointer, severity=None if turn.message.trained else Severity.INFO)

    def _found(self, text: str) -> list[int]:
        """Where the characters the rule reports are."""
        return [m.start() for m in self._CHARACTERS.finditer(text)]

    def _describe(self, text: str, position: int) -> str:
        raise NotImplementedError


def _code_point(character: str) -> str:
    return f"U+{ord(character):04X}"


# Characters that only steer how letters join, break or run: text fixed by none of them.
_JOINERS = frozenset("\u200b\u200c\u200d\u2060")  # zero width space, non-joiner, joiner; word joiner
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_BLACK_FLAG = "\U0001f3f4"
_FLAG = re.compile(
    "\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f"
)  # 🏴 and tag characters: England's, Scotland's, Wales's flag


class InvisibleCharacter(_CharacterRule):
    """Invisible characters inside a text (zero width space, U+FEFF, soft hyphen, stray direction marks).

    Zero width space (U+200B) and (non-)joiners, U+FEFF (a byte order mark inside text),
    soft hyphen (U+00AD), word joiner, invisible math operators, direction marks and
    overrides, Unicode tag characters.

    Why: copied from web pages, PDFs and word processors, they are invisible when the data
    is reviewed but are tokens to the model; they split words the tokenizer knows, make
    equal texts differ (duplicates and leaks go unseen), and tag characters can hide
    instructions no reviewer sees.

    Every text is read: a warning in trained text (a DPO pair's non-preferred reply
    included: the model is trained away from it, so a character only there becomes a mark of
    a bad answer), info in a prompt. When it must guess it stays silent: zero-width
    (non-)joiners and spaces between two non-ASCII characters do their job (an emoji
    sequence, ZWNJ in Persian, word breaks in Thai) and count only next to ASCII or at a
    text's edge; direction marks count only in a text with no right-to-left letters; tag
    characters count unless they spell a flag after 🏴. A byte order mark at the start of the
    file is FT010.

    Example (flagged):
        {"role": "assistant", "content": "The\u200b answer is 42."}
    Fix: delete the characters where the text was extracted
    (`re.sub("[\u200b\u00ad\ufeff]", "", text)`).
    """

    code = "FT209"
    name = "invisible-character"
    severity = Severity.WARNING
    _CHARACTERS = re.compile(
        "[\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\U000e0000-\U000e007f]"
    )

    def _found(self, text: str) -> list[int]:
        flags = [m.span() for m in _FLAG.finditer(text)] if _BLACK_FLAG in text else []
        right_to_left: bool | None = None  # searched for once, at the first direction mark
        found = []
        for match in self._CHARACTERS.finditer(text):
            position, character = match.start(), match.group(0)
            if character in _JOINERS:
                counts = (
                    position == 0
                    or position == len(text) - 1
                    or text[position - 1].isascii()
                    or text[position + 1].isascii()
                )
            elif character in _BIDI_CONTROLS:
                if right_to_left is None:
                    right_to_left = _RIGHT_TO_LEFT.search(text) is not None
                counts = not right_to_left
            else:
                counts = not (flags and _within(flags, position))
            if counts:
                found.append(position)
        return found

    def _describe(self, text: str, position: int) -> str:
        character = text[position]
        # U+FEFF by the name it is met by; U+E0000 and a few tag characters have no name
        name = (
            "byte order mark"
            if character == "\ufeff"
            else unicodedata.name(character, "unassigned tag character").lower()
        )
        return f"an invisible {name} ({_code_point(character)})"


# The controls JSON writes as \b and \f: what LaTeX's \beta and \frac become when a generator
# writes them into JSON with a single backslash (\t, \n and \r too, which are not reported).
_JSON_ESCAPES = {"\x08": "\\b", "\x0c": "\\f"}
_LETTERS = re.compile("[A-Za-z]{1,12}")
# A C1 control after a UTF-8 lead or continuation byte read as Latin-1 (`â\x80\x94` for `—`) is
# one more byte of mis-decoded UTF-8: FT204 reports the text.
_IS_UTF8_BYTE_AS_LATIN1 = re.compile("[\x80-\xbf\xc2-\xf4]").fullmatch
_CONTROL_NAMES = {
    "\x00": "NUL",
    "\x07": "bell",
    "\x08": "backspace",
    "\x0b": "vertical tab",
    "\x0c": "form feed",
    "\x1b": "escape",
    "\x7f": "delete",
}


class ControlCharacter(_CharacterRule):
    """Control characters inside a text (NUL, backspace, form feed, escape, DEL, C1 controls).

    The C0 controls other than tab, line feed and carriage return, DEL, and the C1
    controls U+0080-U+009F.

    Why: no one types them. They come from PDF and terminal output (form feeds, the escape
    that starts a colour code), from LaTeX written into JSON without escaping its
    backslashes (`"\\frac"` is a form feed and "rac"), from binary data pasted as text,
    and, for C1 controls, from cp1252 text decoded as Latin-1 (U+0092 where ’ was meant).
    Some tokenizers and providers drop or reject them; the model otherwise learns them.

    Every text is read: a warning in trained text, info in a prompt. Tab, line feed and
    carriage return are not reported, nor a C1 control that follows a character UTF-8
    read as Latin-1 makes (`â\x80\x94` for `—`): that text is mis-decoded, FT204's.

    Example (flagged):
        {"role": "assistant", "content": "Done.\u001b[0m"}
    Fix: strip the characters where the text was extracted; re-decode cp1252 text
    read as Latin-1.
    """  # noqa: RUF002 - the help text shows the quote (U+2019) that U+0092 stands in for

    code = "FT210"
    name = "control-character"
    severity = Severity.WARNING
    _CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

    def _found(self, text: str) -> list[int]:
        return [
            p for p in super()._found(text) if not (text[p] >= "\x80" and p and _IS_UTF8_BYTE_AS_LATIN1(text[p - 1]))
        ]

    def _describe(self, text: str, position: int) -> str:
        character = text[position]
        if character in _JSON_ESCAPES:
            word = _LETTERS.match(text, position + 1)
            if word:  # \frac, \beta, \boxed: a LaTeX command whose backslash JSON read as an escape
                return (
                    f"a control character, {_CONTROL_NAMES[character]} ({_code_point(character)}; "
                    f"LaTeX {_JSON_ESCAPES[character]}{word.group(0)} written in JSON with a single backslash?)"
                )
        if character in _CONTROL_NAMES:
            return f"a control character, {_CONTROL_NAMES[character]} ({_code_point(character)})"
        try:
            meant = character.encode("latin-1").decode("cp1252")
        except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
            meant = None
        if meant:
            return (
                f"a control character ({_code_point(character)}; "
                f"as cp1252 that byte is {meant!r}: text decoded as Latin-1?)"
            )
        return f"a control character ({_code_point(character)})"


class PrivateUseCharacter(_CharacterRule):
    """Private Use Area characters inside a text (U+E000-U+F8FF, planes 15 and 16).

    Why: Unicode gives them no meaning; each font or program gives its own. They are what
    a Symbol or Wingdings character becomes when copied from Word or a PDF (U+F0B7 for
    a bullet), what legacy CJK encodings map their vendor characters to, and what icon
    fonts use. Elsewhere they show as boxes, and the model learns a token that means
    nothing.

    Every text is read: a warning in trained text, info in a prompt. Nothing is guessed.

    Example (flagged):
        {"role": "assistant", "content": "\uf0b7 First point"}
    Fix: map the characters to what they stand for (U+F0B7 to •) or drop them.
    """

    code = "FT211"
    name = "private-use-character"
    severity = Severity.WARNING
    _CHARACTERS = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")

    def _describe(self, text: str, position: int) -> str:
        character = text[position]
        if "\uf020" <= character <= "\uf0ff":
            return (
                f"a private-use character ({_code_point(character)}: "
                "a Symbol or Wingdings font character, pasted from Word or a PDF?)"
            )
        return f"a private-use character ({_code_point(character)}: no standard meaning)"
