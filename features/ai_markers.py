"""The catalogue of marks AI coding tools and agents leave, kept as data.

``features/authorship.py`` reads these entries; it holds no tool names of its own. Each entry says
which tool it names and where the format was seen (``seen``), so a new tool is one more line here
and one more test case in ``tests/test_authorship.py``.

Families (the ``source`` of a finding says where in a change it was found):

- **identities** (``IDENTITIES``): the display names, logins and *full* e-mail addresses agents
  commit or co-author as. An address counts only as a whole (local part and domain): a person at an
  AI company (``jane@anthropic.com``) is a person. Names that are also first names (Claude, Devin,
  Jules…) count only together with one of the tool's own addresses.
- **trailers** (``TRAILER_KEYS``): ``Co-authored-by``/``Co-developed-by`` name an identity or a
  model (``openai:gpt-5``, ``claude-sonnet-4``); ``Assisted-by``/``Generated-by``/``Made-with``
  name a tool, vendor or model anywhere in their value (``Assisted-by: Claude:claude-opus-4-7``).
- **markers** (``MARKERS``): lines anywhere in a message or pull-request description ("Generated
  with [Claude Code]", agent session links, ``aider:`` prefixes).
- **branches** (``BRANCH_PREFIXES``): the branch names agents push to (``copilot/…``, ``codex/…``).
- **automation** (``AUTOMATION``): dependency and housekeeping bots; reported, never AI authorship.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Identity:
    """An agent's name/login (``names``) and full addresses (``emails``), both full-match regexes."""

    tool: str
    names: str
    emails: str | None
    seen: str
    #: the name alone is also a person's first name: it counts only with one of ``emails``
    needs_email: bool = False

    @cached_property
    def name_re(self) -> re.Pattern[str]:
        return re.compile(self.names, re.I)

    @cached_property
    def email_re(self) -> re.Pattern[str] | None:
        return re.compile(self.emails, re.I) if self.emails else None


@dataclass(frozen=True)
class Marker:
    """A pattern found anywhere in a commit message or pull-request description."""

    tool: str
    family: str
    pattern: str
    seen: str
    flags: int = re.I | re.M

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern, self.flags)


@dataclass(frozen=True)
class ToolWord:
    """A tool, vendor or model named in the value of an ``Assisted-by``-like trailer or a "Generated with" line."""

    tool: str
    pattern: str

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile(rf"(?<![\w-]){self.pattern}(?![\w])", re.I)


_GH = r"(\d+\+)?"  # GitHub's noreply addresses: 12345+login@users.noreply.github.com
_NOREPLY = r"@users\.noreply\.github\.com"

