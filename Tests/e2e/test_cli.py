"""The `steiger` command as a person or a script uses it: output, files written, exit codes."""
import json
import pathlib
import re

import jsonschema
import pytest

from conftest import FIXTURES, ROOT, ffprobe_json

SCHEMA = json.loads((ROOT / "docs" / "schema" / "media-info.v1.schema.json").read_text())
MEDIA = sorted(p.name for p in FIXTURES.iterdir() if p.is_file())
HOSTILE = {
    "empty.mp4": "emptyFile",
    "text.mp4": "notMedia",
    "truncated.mp4": "truncated",
    "truncated_no_index.mp4": "truncated",
    "hls_playlist.mp4": "unsupportedContainer",
    "concat_playlist.mp4": "unsupportedContainer",
    "huge_dimensions.avi": "dimensionsTooLarge",
    "too_many_streams.mkv": "tooManyStreams",
    "huge_box.mp4": "corrupt",
}


@pytest.mark.parametrize("name", MEDIA)
def test_probe_json_follows_the_documented_schema(steiger, name):
    result = steiger("probe", "--json", "--audio", FIXTURES / name, check=True)
    document = json.loads(result.stdout)
    jsonschema.validate(document, SCHEMA)
    assert document["container"]["size"] == (FIXTURES / name).stat().st_size


def test_probe_of_several_files_is_an_array(steiger):
    result = steiger("probe", "--json", FIXTURES / "h264_aac.mp4", FIXTURES / "vp9_opus.webm", check=True)
    documents = json.loads(result.stdout)
    assert [d["container"]["kind"] for d in documents] == ["mp4", "webm"]
    for document in documents:
        jsonschema.validate(document, SCHEMA)


def test_probe_text_reads_like_a_summary(steiger):
    out = steiger("probe", "--audio", FIXTURES / "rotated_90.mp4", check=True).stdout
    assert "shown 360x640" in out and "rotated 90°" in out
    assert "browsers: play it as is" in out
    silent = steiger("probe", "--audio", FIXTURES / "silent_audio.mp4", check=True).stdout
    assert "SILENT" in silent


@pytest.mark.parametrize("name,code", sorted(HOSTILE.items()))
def test_hostile_files_fail_cleanly(steiger, name, code):
    for command in (["probe", "--json"], ["thumbnail", "-o", "/tmp/steiger-e2e-never.jpg"], ["storyboard", "-o", "/tmp/steiger-e2e-never"]):
        result = steiger(*command, FIXTURES / "hostile" / name)
        assert result.returncode == 65, result.stderr
        assert result.stdout == ""
        assert f"[{code}]" in result.stderr
        assert "Traceback" not in result.stderr and "Fatal error" not in result.stderr
    assert not pathlib.Path("/tmp/steiger-e2e-never.jpg").exists()
    assert not pathlib.Path("/tmp/steiger-e2e-never").exists()


def test_one_bad_file_among_good_ones(steiger):
    result = steiger("probe", "--json", FIXTURES / "h264_aac.mp4", FIXTURES / "hostile" / "text.mp4")
    assert result.returncode == 65
    assert len(json.loads(result.stdout)) == 1
    assert "[notMedia]" in result.stderr


def test_missing_file_and_bad_requests(steiger):
    assert steiger("probe", "/nonexistent/recording.mp4").returncode == 66
    late = steiger("thumbnail", FIXTURES / "h264_aac.mp4", "--at", "60", "-o", "/tmp/steiger-e2e-late.jpg")
    assert late.returncode == 64 and "no frame at 60" in late.stderr
    assert steiger("thumbnail", FIXTURES / "cover_art.mp3", "-o", "/tmp/x.jpg").returncode == 65


@pytest.mark.parametrize("extension,codec", [("jpg", "mjpeg"), ("webp", "webp")])
def test_thumbnail_writes_an_upright_image(steiger, tmp_path, extension, codec):
    out = tmp_path / f"poster.{extension}"
    result = steiger("thumbnail", FIXTURES / "rotated_270.mp4", "--at", "1.2", "--width", "180", "-o", out, check=True)
    assert re.search(r"180x320 \w+ from 1\.2\d* s", result.stdout)
    stream = ffprobe_json(out)["streams"][0]
    assert (stream["codec_name"], stream["width"], stream["height"]) == (codec, 180, 320)
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_storyboard_writes_sheets_and_a_track(steiger, tmp_path):
    result = steiger("storyboard", FIXTURES / "h264_aac.mp4", "--every", "0.5", "--tile", "100", "--columns", "4",
                     "--rows", "2", "-o", tmp_path, check=True)
    assert "10 tiles of 100x56" in result.stdout
    vtt = (tmp_path / "storyboard.vtt").read_text()
    assert vtt.startswith("WEBVTT\n")
    cues = re.findall(r"(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})\n(\S+)#xywh=(\d+),(\d+),(\d+),(\d+)", vtt)
    assert len(cues) == 10
    assert cues[0][0] == "00:00:00.000" and cues[-1][1] == "00:00:05.000"
    sheets = sorted(p.name for p in tmp_path.glob("*.jpg"))
    assert sheets == ["storyboard-001.jpg", "storyboard-002.jpg"]
    for start, end, sheet, x, y, w, h in cues:
        stream = ffprobe_json(tmp_path / sheet)["streams"][0]
        assert int(x) + int(w) <= stream["width"] and int(y) + int(h) <= stream["height"]
    assert not list(tmp_path.glob("*partial*"))
