"""CODEOWNERS with GitHub's semantics: the example file from GitHub's docs, pattern rules, file lookup, approvals."""

from __future__ import annotations

import pytest

from mergeguard import codeowners as co
from mergeguard.git import GitRepo

from .gitrepo import commit, init_repo

# The example file from GitHub's "About code owners" page, verbatim apart from the comments.
GITHUB_EXAMPLE = """\
# This is a comment.
# Each line is a file pattern followed by one or more owners.
*       @global-owner1 @global-owner2
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
*.txt @octo-org/octocats
/build/logs/ @doctocat
docs/*  docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/ @octocat
/apps/github
"""

GLOBAL = ("@global-owner1", "@global-owner2")


@pytest.mark.parametrize("path, owners", [
    # "These owners will be the default owners for everything in the repo."
    ("README", GLOBAL),
    ("src/deep/module.py", GLOBAL),
    # "the last matching pattern takes the most precedence": JS files belong to @js-owner only
    ("index.js", ("@js-owner",)),
    ("src/deep/app.js", ("@js-owner",)),
    # e-mail owners and team owners
    ("cmd/main.go", ("docs@example.com",)),
    ("notes/todo.txt", ("@octo-org/octocats",)),
    # "/build/logs/ ... at the root of the repository and any of its subdirectories" -- but the later
    # "**/logs" line matches too, and the last match wins
    ("build/logs/today/access.log", ("@octocat",)),
    ("build/logsx/access.log", GLOBAL),
    # "docs/*" owns docs/getting-started.md but not docs/build-app/troubleshooting.md; the later
    # "/docs/" line owns both anyway
    ("docs/getting-started.md", ("@doctocat",)),
    ("docs/build-app/troubleshooting.md", ("@doctocat",)),
    # "apps/ ... any file in an apps directory anywhere in your repository"
    ("services/apps/main.py", ("@octocat",)),
    ("apps/web/index.html", ("@octocat",)),
    # "/scripts/ ... will require approval from @doctocat or @octocat"
    ("scripts/deploy.sh", ("@doctocat", "@octocat")),
    ("scripts/ci/run.sh", ("@doctocat", "@octocat")),
    ("scriptsx/run.sh", GLOBAL),
    # "**/logs ... any file in a /logs directory such as /build/logs, /scripts/logs, /deeply/nested/logs"
    ("logs/a.log", ("@octocat",)),
    ("scripts/logs/a.log", ("@octocat",)),
    ("deeply/nested/logs/a.log", ("@octocat",)),
    ("deeply/nested/logsss/a.log", GLOBAL),
    # "/apps/github ... its owners are left empty": nobody owns it
    ("apps/github", ()),
    ("apps/github/workflow.yml", ()),
    ("apps/gitlab/workflow.yml", ("@octocat",)),
])
def test_github_docs_example(path, owners):
    parsed = co.parse(GITHUB_EXAMPLE)
    assert parsed.errors == ()
    assert parsed.owners(path) == owners


def test_docs_star_does_not_reach_nested_files_when_it_is_the_last_match():
    parsed = co.parse("* @all\ndocs/* @docs\n")
    assert parsed.owners("docs/getting-started.md") == ("@docs",)
    assert parsed.owners("docs/build-app/troubleshooting.md") == ("@all",)
    assert parsed.owners("src/docs/x.md") == ("@all",), "a slash in the middle anchors at the root"


def test_subdirectory_with_its_own_owner():
    parsed = co.parse("/apps/ @octocat\n/apps/github @doctocat\n")
    assert parsed.owners("apps/a.py") == ("@octocat",)
    assert parsed.owners("apps/github/a.py") == ("@doctocat",)


