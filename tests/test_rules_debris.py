"""FT206-FT211: generator debris (unfilled slots, broken markup, HTML, invisible, control and
private-use characters). Each rule's true cases sit next to the look-alikes it must leave alone."""

from __future__ import annotations

import json

import pytest

import samples as s
from ft_lint.findings import Severity
from support import lint_paths, of, where

DEBRIS = ["FT206", "FT207", "FT208", "FT209", "FT210", "FT211"]
ALL_VALID = [record for records in s.VALID_RECORDS.values() for record in records]


def reply(text: str, prompt: str = "Tell me about it.") -> dict:
    return s.conversation(s.msg("user", prompt), s.msg("assistant", text))


def lines_of(findings, code: str) -> list[int]:
    return [f.line for f in of(findings, code)]


@pytest.mark.parametrize("code", DEBRIS)
def test_valid_records_of_every_format_are_not_flagged(lint_records, code):
    assert not of(lint_records(*ALL_VALID), code)


# FT206 unfilled-placeholder


def test_unfilled_slots_in_a_reply_are_flagged_once_per_text(lint_records):
    findings = lint_records(
        reply("Hi {customer_name}, your order {order_id} ships today.", "Where is my order?"),
        reply("Thanks for buying {{ product.name }}!"),
        reply("Dear <CUSTOMER_NAME>, we are sorry."),
        reply("Hello [Customer Name], your refund of [Amount] is on its way."),
        reply("The meeting is on [Insert date]."),
        reply("Your case number is {case_number}:"),
    )
    assert where(findings, "FT206") == [(line, "/messages/1/content") for line in range(1, 7)]
    messages = [f.message for f in of(findings, "FT206")]
    assert messages[0] == "assistant message 1 has an unfilled template slot '{customer_name}' and 1 more"
    assert [m.split("slot ")[1] for m in messages[1:]] == [
        "'{{ product.name }}'",
        "'<CUSTOMER_NAME>'",
        "'[Customer Name]' and 1 more",
        "'[Insert date]'",
        "'{case_number}'",
    ]


def test_code_math_json_citations_and_links_are_not_slots(lint_records):
    findings = lint_records(
        reply("Use an f-string:\n\n```python\nname = 'Ada'\nprint(f'Hello {name}')\n```", "How do I format strings?"),
        reply("Write `{name}` inside the string and call `.format(name=...)`."),
        reply("In Jinja:\n\n```\nDear {{ name }},\nHello [Customer Name].\n```", "Show me Jinja syntax."),
        reply("dir_path = f\"{base_dir}{time.time()}\" then print('{result}')"),  # code without fences
        reply("So \\frac{dp}{dt} = \\frac{30 - p}{9} and x^{two} holds."),
        reply('It returns {"status": "ok"} or {}.'),
        reply("Paris is the capital [1]. See [Company Name](https://example.com) and [Name]: Ada."),
        reply("Run git checkout <branch> then List<T>.", "How do I switch branches?"),
        reply("Send <YOUR_API_KEY> in the header."),  # slots addressed to the reader
        reply("Best regards,\n[Your Name]"),
        reply("Old pages used <BR> and <TABLE>."),
        reply("Just {x} and {ab}."),  # too short to be a named slot
        reply("Take a sequence {x_n} in [a, b] and its subsequence {x_nk}."),  # maths, not fields
        reply("Act I\n\n[Enter FATHER, MOTHER, and HYRUM]\n\nFATHER: Behold."),  # a stage direction
    )
    assert not of(findings, "FT206")


def test_prose_about_a_code_slot_is_not_flagged(lint_records):
    text = "```python\nprint('Hello {name}'.format(name=user))\n```\nHere {name} is replaced by the user's name."
    assert not of(lint_records(reply(text, "How does str.format work?")), "FT206")
    assert lines_of(lint_records(reply("Here {name} is replaced by the user's name.")), "FT206") == [1]


