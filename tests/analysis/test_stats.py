"""The statistics behind `labrails analyze`, against values computed by hand or printed in t tables."""

from __future__ import annotations

import math

import pytest

from labrails.analysis.stats import (betainc, compare_paired, min_sign_flip_p, paired_t, pooled_std, sign_flip_p, summarize,
                            t_cdf, t_two_sided_p)


def test_summary_uses_the_sample_std_and_counts_nan_instead_of_averaging_it():
    s = summarize([0.90, 0.92, 0.97])
    # mean 0.93; deviations -0.03, -0.01, 0.04; squares sum to 0.0026; / (n-1) = 0.0013
    assert s.n == 3 and s.nonfinite == 0
    assert s.mean == pytest.approx(0.93)
    assert s.std == pytest.approx(math.sqrt(0.0013))
    assert (s.min, s.max) == (0.90, 0.97)

    with_nan = summarize([2.5, float("nan"), 2.1])
    assert with_nan.n == 2 and with_nan.nonfinite == 1 and with_nan.mean == pytest.approx(2.3)
    assert summarize([0.5]).std is None  # one seed has no spread
    assert summarize([float("nan")]).mean is None


def test_pooled_std_weights_each_group_by_its_degrees_of_freedom():
    a, b = summarize([0.90, 0.92, 0.97]), summarize([0.91, 0.95, 0.99])  # variances 0.0013 and 0.0016
    assert pooled_std(a, b) == pytest.approx(math.sqrt((2 * 0.0013 + 2 * 0.0016) / 4))
    assert pooled_std(summarize([1.0]), summarize([2.0])) is None


def test_incomplete_beta_matches_closed_forms():
    # I_x(1, 1) = x;  I_x(2, 3) = sum_{j=2}^{4} C(4, j) x^j (1-x)^(4-j);  I_x(a, b) = 1 - I_{1-x}(b, a)
    assert betainc(1, 1, 0.3) == pytest.approx(0.3, abs=1e-14)
    assert betainc(2, 3, 0.4) == pytest.approx(0.5248, abs=1e-12)
    assert betainc(2.5, 0.5, 0.7) == pytest.approx(1 - betainc(0.5, 2.5, 0.3), abs=1e-13)
    assert betainc(3, 4, 0.0) == 0.0 and betainc(3, 4, 1.0) == 1.0


@pytest.mark.parametrize("t, df", [(2.776, 4), (4.303, 2), (12.706, 1), (2.571, 5), (2.228, 10), (1.960, 1e6)])
def test_t_critical_values_from_the_table_give_p_of_0_05(t, df):
    assert t_two_sided_p(t, df) == pytest.approx(0.05, abs=2e-4)


@pytest.mark.parametrize("t", [-30.0, -2.0, -0.3, 0.0, 0.8, 4.303, 50.0])
def test_t_cdf_equals_the_closed_forms_for_one_and_two_degrees_of_freedom(t):
    assert t_cdf(t, 1) == pytest.approx(0.5 + math.atan(t) / math.pi, abs=1e-13)  # Cauchy
    assert t_cdf(t, 2) == pytest.approx(0.5 + t / (2 * math.sqrt(2 + t * t)), abs=1e-13)


def test_t_cdf_is_symmetric_and_monotone():
    for df in (1, 3, 7.5, 30):
        assert t_cdf(0.0, df) == pytest.approx(0.5)
        assert t_cdf(1.3, df) + t_cdf(-1.3, df) == pytest.approx(1.0)
        assert t_cdf(-1, df) < t_cdf(0.5, df) < t_cdf(2, df)
    assert t_cdf(math.inf, 3) == 1.0 and t_cdf(-math.inf, 3) == 0.0


def test_paired_t_test_by_hand():
    # differences 0.01, 0.03, 0.02: mean 0.02, sd 0.01, t = 0.02 / (0.01 / sqrt 3) = 3.4641, df 2
    t, df, p = paired_t([0.90, 0.92, 0.97], [0.91, 0.95, 0.99])
    assert t == pytest.approx(2 * math.sqrt(3)) and df == 2
    assert p == pytest.approx(1 - t / math.sqrt(2 + t * t))  # two-sided p for df=2, closed form: 0.0742
    assert p == pytest.approx(0.0742, abs=1e-4)


def test_paired_t_test_with_identical_shifts_or_one_pair():
    t, df, p = paired_t([1.0, 2.0, 3.0], [1.5, 2.5, 3.5])
    assert math.isinf(t) and p == 0.0
    assert paired_t([1.0, 2.0], [1.0, 2.0]) == (0.0, 1, 1.0)
    assert paired_t([1.0], [2.0]) == (None, 0, None)


def test_sign_flip_p_is_the_exact_share_of_all_sign_assignments():
    assert sign_flip_p([0.01, 0.03, 0.02]) == 0.25      # all 3 positive: 2 of 8 assignments are as extreme
    assert min_sign_flip_p(3) == 0.25
    assert sign_flip_p([1.0, -2.0, 3.0]) == 0.75        # |sum| >= 2 in 6 of 8 assignments
    assert sign_flip_p([0.5] * 5) == 2 / 32             # n=5: the best possible is 0.0625
    assert sign_flip_p([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]) == 2 / 64
    assert sign_flip_p([0.0, 0.0]) == 1.0
    assert min_sign_flip_p(6) < 0.05 < min_sign_flip_p(5)


def test_compare_paired_bundles_both_tests():
    result = compare_paired([0.90, 0.92, 0.97], [0.91, 0.95, 0.99])
    assert result.n == 3 and result.df == 2
    assert result.mean_diff == pytest.approx(0.02) and result.sd_diff == pytest.approx(0.01)
    assert result.p_permutation == 0.25 and result.min_p_permutation == 0.25
    with pytest.raises(ValueError):
        compare_paired([1.0, 2.0], [1.0])
