"""`steiger batch transcode` as an administrator runs it: plan, live run, Ctrl-C, rerun, report."""
import csv
import json
import os
import shutil
import signal
import subprocess

from conftest import FIXTURES


def make_archive(root, copies=8):
    archive = root / "archive"
    (archive / "old" / "deeper").mkdir(parents=True)
    for i in range(copies):
        shutil.copy(FIXTURES / "h264_aac.mkv", archive / "old" / f"session-{i:02d}.mkv")
    shutil.copy(FIXTURES / "mpeg4_mp3.avi", archive / "old" / "deeper" / "intake.avi")
    shutil.copy(FIXTURES / "h264_aac.mp4", archive / "call.mp4")
    shutil.copy(FIXTURES / "hostile" / "truncated.mp4", archive / "broken.mp4")
    return archive


def test_dry_run_prints_the_plan_and_writes_nothing(steiger, tmp_path):
    archive = make_archive(tmp_path, copies=2)
    out = tmp_path / "web"
    result = steiger("batch", "transcode", archive, "--out", out, "--dry-run", check=True)
    assert "plan: 5 files: 1 to remux, 3 to transcode, 0 skipped, 1 unreadable" in result.stdout
    assert "remux     " in result.stdout and str(archive / "call.mp4") in result.stdout
    assert not out.exists()


def test_interrupted_batch_finishes_on_rerun(steiger, tmp_path):
    archive = make_archive(tmp_path)
    out = tmp_path / "web"
    binary = os.environ.get("STEIGER_BIN")
    process = subprocess.Popen([binary, "batch", "transcode", str(archive), "--out", str(out), "--jobs", "1"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("[2/"):
            process.send_signal(signal.SIGINT)  # Ctrl-C in the middle
            break
    rest, errors = process.communicate(timeout=120)
    assert process.returncode == 130, errors
    assert "interrupted" in errors
    finished = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.mp4"))
    assert not [p for p in out.rglob("*") if ".partial-" in p.name], "no half-written file"
    assert 2 <= len(finished) < 10
    report = [json.loads(line) for line in (out / "report.jsonl").read_text().splitlines()]
    assert sum(1 for item in report if item.get("errorCode") == "cancelled") >= 1

    times = {p: p.stat().st_mtime_ns for p in out.rglob("*.mp4")}
    again = steiger("batch", "transcode", archive, "--out", out, "--jobs", "2")
    assert again.returncode == 65, again.stderr  # the broken file
    for path, mtime in times.items():
        assert path.stat().st_mtime_ns == mtime, f"{path} was done twice"
    outputs = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.mp4"))
    assert len(outputs) == 10
    with open(out / "report.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    actions = {os.path.basename(row["source"]): row["action"] for row in rows}
    assert actions["broken.mp4"] == "failed"
    assert actions["call.mp4"] in ("remux", "skipped")
    assert list(actions.values()).count("skipped") >= 2
    assert all(row["output_video"] == "h264" for row in rows if row["action"] in ("remux", "transcode", "skipped"))
    assert "done: " in again.stdout and "1 failed" in again.stdout
