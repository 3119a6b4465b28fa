"""Each source repository's languages: counted from a real git tree, carried by mined rows, named by the card."""

from __future__ import annotations

import json
import shutil

import pytest

from mergeguard.errors import MergeguardError
from mergeguard.git import GitRepo
from mergeguard.languages import languages_of_paths, repo_languages
from mergeguard.models.card import describe_data, render_card
from mergeguard.models.card_languages import add_languages, main as card_languages_main
from mergeguard.models.mining import mine

from .gitrepo import commit, init_repo

DAY = 86_400


def _repo(path):
    init_repo(path)
    files = {f"svc/m{i}.go": f"package svc\nfunc F{i}() int {{ return {i} }}\n" for i in range(12)}
    files.update({f"tools/t{i}.py": f"X = {i}\n" for i in range(3)})
    files.update({"build.sh": "echo hi\n", "README.md": "# demo\n", "docs/a.md": "x\n"})
    commit(path, files, "initial", when=1_600_000_000)
    commit(path, {f"web/w{i}.ts": f"export const w{i} = {i};\n" for i in range(10)}, "add a web client",
           when=1_600_000_000 + 400 * DAY)
    return path


def test_languages_of_paths_names_the_main_languages_most_files_first():
    paths = [f"a{i}.py" for i in range(40)] + ["x.go"] * 5 + ["one.sh", "README.md", "Makefile", "b.tsx", "c.ts"]
    assert languages_of_paths(paths) == ["Python", "Go"]  # shell 1/48 and TypeScript 2/48 are under 5%
    assert languages_of_paths(paths, min_share=0.05) == languages_of_paths(paths)
    assert languages_of_paths(["README.md", "LICENSE"]) == []


def test_repository_languages_follow_its_tree(tmp_path):
    repo = GitRepo(str(_repo(tmp_path / "org+svc" / "repo")))
    assert repo_languages(repo, "HEAD~1") == ["Go", "Python", "Shell"]  # 12 Go, 3 Python, 1 shell of 16
    assert repo_languages(repo) == ["Go", "TypeScript", "Python"]  # the shell script is now 1 of 26: under 5%


def test_mined_rows_and_the_card_name_each_repository_languages(tmp_path):
    repo = GitRepo(str(_repo(tmp_path / "org+svc" / "repo")))
    rows, report = mine(repo, name="org/svc", maturity_days=10)
    assert report.languages == ["Go", "TypeScript", "Python"]
    assert all(r["languages"] == report.languages for r in rows)
    for r in rows:
        r["labels"] = {"risky": False, "bug_inducing": False, "reverted": False, "mature": True}
    data = describe_data(rows)
    assert data["sources"][0]["languages"] == ["Go", "TypeScript", "Python"]


def test_a_card_without_languages_gets_them_from_the_mirrors(tmp_path, trained_model_dir):
    model = tmp_path / "model"
    shutil.copytree(trained_model_dir[0], model)
    card = json.loads((model / "card.json").read_text())
    mirrors = tmp_path / "mirrors"
    for s in card["data"]["sources"]:
        s.pop("languages", None)  # as a card written before languages were recorded
        _repo(mirrors / s["repo"].replace("/", "+", 1) / "repo")
    assert "| not recorded |" in render_card(card)
    (model / "card.json").write_text(json.dumps(card))
    assert card_languages_main([str(mirrors), str(model)]) == 0
    updated = json.loads((model / "card.json").read_text())
    for s in updated["data"]["sources"]:  # the tree at the source's last training day, or HEAD's
        assert s["languages"] in (["Go", "Python", "Shell"], ["Go", "TypeScript", "Python"])
    text = (model / "card.md").read_text()
    assert "| repository | languages |" in text and "not recorded" not in text
    assert "https://github.com/" + updated["data"]["sources"][0]["repo"] + " (Go, " in updated["notes"]["Sources"]
    # nothing but the languages changed
    for s in updated["data"]["sources"]:
        s.pop("languages")
    updated["notes"].pop("Sources"), card["notes"].pop("Sources")
    assert updated == card
    shutil.rmtree(mirrors / card["data"]["sources"][0]["repo"].replace("/", "+", 1))
    with pytest.raises(MergeguardError, match="no mirror of"):  # a missing mirror is named, not guessed
        add_languages(card, mirrors)



# -- the language registry: one entry per language, every table derived from it ----------------------

from mergeguard import languages as registry  # noqa: E402 - grouped with the tests that use it
from mergeguard import paths as path_rules  # noqa: E402
from mergeguard.change import Limits  # noqa: E402
from mergeguard.features import Context, api_surface, authorship, retry_timeout, syntax  # noqa: E402
from mergeguard.sources import change_from_range  # noqa: E402
from mergeguard.models import labels  # noqa: E402

