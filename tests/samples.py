"""Every record the test suite lints, in one place.

The rule tests take their records from here, and test_engines_agree checks that the two
JSON Schema engines give the same verdict on each of them (see `all_records`).
"""

from __future__ import annotations

from support import data_url


def msg(role: str, content: object = "Some text.", **extra) -> dict:
    return {"role": role, "content": content, **extra}


def conversation(*messages: dict, **top) -> dict:
    return {"messages": list(messages), **top}


def call(call_id: str, name: str = "get_weather", arguments: object = '{"city": "Paris"}') -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def tool(name: str = "get_weather", parameters: object = None) -> dict:
    function = {"name": name, "description": "Current weather in a city."}
    function["parameters"] = (
        parameters if parameters is not None else {"type": "object", "properties": {"city": {"type": "string"}}}
    )
    return {"type": "function", "function": function}


def preference(messages: list[dict], preferred: list[dict], non_preferred: list[dict], **input_extra) -> dict:
    return {
        "input": {"messages": messages, **input_extra},
        "preferred_output": preferred,
        "non_preferred_output": non_preferred,
    }


def image(url: str) -> dict:
    return {"type": "image_url", "image_url": {"url": url}}


SYSTEM = msg("system", "You are a concise assistant.")
USER = msg("user", "What is the capital of France?")
ASSISTANT = msg("assistant", "Paris.")

# --- valid records of each format -----------------------------------------------------------

CHAT = conversation(SYSTEM, USER, ASSISTANT)
CHAT_MULTI_TURN = conversation(SYSTEM, USER, ASSISTANT, msg("user", "And of Italy?"), msg("assistant", "Rome."))
CHAT_DEVELOPER = conversation(msg("developer", "Answer in one word."), USER, ASSISTANT)
CHAT_NAMED = conversation(msg("user", "Hi, I am Ada.", name="ada_l"), msg("assistant", "Hello Ada!", name="helper-1"))
CHAT_WEIGHTS = conversation(
    USER, msg("assistant", "Lyon.", weight=0), msg("user", "No, the capital."), msg("assistant", "Paris.", weight=1)
)
CHAT_TOOLS = conversation(
    USER,
    msg("assistant", "", tool_calls=[call("call_1")]),
    msg("tool", '{"temperature": 21}', tool_call_id="call_1"),
    msg("assistant", "It is 21 °C in Paris."),
    tools=[tool()],
    parallel_tool_calls=False,
)
CHAT_PARALLEL_CALLS = conversation(
    USER,
    msg("assistant", None, tool_calls=[call("call_1"), call("call_2", arguments='{"city": "Rome"}')]),
    msg("tool", "21", tool_call_id="call_1"),
    msg("tool", "25", tool_call_id="call_2"),
    msg("assistant", "Paris 21 °C, Rome 25 °C."),
    tools=[tool()],
)
CHAT_TARGET_CALL = conversation(USER, msg("assistant", None, tool_calls=[call("call_1")]), tools=[tool()])
CHAT_FUNCTIONS = conversation(
    USER,
    {"role": "assistant", "content": None, "function_call": {"name": "get_weather", "arguments": '{"city": "Paris"}'}},
    msg("function", "21", name="get_weather"),
    msg("assistant", "21 °C."),
    functions=[tool()["function"]],
)
CHAT_TEXT_PARTS = conversation(
    msg("user", [{"type": "text", "text": "What is in this picture?"}, image("https://example.com/cat.png")]),
    msg("assistant", "A cat."),
)
PREFERENCE = preference([USER], [msg("assistant", "Paris.")], [msg("assistant", "Lyon.")])
PREFERENCE_TOOLS = preference(
    [SYSTEM, USER], [msg("assistant", "Paris.")], [msg("assistant", "Lyon.")], tools=[tool()], parallel_tool_calls=True
)
PROMPT_COMPLETION = {"prompt": "Capital of France ->", "completion": " Paris"}

VALID_RECORDS = {
    "openai-chat": [
        CHAT,
        CHAT_MULTI_TURN,
        CHAT_DEVELOPER,
        CHAT_NAMED,
        CHAT_WEIGHTS,
        CHAT_TOOLS,
        CHAT_PARALLEL_CALLS,
        CHAT_TARGET_CALL,
        CHAT_FUNCTIONS,
        CHAT_TEXT_PARTS,
    ],
    "openai-preference": [PREFERENCE, PREFERENCE_TOOLS],
    "openai-prompt-completion": [PROMPT_COMPLETION],
}

# --- schema errors (FT101, FT102, FT103, FT108, FT111, FT112) ------------------------------

