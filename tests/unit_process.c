/* Unit tests of the process section: namespaces, process attributes, identity, exec.
 * Every check runs in a forked child (which unshares what it needs), as root. */
#include "../ctr.c"
#include "t.h"

static bool t_contains(const char *s, const char *needle)
{
	return s && strstr(s, needle) != NULL;
}

/* Run fn in a child process; its checks print their own lines. */
static void t_child(const char *name, void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		T_FAIL("%s: fork: %s", name, strerror(errno));
		return;
	}
	if (pid == 0) {
		t_failed = 0;
		fn();
		fflush(stdout);
		_exit(t_failed);
	}
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st))
		T_FAIL("%s: child died (status 0x%x)", name, st);
}

/* The value of a "Key:\tvalue" line of /proc/self/status. */
static void t_status(const char *key, char *out, size_t size)
{
	char *text = NULL;
	out[0] = 0;
	if (read_file("/proc/self/status", 1 << 16, &text, NULL, NULL) < 0)
		return;
	size_t klen = strlen(key);
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			const char *v = line + klen + 1;
			while (*v == '\t' || *v == ' ')
				v++;
			snprintf(out, size, "%s", v);
			break;
		}
		line = nl ? nl + 1 : NULL;
	}
	free(text);
}

static void t_read(const char *path, char *out, size_t size)
{
	out[0] = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, out, size - 1);
	close(fd);
	out[n > 0 ? n : 0] = 0;
	if (n > 0 && out[n - 1] == '\n')
		out[n - 1] = 0;
}

static short t_if_flags(const char *name)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	int r = ioctl(fd, SIOCGIFFLAGS, &ifr);
	close(fd);
	return r < 0 ? -1 : ifr.ifr_flags;
}

/* ---- names and sysctl ---- */

static void t_names_sysctl(void)
{
	if (unshare(CLONE_NEWUTS | CLONE_NEWNET | CLONE_NEWIPC) < 0) {
		T_FAIL("names: unshare: %s", strerror(errno));
		return;
	}
	struct spec_kv kv[] = {{"net.ipv4.ip_forward", "1"}, {"kernel.msgmax", "12345"}};
	struct spec s = {.hostname = "ctr-host", .domainname = "ctr.example", .has_linux = true};
	s.lx.sysctl = kv;
	s.lx.n_sysctl = 2;
	struct ctr_error err = {0};
	int r = process_set_names_and_sysctl(&s, &err);
	CHECK(r == 0, "names_sysctl_ok%s%s", r ? ": " : "", r ? err.msg : "");
	struct utsname u;
	uname(&u);
	CHECK(!strcmp(u.nodename, "ctr-host"), "hostname_set (%s)", u.nodename);
	CHECK(!strcmp(u.domainname, "ctr.example"), "domainname_set (%s)", u.domainname);
	char v[64];
	t_read("/proc/sys/net/ipv4/ip_forward", v, sizeof(v));
	CHECK(!strcmp(v, "1"), "sysctl_net_ip_forward (%s)", v);
	t_read("/proc/sys/kernel/msgmax", v, sizeof(v));
	CHECK(!strcmp(v, "12345"), "sysctl_kernel_msgmax (%s)", v);

	static const char *bad[] = {"../../etc/passwd", "net/ipv4/ip_forward", "net..ipv4.x",
				    ".net.ipv4", "net.ipv4.", ""};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct spec_kv b = {bad[i], "1"};
		struct spec s2 = {.has_linux = true};
		s2.lx.sysctl = &b;
		s2.lx.n_sysctl = 1;
		memset(&err, 0, sizeof(err));
		r = process_set_names_and_sysctl(&s2, &err);
		CHECK(r < 0 && t_contains(err.msg, "invalid name"), "sysctl_refuses \"%s\" (%s)", bad[i],
		      err.msg);
	}
	struct spec_kv missing = {"kernel.ctr_no_such_knob", "1"};
	struct spec s3 = {.has_linux = true};
	s3.lx.sysctl = &missing;
	s3.lx.n_sysctl = 1;
	r = process_set_names_and_sysctl(&s3, &err);
	CHECK(r < 0 && t_contains(err.msg, "kernel.ctr_no_such_knob") &&
	      t_contains(err.msg, "No such file"), "sysctl_missing_named (%s)", err.msg);
}

/* ---- network ---- */

static void t_loopback(void)
{
	if (unshare(CLONE_NEWNET) < 0) {
		T_FAIL("loopback: unshare: %s", strerror(errno));
		return;
	}
	CHECK(!(t_if_flags("lo") & IFF_UP), "loopback_down_in_new_netns");
	struct ctr_error err = {0};
	int r = net_loopback_up(&err);
	CHECK(r == 0 && (t_if_flags("lo") & IFF_UP), "loopback_up %s", err.msg);
	CHECK(net_loopback_up(&err) == 0, "loopback_up_twice");
}

