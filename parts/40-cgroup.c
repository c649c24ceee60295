
/* ======================================================================
 * cgroup
 * ====================================================================== */

/* The container's cgroup on a v1, v2 or hybrid host, or none at all (a host without
 * cgroups and a config that asks for no resources). */
struct cgroup;

/* Create the cgroup (linux.cgroupsPath, or a default path from the id) and apply
 * linux.resources. A host without cgroups gives a "none" cgroup when nothing is asked. */
static int cgroup_create(const struct spec *s, const char *id, struct cgroup **out,
			 struct ctr_error *err);
/* Move pid into the cgroup (every hierarchy). */
static int cgroup_enter(const struct cgroup *cg, pid_t pid, struct ctr_error *err);
/* Remove the cgroup, killing what is still in it first when kill_remaining; frees cg. */
static int cgroup_destroy(struct cgroup *cg, bool kill_remaining, struct ctr_error *err);
static void cgroup_free(struct cgroup *cg);
/* Persist in state.json (one JSON value) and read it back. */
static void cgroup_state_write(const struct cgroup *cg, struct jw *w);
static int cgroup_state_read(const char *json_text, struct cgroup **out, struct ctr_error *err);
static int cgroup_freeze(const struct cgroup *cg, bool frozen, struct ctr_error *err);
static int cgroup_is_frozen(const struct cgroup *cg, bool *frozen, struct ctr_error *err);
static int cgroup_pids(const struct cgroup *cg, pid_t **pids, size_t *count, struct ctr_error *err);
static int cgroup_kill_all(const struct cgroup *cg, int sig, struct ctr_error *err);
static int cgroup_update(struct cgroup *cg, const struct spec_resources *r, struct ctr_error *err);
/* The "data" object of a runc stats event. */
static int cgroup_stats(const struct cgroup *cg, struct jw *w, struct ctr_error *err);
/* A directory fd of the cgroup v2 leaf for clone3(CLONE_INTO_CGROUP), or -1. */
static int cgroup_v2_fd(const struct cgroup *cg);

/*
 * Layouts: v1 (one mount per controller set), v2 (one cgroup2 mount), hybrid (v1
 * controllers plus a cgroup2 mount, usually /sys/fs/cgroup/unified), none. Each
 * controller is served by the v1 hierarchy that has it, else by cgroup2 if its root
 * offers it (on hybrid hosts e.g. hugetlb can live on v2). The container's directory is
 * made in every hierarchy, so its processes are tracked everywhere, like runc does.
 * Default path: "/ctr/<id>" below each hierarchy root. Relative cgroupsPath values are
 * below ctr's own cgroup (/proc/self/cgroup), per hierarchy.
 */
enum {
	CG_CPU, CG_CPUACCT, CG_CPUSET, CG_MEMORY, CG_DEVICES, CG_FREEZER, CG_BLKIO, CG_PIDS,
	CG_HUGETLB, CG_NET_CLS, CG_NET_PRIO, CG_RDMA, CG_MISC, CG_PERF, CG_NCTL
};
static const char *const cg_v1_names[CG_NCTL] = {
	"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids",
	"hugetlb", "net_cls", "net_prio", "rdma", "misc", "perf_event"};
/* The same controller's name on cgroup2 ("" where v2 has none: devices, freezer and
 * cpuacct are built in, net_cls/net_prio do not exist). */
static const char *const cg_v2_names[CG_NCTL] = {
	"cpu", "", "cpuset", "memory", "", "", "io", "pids",
	"hugetlb", "", "", "rdma", "misc", "perf_event"};

enum { CG_MODE_NONE, CG_MODE_V1, CG_MODE_V2, CG_MODE_HYBRID };
static const char *const cg_mode_names[] = {"none", "v1", "v2", "hybrid"};

#define CG_MAX_HIER 16

struct cg_dir {
	char *dir;                   /* absolute directory of the container's cgroup */
	uint32_t ctls;               /* controllers served here (bits of CG_*) */
	bool v2;                     /* the cgroup2 hierarchy */
	bool made;                   /* created by us (rollback removes only those) */
};

struct cgroup {
	int mode;
	char *path;                  /* as resolved: "/ctr/id", or relative "a/b" */
	size_t n;
	struct cg_dir d[CG_MAX_HIER];
	char *res_json;              /* resources changed by `update` (merged), or NULL */
};

/* A hierarchy found in mountinfo; strings point into the caller's buffer. */
struct cg_mount {
	char *mnt, *root, *opts;     /* opts: v1 controller list as in /proc/self/cgroup */
	uint32_t ctls;
	bool v2;
};

struct cg_host {
	size_t n;
	struct cg_mount m[CG_MAX_HIER];
};

static uint32_t cg_mask_of(const char *list, const char *const names[CG_NCTL], char sep)
{
	uint32_t mask = 0;
	for (const char *p = list; *p;) {
		const char *e = strchr(p, sep);
		size_t len = e ? (size_t)(e - p) : strlen(p);
		for (int i = 0; i < CG_NCTL; i++)
			if (names[i][0] && strlen(names[i]) == len && !memcmp(names[i], p, len))
				mask |= 1u << i;
		p += len + (e != NULL);
	}
	return mask;
}

/* mountinfo escapes ' ', '\t', '\n' and '\\' as octal: undo it in place. */
static void cg_unescape(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

/* Parse mountinfo text (modified in place) into the cgroup hierarchies it shows; the
 * first mount of each hierarchy wins. */
static void cg_parse_mountinfo(char *text, struct cg_host *h)
{
	h->n = 0;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		char *f[6] = {0}, *p = line;
		int nf = 0;
		while (nf < 6 && p) {         /* id parent dev root mountpoint options */
			f[nf++] = p;
			p = strchr(p, ' ');
			if (p)
				*p++ = 0;
		}
		/* optional fields, then "- fstype source superoptions" */
		char *dash = !p ? NULL : str_has_prefix(p, "- ") ? p - 1 : strstr(p, " - ");
		if (nf < 6 || !dash)
			continue;
		char *fstype = dash + 3, *src = strchr(fstype, ' ');
		if (!src)
			continue;
		*src++ = 0;
		char *super = strchr(src, ' ');
		if (!super)
			continue;
		super++;
		bool v2 = !strcmp(fstype, "cgroup2");
		if ((!v2 && strcmp(fstype, "cgroup")) || h->n == CG_MAX_HIER)
			continue;
		cg_unescape(f[3]);
		cg_unescape(f[4]);
		struct cg_mount m = {.mnt = f[4], .root = f[3], .v2 = v2, .opts = ""};
		if (!v2) {
			/* keep controller names and name=... from the super options, in order */
			char *o = super;
			for (char *t = super, *e; t && *t; t = e) {
				e = strchr(t, ',');
				size_t len = e ? (size_t)(e - t) : strlen(t);
				if (e)
					e++;
				bool keep = str_has_prefix(t, "name=");
				for (int i = 0; i < CG_NCTL && !keep; i++)
					keep = strlen(cg_v1_names[i]) == len && !memcmp(t, cg_v1_names[i], len);
				if (keep) {
					if (o != super)
						*o++ = ',';
					memmove(o, t, len);
					o += len;
				}
			}
			*o = 0;
			if (!*super)
				continue;
			m.opts = super;
			m.ctls = cg_mask_of(super, cg_v1_names, ',');
		}
		bool dup = false;
		for (size_t i = 0; i < h->n; i++)
			dup |= h->m[i].v2 == v2 && !strcmp(h->m[i].opts, m.opts);
		if (!dup)
			h->m[h->n++] = m;
	}
}

static int cg_mode_of(const struct cg_host *h)
{
	bool v1 = false, v2 = false;
	for (size_t i = 0; i < h->n; i++) {
		v1 |= !h->m[i].v2 && h->m[i].ctls;
		v2 |= h->m[i].v2;
	}
	return v1 ? (v2 ? CG_MODE_HYBRID : CG_MODE_V1) : (v2 ? CG_MODE_V2 : CG_MODE_NONE);
}

/* Own cgroup of this process in hierarchy m, from /proc/self/cgroup text, made relative
 * to the mount's root (a bind of a sub-tree, or a cgroup namespace). */
static int cg_own_path(const char *selfcg, const struct cg_mount *m, char *out, size_t size)
{
	for (const char *l = selfcg; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		const char *c1 = memchr(l, ':', len);
		const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - l)) : NULL;
		if (c2) {
			size_t clen = (size_t)(c2 - c1 - 1);
			bool match = m->v2 ? (clen == 0 && l[0] == '0')
					   : (clen == strlen(m->opts) && !memcmp(c1 + 1, m->opts, clen));
			if (match) {
				const char *p = c2 + 1;
				size_t plen = len - (size_t)(p - l);
				size_t rlen = strcmp(m->root, "/") ? strlen(m->root) : 0;
				if (rlen && plen >= rlen && !memcmp(p, m->root, rlen))
					p += rlen, plen -= rlen;
				if (plen + 1 > size)
					return -1;
				memcpy(out, p, plen);
				out[plen] = 0;
				return 0;
			}
		}
		l = nl ? nl + 1 : NULL;
	}
	return -1;
}

/* Resolve linux.cgroupsPath (NULL: "/ctr/<id>") into a clean path: "/a/b" absolute,
 * "a/b" relative to our own cgroup. ".." and the systemd "slice:prefix:name" form are
 * refused. */
static int cg_path_clean(const char *in, const char *id, char *out, size_t size,
			 struct ctr_error *err)
{
	char buf[PATH_MAX];
	if (!in || !*in) {
		if (snprintf(buf, sizeof(buf), "/ctr/%s", id) >= (int)sizeof(buf))
			return err_set(err, ENAMETOOLONG, "cgroup path for %s", id);
		in = buf;
	}
	if (in[0] != '/' && strchr(in, ':'))
		return err_set(err, EINVAL, "linux.cgroupsPath: \"%s\": the systemd "
			       "\"slice:prefix:name\" form is not supported (ctr manages cgroupfs "
			       "itself; give a path)", in);
	size_t o = 0;
	if (in[0] == '/')
		out[o++] = '/';
	for (const char *p = in; *p;) {
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (!len)
			break;
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return err_set(err, EINVAL, "linux.cgroupsPath: \"%s\": \"..\" would "
				       "leave the cgroup root", in);
		if (!(len == 1 && p[0] == '.')) {
			if (o > 1 || (o == 1 && out[0] != '/'))
				out[o++] = '/';
			if (o + len + 1 >= size)
				return err_set(err, ENAMETOOLONG, "linux.cgroupsPath: \"%s\"", in);
			memcpy(out + o, p, len);
			o += len;
		}
		p += len;
	}
	out[o] = 0;
	if (!strcmp(out, "/") || !o)
		return err_set(err, EINVAL, "linux.cgroupsPath: \"%s\": the container cannot "
			       "use the root cgroup", in);
	return 0;
}

