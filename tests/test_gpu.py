"""fit() and the lab on CUDA agree with the CPU run (skipped on machines without CUDA).

The CPU and the GPU run different float32 kernels (MKL/oneDNN vs cuBLAS), so results agree
to float32 rounding accumulated over the steps, not bit for bit. The batches are the same
on both devices: fit draws its shuffling permutation on the CPU.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlp_lab.pytorch import fit
from mlp_lab.pytorch.lab import build_seed_network, run_lab

from conftest import make_blobs

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (none on this machine)")

# float32 agreement after 100 Adam steps: relative 1e-3 on losses, 1e-3 absolute on weights.
RTOL, ATOL = 1e-3, 1e-5


def test_lab_on_cuda_matches_cpu():
    cpu = run_lab(device="cpu")
    gpu = run_lab(device="cuda")
    assert gpu.device.startswith("cuda")
    assert next(gpu.model.parameters()).is_cuda
    np.testing.assert_allclose(gpu.losses, cpu.losses, rtol=RTOL, atol=ATOL)
    assert gpu.accuracy == cpu.accuracy
    for p_gpu, p_cpu in zip(gpu.model.parameters(), cpu.model.parameters(), strict=True):
        torch.testing.assert_close(p_gpu.detach().cpu(), p_cpu.detach(), rtol=RTOL, atol=1e-3)


def test_faithful_lab_on_cuda_matches_cpu():
    cpu = run_lab(device="cpu", faithful=True)
    gpu = run_lab(device="cuda", faithful=True)
    np.testing.assert_allclose(gpu.losses, cpu.losses, rtol=RTOL, atol=ATOL)


def test_minibatch_fit_on_cuda_matches_cpu():
    X, y = make_blobs(200, n_classes=3, seed=0)
    models = {}
    hists = {}
    for device in ("cpu", "cuda"):
        torch.manual_seed(0)
        models[device] = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
        hists[device] = fit(models[device], X, y, loss="cross_entropy", lr=0.01, epochs=10, batch_size=32,
                            X_val=X[:50], y_val=y[:50], seed=4, device=device)
    assert hists["cuda"].params["device"].startswith("cuda")
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(hists["cuda"][key], hists["cpu"][key], rtol=RTOL, atol=ATOL)


def test_cuda_tensors_as_input_and_divergence_on_cuda():
    X, y = make_blobs(64, n_classes=2, seed=1)
    X_t = torch.as_tensor(X, device="cuda")
    y_t = torch.as_tensor(y, device="cuda")
    hist = fit(build_seed_network(seed=0), X_t, y_t.double(), loss="bce", lr=0.01, epochs=5, device="cuda")
    assert len(hist) == 5
    with pytest.raises(FloatingPointError, match="diverged at epoch"):
        fit(build_seed_network(seed=0), X_t, (X_t.sum(1) * 1e3), loss="mse", optimizer="sgd", lr=1e3,
            epochs=50, metrics=(), device="cuda")
