"""mlp_lab.course.animation: to_jshtml output made offline and deterministic, and still a working player."""

from __future__ import annotations

import base64
import re
import struct
import zlib

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.animation import FuncAnimation  # noqa: E402

from mlp_lab.course.animation import _make_offline, offline_jshtml  # noqa: E402


def small_animation(frames: int = 3) -> FuncAnimation:
    fig, ax = plt.subplots(figsize=(1.5, 1.5), dpi=40)
    im = ax.imshow(np.zeros((4, 4)), vmin=0, vmax=1)

    def update(i):
        im.set_data(np.full((4, 4), i / frames))
        return [im]

    anim = FuncAnimation(fig, update, frames=frames)
    plt.close(fig)
    return anim


@pytest.fixture(scope="module")
def raw_and_clean():
    anim = small_animation()
    raw = anim.to_jshtml()
    return raw, offline_jshtml(small_animation())


def test_raw_output_has_what_we_remove(raw_and_clean):
    raw, _ = raw_and_clean  # guards the test itself: matplotlib's template still has both problems
    assert "https://" in raw
    assert re.search(r"_anim_img[0-9a-f]{32}", raw)
    assert b"matplotlib.org" in b"".join(_frames(raw))  # the PNG text chunk


def test_no_external_address_or_icon_font_left(raw_and_clean):
    _, html = raw_and_clean
    assert re.search(r'<img id="_anim_img\w+" alt="[^"]+">', html)  # the frame image is described
    assert "http" not in html.lower()
    assert "<link" not in html
    assert 'class="fa' not in html
    assert b"matplotlib.org" not in b"".join(_frames(html))  # PNG text metadata gone too


def test_ids_are_deterministic_across_two_calls():
    a = offline_jshtml(small_animation())
    b = offline_jshtml(small_animation())
    assert a == b
    named = offline_jshtml(small_animation(), name="demo", alt='A "square" & friends')
    assert '<img id="_anim_imgdemo" alt="A &quot;square&quot; &amp; friends">' in named
    other = offline_jshtml(small_animation(frames=4))
    assert other != a  # a different animation gets a different default id


def test_player_still_wired_to_the_fixed_ids():
    html = offline_jshtml(small_animation(), name="demo")
    # Every id the JavaScript looks up exists in the markup, and the player object is the one
    # the buttons call.
    for var in ("img_id", "slider_id", "loop_select_id"):
        (value,) = re.findall(rf'var {var} = "([^"]+)";', html)
        assert f'id="{value}"' in html or f'name="{value}"' in html
    assert "animdemo = new Animation(frames, img_id, slider_id" in html
    assert html.count('onclick="animdemo.') == 9
    assert 'oninput="animdemo.set_frame' in html
    assert "new Array(3)" in html and html.count("frames[2] =") == 1


def test_frames_are_valid_pngs(raw_and_clean):
    _, html = raw_and_clean
    frames = _frames(html)
    assert len(frames) == 3
    for png in frames:
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert _chunks(png) == ["IHDR", "pHYs", "IDAT", "IEND"]  # no tEXt/iTXt/zTXt, every CRC right


def test_bad_input():
    anim = small_animation()
    anim.to_jshtml()  # rendered once, so that matplotlib does not warn about an unused animation
    with pytest.raises(ValueError, match="name must be letters"):
        offline_jshtml(anim, name="not ok!")
    with pytest.raises(ValueError, match="alt must be"):
        offline_jshtml(anim, alt="  ")
    with pytest.raises(ValueError, match="to_jshtml"):
        _make_offline("<div>not an animation</div>", name=None, alt="x")


def _frames(html: str) -> list[bytes]:
    return [base64.b64decode(b.replace("\\\n", ""))
            for b in re.findall(r'"data:image/png;base64,([A-Za-z0-9+/=\\\n]+)"', html)]


def _chunks(png: bytes) -> list[str]:
    """The chunk types of a PNG, in order, after checking each chunk's CRC."""
    types, pos = [], 8  # after the 8-byte signature
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        body = png[pos + 4:pos + 8 + length]  # type and data
        (crc,) = struct.unpack(">I", png[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(body) == crc, f"bad CRC in chunk {body[:4]!r}"
        types.append(body[:4].decode("ascii"))
        pos += 12 + length
    return types


def test_slider_is_labelled(raw_and_clean):
    _, clean = raw_and_clean
    slider = re.search(r'<input id="_anim_slider[^"]*"[^>]*>', clean)
    assert slider is not None and 'aria-label="animation frame"' in slider.group(0)


def _stored_player(path: str = "notebooks/05-initialisation.ipynb") -> str:
    """The HTML of the animation stored in chapter 5 (the one player the course shows)."""
    import json
    from pathlib import Path

    nb = json.loads((Path(__file__).resolve().parents[1] / path).read_text())
    players = ["".join(out["data"]["text/html"]) for cell in nb["cells"] for out in cell.get("outputs", [])
               if "_anim_img" in "".join(out.get("data", {}).get("text/html", ""))]
    assert len(players) == 1, f"expected one animation in {path}, found {len(players)}"
    return players[0]


def test_chapter_5_animation_is_small_offline_and_readable():
    """What chapter 5 used to print about its own player (size, offline) is checked here instead."""
    html = _stored_player()
    assert len(html.encode()) < 1_000_000  # under 1 MB of HTML in the notebook and on the page
    assert not re.search(r"https?://", html)  # plays offline: no external address
    frames = re.findall(r'"data:image/png;base64,([A-Za-z0-9+/=\\\n]+)"', html)
    assert len(frames) == 12
    png = base64.b64decode(frames[0].replace("\\\n", ""))
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    assert width >= 400, f"the frames are {width} px wide: too small to read on a 1280 px page"
    assert 'id="_anim_imgspirals"' in html and re.search(r'<img id="_anim_imgspirals" alt="[^"]+"', html)