/* ---- small file helpers ---- */

static int cg_read_at(const char *dir, const char *file, char *buf, size_t size)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	int fd = openat(AT_FDCWD, p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read_full(fd, buf, size - 1);
	int e = errno;
	close(fd);
	if (n < 0) {
		errno = e;
		return -1;
	}
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

static int cg_write_at(const char *dir, const char *file, const char *val)
{
	char p[PATH_MAX];
	if (snprintf(p, sizeof(p), "%s/%s", dir, file) >= (int)sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = openat(AT_FDCWD, p, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = write_all(fd, val, strlen(val));
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

/* A number from a cgroup file ("max" reads as UINT64_MAX); 0 if unreadable. */
static uint64_t cg_read_u64(const char *dir, const char *file)
{
	char buf[64];
	uint64_t v = 0;
	if (cg_read_at(dir, file, buf, sizeof(buf)) < 0)
		return 0;
	if (!strcmp(buf, "max"))
		return UINT64_MAX;
	return parse_u64(buf, &v) < 0 ? 0 : v;
}

/* "key value" line of a flat keyed file (memory.stat, cpu.stat, memory.events ...). */
static uint64_t cg_key(const char *text, const char *key)
{
	size_t kl = strlen(key);
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, key, kl) && l[kl] == ' ')
			return strtoull(l + kl + 1, NULL, 10);
	return 0;
}

static void cg_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The directory serving controller ctl, or NULL; *v2 tells which kind it is. */
static const struct cg_dir *cg_find(const struct cgroup *cg, int ctl)
{
	for (size_t i = 0; i < cg->n; i++)
		if (!cg->d[i].v2 && (cg->d[i].ctls & (1u << ctl)))
			return &cg->d[i];
	for (size_t i = 0; i < cg->n; i++)
		if (cg->d[i].v2 && (cg->d[i].ctls & (1u << ctl)))
			return &cg->d[i];
	return NULL;
}

static const struct cg_dir *cg_v2dir(const struct cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->d[i].v2)
			return &cg->d[i];
	return NULL;
}

/* 1 (v1), 2 (v2) or 0 (missing) for controller ctl. */
static int cg_ver(const struct cgroup *cg, int ctl)
{
	const struct cg_dir *d = cg_find(cg, ctl);
	return d ? (d->v2 ? 2 : 1) : 0;
}

/* Flags of cg_set. */
#define CGW_OPT_CTL 1                /* controller missing: silently skip (runc: net_cls) */
#define CGW_OPT_FILE 2               /* file missing or refused as obsolete: skip */

/* Write one value to controller ctl's file; errors name the config field. */
PRINTF_LIKE(5, 6)
static int cg_set(const struct cgroup *cg, int ctl, const char *file, int flags,
		  const char *fmt, ...)
{
	char val[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	const struct cg_dir *d = cg_find(cg, ctl);
	if (!d) {
		if (flags & CGW_OPT_CTL)
			return 0;
		errno = ENODEV;
		return -1;
	}
	if (cg_write_at(d->dir, file, val) == 0)
		return 0;
	if ((flags & CGW_OPT_FILE) && (errno == ENOENT || errno == EOPNOTSUPP))
		return 0;
	return -1;
}

/* cg_set's error text, filled in by the caller that has the error struct. */
static int cg_set_err(const struct cgroup *cg, int ctl, const char *file, const char *field,
		      struct ctr_error *err)
{
	int e = errno;
	const struct cg_dir *d = cg_find(cg, ctl);
	if (e == ENODEV || !d)
		return err_set(err, 0, "linux.resources.%s: the %s controller is not available "
			       "on this host (%s cgroups)", field, cg_v1_names[ctl],
			       cg_mode_names[cg->mode]);
	if (e == ENOENT)
		return err_set(err, 0, "linux.resources.%s: %s/%s does not exist: not "
			       "supported by this kernel", field, d->dir, file);
	return err_set(err, e, "linux.resources.%s: write %s/%s", field, d->dir, file);
}

#define CG_SET(ctl, file, field, flags, ...) \
	do { \
		if (cg_set(cg, ctl, file, flags, __VA_ARGS__) < 0) \
			return cg_set_err(cg, ctl, file, field, err); \
	} while (0)

/* OCI memory.swap is memory+swap; cgroup2's memory.swap.max is swap alone. -1 is
 * unlimited, 0 means unset (as runc treats it). *out gets -1 (write "max"), -2 (write
 * nothing) or the value. */
static int cg_swap_v2(int64_t limit, int64_t swap, int64_t *out, struct ctr_error *err)
{
	if (limit == -1 && swap == 0) {
		*out = -1;           /* both unlimited, as with v1 */
		return 0;
	}
	if (swap == -1 || swap == 0) {
		*out = swap == -1 ? -1 : -2;
		return 0;
	}
	if (swap < 0)
		return err_set(err, 0, "linux.resources.memory.swap: invalid value %" PRId64, swap);
	if (limit <= 0)
		return err_set(err, 0, "linux.resources.memory.swap: a swap limit needs a "
			       "memory limit");
	if (swap < limit)
		return err_set(err, 0, "linux.resources.memory.swap: %" PRId64 " is below "
			       "memory.limit %" PRId64 " (swap is memory+swap)", swap, limit);
	*out = swap - limit;
	return 0;
}

/* cpu.shares (2..262144) to cpu.weight (1..10000), the conversion runc and crun use. */
static uint64_t cg_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	if (shares < 2)
		shares = 2;
	return 1 + ((shares - 2) * 9999) / 262142;
}

/* blkio weight (10..1000) to io.weight (1..10000). */
static uint64_t cg_blkio_to_io_weight(uint64_t w)
{
	if (w == 0)
		return 0;
	if (w < 10)
		w = 10;
	return 1 + (w - 10) * 9999 / 990;
}

static void cg_num(char *buf, size_t size, int64_t v, const char *unlimited)
{
	if (v < 0)
		snprintf(buf, size, "%s", unlimited);
	else
		snprintf(buf, size, "%" PRId64, v);
}

/* ---- memory ---- */

static int cg_apply_memory(const struct cgroup *cg, const struct spec_memory *m, bool update,
			   struct ctr_error *err)
{
	int ver = cg_ver(cg, CG_MEMORY);
	bool any = m->limit.set || m->reservation.set || m->swap.set || m->kernel.set ||
		   m->kernel_tcp.set || m->swappiness.set || m->disable_oom_killer.set ||
		   m->use_hierarchy.set;
	if (!any)
		return 0;
	if (!ver)
		return err_set(err, 0, "linux.resources.memory: the memory controller is not "
			       "available on this host (%s cgroups)", cg_mode_names[cg->mode]);
	const char *dir = cg_find(cg, CG_MEMORY)->dir;
	char a[32], b[32];
	if (m->limit.set && m->limit.v < -1)
		return err_set(err, 0, "linux.resources.memory.limit: invalid value %" PRId64, m->limit.v);
	if (update && m->check_before_update.set && m->check_before_update.v && m->limit.set &&
	    m->limit.v > 0) {
		uint64_t use = cg_read_u64(dir, ver == 1 ? "memory.usage_in_bytes" : "memory.current");
		if (use > (uint64_t)m->limit.v)
			return err_set(err, 0, "linux.resources.memory.limit: %" PRId64 " is below "
				       "the current usage %" PRIu64 " (checkBeforeUpdate)", m->limit.v, use);
	}
	if (m->swappiness.set && m->swappiness.v > 100)
		return err_set(err, 0, "linux.resources.memory.swappiness: %" PRIu64 " is not in "
			       "0..100", m->swappiness.v);
	if (ver == 1) {
		cg_num(a, sizeof(a), m->limit.v, "-1");
		cg_num(b, sizeof(b), m->swap.v, "-1");
		bool sw = m->swap.set && m->swap.v != 0;
		int swf = m->swap.v == -1 ? CGW_OPT_FILE : 0;   /* no swap accounting: fine */
		/* memsw must stay >= limit: when raising, memsw goes first */
		if (m->limit.set && cg_set(cg, CG_MEMORY, "memory.limit_in_bytes", 0, "%s", a) < 0) {
			if (!sw || (errno != EINVAL && errno != EBUSY))
				return cg_set_err(cg, CG_MEMORY, "memory.limit_in_bytes", "memory.limit", err);
			CG_SET(CG_MEMORY, "memory.memsw.limit_in_bytes", "memory.swap", swf, "%s", b);
			sw = false;
			CG_SET(CG_MEMORY, "memory.limit_in_bytes", "memory.limit", 0, "%s", a);
		}
		if (sw)
			CG_SET(CG_MEMORY, "memory.memsw.limit_in_bytes", "memory.swap", swf, "%s", b);
		if (m->reservation.set) {
			cg_num(a, sizeof(a), m->reservation.v, "-1");
			CG_SET(CG_MEMORY, "memory.soft_limit_in_bytes", "memory.reservation", 0, "%s", a);
		}
		if (m->kernel.set) {   /* gone or refused on kernels >= 5.16/6.1 */
			cg_num(a, sizeof(a), m->kernel.v, "-1");
			CG_SET(CG_MEMORY, "memory.kmem.limit_in_bytes", "memory.kernel", CGW_OPT_FILE, "%s", a);
		}
		if (m->kernel_tcp.set) {
			cg_num(a, sizeof(a), m->kernel_tcp.v, "-1");
			CG_SET(CG_MEMORY, "memory.kmem.tcp.limit_in_bytes", "memory.kernelTCP", 0, "%s", a);
		}
		if (m->swappiness.set)
			CG_SET(CG_MEMORY, "memory.swappiness", "memory.swappiness", 0, "%" PRIu64, m->swappiness.v);
		if (m->disable_oom_killer.set && m->disable_oom_killer.v)
			CG_SET(CG_MEMORY, "memory.oom_control", "memory.disableOOMKiller", 0, "1");
		if (m->use_hierarchy.set)   /* always on since 5.16: writing 1 is fine */
			CG_SET(CG_MEMORY, "memory.use_hierarchy", "memory.useHierarchy", 0, "%d",
			       m->use_hierarchy.v);
		return 0;
	}
	/* v2: kernel, kernelTCP, swappiness, disableOOMKiller, useHierarchy have no
	 * cgroup2 file; runc ignores them there too. */
	if (m->limit.set) {
		cg_num(a, sizeof(a), m->limit.v, "max");
		CG_SET(CG_MEMORY, "memory.max", "memory.limit", 0, "%s", a);
	}
	if (m->swap.set) {
		int64_t limit = m->limit.set ? m->limit.v : 0, sw = -2;
		if (!m->limit.set && update) {
			uint64_t cur = cg_read_u64(dir, "memory.max");
			limit = cur == UINT64_MAX ? -1 : (int64_t)cur;
		}
		if (cg_swap_v2(limit, m->swap.v, &sw, err) < 0)
			return -1;
		if (sw != -2) {
			cg_num(a, sizeof(a), sw, "max");
			CG_SET(CG_MEMORY, "memory.swap.max", "memory.swap", 0, "%s", a);
		}
	}
	if (m->reservation.set) {
		cg_num(a, sizeof(a), m->reservation.v, "max");
		CG_SET(CG_MEMORY, "memory.low", "memory.reservation", 0, "%s", a);
	}
	return 0;
}

/* ---- cpu and cpuset ---- */

static int cg_apply_cpu(const struct cgroup *cg, const struct spec_cpu *c, struct ctr_error *err)
{
	bool cpu = c->shares.set || c->quota.set || c->period.set || c->burst.set ||
		   c->realtime_period.set || c->realtime_runtime.set || c->idle.set;
	int ver = cg_ver(cg, CG_CPU);
	if (cpu && !ver)
		return err_set(err, 0, "linux.resources.cpu: the cpu controller is not available "
			       "on this host (%s cgroups)", cg_mode_names[cg->mode]);
	char q[32];
	if (c->quota.set && c->quota.v < -1)
		return err_set(err, 0, "linux.resources.cpu.quota: invalid value %" PRId64, c->quota.v);
	if (ver == 1) {
		if (c->shares.set)
			CG_SET(CG_CPU, "cpu.shares", "cpu.shares", 0, "%" PRIu64, c->shares.v);
		/* a new period must be set before a quota that depends on it */
		if (c->period.set && c->period.v)
			CG_SET(CG_CPU, "cpu.cfs_period_us", "cpu.period", 0, "%" PRIu64, c->period.v);
		if (c->quota.set) {
			cg_num(q, sizeof(q), c->quota.v, "-1");
			CG_SET(CG_CPU, "cpu.cfs_quota_us", "cpu.quota", 0, "%s", q);
		}
		if (c->burst.set)
			CG_SET(CG_CPU, "cpu.cfs_burst_us", "cpu.burst", 0, "%" PRIu64, c->burst.v);
		if (c->realtime_period.set && c->realtime_period.v)
			CG_SET(CG_CPU, "cpu.rt_period_us", "cpu.realtimePeriod", 0, "%" PRIu64,
			       c->realtime_period.v);
		if (c->realtime_runtime.set)
			CG_SET(CG_CPU, "cpu.rt_runtime_us", "cpu.realtimeRuntime", 0, "%" PRId64,
			       c->realtime_runtime.v);
	} else if (ver == 2) {
		if (c->shares.set && c->shares.v) {
			uint64_t w = cg_shares_to_weight(c->shares.v);
			if (w > 10000)
				return err_set(err, 0, "linux.resources.cpu.shares: %" PRIu64 " is "
					       "above 262144", c->shares.v);
			CG_SET(CG_CPU, "cpu.weight", "cpu.shares", 0, "%" PRIu64, w);
		}
		if (c->quota.set || (c->period.set && c->period.v)) {
			char buf[64], cur[64];
			if (c->quota.set)
				cg_num(q, sizeof(q), c->quota.v, "max");
			else if (cg_read_at(cg_find(cg, CG_CPU)->dir, "cpu.max", cur, sizeof(cur)) == 0)
				snprintf(q, sizeof(q), "%.*s", (int)strcspn(cur, " "), cur);
			else
				strcpy(q, "max");
			if (c->period.set && c->period.v)
				snprintf(buf, sizeof(buf), "%s %" PRIu64, q, c->period.v);
			else
				snprintf(buf, sizeof(buf), "%s", q);
			CG_SET(CG_CPU, "cpu.max", c->quota.set ? "cpu.quota" : "cpu.period", 0, "%s", buf);
		}
		if (c->burst.set)
			CG_SET(CG_CPU, "cpu.max.burst", "cpu.burst", 0, "%" PRIu64, c->burst.v);
		if ((c->realtime_period.set && c->realtime_period.v) ||
		    (c->realtime_runtime.set && c->realtime_runtime.v))
			return err_set(err, 0, "linux.resources.cpu.realtimeRuntime: real-time "
				       "scheduling limits do not exist on cgroup v2");
	}
	if (c->idle.set)
		CG_SET(CG_CPU, "cpu.idle", "cpu.idle", 0, "%" PRId64, c->idle.v);
	if (c->cpus && *c->cpus)
		CG_SET(CG_CPUSET, "cpuset.cpus", "cpu.cpus", 0, "%s", c->cpus);
	if (c->mems && *c->mems)
		CG_SET(CG_CPUSET, "cpuset.mems", "cpu.mems", 0, "%s", c->mems);
	return 0;
}

/* ---- block I/O ---- */

static int cg_apply_blkio(const struct cgroup *cg, const struct spec_blkio *b, struct ctr_error *err)
{
	int ver = cg_ver(cg, CG_BLKIO);
	bool any = b->weight.set || b->leaf_weight.set || b->n_weight_devices ||
		   b->n_throttle_read_bps || b->n_throttle_write_bps || b->n_throttle_read_iops ||
		   b->n_throttle_write_iops;
	if (!any)
		return 0;
	if (!ver)
		return err_set(err, 0, "linux.resources.blockIO: the %s controller is not "
			       "available on this host (%s cgroups)", "blkio/io", cg_mode_names[cg->mode]);
	const char *dir = cg_find(cg, CG_BLKIO)->dir;
	char probe[64];
	/* v1: blkio.weight (CFQ) else blkio.bfq.weight; v2: io.bfq.weight takes blkio's
	 * scale, else io.weight with conversion */
	const char *wfile = ver == 1 ? "blkio.weight" : "io.bfq.weight";
	bool conv = false;
	if (cg_read_at(dir, wfile, probe, sizeof(probe)) < 0) {
		wfile = ver == 1 ? "blkio.bfq.weight" : "io.weight";
		conv = ver == 2;
	}
	if (b->weight.set && b->weight.v) {
		if (b->weight.v < 10 || b->weight.v > 1000)
			return err_set(err, 0, "linux.resources.blockIO.weight: %u is not in 10..1000",
				       b->weight.v);
		CG_SET(CG_BLKIO, wfile, "blockIO.weight", 0, "%" PRIu64,
		       conv ? cg_blkio_to_io_weight(b->weight.v) : b->weight.v);
	}
	if (ver == 1 && b->leaf_weight.set && b->leaf_weight.v)  /* CFQ only, gone since 5.0 */
		CG_SET(CG_BLKIO, "blkio.leaf_weight", "blockIO.leafWeight", CGW_OPT_FILE, "%u",
		       b->leaf_weight.v);
	char wdfile[32];
	snprintf(wdfile, sizeof(wdfile), "%s%s", wfile, ver == 1 ? "_device" : "");
	for (size_t i = 0; i < b->n_weight_devices; i++) {
		const struct spec_weight_device *w = &b->weight_devices[i];
		if (w->weight.set)
			CG_SET(CG_BLKIO, wdfile, "blockIO.weightDevice", 0, "%" PRId64 ":%" PRId64 " %" PRIu64,
			       w->major, w->minor, conv ? cg_blkio_to_io_weight(w->weight.v) : w->weight.v);
		if (ver == 1 && w->leaf_weight.set)
			CG_SET(CG_BLKIO, "blkio.leaf_weight_device", "blockIO.weightDevice",
			       CGW_OPT_FILE, "%" PRId64 ":%" PRId64 " %u", w->major, w->minor,
			       w->leaf_weight.v);
	}
	static const struct {
		const char *v1, *v2key, *field;
		size_t off_list, off_n;
	} thr[] = {
		{"blkio.throttle.read_bps_device", "rbps", "blockIO.throttleReadBpsDevice",
		 offsetof(struct spec_blkio, throttle_read_bps), offsetof(struct spec_blkio, n_throttle_read_bps)},
		{"blkio.throttle.write_bps_device", "wbps", "blockIO.throttleWriteBpsDevice",
		 offsetof(struct spec_blkio, throttle_write_bps), offsetof(struct spec_blkio, n_throttle_write_bps)},
		{"blkio.throttle.read_iops_device", "riops", "blockIO.throttleReadIOPSDevice",
		 offsetof(struct spec_blkio, throttle_read_iops), offsetof(struct spec_blkio, n_throttle_read_iops)},
		{"blkio.throttle.write_iops_device", "wiops", "blockIO.throttleWriteIOPSDevice",
		 offsetof(struct spec_blkio, throttle_write_iops), offsetof(struct spec_blkio, n_throttle_write_iops)},
	};
	for (size_t k = 0; k < ARRAY_LEN(thr); k++) {
		const struct spec_throttle_device *list =
			*(struct spec_throttle_device *const *)((const char *)b + thr[k].off_list);
		size_t n = *(const size_t *)((const char *)b + thr[k].off_n);
		for (size_t i = 0; i < n; i++) {
			const struct spec_throttle_device *t = &list[i];
			if (ver == 1) {
				CG_SET(CG_BLKIO, thr[k].v1, thr[k].field, 0, "%" PRId64 ":%" PRId64 " %" PRIu64,
				       t->major, t->minor, t->rate);
			} else if (t->rate) {
				CG_SET(CG_BLKIO, "io.max", thr[k].field, 0, "%" PRId64 ":%" PRId64 " %s=%" PRIu64,
				       t->major, t->minor, thr[k].v2key, t->rate);
			} else {
				CG_SET(CG_BLKIO, "io.max", thr[k].field, 0, "%" PRId64 ":%" PRId64 " %s=max",
				       t->major, t->minor, thr[k].v2key);
			}
		}
	}
	return 0;
}

/* ---- hugetlb, network, rdma, unified ---- */

static int cg_apply_misc(const struct cgroup *cg, const struct spec_resources *r,
			 struct ctr_error *err)
{
	char file[96], field[64];
	for (size_t i = 0; i < r->n_hugepages; i++) {
		const char *ps = r->hugepages[i].page_size;
		size_t nd = ps ? strspn(ps, "0123456789") : 0;
		snprintf(field, sizeof(field), "hugepageLimits[%zu].pageSize", i);
		if (!nd || !strchr("KMGT", ps[nd]) || strcmp(ps + nd + 1, "B"))
			return err_set(err, 0, "linux.resources.%s: \"%s\" is not a page size like "
				       "\"2MB\"", field, ps ? ps : "");
		int ver = cg_ver(cg, CG_HUGETLB);
		snprintf(file, sizeof(file), "hugetlb.%s.%s", ps, ver == 2 ? "max" : "limit_in_bytes");
		snprintf(field, sizeof(field), "hugepageLimits[%zu]", i);
		if (cg_set(cg, CG_HUGETLB, file, 0, "%" PRIu64, r->hugepages[i].limit) < 0) {
			if (errno == ENOENT)
				return err_set(err, 0, "linux.resources.hugepageLimits[%zu].pageSize: "
					       "%s: this host has no such huge page size", i, ps);
			return cg_set_err(cg, CG_HUGETLB, file, field, err);
		}
	}
	/* net_cls / net_prio are v1 only; runc skips them when missing */
	if (r->has_network && r->net_class_id.set)
		CG_SET(CG_NET_CLS, "net_cls.classid", "network.classID", CGW_OPT_CTL, "%u",
		       r->net_class_id.v);
	for (size_t i = 0; r->has_network && i < r->n_net_priorities; i++)
		CG_SET(CG_NET_PRIO, "net_prio.ifpriomap", "network.priorities", CGW_OPT_CTL,
		       "%s %u", r->net_priorities[i].name, r->net_priorities[i].priority);
	for (size_t i = 0; i < r->n_rdma; i++) {
		const struct spec_rdma *d = &r->rdma[i];
		char h[32] = "", o[32] = "";
		if (d->hca_handles.set)
			snprintf(h, sizeof(h), " hca_handle=%u", d->hca_handles.v);
		if (d->hca_objects.set)
			snprintf(o, sizeof(o), " hca_object=%u", d->hca_objects.v);
		if (*h || *o)
			CG_SET(CG_RDMA, "rdma.max", "rdma", 0, "%s%s%s", d->device, h, o);
	}
	if (r->n_unified) {
		const struct cg_dir *v2 = cg_v2dir(cg);
		if (!v2)
			return err_set(err, 0, "linux.resources.unified: this host has no cgroup v2 "
				       "hierarchy (%s cgroups)", cg_mode_names[cg->mode]);
		for (size_t i = 0; i < r->n_unified; i++) {
			const char *k = r->unified[i].key;
			if (!*k || strchr(k, '/') || !strcmp(k, ".."))
				return err_set(err, 0, "linux.resources.unified: \"%s\" is not a cgroup "
					       "file name", k);
			if (cg_write_at(v2->dir, k, r->unified[i].value) < 0)
				return err_set(err, errno == ENOENT ? 0 : errno, "linux.resources.unified."
					       "%s: %s %s/%s", k, errno == ENOENT ? "no such file" :
					       "write", v2->dir, k);
		}
	}
	return 0;
}

/* ---- devices: v1 allow/deny lists, v2 eBPF ---- */

static void cg_close_pair(int (*fd)[2])
{
	for (int k = 0; k < 2; k++)
		if ((*fd)[k] >= 0)
			close((*fd)[k]);
}
#define AUTO_CLOSE_PAIR __attribute__((cleanup(cg_close_pair)))

/* runc's default allowed devices, appended after the config's rules. */
static const struct spec_device_rule cg_default_rules[] = {
	{true, 'c', {false, 0}, {false, 0}, "m"},
	{true, 'b', {false, 0}, {false, 0}, "m"},
	{true, 'c', {true, 1}, {true, 3}, "rwm"},      /* null */
	{true, 'c', {true, 1}, {true, 8}, "rwm"},      /* random */
	{true, 'c', {true, 1}, {true, 7}, "rwm"},      /* full */
	{true, 'c', {true, 5}, {true, 0}, "rwm"},      /* tty */
	{true, 'c', {true, 1}, {true, 5}, "rwm"},      /* zero */
	{true, 'c', {true, 1}, {true, 9}, "rwm"},      /* urandom */
	{true, 'c', {true, 136}, {false, 0}, "rwm"},   /* /dev/pts/N */
	{true, 'c', {true, 5}, {true, 2}, "rwm"},      /* ptmx */
	{true, 'c', {true, 10}, {true, 200}, "rwm"},   /* net/tun */
};

/* Every rule in effect: the config's, runc's defaults, then linux.devices (the runtime
 * creates those nodes, so they must work). Deny-all first is implied. */
static int cg_rules(const struct spec *s, struct spec_device_rule **out, size_t *n,
		    struct ctr_error *err)
{
	const struct spec_resources *r = &s->lx.resources;
	size_t nr = s->lx.has_resources ? r->n_devices : 0;
	size_t total = nr + ARRAY_LEN(cg_default_rules) + s->lx.n_devices;
	struct spec_device_rule *v = mem_array(total, sizeof(*v), err);
	if (!v)
		return -1;
	size_t k = 0;
	for (size_t i = 0; i < nr; i++)
		v[k++] = r->devices[i];
	for (size_t i = 0; i < ARRAY_LEN(cg_default_rules); i++)
		v[k++] = cg_default_rules[i];
	for (size_t i = 0; i < s->lx.n_devices; i++) {
		const struct spec_device *d = &s->lx.devices[i];
		if (d->type == 'p')
			continue;    /* FIFOs are not device-controlled */
		v[k++] = (struct spec_device_rule){true, d->type == 'u' ? 'c' : d->type,
			{true, d->major}, {true, d->minor}, "rwm"};
	}
	*out = v;
	*n = k;
	return 0;
}

/* access string to bits: m=1 r=2 w=4 (the kernel's BPF_DEVCG_ACC_*); -1 if bad. */
static int cg_access_bits(const char *a)
{
	int bits = 0;
	for (a = a ? a : "rwm"; *a; a++) {
		const char *p = strchr("mrw", *a);
		if (!p)
			return -1;
		bits |= 1 << (p - "mrw");
	}
	return bits ? bits : 7;
}

static int cg_check_rule(const struct spec_device_rule *d, size_t i, struct ctr_error *err)
{
	if (!strchr("acb", d->type) || !d->type)
		return err_set(err, 0, "linux.resources.devices[%zu].type: \"%c\" is not a, c or b",
			       i, d->type);
	if (cg_access_bits(d->access) < 0)
		return err_set(err, 0, "linux.resources.devices[%zu].access: \"%s\" is not a "
			       "subset of \"rwm\"", i, d->access);
	if ((d->major.set && (d->major.v < -1 || d->major.v > UINT32_MAX)) ||
	    (d->minor.set && (d->minor.v < -1 || d->minor.v > UINT32_MAX)))
		return err_set(err, 0, "linux.resources.devices[%zu]: device number out of range", i);
	return 0;
}

static void cg_rule_text(const struct spec_device_rule *d, char *buf, size_t size)
{
	char maj[24] = "*", min[24] = "*";
	if (d->major.set && d->major.v >= 0)
		snprintf(maj, sizeof(maj), "%" PRId64, d->major.v);
	if (d->minor.set && d->minor.v >= 0)
		snprintf(min, sizeof(min), "%" PRId64, d->minor.v);
	if (d->type == 'a')
		snprintf(buf, size, "a");
	else
		snprintf(buf, size, "%c %s:%s %s", d->type, maj, min, d->access ? d->access : "rwm");
}

/* eBPF, just what a BPF_PROG_TYPE_CGROUP_DEVICE program needs. */
struct cg_insn {
	uint8_t code;
	uint8_t regs;                /* dst_reg:4, src_reg:4 bitfields: see CG_REGS */
	int16_t off;
	int32_t imm;
};
/* The kernel declares the registers as bitfields (dst_reg:4, src_reg:4), which the
 * compiler packs low-first on little-endian and high-first on big-endian machines. */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define CG_REGS(d, s) ((uint8_t)((d) << 4 | (s)))
#else
#define CG_REGS(d, s) ((uint8_t)((d) | (s) << 4))
#endif
#define CG_BPF_LDXW 0x61             /* dst = *(u32 *)(src + off) */
#define CG_BPF_AND 0x57              /* dst &= imm */
#define CG_BPF_RSH 0x77              /* dst >>= imm */
#define CG_BPF_MOV 0xb7              /* dst = imm */
#define CG_BPF_JA 0x05               /* pc += off */
#define CG_BPF_JNE 0x55              /* if dst != imm: pc += off */
#define CG_BPF_JSET 0x45             /* if dst & imm: pc += off */
#define CG_BPF_EXIT 0x95

/* Compile rules (deny-all first, last match wins) into a program: r2 = device type
 * (1 block, 2 char), r3 = access bits, r4 = major, r5 = minor. An allow rule matches
 * when all asked access is in it, a deny rule when any is. Rules are tested last to
 * first; the first match returns. Returns the instruction count (0 when out of room). */
static size_t cg_bpf_gen(const struct spec_device_rule *rules, size_t n, struct cg_insn *p,
			 size_t cap)
{
	size_t k = 0;
#define EMIT(c, d, s, o, i) do { if (k == cap) return 0; \
		p[k++] = (struct cg_insn){(c), CG_REGS(d, s), (int16_t)(o), (int32_t)(i)}; } while (0)
	EMIT(CG_BPF_LDXW, 2, 1, 0, 0);
	EMIT(CG_BPF_AND, 2, 0, 0, 0xffff);
	EMIT(CG_BPF_LDXW, 3, 1, 0, 0);
	EMIT(CG_BPF_RSH, 3, 0, 0, 16);
	EMIT(CG_BPF_LDXW, 4, 1, 4, 0);
	EMIT(CG_BPF_LDXW, 5, 1, 8, 0);
	for (size_t i = n; i-- > 0;) {
		const struct spec_device_rule *d = &rules[i];
		int acc = cg_access_bits(d->access);
		size_t start = k;
		if (d->type != 'a')
			EMIT(CG_BPF_JNE, 2, 0, -1, d->type == 'b' ? 1 : 2);
		if (d->type != 'a' && d->allow && acc != 7) {
			EMIT(CG_BPF_JSET, 3, 0, -1, ~acc & 7);
		} else if (d->type != 'a' && !d->allow && acc != 7) {
			EMIT(CG_BPF_JSET, 3, 0, 1, acc);
			EMIT(CG_BPF_JA, 0, 0, -1, 0);
		}
		if (d->type != 'a' && d->major.set && d->major.v >= 0)
			EMIT(CG_BPF_JNE, 4, 0, -1, (int32_t)d->major.v);
		if (d->type != 'a' && d->minor.set && d->minor.v >= 0)
			EMIT(CG_BPF_JNE, 5, 0, -1, (int32_t)d->minor.v);
		EMIT(CG_BPF_MOV, 0, 0, 0, d->allow);
		EMIT(CG_BPF_EXIT, 0, 0, 0, 0);
		for (size_t j = start; j < k; j++)     /* -1: to the next rule's block */
			if (p[j].off == -1)
				p[j].off = (int16_t)(k - j - 1);
		if (k - start == 2)
			return k;        /* unconditional: earlier rules are unreachable */
	}
	EMIT(CG_BPF_MOV, 0, 0, 0, 0);
	EMIT(CG_BPF_EXIT, 0, 0, 0, 0);
#undef EMIT
	return k;
}