IDENTITIES: tuple[Identity, ...] = (
    Identity("claude", r"claude (code|opus|sonnet|haiku|instant|fable|\d)[\w .()\-]*|claude code|claude\[bot\]|claude-code\[bot\]"
             r"|claude \((sandbox|agent|bot|ai|assistant)\)",
             None, "Claude Code co-author trailer 'Co-Authored-By: Claude <noreply@anthropic.com>'; claude[bot] app"),
    Identity("claude", r"claude|anthropic", rf"(noreply|claude)@anthropic\.com|{_GH}claude(\[bot\])?{_NOREPLY}",
             "Claude Code author/co-author 'Claude <noreply@anthropic.com>'", needs_email=True),
    Identity("copilot", r"(github\s+)?copilot(\s+(agent|autofix\b.*|coding agent))?|copilot-swe-agent(\[bot\])?"
             r"|copilot-pull-request-reviewer(\[bot\])?",
             rf"{_GH}copilot{_NOREPLY}|copilot@github\.com|{_GH}copilot-swe-agent(\[bot\])?{_NOREPLY}",
             "Copilot coding agent commits (copilot-swe-agent[bot]); 'Co-authored-by: Copilot <…+Copilot@users.noreply.github.com>'"),
    Identity("cursor", r"cursor\s+agent|cursor\[bot\]|cursoragent", r"(cursoragent|agent)@cursor\.(com|sh)",
             "'Co-authored-by: Cursor <cursoragent@cursor.com>' (Cursor background agent)"),
    Identity("cursor", r"cursor", rf"(cursoragent|agent)@cursor\.(com|sh)|{_GH}cursor(\[bot\])?{_NOREPLY}",
             "Cursor agent author 'Cursor <cursoragent@cursor.com>'", needs_email=True),
    Identity("codex", r"(openai\s+)?codex(\s+cli)?|chatgpt-codex-connector(\[bot\])?|openai\s+codex\s+agent",
             rf"codex@openai\.com|noreply@openai\.com|{_GH}chatgpt-codex-connector(\[bot\])?{_NOREPLY}",
             "Codex author 'Codex <codex@openai.com>'; chatgpt-codex-connector[bot]"),
    Identity("devin", r"devin(\s+ai)?|devin-ai-integration(\[bot\])?",
             rf"{_GH}devin-ai-integration(\[bot\])?{_NOREPLY}|devin@cognition\.ai|devin@devin\.ai",
             "'Co-Authored-By: Devin AI <…+devin-ai-integration[bot]@users.noreply.github.com>'", needs_email=True),
    Identity("devin", r"devin ai|devin-ai-integration(\[bot\])?", None, "devin-ai-integration[bot] app"),
    Identity("aider", r"aider(\s*\([^)]*\))?|.+\(aider\)", r"(noreply|aider)@aider\.chat",
             "'Co-authored-by: aider (gpt-4o) <noreply@aider.chat>'; '(aider)' appended to the author name"),
    Identity("gemini", r"gemini-code-assist(\[bot\])?|gemini (cli|code assist|\d[\w .]*)|antigravity( agent)?",
             rf"{_GH}gemini-code-assist(\[bot\])?{_NOREPLY}", "gemini-code-assist[bot] review suggestions; Gemini CLI"),
    Identity("gemini", r"gemini", r"gemini@google\.com|gemini-cli@google\.com", "'Co-authored-by: Gemini <gemini@google.com>'",
             needs_email=True),
    Identity("jules", r"google-labs-jules(\[bot\])?|google jules", rf"{_GH}google-labs-jules(\[bot\])?{_NOREPLY}",
             "Jules commits by google-labs-jules[bot]"),
    Identity("jules", r"jules", rf"{_GH}google-labs-jules(\[bot\])?{_NOREPLY}|jules@google\.com", "Jules", needs_email=True),
    Identity("windsurf", r"(windsurf|codeium)(\s+\w+)?|cascade", r"(noreply|windsurf|cascade)@(codeium|windsurf)\.com",
             "'Co-authored-by: Windsurf <windsurf@codeium.com>'"),
    Identity("amazon-q", r"amazon\s+q(\s+developer)?|amazon-q-developer(\[bot\])?", rf"{_GH}amazon-q-developer(\[bot\])?{_NOREPLY}",
             "amazon-q-developer[bot]"),
    Identity("coderabbit", r"coderabbitai(\[bot\])?|coderabbit", rf"{_GH}coderabbitai(\[bot\])?{_NOREPLY}",
             "'Co-authored-by: coderabbitai[bot]' (applied review suggestion)"),
    Identity("openhands", r"openhands(-agent)?|openhands-ai(\[bot\])?|all-hands-bot", r"openhands@all-hands\.dev",
             "'Co-authored-by: openhands <openhands@all-hands.dev>'"),
    Identity("sweep", r"sweep-ai(\[bot\])?", rf"{_GH}sweep-ai(\[bot\])?{_NOREPLY}", "sweep-ai[bot]"),
    Identity("codeflash", r"codeflash-ai(\[bot\])?", rf"{_GH}codeflash-ai(\[bot\])?{_NOREPLY}", "codeflash-ai[bot]"),
    Identity("amp", r"amp", r"amp@ampcode\.com", "'Co-authored-by: Amp <amp@ampcode.com>'", needs_email=True),
    Identity("factory", r"factory-droid(\[bot\])?|factory droid", rf"{_GH}factory-droid(\[bot\])?{_NOREPLY}|droid@factory\.ai",
             "factory-droid[bot]"),
    Identity("goose", r"goose", r"goose@(aaif\.ai|block\.xyz)", "'Co-Authored-By: goose <goose@aaif.ai>' (goose agent)", needs_email=True),
    Identity("crush", r"crush", r"crush@charm\.land", "'Assisted-by: … via Crush <crush@charm.land>'", needs_email=True),
    Identity("warp", r"warp( agent)?", r"agent@warp\.dev", "'Co-Authored-By: Warp <agent@warp.dev>' (Warp agent)", needs_email=True),
    Identity("continue", r"continue( agent)?", r"noreply@continue\.dev", "Continue agent co-author", needs_email=True),
    Identity("sourcery", r"sourcery-ai(\[bot\])?", rf"{_GH}sourcery-ai(\[bot\])?{_NOREPLY}", "sourcery-ai[bot] commits"),
    Identity("ellipsis", r"ellipsis-dev(\[bot\])?", rf"{_GH}ellipsis-dev(\[bot\])?{_NOREPLY}", "ellipsis-dev[bot] fix commits"),
    Identity("openai", r"chatgpt|openai( agent)?", None, "'Co-authored-by: ChatGPT'"),
    Identity("other-ai", r"(cline|kiro|junie|opencode|codebuff|auggie|augment code|qwen[\s-]coder?|kimi|tabnine)( agent| ai| cli)?"
             r"|qodo-merge(-pro)?(\[bot\])?|codegen-sh(\[bot\])?",
             None, "agent names without a documented address"),
)

