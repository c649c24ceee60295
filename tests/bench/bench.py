#!/usr/bin/env python3
"""`make bench`: ctr side by side with crun and runc, and the budgets we hold.

Runs as root. Re-executes itself inside `unshare -m` with /sys/fs/cgroup/unified unmounted
(crun 1.8 refuses this host's hybrid cgroups otherwise) so that all three runtimes see the
same host. Timings come from build/bench/rtime (interleaved runs, wall and wait4 CPU of the
runtime and everything it reaped). Writes build/bench/results.txt (the table),
build/bench/results.json and the README block between <!-- bench:begin --> and
<!-- bench:end -->. Every container, cgroup and state dir it makes is its own and removed.
Environment: BENCH_N (start samples per runtime, default 30), BENCH_SCALE ("50 200"),
BENCH_README=0 (do not touch README.md) or a file with the markers to render instead,
BENCH_ONLY="start exec ..." (sections), BENCH_RUNTIMES ("ctr crun runc"; a missing one
is reported as such, never a failure), BENCH_QUICK=1 (a few samples of everything, to
check that the bench runs and renders: the numbers mean nothing), BENCH_CTR (the ctr
binary), BENCH_BIN (the helper programs, default build/bench), BENCH_OUT (results dir).
"""
import glob, json, os, shutil, statistics, subprocess, sys, tempfile, time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
B = os.path.abspath(os.environ.get("BENCH_BIN") or os.path.join(TOP, "build", "bench"))
OUT = os.path.abspath(os.environ.get("BENCH_OUT") or B)
CTR = os.path.abspath(os.environ.get("BENCH_CTR") or os.path.join(TOP, "ctr"))
RTIME = os.path.join(B, "rtime")
SECCOMP_PROFILE = os.environ.get("BENCH_SECCOMP",
                                 "/work/shared/data/docker-default-seccomp.oci-amd64.json")
QUICK = os.environ.get("BENCH_QUICK") == "1"
N = int(os.environ.get("BENCH_N") or (3 if QUICK else 30))
SCALE = [int(x) for x in os.environ.get("BENCH_SCALE", "10" if QUICK else "50 200").split()]
LIST_N = 3 if QUICK else 15
ONLY = os.environ.get("BENCH_ONLY", "").split()
ALL_RUNTIMES = ("ctr", "crun", "runc")
_asked = os.environ.get("BENCH_RUNTIMES", " ".join(ALL_RUNTIMES)).split()
RUNTIMES = {"ctr": CTR}
MISSING = {}  # runtime: why it is not in the comparison
for _rt in ALL_RUNTIMES[1:]:
    if _rt not in _asked:
        MISSING[_rt] = "not asked (BENCH_RUNTIMES)"
    elif shutil.which(_rt):
        RUNTIMES[_rt] = shutil.which(_rt)
    else:
        MISSING[_rt] = "not installed on this host"
IDLE_MS = 100  # the gap before each "idle" sample
PARSE_ELEMS = 1000000  # the 2 MB config: one array of a million zeros

# Budgets (issue "Benchmarks: make bench ..."): see budgets() below.
FLOOR_CPU_BUDGET_X = 1.3


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def wrap():
    if os.environ.get("CTR_BENCH_WRAPPED") == "1":
        return
    os.environ["CTR_BENCH_WRAPPED"] = "1"
    os.execvp("unshare", ["unshare", "-m", "sh", "-c",
                          "umount /sys/fs/cgroup/unified 2>/dev/null; exec \"$0\" \"$@\"",
                          sys.executable] + sys.argv)


def stats(xs):
    xs = sorted(xs)
    if not xs:
        return None
    def q(p):
        k = (len(xs) - 1) * p
        lo = int(k)
        hi = min(lo + 1, len(xs) - 1)
        return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)
    return {"median": round(q(0.5), 3), "p10": round(q(0.1), 3), "p90": round(q(0.9), 3), "n": len(xs)}


def rtime(args, check=True):
    """Run rtime; returns {label: record} with stats added."""
    r = subprocess.run([RTIME] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = {}
    for line in r.stdout.splitlines():
        d = json.loads(line)
        d["wall"] = stats(d["wall_ms"])
        d["cpu"] = stats(d["cpu_ms"])
        d["rss"] = stats(d["maxrss_kb"])
        if d["fails"] and check:
            log("  %s: %d failed: %s" % (d["label"], d["fails"], d["err"].strip()[:300]))
        out[d["label"]] = d
    return out, r.returncode


def subreaper():
    """Detached containers outlive rtime: make them ours, so that killed ones are reaped
    at once (runtimes wait for a killed init to disappear)."""
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=isinstance(cmd, str), stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)