#ifndef SYS_bpf
#define SYS_bpf __NR_bpf
#endif

/* Load the program and attach it to the v2 cgroup directory (BPF_F_ALLOW_MULTI, so
 * programs of parent cgroups keep applying too). */
static int cg_bpf_attach(const char *dir, const struct cg_insn *prog, size_t n,
			 struct ctr_error *err)
{
	union {
		struct {
			uint32_t prog_type, insn_cnt;
			uint64_t insns, license;
			uint32_t log_level, log_size;
			uint64_t log_buf;
		} load;
		struct {
			uint32_t target_fd, attach_bpf_fd, attach_type, attach_flags;
		} attach;
		char pad[128];
	} attr;
	memset(&attr, 0, sizeof(attr));
	attr.load.prog_type = 15;    /* BPF_PROG_TYPE_CGROUP_DEVICE */
	attr.load.insn_cnt = (uint32_t)n;
	attr.load.insns = (uint64_t)(uintptr_t)prog;
	attr.load.license = (uint64_t)(uintptr_t)"Apache-2.0";
	int pfd AUTO_CLOSE = (int)syscall(SYS_bpf, 5 /* BPF_PROG_LOAD */, &attr, sizeof(attr));
	if (pfd < 0)
		return err_set(err, errno, "linux.resources.devices: load the cgroup v2 device "
			       "filter (bpf BPF_PROG_LOAD, %zu instructions)", n);
	int dfd AUTO_CLOSE = openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set(err, errno, "open %s", dir);
	memset(&attr, 0, sizeof(attr));
	attr.attach.target_fd = (uint32_t)dfd;
	attr.attach.attach_bpf_fd = (uint32_t)pfd;
	attr.attach.attach_type = 6; /* BPF_CGROUP_DEVICE */
	attr.attach.attach_flags = 2;/* BPF_F_ALLOW_MULTI */
	if (syscall(SYS_bpf, 8 /* BPF_PROG_ATTACH */, &attr, sizeof(attr)) < 0)
		return err_set(err, errno, "linux.resources.devices: attach the device filter to %s", dir);
	return 0;
}

