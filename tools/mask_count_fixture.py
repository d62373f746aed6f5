"""tests/data/mask_count.txt: the twin's visible-patch count (tools/mlip_objective.py,
visible_count) for every mask ratio rho = 0, 0.05, ..., 0.95 and K in {16, 64, 100, 196}.
The C test (train/mask_count) checks mlip_mask_visible_count against every line.
usage: /usr/bin/python3 tools/mask_count_fixture.py > tests/data/mask_count.txt"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlip_objective import visible_count  # noqa: E402

print("# K rho visible (tools/mask_count_fixture.py)")
for K in (16, 64, 100, 196):
    for i in range(20):
        rho = round(0.05 * i, 2)
        print(K, f"{rho:.2f}", visible_count(K, rho))
