"""Cluster filtering: embed every training example with a trained model, cluster the embeddings with
HDBSCAN, and train later runs without chosen clusters or without weak members.

A completed run embeds its training examples (``embed``: the penultimate layer of the scaffold's MLP,
or mean-pooled hidden states of a transformers model), clusters them (``cluster``: scikit-learn's
HDBSCAN, which gives a membership probability and calls outliers noise, -1) and records the result as
an artifact of that run, with its provenance (``artifact``: ``runs/<run>/clusters/``). A later run's
``clusters:`` section says which clusters to drop and how weak a membership may be (``filters``);
``labrails.recipes.combined`` applies those rules with the cartography strategies, in one order.

``labrails clusters RUN`` (re-)clusters a run's saved embeddings; ``labrails new NAME --template
cartography`` makes an experiment whose baseline embeds and clusters (``clusters.embed: true``).
"""

from __future__ import annotations

from labrails.recipes.clusters.artifact import (
    ASSIGNMENTS,
    CLUSTERS_DIR,
    Assignments,
    load_assignments,
    make_clusters,
    recluster,
    resolve_assignments_path,
)
from labrails.recipes.clusters.cluster import NOISE, Clustering, cluster_embeddings, plot_clusters, summarize
from labrails.recipes.clusters.embed import mean_pooled, penultimate
from labrails.recipes.clusters.filters import (
    CLUSTERS_SCHEMA,
    apply_rules,
    check_provenance,
    check_rules,
    check_section,
    filters_active,
)

__all__ = [
    "ASSIGNMENTS",
    "CLUSTERS_DIR",
    "CLUSTERS_SCHEMA",
    "NOISE",
    "Assignments",
    "Clustering",
    "apply_rules",
    "check_provenance",
    "check_rules",
    "check_section",
    "cluster_embeddings",
    "filters_active",
    "load_assignments",
    "make_clusters",
    "mean_pooled",
    "penultimate",
    "plot_clusters",
    "recluster",
    "resolve_assignments_path",
    "summarize",
]
