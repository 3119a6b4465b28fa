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

