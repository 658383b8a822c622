r"""Evaluation metrics for classifiers and regressors, equal to :mod:`sklearn.metrics`.

Classification metrics take integer class labels ``0, 1, ..., K-1`` (float arrays of whole
numbers are accepted). For one class :math:`k`, counting over the :math:`m` samples,

.. math::

    TP_k = \#\{i: y_i = k,\ \hat y_i = k\},\quad
    FP_k = \#\{i: y_i \ne k,\ \hat y_i = k\},\quad
    FN_k = \#\{i: y_i = k,\ \hat y_i \ne k\},

.. math::

    \text{precision}_k = \frac{TP_k}{TP_k + FP_k},\quad
    \text{recall}_k = \frac{TP_k}{TP_k + FN_k},\quad
    F_{1,k} = \frac{2\,TP_k}{2\,TP_k + FP_k + FN_k}
    = \frac{2\,\text{precision}_k\,\text{recall}_k}{\text{precision}_k + \text{recall}_k}.

A ratio whose denominator is 0 (e.g. precision when nothing is predicted positive) is
ill-defined and set to 0.0, as scikit-learn does with ``zero_division=0``.

``average`` chooses how the per-class numbers become one:

* ``"binary"`` (default): labels must be 0/1; report class 1 (the positive class) only;
* ``"micro"``: sum :math:`TP, FP, FN` over classes first, then divide;
* ``"macro"``: unweighted mean of the per-class values;
* ``"weighted"``: mean weighted by each class's support :math:`TP_k + FN_k`.

Classes are those present in ``y_true`` or ``y_pred`` (scikit-learn's default ``labels``).
Every function returns a Python ``float`` (or arrays for :func:`roc_curve` and
:func:`confusion_matrix`) and raises a clear ``ValueError``/``TypeError`` instead of
returning NaN.

Argument order: every metric takes the truth first, ``metric(y_true, y_pred)``, as
:mod:`sklearn.metrics` does. The training losses of :mod:`mlp_lab.scratch.losses` take the
network's output first, ``loss(y_hat, y)``, as ``torch.nn.functional`` does; the argument
names say which is which. (:func:`mse` here and :func:`mlp_lab.scratch.losses.mse` give the same
number for one output per sample, whichever the order; with several outputs both average
over all entries.)
"""

import numpy as np

from mlp_lab._validation import POSITIVE_INT, as_float_array, as_labels, check_choice, check_same_length, validate

__all__ = ["accuracy", "confusion_matrix", "f1_score", "mae", "mse", "precision", "r2_score", "recall", "rmse",
           "roc_auc", "roc_curve"]

_AVERAGES = ("binary", "micro", "macro", "weighted")


# --------------------------------------------------------------------------- helpers


def _check_labels_pair(y_true: object, y_pred: object) -> tuple[np.ndarray, np.ndarray]:
    t, p = as_labels(y_true, name="y_true"), as_labels(y_pred, name="y_pred")  # (m,) each
    check_same_length(y_true=t, y_pred=p)
    return t, p