def test_slots_the_prompt_holds_or_asks_for_are_not_flagged(lint_records):
    findings = lint_records(
        reply("Hello {name}, welcome!", "Fill this greeting: 'Hello {name}, welcome!'"),  # the prompt holds the slot
        reply("Dear [Recipient Name],\n\nThank you.\n\n[Company Name]", "Write an email thanking a donor."),
        reply("Dear [Recipient Name],\n\nThank you.", "Thank a donor."),  # no draft asked for: flagged
        reply("Sure! Replace [Company Name] with your own.", "Give me a slogan."),
        reply("Hi {customer_name}, thanks!", "Where is my order?"),
        reply("I hold a degree from [Institution Name].", "Write a statement of purpose for MIT."),
        reply("Hello [Customer Name], your account is ready.", "I want to create an account"),  # no document asked for
    )
    assert lines_of(findings, "FT206") == [3, 5, 7]


def test_a_slot_the_user_supplied_is_echoed_but_a_new_one_is_flagged(lint_records):
    """Synthetic support data (Bitext's) keeps its entities as slots: repeating the user's
    {{Order Number}} is repeating what a real user will type; inventing a phone number slot is not."""
    findings = lint_records(
        reply("I have added it to order {{Order Number}}.", "add a product to order {{Order Number}}"),
        reply(
            "Order {{Order Number}} is on its way; call {{Customer Support Phone Number}}.",
            "where is order {{Order Number}}",
        ),
    )
    assert [f.message for f in of(findings, "FT206")] == [
        "assistant message 1 has an unfilled template slot '{{Customer Support Phone Number}}'"
    ]


def test_slots_in_prompts_are_not_flagged(lint_records):
    findings = lint_records(
        s.conversation(
            s.msg("system", "Answer as {assistant_name}."),
            s.msg("user", "List films as “[TITLE] ([YEAR])”."),
            s.msg("assistant", "Toy Story (1995)"),
        ),
        s.conversation(
            s.msg("user", "Hi"),
            s.msg("assistant", "Hello {user_name}", weight=0),
            s.msg("user", "Hi?"),
            s.msg("assistant", "Hello!"),
        ),
    )
    assert not of(findings, "FT206")


# FT207 unbalanced-tag


def test_tags_that_do_not_pair_up_are_flagged(lint_records):
    findings = lint_records(
        reply("<query>SELECT name FROM users</qurey>"),
        reply("<think>Easy.</think>\nThe answer is 42.</answer>"),
        reply("<think>Six times seven.</think>\n<answer>42"),
        reply("<query><context>users</query></context>"),
        reply("<div>hello</dvi>"),
    )
    assert where(findings, "FT207") == [(line, "/messages/1/content") for line in range(1, 6)]
    assert [f.message for f in of(findings, "FT207")] == [
        "assistant message 1 opens '<query>' and closes it as '</qurey>': the tag names differ",
        "assistant message 1 has '</answer>' with no '<answer>' before it",
        "assistant message 1 opens '<answer>' and never closes it",
        "assistant message 1 closes '<context>' out of order: '</context>' comes after the tag around it was closed",
        "assistant message 1 opens '<div>' and closes it as '</dvi>': the tag names differ",
    ]


def test_html_that_browsers_accept_and_placeholders_are_not_unbalanced(lint_records):
    findings = lint_records(
        reply("<ul><li>one<li>two</ul><p>First<p>Second<br><img src='a.png'></p>"),
        reply("<think>Branches.</think>\nRun git checkout <branch> to switch."),  # a placeholder mid-line
        reply(
            "Steps:\n<filename> is the file to edit, <b>not</b> the folder."
        ),  # only HTML is closed: not tag-structured
        reply("<ANSWER>yes</answer> and <x/>"),  # case is ignored; self-closing needs no partner
        reply("```xml\n<query>a</qurey>\n```\nand `</answer>` in prose"),
        reply("<!--\n<answer>\n-->\n<final>ok</final>"),
        reply("stray </p> is FT208's"),
    )
    assert not of(findings, "FT207")


def test_broken_tags_in_a_prompt_are_not_flagged(lint_records):
    assert not of(
        lint_records(reply("Fixed: <div><span>x</span></div>", "Fix my HTML: <div><span>x</div></span>")), "FT207"
    )


# FT208 html-remains


