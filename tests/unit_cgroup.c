/* Unit tests of the cgroup section: layout detection, paths, value conversions, the
 * device eBPF generator (run through a small interpreter, and loaded by the kernel when
 * root), and every resource write against fake v1 and v2 directory trees. */
#if defined(__GNUC__) && !defined(__clang__)
/* gcc -O1 flags jw_double (json section) when jw_value is inlined here: a false positive */
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "../ctr.c"
#include "t.h"

static const char mi_hybrid[] =
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
	"34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n"
	"99 31 0:32 / /mnt/again rw,relatime - cgroup cgroup rw,memory\n";
static const char mi_v2[] =
	"22 1 0:20 / /proc rw - proc proc rw\n"
	"30 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";
static const char mi_v1[] =
	"33 31 0:30 /sub /my\\040cg/pids rw,relatime shared:9 master:3 - cgroup cgroup rw,pids\n"
	"36 31 0:33 / /sys/fs/cgroup/devices rw - cgroup none rw,devices\n";
static const char mi_none[] =
	"22 1 0:20 / /proc rw - proc proc rw\n"
	"23 1 0:21 / /sys rw - sysfs sysfs rw\n";

static void test_mountinfo(void)
{
	struct cg_host h;
	char buf[2048];
	strcpy(buf, mi_hybrid);
	cg_parse_mountinfo(buf, &h);
	CHECK(h.n == 5, "mountinfo hybrid: 5 hierarchies (duplicate mount skipped), got %zu", h.n);
	CHECK(cg_mode_of(&h) == CG_MODE_HYBRID, "mountinfo hybrid: mode hybrid");
	CHECK(h.n == 5 && h.m[0].ctls == ((1u << CG_CPU) | (1u << CG_CPUACCT)) &&
	      !strcmp(h.m[0].opts, "cpu,cpuacct"), "mountinfo hybrid: cpu,cpuacct controllers");
	CHECK(h.n == 5 && !strcmp(h.m[1].opts, "cpuset"), "mountinfo: non-controller options dropped");
	CHECK(h.n == 5 && h.m[3].ctls == 0 && !strcmp(h.m[3].opts, "name=systemd"),
	      "mountinfo: named hierarchy kept");
	CHECK(h.n == 5 && h.m[4].v2 && !strcmp(h.m[4].mnt, "/sys/fs/cgroup/unified"),
	      "mountinfo hybrid: cgroup2 at unified");
	const char selfcg[] = "9:name=systemd:/user.slice\n4:memory:/a/b\n1:cpu,cpuacct:/\n0::/x/y\n";
	char own[256];
	CHECK(cg_own_path(selfcg, &h.m[2], own, sizeof(own)) == 0 && !strcmp(own, "/a/b"),
	      "own cgroup: memory /a/b");
	CHECK(cg_own_path(selfcg, &h.m[4], own, sizeof(own)) == 0 && !strcmp(own, "/x/y"),
	      "own cgroup: v2 /x/y");
	CHECK(cg_own_path(selfcg, &h.m[3], own, sizeof(own)) == 0 && !strcmp(own, "/user.slice"),
	      "own cgroup: name=systemd");
	CHECK(cg_own_path(selfcg, &h.m[1], own, sizeof(own)) < 0, "own cgroup: missing line");

	strcpy(buf, mi_v2);
	cg_parse_mountinfo(buf, &h);
	CHECK(h.n == 1 && cg_mode_of(&h) == CG_MODE_V2 && !strcmp(h.m[0].mnt, "/sys/fs/cgroup"),
	      "mountinfo v2: pure unified");
	strcpy(buf, mi_v1);
	cg_parse_mountinfo(buf, &h);
	CHECK(h.n == 2 && cg_mode_of(&h) == CG_MODE_V1, "mountinfo v1: mode v1");
	CHECK(h.n == 2 && !strcmp(h.m[0].mnt, "/my cg/pids") && !strcmp(h.m[0].root, "/sub"),
	      "mountinfo v1: octal escape and bind root");
	const char selfcg1[] = "3:pids:/sub/c\n";
	CHECK(cg_own_path(selfcg1, &h.m[0], own, sizeof(own)) == 0 && !strcmp(own, "/c"),
	      "own cgroup: relative to the mount's root");
	strcpy(buf, mi_none);
	cg_parse_mountinfo(buf, &h);
	CHECK(h.n == 0 && cg_mode_of(&h) == CG_MODE_NONE, "mountinfo none: no cgroups");
	/* the real one */
	char *mi = NULL, *self = NULL;
	struct ctr_error err = {0};
	CHECK(cg_host_read(&h, &mi, &self, &err) == 0, "mountinfo of this host parses");
	printf("# this host: %s, %zu hierarchies\n", cg_mode_names[cg_mode_of(&h)], h.n);
	free(mi);
	free(self);
}

static void test_paths(void)
{
	char out[PATH_MAX];
	struct ctr_error err = {0};
	CHECK(cg_path_clean(NULL, "abc", out, sizeof(out), &err) == 0 && !strcmp(out, "/ctr/abc"),
	      "path: default /ctr/<id>");
	CHECK(cg_path_clean("//a/./b//", "x", out, sizeof(out), &err) == 0 && !strcmp(out, "/a/b"),
	      "path: absolute cleaned");
	CHECK(cg_path_clean("a/b", "x", out, sizeof(out), &err) == 0 && !strcmp(out, "a/b"),
	      "path: relative kept relative");
	CHECK(cg_path_clean("/a/../../etc", "x", out, sizeof(out), &err) < 0 && strstr(err.msg, ".."),
	      "path: .. rejected");
	CHECK(cg_path_clean("..", "x", out, sizeof(out), &err) < 0, "path: bare .. rejected");
	CHECK(cg_path_clean("a/..b", "x", out, sizeof(out), &err) == 0 && !strcmp(out, "a/..b"),
	      "path: ..b is a name");
	CHECK(cg_path_clean("system.slice:ctr:abc", "x", out, sizeof(out), &err) < 0 &&
	      strstr(err.msg, "systemd"), "path: systemd form refused clearly");
	CHECK(cg_path_clean("/", "x", out, sizeof(out), &err) < 0, "path: root refused");
}