def _check_binary(y: np.ndarray, *, name: str, why: str) -> None:
    """``y``: labels from :func:`as_labels` (non-empty, >= 0); they must be 0 or 1."""
    if y.max() > 1:
        raise ValueError(f"{name} must hold binary labels 0 and 1 {why}, got labels {np.unique(y).tolist()}")


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` element-wise, with 0.0 where ``den == 0`` (scikit-learn's zero_division=0)."""
    return np.divide(num, den, out=np.zeros(np.shape(num)), where=den != 0)


def _counts(y_true: object, y_pred: object, average: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(TP, TP + FP, TP + FN)`` per class (or summed, for ``average="micro"``)."""
    check_choice(average, name="average", choices=_AVERAGES)
    t, p = _check_labels_pair(y_true, y_pred)
    if average == "binary":
        why = "for average='binary' (use average='macro', 'micro' or 'weighted' for several classes)"
        _check_binary(t, name="y_true", why=why)
        _check_binary(p, name="y_pred", why=why)
        tp = np.array([np.count_nonzero((t == 1) & (p == 1))])  # class 1 only, (1,)
        return tp, np.array([np.count_nonzero(p == 1)]), np.array([np.count_nonzero(t == 1)])
    labels = np.union1d(t, p)  # classes present in either, sorted, (K,)
    cm = confusion_matrix(np.searchsorted(labels, t), np.searchsorted(labels, p))  # (K, K) rows true
    tp, pred_sum, true_sum = np.diag(cm), cm.sum(axis=0), cm.sum(axis=1)  # TP, TP + FP, TP + FN, each (K,)
    if average == "micro":
        return tp.sum(keepdims=True), pred_sum.sum(keepdims=True), true_sum.sum(keepdims=True)
    return tp, pred_sum, true_sum


def _average(score: np.ndarray, true_sum: np.ndarray, average: str) -> float:
    return float(np.average(score, weights=true_sum if average == "weighted" else None))


# --------------------------------------------------------------------------- classification


def accuracy(y_true: object, y_pred: object) -> float:
    r"""Fraction of correct predictions, :math:`\frac{1}{m}\sum_i [y_i = \hat y_i]`.

    Parameters
    ----------
    y_true, y_pred : array_like of int, shape (m,)
        True and predicted class labels.
    """
    t, p = _check_labels_pair(y_true, y_pred)
    return float(np.mean(t == p))


def precision(y_true: object, y_pred: object, *, average: str = "binary") -> float:
    r"""Precision :math:`TP / (TP + FP)`: of the samples predicted as a class, the fraction that are.

    Equal to ``sklearn.metrics.precision_score(..., average=average, zero_division=0)``.

    Parameters
    ----------
    y_true, y_pred : array_like of int, shape (m,)
        True and predicted class labels (0/1 for ``average="binary"``).
    average : {"binary", "micro", "macro", "weighted"}
        How classes are combined (see the module docstring). ``"binary"`` scores class 1.

    Returns
    -------
    float
        In :math:`[0, 1]`; 0.0 when :math:`TP + FP = 0`.
    """
    tp, pred_sum, true_sum = _counts(y_true, y_pred, average)
    return _average(_divide(tp, pred_sum), true_sum, average)


def recall(y_true: object, y_pred: object, *, average: str = "binary") -> float:
    r"""Recall :math:`TP / (TP + FN)`: of the samples of a class, the fraction found.

    Equal to ``sklearn.metrics.recall_score(..., average=average, zero_division=0)``.
    Parameters and return value as in :func:`precision`; 0.0 when :math:`TP + FN = 0`.
    """
    tp, pred_sum, true_sum = _counts(y_true, y_pred, average)
    return _average(_divide(tp, true_sum), true_sum, average)


def f1_score(y_true: object, y_pred: object, *, average: str = "binary") -> float:
    r"""F1 score :math:`2\,TP / (2\,TP + FP + FN)`, the harmonic mean of precision and recall.

    Equal to ``sklearn.metrics.f1_score(..., average=average, zero_division=0)``.
    Parameters and return value as in :func:`precision`; 0.0 when :math:`TP + FP + FN = 0`.
    With ``average="macro"`` this is the mean of per-class F1, not the F1 of the mean
    precision and recall.
    """
    tp, pred_sum, true_sum = _counts(y_true, y_pred, average)
    return _average(_divide(2 * tp, true_sum + pred_sum), true_sum, average)


def confusion_matrix(y_true: object, y_pred: object, *, n_classes: int | None = None) -> np.ndarray:
    r"""Counts :math:`C_{jk} = \#\{i: y_i = j,\ \hat y_i = k\}`: rows are true, columns predicted classes.

    Equal to ``sklearn.metrics.confusion_matrix(y_true, y_pred, labels=range(K))``.
    For binary labels, ``C = [[TN, FP], [FN, TP]]``.

    Parameters
    ----------
    y_true, y_pred : array_like of int, shape (m,)
        Labels in ``0..K-1``.
    n_classes : int, optional
        :math:`K`. Default: one more than the largest label seen, so absent classes in the
        middle still get a row and a column.

    Returns
    -------
    ndarray of int64, shape (K, K)
    """
    t, p = _check_labels_pair(y_true, y_pred)
    validate({"n_classes": [*POSITIVE_INT, None]}, n_classes=n_classes)
    K = int(max(t.max(), p.max())) + 1 if n_classes is None else int(n_classes)
    for name, labels in (("y_true", t), ("y_pred", p)):
        as_labels(labels, name=name, n_classes=K)  # every label < K
    return np.bincount(t * K + p, minlength=K * K).reshape(K, K)  # (K, K)


def roc_curve(y_true: object, scores: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Receiver operating characteristic: true- vs false-positive rate as the threshold falls.

    For a threshold :math:`\tau`, predict 1 when the score :math:`s_i \ge \tau`; then

    .. math::

        \text{TPR}(\tau) = \frac{TP(\tau)}{P}, \qquad \text{FPR}(\tau) = \frac{FP(\tau)}{N},

    with :math:`P` and :math:`N` the numbers of positive and negative samples. The thresholds
    are the distinct scores in decreasing order, preceded by :math:`+\infty` (nothing predicted
    positive, the point (0, 0)). Tied scores move the curve diagonally in one step.
    Points collinear with their neighbours are dropped. Equal to ``sklearn.metrics.roc_curve(y_true, scores)``.

    Parameters
    ----------
    y_true : array_like of int, shape (m,)
        Binary labels 0/1; both classes must be present.
    scores : array_like of float, shape (m,)
        Higher means more likely class 1 (probabilities, logits, decision values).

    Returns
    -------
    fpr, tpr : ndarray of float64, shape (n_thresholds,)
        Increasing rates, from 0 to 1.
    thresholds : ndarray of float64, shape (n_thresholds,)
        Decreasing; ``thresholds[0] = inf``.

    Raises
    ------
    ValueError
        If ``y_true`` holds only one class (scikit-learn warns and returns NaN instead).
    """
    t = as_labels(y_true, name="y_true")  # (m,)
    s = as_float_array(scores, name="scores", ndim=1).astype(np.float64, copy=False)  # (m,)
    check_same_length(y_true=t, scores=s)
    _check_binary(t, name="y_true", why="for a ROC curve")
    n_pos = np.count_nonzero(t)
    if n_pos == 0 or n_pos == t.size:
        raise ValueError(f"y_true holds a single class ({int(t[0])}); the ROC curve and its AUC need both "
                         "positive (1) and negative (0) samples")
    order = np.argsort(-s, kind="stable")  # decreasing scores
    s, t = s[order], t[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]  # last index of each distinct score
    tps = np.cumsum(t, dtype=np.float64)[last_of_tie]  # TP when predicting 1 for s >= threshold
    fps = 1 + last_of_tie - tps  # FP = (samples above threshold) - TP
    thresholds = s[last_of_tie]
    if fps.size > 2:  # drop the points collinear with their neighbours
        corner = np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True]
        fps, tps, thresholds = fps[corner], tps[corner], thresholds[corner]
    fps, tps = np.r_[0.0, fps], np.r_[0.0, tps]
    return fps / fps[-1], tps / tps[-1], np.r_[np.inf, thresholds]