static int cg_apply_devices(const struct cgroup *cg, const struct spec *s, struct ctr_error *err)
{
	const struct cg_dir *v1 = cg_find(cg, CG_DEVICES), *v2 = cg_v2dir(cg);
	if (!v1 && (!v2 || cg->mode != CG_MODE_V2))
		return 0;            /* no cgroups: nothing can enforce device rules */
	struct spec_device_rule *rules AUTO_FREE = NULL;
	size_t n;
	if (cg_rules(s, &rules, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (cg_check_rule(&rules[i], i, err) < 0)
			return -1;
	if (v1) {
		/* one open per file: each write() is one rule */
		static const char *const f[2] = {"devices.deny", "devices.allow"};
		int fd[2] AUTO_CLOSE_PAIR = {-1, -1};
		for (int k = 0; k < 2; k++) {
			char p[PATH_MAX];
			snprintf(p, sizeof(p), "%s/%s", v1->dir, f[k]);
			if ((fd[k] = openat(AT_FDCWD, p, O_WRONLY | O_CLOEXEC)) < 0)
				return err_set(err, errno, "linux.resources.devices: open %s", p);
		}
		for (size_t i = 0; i <= n; i++) {
			char line[80] = "a";
			int k = i ? rules[i - 1].allow : 0;
			if (i)
				cg_rule_text(&rules[i - 1], line, sizeof(line));
			if (write(fd[k], line, strlen(line)) < 0)
				return err_set(err, errno, "linux.resources.devices: write \"%s\" to "
					       "%s/%s", line, v1->dir, f[k]);
		}
		return 0;
	}
	size_t cap = 8 + n * 8;
	struct cg_insn *prog AUTO_FREE = mem_array(cap, sizeof(*prog), err);
	if (!prog)
		return -1;
	size_t len = cg_bpf_gen(rules, n, prog, cap);
	return cg_bpf_attach(v2->dir, prog, len, err);
}

/* Field name of the first resource the config asks for (NULL: none). */
static const char *cg_first_resource(const struct spec_resources *r)
{
	const struct spec_memory *m = &r->memory;
	const struct spec_cpu *c = &r->cpu;
	const struct spec_blkio *b = &r->blkio;
	if (m->limit.set || m->reservation.set || m->swap.set || m->kernel.set ||
	    m->kernel_tcp.set || m->swappiness.set || m->disable_oom_killer.set)
		return "memory";
	if (c->shares.set || c->quota.set || c->period.set || c->burst.set || c->idle.set ||
	    c->realtime_period.set || c->realtime_runtime.set || (c->cpus && *c->cpus) ||
	    (c->mems && *c->mems))
		return "cpu";
	if (r->has_pids && r->pids_limit.set)
		return "pids";
	if (b->weight.set || b->leaf_weight.set || b->n_weight_devices || b->n_throttle_read_bps ||
	    b->n_throttle_write_bps || b->n_throttle_read_iops || b->n_throttle_write_iops)
		return "blockIO";
	if (r->n_hugepages)
		return "hugepageLimits";
	if (r->n_rdma)
		return "rdma";
	if (r->n_unified)
		return "unified";
	return NULL;
}

/* All of linux.resources but devices (create adds those; update leaves them). */
static int cg_apply(const struct cgroup *cg, const struct spec_resources *r, bool update,
		    struct ctr_error *err)
{
	if (cg->mode == CG_MODE_NONE) {
		const char *f = cg_first_resource(r);
		if (f)
			return err_set(err, 0, "linux.resources.%s: this host has no cgroup "
				       "filesystem mounted, so no resource limit can be set", f);
		return 0;
	}
	if (cg_apply_memory(cg, &r->memory, update, err) < 0 || cg_apply_cpu(cg, &r->cpu, err) < 0 ||
	    cg_apply_blkio(cg, &r->blkio, err) < 0)
		return -1;
	if (r->has_pids && r->pids_limit.set) {
		char v[32];
		cg_num(v, sizeof(v), r->pids_limit.v > 0 ? r->pids_limit.v : -1, "max");
		CG_SET(CG_PIDS, "pids.max", "pids.limit", 0, "%s", v);
	}
	return cg_apply_misc(cg, r, err);
}

/* ---- create, enter, destroy ---- */

static void cgroup_free(struct cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n; i++)
		free(cg->d[i].dir);
	free(cg->path);
	free(cg->res_json);
	free(cg);
}

/* Read mountinfo and our own cgroups once; fills h (pointing into *mi) and *selfcg. */
static int cg_host_read(struct cg_host *h, char **mi, char **selfcg, struct ctr_error *err)
{
	h->n = 0;
	if (read_file("/proc/self/mountinfo", 4 << 20, mi, NULL, err) < 0)
		return err_prefix(err, "finding cgroup mounts");
	cg_parse_mountinfo(*mi, h);
	if (read_file("/proc/self/cgroup", 1 << 20, selfcg, NULL, err) < 0) {
		*selfcg = NULL;      /* only relative paths need it */
	}
	return 0;
}

/* v1 cpuset: a new cgroup starts with empty cpus/mems, which forbids tasks; copy the
 * parent's. */
static int cg_cpuset_init(const char *dir, struct ctr_error *err)
{
	char parent[PATH_MAX], v[1024];
	snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(dir, '/') - dir), dir);
	for (int k = 0; k < 2; k++) {
		const char *f = k ? "cpuset.mems" : "cpuset.cpus";
		if (cg_read_at(parent, f, v, sizeof(v)) < 0 || cg_write_at(dir, f, v) < 0)
			return err_set(err, errno, "initialise %s/%s", dir, f);
	}
	return 0;
}