static int t_sync[2][2];

static void t_netdev_child(void)
{
	char c;
	if (unshare(CLONE_NEWNET) < 0)
		_exit(2);
	if (write(t_sync[0][1], "r", 1) != 1 || read(t_sync[1][0], &c, 1) != 1)
		_exit(2);
	short f = t_if_flags("ctreth7");
	CHECK(f >= 0 && (f & IFF_UP), "netdev_renamed_and_up_inside (flags %d)", f);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "ip -o link show dev ctreth7 | grep -q '[<,]UP[,>]'");
	CHECK(system(cmd) == 0, "netdev_ip_link_shows_renamed_up");
	snprintf(cmd, sizeof(cmd), "ip -o link show dev cvk%d >/dev/null 2>&1", (int)getppid() % 100000);
	CHECK(system(cmd) == 0, "netdev_kept_name_inside");
	CHECK(t_if_flags("lo") >= 0 && t_if_flags("eth0") < 0, "netdev_nothing_else_inside");
	if (write(t_sync[0][1], "c", 1) != 1 || read(t_sync[1][0], &c, 1) != 1)
		_exit(2);
	CHECK(t_if_flags("ctreth7") < 0 && t_if_flags("lo") >= 0, "netdev_returned_gone_inside");
}

static void t_netdev(void)
{
	if (getenv("CTR_QEMU_USER")) {
		/* qemu-user forwards netlink attributes without byte-swapping them on BE guests */
		T_SKIP("netdev: not under qemu-user");
		return;
	}
	char a[16], b[16], k[16], kp[16], cmd[160];
	int id = (int)getpid() % 100000;
	snprintf(a, sizeof(a), "cva%d", id);
	snprintf(b, sizeof(b), "cvb%d", id);
	snprintf(k, sizeof(k), "cvk%d", id);
	snprintf(kp, sizeof(kp), "cvp%d", id);
	snprintf(cmd, sizeof(cmd), "ip link add %s type veth peer name %s && "
		 "ip link add %s type veth peer name %s", a, b, k, kp);
	if (system(cmd) != 0) {
		T_SKIP("netdev: cannot create veth pairs");
		return;
	}
	if (pipe(t_sync[0]) < 0 || pipe(t_sync[1]) < 0)
		return;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		t_failed = 0;
		t_netdev_child();
		fflush(stdout);
		_exit(t_failed);
	}
	char c;
	if (read(t_sync[0][0], &c, 1) != 1)
		T_FAIL("netdev: child did not start");
	struct spec_net_device d[] = {{a, "ctreth7"}, {k, NULL}};
	struct spec s = {.has_linux = true};
	s.lx.net_devices = d;
	s.lx.n_net_devices = 2;
	struct ctr_error err = {0};
	int r = net_devices_move(&s, pid, &err);
	CHECK(r == 0, "netdev_move_ok %s", err.msg);
	CHECK(if_nametoindex(a) == 0 && if_nametoindex(k) == 0, "netdev_gone_from_host");
	struct spec_net_device m = {"ctrnosuch0", NULL};
	s.lx.net_devices = &m;
	s.lx.n_net_devices = 1;
	r = net_devices_move(&s, pid, &err);
	CHECK(r < 0 && t_contains(err.msg, "\"ctrnosuch0\" not found"), "netdev_missing_named (%s)",
	      err.msg);
	s.lx.net_devices = &d[0];
	r = net_devices_move(&s, getpid(), &err);
	CHECK(r < 0 && t_contains(err.msg, "no network namespace of its own"), "netdev_refuses_host_netns (%s)",
	      err.msg);
	struct spec_net_device l = {b, "ctr-name-that-is-too-long"};
	s.lx.net_devices = &l;
	r = net_devices_move(&s, pid, &err);
	CHECK(r < 0 && t_contains(err.msg, "longer than"), "netdev_long_name_refused (%s)", err.msg);
	if (write(t_sync[1][1], "g", 1) != 1 || read(t_sync[0][0], &c, 1) != 1)
		T_FAIL("netdev: sync");
	s.lx.net_devices = d;
	s.lx.n_net_devices = 2;
	memset(&err, 0, sizeof(err));
	r = net_devices_return(&s, pid, &err);
	CHECK(r == 0, "netdev_return_ok %s", err.msg);
	short fa = t_if_flags(a), fk = t_if_flags(k);
	CHECK(fa >= 0 && !(fa & IFF_UP) && fk >= 0 && !(fk & IFF_UP),
	      "netdev_returned_to_host_down_with_host_names (%d %d)", fa, fk);
	char ns1[64] = "", ns2[64] = "", nsp[64];
	snprintf(nsp, sizeof(nsp), "/proc/%d/ns/net", (int)pid);
	if (readlink("/proc/self/ns/net", ns1, sizeof(ns1) - 1) < 0 || readlink(nsp, ns2, sizeof(ns2) - 1) < 0) {}
	CHECK(ns1[0] && strcmp(ns1, ns2), "netdev_return_left_us_in_our_netns");
	if (write(t_sync[1][1], "g", 1) != 1)
		T_FAIL("netdev: sync");
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st))
		T_FAIL("netdev: child died");
	/* the netns is gone with the child, and the veths with it */
	snprintf(cmd, sizeof(cmd), "ip link del %s 2>/dev/null; ip link del %s 2>/dev/null", a, k);
	if (system(cmd)) {}
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++)
			close(t_sync[i][j]);
}

