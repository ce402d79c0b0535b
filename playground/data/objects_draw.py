"""Signed distances of the ten object classes of :mod:`playground.data.objects`.

An object lives in its own unit frame: ``u`` points right (the object faces
right), ``v`` points down, and the object fills about ``[-1, 1]^2``. Every
function below takes ``u, v`` of shape (n, H, W) (n images of one class at
once) and ``j``, per-image jitter in ``[-1, 1]``: ``j(k)`` is the k-th jitter
value of every image, shaped (n, 1, 1) to broadcast. It returns two signed
distances (negative inside, in object units): the *body*, painted in the
object's colour and texture, and the *details* (wheels, eyes, beak, antlers,
windows), painted over it in a second colour.

The classes are CIFAR-10's, drawn so that CIFAR's confusable pairs stay
confusable: cat and dog are both a round head with ears (pointed or
hanging), automobile and truck both boxes on wheels, deer and horse both a
four-legged side view, airplane and bird both a body with spread wings or a
tail.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Jitter = Callable[[int], np.ndarray]
Field = tuple[np.ndarray, np.ndarray]


# -- primitives (any broadcastable shapes; parameters may be (n, 1, 1) arrays) ----------------

def circle(u, v, cx, cy, r):
    """Disc of radius ``r`` at (cx, cy)."""
    return np.hypot(u - cx, v - cy) - r


def ellipse(u, v, cx, cy, a, b):
    """Axis-aligned ellipse with half axes a, b (distance approximate, exact on the axes)."""
    return (np.hypot((u - cx) / a, (v - cy) / b) - 1.0) * np.minimum(a, b)


def box(u, v, cx, cy, hw, hh, r=0.0):
    """Rectangle of half sizes hw, hh with corners rounded by ``r`` (exact distance)."""
    qx = np.abs(u - cx) - hw + r
    qy = np.abs(v - cy) - hh + r
    return np.hypot(np.maximum(qx, 0.0), np.maximum(qy, 0.0)) \
        + np.minimum(np.maximum(qx, qy), 0.0) - r


def capsule(u, v, ax, ay, bx, by, r):
    """Segment from (ax, ay) to (bx, by) thickened by ``r`` (a limb, a mast, a wing)."""
    px, py = u - ax, v - ay
    dx, dy = bx - ax, by - ay
    h = np.clip((px * dx + py * dy) / (dx * dx + dy * dy), 0.0, 1.0)
    return np.hypot(px - h * dx, py - h * dy) - r


def polygon(u, v, points):
    """Convex polygon through ``points`` [(x, y), ...] in either winding order: the largest
    signed distance to its edge lines (exact inside, close outside)."""
    edges = list(zip(points, points[1:] + points[:1]))
    # Twice the signed area: its sign says on which side of each edge the inside lies.
    winding = np.sign(sum(ax * by - bx * ay for (ax, ay), (bx, by) in edges))
    out = None
    for (ax, ay), (bx, by) in edges:
        ex, ey = bx - ax, by - ay
        side = winding * ((u - ax) * ey - (v - ay) * ex) / np.hypot(ex, ey)
        out = side if out is None else np.maximum(out, side)
    return out


def union(*fields):
    """Union of shapes: the smallest distance."""
    out = fields[0]
    for f in fields[1:]:
        out = np.minimum(out, f)
    return out


# -- the ten classes ---------------------------------------------------------------------------

def airplane(u, v, j: Jitter) -> Field:
    """Seen from below: fuselage, swept wings, tail plane; cockpit and engines as details."""
    sweep, span = 0.3 + 0.15 * j(0), 0.82 + 0.1 * j(1)
    root = 0.1 + 0.08 * j(2)
    body = union(capsule(u, v, -0.85, 0.0, 0.85, 0.0, 0.12 + 0.03 * j(3)),
                 capsule(u, v, root, 0.0, root - sweep, -span, 0.09),
                 capsule(u, v, root, 0.0, root - sweep, span, 0.09),
                 capsule(u, v, -0.72, 0.0, -0.88, -0.32, 0.06),
                 capsule(u, v, -0.72, 0.0, -0.88, 0.32, 0.06))
    engines = 0.4 * span
    details = union(ellipse(u, v, 0.62, 0.0, 0.14, 0.07),
                    ellipse(u, v, root - 0.35 * sweep, -engines, 0.11, 0.06),
                    ellipse(u, v, root - 0.35 * sweep, engines, 0.11, 0.06))
    return body, details


def automobile(u, v, j: Jitter) -> Field:
    """Side view: a low body with a cabin; two wheels and the windows as details."""
    cabin_x, cabin_w = -0.1 + 0.15 * j(0), 0.42 + 0.08 * j(1)
    body = union(box(u, v, 0.0, 0.1, 0.88, 0.2 + 0.04 * j(2), 0.08),
                 box(u, v, cabin_x, -0.2, cabin_w, 0.2, 0.13))
    wheel = 0.19 + 0.03 * j(3)
    details = union(circle(u, v, -0.52, 0.33, wheel), circle(u, v, 0.52, 0.33, wheel),
                    box(u, v, cabin_x, -0.21, cabin_w - 0.08, 0.11, 0.03))
    return body, details


def bird(u, v, j: Jitter) -> Field:
    """Side view: body, head and tail; beak, eye and legs as details."""
    hx, hy = 0.45 + 0.05 * j(0), -0.28 + 0.08 * j(1)
    body = union(ellipse(u, v, -0.05, 0.05, 0.55 + 0.06 * j(2), 0.3 + 0.05 * j(3)),
                 circle(u, v, hx, hy, 0.21),
                 polygon(u, v, [(-0.45, -0.05), (-0.5, 0.15), (-0.98, 0.3 + 0.1 * j(4)),
                                (-0.98, -0.15)]),
                 ellipse(u, v, -0.12, -0.12 - 0.1 * j(5), 0.32, 0.12))
    details = union(polygon(u, v, [(hx + 0.15, hy - 0.08), (hx + 0.5, hy),
                                   (hx + 0.15, hy + 0.08)]),
                    circle(u, v, hx + 0.05, hy - 0.05, 0.05),
                    capsule(u, v, -0.05, 0.3, -0.1, 0.65, 0.03),
                    capsule(u, v, 0.12, 0.3, 0.1, 0.65, 0.03))
    return body, details


def cat(u, v, j: Jitter) -> Field:
    """Face on: a round head with two pointed ears; slit eyes and nose as details."""
    r, ear = 0.55 + 0.05 * j(0), 0.95 + 0.08 * j(1)
    spread = 0.42 + 0.06 * j(2)
    body = union(circle(u, v, 0.0, 0.12, r),
                 polygon(u, v, [(-spread - 0.15, -0.1), (-spread + 0.05, -ear),
                                (-spread + 0.3, -0.35)]),
                 polygon(u, v, [(spread - 0.3, -0.35), (spread - 0.05, -ear),
                                (spread + 0.15, -0.1)]),
                 ellipse(u, v, 0.0, 0.75, 0.45, 0.22))
    details = union(ellipse(u, v, -0.2, 0.02, 0.06, 0.12), ellipse(u, v, 0.2, 0.02, 0.06, 0.12),
                    polygon(u, v, [(-0.07, 0.22), (0.07, 0.22), (0.0, 0.31)]))
    return body, details


def deer(u, v, j: Jitter) -> Field:
    """Side view: slim body on four thin legs, long neck; antlers and eye as details."""
    leg = 0.78 + 0.08 * j(0)
    hx, hy = 0.6 + 0.06 * j(1), -0.42 + 0.08 * j(2)
    body = union(ellipse(u, v, -0.1, 0.05, 0.5, 0.2 + 0.03 * j(3)),
                 capsule(u, v, 0.3, 0.0, hx - 0.1, hy, 0.09),
                 ellipse(u, v, hx, hy, 0.18, 0.1),
                 *(capsule(u, v, x, 0.12, x + 0.04 * j(4), leg, 0.045)
                   for x in (-0.45, -0.32, 0.12, 0.25)),
                 capsule(u, v, -0.58, -0.05, -0.66, 0.08, 0.05))
    details = union(capsule(u, v, hx - 0.08, hy - 0.06, hx - 0.2, hy - 0.5, 0.035),
                    capsule(u, v, hx - 0.14, hy - 0.3, hx - 0.35, hy - 0.4, 0.03),
                    capsule(u, v, hx + 0.02, hy - 0.06, hx + 0.15, hy - 0.48, 0.035),
                    circle(u, v, hx + 0.05, hy - 0.02, 0.04))
    return body, details


def dog(u, v, j: Jitter) -> Field:
    """Face on: a round head, a muzzle and two hanging ears; eyes and nose as details."""
    r, ear = 0.5 + 0.05 * j(0), 0.38 + 0.08 * j(1)
    body = union(circle(u, v, 0.0, 0.0, r),
                 ellipse(u, v, -r - 0.02, 0.12, 0.17, ear),
                 ellipse(u, v, r + 0.02, 0.12, 0.17, ear),
                 ellipse(u, v, 0.0, 0.36, 0.28 + 0.04 * j(2), 0.2),
                 ellipse(u, v, 0.0, 0.8, 0.42, 0.2))
    details = union(circle(u, v, -0.18, -0.1, 0.07), circle(u, v, 0.18, -0.1, 0.07),
                    ellipse(u, v, 0.0, 0.27, 0.1, 0.07))
    return body, details


def frog(u, v, j: Jitter) -> Field:
    """Crouching: a wide body, two eye bumps on top, splayed legs; pupils and mouth."""
    w, eye = 0.72 + 0.06 * j(0), 0.32 + 0.05 * j(1)
    body = union(ellipse(u, v, 0.0, 0.15, w, 0.4 + 0.05 * j(2)),
                 circle(u, v, -eye, -0.25, 0.18), circle(u, v, eye, -0.25, 0.18),
                 ellipse(u, v, -0.68, 0.5, 0.32, 0.12), ellipse(u, v, 0.68, 0.5, 0.32, 0.12))
    details = union(circle(u, v, -eye, -0.27, 0.08), circle(u, v, eye, -0.27, 0.08),
                    capsule(u, v, -0.35, 0.25, 0.35, 0.25, 0.025))
    return body, details


def horse(u, v, j: Jitter) -> Field:
    """Side view: a heavy body on four long legs, a thick neck, head and tail; mane."""
    leg = 0.85 + 0.06 * j(0)
    hx, hy = 0.62 + 0.05 * j(1), -0.5 + 0.08 * j(2)
    body = union(ellipse(u, v, -0.1, 0.0, 0.56, 0.26 + 0.03 * j(3)),
                 capsule(u, v, 0.3, -0.05, hx, hy, 0.13),
                 capsule(u, v, hx, hy, hx + 0.25, hy + 0.2, 0.1),
                 *(capsule(u, v, x, 0.15, x + 0.05 * j(4), leg, 0.06)
                   for x in (-0.48, -0.34, 0.14, 0.28)),
                 capsule(u, v, -0.64, -0.08, -0.85, 0.42 + 0.1 * j(5), 0.06))
    details = union(capsule(u, v, 0.32, -0.22, hx - 0.05, hy - 0.1, 0.05),
                    circle(u, v, hx + 0.05, hy - 0.02, 0.04))
    return body, details


def ship(u, v, j: Jitter) -> Field:
    """Side view: a hull, a superstructure and a funnel; a waterline and portholes."""
    deck, keel = 0.12 + 0.06 * j(0), 0.42
    bow = 0.95 + 0.05 * j(1)
    body = union(polygon(u, v, [(-0.9, deck), (bow, deck - 0.12), (0.7, keel), (-0.75, keel)]),
                 box(u, v, -0.15 + 0.15 * j(2), deck - 0.17, 0.38, 0.17, 0.03),
                 box(u, v, 0.0 + 0.15 * j(2), deck - 0.45, 0.08, 0.15))
    x0 = -0.15 + 0.15 * j(2)
    details = union(box(u, v, 0.0, keel - 0.06, 0.8, 0.035),
                    *(circle(u, v, x0 + dx, deck - 0.17, 0.045) for dx in (-0.22, 0.0, 0.22)))
    return body, details


def truck(u, v, j: Jitter) -> Field:
    """Side view: a tall cargo box and a cab; three wheels and the cab window."""
    cargo_h = 0.4 + 0.06 * j(0)
    cab_x = 0.58 + 0.05 * j(1)
    body = union(box(u, v, -0.3, 0.25 - cargo_h, 0.58, cargo_h, 0.02),
                 box(u, v, cab_x, 0.02, 0.28, 0.25, 0.06),
                 box(u, v, 0.0, 0.27, 0.9, 0.06))
    wheel = 0.16 + 0.02 * j(2)
    details = union(circle(u, v, -0.65, 0.4, wheel), circle(u, v, -0.3, 0.4, wheel),
                    circle(u, v, cab_x, 0.4, wheel),
                    box(u, v, cab_x + 0.07, -0.07, 0.13, 0.1, 0.02))
    return body, details


#: CIFAR-10's classes in its label order, each with its drawing.
DRAWINGS: dict[str, Callable[[np.ndarray, np.ndarray, Jitter], Field]] = {
    "airplane": airplane, "automobile": automobile, "bird": bird, "cat": cat, "deer": deer,
    "dog": dog, "frog": frog, "horse": horse, "ship": ship, "truck": truck,
}
#: How many jitter values any drawing reads (j(0) ... j(JITTERS - 1)).
JITTERS = 6
