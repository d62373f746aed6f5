"""The layout rules the C sources follow, checked (make check-style):
  - clang-format --dry-run -Werror (the .clang-format at the top: 100 columns, one statement a
    line) on mlip.h, the CLI (tools/mlip/), the tests and the examples;
  - no line over 100 columns in mlip.h (clang-format leaves comments as written);
  - no function in mlip.h longer than 120 lines (signature to closing brace).
usage: python3 tools/check_style.py [--max-lines N] [FILES...]; last line "N passed, M failed"."""
import glob
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def strip_code(text):
    """The text with comments, strings and character literals blanked (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j]) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(text):
    """(name, first line, last line) of every function definition at file scope."""
    code = strip_code(text)
    lines = code.split("\n")
    # a preprocessor line never opens a body
    code = "\n".join(" " * len(l) if l.lstrip().startswith("#") else l for l in lines)
    depth, start_stmt, found = 0, 0, []
    body_open = None
    for i, c in enumerate(code):
        if c == "{":
            if depth == 0:
                head = code[start_stmt:i]
                m = re.search(r"(\w+)\s*\([^;{}]*\)\s*$", head)
                is_func = m and not re.search(r"\b(struct|union|enum)\b[^(]*$", head) \
                    and "=" not in head.split("(")[0]
                body_open = (m.group(1), start_stmt) if is_func else None
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                if body_open:
                    name, s = body_open
                    first = code.count("\n", 0, s + len(code[s:]) - len(code[s:].lstrip()))
                    found.append((name, first + 1, code.count("\n", 0, i) + 1))
                body_open = None
                start_stmt = i + 1
        elif c == ";" and depth == 0:
            start_stmt = i + 1
    return found


def main(argv):
    max_lines = 120
    if len(argv) > 1 and argv[1] == "--max-lines":
        max_lines = int(argv[2])
        argv = argv[2:]
    passed = failed = 0
    header = os.path.join(ROOT, "mlip.h")
    text = open(header, encoding="utf-8").read()
    long_funcs = [(e - b + 1, n, b) for n, b, e in functions(text) if e - b + 1 > max_lines]
    for length, name, line in sorted(long_funcs, reverse=True):
        print(f"mlip.h:{line}: {name} is {length} lines (at most {max_lines})")
    failed += bool(long_funcs)
    passed += not long_funcs
    print(f"{'ok  ' if not long_funcs else 'FAIL'} functions in mlip.h at most {max_lines} lines")
    wide = [i + 1 for i, l in enumerate(text.split("\n")) if len(l) > 100]
    for i in wide[:20]:
        print(f"mlip.h:{i}: over 100 columns")
    failed += bool(wide)
    passed += not wide
    print(f"{'ok  ' if not wide else 'FAIL'} mlip.h lines at most 100 columns")
    files = argv[1:]
    if not files:
        files = [header]
        for p in ("tools/mlip/*.c", "tools/mlip/*.h", "tests/*.c", "tests/*.h", "tests/*.cpp",
                  "examples/*.c"):
            files += sorted(glob.glob(os.path.join(ROOT, p)))
    fmt = shutil.which("clang-format")
    if not fmt:
        print("SKIP clang-format: not installed (apt-get install clang-format)")
    else:
        bad = []
        for f in files:
            r = subprocess.run([fmt, "--dry-run", "-Werror", f], capture_output=True, text=True)
            if r.returncode:
                bad.append(os.path.relpath(f, ROOT))
                print("\n".join(r.stderr.split("\n")[:3]))
        failed += bool(bad)
        passed += not bad
        print(f"{'ok  ' if not bad else 'FAIL'} clang-format on {len(files)} files"
              + (f" ({len(bad)} not formatted: {', '.join(bad[:8])})" if bad else ""))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
