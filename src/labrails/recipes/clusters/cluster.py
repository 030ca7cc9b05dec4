"""Clustering embeddings with HDBSCAN, the summary of the clusters found, and their 2-D picture.

HDBSCAN (scikit-learn's ``sklearn.cluster.HDBSCAN``) finds dense groups without being told how many,
calls the points that belong to none "noise" (cluster -1), and gives every point a membership
probability (0 for noise, 1 at the heart of a cluster): exactly what ``exclude_clusters: [-1]`` and
``min_cluster_probability`` filter on.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labrails.core.errors import LabrailsError

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np

NOISE = -1
DEFAULTS: dict[str, Any] = {"min_cluster_size": 10, "min_samples": None, "pca_components": None}


@dataclass
class Clustering:
    """One cluster id (``NOISE`` for none) and one membership probability per embedded example."""

    clusters: np.ndarray       # int64 [n]
    probabilities: np.ndarray  # float64 [n], in [0, 1]
    params: dict[str, Any]


def cluster_embeddings(embeddings: Any, *, min_cluster_size: int = 10, min_samples: int | None = None,
                       pca_components: int | None = None, seed: int = 0) -> Clustering:
    """HDBSCAN on ``embeddings`` [n, d]; ``pca_components`` first projects them to that many principal
    components (density estimates degrade in many dimensions; the scaffold's 128 are fine as they are)."""
    import numpy as np
    from sklearn.cluster import HDBSCAN

    emb = np.asarray(embeddings, dtype=np.float64)
    if emb.ndim != 2 or len(emb) < 2:
        raise LabrailsError(f"embeddings must be a 2-D array with at least 2 rows, got shape {emb.shape}")
    if not np.all(np.isfinite(emb)):
        raise LabrailsError("the embeddings hold NaN or infinite values",
                            fix="embed with a checkpoint whose training did not diverge (the run's best.pt)")
    if isinstance(min_cluster_size, bool) or not isinstance(min_cluster_size, int) or min_cluster_size < 2:
        raise LabrailsError(f"min_cluster_size must be an integer >= 2, got {min_cluster_size!r}")
    if min_samples is not None and (isinstance(min_samples, bool) or not isinstance(min_samples, int) or min_samples < 1):
        raise LabrailsError(f"min_samples must be a positive integer or null, got {min_samples!r}")
    if pca_components:
        from sklearn.decomposition import PCA

        emb = PCA(n_components=min(int(pca_components), *emb.shape), random_state=seed).fit_transform(emb)
    kwargs: dict[str, Any] = {"min_cluster_size": min_cluster_size, "min_samples": min_samples}
    if "copy" in inspect.signature(HDBSCAN).parameters:
        kwargs["copy"] = True  # never modify the caller's array (and no FutureWarning about the default)
    fitted = HDBSCAN(**kwargs).fit(emb)
    params = {"algorithm": "sklearn.cluster.HDBSCAN", "min_cluster_size": min_cluster_size,
              "min_samples": min_samples, "pca_components": pca_components}
    return Clustering(np.asarray(fitted.labels_, dtype=np.int64),
                      np.clip(np.asarray(fitted.probabilities_, dtype=np.float64), 0.0, 1.0), params)


def summarize(clusters: Sequence[int], labels: Sequence[Any]) -> dict[str, Any]:
    """Cluster sizes, the noise share, and each cluster's label mix (counts, and its majority label's share)."""
    import numpy as np

    clusters = np.asarray(clusters)
    labels = np.asarray(labels)
    out: dict[str, Any] = {"n": int(len(clusters)), "n_clusters": int(len({int(c) for c in clusters} - {NOISE})),
                           "noise_share": float(np.mean(clusters == NOISE)) if len(clusters) else 0.0, "clusters": {}}
    for c in sorted({int(c) for c in clusters}):
        members = labels[clusters == c]
        values, counts = np.unique(members, return_counts=True)
        mix = {str(v.item() if hasattr(v, "item") else v): int(n) for v, n in zip(values, counts)}
        out["clusters"][str(c)] = {"size": int(len(members)), "labels": mix,
                                   "purity": float(counts.max() / len(members)) if len(members) else 0.0}
    return out


def plot_clusters(embeddings: Any, clusters: Sequence[int], out_path: Path | str, *, title: str | None = None) -> Path:
    """The embeddings' first two principal components, one colour per cluster, noise in grey.
    WebP where this matplotlib can write it, else PNG; returns the path written."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from sklearn.decomposition import PCA

    from labrails.recipes.cartography.datamap import _webp_supported

    emb = np.asarray(embeddings, dtype=np.float64)
    clusters = np.asarray(clusters)
    xy = PCA(n_components=2, random_state=0).fit_transform(emb) if emb.shape[1] > 2 else emb
    out = Path(out_path)
    if out.suffix.lower() in ("", ".webp"):
        out = out.with_suffix(".webp" if _webp_supported() else ".png")
    out.parent.mkdir(parents=True, exist_ok=True)
    fig = Figure(figsize=(7, 6), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    size = float(np.clip(20000 / max(len(xy), 1), 3, 40))
    noise = clusters == NOISE
    ax.scatter(xy[noise, 0], xy[noise, 1], c="lightgrey", s=size, linewidths=0, label=f"noise ({int(noise.sum())})")
    ids = sorted(set(int(c) for c in clusters) - {NOISE})
    import matplotlib

    cmap = matplotlib.colormaps["tab20"]
    for k, c in enumerate(ids):
        mask = clusters == c
        colour = cmap(k % cmap.N)
        ax.scatter(xy[mask, 0], xy[mask, 1], s=size, linewidths=0, alpha=0.8, color=colour, label=f"{c} ({int(mask.sum())})")
        cx, cy = np.median(xy[mask], axis=0)
        ax.text(cx, cy, str(c), fontsize=9, weight="bold", ha="center", va="center")
    ax.set_xlabel("principal component 1")
    ax.set_ylabel("principal component 2")
    ax.set_title(title or f"{len(ids)} clusters (HDBSCAN), {int(noise.sum())} noise points, PCA projection", fontsize=10)
    ax.legend(fontsize=7, markerscale=1.5, loc="best", ncol=2, title="cluster (size)")
    fig.tight_layout()
    fig.savefig(out)
    return out