/* mkdir each missing level of dir below the hierarchy mount. */
static int cg_mkdirs(const char *mnt, const char *dir, bool cpuset, bool *made,
		     struct ctr_error *err)
{
	*made = false;
	/* usually only the leaf is missing: try it first */
	if (mkdir(dir, 0755) == 0) {
		*made = true;
		return cpuset ? cg_cpuset_init(dir, err) : 0;
	}
	if (errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return err_set(err, errno, "mkdir %s", dir);
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + strlen(mnt) + 1; ; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;
		*p = 0;
		if (mkdir(buf, 0755) == 0) {
			*made = !c;
			if (cpuset && cg_cpuset_init(buf, err) < 0)
				return -1;
		} else if (errno != EEXIST) {
			return err_set(err, errno, "mkdir %s", buf);
		}
		*p = c;
		if (!c)
			return 0;
	}
}

/* cgroup2: enable the controllers we use in every ancestor's subtree_control, then
 * note what the leaf has. */
static uint32_t cg_v2_enable(const char *mnt, const char *dir)
{
	char buf[PATH_MAX], have[512];
	snprintf(buf, sizeof(buf), "%s", dir);
	uint32_t got = 0;
	for (char *p = buf + strlen(mnt); ; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;
		*p = 0;
		const char *d = p == buf + strlen(mnt) ? mnt : buf;
		if (!c) {
			if (cg_read_at(d, "cgroup.controllers", have, sizeof(have)) == 0)
				got = cg_mask_of(have, cg_v2_names, ' ');
			return got;
		}
		if (cg_read_at(d, "cgroup.controllers", have, sizeof(have)) == 0 && *have) {
			char want[600] = "", *w = want, *save;
			for (char *t = strtok_r(have, " ", &save); t; t = strtok_r(NULL, " ", &save))
				w += snprintf(w, sizeof(want) - (size_t)(w - want), "%s+%s",
					      w == want ? "" : " ", t);
			char on[512];
			if (cg_read_at(d, "cgroup.subtree_control", on, sizeof(on)) < 0 ||
			    cg_mask_of(on, cg_v2_names, ' ') != cg_mask_of(have, cg_v2_names, ' '))
				if (cg_write_at(d, "cgroup.subtree_control", want) < 0)
					/* e.g. one controller refused: enable those that work */
					for (char *t = strtok_r(want, " ", &save); t; t = strtok_r(NULL, " ", &save))
						cg_write_at(d, "cgroup.subtree_control", t);
		}
		*p = c;
	}
}