static void test_conversions(void)
{
	struct ctr_error err = {0};
	int64_t v;
	CHECK(cg_swap_v2(100, 300, &v, &err) == 0 && v == 200, "swap: 300-100 = 200");
	CHECK(cg_swap_v2(100, 100, &v, &err) == 0 && v == 0, "swap: equal gives 0 (no swap)");
	CHECK(cg_swap_v2(100, -1, &v, &err) == 0 && v == -1, "swap: -1 is max");
	CHECK(cg_swap_v2(-1, 0, &v, &err) == 0 && v == -1, "swap: unlimited memory, unset swap: max");
	CHECK(cg_swap_v2(100, 0, &v, &err) == 0 && v == -2, "swap: 0 is unset");
	CHECK(cg_swap_v2(200, 100, &v, &err) < 0 && strstr(err.msg, "memory.swap"), "swap: below limit refused");
	CHECK(cg_swap_v2(0, 100, &v, &err) < 0, "swap: no limit refused");
	CHECK(cg_swap_v2(-1, 100, &v, &err) < 0, "swap: unlimited memory with a swap limit refused");
	CHECK(cg_shares_to_weight(2) == 1 && cg_shares_to_weight(262144) == 10000 &&
	      cg_shares_to_weight(1024) == 39 && cg_shares_to_weight(0) == 0,
	      "shares to weight: 2->1, 1024->39, 262144->10000");
	CHECK(cg_blkio_to_io_weight(10) == 1 && cg_blkio_to_io_weight(1000) == 10000 &&
	      cg_blkio_to_io_weight(500) == 4950, "blkio weight to io.weight");
}

/* ---- device filter: interpreter and reference ---- */

static int bpf_run(const struct cg_insn *p, size_t n, uint32_t type, uint32_t acc,
		   uint32_t maj, uint32_t min)
{
	uint32_t ctx[3] = {acc << 16 | type, maj, min};
	uint64_t r[11] = {0};
	for (size_t pc = 0, steps = 0; pc < n && steps < 10000; pc++, steps++) {
		const struct cg_insn *i = &p[pc];
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		int d = i->regs >> 4, s = i->regs & 15;
#else
		int d = i->regs & 15, s = i->regs >> 4;
#endif
		switch (i->code) {
		case CG_BPF_LDXW:
			if (s != 1 || i->off % 4 || i->off > 8)
				return -2;
			r[d] = ctx[i->off / 4];
			break;
		case CG_BPF_AND: r[d] &= (uint64_t)(int64_t)i->imm; break;
		case CG_BPF_RSH: r[d] >>= i->imm; break;
		case CG_BPF_MOV: r[d] = (uint64_t)(int64_t)i->imm; break;
		case CG_BPF_JA: pc += i->off; break;
		case CG_BPF_JNE: if (r[d] != (uint64_t)(int64_t)i->imm) pc += i->off; break;
		case CG_BPF_JSET: if (r[d] & (uint64_t)(int64_t)i->imm) pc += i->off; break;
		case CG_BPF_EXIT: return (int)r[0];
		default: return -3;
		}
	}
	return -4;
}

/* The semantics we promise: last matching rule wins, deny by default; an allow rule
 * matches if it grants all asked access, a deny rule if it denies any. */
static int ref_eval(const struct spec_device_rule *r, size_t n, char type, int acc,
		    int64_t maj, int64_t min)
{
	for (size_t i = n; i-- > 0;) {
		int ra = cg_access_bits(r[i].access);
		if (r[i].type != 'a') {
			if (r[i].type != type)
				continue;
			if (r[i].allow ? (acc & ~ra) : !(acc & ra))
				continue;
			if (r[i].major.set && r[i].major.v >= 0 && r[i].major.v != maj)
				continue;
			if (r[i].minor.set && r[i].minor.v >= 0 && r[i].minor.v != min)
				continue;
		}
		return r[i].allow;
	}
	return 0;
}