from .gitrepo import git  # noqa: E402


def test_every_table_that_lists_languages_reads_the_registry():
    assert set(path_rules.LANGUAGES) == {e for lang in registry.REGISTRY for e in lang.extensions}
    assert set(syntax.GRAMMARS) == {lang.name for lang in registry.REGISTRY if lang.grammar is not None}
    assert set(syntax.CALL_TYPES) == set(syntax.GRAMMARS) == set(syntax._SCOPES)
    assert set(retry_timeout._SCANNERS) == {lang.name for lang in registry.REGISTRY if lang.resilience_scanner}
    assert set(api_surface.SUPPORTED) == {lang.name for lang in registry.REGISTRY if lang.api_surface}
    assert authorship._HASH_COMMENT == labels._HASH_COMMENT == {"python", "ruby", "shell", "cython"}
    assert {registry.DISPLAY[lang] for lang in ("typescript", "tsx")} == {"TypeScript"}
    for lang in registry.REGISTRY:
        for ext in lang.extensions:
            assert path_rules.language(f"src/x{ext.upper()}") == lang.name
        if lang.resilience_scanner:  # a declared scanner is a module with scan(source)
            assert callable(retry_timeout.scanner(lang.name).scan)


def test_a_broken_registry_entry_is_refused_when_declared():
    with pytest.raises(ValueError, match="lower-case"):
        registry.Language("x", "X", ("X",))
    with pytest.raises(ValueError, match="comment"):
        registry.Language("x", "X", (".x",), comment="--")
    py = registry.get("python")
    with pytest.raises(ValueError, match="extension .py belongs to both"):
        registry._index((py, registry.Language("snake", "Snake", (".py",))))
    with pytest.raises(ValueError, match="registered twice"):
        registry._index((py, py))


@pytest.mark.parametrize("path", [
    # where the three old rules disagreed (retry/timeout, API surface, authorship style)
    "build/lib/client.js",  # the API surface did not skip build/
    "web/bower_components/jquery/jquery.js",  # only retry/timeout skipped bower_components/
    "static/app.bundle.js",  # only retry/timeout
    "api/v1/service.pb.gw.go",  # retry/timeout did not skip grpc-gateway output
    "proto/service_pb2.pyi", "proto/service_pb2_grpc.py",  # retry/timeout did not skip the stubs
    "pkg/apis/zz_generated.deepcopy.go", "client/api_generated.go", "src/Models.generated.cs",
    "third_party/x/y.py", "node_modules/a/index.js", "vendor/github.com/x/y.go", "dist/index.js",
    "assets/site.min.css", "package-lock.json", "go.sum",
])
def test_one_generated_file_rule_by_path(path):
    assert path_rules.is_generated(path)
    assert retry_timeout._generated(path)


@pytest.mark.parametrize("path", ["src/builder.py", "buildSrc/Deps.kt", "rebuild/x.go", "lib/distance.py",
                                  "src/vendors.py", "generator.go", "src/generated_names.py"])
def test_names_that_only_look_generated_are_code(path):
    assert not path_rules.is_generated(path)


def test_a_generators_header_marks_a_file_generated_for_every_detector(tmp_path):
    header = "// Code generated by protoc-gen-go. DO NOT EDIT.\n"
    assert registry.is_generated("api/client.go", header + "package api\n")
    assert not registry.is_generated("api/client.go", "package api\n" * 20 + header)  # only the first lines count
    pre = ("package api\n\nimport \"net/http\"\n\nfunc Get(c *http.Client, u string) error {\n"
           "\t_, err := c.Get(u)\n\treturn err\n}\n")
    post = pre.replace("\t_, err := c.Get(u)\n\treturn err\n",
                       "\tvar err error\n\tfor i := 0; i < 5; i++ {\n\t\tif _, err = c.Get(u); err == nil {\n"
                       "\t\t\treturn nil\n\t\t}\n\t}\n\treturn err\n")
    found = {}
    for name, head in (("plain", ""), ("generated", header)):
        repo = init_repo(tmp_path / name)
        commit(repo, {"README.md": "x\n", "api/client.go": head + pre}, "base", when=1_700_000_000)
        git(repo, "checkout", "-q", "-b", "feature")
        commit(repo, {"api/client.go": head + post}, "retry", when=1_700_000_100)
        change = change_from_range(GitRepo(str(repo)), "main", "feature", Limits())
        found[name] = retry_timeout.extract(change, Context()).features["retry_added"]
    assert found == {"plain": 1.0, "generated": None}  # skipped, as a vendored path is: nothing scanned
