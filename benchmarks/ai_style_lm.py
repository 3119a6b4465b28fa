"""Issue 15, round 4: does a language model of human code written before 2021 tell AI-written changes apart?

The lever nobody had tried: score each labelled change's added code against a *corpus-level* model of
how people wrote code before AI coding tools existed (not against the touched file's own text, which
round 2 tried with zlib and found worse).

1. **Corpus.** Per repository, a seeded sample of at most ``--per-repo`` non-merge commits dated
   before 2021-01-01 (any ref), leaving out every commit of the labelled set; each commit's added
   code read exactly as the style score reads it (``ai_style.style_lines_without_markers``: code
   files only, no generated, vendored or documentation files), at most ``--max-lines`` lines a
   commit, so every repository weighs about the same. Repositories: the labelled ones with a
   pre-2021 history, plus a few public ones that are never evaluated (``CORPUS_ONLY``: the labelled
   set has no pre-2021 Rust and almost no pre-2021 TypeScript). Cached in ``--corpus-cache`` (never
   committed).
2. **Tokens.** A small lexer per line: identifiers, numbers, strings (as ``<str>``), operators;
   identifiers kept as they are when they occur in at least ``VOCAB_REPOS`` corpus repositories of
   that language (keywords, ``self``, ``err``, ``ctx``...), else reduced to their shape (case style
   and length), so no repository's own names are learnt (this vocabulary is the one choice taken over
   the whole corpus, the held-out repository's part included). Comment lines go to a second model of
   comment words (lowercased).
3. **Model.** Per language (the language is part of every token), hashed token n-grams of order 1 to
   ``ORDER`` with hierarchical Dirichlet smoothing, p_k(w | h) = (c(hw) + B p_{k-1}(w | h')) /
   (c(h) + B), which needs only counts, so a fold's model is the corpus counts minus the held-out
   repository's counts: **every fold's model is built from the other repositories' pre-2021 code
   only** (strictly: a training change of repository B in the fold of A is scored by the model
   without A and B).
4. **Features** of a change: mean, spread and 90th percentile of per-token surprisal (bits), share
   of tokens above 12 bits and below 1 bit, the gain of the full context over unigrams, the mean
   surprisal of comment words, and the cross-entropy relative to the change's size (mean surprisal
   minus its line over log2 tokens, fitted on the fold's training changes); scored over the first
   ``MAX_TOKENS`` tokens.
5. **Measure** leave one repository out, like ``ai_style_set.py``: fitted on the other repositories'
   human and agent-written changes (``--train agents``), evaluated on every label; pooled ROC-AUC
   (held-out scores ranked within their repository), mean, minimum and count >= 0.6 per repository
   (>= 10 AI-marked changes); by size band and by language; and with the human side limited to
   AI-era changes (pre-2021 human changes are the corpus's own era, so a model of that era could
   learn the era, not the author).

Nothing but this script is committed: the corpus and its counts exist only in /tmp. Figures and
the verdict (not shipped: +0.004 pooled): docs/coupling_authorship.md, round 4.

    python benchmarks/ai_style_lm.py --set original
    python benchmarks/ai_style_lm.py --set extended
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from ai_style import fit as fit_product_model  # the sibling benchmarks: run as a script, its folder is on sys.path
from ai_style import matrix as stats_matrix
from ai_style import style_lines_without_markers
from ai_style_set import AGENT_FAMILIES, DATA, MIRRORS, _shape, load, weights
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from mergeguard.change import Limits, parse_diff
from mergeguard.features import authorship

#: public repositories read for the corpus only (never labelled, never evaluated): pre-2021 Rust,
#: TypeScript, Kotlin and Java the labelled set lacks
CORPUS_ONLY = ("BurntSushi/ripgrep", "serde-rs/serde", "tokio-rs/tokio", "sindresorhus/got", "sindresorhus/ky",
               "googleapis/gaxios", "Kotlin/kotlinx.coroutines", "OpenFeign/feign")
CUTOFF = "2021-01-01"
ORDER = 4
B = 1.0
VOCAB_REPOS = 3
MAX_TOKENS = 4000
HIGH_BITS = 12.0

_TOK = re.compile(r"""[A-Za-z_$][A-Za-z0-9_$]*|\d[\w.]*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.){2,}'|`[^`]*`"""
                  r"""|===?|!==?|<=|>=|=>|->|::|:=|&&|\|\||\+\+|--|<<|>>|\*\*|[+\-*/%&|^]=|\S""")
