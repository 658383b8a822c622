"""Matplotlib animations as self-contained HTML: offline, deterministic, with play/pause and a slider.

:meth:`matplotlib.animation.Animation.to_jshtml` embeds every frame as a base64 PNG and a small
JavaScript player, so the result plays in a notebook and on a static site with no server. Two
details stop it from being used as is in the course:

* it links an external stylesheet (Font Awesome, from a CDN) for the icons of its buttons, so a
  page showing it makes a request to another host, and without the network the buttons are
  blank;
* it names its HTML elements with a random UUID (``_anim_img9dfd...``), so the same animation
  gives different HTML on every run and a stored notebook output can never be compared.

:func:`offline_jshtml` fixes both: the external link goes, the icons become Unicode symbols
(black triangles and bars that every browser font has; each button keeps its ``title`` and
``aria-label``), the PNG frames lose their text metadata
(which holds the matplotlib version and its web address), and the random id is replaced by a
fixed one derived from ``name`` or, by default, from the frames themselves. The frame's
``<img>`` gets the ``alt`` text you give (a page checker, and a screen reader, need one).
"""

from __future__ import annotations

import base64
import hashlib
import html as _html
import re
import struct
import zlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.animation import Animation

__all__ = ["make_offline", "offline_jshtml"]

# Font Awesome icon class -> a Unicode symbol with the same meaning.
_ICONS: dict[str, str] = {
    "fa fa-minus": "&#8722;",  # minus sign: slower
    "fa fa-fast-backward": "|&#9664;&#9664;",  # first frame
    "fa fa-step-backward": "|&#9664;",  # previous frame
    "fa fa-play fa-flip-horizontal": "&#9664;",  # play backwards
    "fa fa-pause": "&#10074;&#10074;",  # pause
    "fa fa-play": "&#9654;",  # play
    "fa fa-step-forward": "&#9654;|",  # next frame
    "fa fa-fast-forward": "&#9654;&#9654;|",  # last frame
    "fa fa-plus": "+",  # faster
}
_LINK = re.compile(r"<link[^>]*href=[\"']https?://[^>]*>\s*", re.IGNORECASE)
_UID = re.compile(r'id="_anim_img([0-9a-f]{32})"')
_FRAME = re.compile(r'"data:image/png;base64,([A-Za-z0-9+/=\\\n]+)"')
_NAME = re.compile(r"[A-Za-z0-9_]+")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


_DEFAULT_ALT = "Frames of an animation; the buttons below play, pause and step through them."


def offline_jshtml(
    anim: Animation, *, name: str | None = None, alt: str = _DEFAULT_ALT, fps: float | None = None
) -> str:
    """The animation as HTML that requests nothing from the network and is the same on every run.

    Parameters
    ----------
    anim : matplotlib.animation.Animation
        E.g. a :class:`~matplotlib.animation.FuncAnimation`. Its frames are rendered here.
    name : str, optional, keyword-only
        Letters, digits and ``_``: the elements' ids become ``_anim_img<name>`` and so on, and
        the player object ``anim<name>``. Give different names to two animations on one page.
        By default, a hash of the frames (so two different animations never clash).
    alt : str, keyword-only
        The alternative text of the frame image: what the animation shows, in words.
    fps : float, optional, keyword-only
        Frames per second of the player; matplotlib's default (from the animation's
        ``interval``) when omitted.

    Returns
    -------
    str
        HTML (a ``<script>``, a ``<style>`` and a ``<div>``) to show with
        ``IPython.display.HTML``. It contains no ``http://`` or ``https://`` address.

    Raises
    ------
    ValueError
        If ``name`` has other characters, or the HTML is not in the format of
        ``to_jshtml`` that this function knows.
    """
    if name is not None and (not isinstance(name, str) or not _NAME.fullmatch(name)):
        raise ValueError(f"name must be letters, digits and '_' (it becomes an HTML id), got {name!r}")
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError(f"alt must be a non-empty description of the animation, got {alt!r}")
    html = anim.to_jshtml(fps=fps)
    return make_offline(html, name=name, alt=alt)


def make_offline(html: str, *, name: str | None = None, alt: str = _DEFAULT_ALT) -> str:
    """:func:`offline_jshtml`'s work on an HTML string produced by ``to_jshtml``."""
    found = _UID.search(html)
    if found is None:
        raise ValueError("html does not look like the output of Animation.to_jshtml (no _anim_img id)")
    html = _LINK.sub("", html)
    for icon, symbol in _ICONS.items():
        html = html.replace(f'<i class="{icon}"></i>', symbol)
    html = _FRAME.sub(lambda m: f'"data:image/png;base64,{_strip_png_text(m.group(1))}"', html)
    if name is None:
        frames = "".join(_FRAME.findall(html))
        name = "h" + hashlib.sha256(frames.encode("ascii")).hexdigest()[:16]
    html = html.replace(found.group(1), name)
    img = f'<img id="_anim_img{name}"'
    html = html.replace(img, f'{img} alt="{_html.escape(alt, quote=True)}"', 1)
    if re.search(r"https?://", html):  # pragma: no cover - a new matplotlib template would land here
        raise ValueError("to_jshtml's output still holds an external address after cleaning; update mlp_lab.animation")
    return html


def _strip_png_text(b64: str) -> str:
    """A base64 PNG (as ``to_jshtml`` writes it, lines ending in ``\\``) without tEXt/iTXt/zTXt chunks."""
    lines = b64.split("\\\n")
    data = base64.b64decode("".join(lines))
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError("an embedded frame is not a PNG image")
    out, pos = [_PNG_SIGNATURE], len(_PNG_SIGNATURE)
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        end = pos + 12 + length  # length, type, data, CRC
        if kind not in (b"tEXt", b"iTXt", b"zTXt"):
            out.append(data[pos:end])
        pos = end
    clean = base64.b64encode(b"".join(out)).decode("ascii")
    width = len(lines[0]) if len(lines) > 1 else 76
    return "\\\n".join(clean[i:i + width] for i in range(0, len(clean), width))


def _png_crc_ok(png: bytes) -> bool:
    """Whether every chunk's CRC is right (used by the tests)."""
    pos = len(_PNG_SIGNATURE)
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        body = png[pos + 4:pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(body) != crc:
            return False
        pos += 12 + length
    return True
