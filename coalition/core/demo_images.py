"""Pictures for the demo content, drawn here so nothing is downloaded."""

import io
import math

from PIL import Image, ImageDraw, ImageFont


def _hex(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))


def _font(size: int):
    return ImageFont.load_default(size=size)


def logo_png(*, name: str, colour: str, size: int = 256) -> bytes:
    """A square logo: the organization's initials in white on its colour."""
    image = Image.new("RGB", (size, size), _hex(colour))
    draw = ImageDraw.Draw(image)
    words = [
        w for w in name.replace("-", " ").split() if w[:1].isalpha() and w.lower() not in {"for", "of", "the", "and"}
    ]
    initials = "".join(w[0].upper() for w in words[:3]) or name[:1].upper()
    font = _font(size // (2 if len(initials) < 3 else 3))
    draw.ellipse(
        (size * 0.08, size * 0.08, size * 0.92, size * 0.92), outline=(255, 255, 255), width=max(2, size // 40)
    )
    draw.text((size / 2, size / 2), initials, fill=(255, 255, 255), font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def hero_jpeg(*, palette: tuple[str, str], seed: int, width: int = 1600, height: int = 800) -> bytes:
    """An abstract banner: a gradient with overlapping rings, the coalition motif."""
    start, end = _hex(palette[0]), _hex(palette[1])
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for x in range(width):
        t = x / (width - 1)
        colour = tuple(round(start[i] + (end[i] - start[i]) * t) for i in range(3))
        draw.line([(x, 0), (x, height)], fill=colour)
    overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    rings = ImageDraw.Draw(overlay)
    count = 5 + seed % 4
    for i in range(count):
        angle = (seed * 37 + i * 360 / count) * math.pi / 180
        cx = width * (0.5 + 0.32 * math.cos(angle))
        cy = height * (0.5 + 0.28 * math.sin(angle * 1.3))
        radius = height * (0.22 + 0.05 * ((seed + i) % 3))
        rings.ellipse(
            (cx - radius, cy - radius, cx + radius, cy + radius),
            outline=(255, 255, 255, 110),
            width=max(3, height // 90),
        )
    image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85, optimize=True)
    return buffer.getvalue()