#: trailer keys that say a tool took part; (key regex, how the value is read)
#: "identity": the value is a person-like ``Name <address>``: an identity or a model id counts;
#: "tool": any tool, vendor or model named in the value counts.
TRAILER_KEYS: tuple[tuple[str, str], ...] = (
    (r"co-?authored-?by", "identity"),
    (r"co-?developed-?by", "identity"),
    (r"assisted-?by", "tool"),
    (r"ai-?assisted-?by", "tool"),
    (r"generated-?by", "tool"),
    (r"generated-?with", "tool"),
    (r"made-?with", "tool"),
    (r"ai-?(tool|model|agent)s?", "tool"),
)

#: model identifiers: unambiguous anywhere in a trailer value (``openai:gpt-5``, ``claude-sonnet-4-5``)
MODEL_IDS: tuple[ToolWord, ...] = (
    ToolWord("codex", r"(openai[:/])?gpt-?\d[\w.\-]*-codex[\w.\-]*"),
    ToolWord("openai", r"(openai[:/])?(gpt-?\d[\w.\-]*|o[134](-mini|-pro)?|chatgpt[\w.\-]*)"),
    ToolWord("claude", r"(anthropic[:/])?claude-(opus|sonnet|haiku|instant|\d)[\w.\-]*"),
    ToolWord("gemini", r"(google[:/])?gemini-\d[\w.\-]*"),
    ToolWord("mistral", r"(mistral[:/])?(mistral|codestral|devstral|magistral)-[\w.\-]+"),
    ToolWord("other-ai", r"(deepseek|qwen\d?|llama-?\d|grok-?\d|kimi-k\d)[\w.\-]*"),
)

#: tools, vendors and models named in an ``Assisted-by`` value or a "Generated with" line
TOOL_NAMES: tuple[ToolWord, ...] = (
    ToolWord("claude", r"claude( code)?|anthropic"),
    ToolWord("copilot", r"(github )?copilot"),
    ToolWord("cursor", r"cursor( agent)?"),
    ToolWord("codex", r"(openai )?codex( cli)?"),
    ToolWord("openai", r"openai|chatgpt|gpt-?[345][\w.\-]*"),
    ToolWord("gemini", r"gemini( cli| code assist)?"),
    ToolWord("devin", r"devin( ai)?"),
    ToolWord("jules", r"(google )?jules"),
    ToolWord("amazon-q", r"amazon q( developer)?|codewhisperer"),
    ToolWord("aider", r"aider"),
    ToolWord("openhands", r"openhands"),
    ToolWord("mistral", r"mistral|codestral|devstral|le chat"),
    ToolWord("windsurf", r"windsurf|codeium"),
    ToolWord("crush", r"crush"),
    ToolWord("amp", r"amp(code)?"),
    ToolWord("other-ai", r"cline|kiro|junie|opencode|codebuff|goose|tabnine|cody|qwen( code)?|deepseek|kimi|grok|llama|"
                         r"an? (ai|llm)( assistant| agent| model| tool)?|ai|llms?|ai assistant|ai agent"),
)
#: the agent's name first ("Assisted-by: Codex:GPT-5.5" is Codex), then the model
TOOL_WORDS: tuple[ToolWord, ...] = TOOL_NAMES + MODEL_IDS