_WORDS = re.compile(r"[A-Za-z']+|\d+")


def _repo_dir(repo: str) -> str:
    return str(MIRRORS / repo.replace("/", "+") / "repo")


def corpus_commits(repo: str, exclude: set[str], per_repo: int, seed: int) -> list[str]:
    out = subprocess.run(["git", "--git-dir", _repo_dir(repo), "rev-list", "--all", "--no-merges", f"--before={CUTOFF}"],
                         capture_output=True, text=True).stdout.split()
    shas = sorted(s for s in set(out) if s not in exclude)
    random.Random(f"{seed}:{repo}").shuffle(shas)
    return sorted(shas[:per_repo])


def read_commits(repo: str, shas: list[str], max_lines: int) -> list[list]:
    """Added code of each commit, as the style score reads it, at most max_lines lines a commit."""
    docs = []
    for i in range(0, len(shas), 40):
        raw = subprocess.run(["git", "--git-dir", _repo_dir(repo), "show", "--format=%x00%H", "--no-color", "--no-ext-diff",
                              "-M", *shas[i:i + 40]], capture_output=True).stdout.decode("utf-8", "replace")
        for chunk in raw.split("\x00")[1:]:
            sha, _, diff = chunk.partition("\n")
            try:
                files, _ = parse_diff(diff, Limits(max_file_lines=2000))
            except Exception:  # noqa: BLE001 - a diff we cannot read is left out
                continue
            left, kept = max_lines, []
            for lang, lines in style_lines_without_markers(sha.strip(), files, 2000):
                if left <= 0:
                    break
                kept.append([lang, lines[:left]])
                left -= len(lines[:left])
            if kept:
                docs.append(kept)
    return docs


def build_corpus(path: Path, repos: list[str], exclude: set[str], per_repo: int, max_lines: int, seed: int) -> dict:
    cache = json.loads(path.read_text()) if path.exists() else {}
    key = f"{per_repo}:{max_lines}:{seed}"
    if cache.get("key") != key:
        cache = {"key": key, "repos": {}}
    for repo in repos:
        if repo in cache["repos"]:
            continue
        shas = corpus_commits(repo, exclude, per_repo, seed)
        cache["repos"][repo] = read_commits(repo, shas, max_lines) if shas else []
        path.write_text(json.dumps(cache))
        print(f"  corpus {repo}: {len(shas)} commits, {sum(len(ls) for d in cache['repos'][repo] for _, ls in d)} lines",
              file=sys.stderr, flush=True)
    return cache["repos"]


# -- tokens -------------------------------------------------------------------------------------------

def split_line(raw: str, lang: str) -> tuple[str, list[str]]:
    """('code' | 'comment', tokens) of one added line; '' for a blank line."""
    s = raw.strip()
    if not s:
        return "", []
    c = authorship._comment(raw, lang)
    if c is not None:
        return "comment", [w.lower() for w in _WORDS.findall(c)][:40]
    return "code", _TOK.findall(s)[:100]


def _norm(tok: str, vocab: frozenset[str]) -> str:
    ch = tok[:1]
    if ch in "\"'`":
        return "<str>" if len(tok) > 2 else "<str0>"
    if ch.isdigit():
        return tok if tok in ("0", "1", "2") else "<num>"
    if ch.isalpha() or ch in "_$":
        return tok if tok in vocab else _shape(tok)
    return tok


_IDS: dict[str, int] = {}


def tid(s: str) -> int:
    """A stable 63-bit id of a token string (language-prefixed)."""
    v = _IDS.get(s)
    if v is None:
        v = int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little") >> 1
        _IDS[s] = v
    return v


def sequences(doc: list, vocab: dict[str, frozenset[str]]) -> tuple[list[list[int]], list[list[int]]]:
    """Code and comment token-id sequences of one change (one sequence per file)."""
    code, comm = [], []
    for lang, lines in doc:
        v = vocab.get(lang, frozenset())
        cs, ms = [], []
        for raw in lines:
            kind, toks = split_line(raw, lang)
            if kind == "code":
                cs += [tid(f"{lang}\x01{_norm(t, v)}") for t in toks] + [tid(f"{lang}\x01<eol>")]
            elif kind == "comment":
                ms += [tid(f"{lang}#\x01{w}") for w in toks] + [tid(f"{lang}#\x01<eol>")]
        if cs:
            code.append([tid(f"{lang}\x01<s>")] * (ORDER - 1) + cs)
        if ms:
            comm.append([tid(f"{lang}#\x01<s>")] * (ORDER - 1) + ms)
    return code, comm


