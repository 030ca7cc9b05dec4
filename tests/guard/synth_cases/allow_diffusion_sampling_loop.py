# expect: allow
# why: samplers start from pure noise and refine it step by step; that is generation, not training data.
import torch


@torch.no_grad()
def p_sample_loop(model, shape, timesteps):
    img = torch.randn(shape)
    for t in reversed(range(timesteps)):
        img = model.denoise_step(img, t)
    return img


def ddim_sample(model, n, steps):
    x = torch.randn(n, 3, 64, 64)
    for t in steps:
        x = x - model(x, t) / len(steps)
    return x
