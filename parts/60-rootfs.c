
/* ======================================================================
 * rootfs
 * ====================================================================== */

struct rootfs_ctx {
	const struct spec *spec;
	const char *rootfs;          /* absolute host path of root.path */
	bool no_pivot;               /* MS_MOVE + chroot instead of pivot_root */
	bool userns;                 /* in a new user namespace: bind devices, no mknod */
};

/* In the container's new mount namespace, before the root switch: rootfs propagation,
 * the rootfs bind, every mount in order (targets resolved inside the rootfs), /dev. */
static int rootfs_setup(const struct rootfs_ctx *c, struct ctr_error *err);
/* Switch to the rootfs (pivot_root; MS_MOVE+chroot with no_pivot or on an initramfs),
 * then readonlyPaths and maskedPaths (runc's order) and root.readonly. */
static int rootfs_enter(const struct rootfs_ctx *c, struct ctr_error *err);
/* Open path inside the tree at root_fd without ever leaving it (symlinks resolved as if
 * root_fd were /). */
static int rootfs_open_in(int root_fd, const char *path, int flags, mode_t mode,
			  struct ctr_error *err);

/* --- constants libc or its headers may lack (musl, older glibc) --- */
#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
#define ROOTFS_RAMFS_MAGIC 0x858458f6
#define ROOTFS_TMPFS_MAGIC 0x01021994
#define ROOTFS_CGROUP2_MAGIC 0x63677270
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MS_LAZYTIME
#define MS_LAZYTIME (1 << 25)
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#define MNT_ATTR_RDONLY 0x1
#define MNT_ATTR_NOSUID 0x2
#define MNT_ATTR_NODEV 0x4
#define MNT_ATTR_NOEXEC 0x8
#define MNT_ATTR_ATIME 0x70
#define MNT_ATTR_NOATIME 0x10
#define MNT_ATTR_STRICTATIME 0x20
#define MNT_ATTR_NODIRATIME 0x80
#define MNT_ATTR_IDMAP 0x100000
#define MNT_ATTR_NOSYMFOLLOW 0x200000
#define MNT_OPEN_TREE_CLONE 1
#define MNT_MOVE_F_EMPTY_PATH 0x4
#define MNT_MOVE_T_EMPTY_PATH 0x40
#define MNT_PROPAGATION (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)
/* Flags a remount may not clear when the source mount locked them (user namespaces). */
#define MNT_LOCKED_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | \
			  MS_NODIRATIME | MS_RELATIME)
#define ROOTFS_MAX_LINKS 40

struct mnt_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

static int mnt_sys_setattr(int dfd, const char *path, unsigned flags, struct mnt_attr *a)
{
#ifdef SYS_mount_setattr
	return (int)syscall(SYS_mount_setattr, dfd, path, flags, a, sizeof(*a));
#else
	(void)dfd; (void)path; (void)flags; (void)a;
	errno = ENOSYS;
	return -1;
#endif
}

static int mnt_sys_open_tree(int dfd, const char *path, unsigned flags)
{
#ifdef SYS_open_tree
	return (int)syscall(SYS_open_tree, dfd, path, flags);
#else
	(void)dfd; (void)path; (void)flags;
	errno = ENOSYS;
	return -1;
#endif
}

static int mnt_sys_move(int from_dfd, int to_dfd)
{
#ifdef SYS_move_mount
	return (int)syscall(SYS_move_mount, from_dfd, "", to_dfd, "",
			    MNT_MOVE_F_EMPTY_PATH | MNT_MOVE_T_EMPTY_PATH);
#else
	(void)from_dfd; (void)to_dfd;
	errno = ENOSYS;
	return -1;
#endif
}

/* ---- path resolution inside the rootfs ---- */

/* Lexically clean path into out as an absolute path ("a/../b/./c" -> "/b/c"); ".." never
 * climbs above "/". */
static int rootfs_clean(const char *path, char *out, size_t size)
{
	size_t len = 0;
	out[0] = '/';
	out[1] = 0;
	len = 1;
	while (*path) {
		while (*path == '/')
			path++;
		const char *end = path;
		while (*end && *end != '/')
			end++;
		size_t n = (size_t)(end - path);
		if (n == 0 || (n == 1 && path[0] == '.')) {
			/* nothing */
		} else if (n == 2 && path[0] == '.' && path[1] == '.') {
			while (len > 1 && out[len - 1] != '/')
				len--;
			if (len > 1)
				len--;
			out[len] = 0;
		} else {
			if (len + n + 2 > size) {
				errno = ENAMETOOLONG;
				return -1;
			}
			if (len > 1)
				out[len++] = '/';
			memcpy(out + len, path, n);
			len += n;
			out[len] = 0;
		}
		path = end;
	}
	return 0;
}

/* Reopen the already resolved, symlink-free directory `done` under root_fd, one
 * component at a time, following nothing. */
static int rootfs_reopen(int root_fd, const char *done)
{
	int fd = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	while (fd >= 0 && *done) {
		char name[NAME_MAX + 1];
		const char *end = strchr(done, '/');
		size_t n = end ? (size_t)(end - done) : strlen(done);
		memcpy(name, done, n);
		name[n] = 0;
		done += n + (end ? 1 : 0);
		int next = openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	return fd;
}

#define ROOTFS_OPEN 0
#define ROOTFS_MKDIR 'd'   /* create missing directories, the last one included */
#define ROOTFS_MKFILE 'f'  /* create missing parent directories and the last as an empty file */

/* Resolve path below root_fd by hand, one component at a time with O_NOFOLLOW: symlinks
 * are read and resolved as if root_fd were "/", ".." stops at it. Works on kernels
 * without openat2, and creates what is missing when asked (ROOTFS_MKDIR/MKFILE). The last
 * component is not followed if flags has O_NOFOLLOW. */
static int rootfs_walk(int root_fd, const char *path, int flags, mode_t mode, int create,
		       struct ctr_error *err)
{
	char todo[PATH_MAX], done[PATH_MAX] = "", target[PATH_MAX];
	size_t dlen = 0;
	unsigned links = 0;
	if (strlen(path) >= sizeof(todo))
		return err_set(err, ENAMETOOLONG, "resolve %s", path);
	strcpy(todo, path);
	const char *rest = todo;
	int cur AUTO_CLOSE = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return err_set(err, errno, "resolve %s: open root", path);
	for (;;) {
		while (*rest == '/')
			rest++;
		if (!*rest) {
			/* the path ends at a directory ("/", "a/..") */
			int fd = openat(cur, ".", (flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW)) | O_CLOEXEC);
			return fd < 0 ? err_set(err, errno, "open %s", path) : fd;
		}
		char name[NAME_MAX + 1];
		size_t n = strcspn(rest, "/");
		if (n > NAME_MAX)
			return err_set(err, ENAMETOOLONG, "resolve %s", path);
		memcpy(name, rest, n);
		name[n] = 0;
		rest += n;
		const char *after = rest + strspn(rest, "/");
		bool last = !*after;
		if (!strcmp(name, "."))
			continue;
		if (!strcmp(name, "..")) {
			while (dlen && done[dlen - 1] != '/')
				dlen--;
			if (dlen)
				dlen--;
			done[dlen] = 0;
			close(cur);
			cur = rootfs_reopen(root_fd, done);
			if (cur < 0)
				return err_set(err, errno, "resolve %s: reopen /%s", path, done);
			continue;
		}
		int fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && create) {
			int r;
			if (last && create == ROOTFS_MKFILE)
				r = mknodat(cur, name, S_IFREG | 0644, 0);
			else
				r = mkdirat(cur, name, 0755);
			if (r < 0 && errno != EEXIST)
				return err_set(err, errno, "create %s (in %s)", name, path);
			fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0)
			return err_set(err, errno, "open %s", path);
		struct stat st;
		if (fstat(fd, &st) < 0) {
			int e = errno;
			close(fd);
			return err_set(err, e, "stat %s", path);
		}
		if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
			ssize_t len = ++links > ROOTFS_MAX_LINKS ? -1 :
				readlinkat(fd, "", target, sizeof(target) - 1);
			int e = links > ROOTFS_MAX_LINKS ? ELOOP : errno;
			close(fd);
			if (len < 0)
				return err_set(err, e, "resolve %s", path);
			target[len] = 0;
			if (strlen(target) + strlen(after) + 2 > sizeof(todo))
				return err_set(err, ENAMETOOLONG, "resolve %s", path);
			/* todo becomes "<link target>/<rest>"; an absolute target restarts at root */
			char tmp[PATH_MAX];
			if (snprintf(tmp, sizeof(tmp), "%s/%s", target, after) >= (int)sizeof(tmp))
				return err_set(err, ENAMETOOLONG, "resolve %s", path);
			strcpy(todo, tmp);
			rest = todo;
			if (target[0] == '/') {
				dlen = 0;
				done[0] = 0;
				close(cur);
				cur = rootfs_reopen(root_fd, "");
				if (cur < 0)
					return err_set(err, errno, "resolve %s", path);
			}
			continue;
		}
		if (!last) {
			if (!S_ISDIR(st.st_mode)) {
				close(fd);
				return err_set(err, ENOTDIR, "resolve %s", path);
			}
			if (dlen + n + 2 > sizeof(done)) {
				close(fd);
				return err_set(err, ENAMETOOLONG, "resolve %s", path);
			}
			if (dlen)
				done[dlen++] = '/';
			memcpy(done + dlen, name, n + 1);
			dlen += n;
			close(cur);
			cur = fd;
			continue;
		}
		if ((flags & O_DIRECTORY) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode)) {
			close(fd);
			return err_set(err, ENOTDIR, "open %s", path);
		}
		if ((flags & ~(O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC | O_CREAT)) == 0 &&
		    (flags & O_PATH))
			return fd;
		close(fd);
		/* re-open for real; O_NOFOLLOW: a symlink swapped in meanwhile is refused */
		fd = openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
		return fd < 0 ? err_set(err, errno, "open %s", path) : fd;
	}
}

