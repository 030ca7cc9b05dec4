# expect: allow
# why: GAN latents, generated samples and discriminator targets are part of the model, not the dataset.
import torch

for real_images, _ in loader:
    b = real_images.size(0)
    z = torch.randn(b, latent_dim)
    fake_images = generator(z)
    real_labels = torch.ones(b, 1) - 0.1 * torch.rand(b, 1)
    fake_labels = torch.zeros(b, 1)
    loss = bce(disc(real_images), real_labels) + bce(disc(fake_images.detach()), fake_labels)