_M = np.uint64(0x9E3779B97F4A7C15)
_CTX = np.uint64(0x632BE59BD9B4E019)
_UNI = np.uint64(0x94D049BB133111EB)


def grams(seq: list[int], lang_root: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the n-grams (ORDER x T) ending at each real token and of their contexts (ORDER x T).

    Row k holds order k + 1: the token with the k tokens before it, and those k tokens. Order 1's
    context is the language itself (its token total)."""
    t = np.array(seq, dtype=np.uint64)
    n = len(t) - (ORDER - 1)
    cur = t[ORDER - 1:]
    g = np.zeros((ORDER, n), dtype=np.uint64)
    h = np.zeros((ORDER, n), dtype=np.uint64)
    with np.errstate(over="ignore"):
        ctx = np.zeros(n, dtype=np.uint64)
        for k in range(ORDER):
            if k == 0:
                h[0] = np.uint64(lang_root) ^ _UNI
            else:
                ctx = ctx * _M + t[ORDER - 1 - k:ORDER - 1 - k + n]  # the k-th token before
                h[k] = ctx + np.uint64(k) * _CTX
            g[k] = (ctx * _M + cur) + np.uint64(k + 1) * _UNI
    return g, h


def lang_root(seq_first: int) -> int:
    return seq_first  # the <s> token id is language-specific


def doc_grams(seqs: list[list[int]], cap: int) -> tuple[np.ndarray, np.ndarray]:
    gs, hs, total = [], [], 0
    for s in seqs:
        if total >= cap:
            break
        s = s[: ORDER - 1 + cap - total]
        g, h = grams(s, lang_root(s[0]))
        gs.append(g)
        hs.append(h)
        total += g.shape[1]
    if not gs:
        return np.zeros((ORDER, 0), np.uint64), np.zeros((ORDER, 0), np.uint64)
    return np.concatenate(gs, axis=1), np.concatenate(hs, axis=1)


# -- the leave-one-repository-out model ---------------------------------------------------------------------

class Counts:
    """Corpus counts of every n-gram and context that occurs in a labelled change, per corpus repository."""

    def __init__(self, keys: np.ndarray, corpus: dict[str, list[np.ndarray]]):
        self.keys = keys
        self.repos = sorted(corpus)
        self.per = {}
        for repo in self.repos:
            arrs = corpus[repo]
            allk = np.concatenate(arrs) if arrs else np.zeros(0, np.uint64)
            pos = np.searchsorted(keys, allk)
            pos[pos >= len(keys)] = 0
            hit = keys[pos] == allk
            self.per[repo] = np.bincount(pos[hit], minlength=len(keys)).astype(np.float32)
        self.total = sum(self.per.values()) if self.per else np.zeros(len(keys), np.float32)

    def index(self, a: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.keys, a)

    def without(self, *repos: str) -> np.ndarray:
        c = self.total.copy()
        for r in set(repos):
            if r in self.per:
                c -= self.per[r]
        return c


def surprisal(cg: np.ndarray, ch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-token surprisal (bits) at the full order and at order 1, Dirichlet-smoothed, from the counts
    of each token's n-grams (cg) and contexts (ch), ORDER x T."""
    p = np.full(cg.shape[1], 1.0 / 50000)
    p1 = p
    for k in range(ORDER):
        p = (cg[k] + B * p) / (ch[k] + B)
        if k == 0:
            p1 = p
    return -np.log2(p), -np.log2(p1)


def features(code_bits: tuple[np.ndarray, np.ndarray], comm_bits: np.ndarray | None) -> list[float]:
    s, s1 = code_bits
    if len(s) == 0:
        return [np.nan] * 7
    cm = float(np.mean(comm_bits)) if comm_bits is not None and len(comm_bits) >= 5 else np.nan
    return [float(np.mean(s)), float(np.std(s)), float(np.percentile(s, 90)), float(np.mean(s > HIGH_BITS)),
            float(np.mean(s < 1.0)), float(np.mean(s1) - np.mean(s)), cm]


LM_NAMES = ["lm_mean", "lm_std", "lm_p90", "lm_high", "lm_low", "lm_gain", "cm_mean"]  # + size residual in the fits


def std_matrix(x: np.ndarray, mean=None, std=None):
    if mean is None:
        mean = np.nanmean(x, axis=0)
        std = np.nanstd(x, axis=0)
        std[~np.isfinite(std) | (std == 0)] = 1.0
        mean[~np.isfinite(mean)] = 0.0
    z = np.clip(np.nan_to_num((x - mean) / std, nan=0.0), -5, 5)
    return z, mean, std


def with_size_residual(lm_train: np.ndarray, train: list[dict], lm_test: np.ndarray, test: list[dict]):
    """Append the cross-entropy relative to the change's size: mean surprisal minus its least-squares
    line over log2(tokens), the line fitted on the training changes."""
    def size(rows):
        return np.log2(1.0 + np.array([r["gi"].shape[1] for r in rows], dtype=float))
    ok = np.isfinite(lm_train[:, 0])
    slope, icpt = np.polyfit(size(train)[ok], lm_train[ok, 0], 1)
    return (np.column_stack([lm_train, lm_train[:, 0] - (icpt + slope * size(train))]),
            np.column_stack([lm_test, lm_test[:, 0] - (icpt + slope * size(test))]))


def lang_std(lm_train: np.ndarray, train: list[dict], lm_test: np.ndarray, test: list[dict]):
    """The LM features standardised within the change's main language (the training changes' figures;
    a language with fewer than 30 training changes uses all of them)."""
    a, _, _ = std_matrix(lm_train)
    a = a.copy()
    _, m_all, sd_all = std_matrix(lm_train)
    b = std_matrix(lm_test, m_all, sd_all)[0].copy()
    for lang in {r["main"] for r in train} | {r["main"] for r in test}:
        i_s = [i for i, r in enumerate(train) if r["main"] == lang]
        i_t = [i for i, r in enumerate(test) if r["main"] == lang]
        if len(i_s) < 30:
            continue
        z, m, sd = std_matrix(lm_train[i_s])
        a[i_s] = z
        if i_t:
            b[i_t] = std_matrix(lm_test[i_t], m, sd)[0]
    return a, b


def auc(y, s) -> float | None:
    return float(roc_auc_score(y, s)) if 0 < sum(y) < len(y) else None


def _f(x) -> str:
    return "-" if x is None else f"{x:.3f}"


def main() -> int:
    global ORDER, B
    from ai_labels import ORIGINAL, REPOS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", default="/tmp/mergeguard-ai-style-set.json")
    ap.add_argument("--corpus-cache", default="/tmp/mergeguard-ai-lm-corpus.json")
    ap.add_argument("--per-repo", type=int, default=1000)
    ap.add_argument("--max-lines", type=int, default=300)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--min-lines", type=int, default=20)
    ap.add_argument("--C", type=float, default=0.3)
    ap.add_argument("--set", default="extended", choices=("original", "extended"))
    ap.add_argument("--train-set", default="extended", choices=("original", "extended"),
                    help="the repositories the scorers are fitted on (always without the held-out one)")
    ap.add_argument("--order", type=int, default=ORDER)
    ap.add_argument("--B", type=float, default=B)
    ap.add_argument("--corpus-only", action="store_true", help="build the corpus cache and stop")
    args = ap.parse_args()
    ORDER, B = args.order, args.B
    t0 = time.time()

    labelled = set()
    for p in DATA.glob("*.json"):
        labelled |= {c["sha"] for c in json.loads(p.read_text())["commits"]}
    corpus_repos = sorted(REPOS) + list(CORPUS_ONLY)
    corpus_docs = build_corpus(Path(args.corpus_cache), corpus_repos, labelled, args.per_repo, args.max_lines, args.seed)
    if args.corpus_only:
        return 0
    corpus_docs = {r: d for r, d in corpus_docs.items() if d}

    # vocabulary: identifiers seen in >= VOCAB_REPOS corpus repositories of the language
    seen: dict[str, dict[str, set]] = {}
    for repo, docs in corpus_docs.items():
        for doc in docs:
            for lang, lines in doc:
                bag = seen.setdefault(lang, {})
                for raw in lines:
                    kind, toks = split_line(raw, lang)
                    if kind == "code":
                        for t in toks:
                            if t[:1].isalpha() or t[:1] in "_$":
                                bag.setdefault(t, set()).add(repo)
    vocab = {lang: frozenset(t for t, rs in bag.items() if len(rs) >= VOCAB_REPOS) for lang, bag in seen.items()}
    print("corpus: " + ", ".join(f"{lang} {len({r for r, ds in corpus_docs.items() for d in ds for lg, _ in d if lg == lang})} repos"
                                 f"/{len(v)} names" for lang, v in sorted(vocab.items())), flush=True)

    rows = load(Path(args.cache))
    for r in rows:
        r["stats"], r["n"] = authorship.statistics_of(r["lines"])
    rows = [r for r in rows if r["n"] >= args.min_lines and (args.train_set == "extended" or r["original"])]
    for r in rows:
        sizes: dict[str, int] = {}
        for lang, lines in r["lines"]:
            sizes[lang] = sizes.get(lang, 0) + len(lines)
        r["main"] = max(sizes, key=sizes.get)
    for r in rows:
        code, comm = sequences(r["lines"], vocab)
        r["g"], r["h"] = doc_grams(code, MAX_TOKENS)
        r["cg"], r["ch"] = doc_grams(comm, MAX_TOKENS)
    keys = np.unique(np.concatenate([np.concatenate([r["g"].ravel(), r["h"].ravel(), r["cg"].ravel(), r["ch"].ravel()])
                                     for r in rows]))
    corpus_keys: dict[str, list[np.ndarray]] = {}
    ntok = {}
    for repo, docs in corpus_docs.items():
        arrs, n = [], 0
        for doc in docs:
            code, comm = sequences(doc, vocab)
            for seqs in (code, comm):
                for s in seqs:
                    g, h = grams(s, lang_root(s[0]))
                    arrs += [g.ravel(), h.ravel()]
                    n += g.shape[1]
        corpus_keys[repo] = arrs
        ntok[repo] = n
    counts = Counts(keys, corpus_keys)
    del corpus_keys
    print(f"corpus tokens: {sum(ntok.values()):,} in {len(ntok)} repositories; {len(keys):,} distinct keys in the labelled "
          f"changes ({time.time() - t0:.0f}s)", flush=True)
    zero = np.zeros(len(keys), np.float32)
    for r in rows:
        own = counts.per.get(r["repo"], zero)
        for part in ("g", "h", "cg", "ch"):
            r[part + "i"] = counts.index(r[part]).astype(np.int32)
            r[part + "own"] = own[r[part + "i"]]
            del r[part]

    def lm_feats(r: dict, cnt: np.ndarray, minus_own: bool) -> list[float]:
        """The change's features under the model with counts ``cnt`` (minus its own repository's)."""
        def gather(part: str) -> np.ndarray:
            c = cnt[r[part + "i"]]
            return c - r[part + "own"] if minus_own else c
        code = surprisal(gather("g"), gather("h")) if r["gi"].shape[1] else (np.zeros(0), np.zeros(0))
        comm = surprisal(gather("cg"), gather("ch"))[0] if r["cgi"].shape[1] else None
        return features(code, comm)

    # every change scored by the model without its own repository (what its held-out fold sees)
    for r in rows:
        r["lm_own"] = lm_feats(r, counts.total, True)
    print(f"scored ({time.time() - t0:.0f}s)", flush=True)

    trainable = [r for r in rows if r["label"] == 0 or r["family"] in AGENT_FAMILIES]
    repos = sorted({r["repo"] for r in rows if args.set == "extended" or r["original"]})
    kinds = ["refit", "stats", "lm", "stats+lm", "lm-lang", "stats+lm-lang", "lm_mean"]
    pooled: dict[str, list] = {k: [] for k in kinds}
    table: dict[str, dict] = {}
    for repo in repos:
        test = [r for r in rows if r["repo"] == repo]
        train = [r for r in trainable if r["repo"] != repo]
        # strict: a training change of repository B is scored by the model without B and the held-out one
        cnt_a = counts.without(repo)
        lm_train = np.array([lm_feats(r, cnt_a, True) for r in train])
        lm_test = np.array([r["lm_own"] for r in test])
        lm_train, lm_test = with_size_residual(lm_train, train, lm_test, test)
        y = [r["label"] for r in test]
        ytr = np.array([r["label"] for r in train])
        w = weights(train)
        xs, m, sd = stats_matrix(train)
        xt = stats_matrix(test, m, sd)[0]
        ls, lm_m, lm_sd = std_matrix(lm_train)
        lt = std_matrix(lm_test, lm_m, lm_sd)[0]
        ls_l, lt_l = lang_std(lm_train, train, lm_test, test)
        scores = {}
        model = fit_product_model(train, 50.0, 0.3)
        scores["refit"] = np.array([authorship.score_statistics(r["stats"], r["n"], model) for r in test])
        for k, (a, b) in {"stats": (xs, xt), "lm": (ls, lt), "stats+lm": (np.hstack([xs, ls]), np.hstack([xt, lt])),
                       "lm-lang": (ls_l, lt_l), "stats+lm-lang": (np.hstack([xs, ls_l]), np.hstack([xt, lt_l]))}.items():
            lr = LogisticRegression(C=args.C, max_iter=3000).fit(a, ytr, sample_weight=w)
            scores[k] = lr.decision_function(b)
        scores["lm_mean"] = np.nan_to_num(lm_test[:, 0], nan=float(np.nanmean(lm_test[:, 0])))
        table[repo] = {"ai": sum(y), "human": len(y) - sum(y)}
        for k in kinds:
            s = scores[k]
            ranks = (np.argsort(np.argsort(s)) + 0.5) / len(s)
            pooled[k].extend(zip(y, ranks, [r["n"] for r in test], [r["language"] for r in test],
                                 [r["period"] for r in test], [r["family"] for r in test], [repo] * len(test), strict=True))
            table[repo][k] = auc(y, s)
    print(f"\nstyle score with a pre-2021 language model, leave one repository out, set={args.set}, >= {args.min_lines} lines")
    print(f"{'repository':38s} {'AI':>4s} {'hum':>4s} " + " ".join(f"{k:>9s}" for k in kinds))
    for repo in repos:
        t = table[repo]
        print(f"{repo:38s} {t['ai']:4d} {t['human']:4d} " + " ".join(f"{_f(t[k]):>9s}" for k in kinds)
              + ("" if t["ai"] >= 10 else "  (few AI)"))
    subsets = [("", repos)]
    if args.set == "extended":
        subsets.append((" [original 26]", [r for r in repos if r in ORIGINAL]))
    for label, sub_repos in subsets:
        for k in kinds:
            good = [table[r][k] for r in sub_repos if table[r][k] is not None and table[r]["ai"] >= 10]
            p = [x for x in pooled[k] if x[6] in sub_repos]
            era = [x for x in p if x[0] == 1 or x[4] != "pre-2021"]
            print(f"{k:13s}{label} pooled(rank) {_f(auc([x[0] for x in p], [x[1] for x in p]))}  mean-per-repo {_f(float(np.mean(good)))}"
                  f"  min {_f(min(good))}  repos>=0.6 {sum(g >= 0.6 for g in good)}/{len(good)}"
                  f"  ai-era humans only {_f(auc([x[0] for x in era], [x[1] for x in era]))}")
    for k in kinds:
        parts = []
        for lo, hi in ((20, 50), (50, 200), (200, 10 ** 9)):
            sub = [x for x in pooled[k] if lo <= x[2] < hi]
            parts.append(f"{lo}-{hi - 1 if hi < 10 ** 9 else ''} {_f(auc([x[0] for x in sub], [x[1] for x in sub]))}")
        langs = []
        for lang in sorted({x[3] for x in pooled[k]}):
            sub = [x for x in pooled[k] if x[3] == lang]
            langs.append(f"{lang} {_f(auc([x[0] for x in sub], [x[1] for x in sub]))}")
        fams = []
        for fam in ("agent-author", "agent-session", "suggestion"):
            sub = [x for x in pooled[k] if x[0] == 0 or x[5] == fam]
            fams.append(f"{fam} {_f(auc([x[0] for x in sub], [x[1] for x in sub]))}")
        print(f"{k:13s} by size: {'; '.join(parts)} | by language: {'; '.join(langs)} | {'; '.join(fams)}")
    # single features, held-out model, within-repository ranks pooled (sign as it comes: > 0.5 means higher = AI)
    for j, name in enumerate(LM_NAMES):
        ys, rs = [], []
        for repo in repos:
            test = [r for r in rows if r["repo"] == repo]
            v = np.array([r["lm_own"][j] for r in test])
            v = np.nan_to_num(v, nan=np.nanmean(v) if np.isfinite(v).any() else 0.0)
            ys += [r["label"] for r in test]
            rs += list((np.argsort(np.argsort(v)) + 0.5) / len(v))
        print(f"  single {name:8s} pooled(rank) {_f(auc(ys, rs))}")
    print(f"({time.time() - t0:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
