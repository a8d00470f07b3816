"""The question inside a prompt: chat markup, system prompts and answer instructions removed.

Different tools wrap the same benchmark question differently: lm-eval writes
``Problem: ...\\nAnswer:``, Qwen2.5-Math a ChatML frame with "Please reason step by step,
and put your final answer within \\boxed{}.", verl the prompt decoded without its special
tokens (``system\\nYou are a helpful assistant.\\nuser\\n...\\nassistant\\n``), OpenAI
Batch a list of messages. :func:`normalise_prompt` reduces each to the question itself
with its whitespace collapsed, so the same question gives the same text whichever tool
asked it. It removes only markup and instruction text it knows (``INSTRUCTIONS``, the
chat turn markers below, the bundled generation templates); the question's own words are
never changed.
"""

from __future__ import annotations

import re
from functools import lru_cache

# (start of the user turn, end of it) per chat format: the question is the last user turn.
_CHAT_TURNS: tuple[tuple[str, str], ...] = (
    (r"<\|im_start\|>\s*user\s*", r"<\|im_end\|>|<\|im_start\|>"),  # ChatML: Qwen, InternLM
    (
        r"<\|start_header_id\|>\s*user\s*<\|end_header_id\|>\s*",
        r"<\|eot_id\|>|<\|start_header_id\|>",
    ),
    (r"<｜User｜>", r"<｜Assistant｜>|<｜end▁of▁sentence｜>"),  # DeepSeek-R1 and its distills
    (r"<start_of_turn>\s*user\s*", r"<end_of_turn>|<start_of_turn>"),  # Gemma
    (r"<\|user\|>\s*", r"<\|end\|>|<\|assistant\|>|<\|system\|>"),  # Phi-3, ToRA
    (r"\[INST\]\s*", r"\[/INST\]"),  # Llama 2, Mistral
    (r"\[Round \d+\] USER:\s*", r"ASSISTANT:"),  # Qwen-Math o1_cot
)
_CHAT = [(re.compile(a), re.compile(b)) for a, b in _CHAT_TURNS]
# A user turn written as a speaker label (R1-Zero, DeepSeek-Math, "Human:", and the
# "role: content" text of message lists); the label follows a line start or a sentence.
_SPEAKER = re.compile(r"(?:^|(?<=\n)|(?<=[.!?:>] ))\s*(?:user|human)\s*:[ \t]*", re.IGNORECASE)
_REPLY = re.compile(r"(?:^|\n|(?<=[.!?] ))\s*(?:assistant|gpt|model)\s*:", re.IGNORECASE)
# The decoded form of a chat prompt without special tokens: role names alone on a line.
_ROLE_LINES = re.compile(r"^\s*(?:system|user)\s*\n")
_ROLE_USER = re.compile(r"(?:^|\n)\s*user\s*\n")
_ROLE_REPLY = re.compile(r"\n?\s*assistant\s*(?:\n\s*)?(?:<think>\s*)?$")
_SYSTEM_BLOCKS = re.compile(
    r"<<SYS>>.*?<</SYS>>|<\|im_start\|>\s*system.*?<\|im_end\|>"
    r"|<\|start_header_id\|>\s*system\s*<\|end_header_id\|>.*?<\|eot_id\|>",
    re.DOTALL,
)
_TOKENS = re.compile(
    r"<\|(?:begin_of_text|end_of_text|endoftext|eot_id|im_end|im_start|end|assistant|user)\|>"
    r"|<｜(?:begin▁of▁sentence|end▁of▁sentence|Assistant|User)｜>|<s>|</s>|<bos>|<eos>"
    r"|</?think>|/no_think\b|/think\b"
)

