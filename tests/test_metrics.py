"""mlp_lab.metrics against sklearn.metrics: random labels with ties, single classes, several classes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mlp_lab import metrics

RTOL = 1e-12
AVERAGES = ["binary", "micro", "macro", "weighted"]
SETTINGS = settings(max_examples=75, deadline=None)


@st.composite
def label_pairs(draw, max_classes=5, max_size=40):
    """(y_true, y_pred) of equal length with labels in 0..K-1 (K=1 gives all-one-class data)."""
    K = draw(st.integers(1, max_classes))
    m = draw(st.integers(1, max_size))
    labels = st.lists(st.integers(0, K - 1), min_size=m, max_size=m)
    return np.array(draw(labels)), np.array(draw(labels))


@st.composite
def binary_with_scores(draw, max_size=40):
    """Binary y_true holding both classes, and scores from a few values so ties are common."""
    m = draw(st.integers(2, max_size))
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=m, max_size=m)))
    assume(0 < y.sum() < m)
    pool = draw(st.sampled_from(["ties", "floats"]))
    if pool == "ties":
        values = st.sampled_from([-1.5, 0.0, 0.25, 0.5, 0.75, 3.0])
    else:
        values = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
    s = np.array(draw(st.lists(values, min_size=m, max_size=m)), dtype=np.float64)
    return y, s


def sk_prf(func, y_true, y_pred, average):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn's UndefinedMetricWarning on 0/0
        return func(y_true, y_pred, average=average, zero_division=0)


# ----------------------------------------------------------------------------- hand-worked


def test_hand_worked_binary_counts():
    """y_true = [1,1,0,0,1], y_pred = [1,0,1,0,1]: TP = 2, FP = 1, FN = 1, TN = 1."""
    y_true, y_pred = [1, 1, 0, 0, 1], [1, 0, 1, 0, 1]
    np.testing.assert_array_equal(metrics.confusion_matrix(y_true, y_pred), [[1, 1], [1, 2]])
    assert metrics.accuracy(y_true, y_pred) == pytest.approx(3 / 5, rel=RTOL)
    assert metrics.precision(y_true, y_pred) == pytest.approx(2 / 3, rel=RTOL)  # 2 / (2 + 1)
    assert metrics.recall(y_true, y_pred) == pytest.approx(2 / 3, rel=RTOL)  # 2 / (2 + 1)
    assert metrics.f1_score(y_true, y_pred) == pytest.approx(2 / 3, rel=RTOL)  # 4 / (4 + 1 + 1)


def test_hand_worked_roc():
    """Scores [0.1, 0.4, 0.35, 0.8] for labels [0, 0, 1, 1]: 3 of the 4 (pos, neg) pairs are ordered."""
    fpr, tpr, thresholds = metrics.roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    np.testing.assert_allclose(fpr, [0.0, 0.0, 0.5, 0.5, 1.0], rtol=RTOL, atol=0)
    np.testing.assert_allclose(tpr, [0.0, 0.5, 0.5, 1.0, 1.0], rtol=RTOL, atol=0)
    np.testing.assert_array_equal(thresholds, [np.inf, 0.8, 0.4, 0.35, 0.1])
    assert metrics.roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75, rel=RTOL)


def test_all_tied_scores_give_the_diagonal():
    fpr, tpr, thresholds = metrics.roc_curve([0, 1, 0, 1, 1], [0.5] * 5)
    np.testing.assert_array_equal(fpr, [0.0, 1.0])
    np.testing.assert_array_equal(tpr, [0.0, 1.0])
    np.testing.assert_array_equal(thresholds, [np.inf, 0.5])
    assert metrics.roc_auc([0, 1, 0, 1, 1], [0.5] * 5) == pytest.approx(0.5, rel=RTOL)


def test_confusion_matrix_with_absent_and_extra_classes():
    y_true, y_pred = [0, 2, 2, 0], [0, 2, 0, 0]
    np.testing.assert_array_equal(metrics.confusion_matrix(y_true, y_pred), [[2, 0, 0], [0, 0, 0], [1, 0, 1]])
    cm = metrics.confusion_matrix(y_true, y_pred, n_classes=4)
    assert cm.shape == (4, 4) and cm.dtype == np.int64 and cm.sum() == 4


def test_ill_defined_scores_are_zero():
    """Nothing predicted positive: precision 0/0 -> 0; no positives at all: recall 0/0 -> 0."""
    assert metrics.precision([1, 0, 1], [0, 0, 0]) == 0.0
    assert metrics.recall([0, 0, 0], [0, 1, 0]) == 0.0
    assert metrics.f1_score([0, 0, 0], [0, 0, 0]) == 0.0


def test_float_whole_number_labels_are_accepted():
    assert metrics.accuracy(np.array([0.0, 1.0, 2.0]), [0, 1, 1]) == pytest.approx(2 / 3, rel=RTOL)


# ----------------------------------------------------------------------------- against sklearn


@SETTINGS
@given(label_pairs())
def test_accuracy_and_confusion_matrix_match_sklearn(pair):
    y_true, y_pred = pair
    assert metrics.accuracy(y_true, y_pred) == pytest.approx(skm.accuracy_score(y_true, y_pred), rel=RTOL)
    K = int(max(y_true.max(), y_pred.max())) + 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns when a single label is present
        expected = skm.confusion_matrix(y_true, y_pred, labels=list(range(K)))
        expected6 = skm.confusion_matrix(y_true, y_pred, labels=list(range(6)))
    np.testing.assert_array_equal(metrics.confusion_matrix(y_true, y_pred), expected)
    np.testing.assert_array_equal(metrics.confusion_matrix(y_true, y_pred, n_classes=6), expected6)


def assert_prf_match_sklearn(y_true, y_pred, average):
    """Our precision, recall and F1 equal scikit-learn's (zero_division=0) for this ``average``."""
    for ours, theirs in [
        (metrics.precision, skm.precision_score),
        (metrics.recall, skm.recall_score),
        (metrics.f1_score, skm.f1_score),
    ]:
        expected = sk_prf(theirs, y_true, y_pred, average)
        np.testing.assert_allclose(ours(y_true, y_pred, average=average), expected, rtol=RTOL, atol=0)


