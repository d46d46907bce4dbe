"""Sums the test cases of every test.xml under Bazel's testlogs directories and prints
`N passed, N failed, N skipped`."""

import os
import sys
import xml.etree.ElementTree as ET


def count(testlogs):
    passed = failed = skipped = 0
    for root, _, files in os.walk(testlogs):
        if "test.xml" not in files:
            continue
        for case in ET.parse(os.path.join(root, "test.xml")).getroot().iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            elif case.find("skipped") is not None:
                skipped += 1
            else:
                passed += 1
    return passed, failed, skipped


if __name__ == "__main__":
    totals = [0, 0, 0]
    for testlogs in sys.argv[1:]:
        totals = [t + n for t, n in zip(totals, count(testlogs))]
    print("%d passed, %d failed, %d skipped" % tuple(totals))
