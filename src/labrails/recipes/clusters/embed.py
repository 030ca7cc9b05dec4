"""Embeddings of training examples: what a trained model "sees" in each one, as a fixed-length vector.

Two kinds of model are covered:

* a torch classifier whose last layer is an ``nn.Linear`` head (the scaffold's MLP): the penultimate
  layer, i.e. the input of that head, captured with a forward pre-hook, in eval mode (dropout off);
* a transformers model: its last hidden states, mean-pooled over the tokens the attention mask keeps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labrails.core.errors import LabrailsError

if TYPE_CHECKING:
    import numpy as np


def _head(model: Any):
    import torch.nn as nn

    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise LabrailsError(
            f"{type(model).__name__} has no nn.Linear layer, so it has no penultimate layer to embed with",
            fix="pass layer=<the module whose input is the representation you want>",
        )
    return linears[-1]


def penultimate(model: Any, X: Any, *, layer: Any = None, batch_size: int = 1024, device: Any = None) -> np.ndarray:
    """The input of ``layer`` (default: the model's last ``nn.Linear``, its classification head) for every
    row of ``X``, as a float32 array [n, d]. The model is put in eval mode and left there."""
    import numpy as np
    import torch

    head = layer if layer is not None else _head(model)
    if device is None:
        device = next(model.parameters()).device
    captured: list[torch.Tensor] = []

    def keep(_module, inputs):
        captured.append(inputs[0].detach().float().cpu())

    handle = head.register_forward_pre_hook(keep)
    model.eval()
    try:
        with torch.no_grad():
            X = torch.as_tensor(np.asarray(X))
            for start in range(0, len(X), batch_size):
                model(X[start:start + batch_size].to(device))
    finally:
        handle.remove()
    if not captured:
        return np.zeros((0, head.in_features), dtype=np.float32)
    out = torch.cat(captured).numpy()
    if len(out) != len(X):
        raise LabrailsError(f"the head ran on {len(out)} rows for {len(X)} inputs",
                            fix="pass layer= a module that the forward pass calls exactly once per batch")
    return out.astype(np.float32)


def mean_pooled(hidden_states: Any, attention_mask: Any) -> np.ndarray:
    """Mean of ``hidden_states`` [batch, tokens, d] over the tokens where ``attention_mask`` is 1 (padding
    left out), as float32 [batch, d]. Use it on a transformers model's last hidden state
    (``model(**batch, output_hidden_states=True).hidden_states[-1]``)."""
    import numpy as np
    import torch

    h = torch.as_tensor(hidden_states).float()
    mask = torch.as_tensor(attention_mask).to(h.dtype)
    if h.ndim != 3 or mask.shape != h.shape[:2]:
        raise LabrailsError(f"hidden states {tuple(h.shape)} and attention mask {tuple(mask.shape)} do not fit",
                            fix="hidden states are [batch, tokens, d] and the mask [batch, tokens]")
    summed = (h * mask.unsqueeze(-1)).sum(dim=1)
    counts = mask.sum(dim=1, keepdim=True).clamp(min=1.0)
    return (summed / counts).detach().cpu().numpy().astype(np.float32)
