
/* ======================================================================
 * process
 * ====================================================================== */

/* Building blocks for the container's namespaces and its process; the lifecycle section
 * calls them in order. "parent" runs in ctr, "init" in the container's init. */

/* parent: /proc/PID/uid_map and gid_map (and setgroups) from linux.uid/gidMappings. */
static int userns_write_maps(pid_t pid, const struct spec *s, struct ctr_error *err);
/* init side, after unshare(CLONE_NEWTIME) and before the first fork: timeOffsets. */
static int timens_write_offsets(const struct spec *s, struct ctr_error *err);
/* init: bring up lo in the current (new) network namespace. */
static int net_loopback_up(struct ctr_error *err);
/* parent: move linux.netDevices into pid's network namespace, renamed as asked. */
static int net_devices_move(const struct spec *s, pid_t pid, struct ctr_error *err);
/* init, after the root switch: hostname, domainname, linux.sysctl. */
static int process_set_names_and_sysctl(const struct spec *s, struct ctr_error *err);
/* init: rlimits, oomScoreAdj, personality, scheduler, ioPriority, execCPUAffinity.initial,
 * apparmorProfile / selinuxLabel for the next exec, umask, a new session keyring unless
 * no_new_keyring. Needs privileges: runs before the identity change. */
static int process_prepare(const struct spec *s, const struct spec_process *p,
			   bool no_new_keyring, struct ctr_error *err);
/* init: additionalGids, gid, uid (keeping capabilities across the change), then the five
 * capability sets and noNewPrivileges. */
static int process_set_identity(const struct spec_process *p, struct ctr_error *err);
/* init: chdir(cwd), checked to be inside the root (CVE-2024-21626). */
static int process_chdir(const struct spec_process *p, struct ctr_error *err);
/* init: close every fd >= first except keep_fd (-1: none). */
static int fds_close_from(int first, int keep_fd, struct ctr_error *err);
/* init: find args[0] along the PATH of process.env (before the seccomp filter), then
 * execve it; process_exec_found returns only on failure. */
static int process_find_executable(const struct spec_process *p, char *buf, size_t size,
				   struct ctr_error *err);
static int process_exec_found(const char *exe, const struct spec_process *p,
			      struct ctr_error *err);

#include <net/if.h>
#include <sys/personality.h>
#include <linux/rtnetlink.h>

/* ---- user and time namespaces ---- */

/* Write a proc file in one write(); returns 0 or the errno. */
static int process_write(const char *path, const char *data, size_t len)
{
	int fd = openat(AT_FDCWD, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno;
	int e = write_all(fd, data, len) < 0 ? errno : 0;
	close(fd);
	return e;
}

/* Write one id map file in a single write (the kernel accepts only one). */
static int userns_write_map(pid_t pid, const char *file, const char *field,
			    const struct spec_idmap *m, size_t n, struct ctr_error *err)
{
	if (!n)
		return 0;
	struct sbuf sb = {0};
	for (size_t i = 0; i < n; i++)
		sbuf_addf(&sb, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n", m[i].container_id,
			  m[i].host_id, m[i].size);
	if (sb.failed) {
		sbuf_release(&sb);
		return err_nomem(err);
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	int e = process_write(path, sb.buf, sb.len);
	if (e) {
		sb.buf[--sb.len] = 0;
		for (char *c = sb.buf; *c; c++)
			if (*c == '\n')
				*c = ',';
		err_set(err, e, "linux.%s [%s]: write %s", field, sb.buf, path);
	}
	sbuf_release(&sb);
	return e ? -1 : 0;
}

static int userns_write_maps(pid_t pid, const struct spec *s, struct ctr_error *err)
{
	/* Without CAP_SETGID over the parent namespace (rootless) the kernel takes a
	 * gid_map only after setgroups is denied; as root keep setgroups usable. */
	if (geteuid() != 0 && s->lx.n_gid_mappings) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
		int e = process_write(path, "deny", 4);
		if (e && e != ENOENT)
			return err_set(err, e, "write %s", path);
	}
	if (userns_write_map(pid, "uid_map", "uidMappings", s->lx.uid_mappings,
			     s->lx.n_uid_mappings, err) < 0)
		return -1;
	return userns_write_map(pid, "gid_map", "gidMappings", s->lx.gid_mappings,
				s->lx.n_gid_mappings, err);
}

static int timens_write_offsets(const struct spec *s, struct ctr_error *err)
{
	if (!s->lx.n_time_offsets)
		return 0;
	/* The kernel takes clock ids (CLOCK_MONOTONIC 1, CLOCK_BOOTTIME 7) or names. */
	struct sbuf sb = {0};
	for (size_t i = 0; i < s->lx.n_time_offsets; i++) {
		const struct spec_time_offset *o = &s->lx.time_offsets[i];
		sbuf_addf(&sb, "%d %" PRId64 " %" PRIu32 "\n", o->clock, o->secs, o->nanosecs);
	}
	if (sb.failed) {
		sbuf_release(&sb);
		return err_nomem(err);
	}
	int e = process_write("/proc/self/timens_offsets", sb.buf, sb.len);
	sbuf_release(&sb);
	if (e == ENOENT)
		return err_set(err, e, "linux.timeOffsets: this kernel has no time namespaces");
	return e ? err_set(err, e, "linux.timeOffsets: write /proc/self/timens_offsets") : 0;
}

/* ---- network ---- */

static int net_loopback_up(struct ctr_error *err)
{
	/* Any socket reaches the interface ioctls; netlink exists wherever networking does. */
	int fd AUTO_CLOSE = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return err_set(err, errno, "loopback: socket");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return err_set(err, errno, "loopback: reading flags of lo");
	if (ifr.ifr_flags & IFF_UP)
		return 0;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return err_set(err, errno, "loopback: bringing lo up");
	return 0;
}

struct net_link_req {
	struct nlmsghdr nh;
	struct ifinfomsg ifi;
	char attrs[64];
};

static void net_attr(struct nlmsghdr *nh, unsigned short type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));
	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Send one request and wait for its ack; -1 with errno set on failure. */
