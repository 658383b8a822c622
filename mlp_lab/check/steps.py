r"""Learner-facing checkers for the pieces of a training step (chapters 4 and 5): one SGD-with-momentum
step against :class:`torch.optim.SGD`, a learning-rate schedule against :mod:`torch.optim.lr_scheduler`,
and clipping by the global norm against :func:`torch.nn.utils.clip_grad_norm_` (torch imported on
first use). See :mod:`mlp_lab.check._engine` for the contract every checker follows.
"""

from __future__ import annotations

import math

import numpy as np

from mlp_lab._validation import check_choice
from mlp_lab.check._engine import BadOutput, Case, Mistake, Spec, as_numbers, checker, one, one_torch_thread, run_check
from mlp_lab.check.result import CheckResult

__all__ = ["clip_grad_norm", "lr_schedule", "momentum_step"]

_STEPS = 20


# ------------------------------------------------------------------ momentum


def _torch_sgd(w0: np.ndarray, G: np.ndarray, lr: float, mu: float, nesterov: bool):
    """Trajectories (w_t, b_t), t = 1..T, of :class:`torch.optim.SGD` fed the gradients G[t-1]."""
    import torch

    w = torch.tensor(w0, requires_grad=True)
    opt = torch.optim.SGD([w], lr=lr, momentum=mu, nesterov=nesterov, foreach=False)
    W, B = [], []
    with one_torch_thread():
        for g_t in G:
            w.grad = torch.from_numpy(g_t).clone()
            opt.step()
            W.append(w.detach().numpy().copy())
            buffer = opt.state[w]["momentum_buffer"] if mu else w.grad  # mu = 0: torch keeps no buffer, b = g
            B.append(buffer.numpy().copy())
    return np.array(W), np.array(B)  # each (T, *w.shape)


def _momentum_runner(w0: np.ndarray, G: np.ndarray, hyper: tuple[float, float, bool]):
    def run(fn):
        w, b = w0.copy(), np.zeros_like(w0)
        W, B = [], []
        for t, g in enumerate(G, start=1):
            out = fn(w.copy(), g.copy(), b.copy(), *hyper)  # in-place updates of the copies are allowed
            if not isinstance(out, tuple | list) or len(out) != 2:
                raise BadOutput(f"step {t} returned {type(out).__name__}, expected a tuple (w, b)")
            try:
                w, b = (np.array(a, dtype=np.float64) for a in out)
            except (TypeError, ValueError) as err:
                raise BadOutput(f"step {t} returned something that is not numbers ({type(err).__name__})") from None
            for trajectory, a in ((W, w), (B, b)):
                if a.shape != w0.shape:
                    raise BadOutput(f"step {t} returned an array of shape {a.shape}, expected {w0.shape}")
                trajectory.append(a)
        return (np.array(W), np.array(B)), ()

    return run


def _momentum_variant(w, g, b, lr, mu, nesterov, *, mistake: str = ""):
    """One SGD-with-momentum step as torch.optim.SGD, or a mistaken variant of it (for the diagnosis)."""
    b_old = b
    b = mu * b + ((1 - mu) * g if mistake == "dampened" else g)
    if mistake == "step_before_buffer":
        return w - lr * b_old, b
    if mistake == "nesterov_ignored":
        nesterov = False
    if mistake == "nesterov_always":
        nesterov = True
    if nesterov:
        step = g + mu * b
    else:
        step = b
    sign = -1.0 if mistake == "sign" else 1.0
    return w - sign * lr * step, b


_MOMENTUM_MISTAKES = {
    "dampened": "the buffer averages the gradients, b = mu b + (1 - mu) g: that is an exponential moving average "
    "(Adam's m), not (opt-momentum). Hint: as torch.optim.SGD, b = mu * b + g.",
    "step_before_buffer": "the step uses the previous buffer: update b first, then w = w - lr * b.",
    "nesterov_ignored": "the Nesterov step is the plain momentum step (nesterov=True ignored, or lr * (g + mu * b) "
    "with b before its update, which is the same). Hint: update b first, then step by lr * (g + mu * b) "
    "(opt-nesterov).",
    "nesterov_always": "the Nesterov step is taken even when nesterov=False. Hint: without Nesterov the step is "
    "lr * b.",
    "sign": "the step goes uphill: w = w - lr * b, a minus sign.",
}


