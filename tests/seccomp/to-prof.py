#!/usr/bin/env python3
"""Turn an OCI linux.seccomp JSON object into the line form tests/seccomp_diff.c reads:
  default ACTION ERRNO|-
  rule ACTION ERRNO|- name,name,... [index:OP:value:valueTwo ...]
(the test's architectures come from its own arch sets, not from the file)."""
import json, sys
s = json.load(open(sys.argv[1]))
s = s.get("linux", {}).get("seccomp", s)
e = lambda v: "-" if v is None else str(v)
print("default", s["defaultAction"], e(s.get("defaultErrnoRet")))
# arch sets where libseccomp itself is known to go wrong on this profile
if s.get("x-test-skip-arches"):
    print("skip", " ".join(s["x-test-skip-arches"]))
for r in s.get("syscalls", []):
    args = " ".join("%d:%s:%d:%d" % (a["index"], a["op"], a["value"], a.get("valueTwo", 0))
                    for a in r.get("args") or [])
    print("rule", r["action"], e(r.get("errnoRet")), ",".join(r["names"]), args)