static int net_request(int fd, struct nlmsghdr *nh)
{
	union {
		struct nlmsghdr nh;
		char buf[512];
	} ack;
	if (send(fd, nh, nh->nlmsg_len, 0) < 0)
		return -1;
	for (;;) {
		ssize_t n = recv(fd, &ack, sizeof(ack), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if ((size_t)n < NLMSG_LENGTH(sizeof(struct nlmsgerr)) || ack.nh.nlmsg_type != NLMSG_ERROR)
			continue;
		const struct nlmsgerr *e = NLMSG_DATA(&ack.nh);
		if (e->msg.nlmsg_seq != nh->nlmsg_seq)
			continue;
		errno = -e->error;
		return e->error ? -1 : 0;
	}
}

static int net_devices_move(const struct spec *s, pid_t pid, struct ctr_error *err)
{
	if (!s->lx.n_net_devices)
		return 0;
	/* Moving into our own netns would only rename a host interface. */
	char path[64];
	struct stat ours, theirs;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (stat(path, &theirs) < 0 || stat("/proc/self/ns/net", &ours) < 0)
		return err_set(err, errno, "linux.netDevices: stat %s", path);
	if (ours.st_ino == theirs.st_ino && ours.st_dev == theirs.st_dev)
		return err_set(err, 0, "linux.netDevices: the container has no network namespace of its own");
	int fd AUTO_CLOSE = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return err_set(err, errno, "linux.netDevices: netlink socket");
	for (size_t i = 0; i < s->lx.n_net_devices; i++) {
		const struct spec_net_device *d = &s->lx.net_devices[i];
		const char *name = d->name && *d->name ? d->name : d->host_name;
		if (strlen(name) >= IFNAMSIZ)
			return err_set(err, 0, "linux.netDevices.%s: name \"%s\" is longer than %d bytes",
				       d->host_name, name, IFNAMSIZ - 1);
		unsigned idx = if_nametoindex(d->host_name);
		if (!idx)
			return err_set(err, errno, "linux.netDevices: host network device \"%s\" not found",
				       d->host_name);
		/* One request moves, renames (in the target namespace) and brings it up, as
		 * `ip link set DEV netns PID name NAME up` does: no window with a name clash. */
		struct net_link_req req;
		memset(&req, 0, sizeof(req));
		req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi));
		req.nh.nlmsg_type = RTM_NEWLINK;
		req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		req.nh.nlmsg_seq = (uint32_t)i + 1;
		req.ifi.ifi_family = AF_UNSPEC;
		req.ifi.ifi_index = (int)idx;
		req.ifi.ifi_flags = IFF_UP;
		req.ifi.ifi_change = IFF_UP;
		uint32_t target = (uint32_t)pid;
		net_attr(&req.nh, IFLA_NET_NS_PID, &target, sizeof(target));
		net_attr(&req.nh, IFLA_IFNAME, name, strlen(name) + 1);
		if (net_request(fd, &req.nh) < 0)
			return err_set(err, errno, "linux.netDevices: moving \"%s\" into the container as \"%s\"",
				       d->host_name, name);
	}
	return 0;
}

