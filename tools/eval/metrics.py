"""Segmentation and depth metrics of EdgeMoE Live (numpy only).

Segmentation (accumulated over a whole set through one confusion matrix):
    pixel accuracy = correct pixels / all pixels
    IoU_c          = TP_c / (TP_c + FP_c + FN_c)
    mIoU           = mean of IoU_c over the classes that occur in the ground truth
                     or in the prediction (a class absent from both has no IoU and
                     is left out, the usual convention)

Depth (valid pixels only: ground truth > 0; the sky is 0 = invalid), accumulated
over all valid pixels of the set (pixel-weighted, not per-image means):
    AbsRel  = mean |p - g| / g
    RMSE    = sqrt(mean (p - g)^2)            metres
    delta_n = fraction of pixels with max(p/g, g/p) < 1.25^n, n = 1, 2, 3
Predictions are clamped to [min_depth, max_depth] first (default [0.1, 80] m, the
range of the ground truth, which clips valid depth at 80 m), so a negative or huge
raw output counts as a bad prediction rather than breaking the ratio.
"""

import math

import numpy as np


class SegMetric:
    def __init__(self, num_classes):
        self.num_classes = int(num_classes)
        self.confusion = np.zeros((self.num_classes, self.num_classes), dtype=np.int64)

    def update(self, pred, gt):
        """pred, gt: integer class ids of the same shape (any number of images)."""
        pred = np.asarray(pred).astype(np.int64).ravel()
        gt = np.asarray(gt).astype(np.int64).ravel()
        if pred.shape != gt.shape:
            raise ValueError("prediction and ground truth differ in size")
        n = self.num_classes
        if pred.size and (pred.min() < 0 or pred.max() >= n or gt.min() < 0 or gt.max() >= n):
            raise ValueError("class id out of range 0..%d" % (n - 1))
        # confusion[g, p]: ground truth g predicted as p
        self.confusion += np.bincount(gt * n + pred, minlength=n * n).reshape(n, n)

    def result(self):
        c = self.confusion.astype(np.float64)
        tp = np.diag(c)
        fp = c.sum(0) - tp
        fn = c.sum(1) - tp
        denom = tp + fp + fn
        with np.errstate(invalid="ignore", divide="ignore"):
            iou = np.where(denom > 0, tp / denom, np.nan)
        present = denom > 0
        total = c.sum()
        return {
            "miou": float(np.nanmean(iou)) if present.any() else float("nan"),
            "pixel_acc": float(tp.sum() / total) if total > 0 else float("nan"),
            "iou": [None if math.isnan(v) else float(v) for v in iou],
            "pixels": int(total),
        }


class DepthMetric:
    def __init__(self, min_depth=0.1, max_depth=80.0):
        self.min_depth, self.max_depth = float(min_depth), float(max_depth)
        self.n = 0
        self.abs_rel = 0.0
        self.sq = 0.0
        self.abs = 0.0
        self.d = np.zeros(3, dtype=np.int64)

    def update(self, pred, gt):
        """pred: depth in metres, gt: ground-truth metres (0 = invalid), same shape."""
        pred = np.asarray(pred, dtype=np.float64)
        gt = np.asarray(gt, dtype=np.float64)
        if pred.shape != gt.shape:
            raise ValueError("prediction %s and ground truth %s differ in shape" % (pred.shape, gt.shape))
        valid = gt > 0
        g = gt[valid]
        p = np.clip(pred[valid], self.min_depth, self.max_depth)
        if g.size == 0:
            return
        err = p - g
        self.n += g.size
        self.abs_rel += float(np.sum(np.abs(err) / g))
        self.sq += float(np.sum(err * err))
        self.abs += float(np.sum(np.abs(err)))
        ratio = np.maximum(p / g, g / p)
        for i in range(3):
            self.d[i] += int(np.sum(ratio < 1.25 ** (i + 1)))

    def result(self):
        if self.n == 0:
            nan = float("nan")
            return {"abs_rel": nan, "rmse": nan, "mae": nan, "delta1": nan, "delta2": nan,
                    "delta3": nan, "pixels": 0}
        return {
            "abs_rel": self.abs_rel / self.n,
            "rmse": math.sqrt(self.sq / self.n),
            "mae": self.abs / self.n,
            "delta1": float(self.d[0]) / self.n,
            "delta2": float(self.d[1]) / self.n,
            "delta3": float(self.d[2]) / self.n,
            "pixels": int(self.n),
        }