static int rootfs_open_in(int root_fd, const char *path, int flags, mode_t mode,
			  struct ctr_error *err)
{
	uint64_t how_mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0;
	for (int tries = 0; tries < 16; tries++) {
		int fd = sys_openat2(root_fd, path, (uint64_t)(unsigned)(flags | O_CLOEXEC), how_mode,
				     CTR_RESOLVE_IN_ROOT | CTR_RESOLVE_NO_MAGICLINKS);
		if (fd >= 0)
			return fd;
		if (errno == EAGAIN || errno == EINTR)
			continue;
		/* ENOSYS: before Linux 5.6; EPERM: a seccomp profile that does not know it */
		if (errno != ENOSYS && errno != EPERM)
			return err_set(err, errno, "open %s in the container root", path);
		break;
	}
	return rootfs_walk(root_fd, path, flags, mode, ROOTFS_OPEN, err);
}

/* ---- mount options: one table, runc's names and meanings ---- */

enum {
	MNT_OPT_NOP, MNT_OPT_SET, MNT_OPT_CLR, MNT_OPT_PROP, MNT_OPT_RSET, MNT_OPT_RCLR,
	MNT_OPT_RATIME, MNT_OPT_IDMAP, MNT_OPT_RIDMAP, MNT_OPT_COPYUP
};

#define O_NOP MNT_OPT_NOP
#define O_SET MNT_OPT_SET
#define O_CLR MNT_OPT_CLR
#define O_PROP MNT_OPT_PROP
#define O_RSET MNT_OPT_RSET
#define O_RCLR MNT_OPT_RCLR
#define O_RATIME MNT_OPT_RATIME
static const struct mnt_opt {
	char name[15];
	unsigned char kind;
	unsigned val;
} mnt_opts[] = {
	{"defaults", O_NOP, 0}, {"tmpcopyup", MNT_OPT_COPYUP, 0},
	{"ro", O_SET, MS_RDONLY}, {"rw", O_CLR, MS_RDONLY},
	{"nosuid", O_SET, MS_NOSUID}, {"suid", O_CLR, MS_NOSUID},
	{"nodev", O_SET, MS_NODEV}, {"dev", O_CLR, MS_NODEV},
	{"noexec", O_SET, MS_NOEXEC}, {"exec", O_CLR, MS_NOEXEC},
	{"sync", O_SET, MS_SYNCHRONOUS}, {"async", O_CLR, MS_SYNCHRONOUS},
	{"dirsync", O_SET, MS_DIRSYNC}, {"remount", O_SET, MS_REMOUNT},
	{"mand", O_SET, MS_MANDLOCK}, {"nomand", O_CLR, MS_MANDLOCK},
	{"noatime", O_SET, MS_NOATIME}, {"atime", O_CLR, MS_NOATIME},
	{"nodiratime", O_SET, MS_NODIRATIME}, {"diratime", O_CLR, MS_NODIRATIME},
	{"relatime", O_SET, MS_RELATIME}, {"norelatime", O_CLR, MS_RELATIME},
	{"strictatime", O_SET, MS_STRICTATIME}, {"nostrictatime", O_CLR, MS_STRICTATIME},
	{"lazytime", O_SET, MS_LAZYTIME}, {"nolazytime", O_CLR, MS_LAZYTIME},
	{"nosymfollow", O_SET, MS_NOSYMFOLLOW}, {"symfollow", O_CLR, MS_NOSYMFOLLOW},
	{"iversion", O_SET, MS_I_VERSION}, {"noiversion", O_CLR, MS_I_VERSION},
	{"acl", O_SET, MS_POSIXACL}, {"noacl", O_CLR, MS_POSIXACL},
	{"silent", O_SET, MS_SILENT}, {"loud", O_CLR, MS_SILENT},
	{"bind", O_SET, MS_BIND}, {"rbind", O_SET, MS_BIND | MS_REC},
	{"private", O_PROP, MS_PRIVATE}, {"rprivate", O_PROP, MS_PRIVATE | MS_REC},
	{"shared", O_PROP, MS_SHARED}, {"rshared", O_PROP, MS_SHARED | MS_REC},
	{"slave", O_PROP, MS_SLAVE}, {"rslave", O_PROP, MS_SLAVE | MS_REC},
	{"unbindable", O_PROP, MS_UNBINDABLE}, {"runbindable", O_PROP, MS_UNBINDABLE | MS_REC},
	{"rro", O_RSET, MNT_ATTR_RDONLY}, {"rrw", O_RCLR, MNT_ATTR_RDONLY},
	{"rnosuid", O_RSET, MNT_ATTR_NOSUID}, {"rsuid", O_RCLR, MNT_ATTR_NOSUID},
	{"rnodev", O_RSET, MNT_ATTR_NODEV}, {"rdev", O_RCLR, MNT_ATTR_NODEV},
	{"rnoexec", O_RSET, MNT_ATTR_NOEXEC}, {"rexec", O_RCLR, MNT_ATTR_NOEXEC},
	{"rnodiratime", O_RSET, MNT_ATTR_NODIRATIME}, {"rdiratime", O_RCLR, MNT_ATTR_NODIRATIME},
	{"rnosymfollow", O_RSET, MNT_ATTR_NOSYMFOLLOW}, {"rsymfollow", O_RCLR, MNT_ATTR_NOSYMFOLLOW},
	{"rrelatime", O_RATIME, 0}, {"rnorelatime", O_RATIME, MNT_ATTR_STRICTATIME},
	{"rnoatime", O_RATIME, MNT_ATTR_NOATIME}, {"ratime", O_RATIME, 0},
	{"rstrictatime", O_RATIME, MNT_ATTR_STRICTATIME}, {"rnostrictatime", O_RATIME, 0},
	{"idmap", MNT_OPT_IDMAP, 0}, {"ridmap", MNT_OPT_RIDMAP, 0},
};
#undef O_NOP
#undef O_SET
#undef O_CLR
#undef O_PROP
#undef O_RSET
#undef O_RCLR
#undef O_RATIME

