"""The clusters artifact of a run: ``clusters/`` inside the run directory, and reading it back.

```
runs/<run>/clusters/
    embeddings.npz     ids, labels and the embedding of every training example (so it can be re-clustered)
    assignments.csv    id,label,cluster,probability   one row per example; cluster -1 is noise
    summary.json       sizes, noise share, label mix per cluster, HDBSCAN's parameters, and provenance:
                       the source run (name, identity, code version, config hash), the checkpoint, the
                       split file and its sha256, the dataset fingerprint, the sha256 of assignments.csv
    clusters.webp      the embeddings' first two principal components, one colour per cluster
```

A later run references it the way the cartography strategies reference training dynamics
(``clusters.assignments: runs/*-full-baseline-seed{seed}``) and checks the provenance against its own
split file and data before it filters anything.
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labrails.core.errors import LabrailsError
from labrails.core.fsutil import read_json, write_atomic, write_json
from labrails.recipes.cartography.dynamics import _clean_ids, _preview
from labrails.recipes.clusters.cluster import DEFAULTS, cluster_embeddings, plot_clusters, summarize

if TYPE_CHECKING:
    from collections.abc import Sequence

CLUSTERS_DIR = "clusters"
ASSIGNMENTS = "assignments.csv"
SUMMARY = "summary.json"
EMBEDDINGS = "embeddings.npz"
PLOT = "clusters.webp"
SUMMARY_PATH = Path(CLUSTERS_DIR) / SUMMARY
COLUMNS = ("id", "label", "cluster", "probability")

MAKE_FIX = ("make them from a completed run: train a baseline with `clusters.embed: true` (the cartography suite's "
            "baseline does), or run `labrails clusters RUN` on a run that saved clusters/embeddings.npz")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _provenance(run_dir: Path) -> dict[str, Any]:
    """Who made the embeddings: the run's identity and the data it trained on, from its own records."""
    from labrails.core.runinfo import read_run_json

    info = read_run_json(run_dir)
    data_path = run_dir / "data.json"
    if not data_path.is_file():
        raise LabrailsError("the run has no data.json, so its clusters could not say which data they describe",
                            path=data_path, fix="call run.record_data(...) before making clusters (the scaffold does)")
    data = read_json(data_path)
    return {
        "run": run_dir.name, "identity": info.get("identity"), "code_version": info.get("code_version"),
        "config_hash": info.get("config_hash"), "profile": info.get("profile"),
        "split_file": data.get("split_file"), "split_sha256": data.get("split_sha256"),
        "data_fingerprint": data.get("fingerprint"), "data_source": data.get("source"),
    }


def save_embeddings(run_dir: Path | str, ids: Sequence[int | str], embeddings: Any, labels: Sequence[Any], *,
                    embedding: str) -> Path:
    """clusters/embeddings.npz: what ``labrails clusters RUN`` re-clusters without the model."""
    import numpy as np

    ids = _clean_ids(ids)
    emb = np.asarray(embeddings, dtype=np.float32)
    if emb.ndim != 2 or len(emb) != len(ids) or len(labels) != len(ids):
        raise LabrailsError(f"{len(ids)} ids, {len(labels)} labels and embeddings of shape {emb.shape} do not line up",
                            fix="pass one embedding row and one label per id, in the same order")
    if len(set(ids)) != len(ids):
        raise LabrailsError("the same id appears twice among the embedded examples", fix="embed each training example once")
    out = Path(run_dir) / CLUSTERS_DIR / EMBEDDINGS
    out.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, ids=np.asarray(ids), embeddings=emb, labels=np.asarray(labels),
                        embedding=np.asarray(embedding))
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(out)
    return out


def make_clusters(run_dir: Path | str, ids: Sequence[int | str], embeddings: Any, labels: Sequence[Any], *,
                  embedding: str, min_cluster_size: int = DEFAULTS["min_cluster_size"],
                  min_samples: int | None = DEFAULTS["min_samples"], pca_components: int | None = DEFAULTS["pca_components"],
                  checkpoint: str | None = None, replace: bool = False) -> dict[str, Any]:
    """Save the embeddings, cluster them, and write assignments.csv, summary.json and the plot under
    ``run_dir/clusters/``. Refuses to replace assignments that exist (later runs may have filtered by
    them) unless ``replace``. Returns the summary."""
    run_dir = Path(run_dir)
    target = run_dir / CLUSTERS_DIR / ASSIGNMENTS
    if target.exists() and not replace:
        raise LabrailsError("cluster assignments already exist here; runs that filtered by them record their sha256",
                            path=target, fix="pass --replace (replace=True) to re-cluster anyway")
    provenance = _provenance(run_dir)
    save_embeddings(run_dir, ids, embeddings, labels, embedding=embedding)
    return _write(run_dir, _clean_ids(ids), embeddings, list(labels), embedding=embedding, checkpoint=checkpoint,
                  provenance=provenance, params={"min_cluster_size": min_cluster_size, "min_samples": min_samples,
                                                 "pca_components": pca_components})