def roc_auc(y_true: object, scores: object) -> float:
    r"""Area under the ROC curve (trapezoidal rule), for binary labels.

    Equals the probability that a random positive scores above a random negative, ties
    counting one half (the Mann-Whitney statistic):

    .. math::

        \text{AUC} = \frac{1}{P\,N}\sum_{i: y_i = 1}\ \sum_{j: y_j = 0}
        \Big([s_i > s_j] + \tfrac12 [s_i = s_j]\Big).

    Equal to ``sklearn.metrics.roc_auc_score(y_true, scores)`` for binary ``y_true``.
    Parameters and errors as in :func:`roc_curve` (a single class in ``y_true`` is an error).
    """
    fpr, tpr, _ = roc_curve(y_true, scores)
    return float(np.trapezoid(tpr, fpr))


# --------------------------------------------------------------------------- regression


def _check_regression(y_true: object, y_pred: object) -> tuple[np.ndarray, np.ndarray]:
    """Both as float64 arrays of shape (m, n_outputs)."""
    t = as_float_array(y_true, name="y_true", ndim=(1, 2)).astype(np.float64, copy=False)
    p = as_float_array(y_pred, name="y_pred", ndim=(1, 2)).astype(np.float64, copy=False)
    check_same_length(y_true=t, y_pred=p)
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got {t.shape} and {p.shape}")
    return t.reshape(len(t), -1), p.reshape(len(p), -1)  # (m, n_outputs)


