"""The truncation trick: noise cut to [-t, t], drawn as scipy's truncated normal."""
import pytest
import torch
from click.testing import CliRunner
from scipy import stats

from ganlab.lab.cli import main
from ganlab.lab.training.sampling import noise


def test_without_truncation_the_noise_is_torchs_normal_of_the_seed():
    expected = torch.randn(5, 64, generator=torch.Generator().manual_seed(3))
    assert torch.equal(noise(5, 64, seed=3), expected)


@pytest.mark.parametrize("t", [0.5, 1.0, 2.0])
def test_truncated_noise_follows_scipys_truncated_normal(t):
    z = noise(20_000, 16, seed=0, truncation=t).double()
    assert z.abs().max() <= t
    reference = stats.truncnorm(-t, t)
    assert z.var().item() == pytest.approx(reference.var(), rel=0.02)
    # the share below a quarter of the range, against the distribution's own
    assert (z < -t / 2).double().mean().item() == pytest.approx(reference.cdf(-t / 2), abs=0.005)
    # the whole distribution: Kolmogorov-Smirnov against scipy's truncated normal
    assert stats.kstest(z.flatten()[:50_000].numpy(), reference.cdf).statistic < 0.01


@pytest.mark.timeout(30)
def test_a_tiny_truncation_is_drawn_at_once_not_by_rejection():
    # rejection would redraw each entry about a million times at t = 1e-6; so narrow a cut of
    # the normal is flat, the uniform distribution on [-t, t] (scipy's truncnorm gives no moments there)
    t = 1e-6
    z = noise(1000, 64, seed=0, truncation=t).double()
    assert z.abs().max() <= t
    assert stats.kstest(z.flatten().numpy(), stats.uniform(-t, 2 * t).cdf).statistic < 0.02


def test_truncation_must_be_positive_in_one_line(tmp_path):
    for bad in (0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="must be positive"):
            noise(2, 4, 0, truncation=bad)
    result = CliRunner().invoke(main, ["sample", str(tmp_path / "x.pt"), "--truncation", "-1"])
    assert result.exit_code == 2 and "-1" in result.output


def test_the_conditioning_of_each_kind_of_run_asks_for_its_labels():
    from ganlab.lab.training.conditioning import Conditioning
    from ganlab.lab.training.config import make_config
    plain = Conditioning.of(make_config())
    digits = Conditioning.of(make_config(conditional=True))
    clusters = Conditioning.of(make_config(conditional=True, clusters=3, cluster_shares=[0.5, 0.0, 0.5]))
    assert (plain.kind, digits.kind, clusters.kind) == ("none", "digits", "clusters")
    assert plain.labels(5) is None and digits.labels(12).tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    assert digits.labels(3, digit=7).tolist() == [7, 7, 7] and set(clusters.labels(200).tolist()) == {0, 2}
    assert (plain.default_samples(), digits.default_samples(), digits.default_samples(7)) == (64, 80, 64)
    assert digits.row_name(12) == "digit 2" and clusters.row_name(4) == "cluster 1"
    for conditioning, message in ((plain, "not conditional"), (clusters, "k-means clusters")):
        with pytest.raises(ValueError, match=message):
            conditioning.labels(3, digit=1)
    with pytest.raises(ValueError, match="--digit must be 0 to 9, got 10"):
        digits.labels(3, digit=10)