static void test_bpf(void)
{
	static const char *const accs[] = {"r", "w", "m", "rw", "rm", "wm", "rwm", NULL};
	struct spec_device_rule rules[8];
	struct cg_insn prog[128];
	unsigned seed = 12345, bad = 0, cases = 0;
	for (int round = 0; round < 2000; round++) {
		size_t n = (size_t)(seed = seed * 1103515245 + 12345) % 7;
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			unsigned x = seed >> 8;
			rules[i] = (struct spec_device_rule){
				.allow = x & 1, .type = "acbcb"[(x >> 1) % 5],
				.major = {(x >> 4) & 1, (x >> 5) % 3}, .minor = {(x >> 7) & 1, (x >> 8) % 3},
				.access = accs[(x >> 10) % 8]};
		}
		size_t len = cg_bpf_gen(rules, n, prog, ARRAY_LEN(prog));
		if (!len) {
			bad++;
			continue;
		}
		for (int t = 0; t < 2; t++)
			for (int acc = 1; acc < 8; acc++)
				for (int maj = 0; maj < 3; maj++)
					for (int min = 0; min < 3; min++) {
						int want = ref_eval(rules, n, t ? 'b' : 'c', acc, maj, min);
						int got = bpf_run(prog, len, t ? 1 : 2, (uint32_t)acc,
								  (uint32_t)maj, (uint32_t)min);
						cases++;
						if (want != got && bad++ < 3)
							printf("# mismatch round %d: type %c acc %d %d:%d want %d got %d\n",
							       round, t ? 'b' : 'c', acc, maj, min, want, got);
					}
	}
	CHECK(bad == 0, "device filter: generated programs match the rule semantics (%u cases)", cases);
	/* the default list: null usable, sda not, mknod of anything allowed */
	struct spec s = {0};
	s.has_linux = true;
	s.lx.has_resources = true;
	struct spec_device_rule deny_all = {false, 'a', {0, 0}, {0, 0}, "rwm"};
	s.lx.resources.devices = &deny_all;
	s.lx.resources.n_devices = 1;
	struct spec_device_rule *all = NULL;
	size_t n;
	struct ctr_error err = {0};
	CHECK(cg_rules(&s, &all, &n, &err) == 0 && n == 1 + ARRAY_LEN(cg_default_rules),
	      "device rules: config + defaults");
	size_t len = cg_bpf_gen(all, n, prog, ARRAY_LEN(prog));
	CHECK(bpf_run(prog, len, 2, 2 | 4, 1, 3) == 1, "device filter: /dev/null rw allowed");
	CHECK(bpf_run(prog, len, 1, 2, 8, 0) == 0, "device filter: /dev/sda read denied");
	CHECK(bpf_run(prog, len, 1, 1, 8, 0) == 1, "device filter: mknod of a block device allowed");
	CHECK(bpf_run(prog, len, 2, 2, 136, 5) == 1, "device filter: /dev/pts/5 allowed");
	char line[80];
	cg_rule_text(&all[9], line, sizeof(line));
	CHECK(!strcmp(line, "c 136:* rwm"), "device rule text: %s", line);
	cg_rule_text(&all[0], line, sizeof(line));
	CHECK(!strcmp(line, "a"), "device rule text: a");
	/* a linux.devices node gets no rule of its own: deny-all keeps it shut (runc) */
	struct spec_device fuse = {.path = "/dev/fuse", .type = 'c', .major = 10, .minor = 229};
	s.lx.devices = &fuse;
	s.lx.n_devices = 1;
	free(all);
	CHECK(cg_rules(&s, &all, &n, &err) == 0 && n == 1 + ARRAY_LEN(cg_default_rules),
	      "device rules: linux.devices adds none");
	len = cg_bpf_gen(all, n, prog, ARRAY_LEN(prog));
	CHECK(bpf_run(prog, len, 2, 2 | 4, 10, 229) == 0, "device filter: a linux.devices node denied");
	s.lx.n_devices = 0;
	struct spec_device_rule allow_all = {true, 'a', {0, 0}, {0, 0}, NULL};
	len = cg_bpf_gen(&allow_all, 1, prog, ARRAY_LEN(prog));
	CHECK(len == 8 && bpf_run(prog, len, 1, 7, 8, 0) == 1, "device filter: allow-all is 8 insns");
	struct spec_device_rule badr = {true, 'c', {1, 1}, {1, 3}, "rwx"};
	CHECK(cg_check_rule(&badr, 0, &err) < 0 && strstr(err.msg, "access"), "device rule: bad access refused");
	if (geteuid() != 0) {
		T_SKIP("device filter: kernel load: needs root");
	} else if (getenv("CTR_QEMU_USER")) {
		T_SKIP("device filter: kernel load: qemu-user has no bpf()");
	} else {
		/* load it for real and attach to a scratch cgroup2 dir, if the host has one */
		struct cg_host h;
		char *mi = NULL, *self = NULL;
		cg_host_read(&h, &mi, &self, &err);
		const char *v2 = NULL;
		for (size_t i = 0; i < h.n; i++)
			if (h.m[i].v2)
				v2 = h.m[i].mnt;
		if (!v2) {
			T_SKIP("device filter: kernel load: no cgroup2 mount");
		} else {
			char dir[PATH_MAX];
			snprintf(dir, sizeof(dir), "%s/ctr-unit-%d", v2, (int)getpid());
			mkdir(dir, 0755);
			len = cg_bpf_gen(all, n, prog, ARRAY_LEN(prog));
			int rc = cg_bpf_attach(dir, prog, len, &err);
			CHECK(rc == 0, "device filter: the kernel verifier accepts it and it attaches (%s)",
			      rc ? err.msg : "ok");
			rmdir(dir);
		}
		free(mi);
		free(self);
	}
	free(all);
}

/* ---- writes against fake trees ---- */

static char tmpd[64];

static void mkfiles(const char *dir, const char *const *files)
{
	char p[PATH_MAX];
	mkdir(dir, 0755);
	for (; *files; files++) {
		snprintf(p, sizeof(p), "%s/%s", dir, *files);
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	}
}

static int file_is(const char *dir, const char *file, const char *want)
{
	char buf[512];
	if (cg_read_at(dir, file, buf, sizeof(buf)) < 0) {
		printf("# %s/%s: %s\n", dir, file, strerror(errno));
		return 0;
	}
	if (strcmp(buf, want)) {
		printf("# %s/%s: \"%s\", want \"%s\"\n", dir, file, buf, want);
		return 0;
	}
	return 1;
}

static struct spec_throttle_device thr_r = {8, 0, 1048576}, thr_w = {8, 16, 0};
static struct spec_weight_device wdev = {8, 0, {true, 300}, {false, 0}};
static struct spec_hugepage huge = {"2MB", 4194304};
static struct spec_kv unified_kv = {"memory.high", "500000000"};
static struct spec_rdma rdma = {"mlx4_0", {true, 10}, {false, 0}};
static struct spec_net_prio prio = {"eth0", 5};

