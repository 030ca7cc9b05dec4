# expect: allow
# why: reparameterisation noise and latent draws feed a decoder; the outputs are model samples.
import torch


def reparameterize(mu, logvar):
    std = torch.exp(0.5 * logvar)
    eps = torch.randn_like(std)
    return mu + eps * std


def sample_images(decoder, batch, latent_dim):
    z = torch.randn(batch, latent_dim)
    samples = decoder(z)
    return samples