@SETTINGS
@given(label_pairs(), st.sampled_from(["micro", "macro", "weighted"]))
def test_multiclass_prf_match_sklearn(pair, average):
    y_true, y_pred = pair
    assert_prf_match_sklearn(y_true, y_pred, average)


@SETTINGS
@given(label_pairs(max_classes=2), st.sampled_from(AVERAGES))
def test_binary_prf_match_sklearn_every_average(pair, average):
    """Binary labels, including all-one-class y_true and/or y_pred, for every average mode."""
    y_true, y_pred = pair
    assert_prf_match_sklearn(y_true, y_pred, average)


@pytest.mark.parametrize("y_pred", [[1, 1, 1, 1], [0, 0, 0, 0]])
@pytest.mark.parametrize("average", AVERAGES)
def test_constant_predictions_match_sklearn(y_pred, average):
    y_true = [0, 1, 1, 0]
    assert_prf_match_sklearn(y_true, y_pred, average)


@SETTINGS
@given(binary_with_scores())
def test_roc_curve_matches_sklearn(data):
    y, s = data
    fpr, tpr, thresholds = metrics.roc_curve(y, s)
    e_fpr, e_tpr, e_thr = skm.roc_curve(y, s)
    np.testing.assert_allclose(fpr, e_fpr, rtol=RTOL, atol=0)
    np.testing.assert_allclose(tpr, e_tpr, rtol=RTOL, atol=0)
    np.testing.assert_array_equal(thresholds, e_thr)
    assert thresholds[0] == np.inf and fpr[0] == 0.0 and tpr[0] == 0.0 and fpr[-1] == 1.0 and tpr[-1] == 1.0


@SETTINGS
@given(binary_with_scores())
def test_roc_auc_matches_sklearn_and_mann_whitney(data):
    y, s = data
    auc = metrics.roc_auc(y, s)
    np.testing.assert_allclose(auc, skm.roc_auc_score(y, s), rtol=RTOL, atol=1e-15)
    pos, neg = s[y == 1], s[y == 0]
    diff = pos[:, None] - neg[None, :]  # (P, N)
    mann_whitney = (np.sum(diff > 0) + 0.5 * np.sum(diff == 0)) / diff.size
    np.testing.assert_allclose(auc, mann_whitney, rtol=RTOL, atol=1e-15)