static void fill_resources(struct spec_resources *r)
{
	memset(r, 0, sizeof(*r));
	r->has_memory = true;
	r->memory.limit = (struct opt_i64){true, 104857600};
	r->memory.swap = (struct opt_i64){true, 209715200};
	r->memory.reservation = (struct opt_i64){true, 52428800};
	r->memory.kernel_tcp = (struct opt_i64){true, 1048576};
	r->memory.kernel = (struct opt_i64){true, 1048576};
	r->memory.swappiness = (struct opt_u64){true, 10};
	r->memory.disable_oom_killer = (struct opt_bool){true, true};
	r->has_cpu = true;
	r->cpu.shares = (struct opt_u64){true, 1024};
	r->cpu.quota = (struct opt_i64){true, 50000};
	r->cpu.period = (struct opt_u64){true, 100000};
	r->cpu.burst = (struct opt_u64){true, 1000};
	r->cpu.idle = (struct opt_i64){true, 0};
	r->cpu.cpus = "0";
	r->cpu.mems = "0";
	r->has_pids = true;
	r->pids_limit = (struct opt_i64){true, -1};
	r->has_blkio = true;
	r->blkio.weight = (struct opt_u32){true, 500};
	r->blkio.weight_devices = &wdev;
	r->blkio.n_weight_devices = 1;
	r->blkio.throttle_read_bps = &thr_r;
	r->blkio.n_throttle_read_bps = 1;
	r->blkio.throttle_write_iops = &thr_w;
	r->blkio.n_throttle_write_iops = 1;
	r->hugepages = &huge;
	r->n_hugepages = 1;
	r->rdma = &rdma;
	r->n_rdma = 1;
	r->has_network = true;
	r->net_class_id = (struct opt_u32){true, 0x100001};
	r->net_priorities = &prio;
	r->n_net_priorities = 1;
}

static void test_fake_v2(void)
{
	static const char *const files[] = {"memory.max", "memory.swap.max", "memory.low",
		"cpu.weight", "cpu.max", "cpu.max.burst", "cpu.idle", "cpuset.cpus", "cpuset.mems",
		"pids.max", "io.weight", "io.max", "hugetlb.2MB.max", "rdma.max", "memory.high",
		"memory.current", NULL};
	char dir[128];
	snprintf(dir, sizeof(dir), "%s/v2", tmpd);
	mkfiles(dir, files);
	struct cgroup cg = {.mode = CG_MODE_V2, .n = 1};
	uint32_t all = cg_mask_of("cpu cpuset memory io pids hugetlb rdma misc", cg_v2_names, ' ');
	cg.d[0] = (struct cg_dir){.dir = dir, .ctls = all, .v2 = true};
	struct spec_resources r;
	fill_resources(&r);
	r.unified = &unified_kv;
	r.n_unified = 1;
	struct ctr_error err = {0};
	/* cgroup v2 has no net_cls/net_prio: network limits cannot be applied */
	CHECK(cg_apply(&cg, &r, false, &err) < 0 && strstr(err.msg, "network.classID"),
	      "v2: linux.resources.network is an error");
	r.has_network = false;
	int rc = cg_apply(&cg, &r, false, &err);
	CHECK(rc == 0, "v2 writes: apply everything (%s)", rc ? err.msg : "ok");
	CHECK(file_is(dir, "memory.max", "104857600"), "v2 memory.max");
	CHECK(file_is(dir, "memory.swap.max", "104857600"), "v2 memory.swap.max = swap - limit");
	CHECK(file_is(dir, "memory.low", "52428800"), "v2 memory.low from reservation");
	CHECK(file_is(dir, "cpu.weight", "39"), "v2 cpu.weight from shares 1024");
	CHECK(file_is(dir, "cpu.max", "50000 100000"), "v2 cpu.max quota period");
	CHECK(file_is(dir, "cpu.max.burst", "1000"), "v2 cpu.max.burst");
	CHECK(file_is(dir, "cpuset.cpus", "0") && file_is(dir, "cpuset.mems", "0"), "v2 cpuset");
	CHECK(file_is(dir, "pids.max", "max"), "v2 pids.max -1 -> max");
	CHECK(file_is(dir, "io.max", "8:16 wiops=max"), "v2 io.max (last line written)");
	CHECK(file_is(dir, "io.weight", "8:0 2930"), "v2 io.weight device (converted)");
	CHECK(file_is(dir, "hugetlb.2MB.max", "4194304"), "v2 hugetlb.2MB.max");
	CHECK(file_is(dir, "rdma.max", "mlx4_0 hca_handle=10"), "v2 rdma.max");
	CHECK(file_is(dir, "memory.high", "500000000"), "v2 unified written as-is");
	/* a core file: refused before anything is written */
	struct spec_kv procs[] = {{"memory.high", "1"}, {"cgroup.procs", "1"}};
	r.unified = procs;
	r.n_unified = 2;
	cg_write_at(dir, "memory.max", "7");
	rc = cg_apply(&cg, &r, false, &err);
	CHECK(rc < 0 && strstr(err.msg, "cgroup.procs") && file_is(dir, "memory.high", "500000000") &&
	      file_is(dir, "memory.max", "7"), "v2 unified cgroup.procs refused, nothing written");
	struct spec_kv offctl = {"misc.max", "1"};
	cg.d[0].ctls &= ~(1u << CG_MISC);
	r.unified = &offctl;
	r.n_unified = 1;
	rc = cg_apply(&cg, &r, false, &err);
	CHECK(rc < 0 && strstr(err.msg, "not enabled"), "v2 unified: a controller not enabled refused");
	cg.d[0].ctls = all;
	r.unified = &unified_kv;
	cg_write_at(dir, "memory.max", "104857600");
	/* update: quota only keeps the period; swap alone uses the current limit */
	struct spec_resources u = {0};
	u.has_cpu = true;
	u.cpu.quota = (struct opt_i64){true, -1};
	u.has_memory = true;
	u.memory.swap = (struct opt_i64){true, 304857600};
	rc = cgroup_update(&cg, &u, &err);
	CHECK(rc == 0 && file_is(dir, "cpu.max", "max"), "v2 update: quota -1 -> max");
	CHECK(file_is(dir, "memory.swap.max", "200000000"), "v2 update: swap against current memory.max");
	u = (struct spec_resources){0};
	u.has_memory = true;
	u.memory.limit = (struct opt_i64){true, 1000};
	u.memory.check_before_update = (struct opt_bool){true, true};
	cg_write_at(dir, "memory.current", "5000");
	CHECK(cgroup_update(&cg, &u, &err) < 0 && strstr(err.msg, "checkBeforeUpdate"),
	      "v2 update: checkBeforeUpdate refuses a limit below usage");
	u = (struct spec_resources){0};
	u.has_cpu = true;
	u.cpu.realtime_runtime = (struct opt_i64){true, 1000};
	CHECK(cgroup_update(&cg, &u, &err) < 0 && strstr(err.msg, "cpu.realtimeRuntime"),
	      "v2: realtime limits refused naming the field");
	/* a controller that is missing */
	cg.d[0].ctls = 1u << CG_MEMORY;
	u = (struct spec_resources){0};
	u.has_pids = true;
	u.pids_limit = (struct opt_i64){true, 10};
	CHECK(cgroup_update(&cg, &u, &err) < 0 && strstr(err.msg, "pids.limit") &&
	      strstr(err.msg, "not available"), "missing controller: error names the field (%s)", err.msg);
	u = (struct spec_resources){0};
	u.hugepages = &(struct spec_hugepage){"3MB", 1};
	u.n_hugepages = 1;
	cg.d[0].ctls = all;
	CHECK(cgroup_update(&cg, &u, &err) < 0 && strstr(err.msg, "pageSize"),
	      "hugetlb: unknown page size named");
}

