"""The fabricated-data scanner: a corpus of small scripts plus focused cases.

Each file in ``synth_cases/`` starts with ``# expect: flag <rule>`` or ``# expect: allow``. In flag files,
every line that should be reported ends with ``# flagged``, and nothing else may be reported.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labrails.guard.synthscan import RULES, Hit, scan_script, scan_source

CASES = Path(__file__).parent / "synth_cases"
CASE_FILES = sorted(CASES.glob("*.py"))
EXPECT = re.compile(r"^# expect: (?:(allow)|flag ([a-z-]+))\s*$")


def _expectation(path: Path) -> tuple[str, set[int]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    m = EXPECT.match(lines[0])
    assert m, f"{path.name}: first line must be '# expect: allow' or '# expect: flag <rule>'"
    marked = {i for i, line in enumerate(lines, 1) if line.rstrip().endswith("# flagged")}
    return (m.group(2) or "allow"), marked


def test_corpus_has_more_allows_than_flags():
    kinds = [_expectation(p)[0] for p in CASE_FILES]
    allows = kinds.count("allow")
    assert len(CASE_FILES) >= 40
    assert allows > len(kinds) - allows


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_corpus_case(path):
    expected, marked = _expectation(path)
    findings = scan_source(path.read_text(encoding="utf-8"), str(path))
    shown = "\n".join(f"  {f.line}: {f.rule}: {f.snippet}" for f in findings)
    if expected == "allow":
        assert findings == [], f"expected no findings, got:\n{shown}"
        return
    assert expected in RULES
    assert expected in {f.rule for f in findings}, f"expected {expected}, got:\n{shown}"
    assert {f.line for f in findings} == marked, f"flagged lines differ from '# flagged' marks:\n{shown}"


def scan(code: str) -> list[Hit]:
    return scan_source(textwrap.dedent(code), "train.py")


def rules(code: str) -> list[tuple[int, str]]:
    return [(f.line, f.rule) for f in scan(code)]


# ---- findings themselves


def test_finding_carries_snippet_and_a_message_for_the_agent():
    (finding,) = scan(
        """
        import numpy as np
        X = np.random.randn(100, 10)
        """
    )
    assert (finding.path, finding.line, finding.rule) == ("train.py", 3, "random-data")
    assert finding.snippet == "X = np.random.randn(100, 10)"
    assert "`X`" in finding.message and "np.random.randn" in finding.message


def test_snippet_is_cut_at_120_characters():
    call = "X, y = make_blobs(n_samples=100" + ", noise=0.1" * 30 + ")"
    code = "from sklearn.datasets import make_blobs\n" + call + "\n"
    (finding,) = scan_source(code)
    assert len(finding.snippet) == 120


# ---- syntax errors and odd input


def test_syntax_error_is_one_unparseable_finding():
    findings = scan_source("import numpy as np\nX = np.random.randn(10\nprint('x')\n", "broken.py")
    assert [(f.path, f.rule) for f in findings] == [("broken.py", "unparseable")]
    assert findings[0].line >= 2


def test_null_bytes_are_unparseable_not_an_exception():
    assert [f.rule for f in scan_source("x = 1\x00\n")] == ["unparseable"]


def test_deeply_nested_expression_does_not_raise():
    findings = scan_source("x = " + "-" * 5000 + "1\n")
    assert all(f.rule in RULES for f in findings)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_scan_source_never_raises(text):
    for finding in scan_source(text):
        assert finding.rule in RULES and finding.rule != "scan-error"


python_ish = st.lists(
    st.sampled_from(
        [
            "import numpy as np\n",
            "X = np.random.randn(3, 4)\n",
            "if args.smoke:\n",
            "    y = make_classification()\n",
            "else:\n",
            "try:\n",
            "except Exception:\n",
            "    pass\n",
            "def make_fake_data():\n",
            "    return torch.randn(2)\n",
            "queries = [f'What is {t} about?' for t in titles]\n",
            "class A(nn.Module):\n",
            "    def __init__(self):\n",
            "        self.w = torch.randn(2)\n",
            "match p:\n",
            "    case 'de-risk':\n",
        ]
    ),
    max_size=12,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(python_ish)
def test_scan_source_never_raises_on_python_like_text(text):
    for finding in scan_source(text):
        assert finding.rule in RULES and finding.rule != "scan-error"


# ---- de-risk branches


def test_else_branch_of_a_derisk_check_is_flagged():
    assert rules(
        """
        import numpy as np
        if args.derisk:
            X = np.random.randn(10, 2)
        else:
            X = np.random.randn(10_000, 2)
        """
    ) == [(6, "random-data")]


def test_negated_derisk_check_exempts_the_else_branch_only():
    assert rules(
        """
        import numpy as np
        if not cfg.smoke:
            X = np.random.randn(10_000, 2)
        else:
            X = np.random.randn(10, 2)
        """
    ) == [(4, "random-data")]


def test_elif_chain_exempts_only_derisk_arms():
    assert rules(
        """
        from sklearn.datasets import make_moons
        if cfg.profile == "full":
            X, y = load()
        elif cfg.profile == "de-risk":
            X, y = make_moons(50)
        else:
            X, y = make_moons(5000)
        """
    ) == [(8, "sklearn-generator")]


def test_membership_with_a_non_derisk_profile_is_not_exempt():
    # The full profile also satisfies this condition.
    assert rules(
        """
        import torch
        if cfg.profile in ("de-risk", "full"):
            inputs = torch.randn(64, 10)
        """
    ) == [(4, "random-data")]


def test_or_with_a_non_derisk_condition_is_not_exempt():
    assert rules(
        """
        import torch
        if args.smoke or len(files) == 0:
            inputs = torch.randn(64, 10)
        """
    ) == [(4, "random-data")]


def test_and_with_a_derisk_condition_is_exempt():
    assert rules(
        """
        import torch
        if args.smoke and torch.cuda.is_available():
            inputs = torch.randn(64, 10)
        """
    ) == []


def test_derisk_only_helper_called_from_full_path_is_flagged_at_the_call():
    findings = scan(
        """
        import numpy as np

        def derisk_data():
            return np.random.randn(16, 4)

        if args.derisk:
            X = derisk_data()
        X = derisk_data()
        """
    )
    assert [(f.line, f.rule) for f in findings] == [(9, "random-data")]
    assert "derisk_data" in findings[0].message and "train.py:4" in findings[0].message


def test_unused_fabricating_helper_is_flagged_at_its_definition():
    assert rules(
        """
        import torch

        def make_fake_batch():
            return torch.randn(8, 3, 32, 32)
        """
    ) == [(5, "random-data")]


def test_wildcard_match_case_is_not_exempt():
    assert rules(
        """
        import numpy as np
        match cfg.profile:
            case "smoke":
                X = np.random.rand(8, 2)
            case _:
                X = np.random.rand(8000, 2)
        """
    ) == [(7, "random-data")]


# ---- what counts as fabrication


@pytest.mark.parametrize(
    "line",
    [
        "X = np.random.normal(0, 1, (100, 3))",
        "X = np.random.uniform(size=(100, 3))",
        "y = np.random.choice(10, size=100)",
        "X = torch.rand(100, 3)",
        "X = torch.normal(0.0, 1.0, size=(100, 3))",
        "X = torch.empty(100, 3).uniform_(-1, 1)",
        "X = np.random.RandomState(0).randn(100, 3)",
        "X = torch.distributions.Normal(0.0, 1.0).sample((100, 3))",
        "samples = [(random.uniform(0, 1), random.randint(0, 1)) for _ in range(100)]",
        "self.data = torch.randn(100, 3)",
        "X = (np.random.randn(100, 3) * 2 + 1).astype(np.float32)",
        "labels = torch.bernoulli(torch.full((100,), 0.5))",
    ],
)
def test_random_sources_assigned_to_data_names(line):
    code = "import numpy as np\nimport torch\nimport random\n" + line + "\n"
    assert [f.rule for f in scan_source(code)] == ["random-data"]


def test_generator_passed_in_as_an_argument():
    assert rules(
        """
        def build(rng, n):
            X = rng.standard_normal((n, 8))
            return X
        """
    ) == [(3, "random-data")]


def test_random_values_reach_a_dataset_through_an_intermediate_name():
    assert rules(
        """
        import torch
        from torch.utils.data import TensorDataset
        a = torch.randn(100, 4)
        b = torch.randint(0, 2, (100,))
        train_set = TensorDataset(a, b)
        """
    ) == [(6, "random-data")]


def test_fabricated_data_passed_straight_to_fit():
    assert rules(
        """
        import numpy as np
        model.fit(np.random.rand(100, 4), np.random.randint(0, 2, 100))
        """
    ) == [(3, "random-data")]


def test_star_import_of_sklearn_generators():
    assert rules(
        """
        from sklearn.datasets import *
        X, y = make_hastie_10_2(n_samples=500)
        """
    ) == [(3, "sklearn-generator")]


def test_local_function_named_like_a_generator_is_not_sklearn():
    assert rules(
        """
        def make_blobs(path):
            return read_blobs(path)

        blobs = make_blobs("data/blobs.h5")
        """
    ) == []


def test_templated_dict_rows_are_flagged():
    assert rules(
        """
        rows = [{"query": f"Who directed {m}?", "answer": d} for m, d in zip(movies, directors)]
        """
    ) == [(2, "templated-data")]


def test_fallback_rule_applies_to_names_assigned_in_the_try_body():
    assert rules(
        """
        import numpy as np
        try:
            emb = np.load("emb.npy")
        except OSError:
            emb = np.random.randn(1000, 64)
        """
    ) == [(6, "fallback-to-generated")]


def test_fabricating_helper_called_from_an_except_branch_is_a_fallback():
    assert rules(
        """
        import numpy as np

        def make_dummy_data():
            return np.random.randn(64, 4)

        try:
            X = np.load("x.npy")
        except Exception:
            X = make_dummy_data()
        """
    ) == [(10, "fallback-to-generated")]


def test_except_branch_returning_generated_data_is_a_fallback():
    assert rules(
        """
        import numpy as np
        def load_embeddings(path):
            try:
                return np.load(path)
            except OSError:
                return np.random.randn(50_000, 300)
        """
    ) == [(7, "fallback-to-generated")]


def test_single_random_numbers_are_not_datasets():
    # Crop offsets and coin flips share names with data (x, y) but are one draw each.
    assert rules(
        """
        import random
        y = random.randint(0, h - size)
        x = random.randint(0, w - size)
        flip = random.random() < 0.5
        """
    ) == []


def test_map_with_a_template_lambda_is_templated_data():
    assert rules(
        """
        queries = list(map(lambda t: f"What movie is {t}?", titles))
        """
    ) == [(2, "templated-data")]


# ---- scan_script: following local imports


def write(root: Path, files: dict[str, str]) -> None:
    for name, code in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code))


def test_follows_plain_and_from_imports(tmp_path):
    write(
        tmp_path,
        {
            "train.py": """
                import data
                from features import build
                X = data.load()
                """,
            "data.py": """
                import numpy as np
                def load():
                    X = np.random.randn(100, 3)
                    return X
                """,
            "features.py": """
                from sklearn.datasets import make_regression
                def build():
                    return make_regression(100)
                """,
        },
    )
    found = {(Path(f.path).name, f.line, f.rule) for f in scan_script(tmp_path / "train.py")}
    assert found == {("data.py", 4, "random-data"), ("features.py", 4, "sklearn-generator")}


def test_follows_package_and_relative_imports(tmp_path):
    write(
        tmp_path,
        {
            "train.py": "from pkg.data import loader\n",
            "pkg/__init__.py": "",
            "pkg/data.py": "from .gen import make\nfrom . import util\n",
            "pkg/gen.py": "import torch\ninputs = torch.randn(10, 2)\n",
            "pkg/util.py": "from sklearn.datasets import make_circles\nX, y = make_circles()\n",
        },
    )
    found = {(Path(f.path).name, f.rule) for f in scan_script(tmp_path / "train.py")}
    assert found == {("gen.py", "random-data"), ("util.py", "sklearn-generator")}


def test_call_site_in_script_for_helper_defined_in_a_module(tmp_path):
    write(
        tmp_path,
        {
            "train.py": """
                from helpers import make_synthetic_dataset
                if args.smoke:
                    ds = make_synthetic_dataset(8)
                ds = make_synthetic_dataset(50_000)
                """,
            "helpers.py": """
                import torch
                from torch.utils.data import TensorDataset
                def make_synthetic_dataset(n):
                    return TensorDataset(torch.randn(n, 4))
                """,
        },
    )
    findings = scan_script(tmp_path / "train.py")
    assert [(Path(f.path).name, f.line, f.rule) for f in findings] == [("train.py", 5, "random-data")]
    assert "helpers.py:4" in findings[0].message


def test_helper_used_only_under_derisk_across_files_is_allowed(tmp_path):
    write(
        tmp_path,
        {
            "train.py": """
                import toydata
                if cfg.profile == "de-risk":
                    X, y = toydata.fake_data()
                else:
                    X, y = load(cfg.path)
                """,
            "toydata.py": """
                from sklearn.datasets import make_classification
                def fake_data():
                    return make_classification(64)
                """,
        },
    )
    assert scan_script(tmp_path / "train.py") == []


def test_each_module_scanned_once_even_with_cycles(tmp_path):
    write(
        tmp_path,
        {
            "train.py": "import a\nimport b\n",
            "a.py": "import b\nimport numpy as np\nX = np.random.rand(3, 3)\n",
            "b.py": "import a\n",
        },
    )
    assert [(Path(f.path).name, f.line) for f in scan_script(tmp_path / "train.py")] == [("a.py", 3)]


def test_follow_imports_can_be_turned_off(tmp_path):
    write(tmp_path, {"train.py": "import data\n", "data.py": "import numpy as np\nX = np.random.rand(3)\n"})
    assert scan_script(tmp_path / "train.py", follow_imports=False) == []


def test_max_files_bounds_the_walk(tmp_path):
    write(tmp_path, {"train.py": "import m0\n"})
    for i in range(10):
        write(tmp_path, {f"m{i}.py": f"import m{i + 1}\nimport numpy as np\nX = np.random.rand({i + 1})\n"})
    found = {Path(f.path).name for f in scan_script(tmp_path / "train.py", max_files=4)}
    assert found == {"m0.py", "m1.py", "m2.py"}


def test_modules_outside_root_are_not_followed(tmp_path):
    write(
        tmp_path,
        {
            "proj/train.py": "import shared\n",
            "proj/shared.py": "import numpy as np\nX = np.random.rand(3)\n",
        },
    )
    inside = scan_script(tmp_path / "proj" / "train.py")
    assert [Path(f.path).name for f in inside] == ["shared.py"]
    write(tmp_path, {"other/train.py": "import shared\n"})
    assert scan_script(tmp_path / "other" / "train.py") == []


def test_root_adds_a_second_search_base(tmp_path):
    write(
        tmp_path,
        {
            "scripts/train.py": "from lib.data import load\n",
            "lib/data.py": "import torch\ninputs = torch.randn(4, 4)\n",
        },
    )
    assert scan_script(tmp_path / "scripts" / "train.py") == []
    found = scan_script(tmp_path / "scripts" / "train.py", root=tmp_path)
    assert [(Path(f.path).name, f.rule) for f in found] == [("data.py", "random-data")]


def test_unreadable_or_broken_imported_modules_are_skipped(tmp_path):
    write(tmp_path, {"train.py": "import broken\nimport binary\n", "broken.py": "def (:\n"})
    (tmp_path / "binary.py").write_bytes(b"\xff\xfe\x00garbage")
    assert scan_script(tmp_path / "train.py") == []


def test_main_guard_runs_in_the_script_but_not_in_imported_modules(tmp_path):
    shape_check = """
        import torch
        if __name__ == "__main__":
            x = torch.randn(2, 3, 32, 32)
            print(x.shape)
        """
    write(tmp_path, {"train.py": "import model\n" + textwrap.dedent(shape_check), "model.py": shape_check})
    found = [(Path(f.path).name, f.line) for f in scan_script(tmp_path / "train.py")]
    assert found == [("train.py", 5)]


def test_broken_launched_script_is_unparseable(tmp_path):
    write(tmp_path, {"train.py": "for x in\n"})
    assert [f.rule for f in scan_script(tmp_path / "train.py")] == ["unparseable"]


def test_missing_launched_script_is_unparseable(tmp_path):
    assert [f.rule for f in scan_script(tmp_path / "nope.py")] == ["unparseable"]


# ---- a realistic project (its scan time is measured in benchmarks/bench_synthscan.py)


def test_realistic_script_with_three_modules_has_no_hits(tmp_path):
    write(tmp_path, _realistic_project())
    assert scan_script(tmp_path / "train.py") == []


def _realistic_project() -> dict[str, str]:
    block = """
    def train_epoch_{i}(model, loader, opt, cfg):
        model.train()
        total = 0.0
        for step, (x, y) in enumerate(loader):
            x = x.to(cfg.device)
            if cfg.augment:
                x = x + 0.01 * torch.randn_like(x)
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
            if step % cfg.log_every == 0:
                print(f"epoch {i} step {{step}} loss {{loss.item():.3f}}")
        return total / max(1, len(loader))
    """
    header = """
    import argparse
    import numpy as np
    import torch
    import torch.nn.functional as F
    from data import build_loaders
    from model import Net
    from utils import seed_everything
    """
    script = header + "".join(block.format(i=i) for i in range(28))
    script += """
    def main():
        args = argparse.ArgumentParser().parse_args()
        seed_everything(0)
        if args.profile == "de-risk":
            X = np.random.randn(64, 10)
        train_loader, val_loader = build_loaders(args)
        model = Net()
    if __name__ == "__main__":
        main()
    """
    return {
        "train.py": script,
        "data.py": """
            import pandas as pd
            import torch
            from torch.utils.data import DataLoader, TensorDataset
            def build_loaders(args):
                df = pd.read_csv(args.path)
                X = torch.tensor(df.drop(columns="y").values)
                y = torch.tensor(df["y"].values)
                ds = TensorDataset(X, y)
                return DataLoader(ds, batch_size=64), DataLoader(ds, batch_size=256)
            """,
        "model.py": """
            import torch
            from torch import nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.w = nn.Parameter(torch.randn(10, 2) * 0.01)
                def forward(self, x):
                    return x @ self.w
            """,
        "utils.py": """
            import random
            import numpy as np
            import torch
            def seed_everything(seed):
                random.seed(seed)
                np.random.seed(seed)
                torch.manual_seed(seed)
            """,
    }
