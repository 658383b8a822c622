"""mlp_lab.scratch.optim against torch.optim: same parameters, same gradients, same trajectory."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlp_lab.scratch.optim import SGD, Adam

SHAPES = [(4, 3), (4,), (2, 4), (2,), (1, 1)]  # W1, b1, W2, b2 and a scalar-like parameter
N_STEPS = 50
RTOL = ATOL = 1e-12

# (id, our class, our kwargs, torch class, torch kwargs)
CONFIGS = [
    ("sgd", SGD, dict(lr=0.1), torch.optim.SGD, dict(lr=0.1)),
    ("sgd-momentum", SGD, dict(lr=0.05, momentum=0.9), torch.optim.SGD, dict(lr=0.05, momentum=0.9)),
    (
        "sgd-nesterov",
        SGD,
        dict(lr=0.05, momentum=0.9, nesterov=True),
        torch.optim.SGD,
        dict(lr=0.05, momentum=0.9, nesterov=True),
    ),
    ("sgd-weight-decay", SGD, dict(lr=0.1, weight_decay=0.05), torch.optim.SGD, dict(lr=0.1, weight_decay=0.05)),
    (
        "sgd-momentum-wd",
        SGD,
        dict(lr=0.05, momentum=0.8, weight_decay=0.01),
        torch.optim.SGD,
        dict(lr=0.05, momentum=0.8, weight_decay=0.01),
    ),
    (
        "sgd-nesterov-wd",
        SGD,
        dict(lr=0.05, momentum=0.5, nesterov=True, weight_decay=0.1),
        torch.optim.SGD,
        dict(lr=0.05, momentum=0.5, nesterov=True, weight_decay=0.1),
    ),
    ("adam", Adam, dict(lr=0.01), torch.optim.Adam, dict(lr=0.01)),
    ("adam-weight-decay", Adam, dict(lr=0.01, weight_decay=0.1), torch.optim.Adam, dict(lr=0.01, weight_decay=0.1)),
    (
        # beta1 <= 0.5 takes the other branch of torch's lerp; large eps matters in the denominator
        "adam-small-betas",
        Adam,
        dict(lr=0.02, betas=(0.3, 0.6), eps=1e-2, weight_decay=0.01),
        torch.optim.Adam,
        dict(lr=0.02, betas=(0.3, 0.6), eps=1e-2, weight_decay=0.01),
    ),
    (
        "adamw",
        Adam,
        dict(lr=0.01, weight_decay=0.1, decoupled=True),
        torch.optim.AdamW,
        dict(lr=0.01, weight_decay=0.1),
    ),
    (
        "adamw-betas",
        Adam,
        dict(lr=0.003, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.5, decoupled=True),
        torch.optim.AdamW,
        dict(lr=0.003, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.5),
    ),
]


def make_pair(ours_cls, ours_kw, torch_cls, torch_kw, *, seed=0, shapes=SHAPES):
    """The same initial parameters in NumPy and in torch (float64), with an optimizer on each."""
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=s) for s in shapes]
    tensors = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    return params, ours_cls(params, **ours_kw), tensors, torch_cls(tensors, foreach=False, **torch_kw), rng


def torch_step(opt, tensors, grads):
    for t, g in zip(tensors, grads, strict=True):
        t.grad = torch.tensor(g)
    opt.step()


@pytest.mark.parametrize(("name", "ours_cls", "ours_kw", "torch_cls", "torch_kw"), CONFIGS, ids=[c[0] for c in CONFIGS])
def test_matches_torch_every_step(name, ours_cls, ours_kw, torch_cls, torch_kw):
    params, opt, tensors, topt, rng = make_pair(ours_cls, ours_kw, torch_cls, torch_kw)
    for step in range(N_STEPS):
        grads = [rng.normal(scale=2.0, size=s) for s in SHAPES]
        opt.step(grads)
        torch_step(topt, tensors, grads)
        for i, (p, t) in enumerate(zip(params, tensors, strict=True)):
            np.testing.assert_allclose(
                p, t.detach().numpy(), rtol=RTOL, atol=ATOL, err_msg=f"{name}: params[{i}] after step {step + 1}"
            )
    assert opt.t == N_STEPS


@pytest.mark.parametrize(("name", "ours_cls", "ours_kw", "torch_cls", "torch_kw"), CONFIGS, ids=[c[0] for c in CONFIGS])
def test_state_matches_torch(name, ours_cls, ours_kw, torch_cls, torch_kw):
    """The optimizer's memory (momentum buffer, or m and v) equals torch's after 10 steps."""
    params, opt, tensors, topt, rng = make_pair(ours_cls, ours_kw, torch_cls, torch_kw, seed=1)
    for _ in range(10):
        grads = [rng.normal(size=s) for s in SHAPES]
        opt.step(grads)
        torch_step(topt, tensors, grads)
    for i, t in enumerate(tensors):
        state = topt.state[t]
        if isinstance(opt, Adam):
            np.testing.assert_allclose(opt.m[i], state["exp_avg"].numpy(), rtol=RTOL, atol=ATOL)
            np.testing.assert_allclose(opt.v[i], state["exp_avg_sq"].numpy(), rtol=RTOL, atol=ATOL)
            assert int(state["step"]) == opt.t == 10
        elif opt.momentum != 0:
            np.testing.assert_allclose(opt.momentum_buffer[i], state["momentum_buffer"].numpy(), rtol=RTOL, atol=ATOL)
        else:
            assert opt.momentum_buffer is None


@pytest.mark.parametrize(("name", "ours_cls", "ours_kw", "torch_cls", "torch_kw"), CONFIGS, ids=[c[0] for c in CONFIGS])
def test_lr_schedule_matches_torch(name, ours_cls, ours_kw, torch_cls, torch_kw):
    """Changing lr between steps (a schedule) acts as changing torch's param_group lr."""
    params, opt, tensors, topt, rng = make_pair(ours_cls, ours_kw, torch_cls, torch_kw, seed=2)
    for step in range(20):
        lr = ours_kw["lr"] * 0.9**step
        opt.lr = lr
        topt.param_groups[0]["lr"] = lr
        grads = [rng.normal(size=s) for s in SHAPES]
        opt.step(grads)
        torch_step(topt, tensors, grads)
    for p, t in zip(params, tensors, strict=True):
        np.testing.assert_allclose(p, t.detach().numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(("name", "ours_cls", "ours_kw", "torch_cls", "torch_kw"), CONFIGS, ids=[c[0] for c in CONFIGS])
def test_float32_params_match_torch_float32(name, ours_cls, ours_kw, torch_cls, torch_kw):
    """float32 parameters stay float32, in place, and follow torch's float32 run closely."""
    rng = np.random.default_rng(3)
    params = [rng.normal(size=s).astype(np.float32) for s in SHAPES]
    tensors = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    opt, topt = ours_cls(params, **ours_kw), torch_cls(tensors, foreach=False, **torch_kw)
    for _ in range(10):
        grads = [rng.normal(size=s).astype(np.float32) for s in SHAPES]
        opt.step(grads)
        torch_step(topt, tensors, grads)
    for p, t in zip(params, tensors, strict=True):
        assert p.dtype == np.float32
        np.testing.assert_allclose(p, t.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("name", "ours_cls", "ours_kw", "torch_cls", "torch_kw"), CONFIGS, ids=[c[0] for c in CONFIGS])
def test_updates_in_place_and_leaves_grads_alone(name, ours_cls, ours_kw, torch_cls, torch_kw):
    rng = np.random.default_rng(4)
    params = [rng.normal(size=s) for s in SHAPES]
    before = [p.copy() for p in params]
    ids = [id(p) for p in params]
    opt = ours_cls(params, **ours_kw)
    for _ in range(3):
        grads = [rng.normal(size=s) for s in SHAPES]
        grads_copy = [g.copy() for g in grads]
        opt.step(grads)
        for g, g0 in zip(grads, grads_copy, strict=True):
            np.testing.assert_array_equal(g, g0)  # the caller's gradients are never overwritten
    assert [id(p) for p in opt.params] == ids
    assert all(not np.allclose(p, p0, rtol=0, atol=1e-6) for p, p0 in zip(params, before, strict=True))


def test_adam_first_step_moves_each_entry_by_lr():
    """Hand-worked: at t=1, m_hat = g and v_hat = g**2, so the step is lr * g / (|g| + eps)."""
    theta = np.array([1.0, -2.0, 0.5])
    g = np.array([3.0, -0.25, 1e-3])
    lr, eps = 0.1, 1e-8
    Adam([theta], lr=lr, eps=eps).step([g])
    np.testing.assert_allclose(theta, [1.0, -2.0, 0.5] - lr * g / (np.abs(g) + eps), rtol=1e-15, atol=0)


def test_sgd_momentum_hand_worked():
    """Hand-worked: b1 = g1, b2 = mu b1 + g2; theta2 = theta0 - lr (b1 + b2)."""
    theta = np.array([1.0])
    opt = SGD([theta], lr=0.5, momentum=0.5)
    opt.step([np.array([2.0])])  # b1 = 2, theta = 1 - 1 = 0
    opt.step([np.array([4.0])])  # b2 = 0.5 * 2 + 4 = 5, theta = 0 - 2.5
    np.testing.assert_allclose(theta, [-2.5], rtol=0, atol=0)


QUADRATIC_OPTIMIZERS = [
    (SGD, dict(lr=0.1)),
    (SGD, dict(lr=0.05, momentum=0.9)),
    (SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (Adam, dict(lr=0.05)),
    (Adam, dict(lr=0.05, decoupled=True, weight_decay=1e-3)),
]


@pytest.mark.parametrize(("cls", "kw"), QUADRATIC_OPTIMIZERS)
def test_minimises_a_quadratic(cls, kw):
    """f(w) = 1/2 w^T A w - c^T w with A positive definite: the optimizer finds w* = A^{-1} c."""
    rng = np.random.default_rng(6)
    Q = np.linalg.qr(rng.normal(size=(5, 5)))[0]
    A = Q @ np.diag([1.0, 2.0, 3.0, 4.0, 5.0]) @ Q.T  # (5, 5), eigenvalues 1..5
    c = rng.normal(size=5)
    w_star = np.linalg.solve(A, c)

    def f(w):
        return 0.5 * w @ A @ w - c @ w

    w = np.zeros(5)
    f0 = f(w)
    opt = cls([w], **kw)
    values = []
    for _ in range(500):
        opt.step([A @ w - c])
        values.append(f(w))
    assert values[-1] < f0 - 0.5 * (f0 - f(w_star))
    np.testing.assert_allclose(values[-1], f(w_star), rtol=0, atol=1e-3)
    np.testing.assert_allclose(w, w_star, rtol=0, atol=0.05)


def test_check_finite_false_skips_the_check():
    w = np.ones(2)
    opt = SGD([w], lr=0.1, check_finite=False)
    opt.step([np.array([np.nan, 0.0])])  # no error: the caller opted out
    assert np.isnan(w[0]) and w[1] == 1.0


def test_huge_but_finite_grads_are_accepted():
    """The fast finiteness check (one sum) must not reject gradients whose sum overflows."""
    w = np.zeros(2)
    SGD([w], lr=1e-308, check_finite=True).step([np.array([1e308, 1e308])])
    assert np.all(np.isfinite(w))


def test_failed_step_changes_nothing():
    rng = np.random.default_rng(7)
    params = [rng.normal(size=s) for s in SHAPES]
    before = [p.copy() for p in params]
    opt = Adam(params, lr=0.1)
    grads = [rng.normal(size=s) for s in SHAPES]
    grads[2][1, 3] = np.inf
    with pytest.raises(ValueError, match=r"grads\[2\] contains NaN or inf"):
        opt.step(grads)
    assert opt.t == 0
    for p, p0 in zip(params, before, strict=True):
        np.testing.assert_array_equal(p, p0)


# -------------------------------------------- rules beyond single arguments (wording: test_validation)


def _params():
    return [np.zeros((2, 3)), np.zeros(2)]


def test_nesterov_needs_momentum():
    with pytest.raises(ValueError, match="nesterov=True requires momentum > 0"):
        SGD(_params(), lr=0.1, nesterov=True)


def test_sgd_requires_lr():
    with pytest.raises(TypeError, match="lr"):
        SGD(_params())  # type: ignore[call-arg]


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_lr_setter_validates_and_keeps_the_old_rate(cls):
    opt = cls(_params(), lr=0.1)
    with pytest.raises(ValueError, match="lr must be"):
        opt.lr = -0.1
    assert opt.lr == 0.1


def _readonly():
    a = np.zeros(3)
    a.flags.writeable = False
    return [a]


def _duplicate():
    a = np.zeros(3)
    return [a, np.zeros(2), a]


@pytest.mark.parametrize("cls", [SGD, Adam])
@pytest.mark.parametrize(
    ("params", "exc", "name"),
    [
        (np.zeros(3), TypeError, "params"),
        ([], TypeError, "params"),
        ([np.zeros(3), [0.0, 1.0]], TypeError, "params[1]"),
        ([np.zeros(3, dtype=np.int64)], TypeError, "params[0]"),
        ([torch.zeros(3)], TypeError, "params[0]"),
        (_readonly(), ValueError, "params[0]"),
        (_duplicate(), ValueError, "params[2]"),
        ([np.zeros(2), np.array([0.0, np.nan])], ValueError, "params[1]"),
    ],
)
def test_params_must_be_distinct_writeable_finite_float_arrays(cls, params, exc, name):
    with pytest.raises(exc) as info:
        cls(params, lr=0.1)
    assert name in str(info.value)


@pytest.mark.parametrize("cls", [SGD, Adam])
@pytest.mark.parametrize(
    ("grads", "name"),
    [
        ([np.zeros((2, 3))], "grads"),
        (np.zeros((2, 3)), "grads"),
        ([np.zeros((3, 2)), np.zeros(2)], "grads[0]"),
        ([np.zeros((2, 3)), torch.zeros(2)], "grads[1]"),
        ([np.full((2, 3), -np.inf), np.zeros(2)], "grads[0]"),
    ],
)
def test_grads_must_match_params(cls, grads, name):
    with pytest.raises(ValueError) as info:
        cls(_params(), lr=0.1).step(grads)
    assert name in str(info.value)