def test_html_remains_in_a_reply_are_flagged(lint_records):
    findings = lint_records(
        reply("Salt &amp; pepper, then serve.", "How do I season soup?"),
        reply("Great quality.<br>Would buy again.", "Review this blender."),
        reply("Read the guide a href https://example.com/guide for more.", "Where are the docs?"),
        reply('It&#39;s fine. <span class="x">Really</span>.', "Is it fine?"),
        reply(
            'See <a href="https://example.com">the guide</a>.', "Where are the docs?"
        ),  # the href inside the tag is the tag's
    )
    assert where(findings, "FT208") == [(line, "/messages/1/content") for line in range(1, 6)]
    assert [f.message.split(" contains ")[1] for f in of(findings, "FT208")] == [
        "HTML: '&amp;'",
        "HTML: '<br>'",
        "HTML: 'href https'",
        "HTML: '&#39;' and 2 more",
        "HTML: '<a href=\"https://example.com\">' and 1 more",
    ]


def test_markup_as_the_subject_code_and_look_alikes_are_not_html_remains(lint_records):
    findings = lint_records(
        reply("Use <div> to group elements and &amp; for an ampersand.", "How do I write an HTML page?"),
        reply(
            "Escape it:\n\n```python\nhtml = '&amp; <br>'\n```\nand `&lt;` inline.",
            "How do I print an ampersand in Python?",
        ),
        reply("Visit https://example.com/?a=1&b=2 or ask R&D; AT&T and Ben&Jerry; work too.", "Where?"),
        reply("| Step | Note |\n|---|---|\n| 1 | first<br>second |\nx<sup>2</sup>, <kbd>Ctrl</kbd>", "Make a table."),
        reply("Pass <input> and <title> to the tool; if a<b and c>d it stops.", "How?"),
        reply("Too subjective.</s>\nHow can you ensure that?", "Rate it."),  # an end-of-sequence token: FT203's kind
    )
    assert not of(findings, "FT208")


def test_html_in_a_prompt_is_not_flagged(lint_records):
    assert not of(lint_records(reply("It says salt and pepper.", "What does 'Salt &amp; pepper<br>' say?")), "FT208")


# FT209 invisible-character


def test_invisible_characters_are_flagged_warning_in_replies_info_in_prompts(lint_records):
    findings = lint_records(
        reply("The\u200b answer is 42."),
        reply("Krazy Ker\u00adry's Ker\u00adnells"),
        s.conversation(s.msg("user", "\ufeff\n\nWrite an essay."), s.msg("assistant", "Sure.")),
        reply("Left\u200eto right, and right\u202eto left."),
        reply("Say hi\U000e0069\U000e0067\U000e006e."),  # tag characters smuggling "ign"
    )
    assert where(findings, "FT209") == [
        (1, "/messages/1/content"),
        (2, "/messages/1/content"),
        (3, "/messages/0/content"),
        (4, "/messages/1/content"),
        (5, "/messages/1/content"),
    ]
    assert [f.severity for f in of(findings, "FT209")] == [
        Severity.WARNING,
        Severity.WARNING,
        Severity.INFO,
        Severity.WARNING,
        Severity.WARNING,
    ]
    assert [f.message.split(" contains ")[1] for f in of(findings, "FT209")] == [
        "an invisible zero width space (U+200B)",
        "an invisible soft hyphen (U+00AD) and 1 more",
        "an invisible byte order mark (U+FEFF)",
        "an invisible left-to-right mark (U+200E) and 1 more",
        "an invisible tag latin small letter i (U+E0069) and 2 more",
    ]


def test_joiners_that_do_their_job_flags_and_a_file_bom_are_not_invisible_debris(lint_records, tmp_path):
    findings = lint_records(
        reply("Family: 👨\u200d👩\u200d👧 and 🏳\ufe0f\u200d🌈"),  # emoji ZWJ sequences
        reply("می\u200cخواهم بروم"),  # ZWNJ in Persian
        reply("ภาษา\u200bไทย"),  # ZWSP marks a word break in Thai
        reply("שלום\u200f 123 עולם"),  # RLM in Hebrew
        reply("Go 🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f!"),  # the flag of England
    )
    assert not of(findings, "FT209")
    bom_file = tmp_path / "bom.jsonl"
    bom_file.write_bytes(b"\xef\xbb\xbf" + json.dumps(reply("Hi")).encode() + b"\n")
    assert [f.code for f in lint_paths([bom_file])] == ["FT010"]


def test_zero_width_characters_next_to_ascii_are_flagged(lint_records):
    findings = lint_records(reply("\u200dHello"), reply("pay\u2060ment"), reply("ok\u200c"))
    assert lines_of(findings, "FT209") == [1, 2, 3]


# FT210 control-character


