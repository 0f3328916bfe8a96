"""An offline CAPTCHA for the public form: a small sum drawn as a distorted SVG image.

No external service and no JavaScript: the page shows an ``<img>`` with a ``data:`` URI (allowed by
the CSP's ``img-src data:``). The digits are drawn as jittered strokes, never as text, so the
image's markup does not spell the question. The answer stays in the session, expires after
``TTL_SECONDS`` and is used once: every check removes it, right or wrong.
"""

import base64
import math
import secrets
from dataclasses import dataclass

from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone

SESSION_KEY = "public_captcha"
TTL_SECONDS = 600

_Point = tuple[float, float]
_Stroke = list[_Point]

#: A stroke font on a 10 × 16 grid (x right, y down): each glyph is one or more polylines.
GLYPHS: dict[str, list[_Stroke]] = {
    "0": [[(3, 1), (7, 1), (9, 4), (9, 12), (7, 15), (3, 15), (1, 12), (1, 4), (3, 1)]],
    "1": [[(2, 4), (5, 1), (5, 15)]],
    "2": [[(1, 4), (3, 1), (7, 1), (9, 4), (9, 6), (1, 15), (9, 15)]],
    "3": [[(1, 2), (7, 1), (9, 4), (7, 7), (4, 8)], [(4, 8), (8, 9), (9, 12), (7, 15), (1, 14)]],
    "4": [[(7, 15), (7, 1), (1, 11), (9, 11)]],
    "5": [[(9, 1), (2, 1), (1, 7), (6, 6), (9, 9), (9, 12), (7, 15), (1, 14)]],
    "6": [[(8, 1), (4, 2), (1, 7), (1, 13), (3, 15), (7, 15), (9, 12), (8, 9), (5, 8), (1, 10)]],
    "7": [[(1, 1), (9, 1), (4, 15)]],
    "8": [
        [(5, 8), (2, 6), (2, 3), (4, 1), (7, 1), (8, 3), (8, 6), (5, 8)],
        [(5, 8), (1, 10), (1, 13), (3, 15), (7, 15), (9, 13), (9, 10), (5, 8)],
    ],
    "9": [[(9, 7), (5, 9), (2, 8), (1, 4), (3, 1), (7, 1), (9, 4), (9, 9), (7, 14), (3, 15)]],
    "+": [[(1, 8), (9, 8)], [(5, 4), (5, 12)]],
    "-": [[(1, 8), (9, 8)]],
    "=": [[(1, 6), (9, 6)], [(1, 10), (9, 10)]],
    "?": [[(1, 4), (3, 1), (7, 1), (9, 3), (9, 6), (5, 9), (5, 11)], [(5, 14), (5, 15)]],
}

CELL = 30  # pixels per character
HEIGHT = 60
_INK = ("#1f2a44", "#3b2f2f", "#223b2a", "#402040", "#2b2b2b")
_NOISE = ("#8a94a6", "#a08c7a", "#7f9c8a", "#9c8aa6")


@dataclass(frozen=True)
class Challenge:
    """A question (e.g. ``12+7``) and its answer."""

    question: str
    answer: int


def new_challenge() -> Challenge:
    """A sum or a difference of small numbers whose result is between 1 and 29."""
    rng = secrets.SystemRandom()
    if rng.random() < 0.5:
        a, b = rng.randint(2, 20), rng.randint(1, 9)
        return Challenge(f"{a}+{b}", a + b)
    a = rng.randint(10, 29)
    b = rng.randint(1, 9)
    return Challenge(f"{a}-{b}", a - b)


def _transform(stroke: _Stroke, *, rng: secrets.SystemRandom, x0: float, scale: float, angle: float) -> str:
    """Scale, rotate and shear one stroke, jitter every point, and write it as an SVG path."""
    cos, sin = math.cos(angle), math.sin(angle)
    shear = rng.uniform(-0.15, 0.15)
    y0 = HEIGHT / 2 + rng.uniform(-3, 3)
    points = []
    for gx, gy in stroke:
        x, y = (gx - 5) * scale, (gy - 8) * scale
        x += shear * y
        x, y = x * cos - y * sin, x * sin + y * cos
        points.append((x0 + x + rng.uniform(-0.8, 0.8), y0 + y + rng.uniform(-0.8, 0.8)))
    start, *rest = points
    return f"M{start[0]:.1f} {start[1]:.1f}" + "".join(f"L{x:.1f} {y:.1f}" for x, y in rest)


def _noise_curve(rng: secrets.SystemRandom, width: int) -> str:
    def point() -> str:
        return f"{rng.uniform(0, width):.1f} {rng.uniform(0, HEIGHT):.1f}"

    return f"M{point()}C{point()} {point()} {point()}"


def render_svg(text: str) -> str:
    """The question drawn as SVG markup: distorted strokes over noise curves and dots."""
    rng = secrets.SystemRandom()
    width = CELL * len(text) + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" '
        f'viewBox="0 0 {width} {HEIGHT}">',
        f'<rect width="{width}" height="{HEIGHT}" fill="#f6f3ec"/>',
    ]
    for _ in range(5):
        parts.append(
            f'<path d="{_noise_curve(rng, width)}" fill="none" stroke="{rng.choice(_NOISE)}" '
            f'stroke-width="{rng.uniform(1, 2.2):.1f}"/>'
        )
    for _ in range(30):
        parts.append(
            f'<circle cx="{rng.uniform(0, width):.1f}" cy="{rng.uniform(0, HEIGHT):.1f}" '
            f'r="{rng.uniform(0.6, 1.6):.1f}" fill="{rng.choice(_NOISE)}"/>'
        )
    for index, char in enumerate(text):
        x0 = 10 + CELL * index + CELL / 2 + rng.uniform(-2, 2)
        scale = rng.uniform(1.9, 2.2)
        angle = math.radians(rng.uniform(-12, 12))
        ink = rng.choice(_INK)
        stroke_width = rng.uniform(2.2, 3.2)
        for stroke in GLYPHS[char]:
            path = _transform(stroke, rng=rng, x0=x0, scale=scale, angle=angle)
            parts.append(
                f'<path d="{path}" fill="none" stroke="{ink}" stroke-width="{stroke_width:.1f}" '
                'stroke-linecap="round" stroke-linejoin="round"/>'
            )
    # One curve in ink colour across the characters, so they cannot be cut apart by colour alone.
    parts.append(
        f'<path d="{_noise_curve(rng, width)}" fill="none" stroke="{rng.choice(_INK)}" stroke-width="1.4"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def captcha_new(session: SessionBase) -> str:
    """Start a new challenge (replacing any earlier one) and return its image as a data URI."""
    challenge = new_challenge()
    session[SESSION_KEY] = {
        "answer": challenge.answer,
        "expires": timezone.now().timestamp() + TTL_SECONDS,
    }
    return data_uri(render_svg(f"{challenge.question}=?"))


def captcha_check(session: SessionBase, answer: int | None) -> bool:
    """Whether ``answer`` solves the session's challenge; the challenge is used up either way."""
    entry = session.pop(SESSION_KEY, None)
    if not isinstance(entry, dict) or answer is None:
        return False
    if timezone.now().timestamp() > float(entry.get("expires", 0)):
        return False
    return secrets.compare_digest(str(answer), str(entry.get("answer")))
