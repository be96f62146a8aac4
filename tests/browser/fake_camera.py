"""A Y4M video for Chromium's fake camera (--use-file-for-fake-video-capture)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image


def write_y4m(path: Path, png: bytes, *, width: int = 640, height: int = 480, frames: int = 30) -> Path:
    """A still video of the PNG (a QR code) centred on white, in 4:2:0 YUV."""
    frame = Image.new("RGB", (width, height), "white")
    picture = Image.open(io.BytesIO(png)).convert("RGB")
    side = min(width, height) - 60
    picture = picture.resize((side, side), Image.Resampling.NEAREST)
    frame.paste(picture, ((width - side) // 2, (height - side) // 2))
    ycbcr = np.asarray(frame.convert("YCbCr"), dtype=np.uint8)
    y = ycbcr[:, :, 0].tobytes()
    u = ycbcr[::2, ::2, 1].tobytes()
    v = ycbcr[::2, ::2, 2].tobytes()
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + y + u + v)
    return path


def write_y4m_cards(
    path: Path, pngs: list[bytes], *, frames_each: int = 15, width: int = 640, height: int = 480
) -> Path:
    """A video that shows each PNG (QR codes) in turn, ``frames_each`` frames each (at 30
    frames a second), looped by Chromium: one card after another held to the camera."""
    stills = []
    for n, png in enumerate(pngs):
        still = write_y4m(path.with_suffix(f".{n}.y4m"), png, width=width, height=height, frames=1)
        header, frame = still.read_bytes().split(b"\n", 1)
        stills.append(frame)
        still.unlink()
    with open(path, "wb") as out:
        out.write(header + b"\n")
        for frame in stills:
            out.write(frame * frames_each)
    return path