# Instruction text added around the question, as the tools render it (whitespace and a
# final period are matched loosely). Source of each in docs/input-formats.md.
INSTRUCTIONS: tuple[str, ...] = (
    r"Please reason step by step, and put your final answer within \boxed{}.",
    r"Please reason step by step and put your final answer within \boxed{}.",
    r"Let's think step by step and output the final answer within \boxed{}.",
    'Let\'s think step by step and output the final answer after "####".',
    r"Return your final response within \boxed{}.",
    r"Think step by step, but only keep a minimum draft for each thinking step, with 5 words"
    r" at most, and put your final answer within \boxed{}.",
    "Solve the following math problem step by step. The last line of your response should be"
    " of the form Answer: $Answer (without quotes) where $Answer is the answer to the problem.",
    'Remember to put your answer on its own line after "Answer:", and you do not need to use'
    r" a \boxed command.",
    'Remember to put your answer on its own line after "Answer:".',
    "Solve the following math problem step by step. The last line of your response should be"
    ' of the form "ANSWER: $ANSWER" (without quotes) where $ANSWER is the answer to the problem.',
    'Remember to put your answer on its own line at the end in the form "ANSWER: $ANSWER"'
    " (without quotes) where $ANSWER is the answer to the problem, and you do not need to use"
    r" a \boxed command.",
    "Solve the following math problem efficiently and clearly. The last line of your response"
    " should be of the following format: 'Therefore, the final answer is: $\\boxed{ANSWER}$. I"
    " hope it is correct' (without quotes) where ANSWER is just the final number or expression"
    " that solves the problem. Think step by step before answering.",
    "Solve the following problem. The final line of your response MUST be of the following"
    ' format: "ANSWER: $ANSWER" (without quotes) where $ANSWER is the final answer. Think step'
    " by step before answering.",
    "Answer the following multiple choice question. The last line of your response should be"
    " of the following format: 'Answer: $LETTER' (without quotes) where LETTER is one of ABCD."
    " Think step by step before answering.",
    "You must put your answer inside <answer> </answer> tags, i.e., <answer> answer here"
    r" </answer>. And your final answer will be extracted automatically by the \boxed{} tag.",
    'Please solve the following problem and put your answer at the end with "The answer is: ".',
    'Please reason step by step and put your final answer at the end with "The answer is: ".',
    "Below is an instruction that describes a task. Write a response that appropriately"
    " completes the request.",
    "Given the following problem, reason and give a final answer to the problem.",
    'Your response should end with "The final answer is [answer]" where [answer] is the'
    " response to the problem.",
    r"Present the answer in LaTex format: \boxed{Your answer}",
    r"Please put your final answer within \boxed{}.",
    r"Put your final answer within \boxed{}.",
    "Let's think step by step.",
)
# System-prompt preambles written into the text (R1-Zero, Open-Reasoner-Zero, open-r1).
_PREAMBLES = re.compile(
    r"A conversation between User and Assistant\..*?</answer>\s*\.?", re.IGNORECASE | re.DOTALL
)
# Labels that open the question (few-shot prompts repeat them: the last one is the
# question), and those that close it. A bare word counts as a label only with a colon,
# except for markdown headings (``## Question``, ``## Solution``).
_LEAD = re.compile(
    r"(?:^|\n)[ \t]*(?:#{1,4}[ \t]*(?:Problem|Question|Instruction)\b[ \t]*:?"
    r"|(?:Problem|Question|Q|Instruction|This is the problem)[ \t]*:)[ \t]*",
    re.IGNORECASE,
)
_TRAIL = re.compile(
    r"(?:(?:^|\s)(?:#{1,4}[ \t]*(?:Answer|Solution|Response|Natural Language Solution"
    r"|Code Solution)\b[ \t]*:?|(?:Answer|Solution|A|Response|Reasoning)[ \t]*:)\s*)+$",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")


def _loose(literal: str) -> str:
    """A regex for an instruction literal: any run of whitespace, optional final period."""
    text = literal.strip().rstrip(".")
    parts = [re.escape(p) for p in text.split()]
    return r"\s*".join(parts) + r"\s*\.?"


@lru_cache(maxsize=1)
def _instruction_pattern() -> re.Pattern[str]:
    # Imported here: reading inputs should not load the generation package up front.
    from traceanalysis.generate.templates import PLACEHOLDER, available_templates, load_template

    literals = list(INSTRUCTIONS)
    for name in available_templates():  # our own generation templates (generate/templates)
        template = load_template(name)
        parts = [] if template.chat else template.text.split(PLACEHOLDER)
        # Parts holding chat markup are handled by the chat rules; tiny ones are no text.
        literals += [p for p in parts if len(p.strip()) >= 20 and not _TOKENS.search(p)]
    literals.sort(key=len, reverse=True)  # the longest instruction wins where they overlap
    return re.compile("|".join(_loose(x) for x in literals), re.IGNORECASE)


def _last_turn(text: str) -> str:
    """The content of the last user turn when ``text`` is a chat prompt, else ``text``."""
    text = _SYSTEM_BLOCKS.sub("\n", text)
    for start, end in _CHAT:
        opens = list(start.finditer(text))
        if opens:
            rest = text[opens[-1].end() :]
            stop = end.search(rest)
            return rest[: stop.start()] if stop else rest
    if _ROLE_LINES.match(text):
        users = list(_ROLE_USER.finditer(text))
        rest = text[users[-1].end() :] if users else text
        return _ROLE_REPLY.sub("", rest)
    return text


def _speaker_turn(text: str) -> str:
    """The last ``User:``/``Human:`` turn of a text-framed conversation, else ``text``."""
    opens = list(_SPEAKER.finditer(text))
    if not opens:
        return text
    rest = text[opens[-1].end() :]
    stop = _REPLY.search(rest)
    return rest[: stop.start()] if stop else rest


def _question(text: str) -> str:
    """Text after the last question label (few-shot prompts), its answer label removed."""
    opens = list(_LEAD.finditer(text))
    if opens:
        text = text[opens[-1].end() :]
    return _TRAIL.sub("", text)


def normalise_prompt(text: object) -> str:
    """The question inside ``text``: chat markup, system prompt and instructions stripped.

    Steps: drop system blocks and take the last user turn of a chat prompt (ChatML,
    Llama 3, DeepSeek, Gemma, Phi-3, ``[INST]``, the role-line text of a prompt decoded
    without special tokens, ``User:``/``Human:`` speaker labels); remove the known
    instruction sentences and preambles (``INSTRUCTIONS``, the bundled generation
    templates); keep what follows the last ``Problem:``/``Question:``/``Q:`` label and drop
    a trailing ``Answer:``/``Solution:``; collapse whitespace. Returns "" for no text.
    """
    if not isinstance(text, str):
        return ""
    out = _last_turn(text)
    out = _TOKENS.sub(" ", out)
    out = _PREAMBLES.sub(" ", out)
    out = _instruction_pattern().sub(" ", out)
    out = _speaker_turn(out)
    out = _question(out.strip())
    return _SPACE.sub(" ", out).strip()