def recluster(run_dir: Path | str, *, min_cluster_size: int = DEFAULTS["min_cluster_size"],
              min_samples: int | None = DEFAULTS["min_samples"], pca_components: int | None = DEFAULTS["pca_components"],
              replace: bool = False) -> dict[str, Any]:
    """Cluster the embeddings a completed run saved (``labrails clusters RUN``)."""
    import numpy as np

    run_dir = Path(run_dir)
    source = run_dir / CLUSTERS_DIR / EMBEDDINGS
    if not source.is_file():
        raise LabrailsError("this run saved no embeddings, so there is nothing to cluster", path=source,
                            fix="train a run with `clusters.embed: true` (it embeds every training example with its "
                                "best checkpoint); then cluster it, or re-cluster it with other parameters here")
    target = run_dir / CLUSTERS_DIR / ASSIGNMENTS
    if target.exists() and not replace:
        raise LabrailsError("cluster assignments already exist here; runs that filtered by them record their sha256",
                            path=target, fix="pass --replace to re-cluster anyway (e.g. with another --min-cluster-size)")
    with np.load(source, allow_pickle=False) as npz:
        ids = _clean_ids(npz["ids"])
        embeddings, labels = npz["embeddings"], npz["labels"].tolist()
        embedding = str(npz["embedding"])
    checkpoint = None
    if (run_dir / SUMMARY_PATH).is_file():
        checkpoint = read_json(run_dir / SUMMARY_PATH).get("provenance", {}).get("checkpoint")
    return _write(run_dir, ids, embeddings, labels, embedding=embedding, checkpoint=checkpoint,
                  provenance=_provenance(run_dir), params={"min_cluster_size": min_cluster_size,
                                                           "min_samples": min_samples, "pca_components": pca_components})



