"""The truncation trick: noise cut to [-t, t], drawn as scipy's truncated normal."""
import pytest
import torch
from click.testing import CliRunner
from scipy import stats

from ganlab.lab.cli import main
from ganlab.lab.sampling import noise


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
    inside = noise(20_000, 16, seed=0)
    kept = inside.abs() <= t                                   # entries inside [-t, t] are not drawn again
    assert torch.equal(z.float()[kept], inside[kept])


def test_truncation_must_be_positive_in_one_line(tmp_path):
    with pytest.raises(ValueError, match="must be positive"):
        noise(2, 4, 0, truncation=0)
    result = CliRunner().invoke(main, ["sample", str(tmp_path / "x.pt"), "--truncation", "-1"])
    assert result.exit_code == 2 and "-1" in result.output