_TOOLS = r"\[?(claude( code)?|(github )?copilot|cursor|codex|chatgpt|gpt-?[345][\w.\-]*|gemini( cli)?|devin|jules|amazon q|" \
         r"aider|openhands|" \
         r"mistral|codestral|windsurf|cline|kiro|junie|codebuff|opencode|crush|amp|goose|an? (ai|llm)|ai|llms?)\]?"

MARKERS: tuple[Marker, ...] = (
    Marker("claude", "generated-line", r"generated with \[?claude code\]?(\([^)\s]*\))?", "Claude Code: '🤖 Generated with [Claude Code](https://claude.com/claude-code)'"),
    Marker("claude", "session-link", r"claude\.ai/code\S*|^claude-session:.*$", "Claude Code on the web: session links"),
    Marker("other-ai", "generated-line", r"(🤖|💘)\s*generated (with|by) \[?[^\]\n]{1,40}\]?",
           "agents' robot-emoji footers ('💘 Generated with Crush')"),
    Marker("devin", "session-link", r"app\.devin\.ai/sessions/\S+|link to devin run\b.*", "Devin PRs: 'Link to Devin run: https://app.devin.ai/sessions/…'"),
    Marker("codex", "session-link", r"chatgpt\.com/codex/tasks/\S+|^codex task\b.*$", "Codex cloud: task links"),
    Marker("cursor", "session-link", r"cursor\.com/(agents|background-agent)\S*|^made[ -]with:?\s*\[?cursor\]?",
           "Cursor: 'Made with [Cursor]', 'Made-with: Cursor', agent links"),
    Marker("jules", "session-link", r"jules\.google(\.com)?/\S+", "Jules task links"),
    Marker("copilot", "agent-block", r"<!--\s*start copilot coding agent[^>]*-->|\bcopilot coding agent\b",
           "Copilot coding agent PR descriptions"),
    Marker("aider", "message-prefix", r"^aider: .*$", "aider's 'aider: <message>' commit prefix"),
    Marker("other-ai", "generated-line",
           rf"\b(generated|written|authored|created|co-?authored|drafted) (by|with|using) (the help of )?{_TOOLS}"
           r"(?! (review|detection|detector|slop))\b",
           "'Generated with/by X' lines naming an AI tool, anywhere in a message or description"),
)

#: branch names agents push to
BRANCH_PREFIXES: tuple[tuple[str, str], ...] = (
    ("copilot", "copilot"), ("claude", "claude"), ("codex", "codex"), ("cursor", "cursor"), ("devin", "devin"),
    ("jules", "jules"), ("aider", "aider"), ("openhands", "openhands"), ("sweep", "sweep"), ("amazon-q", "amazon-q"),
    ("gemini", "gemini"), ("windsurf", "windsurf"), ("other-ai", "codegen-bot"), ("other-ai", "cline"),
    ("other-ai", "kiro"), ("coderabbit", "coderabbitai"), ("jules", "google-labs-jules"),
)

#: dependency and housekeeping bots: automation, not AI authorship
AUTOMATION = re.compile(
    r"\[bot\]$|^(dependabot|renovate|greenkeeper|snyk-bot|imgbot|mergify|allcontributors|github-actions|pre-commit-ci|"
    r"pyup-bot|web-flow|semantic-release-bot|changeset-bot|release-please|stainless-bot|stainless-app)\b", re.I)

#: "an AI wrote this" comments in added code
CODE_MARKER = re.compile(
    r"(#|//|/\*|\*|--)\s*.*\b(generated|written|created) (by|with|using) (chatgpt|gpt-?[345][\w.-]*|claude|copilot|gemini|"
    r"cursor|codex|devin|an ai|ai assistant|openai)\b", re.I)
