"""The scan picture: a valid, deterministic PNG that shows unknown as unknown."""

from __future__ import annotations

import dataclasses
import io
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from placement.chart import (
    HEIGHT_PX,
    WIDTH_PX,
    ChartFactor,
    ChartFactors,
    ChartLadder,
    ChartLayer,
    draw_scan_chart,
)

PHASES = ("Onbewust", "Verkennen", "In actie", "Toepassen", "Continu lerend")
BLUE = (0x00, 0x72, 0xB2)  # the fill of a layer that is not the respondent's own, and of a factor


def ladder(phases: dict[str, int | None] | None = None) -> ChartLadder:
    layers = {"Jij": 4, "Je collega's": 3, "Je leidinggevende": 2, "HR": None, "Directie of MT": 1}
    assert set(phases or {}) <= set(layers)
    layers.update(phases or {})
    return ChartLadder(
        title="Leren om je heen",
        phases=PHASES,
        layers=[ChartLayer(label=k, phase=v, own=k == "Jij") for k, v in layers.items()],
        unknown_label="onbekend",
    )


def factors(**scores: float | None) -> ChartFactors:
    values: dict[str, float | None] = {
        "Weten": 3.5,
        "Willen": 4.5,
        "Kunnen": 3.0,
        "Durven": None,
        "Mogen": 2.0,
    }
    assert set(scores) <= set(values)
    values.update(scores)
    return ChartFactors(
        title="Jouw eigen regie",
        factors=[
            ChartFactor(label=k, score=v, strongest=k == "Willen", weakest=k == "Mogen")
            for k, v in values.items()
        ],
        unknown_label="onbekend",
        strongest_label="sterkst",
        weakest_label="zwakst",
    )


def draw(lad: ChartLadder | None = None, fac: ChartFactors | None = None) -> bytes:
    return draw_scan_chart(
        ladder=lad or ladder(), factors=fac or factors(), title="Jouw leercultuurscan"
    )


def pixels(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def count_colour(png: bytes, rgb: tuple[int, int, int]) -> int:
    """How many pixels have (nearly) this colour."""
    distance = np.abs(pixels(png) - np.array(rgb, dtype=np.int16)).sum(axis=2)
    return int((distance <= 6).sum())


def test_is_a_png_of_the_expected_size() -> None:
    png = draw()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.size == (WIDTH_PX, HEIGHT_PX) == (800, 1100)
        image.verify()
    assert len(png) < 150 * 1024


def test_png_carries_no_software_or_date_metadata() -> None:
    with Image.open(io.BytesIO(draw())) as image:
        assert not {"Software", "Creation Time", "date:create"} & set(image.info)


def test_identical_input_gives_identical_bytes() -> None:
    assert draw() == draw()


def test_is_deterministic_across_threads() -> None:
    expected = draw()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: draw(), range(8)))
    assert all(r == expected for r in results)


def test_different_phases_give_different_images() -> None:
    assert draw(ladder({"Je collega's": 3})) != draw(ladder({"Je collega's": 4}))
    assert draw(ladder({"Jij": 1})) != draw(ladder({"Jij": 5}))


def test_different_scores_give_different_images() -> None:
    assert draw(fac=factors(Weten=3.5)) != draw(fac=factors(Weten=4.0))


def test_an_unknown_layer_draws_no_bar_at_zero() -> None:
    unknown = draw(ladder({"Directie of MT": None}))
    lowest = draw(ladder({"Directie of MT": 1}))
    assert unknown != lowest
    # Phase 1 fills one step of the ladder in blue; unknown fills none.
    step_area = 100 * 15
    assert count_colour(lowest, BLUE) - count_colour(unknown, BLUE) > step_area


def test_an_unknown_factor_draws_no_bar() -> None:
    unknown = draw(fac=factors(Weten=None))
    lowest = draw(fac=factors(Weten=1.0))
    assert unknown != lowest
    assert count_colour(lowest, BLUE) - count_colour(unknown, BLUE) > 100 * 15