def test_roc_accepts_float32_scores_and_returns_float64():
    y = np.array([0, 1, 1, 0, 1])
    s = np.array([0.2, 0.9, 0.4, 0.4, 0.7], dtype=np.float32)
    fpr, tpr, thresholds = metrics.roc_curve(y, s)
    e_fpr, e_tpr, e_thr = skm.roc_curve(y, s)
    assert thresholds.dtype == np.float64
    np.testing.assert_allclose(fpr, e_fpr, rtol=RTOL, atol=0)
    np.testing.assert_allclose(tpr, e_tpr, rtol=RTOL, atol=0)
    np.testing.assert_array_equal(thresholds, e_thr)


regression_values = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@st.composite
def regression_pairs(draw):
    m = draw(st.integers(2, 30))
    shape = draw(st.sampled_from([(m,), (m, 1), (m, 3)]))
    n = int(np.prod(shape))
    t = np.array(draw(st.lists(regression_values, min_size=n, max_size=n))).reshape(shape)
    p = np.array(draw(st.lists(regression_values, min_size=n, max_size=n))).reshape(shape)
    return t, p


@SETTINGS
@given(regression_pairs())
def test_regression_metrics_match_sklearn(pair):
    t, p = pair
    np.testing.assert_allclose(metrics.mse(t, p), skm.mean_squared_error(t, p), rtol=RTOL, atol=0)
    np.testing.assert_allclose(metrics.rmse(t, p), skm.root_mean_squared_error(t, p), rtol=RTOL, atol=0)
    np.testing.assert_allclose(metrics.mae(t, p), skm.mean_absolute_error(t, p), rtol=RTOL, atol=0)
    np.testing.assert_allclose(metrics.r2_score(t, p), skm.r2_score(t, p), rtol=RTOL, atol=1e-12)


def test_regression_hand_worked():
    t, p = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 2.0, 4.0, 2.0])  # errors 0, 0, -1, 2
    assert metrics.mse(t, p) == pytest.approx(5 / 4, rel=RTOL)
    assert metrics.rmse(t, p) == pytest.approx(np.sqrt(5 / 4), rel=RTOL)
    assert metrics.mae(t, p) == pytest.approx(3 / 4, rel=RTOL)
    assert metrics.r2_score(t, p) == pytest.approx(1 - 5 / 5, abs=1e-15)  # sum (y - 2.5)^2 = 5


@pytest.mark.parametrize(
    ("y_pred", "expected"),
    [([3.0, 3.0, 3.0], 1.0), ([3.0, 3.0, 2.0], 0.0)],
    ids=["exact", "inexact"],
)
def test_r2_of_constant_y_true_follows_sklearn(y_pred, expected):
    """Zero denominator: 1.0 for exact predictions, else 0.0 (sklearn's force_finite=True)."""
    assert metrics.r2_score([3.0, 3.0, 3.0], y_pred) == expected
    assert skm.r2_score([3.0, 3.0, 3.0], y_pred) == expected


def test_r2_multioutput_with_one_constant_column_matches_sklearn():
    t = np.array([[1.0, 5.0], [2.0, 5.0], [4.0, 5.0]])
    p = np.array([[1.5, 5.0], [2.0, 4.0], [3.0, 5.0]])
    np.testing.assert_allclose(metrics.r2_score(t, p), skm.r2_score(t, p), rtol=RTOL, atol=0)


# ----------------------------------------------------------------------------- bad input

CLASSIFICATION = [metrics.accuracy, metrics.precision, metrics.recall, metrics.f1_score, metrics.confusion_matrix]
REGRESSION = [metrics.mse, metrics.rmse, metrics.mae, metrics.r2_score]
ROC = [metrics.roc_curve, metrics.roc_auc]


@pytest.mark.parametrize("func", CLASSIFICATION + REGRESSION + ROC)
def test_mismatched_lengths_are_rejected(func):
    with pytest.raises(ValueError, match=r"same number of samples \(rows\): y_true has 3, (y_pred|scores) has 4"):
        func([0, 1, 0], [0, 1, 1, 0])


@pytest.mark.parametrize("func", CLASSIFICATION + REGRESSION + ROC)
def test_empty_input_is_rejected(func):
    with pytest.raises(ValueError, match=r"y_true must not be empty"):
        func([], [])