class Bench:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="ctr-bench.")
        self.tag = "b%d" % os.getpid()
        self.res = {"host": {}, "start": {}, "detached": {}, "seccomp_start": {}, "exec": {},
                    "scale": {}, "memory": {}, "seccomp": {}, "size": {}, "floor": {}, "parse": {},
                    "missing": MISSING, "quick": QUICK}
        # state dirs on a tmpfs, as the runtimes' defaults (/run/ctr, /run/runc, /run/crun)
        # are: the bundles' disk would time its fsyncs otherwise (private mount namespace)
        state = os.path.join(self.tmp, "state")
        os.makedirs(state)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0700", "ctr-bench", state], check=True)
        self.roots = {rt: os.path.join(state, rt) for rt in RUNTIMES}
        self.memcgs = []

    # ---- setup ----
    def rt(self, name):
        return "%s --root %s" % (RUNTIMES[name], self.roots[name])

    def bundle(self, name, edit):
        d = os.path.join(self.tmp, name)
        os.makedirs(d)
        c = json.loads(json.dumps(self.base))
        c["root"]["path"] = self.rootfs  # runc refuses a symlinked rootfs
        edit(c)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(c, f, separators=(",", ":"))  # compact: the parse probe's 2 MB
        return d

    def setup(self):
        self.rootfs = os.path.join(self.tmp, "rootfs")
        r = subprocess.run(["sh", "-c", '. "$0"/tests/lib.sh >/dev/null; make_rootfs "$1"', TOP,
                            self.rootfs], env=dict(os.environ, CTR=CTR))
        if r.returncode:
            sys.exit("bench: cannot make the busybox rootfs (busybox-static installed?)")
        shutil.copy(os.path.join(B, "sysloop"), os.path.join(self.rootfs, "bin", "sysloop"))
        spec = os.path.join(self.tmp, "spec")
        os.makedirs(spec)
        subprocess.run([CTR, "spec"], cwd=spec, check=True)
        with open(os.path.join(spec, "config.json")) as f:
            self.base = json.load(f)
        # crun 1.8 refuses ociVersion 1.3.0; runc and crun know 1.0.2
        self.base["ociVersion"] = "1.0.2"
        self.base["process"]["terminal"] = False
        self.base["process"]["args"] = ["/bin/true"]
        try:
            with open(SECCOMP_PROFILE) as f:
                prof = json.load(f)
        except OSError:
            log("no seccomp profile at %s (BENCH_SECCOMP): a minimal one instead" % SECCOMP_PROFILE)
            prof = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                {"names": ["personality"], "action": "SCMP_ACT_ERRNO",
                 "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]}

        def nonet(c):
            c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]

        def sec(c):
            c["linux"]["seccomp"] = prof

        def args(a):
            return lambda c: c["process"].__setitem__("args", a)

        self.b_true = self.bundle("true", lambda c: None)
        self.b_nonet = self.bundle("true-nonet", nonet)
        self.b_sec = self.bundle("true-seccomp", sec)
        self.b_sleep = self.bundle("sleep", args(["sleep", "100000"]))
        self.b_loop = self.bundle("sysloop", args(["/bin/sysloop", "200000"]))
        self.b_loop_sec = self.bundle("sysloop-seccomp", lambda c: (sec(c), args(["/bin/sysloop", "200000"])(c)))
        self.b_parse_small = self.bundle("parse-small", lambda c: None)
        self.b_parse_big = self.bundle("parse-big", lambda c: c.__setitem__("x-bench-big", [0] * PARSE_ELEMS))
        self.res["host"] = {
            "kernel": os.uname().release, "cpus": os.cpu_count(),
            "versions": {rt: subprocess.run([p, "--version"], stdout=subprocess.PIPE, text=True,
                                            stderr=subprocess.DEVNULL).stdout.splitlines()[0:1]
                         for rt, p in RUNTIMES.items()},
            "samples": N, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "load_start": round(os.getloadavg()[0], 1)}

    def cleanup(self):
        reap()
        for rt in RUNTIMES:
            root = self.roots[rt]
            if os.path.isdir(root):
                for cid in os.listdir(root):
                    sh("%s delete -f %s" % (self.rt(rt), cid))
        # cgroups a runtime made before it was OOM-killed in the memory probes (no state
        # left to delete them by), and our own memory cgroups: kill their members, remove.
        # Only real cgroup mounts: a cgroup.procs elsewhere is just a file.
        hier = [l.split()[1] for l in open("/proc/self/mounts") if l.split()[2] in ("cgroup", "cgroup2")]
        cgs = [c for c in self.memcgs]
        for h in hier:
            for depth in range(4):
                cgs += [d for d in glob.glob(os.path.join(h, *(["*"] * depth), self.tag + "-*"))
                        if os.path.isdir(d)]
        for cg in sorted(set(cgs), key=len, reverse=True):
            for _ in range(10):
                try:
                    pids = open(cg + "/cgroup.procs").read().split()
                except OSError:
                    break
                if not pids:
                    break
                for p in pids:
                    try:
                        os.kill(int(p), 9)
                    except OSError:
                        pass
                time.sleep(0.02)
                reap()
            try:
                os.rmdir(cg)
            except OSError:
                pass
        # crun 1.8 makes its cgroup2 directories even with /sys/fs/cgroup/unified unmounted:
        # plain directories on the cgroup tmpfs, hidden under the host's cgroup2 mount
        uni = "/sys/fs/cgroup/unified"
        if uni not in hier:
            for d in glob.glob(os.path.join(uni, self.tag + "-*")):
                shutil.rmtree(d, ignore_errors=True)
        sh(["umount", "-R", os.path.join(self.tmp, "state")])
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- sections ----
    def start(self):
        log("start: run /bin/true, %d interleaved samples each" % N)
        a = ["-n", str(N), "-W", "2"]
        for rt in RUNTIMES:
            a += ["-l", rt, "-c", "%s run --bundle %s %s-r%%i" % (self.rt(rt), self.b_true, self.tag)]
        a += ["-l", "floor", "-c", "%s %s /bin/true" % (os.path.join(B, "floor"), self.rootfs)]
        a += ["-l", "floor-full", "-c", "%s -f %s /bin/true" % (os.path.join(B, "floor"), self.rootfs)]
        a += ["-l", "unshare+chroot", "-c", "unshare -mpfniu chroot %s /bin/true" % self.rootfs]
        out, _ = rtime(a)
        for k, d in out.items():
            tgt = self.res["floor"] if k in ("floor", "floor-full", "unshare+chroot") else self.res["start"]
            tgt[k] = self.slim(d)
        log("start after %d ms idle (a service started now and then)" % IDLE_MS)
        a = ["-n", str(max(5, N // 2)), "-W", "1", "-s", str(IDLE_MS)]
        for rt in RUNTIMES:
            a += ["-l", rt + " idle", "-c", "%s run --bundle %s %s-i%%i" % (self.rt(rt), self.b_true, self.tag)]
        out, _ = rtime(a)
        for k, d in out.items():
            self.res["start"][k] = self.slim(d)
        log("detached: create + start + wait + delete")
        a = ["-n", str(max(10, N * 2 // 3)), "-W", "1"]
        for rt in RUNTIMES:
            r = self.rt(rt)
            cid = "%s-d%%i" % self.tag
            a += ["-l", rt, "-c", "%s create --bundle %s %s" % (r, self.b_true, cid),
                  "-c", "%s start %s" % (r, cid), "-w", "-c", "%s delete %s" % (r, cid)]
        out, _ = rtime(a)
        for k, d in out.items():
            self.res["detached"][k] = self.slim(d)
        log("start with Docker's default seccomp profile; and without a network namespace")
        a = ["-n", str(max(10, N * 2 // 3)), "-W", "1"]
        for rt in RUNTIMES:
            # the same run without the profile in this group: the seccomp cost is the
            # difference within one interleaved group
            a += ["-l", rt + " base", "-c", "%s run --bundle %s %s-b%%i" % (self.rt(rt), self.b_true, self.tag)]
            a += ["-l", rt, "-c", "%s run --bundle %s %s-s%%i" % (self.rt(rt), self.b_sec, self.tag)]
            a += ["-l", rt + " nonet", "-c", "%s run --bundle %s %s-n%%i" % (self.rt(rt), self.b_nonet, self.tag)]
        out, _ = rtime(a)
        for k, d in out.items():
            self.res["start" if "nonet" in k else "seccomp_start"][k] = self.slim(d)

    @staticmethod
    def slim(d):
        return {"wall_ms": d["wall"], "cpu_ms": d["cpu"], "maxrss_kb": d["rss"], "fails": d["fails"],
                "err": d["err"].strip()[:300]}

    def run_detached(self, rt, cid, bundle):
        # the container keeps stdio open: stderr goes to a file, not a pipe
        with tempfile.TemporaryFile("w+") as ef:
            r = subprocess.run("%s run -d --bundle %s %s" % (self.rt(rt), bundle, cid), shell=True,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=ef,
                               timeout=30)
            ef.seek(0)
            r.stderr = ef.read()
        return r

    def exec_(self):
        log("exec: exec /bin/true into a running container")
        a = ["-n", str(N), "-W", "2"]
        idle = ["-n", str(max(5, N // 2)), "-W", "1", "-s", str(IDLE_MS)]
        for rt in RUNTIMES:
            cid = "%s-x" % self.tag
            r = self.run_detached(rt, cid, self.b_sleep)
            if r.returncode:
                log("  %s run -d: %s" % (rt, r.stderr.strip()))
                continue
            a += ["-l", rt, "-c", "%s exec %s /bin/true" % (self.rt(rt), cid)]
            idle += ["-l", rt + " idle", "-c", "%s exec %s /bin/true" % (self.rt(rt), cid)]
        for args in (a, idle):
            out, _ = rtime(args)
            for k, d in out.items():
                self.res["exec"][k] = self.slim(d)
        for rt in RUNTIMES:
            sh("%s kill %s-x KILL" % (self.rt(rt), self.tag))
        time.sleep(0.05)
        reap()
        for rt in RUNTIMES:
            sh("%s delete -f %s-x" % (self.rt(rt), self.tag))

    def scale(self):
        done = 0
        per = {rt: [] for rt in RUNTIMES}
        percpu = {rt: [] for rt in RUNTIMES}
        for n in SCALE:
            log("scale: %d detached containers per runtime (run -d sleep)" % n)
            a = ["-n", str(n - done), "-o", str(done + 1), "-t", "30"]
            for rt in RUNTIMES:
                a += ["-l", rt, "-c", "%s run -d --bundle %s %s-z%%i" % (self.rt(rt), self.b_sleep, self.tag)]
            out, _ = rtime(a)
            for rt, d in out.items():
                per[rt] += d["wall_ms"]
                percpu[rt] += d["cpu_ms"]
                self.res["scale"].setdefault(rt, {})["fails"] = \
                    self.res["scale"].get(rt, {}).get("fails", 0) + d["fails"]
            done = n
            a = ["-n", str(LIST_N), "-W", "1"]
            for rt in RUNTIMES:
                a += ["-l", rt + " list", "-c", "%s list" % self.rt(rt)]
                a += ["-l", rt + " listjson", "-c", "%s list --format json" % self.rt(rt)]
                a += ["-l", rt + " state", "-c", "%s state %s-z1" % (self.rt(rt), self.tag)]
            # the kernel work of ctr's list alone, over the same containers
            a += ["-l", "floor list", "-c", "%s %s" % (os.path.join(B, "listfloor"), self.roots["ctr"])]
            out, _ = rtime(a)
            for k, d in out.items():
                rt, what = k.split()
                self.res["scale"].setdefault(rt, {})["%s_at_%d" % (what, n)] = self.slim(d)
        for rt, w in per.items():
            s = self.res["scale"].setdefault(rt, {})
            s["start_wall_ms"] = [round(x, 3) for x in w]
            k = min(10, len(w) // 2)
            if k:
                first, last = statistics.median(w[:k]), statistics.median(w[-k:])
                s["start_first%d_ms" % k] = round(first, 3)
                s["start_last%d_ms" % k] = round(last, 3)
                s["start_growth"] = round(last / first, 3) if first else None
                c = percpu[rt]
                s["start_cpu_first%d_ms" % k] = round(statistics.median(c[:k]), 3)
                s["start_cpu_last%d_ms" % k] = round(statistics.median(c[-k:]), 3)
        log("scale: teardown (kill, then delete)")
        for rt in RUNTIMES:
            t0 = time.monotonic()
            for i in range(1, done + 1):
                sh("%s kill %s-z%d KILL" % (self.rt(rt), self.tag, i))
            time.sleep(0.1)
            reap()
            t1 = time.monotonic()
            for i in range(1, done + 1):
                sh("%s delete -f %s-z%d" % (self.rt(rt), self.tag, i))
            t2 = time.monotonic()
            s = self.res["scale"].setdefault(rt, {})
            s["teardown_s"] = round(t2 - t0, 2)
            s["teardown_kill_s"] = round(t1 - t0, 2)
            s["teardown_delete_s"] = round(t2 - t1, 2)

    def memcg_root(self):
        with open("/proc/self/cgroup") as f:
            for line in f:
                _, ctrls, path = line.strip().split(":", 2)
                if "memory" in ctrls.split(","):
                    return "/sys/fs/cgroup/memory" + path.rstrip("/")
        return None

    def memory(self):
        base = self.memcg_root()
        if not base or not os.path.isdir(base):
            log("memory: no v1 memory cgroup, skipped")
            return
        for rt in RUNTIMES:
            self.res["memory"].setdefault(rt, {})["peak_rss_kb_run"] = \
                self.res["start"].get(rt, {}).get("maxrss_kb")
        tries = int(os.environ.get("BENCH_MEM_TRIES") or (1 if QUICK else 3))
        res = (256 << 10) if QUICK else (16 << 10)  # bisection resolution
        # an absolute cgroupsPath puts the container's cgroups below the hierarchy roots
        # (runc would nest them in its own, limited, cgroup otherwise); a new one per probe,
        # since an OOM-killed runtime can leave a cgroup behind
        def nonet(c):
            c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]
        for net, edit in (("netns", lambda c: None), ("nonetns", nonet)):
            for rt in RUNTIMES:
                bundle = self.bundle("mem-%s-%s" % (rt, net), edit)
                k = [0]

                def ok(limit):
                    return probe(limit) or probe(limit)

                def probe(limit):
                    k[0] += 1
                    cid = "%s-m%s%d" % (self.tag, net[0], k[0])
                    conf = os.path.join(bundle, "config.json")
                    with open(conf) as f:
                        c = json.load(f)
                    c["linux"]["cgroupsPath"] = "/%s-ct-%s" % (self.tag, cid)
                    with open(conf, "w") as f:
                        json.dump(c, f)
                    # a new cgroup per probe: what the last one left charged (slab freed
                    # after an RCU grace period, say) makes a lower limit fail with EBUSY
                    cg = "%s/%s-mem" % (base, cid)
                    os.mkdir(cg)
                    self.memcgs.append(cg)
                    with open(cg + "/memory.limit_in_bytes", "w") as f:
                        f.write(str(limit))
                    out, rc = rtime(["-n", str(tries), "-t", "10", "-g", cg + "/cgroup.procs", "-l", rt,
                                     "-c", "%s run --bundle %s %s-%%i" % (self.rt(rt), bundle, cid)],
                                    check=False)
                    for i in range(tries):
                        sh("%s delete -f %s-%d" % (self.rt(rt), cid, i))
                    try:
                        os.rmdir(cg)
                        self.memcgs.remove(cg)
                    except OSError:
                        pass
                    if rc and limit >= (2 << 20):
                        log("  memory %s %s: failed at %d KiB: %s" % (rt, net, limit >> 10,
                            out.get(rt, {}).get("err", "?").strip()[:200]))
                    return rc == 0
                lo, hi = 64 << 10, 32 << 20  # lo fails (assumed), hi works (checked)
                if not ok(hi):
                    log("  memory %s %s: fails even at %d KiB" % (rt, net, hi >> 10))
                    self.res["memory"][rt][net + "_min_limit_kb"] = None
                    continue
                while hi - lo > res:
                    mid = (lo + hi) // 2 // 4096 * 4096
                    if ok(mid):
                        hi = mid
                    else:
                        lo = mid
                self.res["memory"][rt][net + "_min_limit_kb"] = hi >> 10
                log("  memory %s %s: %d KiB" % (rt, net, hi >> 10))

    def seccomp(self):
        log("seccomp: ns per syscall inside a container, with and without Docker's profile")
        k = int(os.environ.get("BENCH_SC_RUNS") or (1 if QUICK else 8))
        got = {(rt, name): ([], []) for rt in RUNTIMES for name in ("none", "docker")}
        for i in range(k):
            for rt in RUNTIMES:
                for name, bundle in (("none", self.b_loop), ("docker", self.b_loop_sec)):
                    g, p = got[(rt, name)]
                    r = subprocess.run("%s run --bundle %s %s-l%s%d" % (self.rt(rt), bundle, self.tag, name[0], i),
                                       shell=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True, timeout=60)
                    w = r.stdout.split()
                    if r.returncode == 0 and len(w) == 4:
                        g.append(float(w[1]))
                        p.append(float(w[3]))
                    else:
                        log("  %s %s: %s" % (rt, name, r.stderr.strip()[:200]))
        for (rt, name), (g, p) in got.items():
            # ns per call is noisy here (other tenants): the best run is the estimate
            self.res["seccomp"].setdefault(rt, {})[name] = {
                "getppid_ns": stats(g), "personality_ns": stats(p),
                "getppid_best_ns": min(g) if g else None, "personality_best_ns": min(p) if p else None}
        for rt in RUNTIMES:
            s = self.res["seccomp"][rt]
            for sc in ("getppid_ns", "personality_ns"):
                try:
                    b = sc.replace("_ns", "_best_ns")
                    s[sc.replace("_ns", "_extra_ns")] = round(s["docker"][b] - s["none"][b], 1)
                except (TypeError, KeyError):
                    s[sc.replace("_ns", "_extra_ns")] = None
        r = subprocess.run([os.path.join(B, "sclen"), self.b_sec], stdout=subprocess.PIPE, text=True)
        self.res["seccomp"]["ctr"]["bpf_insns"] = int(r.stdout) if r.returncode == 0 else None
        # what the kernel holds for each runtime's container: PTRACE_SECCOMP_GET_FILTER
        for rt in RUNTIMES:
            cid = "%s-bpf" % self.tag
            sleepsec = os.path.join(self.tmp, "sleep-seccomp")
            if not os.path.isdir(sleepsec):
                with open(os.path.join(self.b_sec, "config.json")) as f:
                    c = json.load(f)
                c["process"]["args"] = ["sleep", "100000"]
                os.makedirs(sleepsec)
                with open(os.path.join(sleepsec, "config.json"), "w") as f:
                    json.dump(c, f)
            if self.run_detached(rt, cid, sleepsec).returncode == 0:
                st = subprocess.run("%s state %s" % (self.rt(rt), cid), shell=True,
                                    stdout=subprocess.PIPE, text=True)
                try:
                    pid = json.loads(st.stdout)["pid"]
                    r = subprocess.run([os.path.join(B, "bpflen"), str(pid)], stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
                    if r.returncode == 0:
                        self.res["seccomp"][rt]["kernel_insns"] = [int(x) for x in r.stdout.split()]
                    else:
                        log("  bpflen %s: %s" % (rt, r.stderr.strip()))
                except (ValueError, KeyError):
                    pass
            sh("%s kill %s KILL" % (self.rt(rt), cid))
            time.sleep(0.05)
            reap()
            sh("%s delete -f %s" % (self.rt(rt), cid))

    def parse(self):
        """Peak RSS of `ctr check` on a 2 MB config (one array of a million elements) less
        that on the plain config: the memory the parse takes."""
        log("parse: peak RSS of ctr check, 2 MB config vs the plain one")
        a = ["-n", str(max(3, N // 6)), "-W", "1"]
        for name, b in (("small", self.b_parse_small), ("big", self.b_parse_big)):
            a += ["-l", name, "-c", "%s check --bundle %s" % (CTR, b)]
        out, _ = rtime(a, check=False)
        big = os.path.getsize(os.path.join(self.b_parse_big, "config.json"))
        p = self.res["parse"]
        p["file_bytes"] = big
        p["rss_small_kb"] = med(out.get("small", {}), "rss")
        p["rss_big_kb"] = med(out.get("big", {}), "rss")
        if p["rss_small_kb"] is not None and p["rss_big_kb"] is not None:
            p["parse_kb"] = p["rss_big_kb"] - p["rss_small_kb"]
            p["x_file"] = round(p["parse_kb"] * 1024 / big, 2)
        log("  %s KiB for %d bytes" % (p.get("parse_kb"), big))

    def size(self):
        s = self.res["size"]
        s["ctr"] = os.path.getsize(CTR)
        # build/<board>/ctr of every board built (make boards, make BOARD=...); older than
        # ctr.c means stale
        src = os.path.getmtime(os.path.join(TOP, "ctr.c"))
        s["boards"], s["boards_stale"] = {}, []
        for mk in sorted(glob.glob(os.path.join(TOP, "boards", "*.mk"))):
            b = os.path.basename(mk)[:-3]
            f = os.path.join(TOP, "build", b, "ctr")
            if os.path.isfile(f):
                s["boards"][b] = os.path.getsize(f)
                if os.path.getmtime(f) < src:
                    s["boards_stale"].append(b)
        for rt in ("crun", "runc"):
            if rt not in RUNTIMES:
                continue
            p = os.path.realpath(RUNTIMES[rt])
            libs = {}
            r = subprocess.run(["ldd", p], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            for line in r.stdout.splitlines():
                w = line.split()
                path = w[2] if len(w) >= 3 and w[1] == "=>" else (w[0] if w and w[0].startswith("/") else None)
                if path and os.path.exists(path):
                    libs[os.path.basename(path)] = os.path.getsize(os.path.realpath(path))
            s[rt] = {"binary": os.path.getsize(p), "libs": libs,
                     "with_libs": os.path.getsize(p) + sum(libs.values())}


def fmt_st(st, unit=""):
    if not st:
        return "n/a"
    return "%.1f [%.1f-%.1f]%s" % (st["median"], st["p10"], st["p90"], unit)


def ratio(a, b):
    try:
        return a / b if b else None
    except TypeError:
        return None


def rfmt(x):
    return "n/a" if x is None else "%.2fx" % x


def med(d, *path):
    try:
        for p in path:
            d = d[p]
        return d["median"] if isinstance(d, dict) else d
    except (KeyError, TypeError):
        return None


def report(res):
    L = []
    rts = list(RUNTIMES)
    L.append("ctr benchmarks (%s; kernel %s, %s CPUs; %d samples; median [p10-p90]; ratios are ctr/crun and ctr/runc)"
             % (res["host"].get("date"), res["host"].get("kernel"), res["host"].get("cpus"), N))

    def timed(title, sec, key):
        L.append("")
        L.append("%-34s %-26s %-26s %-10s %s" % (title, "wall ms", "CPU ms", "fails", ""))
        for rt in rts:
            d = res[sec].get(key(rt))
            if not d:
                continue
            L.append("  %-32s %-26s %-26s %-10s" % (key(rt), fmt_st(d["wall_ms"]), fmt_st(d["cpu_ms"]), d["fails"]))
        c = res[sec].get(key("ctr"))
        if c:
            parts = []
            for other in ("crun", "runc"):
                o = res[sec].get(key(other))
                if o:
                    parts.append("vs %s: wall %s, CPU %s" % (other, rfmt(ratio(med(c, "wall_ms"), med(o, "wall_ms"))),
                                                              rfmt(ratio(med(c, "cpu_ms"), med(o, "cpu_ms")))))
            L.append("  ctr " + "; ".join(parts))

    if res["start"]:
        timed("run /bin/true", "start", lambda r: r)
        L.append("  floors: " + "; ".join("%s wall %s CPU %s" % (k, fmt_st(v["wall_ms"]), fmt_st(v["cpu_ms"]))
                                          for k, v in res["floor"].items()))
        timed("run /bin/true, no network ns", "start", lambda r: r + " nonet")
        timed("run /bin/true after %d ms idle" % IDLE_MS, "start", lambda r: r + " idle")
    if res["seccomp_start"]:
        timed("run /bin/true (seccomp's group)", "seccomp_start", lambda r: r + " base")
        timed("run /bin/true + Docker seccomp", "seccomp_start", lambda r: r)
    if res["detached"]:
        timed("create+start+wait+delete", "detached", lambda r: r)
    if res["exec"]:
        timed("exec /bin/true", "exec", lambda r: r)
        timed("exec /bin/true after %d ms idle" % IDLE_MS, "exec", lambda r: r + " idle")
    if res["scale"]:
        L.append("")
        L.append("scale (run -d sleep; per-container start wall ms, first 10 vs last 10; list/state wall ms)")
        for rt in rts:
            s = res["scale"].get(rt)
            if not s:
                continue
            first = [v for k, v in s.items() if k.startswith("start_first")]
            last = [v for k, v in s.items() if k.startswith("start_last")]
            extra = " ".join("%s %.1f" % (k.replace("_at_", "@"), med(v, "wall_ms"))
                             for k, v in s.items() if "_at_" in k and med(v, "wall_ms") is not None)
            cf = [v for k, v in s.items() if k.startswith("start_cpu_first")]
            cl = [v for k, v in s.items() if k.startswith("start_cpu_last")]
            L.append("  %-6s start %s -> %s (x%s), CPU %s -> %s  %s  teardown %ss (kill %ss)  fails %s" % (
                rt, first[0] if first else "?", last[0] if last else "?", s.get("start_growth"),
                cf[0] if cf else "?", cl[0] if cl else "?", extra,
                s.get("teardown_s"), s.get("teardown_kill_s"), s.get("fails")))
        fl = res["scale"].get("floor", {})
        if fl:
            L.append("  floor  list (the kernel work of ctr's list alone): " + " ".join(
                "%s %.1f" % (k.replace("_at_", "@"), med(v, "wall_ms")) for k, v in fl.items()
                if med(v, "wall_ms") is not None))
    if res["memory"]:
        L.append("")
        L.append("memory: peak RSS of the runtime processes during run (KiB, median); smallest v1 memory limit of the runtime's own cgroup (KiB)")
        for rt in rts:
            m = res["memory"].get(rt, {})
            L.append("  %-6s peak RSS %-8s  min limit: with netns %-8s without %s" % (
                rt, med(m, "peak_rss_kb_run"), m.get("netns_min_limit_kb"), m.get("nonetns_min_limit_kb")))
    if res["seccomp"]:
        L.append("")
        L.append("seccomp: ns per call inside the container (best of runs), none / Docker profile (+extra); BPF insns (kernel's view)")
        for rt in rts:
            s = res["seccomp"].get(rt, {})
            L.append("  %-6s getppid %s / %s (+%s)  personality(-1) %s / %s (+%s)  insns %s" % (
                rt, s.get("none", {}).get("getppid_best_ns"), s.get("docker", {}).get("getppid_best_ns"), s.get("getppid_extra_ns"),
                s.get("none", {}).get("personality_best_ns"), s.get("docker", {}).get("personality_best_ns"), s.get("personality_extra_ns"),
                s.get("kernel_insns") or s.get("bpf_insns")))
    if res["size"]:
        s = res["size"]
        L.append("")
        L.append("size (bytes): ctr %s; boards%s: %s" % (s.get("ctr"), " (build/boards.txt older than ctr.c: run make boards)" if s.get("boards_stale") else "", ", ".join("%s %d" % kv for kv in sorted(s.get("boards", {}).items()))))
        for rt in ("crun", "runc"):
            if rt in s:
                L.append("  %-6s binary %d, with %d shared libraries %d" % (rt, s[rt]["binary"], len(s[rt]["libs"]), s[rt]["with_libs"]))
    return L


def list_n(res):
    """The largest container count list was timed at."""
    ns = [int(k[len("list_at_"):]) for k in res["scale"].get("ctr", {}) if k.startswith("list_at_")]
    return max(ns) if ns else None


def budgets(res):
    """[(name, ok, text)]: where ctr stands against the budgets (issue 15's table first)."""
    out = []
    def add(name, val, limit, unit, fmt="%.1f", why=None):
        if val is None or limit is None:
            out.append((name, None, why or "not measured"))
            return
        ok = val <= limit
        miss = "" if ok else " (misses by " + (fmt % abs(val - limit)) + unit + ")"
        out.append((name, ok, (fmt % val) + unit + " vs " + (fmt % limit) + unit + miss))
    missing = res.get("missing", {})
    nocrun = "crun " + missing["crun"] if "crun" in missing else None
    for what, key in (("wall", "wall_ms"), ("CPU", "cpu_ms")):
        add("run /bin/true %s / crun <= 0.50" % what,
            ratio(med(res["start"], "ctr", key), med(res["start"], "crun", key)), 0.5, "x", "%.2f", nocrun)
    add("exec /bin/true wall / crun <= 0.30",
        ratio(med(res["exec"], "ctr", "wall_ms"), med(res["exec"], "crun", "wall_ms")), 0.3, "x", "%.2f", nocrun)
    n = list_n(res)
    add("list at %s containers <= 5 ms" % n, med(res["scale"].get("ctr", {}), "list_at_%s" % n, "wall_ms"),
        5.0, " ms", "%.2f")
    m = res["memory"].get("ctr", {})
    add("mem limit with netns <= 768 KiB", m.get("netns_min_limit_kb"), 768, " KiB", "%d")
    add("mem limit without netns <= 320 KiB", m.get("nonetns_min_limit_kb"), 320, " KiB", "%d")
    bd = res["size"].get("boards", {})
    # x86_64: build/x86_64/ctr when built, else ./ctr (the same musl -Os static build)
    add("size x86_64 <= 150 KiB", bd.get("x86_64", res["size"].get("ctr")), 150 * 1024, " B", "%d")
    add("size armhf <= 128 KiB", bd.get("armhf"), 128 * 1024, " B", "%d", "build/armhf/ctr not built")
    add("size mipsel <= 128 KiB", bd.get("mipsel"), 128 * 1024, " B", "%d", "build/mipsel/ctr not built")
    pm = res["parse"]
    add("parse memory, 2 MB config <= 3x file", pm.get("x_file"), 3.0, "x", "%.2f")
    # earlier budgets (the benchmark issue)
    floor = med(res["floor"], "floor-full", "cpu_ms")
    add("run CPU <= 1.3x floor", med(res["start"], "ctr", "cpu_ms"),
        floor * FLOOR_CPU_BUDGET_X if floor else None, " ms", "%.2f")
    a, b = med(res["seccomp_start"], "ctr", "cpu_ms"), med(res["seccomp_start"], "ctr base", "cpu_ms")
    add("seccomp start CPU <= +1 ms", (a - b) if a is not None and b is not None else None, 1.0, " ms", "%.2f")
    sc = res["seccomp"]
    others = [sc.get(r, {}).get("personality_extra_ns") for r in ("crun", "runc")]
    others = [x for x in others if x is not None]
    add("seccomp arg-checked ns < crun, runc", sc.get("ctr", {}).get("personality_extra_ns"),
        min(others) if others else None, " ns")
    add("scale start flat (last10/first10 <= 1.2)", res["scale"].get("ctr", {}).get("start_growth"), 1.2, "x", "%.2f")
    return out


def num(x, fmt="%.1f"):
    return "n/a" if x is None else fmt % x


def budget_table(res):
    """Issue 15's table: measure, ctr now, budget, met; from the results."""
    s, st, ex, m = res["size"], res["start"], res["exec"], res["memory"].get("ctr", {})
    bd = s.get("boards", {})
    n = list_n(res)
    sc = res["scale"].get("ctr", {})
    fl = med(res["scale"].get("floor", {}), "list_at_%s" % n, "wall_ms")
    lw = med(sc, "list_at_%s" % n, "wall_ms")
    def r(key, sec):
        return num(ratio(med(sec, "ctr", key), med(sec, "crun", key)), "%.2f")
    def kib(b):
        return "%s" % ("%.0f" % (b / 1024.0) if b else "not built")
    ok = {name: ok for name, ok, _ in budgets(res)}
    def met(*names):
        v = [ok.get(x) for x in names]
        return "met" if all(x is True for x in v) else ("missed" if any(x is False for x in v) else "?")
    pm = res["parse"]
    rows = ["| measure | ctr now | budget | |", "|---|---|---|---|",
            "| `run /bin/true`, wall / CPU, ÷ crun in the same run | %s / %s | ≤ 0.50 / ≤ 0.50 | %s |" % (
                r("wall_ms", st), r("cpu_ms", st), met("run /bin/true wall / crun <= 0.50", "run /bin/true CPU / crun <= 0.50")),
            "| `exec /bin/true` wall ÷ crun | %s | ≤ 0.30 | %s |" % (r("wall_ms", ex), met("exec /bin/true wall / crun <= 0.30")),
            "| `list` at %s containers (`--format json`); ÷ crun, ÷ the floor (its kernel work alone) | %s ms (%s); %s, %s | ≤ 5 ms | %s |" % (
                n, num(lw, "%.2f"), num(med(sc, "listjson_at_%s" % n, "wall_ms"), "%.2f"),
                num(ratio(lw, med(res["scale"].get("crun", {}), "list_at_%s" % n, "wall_ms")), "%.2f"),
                num(ratio(lw, fl), "%.2f"), met("list at %s containers <= 5 ms" % n)),
            "| smallest memory limit that starts, no netns / with netns | %s / %s KiB | ≤ 320 / ≤ 768 KiB | %s |" % (
                num(m.get("nonetns_min_limit_kb"), "%d"), num(m.get("netns_min_limit_kb"), "%d"),
                met("mem limit without netns <= 320 KiB", "mem limit with netns <= 768 KiB")),
            "| static size, every feature: x86_64 / armhf / mipsel | %s / %s / %s KiB | ≤ 150 / 128 / 128 KiB | %s |" % (
                kib(bd.get("x86_64", s.get("ctr"))), kib(bd.get("armhf")), kib(bd.get("mipsel")),
                met("size x86_64 <= 150 KiB", "size armhf <= 128 KiB", "size mipsel <= 128 KiB")),
            "| parse memory, 2 MB config (peak RSS of `ctr check` over the plain config's) | %s MB (%s× the file) | ≤ 3× file size | %s |" % (
                num(pm.get("parse_kb") / 1024.0 if pm.get("parse_kb") is not None else None), num(pm.get("x_file"), "%.1f"),
                met("parse memory, 2 MB config <= 3x file"))]
    return rows


def write_readme(res, bl, path):
    text = open(path).read()
    b, e = "<!-- bench:begin -->", "<!-- bench:end -->"
    if b not in text or e not in text:
        log("%s has no bench markers; not updated" % path)
        return False
    notes = []
    missing = res.get("missing", {})
    if res.get("quick"):
        notes.append("**Quick mode (BENCH_QUICK=1): a few samples only; these numbers mean nothing.**")
    for rt, why in sorted(missing.items()):
        notes.append("%s: %s, so no numbers and no ratio to it." % (rt, why))
    h = res["host"]
    rows = ["", "Written by `make bench` (%s, %d samples, medians; CPU = user+sys of the runtime and all it reaped; "
            "%s CPUs, load average %s at the start, %s at the end: on a busy host only the ratios mean much)."
            % (h.get("date"), h.get("samples"), h.get("cpus"), h.get("load_start"), h.get("load_end")), ""] + ([" ".join(notes), ""] if notes else []) + budget_table(res) + [
            "", "| | ctr | crun | runc |", "|---|---:|---:|---:|"]
    def row(name, f):
        rows.append("| %s | %s |" % (name, " | ".join(
            f(rt) if rt not in missing else missing[rt] for rt in ALL_RUNTIMES)))
    n = list_n(res)
    row("run /bin/true: wall / CPU ms", lambda r: "%s / %s" % (num(med(res["start"], r, "wall_ms")), num(med(res["start"], r, "cpu_ms"))))
    row("+ Docker seccomp: wall / CPU ms", lambda r: "%s / %s" % (num(med(res["seccomp_start"], r, "wall_ms")), num(med(res["seccomp_start"], r, "cpu_ms"))))
    row("create+start+wait+delete: wall / CPU ms", lambda r: "%s / %s" % (num(med(res["detached"], r, "wall_ms")), num(med(res["detached"], r, "cpu_ms"))))
    row("run /bin/true after %d ms idle: wall / CPU ms" % IDLE_MS, lambda r: "%s / %s" % (
        num(med(res["start"], r + " idle", "wall_ms")), num(med(res["start"], r + " idle", "cpu_ms"))))
    row("exec /bin/true: wall ms", lambda r: num(med(res["exec"], r, "wall_ms")))
    row("exec /bin/true after %d ms idle: wall ms" % IDLE_MS, lambda r: num(med(res["exec"], r + " idle", "wall_ms")))
    row("run -d at N=%s: first / last 10, ms" % n, lambda r: "%s / %s" % (
        num(res["scale"].get(r, {}).get("start_first10_ms")), num(res["scale"].get(r, {}).get("start_last10_ms"))))
    row("list at %s: ms (table / json)" % n, lambda r: "%s / %s" % (
        num(med(res["scale"].get(r, {}), "list_at_%s" % n, "wall_ms")), num(med(res["scale"].get(r, {}), "listjson_at_%s" % n, "wall_ms"))))
    row("peak RSS KiB", lambda r: num(med(res["memory"].get(r, {}), "peak_rss_kb_run"), "%d"))
    row("min memory limit KiB (netns / none)", lambda r: "%s / %s" % (
        num(res["memory"].get(r, {}).get("netns_min_limit_kb"), "%d"), num(res["memory"].get(r, {}).get("nonetns_min_limit_kb"), "%d")))
    row("seccomp +ns per call, getppid / personality(-1) (best of runs)", lambda r: "%s / %s" % (
        num(res["seccomp"].get(r, {}).get("getppid_extra_ns")), num(res["seccomp"].get(r, {}).get("personality_extra_ns"))))
    sz = res["size"]
    if sz.get("boards"):
        rows.append("| static size per board (build/<board>/ctr), bytes | %s | | |" % ", ".join(
            "%s %d%s" % (k, v, " (older than ctr.c)" if k in sz.get("boards_stale", []) else "")
            for k, v in sorted(sz["boards"].items())))
    row("binary (+ shared libs) bytes", lambda r: str(sz.get("ctr")) if r == "ctr" else "%s (%s)" % (
        sz.get(r, {}).get("binary"), sz.get(r, {}).get("with_libs")))
    fl = res["floor"]
    rows += ["", "Floor (C program: namespaces, pivot_root, lo, /proc, /sys, cgroups): wall %s / CPU %s ms; "
             "`unshare -mpfniu` + chroot: %s / %s ms." % (num(med(fl, "floor-full", "wall_ms")), num(med(fl, "floor-full", "cpu_ms")),
                                                         num(med(fl, "unshare+chroot", "wall_ms")), num(med(fl, "unshare+chroot", "cpu_ms"))),
             "", "Budgets:", ""]
    for name, ok, txt in bl:
        rows.append("- %s %s: %s" % ("met" if ok else ("MISSED" if ok is False else "?"), name, txt))
    rows.append("")
    new = text[:text.index(b) + len(b)] + "\n" + "\n".join(rows) + "\n" + text[text.index(e):]
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(new)
    os.replace(tmp, path)
    return True


def render(path):
    """--render RESULTS.JSON: the README block again from stored results (no run)."""
    res = json.load(open(path))
    readme = os.environ.get("BENCH_README", "1")
    if not write_readme(res, budgets(res), os.path.join(TOP, "README.md") if readme in ("0", "1") else readme):
        sys.exit(1)


def main():
    if sys.argv[1:2] == ["--render"] and len(sys.argv) == 3:
        return render(sys.argv[2])
    if os.geteuid() != 0:
        sys.exit("bench: needs root")
    wrap()
    subreaper()
    t0 = time.monotonic()
    bench = Bench()
    try:
        bench.setup()
        secs = [("start", bench.start), ("exec", bench.exec_), ("scale", bench.scale),
                ("memory", bench.memory), ("seccomp", bench.seccomp), ("parse", bench.parse),
                ("size", bench.size)]
        for name, fn in secs:
            if ONLY and name not in ONLY:
                continue
            t = time.monotonic()
            fn()
            log("  (%s: %.0f s)" % (name, time.monotonic() - t))
    finally:
        bench.cleanup()
    res = bench.res
    bl = budgets(res)
    res["budgets"] = [{"name": n, "ok": ok, "text": t} for n, ok, t in bl]
    res["seconds"] = round(time.monotonic() - t0, 1)
    res["host"]["load_end"] = round(os.getloadavg()[0], 1)
    L = report(res)
    L.append("")
    L.append("budgets:")
    for n, ok, t in bl:
        L.append("  %-7s %-42s %s" % ("ok" if ok else ("MISS" if ok is False else "?"), n, t))
    L.append("(%.0f s)" % res["seconds"])
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
    with open(os.path.join(OUT, "results.txt"), "w") as f:
        f.write("\n".join(L) + "\n")
    print("\n".join(L))
    readme = os.environ.get("BENCH_README", "1")
    if readme != "0" and not ONLY:
        path = os.path.join(TOP, "README.md") if readme == "1" else readme
        if not write_readme(res, bl, path):
            sys.exit(1)


if __name__ == "__main__":
    main()