static void test_fake_v1(void)
{
	static const char *const mem[] = {"memory.limit_in_bytes", "memory.memsw.limit_in_bytes",
		"memory.soft_limit_in_bytes", "memory.kmem.tcp.limit_in_bytes", "memory.swappiness",
		"memory.oom_control", NULL};
	static const char *const cpu[] = {"cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us",
		"cpu.cfs_burst_us", "cpu.idle", NULL};
	static const char *const cpuset[] = {"cpuset.cpus", "cpuset.mems", NULL};
	static const char *const pids[] = {"pids.max", NULL};
	static const char *const blkio[] = {"blkio.weight", "blkio.weight_device",
		"blkio.throttle.read_bps_device", "blkio.throttle.write_iops_device", NULL};
	static const char *const net[] = {"net_cls.classid", "net_prio.ifpriomap", NULL};
	static const char *const misc[] = {"rdma.max", NULL};
	static const char *const dev[] = {"devices.allow", "devices.deny", NULL};
	struct { const char *name; const char *const *files; uint32_t ctls; } t[] = {
		{"memory", mem, 1u << CG_MEMORY}, {"cpu", cpu, 1u << CG_CPU},
		{"cpuset", cpuset, 1u << CG_CPUSET}, {"pids", pids, 1u << CG_PIDS},
		{"blkio", blkio, 1u << CG_BLKIO},
		{"net", net, (1u << CG_NET_CLS) | (1u << CG_NET_PRIO)},
		{"rdma", misc, 1u << CG_RDMA}, {"devices", dev, 1u << CG_DEVICES}};
	struct cgroup cg = {.mode = CG_MODE_HYBRID};
	char dirs[10][128];
	for (size_t i = 0; i < ARRAY_LEN(t); i++) {
		snprintf(dirs[i], sizeof(dirs[i]), "%s/%s", tmpd, t[i].name);
		mkfiles(dirs[i], t[i].files);
		cg.d[cg.n++] = (struct cg_dir){.dir = dirs[i], .ctls = t[i].ctls};
	}
	/* hybrid: hugetlb only on the v2 side */
	static const char *const v2f[] = {"hugetlb.2MB.max", NULL};
	snprintf(dirs[9], sizeof(dirs[9]), "%s/unified", tmpd);
	mkfiles(dirs[9], v2f);
	cg.d[cg.n++] = (struct cg_dir){.dir = dirs[9], .ctls = 1u << CG_HUGETLB, .v2 = true};
	struct spec_resources r;
	fill_resources(&r);
	struct ctr_error err = {0};
	int rc = cg_apply(&cg, &r, false, &err);
	CHECK(rc == 0, "v1 writes: apply everything (%s)", rc ? err.msg : "ok");
	CHECK(file_is(dirs[0], "memory.limit_in_bytes", "104857600"), "v1 memory.limit_in_bytes");
	CHECK(file_is(dirs[0], "memory.memsw.limit_in_bytes", "209715200"), "v1 memsw = OCI swap");
	CHECK(file_is(dirs[0], "memory.soft_limit_in_bytes", "52428800"), "v1 soft limit");
	CHECK(file_is(dirs[0], "memory.kmem.tcp.limit_in_bytes", "1048576"), "v1 kmem.tcp");
	CHECK(file_is(dirs[0], "memory.swappiness", "10"), "v1 swappiness");
	CHECK(file_is(dirs[0], "memory.oom_control", "1"), "v1 disableOOMKiller");
	CHECK(file_is(dirs[1], "cpu.shares", "1024") && file_is(dirs[1], "cpu.cfs_quota_us", "50000") &&
	      file_is(dirs[1], "cpu.cfs_period_us", "100000") && file_is(dirs[1], "cpu.cfs_burst_us", "1000"),
	      "v1 cpu shares/quota/period/burst");
	CHECK(file_is(dirs[3], "pids.max", "max"), "v1 pids.max");
	CHECK(file_is(dirs[4], "blkio.weight", "500") && file_is(dirs[4], "blkio.weight_device", "8:0 300"),
	      "v1 blkio weight");
	CHECK(file_is(dirs[4], "blkio.throttle.read_bps_device", "8:0 1048576") &&
	      file_is(dirs[4], "blkio.throttle.write_iops_device", "8:16 0"), "v1 blkio throttle");
	CHECK(file_is(dirs[5], "net_cls.classid", "1048577") && file_is(dirs[5], "net_prio.ifpriomap", "eth0 5"),
	      "v1 net_cls / net_prio");
	CHECK(file_is(dirs[9], "hugetlb.2MB.max", "4194304"), "hybrid: hugetlb written on the v2 side");
	r.unified = &unified_kv;
	r.n_unified = 1;
	CHECK(cg_apply(&cg, &r, false, &err) < 0 && strstr(err.msg, "unified.memory.high"),
	      "hybrid: unified key for a v1 controller refused clearly");
	/* net_cls missing: the network limits cannot be applied, an error (as runc 1.1) */
	cg.d[5].ctls = 0;
	r.n_unified = 0;
	CHECK(cg_apply(&cg, &r, false, &err) < 0 && strstr(err.msg, "network.classID"),
	      "v1: missing net_cls/net_prio is an error");
	r.has_network = false;
	/* devices */
	struct spec s = {0};
	s.has_linux = true;
	s.lx.has_resources = true;
	struct spec_device_rule rules[] = {{false, 'a', {0, 0}, {0, 0}, "rwm"}, {false, 'c', {1, 1}, {1, 3}, "w"}};
	s.lx.resources.devices = rules;
	s.lx.resources.n_devices = 2;
	rc = cg_apply_devices(&cg, &s, &err);
	/* a fake file keeps every write: the rules appear in order */
	CHECK(rc == 0 && file_is(dirs[7], "devices.allow", "c *:* mb *:* mc 1:3 rwmc 1:8 rwmc 1:7 rwm"
				 "c 5:0 rwmc 1:5 rwmc 1:9 rwmc 136:* rwmc 5:2 rwmc 10:200 rwm"),
	      "v1 devices: allow rules written in order, runc's defaults last");
	CHECK(file_is(dirs[7], "devices.deny", "aac 1:3 w"), "v1 devices: deny all first, then denies");
	/* the v1-only host: unified refused */
	cg.n--;
	cg.mode = CG_MODE_V1;
	r.n_hugepages = 0;
	r.n_unified = 1;
	CHECK(cg_apply(&cg, &r, false, &err) < 0 && strstr(err.msg, "no cgroup v2"),
	      "v1: unified refused clearly");
}

