"""Plain lines for a GitHub Actions step's log that the runner cannot read as workflow commands.

Whatever mergeguard prints inside a workflow (``mergeguard action``, or ``mergeguard score`` in a
``run:`` step) goes through the runner, which executes workflow commands it finds in the output. Our
own commands are built by :func:`mergeguard.action.command` with GitHub's escaping; this module is
for every other line, which may quote a path, a branch or a config key chosen by someone else.
"""

from __future__ import annotations

import re

#: a line that, after leading white space, starts a ``::`` command (the runner trims Unicode white space)
_COMMAND_START = re.compile(r"^(\s*)::", re.MULTILINE)
#: U+200B is no white space to the runner (.NET ``char.IsWhiteSpace``), so it ends the trimming, and
#: it shows as nothing in a terminal or on a rendered page
_ZWSP = "\u200b"


def log_line(text: str) -> str:
    """``text`` as one plain line of the step's log that the runner reads as no command at all.

    The runner reads two syntaxes on every line of stdout *and* stderr: ``::name::data`` at the start
    of the line (after leading white space), and the legacy ``##[name]data`` *anywhere* in it
    (``ActionCommand.TryParse`` in actions/runner). So a free-text line (our one-line errors, git's
    last words) gets its line breaks flattened and every ``##[`` broken up; otherwise a config key or a
    branch name written ``##[stop-commands]x`` would switch the step's commands off, or
    ``##[add-mask]…`` hide text. Lines that *are* commands go through :func:`mergeguard.action.command`, whose data may
    hold ``##[`` safely: the runner tries the legacy form only on a line that is no ``::`` command.
    """
    flat = " ".join(str(text).replace("\r", "\n").split("\n"))
    if flat.lstrip().startswith("::"):
        flat = "mergeguard: " + flat.lstrip()
    return flat.replace("##[", "## [")


def inert_report(text: str, *, json_text: bool = False) -> str:
    """A whole report (``score``'s stdout) that the runner reads as no command on any line.

    ``mergeguard score`` in a workflow's ``run:`` step prints paths and messages at the start of
    text lines (``    ::error title=x::….py:6  warning …``) and ``##[`` anywhere, in every format.
    JSON (and SARIF) keeps its value exactly: ``##[`` occurs only inside strings there, where
    ``##\\u005b`` is the same text, and no JSON line starts with ``::``. Text and markdown get a
    zero-width space before a line's leading ``::`` and inside each ``##[``, invisible when read.
    """
    if json_text:
        return text.replace("##[", "##\\u005b")
    text = text.replace("##[", f"##{_ZWSP}[")
    return _COMMAND_START.sub(lambda m: f"{m.group(1)}{_ZWSP}::", text)