@pytest.mark.parametrize("pattern, matches, does_not_match", [
    ("foo", ["foo", "foo/bar", "bar/foo", "bar/foo/baz"], ["foo.txt", "bar/foo.txt", "bar/baz"]),
    ("/foo", ["foo", "foo/bar", "foo/bar/baz"], ["fool.txt", "bar/foo", "bar/foo/baz"]),
    ("foo/", ["foo/bar", "foo/bar/baz", "bar/foo/baz"], ["foo", "bar/foo", "bar/baz"]),
    ("/foo/", ["foo/bar", "foo/bar/baz"], ["foo", "bar/foo/baz"]),
    ("foo/bar", ["foo/bar", "foo/bar/baz"], ["foo/bart", "baz/foo/bar"]),
    ("foo/bar/", ["foo/bar/baz"], ["foo/bar", "baz/foo/bar/qux"]),
    ("*", ["foo", "foo/bar", "bar/foo/baz"], []),
    ("f*", ["foo", "foo/bar", "bar/foo/baz"], ["bar/baz", "xfoo"]),
    ("/*", ["foo", "bar"], ["foo/bar"]),
    ("/f*", ["foo", "foo/bar/baz"], ["bar/foo", "xfoo"]),
    ("f*/", ["foo/bar", "bar/foo/baz"], ["foo", "bar/foo"]),
    ("foo/*", ["foo/bar"], ["foo", "foo/bar/baz", "bar/foo/baz"]),
    ("foo/*.txt", ["foo/bar.txt"], ["foo/bar/baz.txt", "qux/foo/bar.txt"]),
    ("foo/*/baz", ["foo/bar/baz", "foo/bar/baz/qux"], ["foo/baz", "foo/bar"]),
    ("*.js", ["a.js", "x/y/z.js"], ["a.jsx", "a.js.map"]),
    ("f?o", ["foo"], ["fo", "fooo"]),
    ("f\\*o", ["f*o"], ["foo"]),
    ("**/foo/bar", ["foo/bar", "qux/foo/bar", "qux/foo/bar/baz"], ["foo/baz/bar"]),
    ("**/*bar*", ["bar", "foo/rebar", "foo/qux/barrio"], ["foo/baz"]),
    ("foo/bar/**", ["foo/bar/baz", "foo/bar/baz/qux"], ["foo/bar", "qux/foo/bar/baz"]),
    ("foo/**/bar", ["foo/bar", "foo/qux/bar/baz", "foo/q/r/bar"], ["qux/foo/bar", "foo/barx"]),
    ("foo/**/bar/b*", ["foo/bar/baz", "foo/qux/bar/baz"], ["foo/bar", "foo/bar/qux"]),
])
def test_pattern_semantics(pattern, matches, does_not_match):
    rx = co.compile_pattern(pattern)
    for path in matches:
        assert rx.match(path), f"{pattern} should match {path}"
    for path in does_not_match:
        assert not rx.match(path), f"{pattern} should not match {path}"


def test_unsupported_syntax_is_reported_and_the_line_skipped():
    parsed = co.parse("* @all\n!vendor/ @nobody\n[ab].py @x\nsrc/ not-an-owner\nsrc\\ dir/a.py @spaced\n")
    assert len(parsed.errors) == 3
    assert "negation" in parsed.errors[0] and ":2:" in parsed.errors[0]
    assert "character ranges" in parsed.errors[1]
    assert "invalid owner 'not-an-owner'" in parsed.errors[2]
    assert parsed.owners("vendor/x.py") == ("@all",)
    assert parsed.owners("src dir/a.py") == ("@spaced",), "escaped spaces belong to the pattern"


def test_file_location_follows_githubs_order(tmp_path):
    repo = init_repo(tmp_path / "r")
    base = commit(repo, {"CODEOWNERS": "* @root\n", "docs/CODEOWNERS": "* @docs\n"}, "owners")
    newer = commit(repo, {".github/CODEOWNERS": "* @dotgithub\n"}, "more owners", when=1_700_000_100)
    git = GitRepo(repo)

    def reader(rev):
        return lambda path: (lambda b: b.decode() if b is not None else None)(
            git.read_blobs([f"{rev}:{path}"]).get(f"{rev}:{path}"))

    assert co.find(reader(base)).source == "CODEOWNERS"
    assert co.find(reader(newer)).owners("x") == ("@dotgithub",)
    assert co.find(lambda path: None) is None


def test_owner_approval_per_path():
    parsed = co.parse("* @lead\n/api/ @alice @org/api-team\n/docs/\n")
    paths = ["api/handler.py", "core/engine.py", "docs/guide.md"]
    result = co.owner_approval(parsed, paths, ["bob"], author="carol", teams={"@org/api-team": ["bob"]})
    assert set(result.owned) == {"api/handler.py", "core/engine.py"}, "docs/ has no owners"
    assert result.missing == {"core/engine.py": ("@lead",)} and not result.satisfied
    assert co.owner_approval(parsed, paths, ["BOB", "@Lead"], teams={"@org/api-team": ["bob"]}).satisfied
    # the author's own approval never counts, even as a code owner
    assert not co.owner_approval(parsed, ["core/engine.py"], ["lead"], author="lead").satisfied