def test_control_characters_are_flagged_with_their_names(lint_records):
    findings = lint_records(
        reply("Done.\u001b[0m"),
        reply("A\u0000B"),
        s.conversation(s.msg("user", "find L\n\b\nf(t)\n\f Z"), s.msg("assistant", "Sure.")),
        reply("It\u0092s fine."),
        reply("odd\u007f"),
    )
    assert where(findings, "FT210") == [
        (1, "/messages/1/content"),
        (2, "/messages/1/content"),
        (3, "/messages/0/content"),
        (4, "/messages/1/content"),
        (5, "/messages/1/content"),
    ]
    assert [f.message.split(" contains ")[1] for f in of(findings, "FT210")] == [
        "a control character, escape (U+001B)",
        "a control character, NUL (U+0000)",
        "a control character, backspace (U+0008) and 1 more",
        "a control character (U+0092; as cp1252 that byte is '’': text decoded as Latin-1?)",
        "a control character, delete (U+007F)",
    ]
    assert of(findings, "FT210")[2].severity is Severity.INFO


def test_latex_whose_backslash_json_read_as_an_escape_is_named(lint_records):
    text = "He can buy \\(\x0crac{y - 19}{x}\\) CDs."  # "\frac" in JSON (or Python) with one backslash
    [finding] = of(lint_records(reply(text)), "FT210")
    assert (
        finding.message == "assistant message 1 contains a control character, "
        "form feed (U+000C; LaTeX \\frac written in JSON with a single backslash?)"
    )


def test_tabs_line_endings_and_mis_decoded_utf8_are_not_control_characters(lint_records):
    findings = lint_records(
        reply("a\tb\r\nc\rd\ne"), reply("Belle \u00c3\u0089poque, the Ocean \u00e2\u0080\u0094 in her hand")
    )
    assert not of(findings, "FT210")
    assert lines_of(findings, "FT204") == [2]  # mis-decoded text is FT204's


# FT211 private-use-character


def test_private_use_characters_are_flagged(lint_records):
    findings = lint_records(
        reply("\uf0b7 First point\n\uf0b7 Second point"),
        s.conversation(s.msg("user", "Legacy \ue000 text"), s.msg("assistant", "Sure.")),
        reply("Plane 16: \U00100001."),
    )
    assert where(findings, "FT211") == [
        (1, "/messages/1/content"),
        (2, "/messages/0/content"),
        (3, "/messages/1/content"),
    ]
    assert [f.message.split(" contains ")[1] for f in of(findings, "FT211")] == [
        "a private-use character (U+F0B7: a Symbol or Wingdings font character, pasted from Word or a PDF?) and 1 more",
        "a private-use character (U+E000: no standard meaning)",
        "a private-use character (U+100001: no standard meaning)",
    ]
    assert [f.severity for f in of(findings, "FT211")] == [Severity.WARNING, Severity.INFO, Severity.WARNING]


def test_ordinary_non_ascii_text_is_not_private_use(lint_records):
    assert not of(lint_records(reply("日本語, emoji 😀, ﬁ ligature, fullwidth ＡＢＣ, math 𝑃 and ∑.")), "FT211")


# all character rules: every spelling of the record reaches them


def test_characters_written_as_json_escapes_are_found_like_raw_ones(lint_records):
    records = [
        reply("a\u200bb"),
        reply("x\u0008y\u000cz"),
        reply("\uf0b7 dot"),
        reply("\U000e0000\U000e0041 tag"),
        reply("\U0010fffd end"),
    ]
    raw = lint_records(*records, name="raw.jsonl")
    escaped = lint_records(
        *(json.dumps(record) for record in records), name="escaped.jsonl"
    )  # ensure_ascii: \u escapes only
    found = [(f.code, f.line, f.message) for f in raw if f.code in DEBRIS]
    assert [(code, line) for code, line, _ in found] == [
        ("FT209", 1),
        ("FT210", 2),
        ("FT211", 3),
        ("FT209", 4),
        ("FT211", 5),
    ]
    assert [(f.code, f.line, f.message) for f in escaped if f.code in DEBRIS] == found


def test_a_rejected_preference_reply_is_trained_text(lint_records):
    record = s.preference([s.USER], [s.msg("assistant", "Paris.")], [s.msg("assistant", "Lyon&nbsp;is the capital.")])
    assert where(lint_records(record), "FT208") == [(1, "/non_preferred_output/0/content")]