/* ---- user and time namespaces ---- */

static void t_userns(void)
{
	int p1[2], p2[2];
	if (pipe(p1) < 0 || pipe(p2) < 0)
		return;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		int ok = unshare(CLONE_NEWUSER) == 0;
		if (write(p1[1], ok ? "u" : "x", 1) != 1 || read(p2[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	char c = 0;
	if (read(p1[0], &c, 1) != 1 || c != 'u') {
		T_SKIP("userns_maps: unshare(CLONE_NEWUSER) failed");
	} else {
		struct spec_idmap um[] = {{0, 100000, 1000}, {1000, 200000, 1}};
		struct spec_idmap gm[] = {{0, 300000, 65536}};
		struct spec s = {.has_linux = true};
		s.lx.uid_mappings = um;
		s.lx.n_uid_mappings = 2;
		s.lx.gid_mappings = gm;
		s.lx.n_gid_mappings = 1;
		struct ctr_error err = {0};
		int r = userns_write_maps(pid, &s, &err);
		CHECK(r == 0, "userns_write_maps %s", err.msg);
		char path[64], *text = NULL;
		snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
		unsigned v[6] = {0};
		if (read_file(path, 4096, &text, NULL, NULL) == 0) {
			int n = sscanf(text, "%u %u %u %u %u %u", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]);
			CHECK(n == 6 && v[0] == 0 && v[1] == 100000 && v[2] == 1000 && v[3] == 1000 &&
			      v[4] == 200000 && v[5] == 1, "userns_uid_map_two_lines");
			free(text);
		}
		snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
		if (read_file(path, 4096, &text, NULL, NULL) == 0) {
			int n = sscanf(text, "%u %u %u", &v[0], &v[1], &v[2]);
			CHECK(n == 3 && v[0] == 0 && v[1] == 300000 && v[2] == 65536, "userns_gid_map");
			free(text);
		}
		char sg[16];
		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
		t_read(path, sg, sizeof(sg));
		CHECK(!strcmp(sg, "allow"), "userns_setgroups_allowed_as_root (%s)", sg);
		r = userns_write_maps(pid, &s, &err);
		CHECK(r < 0 && t_contains(err.msg, "uid_map") && t_contains(err.msg, "0 100000 1000,1000 200000 1"),
		      "userns_second_write_error_names_map (%s)", err.msg);
	}
	if (write(p2[1], "g", 1) != 1) {}
	waitpid(pid, NULL, 0);
	close(p1[0]); close(p1[1]); close(p2[0]); close(p2[1]);
}

static void t_timens(void)
{
	if (unshare(CLONE_NEWTIME) < 0) {
		T_FAIL("timens: unshare: %s", strerror(errno));
		return;
	}
	struct spec_time_offset o[] = {{CLOCK_MONOTONIC, 1000, 0}, {CLOCK_BOOTTIME, 2000, 500}};
	struct spec s = {.has_linux = true};
	s.lx.time_offsets = o;
	s.lx.n_time_offsets = 2;
	struct ctr_error err = {0};
	int r = timens_write_offsets(&s, &err);
	CHECK(r == 0, "timens_write_offsets %s", err.msg);
	struct timespec before;
	clock_gettime(CLOCK_MONOTONIC, &before);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char *text = NULL;
		long long ms = -1, bs = -1, mn = -1, bn = -1;
		if (read_file("/proc/self/timens_offsets", 4096, &text, NULL, NULL) == 0) {
			char *m = strstr(text, "monotonic"), *b = strstr(text, "boottime");
			if (m)
				sscanf(m, "monotonic %lld %lld", &ms, &mn);
			if (b)
				sscanf(b, "boottime %lld %lld", &bs, &bn);
		}
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		_exit(ms == 1000 && mn == 0 && bs == 2000 && bn == 500 &&
		      now.tv_sec >= before.tv_sec + 1000 ? 0 : 1);
	}
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "timens_offsets_seen_by_child");
	r = timens_write_offsets(&s, &err);
	CHECK(r < 0 && t_contains(err.msg, "linux.timeOffsets"), "timens_late_write_error (%s)", err.msg);
}