@checker
def momentum_step(fn: object, *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(w, g, b, lr, mu, nesterov) -> (w, b)``, one SGD step with momentum, over 20 steps.

    .. math:: b_t = \mu\, b_{t-1} + g_t, \qquad w_t = w_{t-1} - \text{lr}\, b_t
              \quad\text{or, with Nesterov,}\quad w_t = w_{t-1} - \text{lr}\,(g_t + \mu\, b_t),

    PyTorch's form (chapter 4's ``opt-momentum`` and ``opt-nesterov``), with the buffer ``b``
    starting at zeros. Each case feeds the learner's own ``(w, b)`` back for 20 steps of a fixed
    gradient sequence and compares the whole trajectory with :class:`torch.optim.SGD`'s
    (``momentum=mu, nesterov=nesterov``; ``b`` is its ``momentum_buffer``).
    """

    def cases() -> list[Case]:
        rng = np.random.default_rng(seed)
        specs = [("vector (5,), lr 0.1, mu 0.9", (5,), (0.1, 0.9, False)),
                 ("matrix (3, 4), lr 0.01, mu 0.5, Nesterov", (3, 4), (0.01, 0.5, True)),
                 ("vector (4,), lr 0.05, mu 0.9, Nesterov", (4,), (0.05, 0.9, True)),
                 ("single weight (1,), mu 0 (plain SGD)", (1,), (0.2, 0.0, False))]
        out = []
        for what, shape, hyper in specs:
            w0, G = rng.standard_normal(shape), rng.standard_normal((_STEPS, *shape))
            out.append(Case(what, _momentum_runner(w0, G, hyper), _torch_sgd(w0, G, *hyper), ("w", "b"),
                            lambda o: tuple(o), per_step=True))
        return out

    mistakes = [Mistake(key, text, lambda *a, k=key: _momentum_variant(*a, mistake=k))
                for key, text in _MOMENTUM_MISTAKES.items()]
    return run_check(Spec("momentum_step", "momentum_step(w, g, b, lr, mu, nesterov)"), fn, cases, mistakes)


# ------------------------------------------------------------------ schedules

WARMUP_START = 0.1  # chapter 5's warm-up starts at a tenth of the base rate (LinearLR start_factor)
STEP_GAMMA = 0.3  # chapter 5's step decay: the rate is multiplied by 0.3 ...
STEP_PARTS = 4  # ... every total_steps // 4 steps


def _torch_schedule(name: str, total: int, lr: float, warmup: int) -> np.ndarray:
    """The rates PyTorch's scheduler gives at steps 0..total-1 (one scheduler.step() per step)."""
    import torch

    sched = torch.optim.lr_scheduler
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    if name == "step":
        scheduler = sched.StepLR(opt, step_size=total // STEP_PARTS, gamma=STEP_GAMMA)
    elif warmup == 0:
        scheduler = sched.CosineAnnealingLR(opt, T_max=total)
    else:
        scheduler = sched.SequentialLR(
            opt, [sched.LinearLR(opt, start_factor=WARMUP_START, total_iters=warmup),
                  sched.CosineAnnealingLR(opt, T_max=total - warmup)], milestones=[warmup])
    rates = []
    with one_torch_thread():
        for _ in range(total):
            rates.append(opt.param_groups[0]["lr"])
            opt.step()
            scheduler.step()
    return np.array(rates)


def _schedule_runner(steps: range, total: int, lr: float, warmup: int):
    def run(fn):
        rates = []
        for t in steps:
            out = fn(t, total, lr, warmup)
            if out is None:
                return None, ()
            try:
                rate = as_numbers(out)
            except (TypeError, ValueError):
                raise BadOutput(f"returned a {type(out).__name__} at step {t}, expected a number") from None
            if rate.size != 1:
                raise BadOutput(f"returned an array of shape {rate.shape} at step {t}, expected one number")
            rates.append(float(rate.reshape(())))
        return np.array(rates), ()

    return run


def _cosine_variant(t, T, lr, W, *, mistake: str = ""):
    """Chapter 5's warm-up + cosine, or a mistaken variant of it (for the diagnosis)."""
    if t < W:
        if mistake == "warmup_from_zero":
            return lr * t / W
        if mistake == "warmup_t_plus_1":
            return lr * (WARMUP_START + (1 - WARMUP_START) * (t + 1) / W)
        return lr * (WARMUP_START + (1 - WARMUP_START) * t / W)
    x, period = {"not_shifted": (t, T - W), "period_not_shortened": (t - W, T), "whole_run": (t, T),
                 "ends_at_last_step": (t - W, T - W - 1)}.get(mistake, (t - W, T - W))
    if mistake == "missing_half":
        return lr * (1 + math.cos(math.pi * x / period))
    return 0.5 * lr * (1 + math.cos(math.pi * x / period))


def _step_variant(t, T, lr, W, *, mistake: str = ""):
    """Chapter 5's step decay, or a mistaken variant of it (for the diagnosis)."""
    s = T / STEP_PARTS if mistake == "float_step_size" else T // STEP_PARTS
    gamma = 0.1 if mistake == "gamma_default" else STEP_GAMMA
    k = {"no_floor": t / s, "early": (t + 1) // s, "decays_at_0": t // s + 1}.get(mistake, t // s)
    return lr * gamma**k


_SCHEDULE_MISTAKES = {
    "cosine": {
        "warmup_from_zero": "the warm-up starts at 0 (lr * t / W): the chapter's starts at a tenth of the base rate, "
        "lr * (0.1 + 0.9 * t / W), so that the first step is not wasted.",
        "warmup_t_plus_1": "the warm-up is one step ahead ((t + 1) / W): at t = 0 the rate is 0.1 * lr.",
        "not_shifted": "the cosine is not shifted by the warm-up: after it, use t - W, so that the cosine starts at "
        "its top, lr, when the warm-up ends.",
        "period_not_shortened": "the cosine runs over total_steps, not over the total_steps - W steps left after the "
        "warm-up, so it does not come down to 0 by the end.",
        "whole_run": "the cosine is the one of the whole run, cos(pi t / T), cut where the warm-up ends: it should "
        "start at lr after the warm-up, cos(pi (t - W) / (T - W)).",
        "ends_at_last_step": "the cosine reaches 0 at the last step (a period of T - W - 1): as CosineAnnealingLR, "
        "the period is T - W, and the rate reaches 0 just after the last step.",
        "missing_half": "the factor 1/2 is missing: the cosine schedule is 0.5 * lr * (1 + cos(...)), which starts "
        "at lr, not 2 lr.",
    },
    "step": {
        "no_floor": "the exponent is t / s without rounding down: that is exponential decay. Hint: "
        "gamma ** (t // s), constant between decays.",
        "float_step_size": "the step size is total_steps / 4, not a whole number of steps. Hint: "
        "s = total_steps // 4.",
        "early": "the rate decays one step early ((t + 1) // s): it must stay lr for t = 0, ..., s - 1.",
        "decays_at_0": "the rate is already decayed at t = 0: it starts at lr (gamma ** 0).",
        "gamma_default": "the decay factor is 0.1 (StepLR's default): the chapter's step schedule uses 0.3.",
    },
}


@checker
def lr_schedule(name: str, fn: object, *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(step, total_steps, base_lr, warmup_steps) -> lr``, chapter 5's schedules.

    ``step`` is the 0-based counter :math:`t` of the optimizer step about to be taken (the
    number of ``scheduler.step()`` calls so far), :math:`T` = ``total_steps``, :math:`\eta` =
    ``base_lr`` and :math:`T_w` = ``warmup_steps``. Every step :math:`t = 0, \dots, T - 1` is
    checked against PyTorch's scheduler on a dummy optimizer.

    ``"cosine"``: a linear warm-up from :math:`0.1\,\eta`, then a cosine down to 0,

    .. math:: \eta_t = \eta\,\bigl(0.1 + 0.9\, t / T_w\bigr) \ (t < T_w), \qquad
              \eta_t = \tfrac12 \eta\,\bigl(1 + \cos(\pi (t - T_w) / (T - T_w))\bigr) \ (t \ge T_w),

    ``SequentialLR([LinearLR(start_factor=0.1, total_iters=T_w), CosineAnnealingLR(T_max=T - T_w)],
    milestones=[T_w])``, or ``CosineAnnealingLR(T_max=T)`` when :math:`T_w = 0`.

    ``"step"``: the rate is multiplied by :math:`\gamma = 0.3` every :math:`s = \lfloor T/4 \rfloor`
    steps, :math:`\eta_t = \eta\, 0.3^{\lfloor t / s \rfloor}` (``StepLR(step_size=T // 4,
    gamma=0.3)``), without warm-up: ``warmup_steps`` is 0 in every case.

    ``name`` is ``"cosine"`` or ``"step"``, the schedule the learner wrote.
    """
    name = check_choice(name, name="name", choices=("cosine", "step"))

    def cases() -> list[Case]:
        rng = np.random.default_rng(seed)
        configs = [(int(rng.integers(80, 121)), float(rng.choice([0.1, 0.05, 0.3])), int(rng.integers(5, 16))),
                   (int(rng.integers(30, 50)), 0.5, int(rng.integers(2, 6))),
                   (10, 1.0, 3)]
        out = []
        for T, lr, W in configs:
            W = W if name == "cosine" else 0
            ref = _torch_schedule(name, T, lr, W)
            what = f"T={T}, lr={lr:g}" + (f", W={W}" if name == "cosine" else f", s={T // STEP_PARTS}")
            parts = [(f"warm-up t=0..{W - 1}", range(W)), (f"cosine t={W}..{T - 1}", range(W, T))] if W else [
                (f"t=0..{T - 1}", range(T))]
            out += [Case(f"{what}: {part}", _schedule_runner(steps, T, lr, W), (ref[steps.start:steps.stop],),
                         ("lr",), one) for part, steps in parts]
        if name == "cosine":
            T, lr = 50, 0.2
            out.append(Case(f"T={T}, lr={lr:g}, no warm-up (W=0): t=0..{T - 1}", _schedule_runner(range(T), T, lr, 0),
                            (_torch_schedule(name, T, lr, 0),), ("lr",), one))
        return out

    variant = _cosine_variant if name == "cosine" else _step_variant
    mistakes = [Mistake(key, text, lambda t, T, lr, W, k=key: variant(t, T, lr, W, mistake=k))
                for key, text in _SCHEDULE_MISTAKES[name].items()]
    spec = Spec(f"lr_schedule({name!r})", "lr_schedule(step, total_steps, base_lr, warmup_steps)")
    return run_check(spec, fn, cases, mistakes)


# ------------------------------------------------------------------ clipping

CLIP_EPS = 1e-6  # torch.nn.utils.clip_grad_norm_'s


def _torch_clip(grads: list[np.ndarray], max_norm: float) -> tuple[object, ...]:
    """(clipped_0, ..., clipped_{k-1}, total_norm) by :func:`torch.nn.utils.clip_grad_norm_`."""
    import torch

    params = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = torch.from_numpy(g.copy())
    with one_torch_thread():
        total = torch.nn.utils.clip_grad_norm_(params, max_norm=max_norm, foreach=False)
    return (*(p.grad.numpy() for p in params), float(total))


def _clip_runner(grads: list[np.ndarray], max_norm: float):
    def run(fn):
        copies = [g.copy() for g in grads]
        out = fn(copies, max_norm)
        changed = not all(c.shape == g.shape and np.array_equal(c, g) for c, g in zip(copies, grads, strict=True))
        return out, (("grads",) if changed else ())

    return run


def _clip_unpack(k: int):
    def unpack(out: object) -> tuple[object, ...]:
        if not isinstance(out, tuple | list) or len(out) != 2:
            if isinstance(out, tuple | list):
                got = f"{len(out)} values"
            elif out is None:
                got = "None"
            else:  # a float, np.float64 or 0-d tensor: one message for all, so that the mistake is named
                got = "a single number" if np.ndim(out) == 0 else f"a {type(out).__name__}"
            raise BadOutput(f"returned {got}, expected a tuple (clipped_grads, total_norm)")
        clipped, total = out
        if not isinstance(clipped, tuple | list) or len(clipped) != k:
            n = f"{len(clipped)} arrays" if isinstance(clipped, tuple | list) else f"a {type(clipped).__name__}"
            raise BadOutput(f"clipped_grads is {n}, expected a list of {k} arrays (one per gradient)")
        return (*clipped, total)

    return unpack


def _clip_variant(grads, max_norm, *, mistake: str = ""):
    """Clipping by the global norm, or a mistaken variant of it (for the diagnosis)."""
    norms = [float(np.sqrt(np.sum(g * g))) for g in grads]
    total = {"norms_summed": sum(norms), "no_sqrt": sum(n * n for n in norms)}.get(
        mistake, math.sqrt(sum(n * n for n in norms)))
    eps = 0.0 if mistake == "eps_missing" else CLIP_EPS
    if mistake == "per_tensor":
        return [g * min(1.0, max_norm / (n + eps)) for g, n in zip(grads, norms, strict=True)], total
    coef = max_norm / (total + eps) if total + eps > 0 else math.inf
    if mistake != "always_scaled":
        coef = min(1.0, coef)
    if mistake == "in_place":
        for g in grads:
            g *= coef
        return grads, total
    clipped = [g * coef for g in grads]
    return clipped, (total * coef if mistake == "norm_after" else total)


_CLIP_MISTAKES = {
    "per_tensor": "each array is clipped by its own norm: the norm is the global one, sqrt of the sum of the "
    "squares of every entry of every array, and every array is scaled by the same factor.",
    "always_scaled": "gradients below the threshold are scaled up to max_norm: the factor is min(1, max_norm / "
    "(norm + eps)), so a short gradient is left as it is.",
    "norms_summed": "the arrays' norms are added: the global norm is sqrt(sum of the squared norms), "
    "sqrt(sum_k ||g_k||**2).",
    "no_sqrt": "the square root is missing: total_norm is sqrt(sum of the squares).",
    "norm_after": "total_norm is the norm after clipping: as clip_grad_norm_, return the norm before.",
    "eps_missing": "the eps = 1e-6 of (init-clip) is missing: the factor is min(1, max_norm / (norm + 1e-6)), "
    "as clip_grad_norm_.",
    "in_place": "the arrays you were given are scaled in place (g *= ...): return new arrays, [g * coef for g in "
    "grads], and leave the caller's gradients as they were.",
}


@checker
def clip_grad_norm(fn: object, *, seed: int = 0) -> CheckResult:
    r"""Check ``fn(grads, max_norm) -> (clipped_grads, total_norm)``, clipping by the global L2 norm.

    With :math:`\lVert g \rVert = \sqrt{\sum_k \lVert g_k \rVert_F^2}` over all the arrays of the
    list ``grads``, every array is scaled by the same factor

    .. math:: g_k \leftarrow g_k \cdot \min\Bigl(1,\ \frac{c}{\lVert g \rVert + 10^{-6}}\Bigr),

    as :func:`torch.nn.utils.clip_grad_norm_`, the reference. ``clipped_grads`` is a list of new
    arrays (the ones passed in must not change) and ``total_norm`` the norm *before* clipping.
    """

    def cases() -> list[Case]:
        rng = np.random.default_rng(seed)
        shapes = [(4, 3), (4,), (1, 4)]
        data = [("3 arrays, norm above max_norm (clipped)", [3.0 * rng.standard_normal(s) for s in shapes], 1.0),
                ("3 arrays, norm below max_norm (unchanged)", [0.1 * rng.standard_normal(s) for s in shapes], 5.0),
                ("one large array among small ones", [rng.standard_normal((3, 3)), 20.0 * rng.standard_normal(2),
                                                      0.01 * rng.standard_normal(5)], 2.0),
                ("a single matrix (5, 2), max_norm 0.5", [rng.standard_normal((5, 2))], 0.5),
                ("all-zero gradients", [np.zeros((2, 3)), np.zeros(3)], 1.0)]
        out = []
        for what, grads, c in data:
            labels = (*(f"clipped_grads[{k}]" for k in range(len(grads))), "total_norm")
            out.append(Case(what, _clip_runner(grads, c), _torch_clip(grads, c), labels, _clip_unpack(len(grads))))
        return out

    mistakes = [Mistake(key, text, lambda g, c, k=key: _clip_variant(g, c, mistake=k))
                for key, text in _CLIP_MISTAKES.items()]
    hints = {"modified": "g *= coef changes the caller's arrays: return new ones, [g * coef for g in grads].",
             "structure": "return a tuple (clipped_grads, total_norm): a list of new arrays and the norm before "
             "clipping (torch's clip_grad_norm_ clips in place and returns only the norm; this function does not)."}
    return run_check(Spec("clip_grad_norm", "clip_grad_norm(grads, max_norm)", hints=hints), fn, cases, mistakes)