def test_own_layer_is_highlighted() -> None:
    plain = dataclasses.replace(
        ladder(), layers=[dataclasses.replace(la, own=False) for la in ladder().layers]
    )
    assert draw(plain) != draw()


def test_long_and_odd_labels_do_not_raise() -> None:
    long = "Een heel erg lange naam die\nnooit op één regel past, met $x_1$ en 100% {} " * 5
    lad = ChartLadder(
        title=long,
        phases=[long, "", "In actie", "$", long],
        layers=[ChartLayer(label=long, phase=5, own=True), ChartLayer(label="", phase=None)],
        unknown_label=long,
    )
    fac = ChartFactors(
        title=long,
        factors=[
            ChartFactor(label=long, score=1.0, weakest=True),
            ChartFactor(label="$\\", score=5.0, strongest=True),
            ChartFactor(label=long, score=None),
        ],
        unknown_label=long,
        strongest_label=long,
        weakest_label=long,
    )
    png = draw_scan_chart(ladder=lad, factors=fac, title=long)
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (WIDTH_PX, HEIGHT_PX)


def test_empty_panels_do_not_raise() -> None:
    lad = dataclasses.replace(ladder(), layers=[])
    fac = dataclasses.replace(factors(), factors=[])
    assert draw(lad, fac).startswith(b"\x89PNG")


@pytest.mark.parametrize("phase", [0, 6, -1])
def test_a_phase_out_of_range_is_refused(phase: int) -> None:
    with pytest.raises(ValueError, match="phase"):
        draw(ladder({"HR": phase}))


@pytest.mark.parametrize("score", [0.5, 5.5, float("nan")])
def test_a_score_out_of_range_is_refused(score: float) -> None:
    with pytest.raises(ValueError, match="score"):
        draw(fac=factors(Weten=score))


# Draws charts in a process set up like the bot (bot/tuning.py) and prints how much its
# resident memory grew between the first and the 41st chart.
CHARTS_IN_A_ROW = """
import os
from benchmarks.process import memory_mb
from bot.tuning import tune_process

tune_process()  # before Pillow is imported: it reads its block size then
from tests.test_chart import draw  # noqa: E402
draw()
first = memory_mb(os.getpid(), "VmRSS")
for _ in range(40):
    draw()
print(memory_mb(os.getpid(), "VmRSS") - first)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_charts_drawn_one_after_another_do_not_pile_up_in_memory() -> None:
    # Every finished scan draws one; 40 held on to would be ~30 MB (95 MB for 200), and
    # freed pictures kept by the C heap ~17 MB.
    grown = subprocess.run(
        [sys.executable, "-c", CHARTS_IN_A_ROW],
        cwd=Path(__file__).parents[1],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert float(grown) < 6, f"resident memory grew {float(grown):.1f} MB over 40 charts"


# Pillow's block size is process-wide: only the process that serves the bot sets it.
BLOCK_SIZE_BEFORE_AND_AFTER = """
from PIL import Image
before = Image.core.get_block_size()
import placement.chart
assert Image.core.get_block_size() == before, "importing the chart changed Pillow"
print(before)
"""
TUNED_BLOCK_SIZE = """
from bot.tuning import tune_process
tune_process()
from PIL import Image
print(Image.core.get_block_size())
"""


def block_size_after(script: str) -> int:
    env = {k: v for k, v in os.environ.items() if k != "PILLOW_BLOCK_SIZE"}
    return int(
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=Path(__file__).parents[1],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )


@pytest.mark.slow
def test_pillow_is_tuned_only_by_the_serving_process() -> None:
    untouched = block_size_after(BLOCK_SIZE_BEFORE_AND_AFTER)
    assert block_size_after(TUNED_BLOCK_SIZE) == 4 * 1024 * 1024 != untouched