static const struct mnt_opt *mnt_opt_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(mnt_opts); i++)
		if (!strcmp(name, mnt_opts[i].name))
			return &mnt_opts[i];
	return NULL;
}

struct mnt_parsed {
	unsigned long flags;         /* MS_* for mount(2) */
	unsigned long cleared;       /* MS_* the options explicitly turned off */
	unsigned long props[8];      /* propagation changes, in order */
	unsigned n_props;
	struct mnt_attr rec;         /* recursive attributes (mount_setattr) */
	int idmap;                   /* 1: idmap, 2: ridmap */
	bool copyup;                 /* tmpcopyup: a tmpfs starts with what it covers */
	struct sbuf data;            /* everything else, comma-joined, for the filesystem */
};

static void mnt_parse(const char *const *opts, size_t n, struct mnt_parsed *p)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < n; i++) {
		const struct mnt_opt *t = mnt_opt_find(opts[i]);
		unsigned long v = t ? t->val : 0;
		switch (t ? t->kind : MNT_OPT_NOP) {
		case MNT_OPT_NOP:
			if (!t) {
				if (p->data.len)
					sbuf_addc(&p->data, ',');
				sbuf_adds(&p->data, opts[i]);
			}
			break;
		case MNT_OPT_SET: p->flags |= v; p->cleared &= ~v; break;
		case MNT_OPT_CLR: p->flags &= ~v; p->cleared |= v; break;
		case MNT_OPT_PROP:
			if (p->n_props < ARRAY_LEN(p->props))
				p->props[p->n_props++] = v;
			break;
		case MNT_OPT_RSET: p->rec.attr_set |= v; p->rec.attr_clr &= ~(uint64_t)v; break;
		case MNT_OPT_RCLR: p->rec.attr_clr |= v; p->rec.attr_set &= ~(uint64_t)v; break;
		case MNT_OPT_RATIME:
			p->rec.attr_clr |= MNT_ATTR_ATIME;
			p->rec.attr_set = (p->rec.attr_set & ~(uint64_t)MNT_ATTR_ATIME) | v;
			break;
		case MNT_OPT_IDMAP: p->idmap = 1; break;
		case MNT_OPT_RIDMAP: p->idmap = 2; break;
		case MNT_OPT_COPYUP: p->copyup = true; break;
		}
	}
}

/* ---- mountinfo ---- */

struct mnt_info {
	char *root, *point, *fstype, *source, *super;
	bool shared;
};

static void mnt_unescape(char *s)
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

/* Split one line of /proc/self/mountinfo in place. */
static bool mnt_info_parse(char *line, struct mnt_info *mi)
{
	char *save = NULL, *f[5];
	memset(mi, 0, sizeof(*mi));
	for (int i = 0; i < 5; i++)
		if (!(f[i] = strtok_r(i ? NULL : line, " ", &save)))
			return false;
	mi->root = f[3];
	mi->point = f[4];
	char *t;
	strtok_r(NULL, " ", &save); /* per-mount options */
	while ((t = strtok_r(NULL, " ", &save)) && strcmp(t, "-"))
		if (str_has_prefix(t, "shared:"))
			mi->shared = true;
	mi->fstype = strtok_r(NULL, " ", &save);
	mi->source = strtok_r(NULL, " ", &save);
	mi->super = strtok_r(NULL, " ", &save);
	if (!t || !mi->super)
		return false;
	mnt_unescape(mi->root);
	mnt_unescape(mi->point);
	return true;
}

/* All mounts of the calling process, parsed: *buf holds the text (caller frees). */
static int mnt_info_read(char **buf, struct mnt_info **out, size_t *count, struct ctr_error *err)
{
	if (read_file("/proc/self/mountinfo", 64u << 20, buf, NULL, err) < 0)
		return -1;
	size_t lines = 1;
	for (char *p = *buf; *p; p++)
		lines += *p == '\n';
	struct mnt_info *mi = mem_array(lines, sizeof(*mi), err);
	if (!mi) {
		free(*buf);
		*buf = NULL;
		return -1;
	}
	size_t n = 0;
	for (char *line = *buf, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (mnt_info_parse(line, &mi[n]))
			n++;
	}
	*out = mi;
	*count = n;
	return 0;
}

/* path equals dir or lies below it */
static bool rootfs_path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return !strncmp(path, dir, n) && (path[n] == 0 || path[n] == '/');
}

/* ---- mounting onto fds resolved inside the rootfs ---- */

#define MNT_FDPATH(buf, fd) snprintf(buf, sizeof(buf), "/proc/self/fd/%d", fd)

/* /proc must be the real procfs before we trust /proc/self/fd (CVE-2019-16884 class). */
static int rootfs_check_proc(struct ctr_error *err)
{
	struct statfs sf;
	if (statfs("/proc/self/fd", &sf) < 0)
		return err_set(err, errno, "statfs /proc/self/fd (a procfs on /proc is needed)");
	if ((uint32_t)sf.f_type != PROC_SUPER_MAGIC)
		return err_set(err, EINVAL, "/proc is not a procfs (type 0x%lx): refusing to set up "
			       "mounts through it", (unsigned long)sf.f_type);
	return 0;
}

/* The path inside the rootfs that fd refers to ("/dev/pts"), checked to be inside it:
 * nothing may ever land outside the container's root. */
static int mnt_fd_inroot(const struct rootfs_ctx *c, int fd, char *out, size_t size,
			 struct ctr_error *err)
{
	char link[32], path[PATH_MAX];
	MNT_FDPATH(link, fd);
	ssize_t n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return err_set(err, errno, "readlink %s", link);
	path[n] = 0;
	size_t rl = strlen(c->rootfs);
	while (rl && c->rootfs[rl - 1] == '/')
		rl--;
	if (strncmp(path, c->rootfs, rl) || (path[rl] && path[rl] != '/'))
		return err_set(err, EXDEV, "%s resolves to %s, outside the container root %s",
			       out[0] ? out : "path", path, c->rootfs);
	snprintf(out, size, "%s", path[rl] ? path + rl : "/");
	return 0;
}

/* Open (creating what is missing) a mount target inside the rootfs. */
static int mnt_target(int root_fd, const char *dest, int create, bool nofollow,
		      struct ctr_error *err)
{
	int flags = O_PATH | (nofollow ? O_NOFOLLOW : 0);
	struct ctr_error e = {0};
	int fd = rootfs_open_in(root_fd, dest, flags, 0, &e);
	if (fd >= 0)
		return fd;
	if (e.errnum != ENOENT || !create) {
		if (err)
			*err = e;
		return -1;
	}
	return rootfs_walk(root_fd, dest, flags, 0, create, err);
}

/* After a mount on inroot: open the new top mount again by path and check it is where
 * we mounted (a symlink swapped in meanwhile must not redirect us: CVE-2021-30465). */
static int mnt_reopen(const struct rootfs_ctx *c, int root_fd, const char *inroot,
		      struct ctr_error *err)
{
	int fd = rootfs_open_in(root_fd, inroot, O_PATH | O_NOFOLLOW, 0, err);
	if (fd < 0)
		return -1;
	char now[PATH_MAX] = "";
	if (mnt_fd_inroot(c, fd, now, sizeof(now), err) < 0 || strcmp(now, inroot)) {
		close(fd);
		return now[0] && strcmp(now, inroot) ?
			err_set(err, EXDEV, "mount on %s moved to %s while mounting", inroot, now) : -1;
	}
	return fd;
}

