"""Plain lines for a GitHub Actions step's log that the runner cannot read as workflow commands.

Whatever mergeguard prints inside a workflow (``mergeguard action``, or ``mergeguard score`` in a
``run:`` step) goes through the runner, which executes workflow commands it finds in the output. Our
own commands are built by :func:`mergeguard.action.command` with GitHub's escaping; this module is
for every other line, which may quote a path, a branch or a config key chosen by someone else.
"""

from __future__ import annotations


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
