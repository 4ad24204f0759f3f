#!/bin/sh
# make_files.sh - the input of file_read: /tmp/nostos-bench-files/f0000 .. f0999, 64 KiB
# of random printable ASCII each (so that both sides read valid UTF-8). Idempotent.
set -e
D=/tmp/nostos-bench-files
if [ -f "$D/f0999" ] && [ "$(stat -c %s "$D/f0999")" = 65536 ]; then
    cat "$D"/f* > /dev/null    # into the page cache
    exit 0
fi
mkdir -p "$D"
python3 - "$D" <<'PY'
import os, random, sys
d = sys.argv[1]
rnd = random.Random(42)
alphabet = bytes(range(32, 127))
for i in range(1000):
    with open(os.path.join(d, "f%04d" % i), "wb") as f:
        f.write(bytes(rnd.choice(alphabet) for _ in range(65536)))
PY
cat "$D"/f* > /dev/null