/* ---- process_prepare ---- */

static void t_prepare(void)
{
	struct spec_rlimit rl[] = {
		{RLIMIT_NOFILE, "RLIMIT_NOFILE", 200, 100},
		{RLIMIT_CPU, "RLIMIT_CPU", 18446744073709551615ULL, 18446744073709551615ULL},
	};
	struct spec s = {.has_linux = true};
	struct spec_process p = {.rlimits = rl, .n_rlimits = 2};
	p.oom_score_adj.set = true;
	p.oom_score_adj.v = 500;
	p.user.umask.set = true;
	p.user.umask.v = 027;
	p.scheduler.set = true;
	p.scheduler.policy = SCHED_BATCH;
	p.scheduler.nice = 7;
	p.has_io_priority = true;
	p.io_priority_class = 2;
	p.io_priority = 6;
	p.exec_cpu_affinity_initial = "0";
	long key_before = syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3 /* SESSION */, 1);
	struct ctr_error err = {0};
	int r = process_prepare(&s, &p, false, &err);
	CHECK(r == 0, "prepare_ok %s", err.msg);
	struct rlimit lim;
	getrlimit(RLIMIT_NOFILE, &lim);
	CHECK(lim.rlim_cur == 100 && lim.rlim_max == 200, "rlimit_nofile (%llu %llu)",
	      (unsigned long long)lim.rlim_cur, (unsigned long long)lim.rlim_max);
	getrlimit(RLIMIT_CPU, &lim);
	CHECK(lim.rlim_cur == RLIM_INFINITY && lim.rlim_max == RLIM_INFINITY, "rlimit_infinity");
	char v[64];
	t_read("/proc/self/oom_score_adj", v, sizeof(v));
	CHECK(!strcmp(v, "500"), "oom_score_adj (%s)", v);
	mode_t m = umask(0);
	umask(m);
	CHECK(m == 027, "umask_set (%o)", (unsigned)m);
	CHECK(syscall(SYS_sched_getscheduler, 0) == SCHED_BATCH, "scheduler_policy");
	errno = 0;
	CHECK(getpriority(PRIO_PROCESS, 0) == 7, "scheduler_nice");
	CHECK(syscall(SYS_ioprio_get, 1, 0) == ((2 << 13) | 6), "io_priority");
	cpu_set_t set;
	CPU_ZERO(&set);
	sched_getaffinity(0, sizeof(set), &set);
	CHECK(CPU_COUNT(&set) == 1 && CPU_ISSET(0, &set), "cpu_affinity_initial");
	long key_after = syscall(SYS_keyctl, 0, -3, 1);
	if (key_after < 0 && errno == ENOSYS && getenv("CTR_QEMU_USER"))
		T_SKIP("new_session_keyring: qemu-user has no keyctl()");
	else
		CHECK(key_after > 0 && key_after != key_before, "new_session_keyring (%ld -> %ld)",
		      key_before, key_after);

	/* defaults and no_new_keyring */
	struct spec_process p2 = {0};
	r = process_prepare(&s, &p2, true, &err);
	m = umask(0);
	CHECK(r == 0 && m == 022, "umask_default_0022 (%o)", (unsigned)m);
	if (key_after >= 0)
		CHECK(syscall(SYS_keyctl, 0, -3, 1) == key_after, "no_new_keyring_keeps_session");

	/* errors name the field */
	struct spec_rlimit bad = {RLIMIT_NOFILE, "RLIMIT_NOFILE", 10, 20};
	struct spec_process p3 = {.rlimits = &bad, .n_rlimits = 1};
	r = process_prepare(&s, &p3, true, &err);
	CHECK(r < 0 && t_contains(err.msg, "RLIMIT_NOFILE") && t_contains(err.msg, "soft 20"),
	      "rlimit_error_named (%s)", err.msg);
	struct spec_process p4 = {.exec_cpu_affinity_initial = "0-1,x"};
	r = process_prepare(&s, &p4, true, &err);
	CHECK(r < 0 && t_contains(err.msg, "execCPUAffinity.initial"), "cpu_list_error (%s)", err.msg);
	if (access("/sys/module/apparmor", F_OK) < 0) {
		struct spec_process p5 = {.apparmor_profile = "ctr-test"};
		r = process_prepare(&s, &p5, true, &err);
		CHECK(r < 0 && t_contains(err.msg, "AppArmor is not enabled"), "apparmor_absent_error (%s)",
		      err.msg);
	} else {
		T_SKIP("apparmor_absent_error: AppArmor is enabled here");
	}
	if (access("/sys/fs/selinux/enforce", F_OK) < 0) {
		struct spec_process p6 = {.selinux_label = "system_u:system_r:container_t:s0"};
		r = process_prepare(&s, &p6, true, &err);
		CHECK(r < 0 && t_contains(err.msg, "SELinux is not enabled"), "selinux_absent_error (%s)",
		      err.msg);
	} else {
		T_SKIP("selinux_absent_error: SELinux is enabled here");
	}
}

