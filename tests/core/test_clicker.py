"""The robot clicker on masks whose answer is known by hand.

Distance transform semantics: exact L2 to the nearest pixel outside the mask, the image border
counting as outside (1-px zero padding), so a pixel on the mask's edge has distance 1.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from napari_everyclick.core.clicker import (
    RADIUS_STRATEGIES,
    RobotClicker,
    component_at,
    enclosing_radius,
    largest_component,
    padded_distance,
)
from napari_everyclick.core.clicks import Click


def square(shape, top, left, side):
    m = np.zeros(shape, dtype=bool)
    m[top : top + side, left : left + side] = True
    return m


# --- helpers --------------------------------------------------------------------------------


def test_padded_distance_counts_the_border_as_outside():
    d = padded_distance(np.ones((5, 7), dtype=bool))
    # an all-object slice: distance to the nearest padding pixel, min(i+1, j+1, 5-i, 7-j)
    expected = [[min(i + 1, j + 1, 5 - i, 7 - j) for j in range(7)] for i in range(5)]
    np.testing.assert_allclose(d, expected)
    assert d.max() == 3.0 and d[2, 3] == 3.0


def test_padded_distance_is_euclidean_and_zero_outside():
    m = np.ones((9, 9), dtype=bool)
    m[0, 0] = False
    d = padded_distance(m)
    assert d[0, 0] == 0.0
    assert d[1, 1] == pytest.approx(math.sqrt(2), abs=1e-4)  # nearest zero diagonally
    assert d[4, 4] == 5.0  # border padding at distance 5


def test_largest_component_uses_8_connectivity():
    m = np.zeros((10, 10), dtype=bool)
    m[0, 0] = m[1, 1] = m[2, 2] = True  # one diagonal component of 3
    m[5:7, 5] = True  # a vertical bar of 2
    expected = np.zeros_like(m)
    expected[[0, 1, 2], [0, 1, 2]] = True
    np.testing.assert_array_equal(largest_component(m), expected)
    assert largest_component(np.zeros((4, 4), bool)).sum() == 0


def test_component_at_uses_4_connectivity():
    m = np.zeros((4, 4), dtype=bool)
    m[0, 0] = m[0, 1] = True
    m[1, 2] = True  # touches (0, 1) only diagonally
    c = component_at(m, 0, 0)
    assert c.sum() == 2 and c[0, 1] and not c[1, 2]
    assert component_at(m, 1, 2).sum() == 1


@pytest.mark.parametrize("side", [1, 2, 5, 21])
def test_enclosing_radius_of_a_square_is_half_its_pixel_centre_diagonal(side):
    r = enclosing_radius(square((30, 30), 3, 4, side))
    assert r == pytest.approx((side - 1) * math.sqrt(2) / 2, abs=1e-3)


def test_enclosing_radius_of_a_bar():
    bar = np.zeros((10, 20), dtype=bool)
    bar[4, 2:13] = True  # 11 pixel centres spanning 10 px
    assert enclosing_radius(bar) == pytest.approx(5.0, abs=1e-3)


# --- first click ------------------------------------------------------------------------------


def test_first_click_is_the_centre_of_a_square():
    target = square((40, 40), 5, 5, 21)
    click = RobotClicker(target, "tight").next_click()
    assert click == Click(15.0, 15.0, True, 11.0)


def test_first_click_on_the_largest_component_not_the_thickest():
    # a thick 9x9 square (81 px, DT max 5) and a long 3x40 bar (120 px, DT max 2)
    target = square((30, 60), 2, 2, 9)
    target[20:23, 10:50] = True
    click = RobotClicker(target, "static").next_click()
    assert click.positive
    assert click.y == 21.0 and 10 <= click.x < 50  # in the bar
    assert click.x == 11.0  # first pixel in raster order with DT 2: (21, 11)
    assert click.radius == 5.0


def test_equal_components_the_first_in_raster_order_wins():
    target = square((30, 30), 15, 2, 5) | square((30, 30), 2, 20, 5)  # both 25 px
    click = RobotClicker(target, "static").next_click()
    assert (click.y, click.x) == (4.0, 22.0)  # the upper one starts first in raster order


def test_first_click_ties_go_to_the_first_pixel_in_raster_order():
    target = square((20, 20), 5, 5, 4)  # centre 2x2 block all at DT 2
    click = RobotClicker(target, "tight").next_click()
    assert (click.y, click.x, click.radius) == (6.0, 6.0, 2.0)


def test_first_click_ignores_the_given_prediction():
    target = square((20, 20), 5, 5, 5)
    click = RobotClicker(target, "static").next_click(prediction=target)
    assert (click.y, click.x, click.positive) == (7.0, 7.0, True)


def test_empty_target_gives_no_click():
    assert RobotClicker(np.zeros((10, 10), bool)).next_click() is None


def test_target_touching_the_border():
    target = np.zeros((10, 10), dtype=bool)
    target[:, :3] = True  # a 10x3 strip on the left edge: DT 2 on column 1, rows 1..8
    click = RobotClicker(target, "tight").next_click()
    assert (click.y, click.x, click.radius) == (1.0, 1.0, 2.0)


# --- next clicks ------------------------------------------------------------------------------


def test_next_click_is_positive_in_a_missed_region():
    target = square((40, 40), 5, 5, 21)
    robot = RobotClicker(target, "tight")
    robot.next_click()
    prediction = target.copy()
    prediction[5:26, 5:12] = False  # missed a 21x7 strip: DT max 4 at column 8, rows 8..
    click = robot.next_click(prediction)
    assert click.positive
    assert (click.y, click.x, click.radius) == (8.0, 8.0, 4.0)


def test_next_click_is_negative_in_a_false_positive_region():
    target = square((40, 40), 5, 5, 21)
    robot = RobotClicker(target, "tight")
    robot.next_click()
    prediction = target | square((40, 40), 30, 30, 7)  # a 7x7 leak, DT 4 at (33, 33)
    click = robot.next_click(prediction)
    assert not click.positive
    assert (click.y, click.x, click.radius) == (33.0, 33.0, 4.0)


def test_the_larger_error_wins():
    target = square((60, 60), 2, 2, 30)
    robot = RobotClicker(target, "tight")
    robot.next_click()
    prediction = target.copy()
    prediction[2:7, 2:7] = False  # FN 5x5 in the target's corner: DT 3
    prediction |= square((60, 60), 45, 45, 9)  # FP 9x9: DT 5
    click = robot.next_click(prediction)
    assert not click.positive and (click.y, click.x) == (49.0, 49.0)
    prediction[45:54, 45:54] = False  # the FP is corrected, the FN remains
    click = robot.next_click(prediction)
    assert click.positive and (click.y, click.x) == (4.0, 4.0)


def test_ties_give_a_negative_click():
    target = square((40, 40), 2, 2, 20)
    robot = RobotClicker(target, "tight")
    robot.next_click()
    prediction = target.copy()
    prediction[30:35, 30:35] = True  # FP 5x5, DT 3
    prediction[2:7, 2:7] = False  # FN 5x5 in the target's corner, DT 3
    click = robot.next_click(prediction)
    assert not click.positive and (click.y, click.x) == (32.0, 32.0)


def test_no_click_when_prediction_equals_target():
    target = square((30, 30), 3, 3, 10)
    robot = RobotClicker(target)
    robot.next_click()
    assert robot.next_click(target) is None
    assert len(robot.clicks) == 1


def test_missing_prediction_counts_as_empty():
    target = square((30, 30), 3, 3, 10)
    robot = RobotClicker(target, "static")
    first = robot.next_click()
    second = robot.next_click(None)
    # same DT maximum again, but the clicked pixel is excluded: next in raster order
    assert (first.y, first.x) == (7.0, 7.0)
    assert second.positive and (second.y, second.x) == (7.0, 8.0)


def test_clicks_are_recorded_in_order():
    target = square((30, 30), 3, 3, 10)
    robot = RobotClicker(target, "static")
    a = robot.next_click()
    b = robot.next_click(np.zeros_like(target))
    assert robot.clicks == [a, b]


# --- radius strategies ------------------------------------------------------------------------

SQ21 = square((40, 40), 5, 5, 21)
TIGHT21 = 11.0
ENCLOSING21 = 20 * math.sqrt(2) / 2  # 14.142


@pytest.mark.parametrize(
    "strategy, expected",
    [
        ("static", 5.0),
        ("tight", TIGHT21),
        ("enclosing", ENCLOSING21),
        ("avg", (TIGHT21 + ENCLOSING21) / 2),
    ],
)
def test_radius_strategies_on_a_square(strategy, expected):
    click = RobotClicker(SQ21, strategy).next_click()
    assert (click.y, click.x) == (15.0, 15.0)
    assert click.radius == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize(
    "strategy, first, later",
    [("drag-then-plain", "avg", "static"), ("plain-then-drag", "static", "avg")],
)
def test_mixed_strategies_switch_kind_after_the_first_click(strategy, first, later):
    mixed = RobotClicker(SQ21, strategy)
    pure = {name: RobotClicker(SQ21, name) for name in (first, later)}
    answer = np.zeros_like(SQ21)
    answer[5:26, 5:12] = True  # a third of the square: the next click is positive, to its right
    assert mixed.next_click().radius == pure[first].next_click().radius
    pure[later].next_click()
    assert mixed.next_click(answer).radius == pure[later].next_click(answer).radius
    assert first != later


def test_static_radius_is_configurable_and_its_clicks_stay_plain():
    click = RobotClicker(SQ21, "static", static_radius=3.0).next_click()
    assert click.radius == 3.0 and click.plain


@pytest.mark.parametrize("strategy", ["avg", "tight", "enclosing"])
def test_dynamic_clicks_are_drags_even_at_the_static_radius(strategy):
    target = np.zeros((40, 40), dtype=bool)
    target[15:24, 15:24] = True  # 9 x 9 px: tight radius 5 px at the centre
    click = RobotClicker(target, strategy).next_click()
    assert not click.plain


def test_enclosing_radius_uses_only_the_clicked_error_component():
    target = square((60, 60), 2, 2, 30)
    robot = RobotClicker(target, "enclosing")
    robot.next_click()
    prediction = target.copy()
    prediction[10:19, 10:19] = False  # FN hole 9x9 (DT 5): enclosing 8*sqrt(2)/2
    prediction[28:31, 2:32] = False  # a thin FN strip elsewhere (DT 2), not part of it
    click = robot.next_click(prediction)
    assert (click.y, click.x) == (14.0, 14.0)
    assert click.radius == pytest.approx(4 * math.sqrt(2), abs=1e-3)


def test_single_pixel_error_gets_the_minimum_radius():
    target = np.zeros((9, 9), dtype=bool)
    target[4, 4] = True
    for strategy in ("tight", "enclosing", "avg"):
        click = RobotClicker(target, strategy).next_click()
        assert (click.y, click.x) == (4.0, 4.0)
        # tight 1, enclosing 0 (a point): avg 0.5; enclosing is floored at 0.5
        assert click.radius == pytest.approx({"tight": 1.0, "enclosing": 0.5, "avg": 0.5}[strategy], abs=1e-3)


def test_distributed_radii_lie_in_the_widened_range():
    rng = np.random.default_rng(1234)
    radii = [
        RobotClicker(SQ21, "distributed", rng=rng, spread=0.1).next_click().radius
        for _ in range(200)
    ]
    assert min(radii) >= 0.9 * TIGHT21 - 1e-6
    assert max(radii) <= 1.1 * ENCLOSING21 + 1e-3
    # uniform on [9.9, 15.56]: the sample spreads over most of it
    assert min(radii) < 10.5 and max(radii) > 15.0


def test_distributed_is_reproducible_with_the_same_seed():
    a = RobotClicker(SQ21, "distributed", rng=np.random.default_rng(7)).next_click()
    b = RobotClicker(SQ21, "distributed", rng=np.random.default_rng(7)).next_click()
    assert a == b


def test_distributed_and_random_placement_need_an_rng():
    with pytest.raises(ValueError, match="rng"):
        RobotClicker(SQ21, "distributed")
    with pytest.raises(ValueError, match="rng"):
        RobotClicker(SQ21, "static", placement="random")


def test_unknown_strategy_is_rejected():
    with pytest.raises(ValueError, match="radius strategy"):
        RobotClicker(SQ21, "huge")  # type: ignore[arg-type]
    assert set(RADIUS_STRATEGIES) == {
        "static",
        "tight",
        "enclosing",
        "avg",
        "distributed",
        "drag-then-plain",
        "plain-then-drag",
    }


def test_unknown_placement_is_rejected():
    with pytest.raises(ValueError, match="placement must be"):
        RobotClicker(SQ21, "static", placement="centre")  # type: ignore[arg-type]


def test_random_placement_picks_a_pixel_above_half_the_max():
    rng = np.random.default_rng(0)
    d = padded_distance(SQ21)
    for _ in range(30):
        click = RobotClicker(SQ21, "static", rng=rng, placement="random").next_click()
        assert d[int(click.y), int(click.x)] > d.max() / 2


# --- determinism and properties ---------------------------------------------------------------


def run_robot(target, predictions, strategy="avg"):
    robot = RobotClicker(target, strategy)
    return [robot.next_click(p) for p in predictions]


def test_same_inputs_give_the_same_clicks():
    rng = np.random.default_rng(3)
    target = np.zeros((40, 40), dtype=bool)
    target[8:30, 10:33] = True
    predictions = [None] + [rng.random((40, 40)) > 0.5 for _ in range(6)]
    assert run_robot(target, predictions) == run_robot(target, predictions)


masks = hnp.arrays(bool, st.tuples(st.integers(1, 24), st.integers(1, 24)))


@st.composite
def target_and_predictions(draw):
    target = draw(masks)
    n = draw(st.integers(1, 6))
    preds = [draw(hnp.arrays(bool, target.shape)) for _ in range(n)]
    return target, preds


@given(target_and_predictions(), st.sampled_from(RADIUS_STRATEGIES))
def test_clicks_land_on_an_error_of_their_sign_never_twice(case, strategy):
    target, predictions = case
    robot = RobotClicker(target, strategy, rng=np.random.default_rng(0))
    first = robot.next_click()
    if not target.any():
        assert first is None
        return
    assert first.positive and largest_component(target)[int(first.y), int(first.x)]
    seen = {(first.y, first.x)}
    for prediction in predictions:
        click = robot.next_click(prediction)
        fn, fp = target & ~prediction, prediction & ~target
        if click is None:
            # nothing wrong, or every error pixel was clicked already
            errors = {(float(y), float(x)) for y, x in zip(*np.nonzero(fn | fp))}
            assert errors <= seen
            continue
        y, x = int(click.y), int(click.x)
        assert (click.y, click.x) == (y, x)  # on a pixel centre
        assert (fn if click.positive else fp)[y, x]
        assert (click.y, click.x) not in seen
        assert click.radius >= 0.5
        seen.add((click.y, click.x))


@st.composite
def mask_pairs(draw):
    shape = draw(st.tuples(st.integers(1, 24), st.integers(1, 24)))
    return draw(hnp.arrays(bool, shape)), draw(hnp.arrays(bool, shape))


@given(mask_pairs())
def test_click_sign_follows_the_larger_distance(pair):
    target, other = pair
    assume(target.any())
    robot = RobotClicker(target, "tight")
    first = robot.next_click()
    not_clicked = np.ones(target.shape)
    not_clicked[int(first.y), int(first.x)] = 0
    click = robot.next_click(other)
    dfn = (padded_distance(target & ~other) * not_clicked).max()
    dfp = (padded_distance(other & ~target) * not_clicked).max()
    if dfn == 0 and dfp == 0:
        assert click is None
    else:
        assert click.positive == (dfn > dfp)
        assert click.radius == pytest.approx(max(dfn, dfp, 0.5))
