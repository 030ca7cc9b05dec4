# expect: allow
# why: a random mask applied to real activations is dropout, not fabrication.
import torch


def dropout(x, p=0.1):
    mask = (torch.rand(x.shape) > p).float()
    return x * mask / (1 - p)


def token_dropout(inputs, p, vocab_size):
    keep = torch.rand(inputs.shape) > p
    inputs = torch.where(keep, inputs, torch.randint_like(inputs, vocab_size))
    return inputs
