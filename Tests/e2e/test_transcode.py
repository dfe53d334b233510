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


def test_the_output_is_the_container_its_name_asks_for(steiger, tmp_path):
    # A browser recording asked for as MP4 is re-encoded into MP4, not copied as WebM under an .mp4 name.
    out = tmp_path / "from-browser.mp4"
    document = json.loads(steiger("transcode", FIXTURES / "vp9_opus.webm", out, "--json", check=True).stdout)
    assert document["plan"]["action"] == "transcode" and document["plan"]["container"] == "mp4"
    probed = ffprobe_json(out)
    assert "mp4" in probed["format"]["format_name"]
    assert {s["codec_name"] for s in probed["streams"]} == {"h264", "aac"}
    # Asked for as WebM, the same recording is copied as it is.
    copy = tmp_path / "copy.webm"
    document = json.loads(steiger("transcode", FIXTURES / "vp9_opus.webm", copy, "--json", check=True).stdout)
    assert document["plan"]["action"] == "remux" and "webm" in ffprobe_json(copy)["format"]["format_name"]
    # WebM from an H.264 file would need a VP9 encoder: refused with a way out, nothing written.
    refused = steiger("transcode", FIXTURES / "h264_aac.mp4", tmp_path / "call.webm")
    assert refused.returncode == 64 and "name the output .mp4" in refused.stderr
    # A name that asks for no container Steiger writes.
    unknown = steiger("transcode", FIXTURES / "h264_aac.mp4", tmp_path / "call.avi")
    assert unknown.returncode == 64 and ".mp4, .m4v or .webm" in unknown.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.webm", "from-browser.mp4"]
