"""BSS Eval v3 source criteria (SDR, SIR, SAR; Vincent, Gribonval and Févotte 2006) with the references'
work done once.

The definitions are those of mir_eval's `bss_eval_sources`: an estimate `e` is projected by least squares on the
span of the references delayed by 0 .. L-1 samples (L = 512, the allowed time-invariant distortion filter). With
`P_j e` its projection on reference j's delays alone and `P e` on every reference's delays (both as long as the
references plus L-1 samples, `e` zero-padded to that length):

    SDR = 10 log10 |P_j e|^2 / |e - P_j e|^2
    SIR = 10 log10 |P_j e|^2 / |P e - P_j e|^2
    SAR = 10 log10 |P e|^2   / |e - P e|^2

With a best permutation, each estimate is paired with the reference that gives the highest mean SIR over all
pairings (the first such pairing in lexicographic order on a tie).

mir_eval rebuilds and solves the references' lagged Gram matrix for every estimate and pair, though it depends on
the references only. `ReferenceScorer` builds it and its Cholesky factor once; each estimate then costs one batch of
FFT cross-correlations, triangular solves and FFT filterings. Figures agree with mir_eval's within rounding
(`check_bss_scores.py`).
"""
import itertools

import numpy as np
import scipy.fft
import scipy.linalg

FILTER_LENGTH = 512


def _all_zero_rows(signals):
    return [i for i, row in enumerate(signals) if not np.any(row)]


def _decibels(numerator, denominator):
    """10 log10 of the ratios; +inf where the denominator is 0 (a perfect estimate), as mir_eval reports it."""
    with np.errstate(divide="ignore"):
        return 10 * np.log10(numerator / denominator)


class _LinearSolver:
    """Solves G x = d for many right-hand sides with one factorisation of the Gram matrix G (Cholesky: G is
    symmetric positive definite for references that are not delayed copies of each other). A singular G falls back
    to the minimum-norm least-squares solution (a pseudo-inverse computed once), which gives the same projection."""

    def __init__(self, gram):
        try:
            self.factor = scipy.linalg.cho_factor(gram, check_finite=False)
            self.pseudo_inverse = None
        except np.linalg.LinAlgError:
            self.factor = None
            self.pseudo_inverse = scipy.linalg.pinvh(gram, check_finite=False)

    def solve(self, right_hand_sides):
        if self.factor is None:
            return self.pseudo_inverse @ right_hand_sides
        return scipy.linalg.cho_solve(self.factor, right_hand_sides, check_finite=False)


class ReferenceScorer:
    """Scores any number of estimates against one set of references (shape sources × samples)."""

    def __init__(self, references, filter_length=FILTER_LENGTH):
        references = np.atleast_2d(np.asarray(references, dtype=np.float64))
        silent = _all_zero_rows(references)
        if silent:
            raise ValueError(f"references {silent} are all zeros: every reference must sound")
        self.references = references
        self.filter_length = filter_length
        count, samples = references.shape
        # Long enough that neither the correlations over ±(L-1) lags nor the filterings wrap around.
        self.padded_length = samples + filter_length - 1
        self.fft_length = scipy.fft.next_fast_len(self.padded_length, real=True)
        self.spectra = scipy.fft.rfft(references, n=self.fft_length, axis=1)

        # correlations[i, j, k] = sum_t s_i[t + k] s_j[t]; the Gram entry of (s_i delayed by a, s_j delayed by b)
        # is correlations[i, j, b - a].
        correlations = scipy.fft.irfft(self.spectra[:, None, :] * np.conj(self.spectra[None, :, :]), n=self.fft_length, axis=2)
        taps = np.arange(filter_length)
        lags = (taps[None, :] - taps[:, None]) % self.fft_length
        blocks = correlations[:, :, lags]  # sources × sources × L × L
        gram = blocks.transpose(0, 2, 1, 3).reshape(count * filter_length, count * filter_length)
        gram = (gram + gram.T) / 2  # exactly symmetric; the two triangles differ by FFT rounding only
        self.all_sources = _LinearSolver(gram)
        self.each_source = [_LinearSolver(np.ascontiguousarray(blocks[j, j])) for j in range(count)]

    def _filtered(self, coefficients, sources):
        """sum over sources of coefficients[source] (taps) convolved with that reference, for each estimate:
        coefficients estimates × len(sources) × L → estimates × padded length."""
        taps = scipy.fft.rfft(coefficients, n=self.fft_length, axis=2)
        summed = np.einsum("msf,sf->mf", taps, self.spectra[sources])
        return scipy.fft.irfft(summed, n=self.fft_length, axis=1)[:, : self.padded_length]

    def scores(self, estimates, permute=False):
        """(sdr, sir, sar, permutation) per reference, as mir_eval's `bss_eval_sources` returns them: without
        `permute` estimate j is scored against reference j; with it, permutation[j] is the estimate paired with
        reference j."""
        estimates = np.atleast_2d(np.asarray(estimates, dtype=np.float64))
        count, samples = self.references.shape
        if estimates.shape != self.references.shape:
            raise ValueError(f"estimates have shape {estimates.shape}, references {self.references.shape}")
        silent = _all_zero_rows(estimates)
        if silent:
            raise ValueError(f"estimates {silent} are all zeros: a silent estimate cannot be scored")
        length = self.filter_length
        padded = np.zeros((count, self.padded_length))
        padded[:, :samples] = estimates

        # reference_by_estimate[i, m, a] = <s_i delayed by a, e_m>: correlation at lag -a.
        estimate_spectra = scipy.fft.rfft(estimates, n=self.fft_length, axis=1)
        cross = scipy.fft.irfft(self.spectra[:, None, :] * np.conj(estimate_spectra[None, :, :]), n=self.fft_length, axis=2)
        reference_by_estimate = cross[:, :, (-np.arange(length)) % self.fft_length]

        everything = self.all_sources.solve(reference_by_estimate.transpose(0, 2, 1).reshape(count * length, count))
        projection_all = self._filtered(everything.T.reshape(count, count, length), np.arange(count))

        pairs = [(m, j) for m in range(count) for j in range(count)] if permute else [(j, j) for j in range(count)]
        sdr = np.empty((count, count))
        sir = np.empty((count, count))
        for j in range(count):
            paired = [m for m, reference in pairs if reference == j]
            own = self.each_source[j].solve(reference_by_estimate[j, paired].T)  # L × paired estimates
            projection = self._filtered(own.T[:, None, :], np.array([j]))
            target = np.sum(projection ** 2, axis=1)
            sdr[paired, j] = _decibels(target, np.sum((padded[paired] - projection) ** 2, axis=1))
            sir[paired, j] = _decibels(target, np.sum((projection_all[paired] - projection) ** 2, axis=1))
        sar = _decibels(np.sum(projection_all ** 2, axis=1), np.sum((padded - projection_all) ** 2, axis=1))

        references = np.arange(count)
        if permute:
            orders = list(itertools.permutations(range(count)))
            best = orders[int(np.argmax([np.mean(sir[list(order), references]) for order in orders]))]
            order = np.array(best)
        else:
            order = references
        return sdr[order, references], sir[order, references], sar[order], order


class CachedScorer:
    """`ReferenceScorer` for the most recent references: an evaluation scores several sets of estimates of one clip
    in a row, and the references' factorisation is most of the work."""

    def __init__(self):
        self.scorer = None

    def scores(self, references, estimates, permute=False):
        references = np.atleast_2d(np.asarray(references, dtype=np.float64))
        if self.scorer is None or not np.array_equal(self.scorer.references, references):
            self.scorer = ReferenceScorer(references)
        return self.scorer.scores(estimates, permute)
