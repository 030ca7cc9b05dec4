# expect: allow
# why: random numbers that initialise parameters are not data.
import math

import torch
from torch import nn


class LowRankLinear(nn.Module):
    def __init__(self, d_in, d_out, rank):
        super().__init__()
        self.weight = torch.randn(d_out, d_in) / math.sqrt(d_in)
        self.U = nn.Parameter(torch.randn(d_out, rank) * 0.02)
        self.V = nn.Parameter(torch.empty(rank, d_in).normal_(0, 0.02))
        self.bias = nn.Parameter(torch.zeros(d_out))
        nn.init.kaiming_uniform_(self.U, a=math.sqrt(5))

    def forward(self, x):
        return x @ (self.U @ self.V).T + self.bias


def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        m.weight.data.normal_(0.0, 0.02)


W = torch.randn(128, 64) * 0.01