/* Give linux.netDevices back to the host, down and under their host names, as the
 * runtime-spec asks on delete. Works while the container's netns exists (pid alive);
 * once it is gone the kernel has already returned physical devices to the initial netns
 * (under their container names, or devN on a clash: nothing safe to rename then) and
 * destroyed virtual ones. Missing devices are skipped; the first failure is returned. */
static int net_devices_return(const struct spec *s, pid_t pid, struct ctr_error *err)
{
	if (!s->lx.n_net_devices || pid <= 0)
		return 0;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	int self AUTO_CLOSE = openat(AT_FDCWD, "/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int ns AUTO_CLOSE = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || ns < 0)
		return err_set(err, errno, "linux.netDevices: open %s", self < 0 ? "/proc/self/ns/net" : path);
	/* A netlink socket stays in the netns it was made in: make one inside, come back. */
	if (setns(ns, CLONE_NEWNET) < 0)
		return err_set(err, errno, "linux.netDevices: entering %s", path);
	int fd AUTO_CLOSE = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int e = errno;
	if (setns(self, CLONE_NEWNET) < 0)
		return err_set(err, errno, "linux.netDevices: returning to our network namespace");
	if (fd < 0)
		return err_set(err, e, "linux.netDevices: netlink socket");
	int ret = 0;
	for (size_t i = 0; i < s->lx.n_net_devices; i++) {
		const struct spec_net_device *d = &s->lx.net_devices[i];
		const char *name = d->name && *d->name ? d->name : d->host_name;
		struct ifreq ifr;
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
		if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0)
			continue;
		struct net_link_req req;
		memset(&req, 0, sizeof(req));
		req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi));
		req.nh.nlmsg_type = RTM_NEWLINK;
		req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		req.nh.nlmsg_seq = (uint32_t)i + 1;
		req.ifi.ifi_family = AF_UNSPEC;
		req.ifi.ifi_index = ifr.ifr_ifindex;
		req.ifi.ifi_change = IFF_UP;
		uint32_t target = (uint32_t)self;
		net_attr(&req.nh, IFLA_NET_NS_FD, &target, sizeof(target));
		net_attr(&req.nh, IFLA_IFNAME, d->host_name, strlen(d->host_name) + 1);
		if (net_request(fd, &req.nh) < 0 && ret == 0)
			ret = err_set(err, errno, "linux.netDevices: returning \"%s\" to the host as \"%s\"",
				      name, d->host_name);
	}
	return ret;
}

/* ---- names and sysctl ---- */

static int process_set_names_and_sysctl(const struct spec *s, struct ctr_error *err)
{
	if (s->hostname && *s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
		return err_set(err, errno, "hostname \"%s\"", s->hostname);
	if (s->domainname && *s->domainname &&
	    setdomainname(s->domainname, strlen(s->domainname)) < 0)
		return err_set(err, errno, "domainname \"%s\"", s->domainname);
	for (size_t i = 0; i < s->lx.n_sysctl; i++) {
		const char *key = s->lx.sysctl[i].key, *value = s->lx.sysctl[i].value;
		char path[PATH_MAX] = "/proc/sys/";
		size_t len = strlen(key), base = strlen(path);
		/* Only dotted names of non-empty parts: nothing can leave /proc/sys. */
		bool ok = len && len < sizeof(path) - base && key[0] != '.' && key[len - 1] != '.' &&
			  !strchr(key, '/') && !strstr(key, "..");
		if (!ok)
			return err_set(err, 0, "linux.sysctl: invalid name \"%s\"", key);
		for (size_t j = 0; j <= len; j++)
			path[base + j] = key[j] == '.' ? '/' : key[j];
		int e = process_write(path, value, strlen(value));
		if (e)
			return err_set(err, e, "linux.sysctl \"%s\" = \"%s\": write %s", key, value, path);
	}
	return 0;
}

/* ---- process attributes ---- */

/* "0-3,7" into a CPU mask of nbits bits. */
static int process_cpu_list(const char *list, unsigned long *mask, size_t nbits)
{
	const size_t word = 8 * sizeof(unsigned long);
	memset(mask, 0, nbits / 8);
	const char *p = list;
	do {
		char *end;
		while (*p == ' ')
			p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		unsigned long lo = strtoul(p, &end, 10), hi = lo;
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return -1;
			hi = strtoul(end + 1, &end, 10);
		}
		while (*end == ' ')
			end++;
		if (lo > hi || hi >= nbits || (*end && *end != ','))
			return -1;
		for (unsigned long c = lo; c <= hi; c++)
			mask[c / word] |= 1UL << (c % word);
		p = *end ? end + 1 : end;
	} while (*p);
	return 0;
}

