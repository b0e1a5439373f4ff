r"""Self-conditioning: labels for a conditional GAN, found in the images themselves.

An unconditional G must draw ten separate kinds of digit from one connected cloud of
noise, so some of its noise lies between two kinds, where it draws something in between.
Told the digit, a conditional GAN draws each kind from a cloud of its own. Self-conditioning
(after Liu et al., 2020, "Diverse image generation via self-conditioned GANs") gets such
labels without anyone writing them: split the training images into $K$ clusters and train
the conditional GAN on the cluster numbers. To draw, pick cluster $k$ with its share
$\pi_k$ of the training images, then $x = G(z, k)$:

$$p_G(x) = \sum_k \pi_k \, p_G(x \mid k).$$

The clusters are those of *k-means* on the pixels. It looks for $K$ centres $\mu_k$ that
make the squared distance of each image to its nearest centre small,

$$\min_{\mu_1, \dots, \mu_K} \sum_i \min_k \lVert x_i - \mu_k \rVert^2,$$

by Lloyd's algorithm: give each image to its nearest centre, move each centre to the mean
of its images, and repeat. The first centres are picked by k-means++ (Arthur and
Vassilvitskii, 2007): one image at random, then each next one with a probability
proportional to its squared distance to the nearest centre picked so far.
"""
import torch

KMEANS_SEED = 0                # the clusters of a data set are the same for every run
KMEANS_ITERATIONS = 50         # Lloyd steps at most: it stops once no image changes cluster
FIT_ON = 5_000                 # images k-means looks at; the others are then given to the nearest centre


def kmeans(x, k, iterations=KMEANS_ITERATIONS, seed=KMEANS_SEED):
    """Lloyd's k-means from a k-means++ start: rows of ``x`` (N, D) -> (cluster of each row (N,), centres (k, D)).

    Computed in float64 on the CPU; a centre left without rows keeps its place."""
    gen = torch.Generator().manual_seed(seed)
    x = x.detach().cpu().double()
    if not 2 <= k <= len(x):
        raise ValueError(f"k-means needs 2 to {len(x)} clusters for {len(x)} images, got {k}")
    centres = x[torch.randint(len(x), (1,), generator=gen)]                   # k-means++: one at random,
    for _ in range(k - 1):
        d2 = torch.cdist(x, centres).pow(2).min(dim=1).values                  # then far from those picked
        centres = torch.cat([centres, x[torch.multinomial(d2, 1, generator=gen)]])
    before = None
    for _ in range(iterations):
        nearest = torch.cdist(x, centres).argmin(dim=1)                        # each image to its nearest centre
        if before is not None and torch.equal(nearest, before):
            break                                                              # settled: the centres stay
        centres = torch.stack([x[nearest == j].mean(dim=0) if (nearest == j).any() else centres[j]
                               for j in range(k)])                             # each centre to its images' mean
        before = nearest
    return torch.cdist(x, centres).argmin(dim=1), centres


def cluster_labels(images, k, fit_on=FIT_ON):
    """The images' k-means clusters as labels (N,) int64, and each cluster's share of the images (k,).

    The centres are fitted on ``fit_on`` of the images, the same ones every time (all of them
    when there are no more: the offline sample's 4,000); each image then goes to its nearest centre."""
    x = images.detach().cpu().reshape(len(images), -1).double()
    fit = torch.randperm(len(x), generator=torch.Generator().manual_seed(KMEANS_SEED))[:fit_on].sort().values \
        if len(x) > fit_on else slice(None)
    _, centres = kmeans(x[fit], k)
    clusters = torch.cdist(x, centres).argmin(dim=1)
    shares = torch.bincount(clusters, minlength=k).double() / len(clusters)
    return clusters, shares


def purity(clusters, labels, k):
    """The share of images whose cluster's commonest true label is their own: 1 when every
    cluster holds one kind of digit, about the commonest digit's share when clusters are random."""
    hits = sum(int(torch.bincount(labels[clusters == j]).max()) for j in range(k) if (clusters == j).any())
    return hits / len(labels)


def draw_clusters(shares, n, seed=0):
    """``n`` cluster numbers, each ``k`` with probability ``shares[k]``: what a self-conditioned G is asked to draw."""
    gen = torch.Generator().manual_seed(seed)
    return torch.multinomial(torch.as_tensor(shares, dtype=torch.float64), n, replacement=True, generator=gen)