static int cg_remove_tree(const char *dir, int patience);

static int cgroup_create(const struct spec *s, const char *id, struct cgroup **out,
			 struct ctr_error *err)
{
	char path[PATH_MAX];
	if (cg_path_clean(s->has_linux ? s->lx.cgroups_path : NULL, id, path, sizeof(path), err) < 0)
		return -1;
	struct cg_host h;
	char *mi AUTO_FREE = NULL, *selfcg AUTO_FREE = NULL;
	if (cg_host_read(&h, &mi, &selfcg, err) < 0)
		return -1;
	struct cgroup *cg = mem_alloc(sizeof(*cg), err);
	if (!cg)
		return -1;
	cg->mode = cg_mode_of(&h);
	if (!(cg->path = mem_strdup(path, err))) {
		cgroup_free(cg);
		return -1;
	}
	static const struct spec_resources no_res;
	const struct spec_resources *r = s->has_linux && s->lx.has_resources ? &s->lx.resources : &no_res;
	if (cg->mode == CG_MODE_NONE) {
		if (cg_apply(cg, r, false, err) < 0) {
			cgroup_free(cg);
			return -1;
		}
		*out = cg;
		return 0;
	}
	uint32_t v1ctls = 0;
	for (size_t i = 0; i < h.n; i++)
		v1ctls |= h.m[i].v2 ? 0 : h.m[i].ctls;
	for (size_t i = 0; i < h.n; i++) {
		const struct cg_mount *m = &h.m[i];
		char base[PATH_MAX] = "", dir[PATH_MAX];
		if (path[0] != '/' && (!selfcg || cg_own_path(selfcg, m, base, sizeof(base)) < 0)) {
			err_set(err, 0, "linux.cgroupsPath: \"%s\" is relative, but ctr's own cgroup "
				"in %s is unknown", path, m->mnt);
			goto fail;
		}
		if (!strcmp(base, "/"))
			base[0] = 0;
		if (snprintf(dir, sizeof(dir), "%s%s%s%s", m->mnt, base, path[0] == '/' ? "" : "/",
			     path) >= (int)sizeof(dir)) {
			err_set(err, ENAMETOOLONG, "cgroup directory for %s", path);
			goto fail;
		}
		struct cg_dir *d = &cg->d[cg->n];
		if (!(d->dir = mem_strdup(dir, err)))
			goto fail;
		cg->n++;
		d->v2 = m->v2;
		if (cg_mkdirs(m->mnt, dir, !m->v2 && (m->ctls & (1u << CG_CPUSET)), &d->made, err) < 0)
			goto fail;
		char procs[16];
		/* like runc: never join (and later kill) processes of another container */
		if (!d->made && cg_read_at(dir, "cgroup.procs", procs, sizeof(procs)) == 0 && *procs) {
			err_set(err, EBUSY, "linux.cgroupsPath: cgroup %s already has processes", dir);
			goto fail;
		}
		/* a controller on both v1 and v2 stays with v1 (it cannot be on both) */
		d->ctls = m->v2 ? cg_v2_enable(m->mnt, dir) & ~v1ctls : m->ctls;
	}
	if (cg_apply(cg, r, false, err) < 0 || (s->has_linux && cg_apply_devices(cg, s, err) < 0))
		goto fail;
	*out = cg;
	return 0;
fail:
	for (size_t i = 0; i < cg->n; i++)
		if (cg->d[i].made)
			cg_remove_tree(cg->d[i].dir, 0);
	cgroup_free(cg);
	return -1;
}