static int process_set_affinity(const char *list, const char *field, struct ctr_error *err)
{
	if (!list || !*list)
		return 0;
	unsigned long mask[1024 / (8 * sizeof(unsigned long))];
	if (process_cpu_list(list, mask, 1024) < 0)
		return err_set(err, 0, "process.execCPUAffinity.%s: invalid CPU list \"%s\"",
			       field, list);
	if (syscall(SYS_sched_setaffinity, 0, sizeof(mask), mask) < 0)
		return err_set(err, errno, "process.execCPUAffinity.%s \"%s\"", field, list);
	return 0;
}

static const struct {
	char name[20];
	unsigned value;
} process_personality_flags[] = {
	{"UNAME26", UNAME26},
	{"ADDR_NO_RANDOMIZE", ADDR_NO_RANDOMIZE},
	{"FDPIC_FUNCPTRS", FDPIC_FUNCPTRS},
	{"MMAP_PAGE_ZERO", MMAP_PAGE_ZERO},
	{"ADDR_COMPAT_LAYOUT", ADDR_COMPAT_LAYOUT},
	{"READ_IMPLIES_EXEC", READ_IMPLIES_EXEC},
	{"ADDR_LIMIT_32BIT", ADDR_LIMIT_32BIT},
	{"SHORT_INODE", SHORT_INODE},
	{"WHOLE_SECONDS", WHOLE_SECONDS},
	{"STICKY_TIMEOUTS", STICKY_TIMEOUTS},
	{"ADDR_LIMIT_3GB", ADDR_LIMIT_3GB},
};

static int process_personality(const struct spec *s, struct ctr_error *err)
{
	const char *domain = s->lx.personality_domain ? s->lx.personality_domain : "LINUX";
	unsigned long persona;
	if (!strcmp(domain, "LINUX"))
		persona = PER_LINUX;
	else if (!strcmp(domain, "LINUX32"))
		persona = PER_LINUX32;
	else
		return err_set(err, 0, "linux.personality.domain: unknown domain \"%s\"", domain);
	for (size_t i = 0; i < s->lx.n_personality_flags; i++) {
		size_t j = 0;
		while (j < ARRAY_LEN(process_personality_flags) &&
		       strcmp(process_personality_flags[j].name, s->lx.personality_flags[i]))
			j++;
		if (j == ARRAY_LEN(process_personality_flags))
			return err_set(err, 0, "linux.personality.flags: unknown flag \"%s\"",
				       s->lx.personality_flags[i]);
		persona |= process_personality_flags[j].value;
	}
	if (syscall(SYS_personality, persona) < 0)
		return err_set(err, errno, "linux.personality: %s (0x%lx)", domain, persona);
	return 0;
}

/* struct sched_attr of sched_setattr(2), first version (48 bytes). */
struct process_sched_attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
};

static int process_scheduler(const struct spec_scheduler *sc, struct ctr_error *err)
{
#ifdef SYS_sched_setattr
	struct process_sched_attr a = {
		.size = sizeof(a), .policy = (uint32_t)sc->policy, .flags = sc->flags,
		.nice = sc->nice, .priority = (uint32_t)sc->priority, .runtime = sc->runtime,
		.deadline = sc->deadline, .period = sc->period,
	};
	if (syscall(SYS_sched_setattr, 0, &a, 0) == 0)
		return 0;
	int e = errno;
#else
	int e = ENOSYS;
#endif
	return err_set(err, e, "process.scheduler (policy %d, nice %d, priority %d)", sc->policy,
		       (int)sc->nice, (int)sc->priority);
}

