"""`steiger transcode` as a script uses it."""
import json

from conftest import FIXTURES, ffprobe_json


def test_transcode_prints_what_it_did(steiger, tmp_path):
    out = tmp_path / "talk.mp4"
    result = steiger("transcode", FIXTURES / "mpeg4_mp3.avi", out, "--max-height", "240", "--crf", "26", check=True)
    assert result.stdout.startswith(f"{out}: transcode (h264 320x240, aac 48000 Hz stereo)")
    streams = {s["codec_type"]: s for s in ffprobe_json(out)["streams"]}
    assert streams["video"]["codec_name"] == "h264" and streams["video"]["pix_fmt"] == "yuv420p"
    assert streams["audio"]["codec_name"] == "aac" and streams["audio"]["channels"] == 2
    assert [p.name for p in tmp_path.iterdir()] == ["talk.mp4"]


def test_transcode_json_and_remux(steiger, tmp_path):
    out = tmp_path / "call.mp4"
    document = json.loads(steiger("transcode", FIXTURES / "h264_aac.mp4", out, "--json", check=True).stdout)
    assert document["plan"]["action"] == "remux"
    assert document["result"]["container"]["fastStart"] is True
    forced = json.loads(steiger("transcode", FIXTURES / "h264_aac.mp4", tmp_path / "again.mp4", "--no-remux", "--json", check=True).stdout)
    assert forced["plan"]["action"] == "transcode"


def test_transcode_refuses_bad_input_and_arguments(steiger, tmp_path):
    bad = steiger("transcode", FIXTURES / "hostile" / "truncated.mp4", tmp_path / "x.mp4")
    assert bad.returncode == 65 and "[truncated]" in bad.stderr
    assert steiger("transcode", FIXTURES / "h264_aac.mp4", tmp_path / "y.mp4", "--preset", "warp").returncode == 64
    assert steiger("transcode", FIXTURES / "h264_aac.mp4", tmp_path / "y.mp4", "--crf", "99").returncode == 64
    assert list(tmp_path.iterdir()) == []