/* ---- typed stats read from fake trees ---- */

static void put(const char *dir, const char *file, const char *text)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			printf("# write %s: %s\n", p, strerror(errno));
		close(fd);
	}
}

static void test_stats_v2(void)
{
	char dir[128];
	snprintf(dir, sizeof(dir), "%s/stats2", tmpd);
	mkdir(dir, 0755);
	put(dir, "cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 7\n"
	    "nr_throttled 2\nthrottled_usec 30\n");
	put(dir, "memory.stat", "anon 4096\nfile 8192\n");
	put(dir, "memory.max", "max\n");
	put(dir, "memory.current", "12288\n");
	put(dir, "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
	put(dir, "memory.swap.max", "0\n");
	put(dir, "pids.current", "4\n");
	put(dir, "pids.max", "max\n");
	put(dir, "io.stat", "8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n");
	struct cgroup cg = {.mode = CG_MODE_V2, .n = 1};
	cg.d[0] = (struct cg_dir){.dir = dir, .v2 = true,
		.ctls = cg_mask_of("cpu memory io pids", cg_v2_names, ' ')};
	struct ctr_stats st;
	struct ctr_error err = {0};
	CHECK(cgroup_stats_read(&cg, &st, &err) == 0, "stats v2: read (%s)", err.msg);
	CHECK(st.cpu.total == 1500000 && st.cpu.user == 1000000 && st.cpu.kernel == 500000,
	      "stats v2: cpu usage in ns");
	CHECK(st.cpu.periods == 7 && st.cpu.throttled_periods == 2 && st.cpu.throttled_time == 30000,
	      "stats v2: throttling");
	CHECK(st.memory.have && st.memory.v2 && st.memory.cache == 8192 &&
	      st.memory.usage.usage == 12288 && st.memory.usage.limit == UINT64_MAX &&
	      st.memory.usage.failcnt == 3, "stats v2: memory usage, limit max, failcnt from events");
	CHECK(st.memory.have_oom_kill && st.memory.oom_kill == 1, "stats v2: oom_kill");
	CHECK(st.memory.n_raw == 2 && !strcmp(st.memory.raw[1].key, "file") &&
	      st.memory.raw[1].value == 8192, "stats v2: memory.stat kept as pairs");
	CHECK(st.pids.have && st.pids.current == 4 && st.pids.limit == 0, "stats v2: pids, max = 0");
	CHECK(st.blkio.n_bytes == 2 && st.blkio.bytes[1].value == 200 &&
	      !strcmp(st.blkio.bytes[1].op, "Write") && st.blkio.bytes[0].major == 8 &&
	      st.blkio.n_ios == 2 && st.blkio.ios[0].value == 1, "stats v2: io.stat as blkio entries");
	cgroup_stats_release(&st);
	CHECK(st.memory.raw == NULL && st.blkio.bytes == NULL, "stats: release clears");
}

static void test_stats_v1(void)
{
	char mem[128], cpuacct[128];
	snprintf(mem, sizeof(mem), "%s/stats1m", tmpd);
	snprintf(cpuacct, sizeof(cpuacct), "%s/stats1c", tmpd);
	mkdir(mem, 0755);
	mkdir(cpuacct, 0755);
	put(cpuacct, "cpuacct.usage", "999\n");
	put(cpuacct, "cpuacct.usage_percpu", "500 499 \n");
	put(mem, "memory.limit_in_bytes", "16777216\n");
	put(mem, "memory.usage_in_bytes", "4096\n");
	put(mem, "memory.failcnt", "5\n");
	put(mem, "memory.memsw.limit_in_bytes", "33554432\n");
	put(mem, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
	struct cgroup cg = {.mode = CG_MODE_V1, .n = 2};
	cg.d[0] = (struct cg_dir){.dir = mem, .ctls = 1u << CG_MEMORY};
	cg.d[1] = (struct cg_dir){.dir = cpuacct, .ctls = 1u << CG_CPUACCT};
	struct ctr_stats st;
	struct ctr_error err = {0};
	CHECK(cgroup_stats_read(&cg, &st, &err) == 0, "stats v1: read (%s)", err.msg);
	CHECK(st.cpu.total == 999 && st.cpu.n_percpu == 2 && st.cpu.percpu[1] == 499,
	      "stats v1: cpuacct usage and percpu");
	CHECK(!st.memory.v2 && st.memory.usage.limit == 16777216 && st.memory.usage.failcnt == 5 &&
	      st.memory.swap.limit == 33554432, "stats v1: memory and memsw entries");
	CHECK(st.memory.oom_kill == 2, "stats v1: oom_kill from memory.oom_control");
	CHECK(!st.pids.have && !st.blkio.have_bytes, "stats v1: missing controllers stay empty");
	cgroup_stats_release(&st);
}

static void test_none(void)
{
	struct cgroup cg = {.mode = CG_MODE_NONE};
	struct spec_resources r = {0};
	struct ctr_error err = {0};
	CHECK(cg_apply(&cg, &r, false, &err) == 0, "none: no resources asked is fine");
	r.has_pids = true;
	r.pids_limit = (struct opt_i64){true, 5};
	CHECK(cg_apply(&cg, &r, false, &err) < 0 && strstr(err.msg, "linux.resources.pids"),
	      "none: a resource asked fails naming it");
	CHECK(cgroup_freeze(&cg, true, &err) < 0 && strstr(err.msg, "no cgroup"),
	      "none: pause says why");
	CHECK(cgroup_enter(&cg, getpid(), &err) == 0, "none: enter is a no-op");
	CHECK(cgroup_v2_fd(&cg) == -1, "none: no v2 fd");
}

/* exec --cgroup: runc's argument forms mapped onto the container's directories */
static void test_sub_plan(void)
{
	struct cgroup v1 = {.mode = CG_MODE_HYBRID, .n = 3};
	v1.d[0] = (struct cg_dir){.dir = "/cg/memory/x", .ctls = 1u << CG_MEMORY};
	v1.d[1] = (struct cg_dir){.dir = "/cg/cpu,cpuacct/x",
				  .ctls = 1u << CG_CPU | 1u << CG_CPUACCT};
	v1.d[2] = (struct cg_dir){.dir = "/cg/unified/x", .ctls = 1u << CG_HUGETLB, .v2 = true};
	struct cgroup v2 = {.mode = CG_MODE_V2, .n = 1};
	v2.d[0] = (struct cg_dir){.dir = "/cg/x", .ctls = 1u << CG_MEMORY, .v2 = true};
	struct ctr_error err = {0};
	const char *sub[CG_MAX_HIER];
#define PLAN(cg, ...) (memset(sub, 0, sizeof(sub)), \
		       cg_sub_plan(cg, (const char *const[]){__VA_ARGS__, NULL}, sub, &err))
	CHECK(PLAN(&v1, "a/b") == 0 && !strcmp(sub[0], "a/b") && !strcmp(sub[1], "a/b") &&
	      !strcmp(sub[2], "a/b"), "sub plan: a bare SUB applies to every hierarchy");
	CHECK(PLAN(&v1, "memory,hugetlb:s") == 0 && !strcmp(sub[0], "s") && !sub[1] &&
	      !strcmp(sub[2], "s"), "sub plan: CTL,CTL:SUB only where those controllers are");
	CHECK(PLAN(&v1, "cpu:s", "cpuacct:s") == 0 && !strcmp(sub[1], "s"),
	      "sub plan: the same SUB twice for one hierarchy is fine");
	CHECK(PLAN(&v1, "cpu:s", "cpuacct:t") < 0 && strstr(err.msg, "another"),
	      "sub plan: two SUBs for one hierarchy are refused");
	CHECK(PLAN(&v1, "memory:s", "t") < 0 && strstr(err.msg, "missing <controller>"),
	      "sub plan: a bare SUB only alone");
	CHECK(PLAN(&v1, "bogus:s") < 0 && strstr(err.msg, "unknown controller bogus"),
	      "sub plan: an unknown controller is refused");
	CHECK(PLAN(&v1, "pids:s") < 0, "sub plan: a controller the container lacks is refused");
	CHECK(PLAN(&v1, ":s") < 0 && PLAN(&v1, "memory:") < 0 && PLAN(&v1, "a:b:c") < 0,
	      "sub plan: empty controller, empty or colon path refused");
	CHECK(PLAN(&v1, "memory:../y") < 0 && PLAN(&v1, "a/../../y") < 0 && PLAN(&v1, "..") < 0,
	      "sub plan: .. cannot leave the container's cgroup");
	CHECK(PLAN(&v1, "/a/..b") == 0 && !strcmp(sub[0], "/a/..b"), "sub plan: ..b is a name");
	CHECK(PLAN(&v2, "s") == 0 && !strcmp(sub[0], "s"), "sub plan: v2 bare SUB");
	CHECK(PLAN(&v2, "memory:s") < 0 && strstr(err.msg, "not allowed for cgroup v2"),
	      "sub plan: v2 refuses a controller prefix");
#undef PLAN
}

/* cg's state record written and read back: the text in *text, the copy in *back */
static int state_roundtrip(const struct cgroup *cg, char **text, struct cgroup **back,
			   struct ctr_error *err)
{
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, NULL);
	cgroup_state_write(cg, &w);
	sbuf_take(&sb, text, NULL);
	return cgroup_state_read(*text, back, err);
}