def _write(run_dir: Path, ids: list[int | str], embeddings: Any, labels: list[Any], *, embedding: str,
           checkpoint: str | None, provenance: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    import sklearn

    import labrails

    result = cluster_embeddings(embeddings, **params)
    folder = run_dir / CLUSTERS_DIR
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\n")
    writer.writerow(COLUMNS)
    for i, label, c, p in zip(ids, labels, result.clusters.tolist(), result.probabilities.tolist()):
        writer.writerow([i, label, c, f"{p:.6f}"])
    write_atomic(folder / ASSIGNMENTS, rows.getvalue())
    plot = plot_clusters(embeddings, result.clusters, folder / PLOT,
                         title=f"HDBSCAN clusters of the training examples, PCA projection\n{run_dir.name}")
    summary = {
        **summarize(result.clusters, labels),
        "params": result.params,
        "id_type": "int" if all(isinstance(i, int) for i in ids) else "str",
        "provenance": {**provenance, "embedding": embedding, "checkpoint": checkpoint,
                       "assignments_sha256": sha256_file(folder / ASSIGNMENTS),
                       "labrails": labrails.__version__, "sklearn": sklearn.__version__,
                       "created_at": time.strftime("%Y-%m-%dT%H:%M:%S")},
        "files": {"assignments": ASSIGNMENTS, "embeddings": EMBEDDINGS, "plot": plot.name},
    }
    write_json(folder / SUMMARY, summary)
    return summary


# --------------------------------------------------------------------------------------------- reading


@dataclass
class Assignments:
    """A clusters artifact read back: per id its cluster, membership probability and label."""

    path: Path                      # the assignments.csv
    ids: list[int | str]
    cluster: dict[Any, int]
    probability: dict[Any, float]
    label: dict[Any, str]
    provenance: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def cluster_ids(self) -> list[int]:
        return sorted(set(self.cluster.values()))


def resolve_assignments_path(source: Path | str) -> Path:
    """assignments.csv as given, or inside a run directory or its clusters/ folder."""
    p = Path(source)
    if p.is_dir():
        return p / ASSIGNMENTS if (p / ASSIGNMENTS).exists() or p.name == CLUSTERS_DIR else p / CLUSTERS_DIR / ASSIGNMENTS
    return p


def load_assignments(source: Path | str) -> Assignments:
    """Read and check a clusters artifact; every problem names the file and what to do."""
    path = resolve_assignments_path(source)
    if not path.is_file():
        raise LabrailsError("no cluster assignments here", path=path, fix=MAKE_FIX)
    summary_path = path.with_name(SUMMARY)
    if not summary_path.is_file():
        raise LabrailsError(f"{path.name} has no {SUMMARY} beside it, so nothing says which split and data it describes",
                            path=summary_path, fix=MAKE_FIX)
    summary = read_json(summary_path)
    as_int = summary.get("id_type", "int") == "int"
    ids: list[int | str] = []
    cluster: dict[Any, int] = {}
    probability: dict[Any, float] = {}
    label: dict[Any, str] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None or tuple(header) != COLUMNS:
            raise LabrailsError(f"the header is {header!r}, expected {','.join(COLUMNS)}", path=path, fix=MAKE_FIX)
        for lineno, row in enumerate(reader, start=2):
            try:
                raw_id, raw_label, raw_cluster, raw_p = row
                key: int | str = int(raw_id) if as_int else raw_id
                c, p = int(raw_cluster), float(raw_p)
            except ValueError as exc:
                raise LabrailsError(f"line {lineno} is not id,label,cluster,probability ({exc})", path=path, fix=MAKE_FIX) from None
            if not 0.0 <= p <= 1.0 or c < -1:
                raise LabrailsError(f"line {lineno}: cluster {c} / probability {p} is out of range "
                                    "(clusters are -1 or more, probabilities in [0, 1])", path=path, fix=MAKE_FIX)
            if key in cluster:
                raise LabrailsError(f"line {lineno}: id {key!r} appears twice", path=path, fix=MAKE_FIX)
            ids.append(key)
            cluster[key], probability[key], label[key] = c, p, raw_label
    if not ids:
        raise LabrailsError("the assignments file has no rows", path=path, fix=MAKE_FIX)
    return Assignments(path=path, ids=ids, cluster=cluster, probability=probability, label=label,
                       provenance=dict(summary.get("provenance") or {}), summary=summary)


def missing_ids(assignments: Assignments, ids: Sequence[int | str]) -> list[int | str]:
    return [i for i in _clean_ids(ids) if i not in assignments.cluster]


def describe_missing(assignments: Assignments, missing: list[int | str], n: int) -> str:
    return f"{len(missing)} of the {n} training ids are not in {assignments.path.name} (e.g. {_preview(missing, 3)})"


# --------------------------------------------------------------------------------------------- a run's clusters


def cluster_run(run_dir: Path | str, *, min_cluster_size: int | None = None, min_samples: int | None = None,
                pca_components: int | None = None, replace: bool = False) -> dict[str, Any]:
    """``labrails clusters RUN``: the run's clusters summary, made from its saved embeddings when it has
    none yet (or when ``replace``). Parameters left as None keep the run's own (or the defaults)."""
    from labrails.core.runinfo import current_status

    run_dir = Path(run_dir)
    status = current_status(run_dir).get("status")
    if status != "completed":
        raise LabrailsError(f"the run is {status}, not completed: its checkpoint and embeddings may not be final",
                            path=run_dir / "run.json", fix="cluster a completed run (list them with `labrails runs`)")
    summary_path = run_dir / SUMMARY_PATH
    if summary_path.is_file() and (run_dir / CLUSTERS_DIR / ASSIGNMENTS).is_file() and not replace:
        return read_json(summary_path)
    previous = read_json(summary_path).get("params", {}) if summary_path.is_file() else {}
    chosen = {name: value if value is not None else previous.get(name, DEFAULTS[name])
              for name, value in (("min_cluster_size", min_cluster_size), ("min_samples", min_samples),
                                  ("pca_components", pca_components))}
    return recluster(run_dir, replace=True, **chosen)


def format_summary(summary: dict[str, Any], run_dir: Path | str) -> str:
    """The summary as the CLI prints it: one line per cluster, its size and label mix."""
    folder = Path(run_dir) / CLUSTERS_DIR
    params = summary.get("params") or {}
    lines = [f"{summary['n']} examples, {summary['n_clusters']} clusters, noise (-1) {summary['noise_share']:.1%} "
             f"(HDBSCAN min_cluster_size={params.get('min_cluster_size')}, min_samples={params.get('min_samples')}, "
             f"pca_components={params.get('pca_components')})"]
    for cluster, info in summary["clusters"].items():
        mix = ", ".join(f"{label}: {n}" for label, n in sorted(info["labels"].items(), key=lambda kv: -kv[1])[:4])
        more = " ..." if len(info["labels"]) > 4 else ""
        lines.append(f"  cluster {cluster:>3}  size {info['size']:>5}  purity {info['purity']:.2f}  labels {mix}{more}")
    made = summary.get("provenance") or {}
    lines.append(f"made from runs/{made.get('run')} (identity {made.get('identity')}, {made.get('embedding')})")
    lines.append(f"files: {folder / ASSIGNMENTS}, {folder / SUMMARY}, {folder / (summary.get('files') or {}).get('plot', PLOT)}")
    lines.append(f'filter by them in a later run: clusters.assignments: "runs/{Path(run_dir).name}", '
                 "clusters.exclude_clusters: [-1] and/or clusters.min_cluster_probability: 0.5")
    return "\n".join(lines)
