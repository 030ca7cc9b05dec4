"""Reading a run's per-prediction drill-down (see labrails.outputs) for the checks, each file once and only when asked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labrails.core.fsutil import read_json

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from labrails.review.context import Context


class Drilldown:
    """A run's per-prediction drill-down (see labrails.outputs), under eval/ or at the run root; each file
    is read once, on first use, so checks that do not need one cost nothing."""

    def __init__(self, root: Path, prefix: str):
        self.root, self.prefix = root, prefix
        self._cache: dict[str, Any] = {}

    def where(self, name: str) -> str:
        return self.prefix + name

    def _once(self, key: str, load: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]

    @property
    def summary(self) -> dict[str, Any]:
        """Its metrics.json (task, primary metric, counts); empty when that file belongs to the run instead."""
        def load():
            path = self.root / "metrics.json"
            data = read_json(path) if path.is_file() else {}
            return data if isinstance(data, dict) and data.get("written_by") == "labrails.outputs.write_drilldown" else {}
        return self._once("summary", load)

    @property
    def predictions(self):
        import pandas as pd

        return self._once("predictions", lambda: pd.read_parquet(self.root / "predictions.parquet"))

    @property
    def raw_columns(self) -> list[str]:
        def load():
            path = self.root / "raw_outputs.parquet"
            if not path.is_file():
                return []
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        return self._once("raw_columns", load)

    @property
    def raw(self):
        import pandas as pd

        wanted = [c for c in ("input_text", "raw_output") if c in self.raw_columns]
        return self._once("raw", lambda: pd.read_parquet(self.root / "raw_outputs.parquet", columns=wanted))

    @property
    def index(self):
        def load():
            path = self.root / "groups" / "_index.csv"
            if not path.is_file():
                return None
            import pandas as pd

            # Group names are data ("NA", "None", "1"): read them as text; only empty cells are missing numbers.
            return pd.read_csv(path, dtype={"group": str, "path": str}, keep_default_na=False, na_values=[""])
        return self._once("index", load)

    @property
    def ranges(self) -> dict[str, Any]:
        def load():
            path = self.root / "diagnostics" / "value_ranges.json"
            return read_json(path) if path.is_file() else {}
        return self._once("ranges", load)

    @property
    def task(self) -> str:
        return self.summary.get("task") or ("regression" if "error" in self.predictions.columns else "classification")


def drilldown_of(ctx: Context) -> Drilldown | None:
    """The run's drill-down: eval/ (where write_predictions puts it) or the run root (write_drilldown(df, run_dir))."""
    if "drilldown" not in ctx.extra:
        ctx.extra["drilldown"] = next(
            (Drilldown(root, prefix) for root, prefix in ((ctx.run_dir / "eval", "eval/"), (ctx.run_dir, ""))
             if (root / "predictions.parquet").is_file()),
            None,
        )
    return ctx.extra["drilldown"]
