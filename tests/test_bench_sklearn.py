"""The scikit-learn benchmark: output structure (table + last-line JSON), exactness of the NumPy replays.

Timings are not tested (they depend on the machine); what is tested: the command runs, its
table and JSON have the promised shape, and the NumPy engine's loop really is scikit-learn's
run (same initial weights, batches, penalty and Adam), weight for weight.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch

from benchmarks import bench_sklearn as bench
from mlp_lab.sklearn_twin import sklearn_init, torch_model

DATASETS = ["digits", "breast_cancer"]
IMPLS = ["sklearn", "numpy", "textbook", "inplace", "torch"]
KEYS = {"accuracy", "seconds", "ratio_to_sklearn"}


@pytest.fixture(scope="module")
def quick_output() -> list[str]:
    """One --quick run (a few seconds), shared by the structure tests."""
    import contextlib
    import io

    threads_before = torch.get_num_threads()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        status = bench.main(["--quick", "--threads", "1"])
    assert status == 0
    assert torch.get_num_threads() == threads_before  # --threads is undone on the way out
    return buf.getvalue().strip().splitlines()


def test_last_line_is_the_promised_json(quick_output: list[str]) -> None:
    results = json.loads(quick_output[-1])
    breakdown = results.pop("per_step_us")
    assert list(results) == DATASETS and list(breakdown) == DATASETS
    for dataset in DATASETS:
        for engine in ("numpy", "torch"):
            r = breakdown[dataset][engine]
            assert set(r) == {"forward", "backward", "step", "total"} and min(r.values()) > 0
            assert r["total"] == pytest.approx(r["forward"] + r["backward"] + r["step"])
    for dataset in DATASETS:
        assert list(results[dataset]) == IMPLS
        t_sk = results[dataset]["sklearn"]["seconds"]
        for impl in IMPLS:
            r = results[dataset][impl]
            assert set(r) == KEYS
            assert 0.0 <= r["accuracy"] <= 1.0
            assert r["seconds"] > 0
            np.testing.assert_allclose(r["ratio_to_sklearn"], r["seconds"] / t_sk, rtol=1e-12, atol=0)
        assert results[dataset]["sklearn"]["ratio_to_sklearn"] == 1.0
        # the NumPy loop replays sklearn's run, so its predictions (and accuracy) are the same
        assert results[dataset]["numpy"]["accuracy"] == results[dataset]["sklearn"]["accuracy"]
        assert results[dataset]["inplace"]["accuracy"] == results[dataset]["sklearn"]["accuracy"]
        assert results[dataset]["textbook"]["accuracy"] == results[dataset]["sklearn"]["accuracy"]


def test_environment_table_and_targets_are_printed(quick_output: list[str]) -> None:
    assert quick_output[0].startswith("mlp_lab sklearn benchmark")
    assert "[--quick" in quick_output[0]
    assert any("torch" in line and "1 threads" in line for line in quick_output)  # --threads 1 applied
    assert any(line.startswith("  threadpool:") for line in quick_output)
    assert any(line.startswith("OMP_WAIT_POLICY=") and line.endswith("dtypes: sklearn float64, numpy float64, "
               "textbook float64, inplace float64, torch float32") for line in quick_output)
    header = next(i for i, line in enumerate(quick_output) if line.split()[:3] == ["dataset", "impl", "dtype"])
    rows = [line.split() for line in quick_output[header + 2: header + 2 + len(DATASETS) * len(IMPLS)]]
    assert [(row[0], row[1]) for row in rows] == [(d, i) for d in DATASETS for i in IMPLS]
    results = json.loads(quick_output[-1])
    assert any(line.split()[:2] == ["dataset", "engine"] for line in quick_output)  # the per-step breakdown
    for row in rows:
        r = results[row[0]][row[1]]
        assert float(row[3]) == pytest.approx(r["accuracy"], abs=5e-5)
        assert float(row[6]) == pytest.approx(r["ratio_to_sklearn"], abs=5e-3)
    targets = next(line for line in quick_output if line.startswith("targets: "))
    assert targets.count("=True") + targets.count("=False") == 4


@pytest.mark.parametrize("name, n_out", [("digits", 10), ("breast_cancer", 1)])
def test_data_are_split_stratified_and_standardised_on_train(name: str, n_out: int) -> None:
    data = bench.load(name)
    assert bench.layer_sizes(data, 8)[-1] == n_out
    assert len(data.X_train) + len(data.X_test) == {"digits": 1797, "breast_cancer": 569}[name]
    np.testing.assert_allclose(data.X_train.mean(axis=0), 0.0, atol=1e-12)
    assert data.X_train.flags.c_contiguous and data.X_train.dtype == np.float64
    # stratified: class proportions agree between the parts to within one sample per class
    for k in range(data.n_classes):
        frac_train = np.mean(data.y_train == k)
        frac_test = np.mean(data.y_test == k)
        assert abs(frac_train - frac_test) < 2.0 / len(data.y_test)


@pytest.mark.parametrize("name, hidden, epochs", [("digits", 16, 3), ("breast_cancer", 8, 4)])
def test_numpy_loop_replays_sklearn_exactly(name: str, hidden: int, epochs: int) -> None:
    data = bench.load(name)
    for seed in (0, 3):
        clf = bench.fit_sklearn(data, hidden=hidden, epochs=epochs, seed=seed)
        assert clf.n_iter_ == epochs  # the stopping rule never fired
        for impl in ("numpy", "textbook", "inplace"):
            net = bench.FITTERS[impl](data, hidden=hidden, epochs=epochs, seed=seed)
            for l in range(2):
                np.testing.assert_allclose(net.weights[l], clf.coefs_[l].T, rtol=0, atol=1e-12)
                np.testing.assert_allclose(net.biases[l], clf.intercepts_[l], rtol=0, atol=1e-12)
            np.testing.assert_array_equal(bench.predict(impl, net, data.X_test), clf.predict(data.X_test))


def test_without_the_epsilon_correction_the_replay_drifts() -> None:
    """The epsilon fix is needed: with torch's fixed epsilon, weights differ by far more than rounding."""
    data = bench.load("breast_cancer")
    clf = bench.fit_sklearn(data, hidden=8, epochs=3, seed=0)
    net = bench.fit_numpy(data, hidden=8, epochs=3, seed=0, sklearn_eps=False)  # PyTorch's fixed epsilon
    diff = max(np.abs(net.weights[l] - clf.coefs_[l].T).max() for l in range(2))
    assert diff > 1e-9