static void t_personality(void)
{
	const char *flags[] = {"ADDR_NO_RANDOMIZE", NULL};
	struct spec s = {.has_linux = true};
	s.lx.has_personality = true;
	s.lx.personality_domain = "LINUX32";
	s.lx.personality_flags = flags;
	s.lx.n_personality_flags = 1;
	struct spec_process p = {0};
	struct ctr_error err = {0};
	int r = process_prepare(&s, &p, true, &err);
	CHECK(r == 0, "personality_ok %s", err.msg);
	int cur = personality(0xffffffff);
	CHECK((cur & PER_MASK) == PER_LINUX32 && (cur & ADDR_NO_RANDOMIZE), "personality_linux32 (0x%x)",
	      cur);
#if defined(__x86_64__)
	struct utsname u;
	uname(&u);
	CHECK(!strcmp(u.machine, "i686"), "personality_uname_i686 (%s)", u.machine);
#endif
	s.lx.personality_domain = "LINUX64";
	r = process_prepare(&s, &p, true, &err);
	CHECK(r < 0 && t_contains(err.msg, "LINUX64"), "personality_bad_domain (%s)", err.msg);
	s.lx.personality_domain = "LINUX";
	flags[0] = "NO_SUCH_FLAG";
	r = process_prepare(&s, &p, true, &err);
	CHECK(r < 0 && t_contains(err.msg, "NO_SUCH_FLAG"), "personality_bad_flag (%s)", err.msg);
}

static void t_cpu_list(void)
{
	unsigned long m[1024 / (8 * sizeof(unsigned long))];
	CHECK(process_cpu_list("0-3,7", m, 1024) == 0 && m[0] == 0x8f, "cpu_list_range (%lx)", m[0]);
	CHECK(process_cpu_list(" 1 , 3-4", m, 1024) == 0 && m[0] == 0x1a, "cpu_list_spaces");
	CHECK(process_cpu_list("1023", m, 1024) == 0 && (m[1023 / (8 * sizeof(long))] >> (1023 % (8 * sizeof(long))) & 1),
	      "cpu_list_high");
	static const char *bad[] = {"", "a", "3-1", "1-", "-1", "1,,2", "1024", "1;2"};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		CHECK(process_cpu_list(bad[i], m, 1024) < 0, "cpu_list_refuses \"%s\"", bad[i]);
}

/* ---- identity ---- */

static void t_identity_drop(void)
{
	uint32_t gids[] = {10, 20};
	struct spec_process p = {.no_new_privileges = true, .has_caps = true};
	p.user.uid = 1000;
	p.user.gid = 1000;
	p.user.additional_gids = gids;
	p.user.n_additional_gids = 2;
	/* CAP_CHOWN 0, CAP_NET_BIND_SERVICE 10, CAP_NET_RAW 13; no CAP_SETPCAP kept */
	p.caps.bounding = (struct spec_capset){true, 1 << 0 | 1 << 10 | 1 << 13};
	p.caps.effective = (struct spec_capset){true, 1 << 0 | 1 << 10};
	p.caps.permitted = (struct spec_capset){true, 1 << 0 | 1 << 10};
	p.caps.inheritable = (struct spec_capset){true, 1 << 10};
	p.caps.ambient = (struct spec_capset){true, 1 << 10};
	p.exec_cpu_affinity_final = "0";
	struct ctr_error err = {0};
	int r = process_set_identity(&p, &err);
	CHECK(r == 0, "identity_ok %s", err.msg);
	char v[128];
	t_status("Uid", v, sizeof(v));
	CHECK(!strcmp(v, "1000\t1000\t1000\t1000"), "identity_uid (%s)", v);
	t_status("Gid", v, sizeof(v));
	CHECK(!strcmp(v, "1000\t1000\t1000\t1000"), "identity_gid (%s)", v);
	t_status("Groups", v, sizeof(v));
	CHECK(!strncmp(v, "10 20", 5), "identity_groups (%s)", v);
	t_status("CapEff", v, sizeof(v));
	CHECK(!strcmp(v, "0000000000000401"), "caps_effective (%s)", v);
	t_status("CapPrm", v, sizeof(v));
	CHECK(!strcmp(v, "0000000000000401"), "caps_permitted (%s)", v);
	t_status("CapInh", v, sizeof(v));
	CHECK(!strcmp(v, "0000000000000400"), "caps_inheritable (%s)", v);
	t_status("CapBnd", v, sizeof(v));
	CHECK(!strcmp(v, "0000000000002401"), "caps_bounding (%s)", v);
	t_status("CapAmb", v, sizeof(v));
	CHECK(!strcmp(v, "0000000000000400"), "caps_ambient (%s)", v);
	t_status("NoNewPrivs", v, sizeof(v));
	CHECK(!strcmp(v, "1"), "no_new_privs (%s)", v);
	cpu_set_t set;
	CPU_ZERO(&set);
	sched_getaffinity(0, sizeof(set), &set);
	CHECK(CPU_COUNT(&set) == 1 && CPU_ISSET(0, &set), "cpu_affinity_final");
	/* the caps survive exec as a non-root user through the ambient set */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "grep -q '^CapEff:.*0000000000000400$' /proc/self/status", NULL);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "caps_ambient_survive_exec");
}