/* Label the next exec with an LSM attribute. Absent LSMs are named in the error. */
static int process_lsm_exec(const char *field, const char *value, struct ctr_error *err)
{
	bool apparmor = field[0] == 'a';
	char buf[4096];
	if (snprintf(buf, sizeof(buf), "%s%s", apparmor ? "exec " : "", value) >= (int)sizeof(buf))
		return err_set(err, ENAMETOOLONG, "process.%s", field);
	int e = ENOENT;
	if (apparmor)
		e = process_write("/proc/self/attr/apparmor/exec", buf, strlen(buf));
	if (e == ENOENT)
		e = process_write("/proc/self/attr/exec", buf, strlen(buf));
	if (!e)
		return 0;
	/* Only now find out why: AppArmor shows in /sys/module, SELinux contexts have ':'. */
	char cur[256] = "";
	int fd = openat(AT_FDCWD, "/proc/self/attr/current", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, cur, sizeof(cur) - 1);
		cur[n > 0 ? n : 0] = 0;
		close(fd);
	}
	if (apparmor ? access("/sys/module/apparmor", F_OK) < 0 : !strchr(cur, ':'))
		return err_set(err, 0, "process.%s \"%s\": %s is not enabled on this host", field, value,
			       apparmor ? "AppArmor" : "SELinux");
	return err_set(err, e, "process.%s \"%s\"", field, value);
}

static int process_prepare(const struct spec *s, const struct spec_process *p,
			   bool no_new_keyring, struct ctr_error *err)
{
	/* A session and process group of its own, as runc: a signal to the caller's group
	 * (a terminal's ^C, conmon's --timeout kill(-pgid)) must not hit the container,
	 * nor one to the container's group the caller. EPERM: already a leader (pty). */
	if (setsid() < 0 && errno != EPERM)
		return err_set(err, errno, "setsid");
	for (size_t i = 0; i < p->n_rlimits; i++) {
		/* prlimit64 takes 64-bit values on every ABI: RLIM_INFINITY is ~0 everywhere. */
		const struct spec_rlimit *rl = &p->rlimits[i];
		uint64_t lim[2] = {rl->soft, rl->hard};
		if (syscall(SYS_prlimit64, 0, rl->resource, lim, NULL) < 0)
			return err_set(err, errno, "process.rlimits %s (soft %" PRIu64 ", hard %" PRIu64 ")",
				       rl->type ? rl->type : "?", rl->soft, rl->hard);
	}
	if (p->oom_score_adj.set) {
		char v[24];
		int n = snprintf(v, sizeof(v), "%" PRId64, p->oom_score_adj.v);
		int e = process_write("/proc/self/oom_score_adj", v, (size_t)n);
		if (e)
			return err_set(err, e, "process.oomScoreAdj %s", v);
	}
	if (s->lx.has_personality && process_personality(s, err) < 0)
		return -1;
	if (p->scheduler.set && process_scheduler(&p->scheduler, err) < 0)
		return -1;
	if (p->has_io_priority &&
	    syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0,
		    (p->io_priority_class << 13) | p->io_priority) < 0)
		return err_set(err, errno, "process.ioPriority (class %d, priority %d)",
			       p->io_priority_class, p->io_priority);
	if (process_set_affinity(p->exec_cpu_affinity_initial, "initial", err) < 0)
		return -1;
	if (p->apparmor_profile && *p->apparmor_profile &&
	    process_lsm_exec("apparmorProfile", p->apparmor_profile, err) < 0)
		return -1;
	if (p->selinux_label && *p->selinux_label &&
	    process_lsm_exec("selinuxLabel", p->selinux_label, err) < 0)
		return -1;
	umask(p->user.umask.set ? (mode_t)(p->user.umask.v & 07777) : 022);
	/* A fresh anonymous session keyring: keys of the host session stay out. */
	if (!no_new_keyring && syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, NULL) < 0 &&
	    errno != ENOSYS)
		return err_set(err, errno, "joining a new session keyring");
	return 0;
}

/* ---- identity and capabilities ---- */