def mse(y_true: object, y_pred: object) -> float:
    r"""Mean squared error :math:`\frac{1}{m}\sum_i (y_i - \hat y_i)^2`, truth first (scikit-learn's order).

    The training loss :func:`mlp_lab.scratch.losses.mse` takes ``(y_hat, y)``, prediction first.

    Parameters
    ----------
    y_true, y_pred : array_like of float, shape (m,) or (m, n_outputs)
        Targets and predictions; with several outputs the per-output errors are averaged
        (``sklearn.metrics.mean_squared_error``'s ``multioutput="uniform_average"``).
    """
    t, p = _check_regression(y_true, y_pred)
    return float(np.mean(np.mean((t - p) ** 2, axis=0)))


def rmse(y_true: object, y_pred: object) -> float:
    r"""Root mean squared error :math:`\sqrt{\frac{1}{m}\sum_i (y_i - \hat y_i)^2}`.

    With several outputs, the mean of the per-output RMSEs (as
    ``sklearn.metrics.root_mean_squared_error``), not the root of :func:`mse`.
    """
    t, p = _check_regression(y_true, y_pred)
    return float(np.mean(np.sqrt(np.mean((t - p) ** 2, axis=0))))


def mae(y_true: object, y_pred: object) -> float:
    r"""Mean absolute error :math:`\frac{1}{m}\sum_i |y_i - \hat y_i|` (per output, then averaged)."""
    t, p = _check_regression(y_true, y_pred)
    return float(np.mean(np.mean(np.abs(p - t), axis=0)))


def r2_score(y_true: object, y_pred: object) -> float:
    r"""Coefficient of determination :math:`R^2 = 1 - \frac{\sum_i (y_i - \hat y_i)^2}{\sum_i (y_i - \bar y)^2}`.

    1 is a perfect fit, 0 is as good as predicting the mean :math:`\bar y`, and it is negative
    for worse predictions. Equal to ``sklearn.metrics.r2_score`` (per output, then averaged),
    including its convention for a **constant** ``y_true`` (zero denominator): 1.0 if the
    predictions are exact, else 0.0 (scikit-learn's ``force_finite=True``).

    Raises
    ------
    ValueError
        With fewer than two samples, where :math:`R^2` is undefined (scikit-learn warns and
        returns NaN).
    """
    t, p = _check_regression(y_true, y_pred)
    if t.shape[0] < 2:
        raise ValueError(f"r2_score needs at least 2 samples, got {t.shape[0]}")
    numerator = np.sum((t - p) ** 2, axis=0)  # (n_outputs,)
    denominator = np.sum((t - np.mean(t, axis=0)) ** 2, axis=0)  # (n_outputs,)
    r2 = np.where(denominator != 0, 1 - _divide(numerator, denominator), numerator == 0)  # constant y_true: 1 if exact
    return float(np.mean(r2))