/* runc's default config: ambient caps without inheritable ones are skipped, no error */
static void t_identity_default_caps(void)
{
	uint64_t caps = 1ULL << 29 | 1ULL << 5 | 1ULL << 10; /* AUDIT_WRITE, KILL, NET_BIND_SERVICE */
	struct spec_process p = {.no_new_privileges = true, .has_caps = true};
	p.caps.bounding = (struct spec_capset){true, caps};
	p.caps.effective = (struct spec_capset){true, caps};
	p.caps.permitted = (struct spec_capset){true, caps};
	p.caps.ambient = (struct spec_capset){true, caps};
	struct ctr_error err = {0};
	int r = process_set_identity(&p, &err);
	CHECK(r == 0, "identity_runc_default_caps_ok %s", err.msg);
	char v[128];
	t_status("CapEff", v, sizeof(v));
	CHECK(!strcmp(v, "0000000020000420"), "default_caps_effective (%s)", v);
	t_status("CapBnd", v, sizeof(v));
	CHECK(!strcmp(v, "0000000020000420"), "default_caps_bounding (%s)", v);
	t_status("CapAmb", v, sizeof(v));
	CHECK(!strcmp(v, "0000000000000000"), "default_caps_ambient_skipped (%s)", v);
}

static void t_identity_root_nocaps(void)
{
	struct spec_process p = {0};
	struct ctr_error err = {0};
	int r = process_set_identity(&p, &err);
	CHECK(r == 0, "identity_root_no_caps_ok %s", err.msg);
	char v[128];
	t_status("CapEff", v, sizeof(v));
	CHECK(!strcmp(v, "0000000000000000"), "no_caps_effective_empty (%s)", v);
	t_status("CapBnd", v, sizeof(v));
	CHECK(!strcmp(v, "0000000000000000"), "no_caps_bounding_empty (%s)", v);
	t_status("NoNewPrivs", v, sizeof(v));
	CHECK(!strcmp(v, "0"), "no_new_privs_off (%s)", v);
	t_status("Groups", v, sizeof(v));
	CHECK(v[0] == 0, "no_additional_groups (%s)", v);
}

static void t_identity_no_setpcap(void)
{
	/* without CAP_SETPCAP in the effective set the bounding set cannot shrink */
	struct { uint32_t version; int pid; } hdr = {0x20080522, 0};
	struct { uint32_t effective, permitted, inheritable; } data[2];
	syscall(SYS_capget, &hdr, data);
	data[0].effective &= ~(1u << 8);
	syscall(SYS_capset, &hdr, data);
	struct spec_process p = {.has_caps = true};
	p.caps.bounding = (struct spec_capset){true, ~(1ULL << 16)};
	struct ctr_error err = {0};
	int r = process_set_identity(&p, &err);
	CHECK(r < 0 && t_contains(err.msg, "CAP_SYS_MODULE (16) from the bounding set"),
	      "caps_bounding_drop_error_named (%s)", err.msg);
}

static void t_identity_bad_caps(void)
{
	struct spec_process p = {.has_caps = true};
	p.caps.bounding = (struct spec_capset){true, ~0ULL};
	p.caps.effective = (struct spec_capset){true, 1 << 0 | 1 << 1};
	p.caps.permitted = (struct spec_capset){true, 1 << 0};
	struct ctr_error err = {0};
	int r = process_set_identity(&p, &err);
	CHECK(r < 0 && t_contains(err.msg, "setting capabilities"), "caps_effective_not_permitted_error (%s)",
	      err.msg);
}

/* ---- cwd ---- */

static char t_root[64];