/* Remount with flags; if a user namespace locked some flags of the source mount, keep
 * them (as runc does) unless the options explicitly cleared one. errno is kept. */
static int mnt_remount(const char *target, unsigned long flags, unsigned long cleared)
{
	if (mount("", target, NULL, flags | MS_REMOUNT, NULL) == 0)
		return 0;
	if (errno != EPERM)
		return -1;
	struct statfs sf;
	if (statfs(target, &sf) < 0) {
		errno = EPERM;
		return -1;
	}
	unsigned long locked = (unsigned long)sf.f_flags & MNT_LOCKED_FLAGS;
	if (locked & cleared) {
		errno = EPERM;
		return -1;
	}
	return mount("", target, NULL, flags | locked | MS_REMOUNT, NULL);
}

/* Propagation changes and recursive attributes on the mount at fd. */
static int mnt_finish(int fd, const struct mnt_parsed *p, const char *dest,
		      struct ctr_error *err)
{
	char at[32];
	MNT_FDPATH(at, fd);
	for (unsigned i = 0; i < p->n_props; i++)
		if (mount("", at, NULL, p->props[i], NULL) < 0)
			return err_set(err, errno, "set propagation of %s", dest);
	if (p->rec.attr_set || p->rec.attr_clr) {
		struct mnt_attr a = p->rec;
		if (mnt_sys_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a) < 0)
			return err_set(err, errno, "mount_setattr %s (recursive options need Linux 5.12)",
				       dest);
	}
	return 0;
}

/* A user namespace fd for an idmapped mount: one with the mount's own mappings (made by a
 * short-lived child), or the container's. */
