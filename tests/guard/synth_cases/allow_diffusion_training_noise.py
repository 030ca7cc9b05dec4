# expect: allow
# why: the forward diffusion process adds noise to real images; the noise is the regression target.
import torch
import torch.nn.functional as F


def diffusion_loss(model, x0, alphas_cumprod):
    t = torch.randint(0, len(alphas_cumprod), (x0.shape[0],), device=x0.device)
    noise = torch.randn_like(x0)
    a = alphas_cumprod[t].view(-1, 1, 1, 1)
    x_t = a.sqrt() * x0 + (1 - a).sqrt() * noise
    return F.mse_loss(model(x_t, t), noise)