static int process_set_identity(const struct spec_process *p, struct ctr_error *err)
{
	const struct spec_caps *c = &p->caps;
	/* An absent list (or capabilities) means an empty set, as in runc. */
	uint64_t bounding = c->bounding.set ? c->bounding.mask : 0, known = 0;
	/* Bounding set first: PR_CAPBSET_DROP needs CAP_SETPCAP, which may not be kept.
	 * PR_CAPBSET_READ fails past the kernel's last capability (cap_last_cap): find it
	 * by binary search (/proc may not be mounted here), ~7 prctl calls instead of ~42. */
	int lo = -1, hi = 64;
	while (hi - lo > 1) {
		int mid = (lo + hi) / 2;
		if (prctl(PR_CAPBSET_READ, (unsigned long)mid, 0, 0, 0) >= 0)
			lo = mid;
		else
			hi = mid;
	}
	for (int cap = 0; cap <= lo; cap++) {
		known |= 1ULL << cap;
		if (bounding >> cap & 1 || prctl(PR_CAPBSET_DROP, (unsigned long)cap, 0, 0, 0) == 0)
			continue;
		/* Without CAP_SETPCAP even an absent cap fails to drop: only a present one counts. */
		int e = errno;
		if (e == EPERM && prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0) == 0)
			continue;
		return err_set(err, e, "dropping %s (%d) from the bounding set",
			       spec_cap_name(cap) ? spec_cap_name(cap) : "capability", cap);
	}
	_Static_assert(sizeof(gid_t) == sizeof(uint32_t), "gid_t is 32 bits");
	const uint32_t *gids = p->user.additional_gids;
	size_t ngids = p->user.n_additional_gids;
	if (sys_setgroups(ngids, (const gid_t *)gids) < 0) {
		/* setgroups is denied in a rootless user namespace: fine when none are asked. */
		char st[8] = "";
		int e = errno, fd = openat(AT_FDCWD, "/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t n = read(fd, st, sizeof(st) - 1);
			st[n > 0 ? n : 0] = 0;
			close(fd);
		}
		if (ngids || e != EPERM || strncmp(st, "deny", 4))
			return err_set(err, e, "setgroups (process.user.additionalGids, %zu groups)", ngids);
	}
	uid_t uid = p->user.uid;
	gid_t gid = p->user.gid;
	/* Keep the permitted set across the uid change; capset below sets it exactly. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return err_set(err, errno, "prctl(PR_SET_KEEPCAPS)");
	if (sys_setresgid(gid) < 0)
		return err_set(err, errno, "setresgid %u", (unsigned)gid);
	if (sys_setresuid(uid) < 0)
		return err_set(err, errno, "setresuid %u", (unsigned)uid);
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);

	uint64_t eff = (c->effective.set ? c->effective.mask : 0) & known;
	uint64_t prm = (c->permitted.set ? c->permitted.mask : 0) & known;
	uint64_t inh = (c->inheritable.set ? c->inheritable.mask : 0) & known;
	uint64_t amb = (c->ambient.set ? c->ambient.mask : 0) & known;
	struct { uint32_t version; int pid; } hdr = {0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0};
	struct { uint32_t effective, permitted, inheritable; } data[2] = {
		{(uint32_t)eff, (uint32_t)prm, (uint32_t)inh},
		{(uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32)},
	};
	if (syscall(SYS_capset, &hdr, data) < 0)
		return err_set(err, errno,
			       "setting capabilities (effective %#" PRIx64 ", permitted %#" PRIx64
			       ", inheritable %#" PRIx64 ")", eff, prm, inh);
	/* An ambient cap must be permitted and inheritable; others are skipped, as runc does
	 * (its default config asks for ambient caps without inheritable ones). Kernels
	 * before 4.3 have no ambient set at all. */
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	amb &= prm & inh;
	for (unsigned cap = 0; cap < 64; cap++)
		if (amb >> cap & 1)
			prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_set(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
	/* execCPUAffinity.final: the process is in its final cgroup by now, and this is the
	 * last step before exec that runs outside the seccomp filter. */
	return process_set_affinity(p->exec_cpu_affinity_final, "final", err);
}

/* ---- cwd, fds, exec ---- */

