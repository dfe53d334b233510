"""Damaged recordings: every command must end with a result or a clean error, never a crash.

Each case flips or zeroes bytes in a copy of a good fixture (fixed seeds, so runs repeat) or
cuts it short, then runs probe, thumbnail and storyboard on it as separate processes.
"""
import random
import re

import pytest

from conftest import FIXTURES

SOURCES = ["h264_aac.mp4", "mediarecorder.webm", "vp9_opus.webm", "h264_aac.mkv", "mpeg4_mp3.avi",
           "hevc_10bit_hdr.mp4", "cover_art.mp3", "rotated_90.mp4"]
CASES = [(source, seed) for source in SOURCES for seed in range(6)]


def damage(data: bytearray, seed: int) -> bytearray:
    rng = random.Random(seed * 7919 + len(data))
    kind = seed % 3
    if kind == 0:  # scattered bit flips, header included
        for _ in range(40):
            position = rng.randrange(len(data))
            data[position] ^= 1 << rng.randrange(8)
    elif kind == 1:  # a zeroed run in the middle of the media data
        start = rng.randrange(len(data) // 4, len(data) // 2)
        data[start:start + rng.randrange(512, 8192)] = bytes(min(len(data) - start, 8192))
    else:  # random bytes over a header region
        start = rng.randrange(0, min(4096, len(data)))
        for i in range(start, min(len(data), start + 256)):
            data[i] = rng.randrange(256)
    return data


@pytest.mark.parametrize("source,seed", CASES)
def test_damaged_file_never_crashes(steiger, tmp_path, source, seed):
    damaged = tmp_path / ("damaged-" + source)
    damaged.write_bytes(damage(bytearray((FIXTURES / source).read_bytes()), seed))
    for command in (["probe", "--json", "--audio", damaged],
                    ["thumbnail", damaged, "-o", tmp_path / "poster.jpg"],
                    ["storyboard", damaged, "--every", "1", "-o", tmp_path / "board"]):
        result = steiger(*command, "--timeout", "60")
        assert result.returncode in (0, 65), f"{command[0]} on {source}/{seed}: status {result.returncode}\n{result.stderr[-2000:]}"
        if result.returncode == 65:
            assert re.match(r"^steiger: .+ \[\w+\]\n?$", result.stderr, re.S), result.stderr
