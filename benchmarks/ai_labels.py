"""Build the labelled AI-authorship set: ids and labels only, from evidence only.

The labels are deliberately **independent of the detector under test** (``features/authorship.py``
and its catalogue ``features/ai_markers.py`` are not imported): a short, conservative rule set
written here, plus a manual reading of every doubtful commit.

- **AI (1)** by rule: the author's address or a ``Co-authored-by`` address is one of a few agent
  addresses (``AGENT_ADDRESSES``: whole addresses, never a domain), or the message carries a tool
  footer (``FOOTERS``: "Generated with [Claude Code]", robot-emoji footers).
- **Doubtful**: any other commit whose author or message mentions an AI tool, vendor, model or
  "generated with/by", or carries an ``Assisted-by``/``Co-developed-by``/``Generated-by`` trailer.
  Each was read by hand; the verdicts are ``REVIEWED`` below (sha prefix -> label, one-line note).
  A doubtful commit without a verdict is left out of the set (and counted).
- **Human (0)**: everything else (automation bots such as dependabot and renovate are left out).

Each AI row also names its evidence ``family`` (``family()``): ``agent-author``, ``agent-session``,
``suggestion`` (only review-suggestion co-author trailers) or ``reviewed``. ``ORIGINAL`` is the set of
rounds 1-2 (26 repositories); round 3 added 24 where agent-written commits are frequent.

Per repository: every AI commit (at most ``--max-ai``), a seeded sample of same-period commits
(from the first AI commit on; at most ``--max-human``) and of commits from before 2021 (at most
``--max-old``). History is every ref (pull-request heads hold agent commits).

    python benchmarks/ai_labels.py --review        # print the doubtful commits to read
    python benchmarks/ai_labels.py --write         # write benchmarks/data/ai_authorship/<owner>+<name>.json
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
from pathlib import Path

MIRRORS = Path("/work/.mirror")
OUT = Path(__file__).resolve().parent / "data" / "ai_authorship"
Y2021 = 1609459200

#: repositories, their main language, and the split: "heldout" repositories are never tuned on
REPOS: dict[str, tuple[str, str]] = {
    "celery/kombu": ("python", "dev"),
    "jd/tenacity": ("python", "dev"),
    "modelcontextprotocol/python-sdk": ("python", "dev"),
    "mongodb/mongo-python-driver": ("python", "heldout"),
    "pallets/click": ("python", "dev"),
    "pallets/flask": ("python", "dev"),
    "psf/requests": ("python", "heldout"),
    "pydantic/pydantic-ai": ("python", "dev"),
    "urllib3/urllib3": ("python", "dev"),
    "sqlalchemy/alembic": ("python", "heldout"),
    "etcd-io/etcd": ("go", "dev"),
    "gin-gonic/gin": ("go", "heldout"),
    "grpc/grpc-go": ("go", "dev"),
    "redis/go-redis": ("go", "dev"),
    "spf13/cobra": ("go", "dev"),
    "urfave/cli": ("go", "heldout"),
    "expressjs/express": ("javascript", "dev"),
    "fastify/fastify": ("javascript", "dev"),
    "modelcontextprotocol/typescript-sdk": ("typescript", "heldout"),
    "axios/axios": ("javascript", "dev"),
    "ktorio/ktor": ("kotlin", "dev"),
    "square/okhttp": ("kotlin", "heldout"),
    "modelcontextprotocol/java-sdk": ("java", "heldout"),
    "langchain4j/langchain4j": ("java", "dev"),
    "apache/httpcomponents-client": ("java", "dev"),
    "modelcontextprotocol/rust-sdk": ("rust", "heldout"),
}
#: round 3 (issue 15): repositories where agent-authored and agent-session commits are frequent,
#: same rules; the original 26 above are reported on their own too (``ORIGINAL``)
ORIGINAL = frozenset(REPOS)
REPOS.update({
    "jlowin/fastmcp": ("python", "dev"),
    "anthropics/claude-agent-sdk-python": ("python", "dev"),
    "openai/openai-agents-python": ("python", "dev"),
    "strands-agents/sdk-python": ("python", "heldout"),
    "microsoft/markitdown": ("python", "heldout"),
    "google/adk-python": ("python", "heldout"),
    "modelcontextprotocol/go-sdk": ("go", "dev"),
    "mark3labs/mcp-go": ("go", "heldout"),
    "charmbracelet/crush": ("go", "dev"),
    "ollama/ollama": ("go", "heldout"),
    "google-gemini/gemini-cli": ("typescript", "dev"),
    "anthropics/claude-code-action": ("typescript", "heldout"),
    "microsoft/playwright-mcp": ("typescript", "dev"),
    "modelcontextprotocol/inspector": ("typescript", "dev"),
    "modelcontextprotocol/servers": ("typescript", "dev"),
    "openai/openai-agents-js": ("typescript", "heldout"),
    "mermaid-js/mermaid": ("typescript", "dev"),
    "a2aproject/a2a-java": ("java", "heldout"),
    "spring-projects/spring-ai": ("java", "dev"),
    "google/adk-java": ("java", "heldout"),
    "modelcontextprotocol/kotlin-sdk": ("kotlin", "heldout"),
    "tursodatabase/turso": ("rust", "dev"),
    "astral-sh/uv": ("rust", "dev"),
    "oxc-project/oxc": ("rust", "heldout"),
})

_GH = r"(\d+\+)?"
_NR = r"@users\.noreply\.github\.com"
AGENT_ADDRESSES = re.compile(
    r"noreply@anthropic\.com|copilot@github\.com|cursoragent@cursor\.com|agent@cursor\.com|codex@openai\.com|noreply@openai\.com"
    r"|noreply@aider\.chat|openhands@all-hands\.dev|gemini@google\.com|amp@ampcode\.com|crush@charm\.land"
    rf"|{_GH}(copilot|copilot-swe-agent\[bot\]|devin-ai-integration\[bot\]|gemini-code-assist\[bot\]|coderabbitai\[bot\]"
    rf"|google-labs-jules\[bot\]|chatgpt-codex-connector\[bot\]|claude\[bot\]|cursor\[bot\]|amazon-q-developer\[bot\]){_NR}",
    re.I)
FOOTERS = re.compile(r"generated with \[?claude code|^\s*(🤖|💘) generated (with|by)", re.I | re.M)
COAUTHOR = re.compile(r"^[ \t>]*co-authored-by[ \t]*:[^<\n]*<([^>\n]+)>", re.I | re.M)
DOUBT = re.compile(
    r"claude|anthropic|copilot|cursor|codex|chatgpt|openai|gpt-?\d|gemini|devin|jules|aider|openhands|windsurf|codeium|"
    r"amazon q|mistral|\bllms?\b|\bai\b|generated (with|by)|assisted-by|co-developed-by|generated-by|made-with", re.I)
#: co-author addresses of tools whose trailer mostly marks an applied review suggestion or a small
#: assist in a person's change (Copilot's review suggestions, Gemini Code Assist, CodeRabbit), as
#: opposed to an agent session that wrote the change (Claude Code, Cursor's agent, Codex, Jules...)
SUGGESTION_ADDRESSES = re.compile(
    rf"copilot@github\.com|{_GH}(copilot|gemini-code-assist\[bot\]|coderabbitai\[bot\]){_NR}|gemini@google\.com", re.I)
AUTOMATION = re.compile(r"\[bot\]|^(dependabot|renovate|github-actions|pre-commit-ci|web-flow|greenkeeper|snyk-bot)", re.I)

#: manual verdicts on doubtful commits: sha prefix (12) -> (label, note)
REVIEWED: dict[str, tuple[int, str]] = {
    "331dde210721": (1, "author 'Claude (sandbox) <claude@sandbox.local>': an agent identity"),
    "296a6c2850fa": (1, "Made-with: Cursor trailer"),
    "64482fac323f": (1, "Assisted-by: OpenAI Codex"),
    "5af35d490308": (1, "Assisted-by: OpenAI:gpt-5.4"),
    "61ca14475f53": (1, "Claude-Session link (author at Anthropic is not the evidence)"),
    "55c133f573ba": (1, "Co-Authored-By: goose <goose@aaif.ai>"),
    "91cb404dd77d": (1, "'Resolved automatically by <tool> - autonomous AI coding agent'"),
    "6b84167bf6a8": (1, "'Automated dependency upgrade by <vendor> Security AI'"),
    "b74393453c86": (1, "'Automated security fix generated by <vendor>AI Security'"),
    "827d8539a49e": (1, "author '<name> AI <bot@...>': an AI service account"),
    "77b42e9e81c2": (1, "author '<name> AI': an AI service account"),
    "e24299be51aa": (1, "author 'AI Builder <ai+agent@...>': an agent account"),
}
#: every other doubtful commit of the sample was read and is human: prose about a tool or vendor
#: (an SDK for OpenAI/Anthropic/Gemini, "address Copilot review", "cursor" the database word),
#: a person named Devin/Jules, a person at an AI company, "generated by go mod tidy"
HUMAN_READ = frozenset(
    "6a37089db8f9 51b4539e3767 a027d75f6090 3fa7bc7b610a 52250bc57c40 b20a0df29d5d 037bb0965a57 b516237b81f9 "
    "a50550535dc9 45501c93c687 31d154fd8e54 5adc6a68d39e 3bb5f55aa6df 4513e857d5ff 5b9396a1977f 0a3a12aec59d "
    "7e135a53ec8a 8051baa8cea2 c215f57d209a 080ef64399b6 aae8af7b9430 834aa79b15e3 0f0de3d770fd fcc2f7fdb0e6 "
    "c0d13f9e9ccf b7f8c2fd1019 0d1ff1fd2800 fbabcfa90e84 9d851019cbef 0bfc81f0c359 8bf1d945c17d b6bbd19b8b88 "
    "6028bfaea5b9 a7ef50ce26f5 6d1b5e90809d c7ad57fd2408 a9b4d1ac639c 47de2f52dbcd f623714fca6c 5497a6f8a0c9 "
    "fd9392a25af5 7810446a9169 ae2e4c7913c9 031035fe8016 5a4774f3c9a2 3974dfaacb84 1d45fd31b796 a258cbbcfbde "
    "764d0f925d93 50006e286856 6db0e68e4500 690d1df9292b 9357ae4fc3f5 181c544eb0bf abc957a8013c 67898076d639 "
    "3fa836065a5f 7737a3e1edf9 6355446b7ac5 851face29c9c 77c6ceea23a5 84458819b7ad ffe25832d4f8 bc58e333d1c9 "
    "72fea3a2f73a a6a311969a4c c1c696bff6b0 fc2592e48f46 38e7b5aee4a0 9254ed805323 16e0c43d5d7e".split())


def commits(repo: str):
    """(sha, time, author name, author email, message) of every non-merge commit of every ref."""
    git_dir = MIRRORS / repo.replace("/", "+") / "repo"
    raw = subprocess.run(["git", "--git-dir", str(git_dir), "log", "--all", "--no-merges",
                          "--format=%x1e%H%x1f%at%x1f%aN%x1f%aE%x1f%B"], capture_output=True, check=True).stdout
    for part in raw.split(b"\x1e")[1:]:
        sha, at, name, email, body = part.decode("utf-8", "replace").split("\x1f", 4)
        yield sha, int(at or 0), name, email.strip().lower(), body.replace("\r\n", "\n").strip()


def rule(name: str, email: str, body: str) -> str | None:
    """The conservative rule that labels a commit AI, or None."""
    if AGENT_ADDRESSES.fullmatch(email):
        return "author-address"
    if any(AGENT_ADDRESSES.fullmatch(a.strip().lower()) for a in COAUTHOR.findall(body)):
        return "coauthor-address"
    if FOOTERS.search(body):
        return "footer"
    return None


def family(rule_name: str, body: str) -> str:
    """The evidence family of an AI label: ``agent-author`` (the agent is the commit's author),
    ``agent-session`` (a tool footer, or a co-author trailer naming an agent that writes code: Claude
    Code, Cursor, Codex, Jules, Devin...), ``suggestion`` (only co-author trailers of review and
    suggestion tools: Copilot, Gemini Code Assist, CodeRabbit) or ``reviewed`` (read by hand)."""
    if rule_name in ("author-address", "reviewed"):
        return "agent-author" if rule_name == "author-address" else "reviewed"
    if rule_name == "footer":
        return "agent-session"
    agents = [a.strip().lower() for a in COAUTHOR.findall(body) if AGENT_ADDRESSES.fullmatch(a.strip().lower())]
    return "suggestion" if all(SUGGESTION_ADDRESSES.fullmatch(a) for a in agents) else "agent-session"


def label_repo(repo: str, *, max_ai: int, max_human: int, max_old: int, seed: int):
    ai, doubtful, human = [], [], []
    for sha, at, name, email, body in commits(repo):
        r = rule(name, email, body)
        if r:
            ai.append((sha, at, r, family(r, body)))
        elif AUTOMATION.search(name):
            continue
        elif DOUBT.search(name) or DOUBT.search(body):
            doubtful.append((sha, at, name, email, body))
        else:
            human.append((sha, at))
    rng = random.Random(f"{seed}:{repo}")
    rng.shuffle(ai)
    ai = ai[:max_ai]
    start = min((a[1] for a in ai), default=Y2021 + 4 * 365 * 86400)
    same = [h for h in human if h[1] >= start]
    old = [h for h in human if h[1] < Y2021]
    rng.shuffle(same)
    rng.shuffle(old)
    same_doubt = [d for d in doubtful if d[1] >= start]
    rng.shuffle(same_doubt)
    # doubtful commits enter in proportion to their share of the same period (the hard negatives)
    n_doubt = round(max_human * len(same_doubt) / max(1, len(same_doubt) + len(same)))
    rows = [{"sha": s, "label": 1, "period": "ai-era", "rule": r, "family": f} for s, _, r, f in ai]
    rows += [{"sha": s, "label": 0, "period": "ai-era", "rule": "none"} for s, _ in same[: max_human - n_doubt]]
    rows += [{"sha": s, "label": 0, "period": "pre-2021", "rule": "none"} for s, _ in old[:max_old]]
    pending = []
    for sha, _at, name, email, body in same_doubt[:n_doubt]:
        verdict = REVIEWED.get(sha[:12]) or ((0, "read: human") if sha[:12] in HUMAN_READ else None)
        if verdict is None:
            pending.append((sha, name, email, body))
        else:
            row = {"sha": sha, "label": verdict[0], "period": "ai-era", "rule": "reviewed"}
            rows.append(row | {"family": "reviewed"} if verdict[0] else row)
    return rows, pending


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-ai", type=int, default=150)
    ap.add_argument("--max-human", type=int, default=100)
    ap.add_argument("--max-old", type=int, default=25)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--review", action="store_true", help="print doubtful commits without a verdict")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    total = {"ai": 0, "human": 0, "pending": 0}
    for repo, (lang, split) in REPOS.items():
        rows, pending = label_repo(repo, max_ai=args.max_ai, max_human=args.max_human, max_old=args.max_old, seed=args.seed)
        n_ai = sum(r["label"] for r in rows)
        total["ai"] += n_ai
        total["human"] += len(rows) - n_ai
        total["pending"] += len(pending)
        print(f"{repo:40s} {lang:10s} {split:8s} ai={n_ai:4d} human={len(rows) - n_ai:4d} pending={len(pending)}", file=sys.stderr)
        if args.review:
            for sha, name, email, body in pending:
                hits = sorted({m.group(0).lower() for m in DOUBT.finditer(name + "\n" + body)})
                lines = [ln.strip()[:110] for ln in body.splitlines() if DOUBT.search(ln)][:3]
                print(f"{sha[:12]} | {name} <{email}> | {hits} | {body.splitlines()[0][:80]!r} | {lines}")
        if args.write:
            OUT.mkdir(parents=True, exist_ok=True)
            head = json.dumps({"repo": repo, "language": lang, "split": split})[:-1]
            body = ",\n".join(json.dumps(r) for r in sorted(rows, key=lambda r: r["sha"]))
            (OUT / f"{repo.replace('/', '+')}.json").write_text(f'{head}, "commits": [\n{body}\n]}}\n')
    print(f"total: {total}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