static int cgroup_enter(const struct cgroup *cg, pid_t pid, struct ctr_error *err)
{
	char v[24];
	snprintf(v, sizeof(v), "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++)
		if (cg_write_at(cg->d[i].dir, "cgroup.procs", v) < 0)
			return err_set(err, errno, "move pid %s into cgroup %s", v, cg->d[i].dir);
	return 0;
}

/* Pure v2 only (on hybrid hosts the v1 hierarchies need cgroup_enter anyway). Kept for
 * callers that start the init with clone3(CLONE_INTO_CGROUP), hence UNUSED-safe. */
UNUSED static int cgroup_v2_fd(const struct cgroup *cg)
{
	if (!cg || cg->mode != CG_MODE_V2 || !cg->n)
		return -1;
	return openat(AT_FDCWD, cg->d[0].dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* rmdir dir and any sub-cgroups (nested containers), deepest first. Retries up to
 * `patience` times (~10 ms each): a just-killed task may still be leaving. */
static int cg_remove_tree(const char *dir, int patience)
{
	DIR *dp = opendir(dir);
	if (dp) {
		struct dirent *e;
		while ((e = readdir(dp))) {
			if (e->d_type != DT_DIR || e->d_name[0] == '.')
				continue;
			char sub[PATH_MAX];
			if (snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name) < (int)sizeof(sub))
				cg_remove_tree(sub, patience);
		}
		closedir(dp);
	}
	for (int tries = 0; ; tries++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || tries >= patience)
			return -1;
		cg_sleep_ms(tries < 20 ? 1 : 10);
	}
}

static int cgroup_destroy(struct cgroup *cg, bool kill_remaining, struct ctr_error *err)
{
	if (!cg)
		return 0;
	int rc = 0;
	if (kill_remaining && cg->n)
		cgroup_kill_all(cg, SIGKILL, NULL);
	for (size_t i = 0; i < cg->n; i++)
		if (cg_remove_tree(cg->d[i].dir, kill_remaining ? 200 : 20) < 0 && rc == 0)
			rc = err_set(err, errno, "remove cgroup %s", cg->d[i].dir);
	cgroup_free(cg);
	return rc;
}

/* ---- state record: {"mode":"v1","path":"/ctr/x","dirs":[{"dir":..,"ctls":N,"v2":b}],
 * "resources":{..}} ---- */

static void cgroup_state_write(const struct cgroup *cg, struct jw *w)
{
	jw_obj_begin(w);
	jw_key(w, "mode");
	jw_str(w, cg_mode_names[cg->mode]);
	jw_key(w, "path");
	jw_str(w, cg->path ? cg->path : "");
	jw_key(w, "dirs");
	jw_arr_begin(w);
	for (size_t i = 0; i < cg->n; i++) {
		jw_obj_begin(w);
		jw_key(w, "dir");
		jw_str(w, cg->d[i].dir);
		jw_key(w, "ctls");
		jw_uint(w, cg->d[i].ctls);
		jw_key(w, "v2");
		jw_bool(w, cg->d[i].v2);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	if (cg->res_json) {
		jw_key(w, "resources");
		jw_raw(w, cg->res_json, strlen(cg->res_json));
	}
	jw_obj_end(w);
}

/* Re-encode a parsed value compactly (for the stored resources). */
static char *cg_json_text(const struct json *v)
{
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, NULL);
	jw_value(&w, v);
	char *out = NULL;
	return sbuf_take(&sb, &out, NULL) < 0 ? NULL : out;
}

static int cgroup_state_read(const char *json_text, struct cgroup **out, struct ctr_error *err)
{
	struct json_doc *doc = NULL;
	if (json_parse(json_text, strlen(json_text), "state.json cgroup", NULL, &doc, err) < 0)
		return -1;
	const struct json *root = json_root(doc), *v;
	struct cgroup *cg = mem_alloc(sizeof(*cg), err);
	if (!cg)
		goto fail;
	v = json_get(root, "mode");
	for (int i = 0; v && v->type == JSON_STRING && i < 4; i++)
		if (!strcmp(v->s, cg_mode_names[i]))
			cg->mode = i;
	v = json_get(root, "path");
	if (!(cg->path = mem_strdup(v && v->type == JSON_STRING ? v->s : "", err)))
		goto fail;
	v = json_get(root, "dirs");
	for (size_t i = 0; v && v->type == JSON_ARRAY && i < v->n && i < CG_MAX_HIER; i++) {
		const struct json *d = json_get(&v->items[i], "dir"), *c = json_get(&v->items[i], "ctls"),
				  *b = json_get(&v->items[i], "v2");
		if (!d || d->type != JSON_STRING || !c || c->type != JSON_NUMBER) {
			err_set(err, 0, "state.json: cgroup.dirs[%zu]: malformed", i);
			goto fail;
		}
		if (!(cg->d[i].dir = mem_strdup(d->s, err)))
			goto fail;
		cg->d[i].ctls = (uint32_t)c->u;
		cg->d[i].v2 = b && b->type == JSON_BOOL && b->b;
		cg->n++;
	}
	v = json_get(root, "resources");
	if (v && v->type == JSON_OBJECT && !(cg->res_json = cg_json_text(v))) {
		err_nomem(err);
		goto fail;
	}
	json_free(doc);
	*out = cg;
	return 0;
fail:
	json_free(doc);
	cgroup_free(cg);
	return -1;
}

/* ---- freezer ---- */

static int cg_no_cgroup(const struct cgroup *cg, const char *what, struct ctr_error *err)
{
	(void)cg;
	return err_set(err, EOPNOTSUPP, "cannot %s: the container has no cgroup (no cgroup "
		       "filesystem was mounted when it was created)", what);
}

static int cgroup_is_frozen(const struct cgroup *cg, bool *frozen, struct ctr_error *err)
{
	char buf[512];
	*frozen = false;
	const struct cg_dir *d = cg_find(cg, CG_FREEZER);
	if (d) {
		if (cg_read_at(d->dir, "freezer.state", buf, sizeof(buf)) < 0)
			return err_set(err, errno, "read %s/freezer.state", d->dir);
		*frozen = !strcmp(buf, "FROZEN");
		return 0;
	}
	if (!(d = cg_v2dir(cg)))
		return cg->mode == CG_MODE_NONE ? 0 : err_set(err, 0, "no freezer on this host");
	if (cg_read_at(d->dir, "cgroup.events", buf, sizeof(buf)) < 0)
		return err_set(err, errno, "read %s/cgroup.events", d->dir);
	*frozen = cg_key(buf, "frozen") == 1;
	return 0;
}

/* Freeze or thaw and wait until the kernel says it is done (bounded: ~10 s). */
static int cgroup_freeze(const struct cgroup *cg, bool frozen, struct ctr_error *err)
{
	const char *what = frozen ? "pause" : "resume";
	if (cg->mode == CG_MODE_NONE)
		return cg_no_cgroup(cg, what, err);
	const struct cg_dir *d = cg_find(cg, CG_FREEZER);
	bool v1 = d != NULL;
	if (!d && !(d = cg_v2dir(cg)))
		return err_set(err, EOPNOTSUPP, "cannot %s: no freezer cgroup on this host", what);
	const char *file = v1 ? "freezer.state" : "cgroup.freeze";
	const char *val = v1 ? (frozen ? "FROZEN" : "THAWED") : (frozen ? "1" : "0");
	for (int tries = 0; ; tries++) {
		/* v1 may stay FREEZING when a task is stuck: writing FROZEN again retries */
		if ((tries == 0 || (v1 && tries % 50 == 0)) && cg_write_at(d->dir, file, val) < 0)
			return err_set(err, errno, "%s: write %s to %s/%s", what, val, d->dir, file);
		bool now;
		if (cgroup_is_frozen(cg, &now, err) < 0)
			return -1;
		if (now == frozen)
			return 0;
		if (tries == 1000) {
			if (frozen)
				cg_write_at(d->dir, file, v1 ? "THAWED" : "0");
			return err_set(err, ETIMEDOUT, "%s: %s/%s did not become %s", what, d->dir,
				       file, val);
		}
		cg_sleep_ms(tries < 10 ? 1 : 10);
	}
}

/* ---- processes ---- */

static int cg_pids_walk(const char *dir, struct sbuf *sb, int depth)
{
	char *text = NULL;
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	if (read_file(p, 64 << 20, &text, NULL, NULL) < 0)
		return -1;
	for (char *t = text; *t;) {
		long v = strtol(t, &t, 10);
		if (v > 0) {
			pid_t pid = (pid_t)v;
			sbuf_add(sb, &pid, sizeof(pid));
		}
		while (*t == '\n' || *t == ' ')
			t++;
		if (*t && (*t < '0' || *t > '9'))
			break;
	}
	free(text);
	DIR *dp = depth < 32 ? opendir(dir) : NULL;
	if (dp) {
		struct dirent *e;
		while ((e = readdir(dp))) {
			if (e->d_type != DT_DIR || e->d_name[0] == '.')
				continue;
			char sub[PATH_MAX];
			if (snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name) < (int)sizeof(sub))
				cg_pids_walk(sub, sb, depth + 1);
		}
		closedir(dp);
	}
	return 0;
}

static int cgroup_pids(const struct cgroup *cg, pid_t **pids, size_t *count, struct ctr_error *err)
{
	*pids = NULL;
	*count = 0;
	if (!cg->n)
		return cg_no_cgroup(cg, "list processes", err);
	/* any hierarchy has them all; prefer a v1 one on hybrid (v2 dirs exist too) */
	const struct cg_dir *d = &cg->d[0];
	struct sbuf sb = {0};
	if (cg_pids_walk(d->dir, &sb, 0) < 0) {
		int e = errno;
		sbuf_release(&sb);
		return err_set(err, e, "read %s/cgroup.procs", d->dir);
	}
	size_t n = sb.len / sizeof(pid_t);
	char *buf;
	if (sbuf_take(&sb, &buf, err) < 0)
		return -1;
	*pids = (pid_t *)(void *)buf;
	*count = n;
	return 0;
}

/* Signal every process: freeze first so none can fork away (runc does the same), and
 * use cgroup.kill for SIGKILL on v2. */
