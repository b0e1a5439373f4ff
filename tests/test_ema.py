"""The averaged G against torch.optim.swa_utils.AveragedModel, with ganlab's warm-up as its avg_fn."""
import pytest
import torch
from torch.optim.swa_utils import AveragedModel

from ganlab.reference.twin import twin_generator
from parity import DTYPES
from test_gan import SMALL, batches, gan_of

TOL = {torch.float64: 1e-12, torch.float32: 1e-6}


def warmed_up_ema(decay):
    """torch's averaging rule, written from the formula: d = min(decay, (1 + t) / (10 + t))."""
    def avg_fn(average, new, t):
        d = min(decay, (1 + t.item()) / (10 + t.item()))
        return average + (1 - d) * (new - average)
    return avg_fn


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("decay", [0.9, 0.999])
def test_averaged_g_matches_averaged_model(dtype, decay):
    gan = gan_of(**SMALL, ema=decay, dtype=dtype, generator=torch.Generator().manual_seed(2))
    module = twin_generator(SMALL["latent_dim"], 32, SMALL["image_dim"]).to(dtype)
    module.load_state_dict(gan.G.state_dict())
    theirs = AveragedModel(module, avg_fn=warmed_up_ema(decay))
    theirs.update_parameters(module)                                    # the first call copies
    for batch in batches(dtype, "cpu", steps=30):
        gan.step(*batch)
        module.load_state_dict(gan.G.state_dict())
        theirs.update_parameters(module)
    ours = gan.G_ema.state_dict()
    assert set(ours) == set(theirs.module.state_dict())
    for name, value in theirs.module.state_dict().items():
        torch.testing.assert_close(ours[name], value, atol=TOL[dtype], rtol=0)
    # and the average really lags G: it is not G's last weights
    assert max((gan.G_ema.state_dict()[k] - gan.G.state_dict()[k]).abs().max() for k in ours) > 1e-4