static void test_state(void)
{
	struct cgroup cg = {.mode = CG_MODE_HYBRID, .path = "/ctr/x", .n = 1};
	cg.d[0] = (struct cg_dir){.dir = "/sys/fs/cgroup/memory/ctr/x", .ctls = 8};
	char *text = NULL;
	struct cgroup *back = NULL;
	struct ctr_error err = {0};
	int rc = state_roundtrip(&cg, &text, &back, &err);
	CHECK(rc == 0 && back->mode == CG_MODE_HYBRID && back->n == 1 && back->d[0].ctls == 8 &&
	      !strcmp(back->d[0].dir, cg.d[0].dir) && !strcmp(back->path, "/ctr/x"),
	      "state record round-trips (%s)", rc ? err.msg : text);
	cgroup_free(back);
	free(text);
}

/* rootless: a directory is delegated when owned by us (with cgroup.procs), a missing one
 * by its nearest existing ancestor; the default path goes below the highest delegated
 * ancestor of our own cgroup; the record keeps "rootless". */
static void test_rootless(void)
{
	char mnt[128], d[256], f[300];
	snprintf(mnt, sizeof(mnt), "%s/rl", tmpd);
	const char *const dirs[] = {"", "/user", "/user/svc", "/user/svc/app", "/user/svc/app/me"};
	for (size_t i = 0; i < ARRAY_LEN(dirs); i++) {
		snprintf(d, sizeof(d), "%s%s", mnt, dirs[i]);
		mkdir(d, 0755);
		snprintf(f, sizeof(f), "%s/cgroup.procs", d);
		close(open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
		/* the root and /user are someone else's; svc and below ours */
		if (i < 2 && chown(d, geteuid() + 1, (gid_t)-1) < 0) {
			CHECK(0, "rootless: chown %s: %s", d, strerror(errno));
			return;
		}
	}
	snprintf(d, sizeof(d), "%s/user/svc/app", mnt);
	CHECK(cg_delegated(mnt, d), "rootless: an owned directory is delegated");
	snprintf(d, sizeof(d), "%s/user/svc/new/deeper", mnt);
	CHECK(cg_delegated(mnt, d), "rootless: a missing one by its owned ancestor");
	snprintf(d, sizeof(d), "%s/user", mnt);
	CHECK(!cg_delegated(mnt, d), "rootless: another uid's directory is not delegated");
	snprintf(d, sizeof(d), "%s/user/x", mnt);
	CHECK(!cg_delegated(mnt, d), "rootless: nor below it");
	CHECK(!cg_delegated(mnt, mnt), "rootless: the root never is");
	char out[PATH_MAX];
	cg_rootless_default(mnt, "/user/svc/app/me", "/ctr/c1", out, sizeof(out));
	snprintf(d, sizeof(d), "%s/user/svc/ctr/c1", mnt);
	CHECK(!strcmp(out, d), "rootless: default below the highest delegated ancestor (%s)", out);
	cg_rootless_default(mnt, "/user", "/ctr/c1", out, sizeof(out));
	CHECK(!out[0], "rootless: nothing delegated, no default (%s)", out);
	struct cgroup cg = {.mode = CG_MODE_V2, .path = "/ctr/c1", .n = 1, .rootless = true};
	cg.d[0] = (struct cg_dir){.dir = d, .v2 = true};
	char *text = NULL;
	struct cgroup *back = NULL;
	struct ctr_error err = {0};
	CHECK(state_roundtrip(&cg, &text, &back, &err) == 0 && back->rootless,
	      "rootless: the state record keeps it (%s)", text);
	cgroup_free(back);
	free(text);
}

static void test_merge(void)
{
	const char *a = "{\"memory\":{\"limit\":1,\"swap\":2},\"cpu\":{\"shares\":3,\"cpus\":\"0\"}}";
	const char *b = "{\"memory\":{\"limit\":5},\"pids\":{\"limit\":7},\"cpu\":{\"cpus\":\"1\"}}";
	struct json_doc *da = NULL, *db = NULL;
	struct ctr_error err = {0};
	json_parse(a, strlen(a), "a", NULL, &da, &err);
	json_parse(b, strlen(b), "b", NULL, &db, &err);
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, NULL);
	cg_json_merge(&w, json_root(da), json_root(db));
	char *out = NULL;
	sbuf_take(&sb, &out, NULL);
	CHECK(out && !strcmp(out, "{\"memory\":{\"limit\":5,\"swap\":2},\"cpu\":{\"shares\":3,"
			      "\"cpus\":\"1\"},\"pids\":{\"limit\":7}}"), "update: stored resources merged (%s)", out);
	free(out);
	json_free(da);
	json_free(db);
}

