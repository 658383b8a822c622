"""Matplotlib animations as self-contained HTML: offline, deterministic, with play/pause and a slider.

:meth:`matplotlib.animation.Animation.to_jshtml` embeds every frame as a base64 PNG and a small
JavaScript player (matplotlib's :class:`~matplotlib.animation.HTMLWriter`), so the result plays in a
notebook and on a static site with no server. Three details stop it from being used as is in the
course:

* it links an external stylesheet (Font Awesome, from a CDN) for the icons of its buttons, so a
  page showing it makes a request to another host, and without the network the buttons are
  blank;
* it names its HTML elements with a random UUID (``_anim_img9dfd...``), so the same animation
  gives different HTML on every run and a stored notebook output can never be compared;
* every PNG frame carries a text chunk naming the matplotlib version and its web address.

:func:`offline_jshtml` renders the frames with the same writer, passing ``savefig``'s own
``metadata={"Software": None}`` so that no text chunk is written; then the external link goes, the
icons become Unicode symbols (black triangles and bars that every browser font has; each button
keeps its ``title`` and ``aria-label``), and the random id is replaced by a fixed one derived from
``name`` or, by default, from the frames themselves. The frame's
``<img>`` gets the ``alt`` text you give and the frame slider the label "animation frame" (a page
checker, and a screen reader, need both).
"""

from __future__ import annotations

import hashlib
import html as _html
import re
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.animation import Animation

__all__ = ["offline_jshtml"]

# Font Awesome icon class -> a Unicode symbol with the same meaning.
# The buttons, in order: slower, first frame, previous frame, play backwards, pause, play, next frame,
# last frame, faster.
_ICONS: dict[str, str] = {
    "fa fa-minus": "&#8722;", "fa fa-fast-backward": "|&#9664;&#9664;", "fa fa-step-backward": "|&#9664;",
    "fa fa-play fa-flip-horizontal": "&#9664;", "fa fa-pause": "&#10074;&#10074;", "fa fa-play": "&#9654;",
    "fa fa-step-forward": "&#9654;|", "fa fa-fast-forward": "&#9654;&#9654;|", "fa fa-plus": "+"}
_LINK = re.compile(r"<link[^>]*href=[\"']https?://[^>]*>\s*", re.IGNORECASE)
_UID = re.compile(r'id="_anim_img([0-9a-f]{32})"')
_FRAME = re.compile(r'"data:image/png;base64,([A-Za-z0-9+/=\\\n]+)"')
_NAME = re.compile(r"[A-Za-z0-9_]+")


_DEFAULT_ALT = "Frames of an animation; the buttons below play, pause and step through them."


def offline_jshtml(anim: Animation, *, name: str | None = None, alt: str = _DEFAULT_ALT,
                   fps: float | None = None) -> str:
    """The animation as HTML that requests nothing from the network and is the same on every run.

    Parameters
    ----------
    anim : matplotlib.animation.Animation
        E.g. a :class:`~matplotlib.animation.FuncAnimation`. Its frames are rendered here; the
        player loops (``to_jshtml``'s default for a repeating animation).
    name : str, optional, keyword-only
        Letters, digits and ``_``: the elements' ids become ``_anim_img<name>`` and so on, and
        the player object ``anim<name>``. Give different names to two animations on one page.
        By default, a hash of the frames (so two different animations never clash).
    alt : str, keyword-only
        The alternative text of the frame image: what the animation shows, in words.
    fps : float, optional, keyword-only
        Frames per second of the player; by default the animation's own, ``1000 / interval``.

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
    from matplotlib.animation import HTMLWriter

    writer = HTMLWriter(fps=fps or 1000 / anim.event_source.interval, embed_frames=True, default_mode="loop")
    with TemporaryDirectory() as tmp:  # what to_jshtml does, with savefig's metadata= set
        path = Path(tmp, "animation.html")
        anim.save(str(path), writer=writer, savefig_kwargs={"metadata": {"Software": None}})
        html = path.read_text()
    return _make_offline(html, name=name, alt=alt)


def _make_offline(html: str, *, name: str | None, alt: str) -> str:
    """The writer's HTML without its external link, icon font and random id; ``alt`` on the image."""
    found = _UID.search(html)
    if found is None:
        raise ValueError("html does not look like the output of Animation.to_jshtml (no _anim_img id)")
    html = _LINK.sub("", html).replace('\\\n"', '"')  # no line continuation after a frame's last base64 line
    for icon, symbol in _ICONS.items():
        html = html.replace(f'<i class="{icon}"></i>', symbol)
    if name is None:
        frames = "".join(_FRAME.findall(html))
        name = "h" + hashlib.sha256(frames.encode("ascii")).hexdigest()[:16]
    html = html.replace(found.group(1), name)
    img = f'<img id="_anim_img{name}"'
    html = html.replace(img, f'{img} alt="{_html.escape(alt, quote=True)}"', 1)
    slider = f'<input id="_anim_slider{name}"'  # a range input needs a name for a screen reader
    html = html.replace(slider, f'{slider} aria-label="animation frame"', 1)
    if re.search(r"https?://", html):  # pragma: no cover - a new matplotlib template would land here
        raise ValueError("the HTML still holds an external address after cleaning; update mlp_lab.course.animation")
    return html