static void t_chdir(void)
{
	struct ctr_error err = {0};
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		T_FAIL("chdir: mount namespace: %s", strerror(errno));
		return;
	}
	if (mount(t_root, t_root, NULL, MS_BIND, NULL) < 0) {
		T_FAIL("chdir: bind root: %s", strerror(errno));
		return;
	}
	char proc[96];
	snprintf(proc, sizeof(proc), "%s/proc", t_root);
	mkdir(proc, 0755);
	if (mount("/proc", proc, NULL, MS_BIND | MS_REC, NULL) < 0) {
		T_FAIL("chdir: bind /proc: %s", strerror(errno));
		return;
	}
	int leaked = open("/tmp", O_RDONLY | O_DIRECTORY); /* a host dir fd, as in the CVE */
	if (chroot(t_root) < 0 || chdir("/") < 0) {
		T_FAIL("chdir: chroot: %s", strerror(errno));
		return;
	}
	struct spec_process p = {.cwd = "/work/sub"};
	int r = process_chdir(&p, &err);
	char buf[PATH_MAX] = "";
	if (!getcwd(buf, sizeof(buf))) {}
	CHECK(r == 0 && !strcmp(buf, "/work/sub"), "chdir_creates_missing_cwd (%s) %s", buf, err.msg);
	char cve[64];
	snprintf(cve, sizeof(cve), "/proc/self/fd/%d", leaked);
	p.cwd = cve;
	r = process_chdir(&p, &err);
	CHECK(r < 0 && t_contains(err.msg, "outside the container's root"), "chdir_cve_2024_21626 (%s)",
	      err.msg);
	p.cwd = "relative/dir";
	r = process_chdir(&p, &err);
	CHECK(r < 0 && t_contains(err.msg, "absolute"), "chdir_relative_refused (%s)", err.msg);
	p.cwd = NULL;
	r = process_chdir(&p, &err);
	CHECK(r == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, "/"), "chdir_default_root");
	if (mount("", "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0) {
		T_FAIL("chdir: remount root read-only: %s", strerror(errno));
		return;
	}
	p.cwd = "/other/dir";
	r = process_chdir(&p, &err);
	CHECK(r < 0 && t_contains(err.msg, "creating the missing /other/dir") &&
	      t_contains(err.msg, "Read-only"), "chdir_create_error_on_readonly_root (%s)", err.msg);
	p.cwd = "/work/sub";
	r = process_chdir(&p, &err);
	CHECK(r == 0, "chdir_existing_on_readonly_root %s", err.msg);
}

/* ---- fds ---- */

static bool t_fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void t_fds(void)
{
	int null = open("/dev/null", O_RDONLY);
	for (int fd = 3; fd <= 12; fd++)
		if (fd != null)
			dup2(null, fd);
	struct ctr_error err = {0};
	int r = fds_close_from(5, 7, &err);
	CHECK(r == 0 && t_fd_open(3) && t_fd_open(4) && !t_fd_open(5) && !t_fd_open(6) &&
	      t_fd_open(7) && !t_fd_open(8) && !t_fd_open(12), "fds_close_from_keeps_below_and_keep_fd");
	for (int fd = 5; fd <= 12; fd++)
		dup2(3, fd);
	r = fds_close_from(5, 5, &err);
	CHECK(r == 0 && t_fd_open(5) && !t_fd_open(6) && !t_fd_open(12), "fds_close_from_keep_first");
	r = fds_close_from(3, -1, &err);
	CHECK(r == 0 && !t_fd_open(3) && !t_fd_open(5) && t_fd_open(2), "fds_close_from_all");
	null = open("/dev/null", O_RDONLY);
	for (int fd = 3; fd <= 12; fd++)
		if (fd != null)
			dup2(null, fd);
	r = fds_close_from_proc(4, 9, &err);
	CHECK(r == 0 && t_fd_open(3) && !t_fd_open(4) && t_fd_open(9) && !t_fd_open(10),
	      "fds_close_fallback_proc");
}

/* ---- exec ---- */

static char t_bin1[64], t_bin2[64];

