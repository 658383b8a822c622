"""Learning-rate schedules and gradient clipping against torch.optim.lr_scheduler and clip_grad_norm_."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch

from mlp_lab.scratch import schedules

RTOL, ATOL = 1e-12, 1e-15
STEPS = 60


def torch_lrs(make_scheduler, *, lr: float, steps: int = STEPS) -> np.ndarray:
    """The learning rate PyTorch uses at steps 0..steps-1 (one scheduler.step() per optimizer step)."""
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    sched = make_scheduler(opt)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(out)


lr_sched = torch.optim.lr_scheduler


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda t: schedules.step_lr(t, lr=0.3, step_size=7, gamma=0.5),
         lambda o: lr_sched.StepLR(o, step_size=7, gamma=0.5)),
        (lambda t: schedules.cosine_lr(t, lr=0.3, T_max=25),
         lambda o: lr_sched.CosineAnnealingLR(o, T_max=25)),
        (lambda t: schedules.cosine_lr(t, lr=0.3, T_max=40, eta_min=0.01),
         lambda o: lr_sched.CosineAnnealingLR(o, T_max=40, eta_min=0.01)),
        (lambda t: schedules.linear_lr(t, lr=0.3, start_factor=0.1, total_iters=10),
         lambda o: lr_sched.LinearLR(o, start_factor=0.1, total_iters=10)),
        (lambda t: schedules.linear_lr(t, lr=0.3),
         lambda o: lr_sched.LinearLR(o)),
        (lambda t: schedules.exponential_lr(t, lr=0.3, gamma=0.93),
         lambda o: lr_sched.ExponentialLR(o, gamma=0.93)),
        (lambda t: schedules.warmup_cosine_lr(t, lr=0.3, warmup=8, T_max=52, start_factor=0.1),
         lambda o: lr_sched.SequentialLR(o, [lr_sched.LinearLR(o, start_factor=0.1, total_iters=8),
                                             lr_sched.CosineAnnealingLR(o, T_max=52)], milestones=[8])),
        (lambda t: schedules.warmup_cosine_lr(t, lr=0.3, warmup=5, T_max=30, start_factor=0.2, eta_min=0.003),
         lambda o: lr_sched.SequentialLR(o, [lr_sched.LinearLR(o, start_factor=0.2, total_iters=5),
                                             lr_sched.CosineAnnealingLR(o, T_max=30, eta_min=0.003)],
                                         milestones=[5])),
    ],
    ids=["step", "cosine", "cosine-eta_min-past-T_max", "linear", "linear-defaults", "exponential",
         "warmup-cosine", "warmup-cosine-eta_min"],
)
def test_schedule_matches_torch_step_by_step(ours, theirs):
    ref = torch_lrs(theirs, lr=0.3)
    got = np.array([ours(t) for t in range(STEPS)])
    np.testing.assert_allclose(got, ref, rtol=RTOL, atol=ATOL)


def test_hand_worked_values():
    assert schedules.step_lr(13, lr=1.0, step_size=5, gamma=0.5) == 0.25
    assert math.isclose(schedules.cosine_lr(5, lr=1.0, T_max=10), 0.5, rel_tol=1e-15)
    assert schedules.cosine_lr(10, lr=1.0, T_max=10, eta_min=0.1) == pytest.approx(0.1, rel=1e-15)
    assert schedules.linear_lr(2, lr=1.0, start_factor=0.5, total_iters=4) == 0.75
    assert schedules.warmup_cosine_lr(4, lr=1.0, warmup=4, T_max=10) == 1.0


def test_lr_range_matches_exponential_lr_of_torch():
    rates = schedules.lr_range(30, lr_min=1e-4, lr_max=10.0)
    gamma = (10.0 / 1e-4) ** (1 / 29)
    ref = torch_lrs(lambda o: lr_sched.ExponentialLR(o, gamma=gamma), lr=1e-4, steps=30)
    np.testing.assert_allclose(rates, ref, rtol=RTOL, atol=0)
    np.testing.assert_allclose(rates[[0, -1]], [1e-4, 10.0], rtol=1e-12)


@pytest.mark.parametrize("max_norm", [0.5, 3.0, 1e6])  # clips, clips a little, leaves alone
def test_clip_grad_norm_matches_torch(max_norm):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s) for s in [(4, 3), (4,), (2, 4), (2,)]]
    params = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = torch.from_numpy(g.copy())
    ref_norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
    norm = schedules.clip_grad_norm(grads, max_norm)
    np.testing.assert_allclose(norm, ref_norm.item(), rtol=RTOL)
    for g, p in zip(grads, params, strict=True):
        np.testing.assert_allclose(g, p.grad.numpy(), rtol=RTOL, atol=ATOL)
    after = math.sqrt(sum(float(np.sum(g**2)) for g in grads))
    assert after <= max_norm * (1 + 1e-12)
    if max_norm > norm:
        assert after == pytest.approx(norm, rel=1e-12)  # untouched


def test_clip_keeps_direction():
    g = [np.array([3.0, 4.0])]
    assert schedules.clip_grad_norm(g, 1.0, eps=0.0) == 5.0
    np.testing.assert_allclose(g[0], [0.6, 0.8], rtol=1e-15)


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: schedules.step_lr(-1, lr=0.1, step_size=2), ValueError, "t"),
        (lambda: schedules.step_lr(1.5, lr=0.1, step_size=2), TypeError, "t"),
        (lambda: schedules.step_lr(1, lr=0.1, step_size=0), ValueError, "step_size"),
        (lambda: schedules.cosine_lr(1, lr=-0.1, T_max=3), ValueError, "lr"),
        (lambda: schedules.cosine_lr(1, lr=0.1, T_max=0), ValueError, "T_max"),
        (lambda: schedules.linear_lr(1, lr=0.1, start_factor=2.0), ValueError, "start_factor"),
        (lambda: schedules.warmup_cosine_lr(1, lr=0.1, warmup=0, T_max=3), ValueError, "warmup"),
        (lambda: schedules.lr_range(1, lr_min=1e-3, lr_max=1.0), ValueError, "steps"),
        (lambda: schedules.lr_range(5, lr_min=1.0, lr_max=1e-3), ValueError, "lr_max"),
        (lambda: schedules.clip_grad_norm([np.ones(2)], 0.0), ValueError, "max_norm"),
        (lambda: schedules.clip_grad_norm([np.ones(2, dtype=np.float32)], 1.0), TypeError, "grads[0]"),
    ],
)
def test_bad_input_is_named(call, exc, match):
    with pytest.raises(exc, match=rf"^{re.escape(match)}(?!\w)"):
        call()