@pytest.mark.parametrize("func", CLASSIFICATION)
@pytest.mark.parametrize(
    ("y_true", "y_pred", "exc", "match"),
    [
        ([0, np.nan, 1], [0, 1, 1], ValueError, r"y_true must be finite, but it contains NaN"),
        ([0, 1, 1], [0, 1, np.inf], ValueError, r"y_pred must be finite, .* index 2: inf"),
        ([0, 1.5, 1], [0, 1, 1], ValueError, r"y_true must hold whole-number class labels, got e.g. 1.5"),
        ([0, 1, 1], [0, -1, 1], ValueError, r"y_pred must hold labels >= 0, got -1"),
        ([[0, 1]], [[0, 1]], ValueError, r"y_true must be a 1-D array, got shape \(1, 2\)"),
        (["a", "b"], ["a", "b"], TypeError, r"y_true must hold real numbers .* got dtype <U1"),
    ],
)
def test_bad_labels_are_rejected(func, y_true, y_pred, exc, match):
    with pytest.raises(exc, match=match):
        func(y_true, y_pred)


@pytest.mark.parametrize("func", [metrics.precision, metrics.recall, metrics.f1_score])
def test_binary_average_rejects_other_labels(func):
    with pytest.raises(ValueError, match=r"y_true must hold binary labels 0 and 1 for average='binary'.*\[0, 1, 2\]"):
        func([0, 1, 2], [0, 1, 1])
    with pytest.raises(ValueError, match=r"y_pred must hold binary labels 0 and 1 for average='binary'.*\[1, 3\]"):
        func([0, 1, 1], [3, 1, 1])
    func([0, 1, 2], [0, 1, 1], average="macro")  # the same data are fine with a multiclass average


@pytest.mark.parametrize("func", [metrics.precision, metrics.recall, metrics.f1_score])
def test_unknown_average_is_rejected(func):
    match = r"average must be one of 'binary', 'micro', 'macro', 'weighted'; got 'samples'"
    with pytest.raises(ValueError, match=match):
        func([0, 1], [0, 1], average="samples")


def test_confusion_matrix_rejects_labels_beyond_n_classes():
    with pytest.raises(ValueError, match=r"y_pred holds label 3, outside the 3 classes 0..2"):
        metrics.confusion_matrix([0, 1, 2], [0, 1, 3], n_classes=3)
    with pytest.raises(ValueError, match=r"n_classes must be >= 1, got 0"):
        metrics.confusion_matrix([0, 1], [0, 1], n_classes=0)
    with pytest.raises(TypeError, match=r"n_classes must be an integer"):
        metrics.confusion_matrix([0, 1], [0, 1], n_classes=2.0)


@pytest.mark.parametrize("func", ROC)
@pytest.mark.parametrize("y_true", [[1, 1, 1], [0, 0, 0]])
def test_roc_needs_both_classes(func, y_true):
    match = r"y_true holds a single class \([01]\).*both positive \(1\) and negative \(0\)"
    with pytest.raises(ValueError, match=match):
        func(y_true, [0.1, 0.5, 0.9])


@pytest.mark.parametrize("func", ROC)
def test_roc_rejects_bad_input(func):
    match = r"y_true must hold binary labels 0 and 1 for a ROC curve, got labels \[0, 1, 2\]"
    with pytest.raises(ValueError, match=match):
        func([0, 1, 2], [0.1, 0.5, 0.9])
    with pytest.raises(ValueError, match=r"scores must be finite, but it contains NaN or inf \(first at index 1"):
        func([0, 1, 1], [0.1, np.nan, 0.9])
    with pytest.raises(ValueError, match=r"scores must be a 1-D array, got shape \(3, 2\)"):
        func([0, 1, 1], np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"y_true must hold whole-number class labels"):
        func([0, 0.5, 1], [0.1, 0.5, 0.9])


@pytest.mark.parametrize("func", REGRESSION)
def test_regression_rejects_bad_input(func):
    with pytest.raises(ValueError, match=r"y_pred must be finite, but it contains NaN or inf \(first at index 2"):
        func([1.0, 2.0, 3.0], [1.0, 2.0, np.nan])
    with pytest.raises(ValueError, match=r"y_true must be finite.*inf"):
        func([1.0, np.inf, 3.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"y_true and y_pred must have the same shape, got \(3, 2\) and \(3,\)"):
        func(np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match=r"y_true must be a 1-D or 2-D array, got shape \(2, 2, 2\)"):
        func(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))
    with pytest.raises(TypeError, match=r"y_pred must hold real numbers"):
        func([1.0, 2.0], ["a", "b"])


def test_r2_needs_two_samples():
    with pytest.raises(ValueError, match=r"r2_score needs at least 2 samples, got 1"):
        metrics.r2_score([1.0], [1.0])