def test_sklearn_init_matches_the_estimators_draw() -> None:
    """One step of lr 1e-12 leaves sklearn's weights at its initial draw: compare with sklearn_init."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    data = bench.load("breast_cancer")
    clf = MLPClassifier(hidden_layer_sizes=(5,), solver="sgd", learning_rate_init=1e-12, momentum=0.0,
                        max_iter=1, batch_size=len(data.X_train), alpha=0.0, random_state=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(data.X_train, data.y_train)
    W, b, _ = sklearn_init([30, 5, 1], 7)
    for l in range(2):
        np.testing.assert_allclose(W[l], clf.coefs_[l].T, rtol=0, atol=1e-9)
        np.testing.assert_allclose(b[l], clf.intercepts_[l], rtol=0, atol=1e-9)
        assert W[l].shape == clf.coefs_[l].T.shape and W[l].flags.c_contiguous
        bound = np.sqrt(6.0 / sum(W[l].shape))
        assert np.abs(W[l]).max() <= bound and np.abs(b[l]).max() <= bound


def test_torch_model_holds_the_same_initial_weights() -> None:
    model = torch_model([30, 5, 1], 7)
    W, b, _ = sklearn_init([30, 5, 1], 7)
    assert model[0].weight.dtype == torch.float32
    for layer, W_l, b_l in zip((model[0], model[2]), W, b, strict=True):
        np.testing.assert_allclose(layer.weight.detach().numpy(), W_l, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(layer.bias.detach().numpy(), b_l, rtol=1e-6, atol=1e-7)


def test_check_targets_logic() -> None:
    def row(acc_np: float, r_np: float, acc_in: float, r_in: float) -> dict[str, dict[str, float]]:
        return {
            "sklearn": {"accuracy": 0.90, "seconds": 1.0, "ratio_to_sklearn": 1.0},
            "numpy": {"accuracy": acc_np, "seconds": r_np, "ratio_to_sklearn": r_np},
            "inplace": {"accuracy": acc_in, "seconds": r_in, "ratio_to_sklearn": r_in},
            "torch": {"accuracy": 0.5, "seconds": 9.0, "ratio_to_sklearn": 9.0},  # not a target
        }

    good = bench.check_targets({"digits": row(0.90, 0.6, 0.895, 0.5)})
    assert good == {
        "digits_numpy_ratio_le_0.6_and_accuracy_within_0.5pt": True,
        "digits_inplace_ratio_le_0.5_and_accuracy_within_0.5pt": True,
    }
    slow = bench.check_targets({"digits": row(0.95, 0.61, 0.95, 0.51)})
    assert set(slow.values()) == {False}
    inaccurate = bench.check_targets({"digits": row(0.894, 0.1, 0.8, 0.1)})
    assert set(inaccurate.values()) == {False}


@pytest.mark.parametrize("argv", [["--repeats", "0"], ["--repeats", "x"], ["--threads", "-2"], ["--nope"]])
def test_bad_options_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        bench.main(argv)
    assert info.value.code == 2
    assert "usage: python -m benchmarks.bench_sklearn" in capsys.readouterr().err