CONTENT_NUMBER = conversation(msg("user", 42), ASSISTANT)
MESSAGES_EMPTY = {"messages": []}
MESSAGES_NOT_LIST = {"messages": "hello"}
MESSAGE_WITHOUT_ROLE = conversation({"content": "Hi"}, ASSISTANT)
PART_UNKNOWN_TYPE = conversation(msg("user", [{"type": "audio", "text": "hi"}]), ASSISTANT)
IMAGE_DETAIL_BAD = conversation(
    msg("user", [{"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "max"}}]), ASSISTANT
)
PARALLEL_NOT_BOOL = conversation(USER, ASSISTANT, parallel_tool_calls="yes")
NO_FORMAT = {"query": "Say hi", "reply": "Hi"}

UNKNOWN_KEY_MESSAGE = conversation(USER, msg("assistant", "Paris.", id=7))
UNKNOWN_KEY_TOP = conversation(USER, ASSISTANT, metadata={"source": "crm"})
UNKNOWN_KEY_TWO = conversation(msg("user", "Hi", lang="en", ts=1), ASSISTANT)
TOOL_CALLS_ON_USER = conversation(msg("user", "Hi", tool_calls=[call("call_1")]), ASSISTANT)
TOOL_CALL_ID_ON_ASSISTANT = conversation(USER, msg("assistant", "Paris.", tool_call_id="call_1"))
TOOL_WITHOUT_CALL_ID = conversation(
    USER, msg("assistant", None, tool_calls=[call("call_1")]), msg("tool", "21"), ASSISTANT
)

ROLE_BOT = conversation(USER, msg("bot", "Paris."))
ROLE_MODEL = conversation(USER, msg("model", "Paris."))
ROLE_HUMAN = conversation(msg("human", "Hi"), msg("assistant", "Hello!"))
PREFERENCE_OUTPUT_ROLE = preference([USER], [msg("user", "Paris.")], [msg("assistant", "Lyon.")])

WEIGHT_TWO = conversation(USER, msg("assistant", "Paris.", weight=2))
WEIGHT_HALF = conversation(USER, msg("assistant", "Paris.", weight=0.5))
WEIGHT_STRING = conversation(USER, msg("assistant", "Paris.", weight="1"))
WEIGHT_ON_USER = conversation(msg("user", "Hi", weight=1), ASSISTANT)

ARGUMENTS_OBJECT = conversation(USER, msg("assistant", None, tool_calls=[call("call_1", arguments={"city": "Paris"})]))
ARGUMENTS_NOT_JSON = conversation(USER, msg("assistant", None, tool_calls=[call("call_1", arguments="{city: Paris}")]))
ARGUMENTS_ARRAY = conversation(USER, msg("assistant", None, tool_calls=[call("call_1", arguments="[1, 2]")]))
FUNCTION_CALL_ARGUMENTS_BAD = conversation(
    USER, {"role": "assistant", "content": None, "function_call": {"name": "get_weather", "arguments": "city=Paris"}}
)

TOOL_NAME_SPACE = conversation(USER, ASSISTANT, tools=[tool("get weather")])
TOOL_NAME_NEWLINE = conversation(USER, ASSISTANT, tools=[tool("get_weather\n")])
TOOL_NAME_DUPLICATE = conversation(USER, ASSISTANT, tools=[tool(), tool()])
TOOL_PARAMETERS_BAD_TYPE = conversation(USER, ASSISTANT, tools=[tool(parameters={"type": "objet"})])
TOOL_PARAMETERS_NOT_OBJECT = conversation(USER, ASSISTANT, tools=[tool(parameters={"type": "string"})])
TOOL_TYPE_BAD = conversation(USER, ASSISTANT, tools=[{"type": "retrieval", "function": tool()["function"]}])
PREFERENCE_TOOL_NAME_BAD = preference(
    [USER], [msg("assistant", "Paris.")], [msg("assistant", "Lyon.")], tools=[tool("get.weather")]
)
FUNCTIONS_NAME_BAD = conversation(USER, ASSISTANT, functions=[{"name": "get weather"}])
CALL_UNDECLARED = conversation(  # FT118: the call names a function the tools do not declare
    USER, msg("assistant", None, tool_calls=[call("call_1", name="get_wether")]), tools=[tool()]
)

# --- conversation shape (FT104-FT107, FT109, FT110) -----------------------------------------

NO_ASSISTANT = conversation(SYSTEM, USER)
NO_USER = conversation(SYSTEM, msg("assistant", "Hello!"))
PREFERENCE_NO_USER = preference([SYSTEM], [msg("assistant", "Paris.")], [msg("assistant", "Lyon.")])
TRAILING_USER = conversation(USER, ASSISTANT, msg("user", "Thanks!"))
TRAILING_TOOL = conversation(
    USER, msg("assistant", None, tool_calls=[call("call_1")]), msg("tool", "21", tool_call_id="call_1"), tools=[tool()]
)
SYSTEM_NOT_FIRST = conversation(USER, SYSTEM, ASSISTANT)
ASSISTANT_GREETS_FIRST = conversation(SYSTEM, msg("assistant", "How can I help?"), USER, ASSISTANT)
TWO_USERS = conversation(USER, msg("user", "Please answer."), ASSISTANT)
TWO_ASSISTANTS = conversation(USER, ASSISTANT, msg("assistant", "It is in Europe."))
TOOL_WITHOUT_CALL = conversation(USER, msg("tool", "21", tool_call_id="call_1"), ASSISTANT)
SYSTEM_THEN_DEVELOPER = conversation(SYSTEM, msg("developer", "Be brief."), USER, ASSISTANT)

ALL_WEIGHTS_ZERO = conversation(
    USER, msg("assistant", "Lyon.", weight=0), msg("user", "Sure?"), msg("assistant", "Paris.", weight=0)
)

TOOL_ANSWERS_UNKNOWN_ID = conversation(
    USER,
    msg("assistant", None, tool_calls=[call("call_1")]),
    msg("tool", "21", tool_call_id="call_1"),
    msg("tool", "22", tool_call_id="call_9"),
    ASSISTANT,
    tools=[tool()],
)
CALL_NEVER_ANSWERED = conversation(
    USER,
    msg("assistant", None, tool_calls=[call("call_1"), call("call_2")]),
    msg("tool", "21", tool_call_id="call_1"),
    ASSISTANT,
    tools=[tool()],
)
CALL_ANSWERED_TWICE = conversation(
    USER,
    msg("assistant", None, tool_calls=[call("call_1")]),
    msg("tool", "21", tool_call_id="call_1"),
    msg("tool", "21", tool_call_id="call_1"),
    ASSISTANT,
    tools=[tool()],
)
CALL_ID_REUSED = conversation(
    USER,
    msg("assistant", None, tool_calls=[call("call_1")]),
    msg("tool", "21", tool_call_id="call_1"),
    msg("assistant", None, tool_calls=[call("call_1")]),
    msg("tool", "22", tool_call_id="call_1"),
    ASSISTANT,
    tools=[tool()],
)
CALL_ID_TWICE_IN_TARGET = conversation(
    USER, msg("assistant", None, tool_calls=[call("call_1"), call("call_1")]), tools=[tool()]
)

# --- images (FT113) ---------------------------------------------------------------------------

# Magic bytes and zeros: enough to tell the types apart (support.PNG and the others are real headers).
PNG = b"\x89PNG\r\n\x1a\n" + bytes(40)
JPEG = b"\xff\xd8\xff\xe0" + bytes(40)
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(40)
GIF = b"GIF89a" + bytes(40)


def with_images(*urls: str, role: str = "user") -> dict:
    reply = msg("assistant", "An image.")
    return (
        conversation(msg(role, [{"type": "text", "text": "Describe this."}, *map(image, urls)]), reply)
        if role != "assistant"
        else conversation(USER, msg("assistant", [image(u) for u in urls]))
    )


IMAGES_OK = with_images(
    "https://example.com/a.jpg",
    data_url(PNG, "image/png"),
    data_url(JPEG, "image/jpeg"),
    data_url(WEBP, "image/webp"),
    data_url(JPEG, "image/jpg"),
)
IMAGE_HTTP = with_images("http://example.com/cat.jpg")
IMAGE_GIF = with_images(data_url(GIF, "image/gif"))
IMAGE_WRONG_BYTES = with_images(data_url(JPEG, "image/png"))
IMAGE_NOT_IMAGE = with_images(data_url(b"hello, world, this is text", "image/png"))
IMAGE_BAD_BASE64 = with_images("data:image/png;base64,iVBORw0K!!!notbase64")
IMAGE_NOT_BASE64_URL = with_images("data:image/png,rawbytes")
IMAGE_IN_ASSISTANT = with_images("https://example.com/a.png", role="assistant")
THREE_IMAGES = with_images("https://example.com/1.png", "https://example.com/2.png", "https://example.com/3.png")
BIG_IMAGE = with_images(data_url(PNG + bytes(3000), "image/png"))

# --- content (FT201-FT205) ------------------------------------------------------------------

ASSISTANT_EMPTY = conversation(USER, msg("assistant", ""))
USER_WHITESPACE = conversation(msg("user", "  \n "), ASSISTANT)
ASSISTANT_NULL = conversation(USER, msg("assistant", None))
ASSISTANT_MISSING_CONTENT = conversation(USER, {"role": "assistant"})
USER_NULL = conversation(msg("user", None), ASSISTANT)
USER_MISSING_CONTENT = conversation({"role": "user"}, ASSISTANT)
TEXT_PART_EMPTY = conversation(msg("user", [{"type": "text", "text": ""}]), ASSISTANT)
CONTENT_EMPTY_LIST = conversation(msg("user", []), ASSISTANT)
IMAGE_ONLY = conversation(msg("user", [image("https://example.com/a.png")]), msg("assistant", "A cat."))
COMPLETION_EMPTY = {"prompt": "Capital of France ->", "completion": ""}
PREFERENCE_EMPTY_REPLY = preference([USER], [msg("assistant", "Paris.")], [msg("assistant", " ")])

TRAILING_NEWLINES = conversation(USER, msg("assistant", "Paris.\n\n"))
LEADING_SPACE_USER = conversation(msg("user", " What is the capital of France?"), ASSISTANT)
LEADING_SPACE_PART = conversation(msg("user", [{"type": "text", "text": "Hi "}]), ASSISTANT)
PREFERENCE_INPUT_SPACE = preference(
    [msg("user", "What is the capital of France? ")], [msg("assistant", "Paris.")], [msg("assistant", "Lyon.")]
)
INNER_WHITESPACE = conversation(msg("user", "Line one.\n\nLine two."), msg("assistant", "Both  lines."))

LEAK_IM_END = conversation(USER, msg("assistant", "Paris.<|im_end|>"))
LEAK_INST = conversation(msg("user", "[INST] What is the capital of France? [/INST]"), ASSISTANT)
LEAK_ROLE_PREFIX = conversation(USER, msg("assistant", "Paris.\nUser: and Italy?"))
LEAK_ALPACA = conversation(msg("user", "### Instruction:\nName the capital of France."), ASSISTANT)
LEAK_EOS = conversation(USER, msg("assistant", "Paris.</s>"))
HTML_STRIKE = conversation(
    msg("user", "Render <s>old</s> new in HTML."), msg("assistant", "It shows old struck through, then new.")
)
USERNAME_LINE = conversation(msg("user", "Username: ada\nWhat can I do?"), msg("assistant", "Reset your password."))

MOJIBAKE_LATIN1 = conversation(USER, msg("assistant", "Le cafÃ© est ouvert."))
MOJIBAKE_CP1252 = conversation(msg("user", "Câ€™est quoi?"), ASSISTANT)
MOJIBAKE_MAC = conversation(USER, msg("assistant", "Le caf√© est ouvert."))
REPLACEMENT_CHAR = conversation(USER, msg("assistant", "Le caf\ufffd est ouvert."))
ACCENTS_OK = conversation(
    msg("user", "Où est le café? SÃO PAULO, naïve, Ærø, Ålesund"), msg("assistant", "À côté de la gare.")
)

ECHO_SAME = conversation(msg("user", "Translate: good morning"), msg("assistant", "Translate:   good morning"))
ECHO_PREFIX = conversation(
    msg("user", "Summarise the following report about quarterly sales figures."),
    msg("assistant", "Summarise the following report about quarterly sales figures. Sales rose."),
)
SHORT_QUOTE = conversation(
    msg("user", "Define: entropy"), msg("assistant", "Define: entropy is a measure of disorder.")
)
COMPLETION_ECHO = {"prompt": "Say it back", "completion": "Say it back"}

# --- duplicates (FT401) ------------------------------------------------------------------------

DUPLICATE_REORDERED = {
    "messages": [
        {"content": "What is the capital of France?", "role": "user"},
        {"content": "Paris.", "role": "assistant"},
    ]
}
DUPLICATE_ORIGINAL = conversation(msg("user", "What is the capital of France?"), msg("assistant", "Paris."))
NEAR_COPY = conversation(msg("user", "What is the capital of France?"), msg("assistant", "Paris!"))


def all_records() -> list[dict]:
    """Every record above: the UPPER_CASE dicts, and the dicts in UPPER_CASE lists."""
    found: list[dict] = []
    for name, value in globals().items():
        if name.isupper() and isinstance(value, dict):
            found.append(value)
        elif name.isupper() and isinstance(value, list):
            found += [record for record in value if isinstance(record, dict)]
    return found
