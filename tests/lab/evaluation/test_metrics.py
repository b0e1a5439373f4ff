import pytest
import torch

from ganlab.lab.evaluation.metrics import (digit_histogram, frechet_distance, inception_score, kernel_distance, memorization,
                                mmd_squared, precision_recall, sqrtm_psd)


def random_spd(d, seed):
    a = torch.randn(d, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return a @ a.T + 1e-3 * torch.eye(d, dtype=torch.float64)


@pytest.mark.parametrize("seed", range(3))
def test_sqrtm_matches_scipy_on_random_spd_matrices(seed):
    scipy_linalg = pytest.importorskip("scipy.linalg")
    A = random_spd(20, seed)
    root = sqrtm_psd(A)
    torch.testing.assert_close(root @ root, A, atol=1e-9, rtol=1e-9)
    torch.testing.assert_close(root, torch.from_numpy(scipy_linalg.sqrtm(A.numpy()).real), atol=1e-8, rtol=1e-8)


def test_frechet_distance_of_a_set_with_itself_is_zero_and_grows_with_a_shift():
    x = torch.randn(500, 8, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert frechet_distance(x, x) == pytest.approx(0.0, abs=1e-8)
    # shifting the mean by 3 in every coordinate adds |shift|^2 = 9 * 8
    assert frechet_distance(x, x + 3) == pytest.approx(72.0, rel=1e-9)


def test_frechet_distance_matches_the_closed_form_for_diagonal_gaussians():
    gen = torch.Generator().manual_seed(1)
    a = torch.randn(200_000, 2, generator=gen, dtype=torch.float64)
    b = torch.randn(200_000, 2, generator=gen, dtype=torch.float64) * 2      # sigma 2
    # d^2 = tr(I + 4I - 2*2I) = 2 for two dimensions
    assert frechet_distance(a, b) == pytest.approx(2.0, abs=0.03)


def test_inception_score_bounds():
    confident_all_classes = torch.eye(10).repeat(10, 1)
    one_class = torch.zeros(100, 10)
    one_class[:, 3] = 1
    uncertain = torch.full((100, 10), 0.1)
    assert inception_score(confident_all_classes) == pytest.approx(10.0)
    assert inception_score(one_class) == pytest.approx(1.0)
    assert inception_score(uncertain) == pytest.approx(1.0)


def test_digit_histogram_counts_covered_digits():
    probs = torch.eye(10)[torch.tensor([0] * 50 + [1] * 45 + [2] * 5)]
    shares, covered = digit_histogram(probs)
    assert shares[:3] == [0.5, 0.45, 0.05] and covered == 3


def test_precision_recall_same_and_disjoint_distributions():
    gen = torch.Generator().manual_seed(2)
    real = torch.randn(800, 4, generator=gen)
    same = torch.randn(800, 4, generator=gen)
    p, r = precision_recall(real, same)
    assert p > 0.85 and r > 0.85
    p, r = precision_recall(real, same + 50)
    assert p == 0 and r == 0
    collapsed = real[:1].repeat(800, 1) + 0.01 * torch.randn(800, 4, generator=gen)
    p, r = precision_recall(real, collapsed)
    assert p > 0.9 and r < 0.05                         # realistic, but not diverse


def test_memorization_flags_copies_not_fresh_samples():
    gen = torch.Generator().manual_seed(3)
    train = torch.rand(300, 784, generator=gen) * 2 - 1
    held_out = torch.rand(200, 784, generator=gen) * 2 - 1
    copies = train[:100] + 0.001
    assert memorization(copies, train, held_out) == 1.0
    assert memorization(torch.rand(100, 784, generator=gen) * 2 - 1, train, held_out) < 0.1


@pytest.mark.parametrize("seed", [0, 1])
def test_mmd_squared_matches_torchmetrics_poly_mmd(seed):
    from torchmetrics.image.kid import poly_mmd
    gen = torch.Generator().manual_seed(seed)
    a = torch.randn(300, 16, generator=gen, dtype=torch.float64)
    b = torch.randn(300, 16, generator=gen, dtype=torch.float64) * 1.2 + 0.3
    torch.testing.assert_close(mmd_squared(a, b), poly_mmd(a, b, degree=3, gamma=1 / 16, coef=1.0),
                               atol=1e-10, rtol=1e-10)


def test_kid_is_unbiased_where_fid_is_not():
    """Pairs of samples of one distribution: FID is positive and shrinks as n grows; KID averages to 0 at any n."""
    gen = torch.Generator().manual_seed(0)
    def draw(n):
        return torch.randn(n, 16, generator=gen, dtype=torch.float64)
    fid = {n: frechet_distance(draw(n), draw(n)) for n in (100, 2000)}
    assert fid[100] > 5 * fid[2000] > 0
    for n in (100, 1000):
        kids = torch.stack([mmd_squared(draw(n), draw(n)) for _ in range(40)])     # 40 independent pairs
        assert kids.mean().abs() < 3 * kids.std() / 40 ** 0.5                      # within 3 standard errors of 0
    mean, sd = kernel_distance(draw(500), draw(500) + 0.5, subsets=20, subset_size=250)
    assert mean > 10 * sd                                                          # and it sees a real difference
