"""How each example command of the skill pack runs in the test world (skillworld.py), and what it must do.

Data only. The key is the example as the skills write it (normalised by skillpack.examples_in); the
:class:`Case` says where it runs, the command actually run when the example has placeholders (``RUN``,
``NAME``, ``...``), the exit code, a piece of text the output must show, and the hook rule expected to refuse it.

Every example runs in a coding agent's environment (``CLAUDECODE=1``, no terminal on stdin): the
human-only commands (`labrails approve`, `labrails data pin`) must refuse there, and the table says so.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    run: str = ""            # the command actually run ({old_full}: see World.names); "" = the example as written
    code: int = 0            # the exit code it must end with
    shows: str = ""          # text its output must contain
    # experiment | copy (a fresh copy of it) | cartography | tables (no split yet) | split (tables + split.json) | scratch | repo
    where: str = "experiment"
    guard: str = ""          # the hook rule that must refuse it ("" = the hook allows it)
    background: bool = False  # launched as the skills launch full runs (nohup ... &, run_in_background)
    timeout: float = 300


# ----------------------------------------------------------------------------------------- shared cases
HUMAN_ONLY = dict(code=2, shows="Claude Code environment is set (CLAUDECODE)")
APPROVE = dict(HUMAN_ONLY, guard="human-approval")  # the hook refuses it before the command does
SWEEP = dict(where="copy", background=True)  # a real sweep runs in the background (the hook refuses it in the foreground)
NEW = dict(where="scratch", shows="created")
FULL_RUN = dict(where="copy", background=True, shows="review: passed")
# The world's de-risk run has this identity: the hook refuses it, and the script itself exits 0 saying so.
SAME_AS_DERISK = dict(where="copy", guard="identical-run", shows="already completed")
RUN = "full-seed42"  # what RUN stands for

EXAMPLES: dict[str, Case] = {
    # ---------------------------------------------------------------- analysis, plots, report
    "labrails analyze": Case(),
    "labrails analyze --profile full": Case(shows="full-baseline"),
    "labrails analyze --profile full --baseline full-baseline": Case(shows="full-baseline"),
    "labrails analyze --profile full --metric test_macro_f1 --baseline full-baseline": Case(shows="test_macro_f1"),
    "labrails plot": Case(run=f"labrails plot {RUN}"),
    "labrails plot --compare": Case(),
    "labrails plot --compare --metric test_accuracy": Case(),
    "labrails plot RUN": Case(run=f"labrails plot {RUN}", shows="loss"),
    "labrails plot RUN --metric loss": Case(run=f"labrails plot {RUN} --metric loss", shows="loss"),
    "labrails plot full-seed42 --metric loss --metric accuracy": Case(shows="accuracy"),
    "labrails plot latest": Case(shows="plots"),
    "labrails report": Case(shows="REPORT.md"),
    "labrails report --profile full": Case(shows="REPORT.md"),
    "labrails report check": Case(),

    # ---------------------------------------------------------------- human-only: refused under an agent
    "labrails approve": Case(run="labrails approve de-risk", **APPROVE),
    "labrails approve PHASE": Case(run="labrails approve de-risk", **APPROVE),
    "labrails approve de-risk": Case(**APPROVE),
    "labrails approve de-risk --note 'read the data code and the review'": Case(**APPROVE),
    "labrails data pin": Case(**HUMAN_ONLY),
    "labrails data show": Case(shows="sha256"),

    # ---------------------------------------------------------------- recipes
    # In the cartography experiment, whose de-risk run embedded every training example (clusters.embed: true).
    "labrails clusters RUN": Case(run="labrails clusters latest", where="cartography", shows="purity"),
    "labrails clusters RUN --replace --min-cluster-size 20": Case(run="labrails clusters latest --replace --min-cluster-size 20",
                                                                  where="cartography", shows="purity"),

    # ---------------------------------------------------------------- runs: ignore, stability, review
    "labrails ignore": Case(run="labrails ignore full-old-split --reason 'used the old split'", where="copy", shows="ignored"),
    "labrails ignore 2026-11-22T10-04-11-full --reason 'used the old split.json before the regrouping fix'":
        Case(run="labrails ignore {old_full} --reason 'used the old split.json before the regrouping fix'", where="copy",
             shows="ignored"),
    "labrails ignore RUN --reason 'crashed at step 40: CUDA driver reset, rerun as full-seed42-retry'":
        Case(run="labrails ignore full-old-split --reason 'crashed at step 40: CUDA driver reset, rerun as full-seed42-retry'",
             where="copy", shows="ignored"),
    "labrails ignore RUN --reason 'wrong prompt template (missing system prompt); rerun as full-v2'":
        Case(run="labrails ignore full-old-split --reason 'wrong prompt template (missing system prompt); rerun as full-v2'",
             where="copy", shows="ignored"),
    "labrails ignore RUN --reason ...": Case(run="labrails ignore full-old-split --reason 'diverged'", where="copy", shows="ignored"),
    "labrails stability RUN stable --note 'vllm 0.x, 1 x A100'": Case(run=f"labrails stability {RUN} stable --note 'vllm 0.x, 1 x A100'"),
    "labrails stability RUN stable --note ...": Case(run=f"labrails stability {RUN} stable --note 'three seeds agree'"),
    "labrails stability RUN unstable --note 'OOM at batch 64 on a 24 GB GPU'":
        Case(run="labrails stability full-bs256 unstable --note 'OOM at batch 64 on a 24 GB GPU'"),
    "labrails stability full-bs256 unstable --note 'OOM at step 1 on a 24 GB GPU'": Case(),
    "labrails stability full-lr1e-2 investigating --note 'loss spikes after epoch 20'": Case(),
    "labrails stability full-seed42 stable --note '3 seeds, no warnings, 25 min on one A100'": Case(),
    "labrails stability latest stable --note 'reviewed; 3 seeds agree within 0.004'": Case(),
    "labrails review": Case(shows="review"),
    "labrails review RUN": Case(run=f"labrails review {RUN}", shows="review"),
    "labrails review latest": Case(shows="review"),
    "labrails runs": Case(shows="full-seed42"),
    "labrails runs --json": Case(shows='"profile": "full"'),
    "labrails runs -e ../other-exp": Case(run="labrails runs -e .", shows="full-seed42"),
    "labrails diff de-risk latest": Case(shows="config"),
    "labrails logs -f latest": Case(),
    "labrails runs --rebuild": Case(where="copy", shows="full-seed42"),
    "labrails status": Case(shows="experiment digits-mlp"),

    # ---------------------------------------------------------------- the journal
    "labrails journal add": Case(run="labrails journal add 'de-risk passed' --tag NOTE --run latest"),
    "labrails journal add 'assumed ... because ...' --tag ASSUMPTION":
        Case(run="labrails journal add 'assumed 3 seeds because the brief names none' --tag ASSUMPTION"),
    "labrails journal add 'assumed the primary metric is test_accuracy: the brief names none' --tag ASSUMPTION": Case(),
    "labrails journal add 'de-risk: loss 2.31 at step 1, val acc 0.83 after 4 epochs' --tag NOTE --run latest": Case(),
    "labrails journal add 'full: acc 0.91; worst group '\"'\"'site 7'\"'\"' (0.62), long inputs truncated' --tag WEIRD --run latest": Case(),
    "labrails journal add 'full: test acc 0.962, val loss flat after epoch 12' --tag NOTE --run latest": Case(),
    "labrails journal add 'group '\"'\"'site 7'\"'\"': 40% parse failures, outputs cut at 256 tokens' --tag WEIRD --run latest": Case(),
    "labrails journal add 'overfit one batch: loss 0.003 after 300 steps' --tag NOTE": Case(),
    "labrails journal add 'spec says 80/20 split; data has 3 rows per patient: grouped split needed' --tag TODO": Case(),
    "labrails journal add 'val loss NaN from step 140; grad norm 1e6 just before' --tag WEIRD --run latest": Case(),
    "labrails journal add ... --tag WEIRD --run RUN": Case(run=f"labrails journal add 'worst group: 8s read as 3s' --tag WEIRD --run {RUN}"),
    "labrails journal add TEXT --tag TAG --run RUN": Case(run=f"labrails journal add 'acc 0.95' --tag NOTE --run {RUN}"),
    "labrails journal show": Case(),
    "labrails journal show --last 15": Case(),
    "labrails journal show --last 20": Case(),
    "labrails journal show --tag TODO": Case(),
    "labrails journal show --tag TODO --tag HUNCH": Case(),
    "labrails journal show --tag WEIRD --tag HUNCH --tag TODO": Case(),

    # ---------------------------------------------------------------- new experiments
    "labrails init": Case(where="scratch"),
    "labrails new": Case(run="labrails new digits-mlp --hypothesis 'an MLP beats 95%' --success 'test_accuracy >= 0.95'", **NEW),
    "labrails new --derisk-checkpoint": Case(run="labrails new digits-mlp --derisk-checkpoint", **NEW),
    "labrails new NAME --hypothesis ... --success ...":
        Case(run="labrails new digits-mlp --hypothesis 'an MLP beats 95%' --success 'test_accuracy >= 0.95'", **NEW),
    "labrails new NAME --template cartography": Case(run="labrails new noisy-labels --template cartography", **NEW),
    "labrails new NAME --template llm": Case(run="labrails new sentiment-llm --template llm", **NEW),
    "labrails new NAME --template wine-llm": Case(run="labrails new wine-answers --template wine-llm", **NEW),
    "labrails new digits-mlp --derisk-checkpoint": Case(**NEW),
    "labrails new digits-mlp --hypothesis 'a 2-layer MLP reaches at least 95% test accuracy on digits' --success "
    "'test_accuracy >= 0.95' --metric test_accuracy --direction higher": Case(**NEW),
    "labrails new sentiment-lr --hypothesis 'TF-IDF + logistic regression reaches macro-F1 >= 0.80' --success "
    "'test_macro_f1 >= 0.80' --metric test_macro_f1 --direction higher": Case(**NEW),

    # ---------------------------------------------------------------- splits (in a copy of the tables folder, with or without its grouped split)
    "labrails split check": Case(run="labrails split check data.csv --split split.json --id-col row_id --group-col patient_id",
                                 where="split"),
    "labrails split check DATA.csv --split split.json --id-col ID":
        Case(run="labrails split check data.csv --split split.json --id-col row_id", where="split"),
    "labrails split check data.csv --split split.json --id-col row_id": Case(where="split"),
    "labrails split check data.csv --split split.json --id-col row_id --group-col patient_id": Case(where="split"),
    "labrails split check visits.parquet --split split.json --id-col visit_id --group-col patient_id --label-col diagnosis":
        Case(where="split"),
    "labrails split make": Case(run="labrails split make data.csv --id-col row_id --strategy grouped --group-col patient_id "
                                    "--out split.json", where="tables"),
    "labrails split make ...": Case(run="labrails split make data.csv --id-col row_id --strategy stratified --label-col label "
                                        "--out split.json", where="tables"),
    "labrails split make data.csv --id-col id --strategy stratified --label-col label --out split.json": Case(where="tables"),
    "labrails split make data.csv --id-col row_id --strategy grouped --group-col patient_id --val-size 0.1 --out split.json":
        Case(where="tables"),
    "labrails split make data.csv --id-col row_id --strategy stratified --label-col label --val-size 0.1 --out split.json":
        Case(where="tables"),
    "labrails split make files/visits.csv --id-col visit_id --strategy grouped --group-col patient_id --out split.json":
        Case(where="tables"),
    "labrails split make readings.csv --id-col reading_id --strategy temporal --time-col timestamp --out split.json":
        Case(where="tables"),
    "labrails split make visits.parquet --id-col visit_id --strategy grouped --group-col patient_id --test-size 0.2 --out split.json":
        Case(where="tables"),

    # ---------------------------------------------------------------- sweeps (suites/lr.yaml: lr1e-2, seed 42)
    "labrails sweep": Case(run="labrails sweep suites/lr.yaml --dry-run"),
    "labrails sweep --configs runs/2026-11-22T10-04-11Z-full-filter-seed42/config.yaml "
    "runs/2026-11-22T10-31-52Z-full-filter-seed43/config.yaml --dry-run":
        Case(run="labrails sweep --configs runs/{base42}/config.yaml runs/{base43}/config.yaml --dry-run", shows="full-"),
    "labrails sweep --configs runs/2026-11-22T10-04-11Z-full-filter-seed42/config.yaml --seeds 45 46 47":
        Case(run="labrails sweep --configs runs/{base42}/config.yaml --seeds 45 46 47", **SWEEP),
    "labrails sweep ... --dry-run": Case(run="labrails sweep suites/lr.yaml --dry-run"),
    "labrails sweep SUITE --dry-run": Case(run="labrails sweep suites/lr.yaml --dry-run"),
    "labrails sweep SUITE.yaml": Case(run="labrails sweep suites/lr.yaml", **SWEEP),
    "labrails sweep SUITE.yaml --seeds 42 43 44": Case(run="labrails sweep suites/lr.yaml --seeds 42 43 44", **SWEEP),
    "labrails sweep suites/lr.yaml --dry-run": Case(),
    "labrails sweep suites/lr.yaml --seeds 42 43 44": Case(**SWEEP),

    # ---------------------------------------------------------------- launches (python X.py stands in for uv run)
    "uv run train.py de-risk": Case(**SAME_AS_DERISK),
    "python train.py de-risk": Case(**SAME_AS_DERISK),
    "pixi run python train.py de-risk": Case(**SAME_AS_DERISK),
    "uv run train.py de-risk-bigger-batch": Case(**SAME_AS_DERISK),
    "uv run train.py de-risk-lr1e-2": Case(**SAME_AS_DERISK),
    "uv run SCRIPT.py NAME": Case(run="uv run infer.py de-risk", where="copy", shows="review: passed"),
    "python SCRIPT.py NAME": Case(run="python infer.py de-risk", where="copy", shows="review: passed"),
    "uv run infer.py de-risk": Case(where="copy", shows="review: passed"),
    "uv run train.py full": Case(**FULL_RUN),
    "uv run train.py full-lr1e-2": Case(**FULL_RUN),
    "uv run train.py full-seed43": Case(**FULL_RUN),
    "python train.py full-seed43": Case(**FULL_RUN),
    # A second launch script has its own identity: its full run waits for its own de-risk run.
    "uv run eval.py full": Case(where="copy", background=True, guard="derisk-first", code=2, shows="eval.py de-risk"),
    "python sanity_overfit.py": Case(shows="loss after 300 steps on one batch"),
    "python benchmarks/bench_prefix.py": Case(run="python benchmarks/bench_prefix.py --prompts 40 --prefixes 2 --repeats 1 --chunk 16",
                                              where="repo", shows="ratio random/sorted"),
}