static int process_chdir(const struct spec_process *p, struct ctr_error *err)
{
	const char *cwd = p->cwd && *p->cwd ? p->cwd : "/";
	if (cwd[0] != '/')
		return err_set(err, 0, "process.cwd \"%s\" is not an absolute path", cwd);
	/* A missing cwd is created, as runc does (it must be done before root.readonly). */
	if (chdir(cwd) < 0) {
		if (errno != ENOENT)
			return err_set(err, errno, "process.cwd: chdir %s", cwd);
		if (mkdir_p(cwd, 0755, NULL) < 0)
			return err_set(err, errno, "process.cwd: creating the missing %s", cwd);
		if (chdir(cwd) < 0)
			return err_set(err, errno, "process.cwd: chdir %s", cwd);
	}
	/* CVE-2024-21626: a leaked fd of a host directory (/proc/self/fd/N) must not become
	 * the cwd. The raw syscall reports such a cwd as "(unreachable)..." */
	char buf[PATH_MAX];
	if (syscall(SYS_getcwd, buf, sizeof(buf)) < 0 || buf[0] != '/')
		return err_set(err, 0, "process.cwd \"%s\" is outside the container's root", cwd);
	return 0;
}

static int fds_close_range(unsigned first, unsigned last)
{
#ifdef SYS_close_range
	return (int)syscall(SYS_close_range, first, last, 0);
#else
	(void)first; (void)last;
	errno = ENOSYS;
	return -1;
#endif
}

/* Without close_range (kernels before 5.9): walk /proc/self/fd. */
static int fds_close_from_proc(int first, int keep_fd, struct ctr_error *err)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return err_set(err, errno, "closing inherited fds: open /proc/self/fd");
	int self = dirfd(d);
	for (struct dirent *e; (e = readdir(d));) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		int fd = atoi(e->d_name);
		if (fd >= first && fd != keep_fd && fd != self)
			close(fd);
	}
	closedir(d);
	return 0;
}

static int fds_close_from(int first, int keep_fd, struct ctr_error *err)
{
	int r;
	if (keep_fd < first) {
		r = fds_close_range((unsigned)first, ~0U);
	} else {
		r = keep_fd > first ? fds_close_range((unsigned)first, (unsigned)keep_fd - 1) : 0;
		if (r == 0)
			r = fds_close_range((unsigned)keep_fd + 1, ~0U);
	}
	return r == 0 ? 0 : fds_close_from_proc(first, keep_fd, err);
}

#define PROCESS_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* args[0] as the container resolves it: a name with a slash as is, else the first
 * executable regular file along the PATH of process.env (the last PATH= wins; runc's
 * default without one), never along ctr's own PATH. Into buf; also usable before the
 * start to fail early. */
static int process_find_executable(const struct spec_process *p, char *buf, size_t size,
				   struct ctr_error *err)
{
	if (!p->n_args || !p->args[0] || !*p->args[0])
		return err_set(err, 0, "process.args must not be empty");
	const char *file = p->args[0];
	if (strchr(file, '/')) {
		if (snprintf(buf, size, "%s", file) >= (int)size)
			return err_set(err, ENAMETOOLONG, "exec: \"%s\"", file);
		return access(file, X_OK) < 0 ? err_set(err, errno, "exec: \"%s\"", file) : 0;
	}
	const char *path = PROCESS_DEFAULT_PATH;
	for (size_t i = 0; i < p->n_env; i++)
		if (str_has_prefix(p->env[i], "PATH="))
			path = p->env[i] + 5;
	for (const char *dir = path;; dir++) {
		size_t len = strcspn(dir, ":");
		int n = len ? snprintf(buf, size, "%.*s/%s", (int)len, dir, file)
			    : snprintf(buf, size, "%s", file);
		struct stat st;
		if (n < (int)size && stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(buf, X_OK) == 0)
			return 0;
		dir += len;
		if (!*dir)
			break;
	}
	return err_set(err, 0, "exec: \"%s\": executable file not found in $PATH", file);
}

/* execve an executable already found with process_find_executable: the lookup runs
 * before the seccomp filter, which may not allow stat/access (runc looks up first too). */
static int process_exec_found(const char *exe, const struct spec_process *p,
			      struct ctr_error *err)
{
	static const char *const no_env[] = {NULL};
	execve(exe, (char *const *)p->args, (char *const *)(p->env ? p->env : no_env));
	return err_set(err, errno, "exec %s", exe);
}