/* An empty cgroup.procs lists no pid: an empty sbuf once came back unterminated, its
 * reused heap bytes parsed as pids, and delete sent SIGKILL to them. */
static void test_empty_procs(void)
{
	struct sbuf sb = {0};
	char *out = NULL;
	sbuf_adds(&sb, "8");
	sb.len = 0; /* allocated, holding old bytes, nothing added: as a reused buffer */
	CHECK(sbuf_take(&sb, &out, NULL) == 0 && out && !*out, "sbuf_take terminates an empty buffer");
	free(out);
	char dir[128], f[160];
	snprintf(dir, sizeof(dir), "%s/procs", tmpd);
	snprintf(f, sizeof(f), "%s/cgroup.procs", dir);
	mkdir(dir, 0755);
	close(open(f, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
	struct cgroup cg = {.mode = CG_MODE_V1, .path = "/procs", .n = 1};
	cg.d[0] = (struct cg_dir){.dir = dir};
	pid_t *pids = NULL;
	size_t n = 1;
	struct ctr_error err = {0};
	CHECK(cgroup_pids(&cg, &pids, &n, &err) == 0 && n == 0, "empty cgroup.procs: no pids (%zu)", n);
	free(pids);
	CHECK(cgroup_kill_all(&cg, SIGKILL, &err) == 0, "kill of an empty cgroup: nothing to do");
}

int main(void)
{
	snprintf(tmpd, sizeof(tmpd), "/tmp/ctr-unit-cgroup.XXXXXX");
	if (!mkdtemp(tmpd))
		return 1;
	test_mountinfo();
	test_paths();
	test_conversions();
	test_bpf();
	test_fake_v2();
	test_fake_v1();
	test_stats_v2();
	test_stats_v1();
	test_none();
	test_sub_plan();
	test_state();
	test_rootless();
	test_merge();
	test_empty_procs();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpd);
	if (system(cmd) != 0)
		return 1;
	return t_failed;
}
