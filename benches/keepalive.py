#!/usr/bin/env python3
"""GET one URL COUNT times over a single keep-alive connection; exit 1 on any non-200.

Used by benches/run.sh to drive a server running under callgrind: a fixed, small
client whose own work is not counted (it is another process), so the server's
instructions per request can be compared from build to build.

    keepalive.py http://127.0.0.1:PORT/api/team 2000
The Authorization header, when needed, comes from BENCH_AUTHORIZATION (not argv, so
the key does not show in the process list).
"""

import http.client
import os
import sys
import urllib.parse


def main() -> int:
    url = urllib.parse.urlsplit(sys.argv[1])
    count = int(sys.argv[2])
    headers = {}
    if os.environ.get("BENCH_AUTHORIZATION"):
        headers["Authorization"] = os.environ["BENCH_AUTHORIZATION"]
    target = url.path + (f"?{url.query}" if url.query else "")
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    for i in range(count):
        conn.request("GET", target, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            print(f"request {i + 1}: status {response.status}", file=sys.stderr)
            return 1
        if response.will_close:
            print(f"request {i + 1}: the server closed the connection", file=sys.stderr)
            return 1
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
