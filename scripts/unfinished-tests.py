#!/usr/bin/env python3
"""Names the Swift tests a log shows starting and never ending (passed, failed or skipped)."""
import re
import sys

started, ended = [], set()
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    if re.match(r'^\S+ Test (case|run) ', line):
        continue
    match = re.match(r'^\S+ Test (.+?) started\.', line)
    if match:
        started.append(match.group(1))
        continue
    match = re.match(r'^\S+ Test (.+?) (?:with \d+ test cases? )?(?:(?:passed|failed) after|skipped)', line)
    if match:
        ended.add(match.group(1))
unfinished = [name for name in dict.fromkeys(started) if name not in ended]
if unfinished:
    print("Tests that started and did not end:")
    for name in unfinished:
        print("  " + name)