static int t_exec_status(struct spec_process *p, char *msg, size_t size)
{
	int pp[2];
	if (pipe2(pp, O_CLOEXEC) < 0)
		return -1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct ctr_error err = {0};
		char exe[PATH_MAX];
		if (process_find_executable(p, exe, sizeof(exe), &err) == 0)
			process_exec_found(exe, p, NULL, &err);
		if (write(pp[1], err.msg, strlen(err.msg))) {}
		_exit(200);
	}
	close(pp[1]);
	ssize_t n = read(pp[0], msg, size - 1);
	msg[n > 0 ? n : 0] = 0;
	close(pp[0]);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void t_exec(void)
{
	char msg[1024], path_env[160];
	const char *env1[] = {"PATH=/nonexistent:/bin", NULL};
	const char *args1[] = {"sh", "-c", "exit 7", NULL};
	struct spec_process p = {.args = args1, .n_args = 3, .env = env1, .n_env = 1};
	CHECK(t_exec_status(&p, msg, sizeof(msg)) == 7, "exec_path_lookup %s", msg);

	/* PATH comes from process.env, not from ours; non-executables are skipped */
	setenv("PATH", t_bin2, 1);
	snprintf(path_env, sizeof(path_env), "PATH=/nonexistent:%s:%s", t_bin1, t_bin2);
	const char *env2[] = {"FOO=bar", path_env, NULL};
	const char *args2[] = {"ctr-test-prog", NULL};
	struct spec_process p2 = {.args = args2, .n_args = 1, .env = env2, .n_env = 2};
	CHECK(t_exec_status(&p2, msg, sizeof(msg)) == 5, "exec_uses_process_env_path %s", msg);
	const char *env3[] = {"PATH=/bin:/usr/bin", NULL};
	p2.env = env3;
	p2.n_env = 1;
	int st = t_exec_status(&p2, msg, sizeof(msg));
	CHECK(st == 200 && !strcmp(msg, "exec: \"ctr-test-prog\": executable file not found in $PATH"),
	      "exec_not_found_error (%s)", msg);
	setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);

	/* no PATH in env: the default; the env is exactly process.env */
	const char *env4[] = {"FOO=bar", NULL};
	const char *args4[] = {"sh", "-c", "[ \"$FOO\" = bar ] && [ -z \"$HOME\" ] && exit 3", NULL};
	struct spec_process p4 = {.args = args4, .n_args = 3, .env = env4, .n_env = 1};
	CHECK(t_exec_status(&p4, msg, sizeof(msg)) == 3, "exec_default_path_and_env %s", msg);

	const char *args5[] = {"/nonexistent/prog", NULL};
	struct spec_process p5 = {.args = args5, .n_args = 1};
	st = t_exec_status(&p5, msg, sizeof(msg));
	CHECK(st == 200 && t_contains(msg, "exec: \"/nonexistent/prog\"") && t_contains(msg, "No such file"),
	      "exec_absolute_missing_error (%s)", msg);
	const char *args7[] = {"/dev/null", NULL};
	struct spec_process p7 = {.args = args7, .n_args = 1};
	st = t_exec_status(&p7, msg, sizeof(msg));
	CHECK(st == 200 && t_contains(msg, "/dev/null") && t_contains(msg, "Permission denied"),
	      "exec_not_executable_error (%s)", msg);
	char found[PATH_MAX];
	struct ctr_error err = {0};
	const char *args8[] = {"sh", NULL};
	const char *env8[] = {"PATH=/nonexistent::/bin", NULL};
	struct spec_process p8 = {.args = args8, .n_args = 1, .env = env8, .n_env = 1};
	int r = process_find_executable(&p8, found, sizeof(found), &err);
	CHECK(r == 0 && !strcmp(found, "/bin/sh"), "find_executable (%s)", found);
	struct spec_process p6 = {0};
	st = t_exec_status(&p6, msg, sizeof(msg));
	CHECK(st == 200 && t_contains(msg, "process.args"), "exec_empty_args_error (%s)", msg);
}

static int t_write_script(const char *dir, mode_t mode)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/ctr-test-prog", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0)
		return -1;
	int r = write_all(fd, "#!/bin/sh\nexit 5\n", 17);
	close(fd);
	return r;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	t_cpu_list();
	if (geteuid() != 0) {
		T_SKIP("unit_process: namespace and identity tests need root");
		return t_failed;
	}
	t_child("names_sysctl", t_names_sysctl);
	t_child("loopback", t_loopback);
	t_netdev();
	t_userns();
	if (access("/proc/self/ns/time", F_OK) == 0)
		t_child("timens", t_timens);
	else
		T_SKIP("timens: the kernel has no time namespaces");
	t_child("prepare", t_prepare);
	t_child("personality", t_personality);
	t_child("identity_drop", t_identity_drop);
	t_child("identity_root_nocaps", t_identity_root_nocaps);
	t_child("identity_default_caps", t_identity_default_caps);
	t_child("identity_bad_caps", t_identity_bad_caps);
	t_child("identity_no_setpcap", t_identity_no_setpcap);
	snprintf(t_root, sizeof(t_root), "/tmp/ctr-unit-process.XXXXXX");
	if (mkdtemp(t_root)) {
		t_child("chdir", t_chdir);
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", t_root);
		if (system(cmd)) {}
	}
	t_child("fds", t_fds);
	snprintf(t_bin1, sizeof(t_bin1), "/tmp/ctr-unit-bin1.XXXXXX");
	snprintf(t_bin2, sizeof(t_bin2), "/tmp/ctr-unit-bin2.XXXXXX");
	if (mkdtemp(t_bin1) && mkdtemp(t_bin2) && t_write_script(t_bin1, 0644) == 0 &&
	    t_write_script(t_bin2, 0755) == 0)
		t_child("exec", t_exec);
	else
		T_FAIL("exec: cannot create test programs");
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", t_bin1, t_bin2);
	if (system(cmd)) {}
	return t_failed;
}