static int mnt_userns(const struct rootfs_ctx *c, const struct spec_mount *m,
		      struct ctr_error *err)
{
	if (!m->n_uid_mappings && !m->n_gid_mappings) {
		if (!c->userns)
			return err_set(err, EINVAL, "idmap needs uidMappings/gidMappings or a user namespace");
		int fd = openat(AT_FDCWD, "/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
		return fd < 0 ? err_set(err, errno, "open /proc/self/ns/user") : fd;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return err_set(err, errno, "socketpair");
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		return err_set(err, e, "fork");
	}
	if (pid == 0) {
		/* our pid as /proc knows it (we may be in a new pid namespace) */
		char me[16] = "";
		ssize_t n = unshare(CLONE_NEWUSER) == 0 ? readlink("/proc/self", me, sizeof(me) - 1) : -1;
		close(sv[0]);
		if (write(sv[1], me, n > 0 ? (size_t)n : 1) > 0)
			(void)read(sv[1], me, 1); /* until the parent is done */
		_exit(0);
	}
	close(sv[1]);
	int fd = -1;
	char me[16] = "", path[64];
	if (read(sv[0], me, sizeof(me) - 1) <= 0 || !me[0]) {
		err_set(err, EPERM, "create a user namespace for an idmapped mount");
		goto out;
	}
	for (int g = 0; g < 2; g++) {
		const struct spec_idmap *map = g ? m->gid_mappings : m->uid_mappings;
		size_t n = g ? m->n_gid_mappings : m->n_uid_mappings;
		struct sbuf sb = {0};
		for (size_t i = 0; i < n; i++)
			sbuf_addf(&sb, "%u %u %u\n", map[i].container_id, map[i].host_id, map[i].size);
		snprintf(path, sizeof(path), "/proc/%s/%s", me, g ? "gid_map" : "uid_map");
		int r = sb.failed ? err_nomem(err) : n ? write_file_at(AT_FDCWD, path, sb.buf, sb.len, err) : 0;
		sbuf_release(&sb);
		if (r < 0)
			goto out;
	}
	snprintf(path, sizeof(path), "/proc/%s/ns/user", me);
	fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		err_set(err, errno, "open %s", path);
out:
	close(sv[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return fd;
}

/* Clone the tree at src, idmap it and attach it on the target fd. */
static int mnt_idmapped(const struct rootfs_ctx *c, const struct spec_mount *m, const char *src,
			int target_fd, bool recursive, struct ctr_error *err)
{
	int ns AUTO_CLOSE = mnt_userns(c, m, err);
	if (ns < 0)
		return -1;
	unsigned rec = recursive ? AT_RECURSIVE : 0;
	int tree AUTO_CLOSE = mnt_sys_open_tree(AT_FDCWD, src, MNT_OPEN_TREE_CLONE | O_CLOEXEC | rec);
	if (tree < 0)
		return err_set(err, errno, "open_tree %s (idmapped mounts need Linux 5.12)", src);
	struct mnt_attr a = {.attr_set = MNT_ATTR_IDMAP, .userns_fd = (uint64_t)ns};
	if (mnt_sys_setattr(tree, "", AT_EMPTY_PATH | rec, &a) < 0)
		return err_set(err, errno, "idmap %s%s", src, errno == EPERM && c->userns ?
			       " (from inside a user namespace only its own filesystems can be idmapped)" : "");
	if (mnt_sys_move(tree, target_fd) < 0)
		return err_set(err, errno, "move_mount %s", src);
	return 0;
}

/* Copy the tree at dir src into dir dst (tmpcopyup): files, dirs, symlinks and special
 * files with their owner and mode; nothing is followed. Takes both fds. */
static int mnt_copy_tree(int src, int dst, unsigned depth, struct ctr_error *err)
{
	DIR *d = fdopendir(src);
	int r = 0;
	if (!d) {
		close(src);
		close(dst);
		return err_set(err, errno, "tmpcopyup: read dir");
	}
	for (struct dirent *de; r == 0 && (de = readdir(d));) {
		const char *n = de->d_name;
		struct stat st;
		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		if (fstatat(src, n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = err_set(err, errno, "tmpcopyup: stat %s", n);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			int a = -1, b = -1;
			if (depth > 64 || mkdirat(dst, n, 0700) < 0 ||
			    (a = openat(src, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
			    (b = openat(dst, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
				r = err_set(err, depth > 64 ? ELOOP : errno, "tmpcopyup: dir %s", n);
				if (a >= 0)
					close(a);
				break;
			}
			r = mnt_copy_tree(a, b, depth + 1, err);
		} else if (S_ISLNK(st.st_mode)) {
			char t[PATH_MAX];
			ssize_t len = readlinkat(src, n, t, sizeof(t) - 1);
			if (len >= 0)
				t[len] = 0;
			if (len < 0 || symlinkat(t, dst, n) < 0)
				r = err_set(err, errno, "tmpcopyup: symlink %s", n);
		} else if (S_ISREG(st.st_mode)) {
			int a = openat(src, n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			int b = a < 0 ? -1 : openat(dst, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			char buf[8192];
			ssize_t k = 0;
			while (b >= 0 && (k = read(a, buf, sizeof(buf))) > 0 && write_all(b, buf, (size_t)k) == 0)
				;
			if (b < 0 || k != 0)
				r = err_set(err, errno, "tmpcopyup: copy %s", n);
			if (a >= 0)
				close(a);
			if (b >= 0)
				close(b);
		} else if (mknodat(dst, n, st.st_mode, st.st_rdev) < 0) {
			r = err_set(err, errno, "tmpcopyup: mknod %s", n);
		}
		if (r == 0 && (fchownat(dst, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
			       (!S_ISLNK(st.st_mode) && fchmodat(dst, n, st.st_mode & 07777, 0) < 0)))
			r = err_set(err, errno, "tmpcopyup: owner and mode of %s", n);
	}
	closedir(d);
	close(dst);
	return r;
}

/* Nothing is mounted under /proc but procfs itself and the few files lxcfs emulates. */
static int mnt_check_proc(const char *inroot, const char *type, const char *src, bool bind,
			  struct ctr_error *err)
{
	if (!rootfs_path_under(inroot, "/proc"))
		return 0;
	if (!strcmp(inroot, "/proc")) {
		struct statfs sf;
		struct stat st;
		if (bind ? statfs(src, &sf) == 0 && (uint32_t)sf.f_type == PROC_SUPER_MAGIC &&
			   stat(src, &st) == 0 && st.st_ino == 1 : type && !strcmp(type, "proc"))
			return 0;
		return err_set(err, EPERM, "/proc cannot be mounted: it is not of type proc");
	}
	static const char ok[] = "cpuinfo diskstats meminfo stat swaps uptime loadavg slabinfo "
		"pressure/cpu pressure/io pressure/memory net/dev sys/kernel/ns_last_pid ";
	const char *rel = inroot + 6;
	size_t n = strlen(rel);
	for (const char *p = ok; *p; p += strcspn(p, " ") + 1)
		if (!strncmp(p, rel, n) && p[n] == ' ')
			return 0;
	return err_set(err, EPERM, "%s cannot be mounted because it is inside /proc", inroot);
}

/* Mount one thing on dest inside the rootfs: a bind of the host path src when p->flags
 * has MS_BIND, else a new filesystem of type. m (optional) gives idmap mappings. */
static int mnt_apply(const struct rootfs_ctx *c, int root_fd, const char *src, const char *dest,
		     const char *type, const struct mnt_parsed *p, const struct spec_mount *m,
		     struct ctr_error *err)
{
	bool bind = p->flags & MS_BIND;
	char clean[PATH_MAX], inroot[PATH_MAX];
	if (rootfs_clean(dest, clean, sizeof(clean)) < 0)
		return err_set(err, errno, "mount %s", dest);
	bool special = type && !bind && (!strcmp(type, "proc") || !strcmp(type, "sysfs"));
	bool nofollow = special || !strcmp(clean, "/proc") || !strcmp(clean, "/sys");
	int create = ROOTFS_MKDIR;
	struct stat st;
	if (bind) {
		if (stat(src, &st) < 0)
			return err_set(err, errno, "mount source %s", src);
		if (!S_ISDIR(st.st_mode))
			create = ROOTFS_MKFILE;
	}
	int fd AUTO_CLOSE = mnt_target(root_fd, clean, create, nofollow, err);
	if (fd < 0)
		return err_prefix(err, "mount target %s", dest);
	if (nofollow && (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)))
		return err_set(err, ENOTDIR, "%s must be mounted on a directory, and %s is %s",
			       special ? type : dest, dest,
			       S_ISLNK(st.st_mode) ? "a symlink" : "not a directory");
	snprintf(inroot, sizeof(inroot), "%s", dest);
	if (mnt_fd_inroot(c, fd, inroot, sizeof(inroot), err) < 0 ||
	    mnt_check_proc(inroot, type, src, bind, err) < 0)
		return -1;
	char at[32];
	MNT_FDPATH(at, fd);
	int r, below AUTO_CLOSE = -1;
	/* tmpcopyup: keep the covered directory open to copy from it */
	if (p->copyup && !bind && type && !strcmp(type, "tmpfs") &&
	    (below = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_set(err, errno, "tmpcopyup: open %s", dest);
	if (p->idmap) {
		if (!bind)
			return err_set(err, EINVAL, "mount %s: idmap is only for bind mounts", dest);
		if (mnt_idmapped(c, m, src, fd, p->idmap == 2, err) < 0)
			return err_prefix(err, "mount %s", dest);
		r = 0;
	} else if (bind) {
		r = mount(src, at, NULL, MS_BIND | (p->flags & MS_REC), NULL);
	} else {
		/* a tmpfs to copy into is made read-only only after the copy */
		unsigned long rdonly = below >= 0 ? MS_RDONLY : 0;
		r = mount(src, at, type, p->flags & ~(unsigned long)(MNT_PROPAGATION | rdonly),
			  p->data.len ? p->data.buf : NULL);
		/* as runc: a user namespace may not mount sysfs (without its own netns) or
		 * mqueue; bind the host's instead */
		if (r < 0 && errno == EPERM && c->userns && type &&
		    (!strcmp(type, "sysfs") || !strcmp(type, "mqueue"))) {
			bind = true;
			r = mount(type[0] == 's' ? "/sys" : "/dev/mqueue", at, NULL, MS_BIND | MS_REC, NULL);
		}
	}
	if (r < 0)
		return err_set(err, errno, "mount %s on %s (%s)", src, dest, bind ? "bind" : type);
	int top AUTO_CLOSE = mnt_reopen(c, root_fd, inroot, err);
	if (top < 0)
		return -1;
	if (below >= 0) {
		int to = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (to < 0 || mnt_copy_tree(TAKE_FD(below), to, 0, err) < 0)
			return to < 0 ? err_set(err, errno, "tmpcopyup: open %s", dest) : err_prefix(err, "%s", dest);
		MNT_FDPATH(at, top);
		if ((p->flags & MS_RDONLY) && mnt_remount(at, p->flags | MS_BIND, 0) < 0)
			return err_set(err, errno, "remount %s read-only", dest);
	}
	if (bind && ((p->flags & ~(unsigned long)(MS_BIND | MS_REC | MS_REMOUNT)) || p->cleared)) {
		MNT_FDPATH(at, top);
		if (mnt_remount(at, (p->flags | MS_BIND) & ~(unsigned long)MS_REC, p->cleared) < 0)
			return err_set(err, errno, "remount %s with its options", dest);
	}
	return mnt_finish(top, p, dest, err);
}

/* ---- cgroup mounts (type "cgroup"), as runc does them ---- */

static bool rootfs_has_ns(const struct spec *s, int type)
{
	for (size_t i = 0; s->has_linux && i < s->lx.n_namespaces; i++)
		if (s->lx.namespaces[i].type == type)
			return true;
	return false;
}

/* Find the line of /proc/self/cgroup for a hierarchy whose superblock options are super
 * ("" for the v2 one): its controllers go to ctrls, its cgroup path to path. */
static bool mnt_cg_path(const char *cgfile, const char *super, char *ctrls, size_t size,
			char *path, size_t psize)
{
	char opts[512];
	snprintf(opts, sizeof(opts), ",%s,", super);
	for (const char *line = cgfile; *line; line += strcspn(line, "\n") + (line[strcspn(line, "\n")] ? 1 : 0)) {
		size_t len = strcspn(line, "\n");
		const char *c1 = memchr(line, ':', len);
		const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
		if (!c2 || (size_t)(c2 - c1 - 1) >= size)
			continue;
		size_t n = (size_t)(c2 - c1 - 1);
		memcpy(ctrls, c1 + 1, n);
		ctrls[n] = 0;
		bool match = *super ? n > 0 : n == 0;
		for (const char *t = ctrls; match && *t; t += strcspn(t, ",") + (t[strcspn(t, ",")] ? 1 : 0)) {
			char want[128];
			snprintf(want, sizeof(want), ",%.*s,", (int)strcspn(t, ","), t);
			match = strstr(opts, want) != NULL;
		}
		if (match) {
			snprintf(path, psize, "%.*s", (int)(len - (size_t)(c2 + 1 - line)), c2 + 1);
			return true;
		}
	}
	return false;
}

static int mnt_cgroup(const struct rootfs_ctx *c, int root_fd, const struct spec_mount *m,
		      struct mnt_parsed *p, struct ctr_error *err)
{
	bool cgns = rootfs_has_ns(c->spec, CLONE_NEWCGROUP);
	struct statfs sf;
	char src[PATH_MAX], sub[PATH_MAX], ctrls[256], path[PATH_MAX];
	AUTO_FREE char *cgfile = NULL;
	if (read_file("/proc/self/cgroup", 1u << 20, &cgfile, NULL, err) < 0)
		return -1;
	if (statfs("/sys/fs/cgroup", &sf) == 0 && (uint32_t)sf.f_type == ROOTFS_CGROUP2_MAGIC) {
		struct ctr_error e = {0};
		if (mnt_apply(c, root_fd, "cgroup2", m->destination, "cgroup2", p, m, &e) == 0)
			return 0;
		/* a user namespace without its own cgroupns cannot mount cgroup2: bind */
		if (!(e.errnum == EPERM || e.errnum == EBUSY) ||
		    !mnt_cg_path(cgfile, "", ctrls, sizeof(ctrls), path, sizeof(path))) {
			if (err)
				*err = e;
			return -1;
		}
		if (snprintf(src, sizeof(src), "/sys/fs/cgroup%s", path) >= (int)sizeof(src))
			return err_set(err, ENAMETOOLONG, "cgroup path %s", path);
		p->flags |= MS_BIND | MS_REC;
		return mnt_apply(c, root_fd, src, m->destination, NULL, p, m, err);
	}
	/* v1 or hybrid: a tmpfs with the container's own hierarchy dirs bound in */
	struct mnt_parsed t = *p;
	t.flags &= ~(unsigned long)MS_RDONLY;
	t.data = (struct sbuf){0};
	sbuf_adds(&t.data, "mode=755");
	int r = t.data.failed ? err_nomem(err) : mnt_apply(c, root_fd, "tmpfs", m->destination, "tmpfs", &t, m, err);
	sbuf_release(&t.data);
	if (r < 0)
		return -1;
	AUTO_FREE char *mbuf = NULL;
	AUTO_FREE struct mnt_info *mi = NULL;
	size_t n = 0;
	if (mnt_info_read(&mbuf, &mi, &n, err) < 0)
		return -1;
	int dir AUTO_CLOSE = rootfs_open_in(root_fd, m->destination, O_PATH | O_DIRECTORY, 0, err);
	if (dir < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		bool v2 = !strcmp(mi[i].fstype, "cgroup2");
		const char *name = strrchr(mi[i].point, '/') + 1;
		if ((!v2 && strcmp(mi[i].fstype, "cgroup")) ||
		    strncmp(mi[i].point, "/sys/fs/cgroup/", 15) || strchr(name, '/') ||
		    name - mi[i].point != 15)
			continue;
		if (!mnt_cg_path(cgfile, v2 ? "" : mi[i].super, ctrls, sizeof(ctrls), path, sizeof(path)))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", m->destination, name);
		struct mnt_parsed b = *p;
		b.data = (struct sbuf){0};
		if (cgns) {
			/* in a cgroup namespace a new mount shows the namespace's root */
			b.flags &= ~(unsigned long)(MS_BIND | MS_REC);
			if (!v2)
				sbuf_addf(&b.data, "%s%s", str_has_prefix(ctrls, "name=") ? "none," : "", ctrls);
			r = b.data.failed ? err_nomem(err) :
				mnt_apply(c, root_fd, v2 ? "cgroup2" : "cgroup", sub, v2 ? "cgroup2" : "cgroup", &b, NULL, err);
			sbuf_release(&b.data);
		} else {
			size_t rl = strcmp(mi[i].root, "/") ? strlen(mi[i].root) : 0;
			const char *rel = rl && strncmp(path, mi[i].root, rl) ? "" : path + rl;
			snprintf(src, sizeof(src), "%s%s", mi[i].point, rel);
			b.flags |= MS_BIND | MS_REC;
			r = mnt_apply(c, root_fd, src, sub, NULL, &b, NULL, err);
		}
		if (r < 0)
			return -1;
		/* "cpu,cpuacct" is also reachable as "cpu" and "cpuacct" */
		for (const char *tk = name; strchr(name, ',') && *tk;) {
			char link[64];
			size_t tl = strcspn(tk, ",");
			snprintf(link, sizeof(link), "%.*s", (int)tl, tk);
			if (symlinkat(name, dir, link) < 0 && errno != EEXIST)
				return err_set(err, errno, "symlink %s/%s", m->destination, link);
			tk += tl + (tk[tl] ? 1 : 0);
		}
	}
	if (p->flags & MS_RDONLY) {
		int top AUTO_CLOSE = rootfs_open_in(root_fd, m->destination, O_PATH | O_DIRECTORY, 0, err);
		char at[32];
		MNT_FDPATH(at, top);
		if (top < 0 || mnt_remount(at, p->flags | MS_BIND, 0) < 0)
			return top < 0 ? -1 : err_set(err, errno, "remount %s read-only", m->destination);
	}
	return 0;
}

/* ---- /dev ---- */

/* Create the device node path (in-root) as asked; in a user namespace, where mknod is
 * not allowed, bind the host's node onto an empty file. */
static int dev_create(const struct rootfs_ctx *c, int root_fd, const char *path, char type,
		      int64_t major, int64_t minor, mode_t mode, uid_t uid, gid_t gid,
		      struct ctr_error *err)
{
	char clean[PATH_MAX], at[32], inroot[PATH_MAX] = "";
	if (rootfs_clean(path, clean, sizeof(clean)) < 0 || !strcmp(clean, "/"))
		return err_set(err, EINVAL, "device path %s", path);
	char *name = strrchr(clean, '/');
	*name++ = 0;
	mode_t fmt = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
	dev_t rdev = makedev((unsigned)major, (unsigned)minor);
	int dir AUTO_CLOSE = rootfs_walk(root_fd, clean[0] ? clean : "/", O_PATH | O_DIRECTORY, 0,
					 ROOTFS_MKDIR, err);
	if (dir < 0 || mnt_fd_inroot(c, dir, inroot, sizeof(inroot), err) < 0)
		return err_prefix(err, "device %s", path);
	struct stat st;
	bool bind = c->userns && fmt != S_IFIFO;
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		/* something is already there: never follow it, replace it unless it is this node */
		if (S_ISDIR(st.st_mode))
			return err_set(err, EEXIST, "device %s: a directory is in the way", path);
		if (bind || (st.st_mode & S_IFMT) != fmt || st.st_rdev != rdev) {
			if (unlinkat(dir, name, 0) < 0)
				return err_set(err, errno, "device %s: remove the old entry", path);
		}
	}
	int r;
	if (bind)
		r = mknodat(dir, name, S_IFREG | 0600, 0);
	else
		r = mknodat(dir, name, fmt | (mode & 07777), rdev);
	if (r < 0 && errno != EEXIST)
		return err_set(err, errno, "mknod %s", path);
	int fd AUTO_CLOSE = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return err_set(err, errno, "open %s", path);
	MNT_FDPATH(at, fd);
	if (bind) {
		char host[PATH_MAX];
		if (snprintf(host, sizeof(host), "%s/%s", clean, name) >= (int)sizeof(host))
			return err_set(err, ENAMETOOLONG, "device %s", path);
		if (!S_ISREG(st.st_mode) || mount(host, at, NULL, MS_BIND, NULL) < 0)
			return err_set(err, S_ISREG(st.st_mode) ? errno : EEXIST, "bind %s", host);
		return 0;
	}
	if ((st.st_mode & S_IFMT) != fmt)
		return err_set(err, EEXIST, "device %s changed while being created", path);
	/* through the fd: chmod/chown never follow a symlink swapped in */
	if (chown(at, uid, gid) < 0 || chmod(at, mode & 07777) < 0)
		return err_set(err, errno, "set owner and mode of %s", path);
	return 0;
}

static const struct { char name[8]; unsigned char major, minor; } dev_defaults[] = {
	{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7},
	{"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

static bool dev_in_spec(const struct spec *s, const char *path)
{
	char a[PATH_MAX], b[PATH_MAX];
	for (size_t i = 0; s->has_linux && i < s->lx.n_devices; i++)
		if (rootfs_clean(s->lx.devices[i].path, a, sizeof(a)) == 0 &&
		    rootfs_clean(path, b, sizeof(b)) == 0 && !strcmp(a, b))
			return true;
	return false;
}

/* Default devices (when /dev is the container's own, not a bind), linux.devices, and the
 * usual /dev symlinks, as runc makes them. */
static int rootfs_devices(const struct rootfs_ctx *c, int root_fd, bool own_dev,
			  struct ctr_error *err)
{
	const struct spec *s = c->spec;
	char path[64];
	for (size_t i = 0; own_dev && i < ARRAY_LEN(dev_defaults); i++) {
		strcpy(path, "/dev/");
		strcat(path, dev_defaults[i].name);
		if (!dev_in_spec(s, path) &&
		    dev_create(c, root_fd, path, 'c', dev_defaults[i].major, dev_defaults[i].minor,
			       0666, 0, 0, err) < 0)
			return -1;
	}
	for (size_t i = 0; s->has_linux && i < s->lx.n_devices; i++) {
		const struct spec_device *d = &s->lx.devices[i];
		if (dev_create(c, root_fd, d->path, d->type, d->major, d->minor,
			       d->file_mode.set ? d->file_mode.v : 0666,
			       d->uid.set ? d->uid.v : 0, d->gid.set ? d->gid.v : 0, err) < 0)
			return err_prefix(err, "linux.devices[%zu]", i);
	}
	if (!own_dev)
		return 0;
	int dev AUTO_CLOSE = rootfs_open_in(root_fd, "/dev", O_PATH | O_DIRECTORY, 0, err);
	if (dev < 0)
		return -1;
	/* for the terminal's bind, in case /dev becomes read-only */
	if (s->has_process && s->process.terminal && mknodat(dev, "console", S_IFREG, 0) < 0 &&
	    errno != EEXIST)
		return err_set(err, errno, "create /dev/console");
	static const char links[][2][16] = {
		{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
		{"/proc/self/fd/2", "stderr"}, {"/proc/kcore", "core"}, {"pts/ptmx", "ptmx"},
	};
	for (size_t i = 0; i < ARRAY_LEN(links); i++) {
		if (i == 4 && access("/proc/kcore", F_OK) < 0)
			continue;
		if (i == 5 && unlinkat(dev, "ptmx", 0) < 0 && errno != ENOENT)
			return err_set(err, errno, "remove /dev/ptmx");
		if (symlinkat(links[i][0], dev, links[i][1]) < 0 && errno != EEXIST)
			return err_set(err, errno, "symlink /dev/%s", links[i][1]);
	}
	return 0;
}

/* ---- rootfs_setup ---- */

static int rootfs_prop_flags(const struct spec *s, unsigned long *flags, struct ctr_error *err)
{
	const char *v = s->has_linux ? s->lx.rootfs_propagation : NULL;
	if (!v || !*v)
		return 0;
	const struct mnt_opt *o = mnt_opt_find(v);
	if (!o || o->kind != MNT_OPT_PROP)
		return err_set(err, EINVAL, "linux.rootfsPropagation: unknown value \"%s\"", v);
	*flags = o->val;
	return 1;
}

/* pivot_root and the rootfs bind need the mount holding the rootfs not to be shared. */
static int rootfs_parent_private(const char *rootfs, struct ctr_error *err)
{
	AUTO_FREE char *buf = NULL;
	AUTO_FREE struct mnt_info *mi = NULL;
	size_t n = 0, best = 0, best_len = 0;
	if (mnt_info_read(&buf, &mi, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(mi[i].point);
		if (rootfs_path_under(rootfs, mi[i].point) && l >= best_len) {
			best = i;
			best_len = l;
		}
	}
	if (best_len && mi[best].shared && mount("", mi[best].point, NULL, MS_PRIVATE, NULL) < 0)
		return err_set(err, errno, "make %s private", mi[best].point);
	return 0;
}

/* / is not a mount point when we run inside a chroot: give every mount we can see the
 * propagation instead. */
static int rootfs_propagate_all(unsigned long prop, struct ctr_error *err)
{
	int e = errno;
	AUTO_FREE char *buf = NULL;
	AUTO_FREE struct mnt_info *mi = NULL;
	size_t n = 0;
	if (e != EINVAL)
		return err_set(err, e, "mount /");
	if (mnt_info_read(&buf, &mi, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (mount("", mi[i].point, NULL, prop, NULL) < 0)
			return err_set(err, errno, "mount %s", mi[i].point);
	return 0;
}

/* How the spec mounts /dev: 0 not at all, 1 its own (tmpfs), 2 a bind; *flags its MS_*. */
static int rootfs_dev_kind(const struct spec *s, unsigned long *flags)
{
	int kind = 0;
	for (size_t i = 0; i < s->n_mounts; i++) {
		char clean[PATH_MAX];
		const struct spec_mount *m = &s->mounts[i];
		if (!m->destination || rootfs_clean(m->destination, clean, sizeof(clean)) < 0 ||
		    strcmp(clean, "/dev"))
			continue;
		struct mnt_parsed p;
		mnt_parse(m->options, m->n_options, &p);
		sbuf_release(&p.data);
		*flags = p.flags;
		kind = (p.flags & MS_BIND) || (m->type && !strcmp(m->type, "bind")) ? 2 : 1;
	}
	return kind;
}

static int rootfs_setup(const struct rootfs_ctx *c, struct ctr_error *err)
{
	const struct spec *s = c->spec;
	unsigned long prop = MS_SLAVE | MS_REC;
	if (!rootfs_has_ns(s, CLONE_NEWNS)) {
		/* the host's mount namespace: no mounts there; rootfs_enter only chroots */
		bool any = s->n_mounts || (s->has_linux && (s->lx.n_devices || s->lx.n_masked_paths ||
							    s->lx.n_readonly_paths));
		return any ? err_set(err, EINVAL, "mounts, devices, maskedPaths and readonlyPaths "
				     "need a mount namespace (linux.namespaces)") : 0;
	}
	if (c->rootfs[0] != '/')
		return err_set(err, EINVAL, "rootfs %s is not an absolute path", c->rootfs);
	if (rootfs_check_proc(err) < 0 || rootfs_prop_flags(s, &prop, err) < 0)
		return -1;
	if (mount("", "/", NULL, prop, NULL) < 0 && rootfs_propagate_all(prop, err) < 0)
		return err_prefix(err, "set the propagation of /");
	if (rootfs_parent_private(c->rootfs, err) < 0)
		return -1;
	if (mount(c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return err_set(err, errno, "bind mount the rootfs %s", c->rootfs);
	int root_fd AUTO_CLOSE = openat(AT_FDCWD, c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return err_set(err, errno, "open %s", c->rootfs);
	unsigned long dev_flags = 0;
	int dev = rootfs_dev_kind(s, &dev_flags);
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];
		struct mnt_parsed p;
		char clean[PATH_MAX];
		if (!m->destination || rootfs_clean(m->destination, clean, sizeof(clean)) < 0)
			return err_set(err, EINVAL, "mounts[%zu]: bad destination", i);
		mnt_parse(m->options, m->n_options, &p);
		/* devices are made in our own /dev first; rootfs_enter makes it read-only */
		if (dev == 1 && !strcmp(clean, "/dev"))
			p.flags &= ~(unsigned long)MS_RDONLY;
		const char *type = m->type && strcmp(m->type, "none") ? m->type : NULL;
		if (type && !strcmp(type, "bind"))
			p.flags |= MS_BIND;
		if (!(p.flags & MS_BIND) && !type)
			type = "none";
		int r;
		if (p.data.failed)
			r = err_nomem(err);
		else if (type && !(p.flags & MS_BIND) && !strcmp(type, "cgroup"))
			r = mnt_cgroup(c, root_fd, m, &p, err);
		else
			r = mnt_apply(c, root_fd, m->source ? m->source : type, m->destination, type,
				      &p, m, err);
		sbuf_release(&p.data);
		if (r < 0)
			return err_prefix(err, "mounts[%zu] (%s)", i, m->destination);
	}
	/* as runc: a bind-mounted /dev is someone else's; leave it alone */
	return dev == 2 ? 0 : rootfs_devices(c, root_fd, dev == 1, err);
}

/* ---- rootfs_enter ---- */

/* maskedPaths: a dir gets an empty read-only tmpfs, anything else /dev/null; missing
 * paths are skipped. readonlyPaths: bound onto themselves and remounted read-only. */
static int rootfs_protect(const struct rootfs_ctx *c, int root_fd, const char *path, bool mask,
			  struct ctr_error *err)
{
	struct ctr_error e = {0};
	char inroot[PATH_MAX], at[32];
	int fd AUTO_CLOSE = rootfs_open_in(root_fd, path, O_PATH, 0, &e);
	if (fd < 0) {
		if (e.errnum == ENOENT)
			return 0;
		if (err)
			*err = e;
		return -1;
	}
	struct stat st;
	snprintf(inroot, sizeof(inroot), "%s", path);
	if (fstat(fd, &st) < 0 || mnt_fd_inroot(c, fd, inroot, sizeof(inroot), err) < 0)
		return -1;
	MNT_FDPATH(at, fd);
	if (mask) {
		int r = S_ISDIR(st.st_mode) ? mount("tmpfs", at, "tmpfs", MS_RDONLY, NULL) :
			mount("/dev/null", at, NULL, MS_BIND, NULL);
		return r < 0 ? err_set(err, errno, "mask %s", path) : 0;
	}
	if (mount(at, at, NULL, MS_BIND | MS_REC, NULL) < 0)
		return err_set(err, errno, "bind %s for readonlyPaths", path);
	int top AUTO_CLOSE = mnt_reopen(c, root_fd, inroot, err);
	if (top < 0)
		return -1;
	MNT_FDPATH(at, top);
	if (mnt_remount(at, MS_BIND | MS_RDONLY, 0) < 0)
		return err_set(err, errno, "remount %s read-only", path);
	return 0;
}

/* --no-pivot (or an initramfs root): hide the host's proc and sysfs mounts as runc does,
 * then move the rootfs over / and chroot into it. The old root stays shadowed under
 * the rootfs in this private mount namespace: ".." from the new root leads back to it. */
static int rootfs_move_root(const struct rootfs_ctx *c, struct ctr_error *err)
{
	AUTO_FREE char *buf = NULL;
	AUTO_FREE struct mnt_info *mi = NULL;
	size_t n = 0;
	if (mnt_info_read(&buf, &mi, &n, err) < 0)
		return -1;
	for (size_t i = n; i-- > 0;) {
		const char *p = mi[i].point;
		if ((strcmp(mi[i].fstype, "proc") && strcmp(mi[i].fstype, "sysfs")) ||
		    rootfs_path_under(p, c->rootfs))
			continue;
		mount("", p, NULL, MS_SLAVE | MS_REC, NULL);
		if (umount2(p, MNT_DETACH) < 0 && errno != ENOENT) {
			if (errno != EINVAL && errno != EPERM)
				return err_set(err, errno, "unmount %s", p);
			if (mount("tmpfs", p, "tmpfs", MS_RDONLY, NULL) < 0 && errno != ENOENT)
				return err_set(err, errno, "cover %s", p);
		}
	}
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		return err_set(err, errno, "move %s to /", c->rootfs);
	if (chroot(".") < 0)
		return err_set(err, errno, "chroot %s", c->rootfs);
	return 0;
}

static bool rootfs_on_ramfs(void)
{
	struct statfs sf;
	return statfs("/", &sf) == 0 &&
	       ((uint32_t)sf.f_type == ROOTFS_RAMFS_MAGIC || (uint32_t)sf.f_type == ROOTFS_TMPFS_MAGIC);
}

static int rootfs_enter(const struct rootfs_ctx *c, struct ctr_error *err)
{
	const struct spec *s = c->spec;
	unsigned long prop = 0;
	int has_prop = rootfs_prop_flags(s, &prop, err);
	if (has_prop < 0)
		return -1;
	if (!rootfs_has_ns(s, CLONE_NEWNS)) {
		if (chroot(c->rootfs) < 0 || chdir("/") < 0)
			return err_set(err, errno, "chroot %s", c->rootfs);
		return 0;
	}
	if (rootfs_check_proc(err) < 0)
		return -1;
	int root_fd AUTO_CLOSE = openat(AT_FDCWD, c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return err_set(err, errno, "open %s", c->rootfs);
	/* as runc: process.cwd is created (inside the root) while the root is still writable */
	const char *cwd = s->has_process ? s->process.cwd : NULL;
	if (cwd && *cwd) {
		int fd = rootfs_walk(root_fd, cwd, O_PATH | O_DIRECTORY, 0, ROOTFS_MKDIR, err);
		if (fd < 0)
			return err_prefix(err, "process.cwd");
		close(fd);
	}
	/* done on the rootfs' own mounts before the switch (they move along with it), in
	 * runc's order: read-only paths, then masked ones */
	for (size_t i = 0; s->has_linux && i < s->lx.n_readonly_paths; i++)
		if (rootfs_protect(c, root_fd, s->lx.readonly_paths[i], false, err) < 0)
			return err_prefix(err, "linux.readonlyPaths");
	for (size_t i = 0; s->has_linux && i < s->lx.n_masked_paths; i++)
		if (rootfs_protect(c, root_fd, s->lx.masked_paths[i], true, err) < 0)
			return err_prefix(err, "linux.maskedPaths");
	if (fchdir(root_fd) < 0)
		return err_set(err, errno, "chdir %s", c->rootfs);
	bool no_pivot = c->no_pivot;
	if (!no_pivot) {
		/* Held to reach the old root after the pivot: "." (our cwd, the new root) would
		 * make the container's own mounts rslave and lose their propagation options. */
		int old_root AUTO_CLOSE = openat(AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (old_root < 0)
			return err_set(err, errno, "open the old root");
		if (sys_pivot_root(".", ".") == 0) {
			/* the old root is stacked on the new one: detach it without telling the host */
			if (fchdir(old_root) < 0 || mount("", ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 ||
			    umount2(".", MNT_DETACH) < 0)
				return err_set(err, errno, "detach the old root");
		} else if (errno == EINVAL && rootfs_on_ramfs()) {
			no_pivot = true; /* / is an initramfs: pivot_root cannot work there */
		} else {
			return err_set(err, errno, "pivot_root to %s%s", c->rootfs,
				       errno == EINVAL ? " (try --no-pivot)" : "");
		}
	}
	if (no_pivot && rootfs_move_root(c, err) < 0)
		return -1;
	if (chdir("/") < 0)
		return err_set(err, errno, "chdir /");
	unsigned long dev_flags = 0;
	if (rootfs_dev_kind(s, &dev_flags) == 1) {
		/* as runc: stdio on the host's /dev/null now uses the container's */
		struct stat null, st;
		int fd = openat(AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC);
		for (int i = 0; fd >= 0 && i < 3 && fstat(fd, &null) == 0; i++)
			if (fstat(i, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == null.st_rdev &&
			    st.st_ino != null.st_ino && dup2(fd, i) < 0)
				return err_set(err, errno, "reopen /dev/null as fd %d", i);
		if (fd >= 0)
			close(fd);
		if ((dev_flags & MS_RDONLY) && mnt_remount("/dev", dev_flags | MS_BIND, 0) < 0)
			return err_set(err, errno, "remount /dev read-only");
	}
	if (s->root_readonly && mnt_remount("/", MS_BIND | MS_RDONLY, 0) < 0)
		return err_set(err, errno, "remount / read-only (root.readonly)");
	if (has_prop && mount("", "/", NULL, prop, NULL) < 0)
		return err_set(err, errno, "set the propagation of / (linux.rootfsPropagation)");
	return 0;
}