static int cgroup_kill_all(const struct cgroup *cg, int sig, struct ctr_error *err)
{
	const struct cg_dir *v2 = cg_v2dir(cg);
	if (sig == SIGKILL && v2 && cg->mode == CG_MODE_V2 && cg_write_at(v2->dir, "cgroup.kill", "1") == 0)
		return 0;
	/* leave a paused container paused, unless it must thaw to die */
	bool was = false, froze = cg->mode != CG_MODE_NONE &&
		cgroup_is_frozen(cg, &was, NULL) == 0 && (was || cgroup_freeze(cg, true, NULL) == 0);
	pid_t *pids = NULL;
	size_t n = 0;
	int rc = cgroup_pids(cg, &pids, &n, err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			rc = err_set(err, errno, "kill %d", (int)pids[i]);
	free(pids);
	if (froze && (!was || sig == SIGKILL))
		cgroup_freeze(cg, false, NULL);
	if (sig == SIGKILL && v2 && cg->mode == CG_MODE_HYBRID)
		cg_write_at(v2->dir, "cgroup.kill", "1");
	return rc;
}

static int cgroup_update(struct cgroup *cg, const struct spec_resources *r, struct ctr_error *err)
{
	if (cg->mode == CG_MODE_NONE && !cg_first_resource(r))
		return cg_no_cgroup(cg, "update", err);
	return cg_apply(cg, r, true, err);
}

/* ---- stats: runc's "data" object of a stats event ---- */

static void cg_jnz(struct jw *w, const char *key, uint64_t v)
{
	if (v) {
		jw_key(w, key);
		jw_uint(w, v);
	}
}

static void cg_jkv(struct jw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	jw_uint(w, v);
}

/* {"limit":..,"usage":..,"max":..,"failcnt":..} from a v1 memory file prefix. */
static void cg_mem_entry(struct jw *w, const char *key, const char *dir, const char *pfx)
{
	char f[64];
	jw_key(w, key);
	jw_obj_begin(w);
	snprintf(f, sizeof(f), "%slimit_in_bytes", pfx);
	cg_jkv(w, "limit", cg_read_u64(dir, f));
	snprintf(f, sizeof(f), "%susage_in_bytes", pfx);
	cg_jnz(w, "usage", cg_read_u64(dir, f));
	snprintf(f, sizeof(f), "%smax_usage_in_bytes", pfx);
	cg_jnz(w, "max", cg_read_u64(dir, f));
	snprintf(f, sizeof(f), "%sfailcnt", pfx);
	cg_jkv(w, "failcnt", cg_read_u64(dir, f));
	jw_obj_end(w);
}

/* Every "key N" line as a JSON member. */
static void cg_raw(struct jw *w, const char *text)
{
	for (const char *l = text; l && *l;) {
		const char *sp = strchr(l, ' '), *nl = strchr(l, '\n');
		if (sp && (!nl || sp < nl)) {
			char key[64];
			snprintf(key, sizeof(key), "%.*s", (int)(sp - l), l);
			cg_jkv(w, key, strtoull(sp + 1, NULL, 10));
		}
		l = nl ? nl + 1 : NULL;
	}
}

/* "MAJ:MIN" at the start of l (what sscanf("%u:%u") took; scanf costs ~4 KB of libc). */
static const char *cg_majmin(const char *l, unsigned *maj, unsigned *min)
{
	char *e;
	if ((unsigned)(*l - '0') > 9)
		return NULL;
	*maj = strtoul(l, &e, 10);
	if (*e != ':' || (unsigned)(e[1] - '0') > 9)
		return NULL;
	*min = strtoul(e + 1, &e, 10);
	return e;
}

/* " OP VALUE" after the device of a v1 blkio line; OP at most 15 chars. */
static bool cg_blkio_opval(const char *p, char op[16], unsigned long long *val)
{
	size_t n;
	p += strspn(p, " \t");
	n = strcspn(p, " \t\n");
	if (!n || n > 15)
		return false;
	memcpy(op, p, n);
	op[n] = 0;
	p += n;
	p += strspn(p, " \t");
	if ((unsigned)(*p - '0') > 9)
		return false;
	*val = strtoull(p, NULL, 10);
	return true;
}

static void cg_blkio_list(struct jw *w, const char *key, const char *text, bool v2,
			  const char *rkey, const char *wkey)
{
	jw_key(w, key);
	jw_arr_begin(w);
	for (const char *l = text; l && *l;) {
		unsigned maj, min;
		char op[16];
		unsigned long long val;
		const char *nl = strchr(l, '\n');
		const char *p = cg_majmin(l, &maj, &min);
		if (p && !v2 && cg_blkio_opval(p, op, &val)) {
			jw_obj_begin(w);
			cg_jnz(w, "major", maj);
			cg_jnz(w, "minor", min);
			jw_key(w, "op");
			jw_str(w, op);
			cg_jnz(w, "value", val);
			jw_obj_end(w);
		} else if (p && v2) {
			for (int k = 0; k < 2; k++) {
				char pat[16];
				snprintf(pat, sizeof(pat), " %s=", k ? wkey : rkey);
				const char *hit = strstr(l, pat);
				if (!hit || (nl && hit > nl))
					continue;
				jw_obj_begin(w);
				cg_jnz(w, "major", maj);
				cg_jnz(w, "minor", min);
				jw_key(w, "op");
				jw_str(w, k ? "Write" : "Read");
				cg_jnz(w, "value", strtoull(hit + strlen(pat), NULL, 10));
				jw_obj_end(w);
			}
		}
		l = nl ? nl + 1 : NULL;
	}
	jw_arr_end(w);
}

static void cg_stats_hugetlb(const struct cgroup *cg, struct jw *w)
{
	jw_key(w, "hugetlb");
	jw_obj_begin(w);
	const struct cg_dir *d = cg_find(cg, CG_HUGETLB);
	DIR *dp = d ? opendir("/sys/kernel/mm/hugepages") : NULL;
	if (dp) {
		struct dirent *e;
		while ((e = readdir(dp))) {
			unsigned long kb;
			char *end;
			if (strncmp(e->d_name, "hugepages-", 10) ||
			    (unsigned)(e->d_name[10] - '0') > 9)
				continue;
			kb = strtoul(e->d_name + 10, &end, 10);
			if (strcmp(end, "kB"))
				continue;
			char size[24], f[64];
			static const char units[] = "KMGT";
			int u = 0;
			while (kb >= 1024 && !(kb % 1024) && u < 3)
				kb /= 1024, u++;
			snprintf(size, sizeof(size), "%lu%cB", kb, units[u]);
			jw_key(w, size);
			jw_obj_begin(w);
			snprintf(f, sizeof(f), "hugetlb.%s.%s", size, d->v2 ? "current" : "usage_in_bytes");
			cg_jnz(w, "usage", cg_read_u64(d->dir, f));
			if (!d->v2) {
				snprintf(f, sizeof(f), "hugetlb.%s.max_usage_in_bytes", size);
				cg_jnz(w, "max", cg_read_u64(d->dir, f));
				snprintf(f, sizeof(f), "hugetlb.%s.failcnt", size);
				cg_jkv(w, "failcnt", cg_read_u64(d->dir, f));
			} else {
				char ev[256];
				snprintf(f, sizeof(f), "hugetlb.%s.events", size);
				cg_jkv(w, "failcnt", cg_read_at(d->dir, f, ev, sizeof(ev)) ? 0 : cg_key(ev, "max"));
			}
			jw_obj_end(w);
		}
		closedir(dp);
	}
	jw_obj_end(w);
}

static int cgroup_stats(const struct cgroup *cg, struct jw *w, struct ctr_error *err)
{
	if (cg->mode == CG_MODE_NONE)
		return cg_no_cgroup(cg, "read statistics", err);
	char *text = NULL, f[PATH_MAX];
	const struct cg_dir *d;
	jw_obj_begin(w);
	/* cpu */
	jw_key(w, "cpu");
	jw_obj_begin(w);
	jw_key(w, "usage");
	jw_obj_begin(w);
	d = cg_find(cg, CG_CPUACCT);
	if (d) {
		long tck = sysconf(_SC_CLK_TCK);
		cg_jnz(w, "total", cg_read_u64(d->dir, "cpuacct.usage"));
		static const char *const pc[][2] = {{"percpu", "cpuacct.usage_percpu"},
			{"percpu_kernel", "cpuacct.usage_percpu_sys"}, {"percpu_user", "cpuacct.usage_percpu_user"}};
		for (size_t k = 0; k < ARRAY_LEN(pc); k++) {
			snprintf(f, sizeof(f), "%s/%s", d->dir, pc[k][1]);
			if (read_file(f, 1 << 16, &text, NULL, NULL) < 0 || !*text) {
				free(text);
				text = NULL;
				continue;
			}
			jw_key(w, pc[k][0]);
			jw_arr_begin(w);
			for (char *t = text, *e; ; t = e) {
				unsigned long long v = strtoull(t, &e, 10);
				if (e == t)
					break;
				jw_uint(w, v);
			}
			jw_arr_end(w);
			free(text);
			text = NULL;
		}
		char st[256];
		if (cg_read_at(d->dir, "cpuacct.stat", st, sizeof(st)) == 0 && tck > 0) {
			cg_jkv(w, "kernel", cg_key(st, "system") * (1000000000ull / (uint64_t)tck));
			cg_jkv(w, "user", cg_key(st, "user") * (1000000000ull / (uint64_t)tck));
		}
	} else if ((d = cg_v2dir(cg)) && cg_read_at(d->dir, "cpu.stat", f, sizeof(f)) == 0) {
		cg_jnz(w, "total", cg_key(f, "usage_usec") * 1000);
		cg_jkv(w, "kernel", cg_key(f, "system_usec") * 1000);
		cg_jkv(w, "user", cg_key(f, "user_usec") * 1000);
	}
	jw_obj_end(w);
	jw_key(w, "throttling");
	jw_obj_begin(w);
	d = cg_find(cg, CG_CPU);
	if (d && cg_read_at(d->dir, "cpu.stat", f, sizeof(f)) == 0) {
		cg_jnz(w, "periods", cg_key(f, "nr_periods"));
		cg_jnz(w, "throttledPeriods", cg_key(f, "nr_throttled"));
		cg_jnz(w, "throttledTime", d->v2 ? cg_key(f, "throttled_usec") * 1000 : cg_key(f, "throttled_time"));
	}
	jw_obj_end(w);
	jw_obj_end(w);
	/* memory */
	jw_key(w, "memory");
	jw_obj_begin(w);
	d = cg_find(cg, CG_MEMORY);
	if (d) {
		snprintf(f, sizeof(f), "%s/memory.stat", d->dir);
		if (read_file(f, 1 << 20, &text, NULL, NULL) < 0)
			text = NULL;
		cg_jnz(w, "cache", text ? cg_key(text, d->v2 ? "file" : "cache") : 0);
		if (!d->v2) {
			cg_mem_entry(w, "usage", d->dir, "memory.");
			cg_mem_entry(w, "swap", d->dir, "memory.memsw.");
			cg_mem_entry(w, "kernel", d->dir, "memory.kmem.");
			cg_mem_entry(w, "kernelTCP", d->dir, "memory.kmem.tcp.");
		} else {
			char ev[512];
			jw_key(w, "usage");
			jw_obj_begin(w);
			cg_jkv(w, "limit", cg_read_u64(d->dir, "memory.max"));
			cg_jnz(w, "usage", cg_read_u64(d->dir, "memory.current"));
			cg_jnz(w, "max", cg_read_u64(d->dir, "memory.peak"));
			cg_jkv(w, "failcnt", cg_read_at(d->dir, "memory.events", ev, sizeof(ev)) ? 0 : cg_key(ev, "max"));
			jw_obj_end(w);
			jw_key(w, "swap");
			jw_obj_begin(w);
			cg_jkv(w, "limit", cg_read_u64(d->dir, "memory.swap.max"));
			cg_jnz(w, "usage", cg_read_u64(d->dir, "memory.swap.current"));
			cg_jkv(w, "failcnt", 0);
			jw_obj_end(w);
		}
		if (text && *text) {
			jw_key(w, "raw");
			jw_obj_begin(w);
			cg_raw(w, text);
			jw_obj_end(w);
		}
		free(text);
		text = NULL;
		/* not in runc's format: the OOM kill counter, which `events` watches */
		char oc[512];
		if (cg_read_at(d->dir, d->v2 ? "memory.events" : "memory.oom_control", oc, sizeof(oc)) == 0)
			cg_jkv(w, "oom_kill", cg_key(oc, "oom_kill"));
	}
	jw_obj_end(w);
	/* pids */
	jw_key(w, "pids");
	jw_obj_begin(w);
	if ((d = cg_find(cg, CG_PIDS))) {
		cg_jnz(w, "current", cg_read_u64(d->dir, "pids.current"));
		uint64_t lim = cg_read_u64(d->dir, "pids.max");
		cg_jnz(w, "limit", lim == UINT64_MAX ? 0 : lim);
	}
	jw_obj_end(w);
	/* blkio */
	jw_key(w, "blkio");
	jw_obj_begin(w);
	if ((d = cg_find(cg, CG_BLKIO))) {
		for (int k = 0; k < (d->v2 ? 1 : 2); k++) {
			snprintf(f, sizeof(f), "%s/%s", d->dir, d->v2 ? "io.stat" : k ?
				 "blkio.throttle.io_serviced_recursive" : "blkio.throttle.io_service_bytes_recursive");
			if (read_file(f, 1 << 20, &text, NULL, NULL) < 0)
				continue;
			if (d->v2) {
				cg_blkio_list(w, "ioServiceBytesRecursive", text, true, "rbytes", "wbytes");
				cg_blkio_list(w, "ioServicedRecursive", text, true, "rios", "wios");
			} else {
				cg_blkio_list(w, k ? "ioServicedRecursive" : "ioServiceBytesRecursive", text,
					      false, NULL, NULL);
			}
			free(text);
			text = NULL;
		}
	}
	jw_obj_end(w);
	cg_stats_hugetlb(cg, w);
	jw_obj_end(w);
	return 0;
}
