r"""Numbers that say whether a GAN is good, computed with the digit classifier.

All statistics are computed in float64.
"""
import torch


def sqrtm_psd(A):
    r"""The symmetric square root of a symmetric positive semi-definite matrix.

    With the eigendecomposition $A = V \Lambda V^\top$: $A^{1/2} = V \Lambda^{1/2} V^\top$
    (tiny negative eigenvalues from rounding are clamped to 0).
    """
    A = (A + A.T) / 2
    eigvals, V = torch.linalg.eigh(A)
    return (V * eigvals.clamp(min=0).sqrt()) @ V.T


def frechet_distance(feats_a, feats_b):
    r"""Fréchet distance between Gaussians fitted to two feature sets (N, d):

    $$d^2 = \lVert \mu_a - \mu_b \rVert^2 + \operatorname{tr}\Big(\Sigma_a + \Sigma_b
            - 2\big(\Sigma_a^{1/2} \Sigma_b \Sigma_a^{1/2}\big)^{1/2}\Big)$$

    The inner product is written symmetrically, so only square roots of symmetric
    PSD matrices are needed. This is FID's formula; here the features come from
    the digit classifier instead of Inception.
    """
    a, b = feats_a.double(), feats_b.double()
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = torch.cov(a.T), torch.cov(b.T)
    root_a = sqrtm_psd(cov_a)
    cross = sqrtm_psd(root_a @ cov_b @ root_a)
    value = (mu_a - mu_b).square().sum() + torch.trace(cov_a + cov_b - 2 * cross)
    return max(value.item(), 0.0)


def polynomial_kernel(a, b):
    r"""$k(x, y) = \big(x^\top y / d + 1\big)^3$ for every pair of rows, $d$ the feature size: (N, d), (M, d) -> (N, M)."""
    return (a @ b.T / a.shape[1] + 1) ** 3


def mmd_squared(a, b):
    r"""The unbiased estimate of the squared maximum mean discrepancy with ``polynomial_kernel``:

    $$\widehat{\mathrm{MMD}}^2 = \frac{1}{m(m-1)}\sum_{i \ne j} k(a_i, a_j)
      + \frac{1}{n(n-1)}\sum_{i \ne j} k(b_i, b_j) - \frac{2}{mn}\sum_{i, j} k(a_i, b_j)$$

    Leaving out $i = j$ is what makes it unbiased: its expected value is the true MMD², 0 for
    two samples of the same distribution, whatever their size.
    """
    m, n = len(a), len(b)
    k_aa, k_bb, k_ab = polynomial_kernel(a, a), polynomial_kernel(b, b), polynomial_kernel(a, b)
    return ((k_aa.sum() - k_aa.diagonal().sum()) / (m * (m - 1))
            + (k_bb.sum() - k_bb.diagonal().sum()) / (n * (n - 1)) - 2 * k_ab.mean())


def kernel_distance(feats_a, feats_b, subsets=100, subset_size=1000, seed=0):
    r"""KID (Bińkowski et al. 2018): ``mmd_squared`` over ``subsets`` random subsets of each set,
    as (mean, standard deviation). FID's Gaussian fit is biased at small n (it shrinks as n
    grows); KID is not, so numbers from different sample counts can be compared."""
    a, b = feats_a.double(), feats_b.double()
    size = min(subset_size, len(a), len(b))
    gen = torch.Generator().manual_seed(seed)
    values = torch.stack([mmd_squared(a[torch.randperm(len(a), generator=gen)[:size]],
                                      b[torch.randperm(len(b), generator=gen)[:size]]) for _ in range(subsets)])
    return values.mean().item(), values.std().item()


def inception_score(probs):
    r"""$\exp\big(\mathbb{E}_x\, \mathrm{KL}(p(y \mid x) \,\Vert\, p(y))\big)$: high when each
    image is classified confidently and all classes occur. At most 10 for 10 digits."""
    p = probs.double().clamp(min=1e-12)
    marginal = p.mean(0, keepdim=True)
    return torch.exp((p * (p.log() - marginal.log())).sum(1).mean()).item()


def digit_histogram(probs, classes=10):
    """Share of the samples predicted as each digit, and how many digits get a fair part
    of them (at least a quarter of 1/classes): fewer than 10 means missing modes."""
    counts = torch.bincount(probs.argmax(1), minlength=classes).double()
    shares = counts / counts.sum()
    covered = int((shares >= 0.25 / classes).sum())
    return shares.tolist(), covered


def _kth_neighbour_radius(x, k, chunk=2048):
    """Distance from each row of x to its k-th nearest other row."""
    radii = []
    for block in x.split(chunk):
        d = torch.cdist(block, x)                          # (chunk, N)
        radii.append(d.kthvalue(k + 1, dim=1).values)      # +1: the point itself is at distance 0
    return torch.cat(radii)


def _inside_any_ball(points, centres, radii, chunk=2048):
    inside = []
    for block in points.split(chunk):
        inside.append((torch.cdist(block, centres) <= radii).any(1))
    return torch.cat(inside)


def precision_recall(real_feats, fake_feats, k=3):
    r"""k-nearest-neighbour precision and recall (Kynkäänniemi et al., 2019).

    Each set's manifold is the union of balls around its points, reaching to the k-th
    nearest neighbour. Precision = share of fakes inside the real manifold (are they
    realistic?); recall = share of reals inside the fake manifold (is all of the data
    covered?).
    """
    real, fake = real_feats.double(), fake_feats.double()
    precision = _inside_any_ball(fake, real, _kth_neighbour_radius(real, k)).double().mean().item()
    recall = _inside_any_ball(real, fake, _kth_neighbour_radius(fake, k)).double().mean().item()
    return precision, recall


def nearest_distances(x, train, chunk=1024):
    """Pixel-space distance from each row of x to its nearest training image."""
    return torch.cat([torch.cdist(block.double(), train.double()).min(1).values for block in x.split(chunk)])


def memorization(samples, train, held_out):
    """Share of samples that are near-copies of a training image.

    "Near" is calibrated on real digits the GAN never saw: closer to a training image
    than 99% of held-out digits are. Held-out digits therefore score about 0.01.
    """
    threshold = torch.quantile(nearest_distances(held_out, train), 0.01)
    return (nearest_distances(samples, train) < threshold).double().mean().item()
