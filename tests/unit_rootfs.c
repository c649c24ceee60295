/* Unit tests for the rootfs section: in-root path resolution, option parsing, and whole
 * rootfs_setup + rootfs_enter runs in children with their own mount namespace, on a
 * temporary tree made here (no busybox needed). Needs root for the mount tests. */
#include "../ctr.c"
#include "t.h"
#include <sys/statvfs.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

static char top[PATH_MAX];      /* temp dir: top/host (stands for the host), top/rootfs */
static char rootfs[PATH_MAX];

static void mk(const char *rel, const char *content)
{
	char p[PATH_MAX + 64];
	snprintf(p, sizeof(p), "%s/%s", top, rel);
	if (!content) {
		mkdir_p(p, 0755, NULL);
		return;
	}
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		write_all(fd, content, strlen(content));
		close(fd);
	}
}

static void ln(const char *target, const char *rel)
{
	char p[PATH_MAX + 64];
	snprintf(p, sizeof(p), "%s/%s", top, rel);
	unlink(p);
	if (symlink(target, p) < 0)
		perror(p);
}

static bool same_file(int fd, const char *path)
{
	struct stat a, b;
	return fd >= 0 && fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

/* ---- pure tests ---- */

static void test_clean(void)
{
	static const char *cases[][2] = {
		{"/", "/"}, {"", "/"}, {"a/b", "/a/b"}, {"/a/../../b", "/b"}, {"//a/./b/", "/a/b"},
		{"/dev/../proc/.", "/proc"}, {"../..", "/"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char out[PATH_MAX];
		rootfs_clean(cases[i][0], out, sizeof(out));
		CHECK(!strcmp(out, cases[i][1]), "clean \"%s\" -> \"%s\" (got %s)", cases[i][0], cases[i][1], out);
	}
}

static void test_parse(void)
{
	static const char *opts[] = {"nosuid", "strictatime", "mode=755", "size=65536k", "rbind",
				     "ro", "rw", "ro", "rslave", "private", "rro", "rnoatime", "idmap", "noexec", "exec"};
	struct mnt_parsed p;
	mnt_parse(opts, ARRAY_LEN(opts), &p);
	CHECK(p.flags == (MS_NOSUID | MS_STRICTATIME | MS_BIND | MS_REC | MS_RDONLY),
	      "parse: flags (0x%lx)", p.flags);
	CHECK(p.cleared == MS_NOEXEC, "parse: cleared flags (0x%lx)", p.cleared);
	CHECK(p.data.buf && !strcmp(p.data.buf, "mode=755,size=65536k"), "parse: data \"%s\"",
	      p.data.buf ? p.data.buf : "");
	CHECK(p.n_props == 2 && p.props[0] == (MS_SLAVE | MS_REC) && p.props[1] == MS_PRIVATE,
	      "parse: propagation in order");
	CHECK(p.rec.attr_set == (MNT_ATTR_RDONLY | MNT_ATTR_NOATIME) && p.rec.attr_clr == MNT_ATTR_ATIME,
	      "parse: recursive attributes");
	CHECK(p.idmap == 1, "parse: idmap");
	sbuf_release(&p.data);
}

/* Resolution inside the tree, through openat2 and through the manual walk. */
static void test_resolve(void)
{
	char p[PATH_MAX];
	int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(p, sizeof(p), "%s/etc/hostname", rootfs);
	for (int manual = 0; manual < 2; manual++) {
		const char *how = manual ? "walk" : "openat2";
#define OPEN(path, fl) (manual ? rootfs_walk(root, path, fl, 0, ROOTFS_OPEN, &e) : rootfs_open_in(root, path, fl, 0, &e))
		struct ctr_error e = {0};
		int fd = OPEN("evil/etc/hostname", O_RDONLY);
		CHECK(same_file(fd, p), "%s: evil -> / stays in the root", how);
		close(fd);
		fd = OPEN("/../../../../etc/hostname", O_RDONLY);
		CHECK(same_file(fd, p), "%s: .. stops at the root", how);
		close(fd);
		fd = OPEN("up/up/etc/hostname", O_PATH);
		CHECK(same_file(fd, p), "%s: relative ../.. symlinks stay in the root", how);
		close(fd);
		fd = OPEN("abs/hostname", O_RDONLY);
		CHECK(same_file(fd, p), "%s: absolute symlink resolved at the root", how);
		close(fd);
		fd = OPEN("loop/x", O_PATH);
		CHECK(fd < 0 && e.errnum == ELOOP, "%s: symlink loop gives ELOOP (%d)", how, e.errnum);
		fd = OPEN("etc/passwd-host-only", O_PATH);
		CHECK(fd < 0 && e.errnum == ENOENT, "%s: missing file is ENOENT", how);
		fd = OPEN("abs", O_PATH | O_NOFOLLOW);
		struct stat st;
		CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode), "%s: O_NOFOLLOW keeps the last symlink", how);
		close(fd);
		fd = OPEN("etc/hostname/x", O_PATH);
		CHECK(fd < 0 && e.errnum == ENOTDIR, "%s: file in the middle is ENOTDIR", how);
#undef OPEN
	}
	/* creation follows symlinks inside the root, never out of it */
	struct ctr_error e = {0};
	int fd = rootfs_walk(root, "evil/tmp/newdir/sub", O_PATH | O_DIRECTORY, 0, ROOTFS_MKDIR, &e);
	snprintf(p, sizeof(p), "%s/tmp/newdir/sub", rootfs);
	CHECK(same_file(fd, p), "walk mkdir through evil -> / creates inside the root");
	close(fd);
	fd = rootfs_walk(root, "dangle/x", O_PATH | O_DIRECTORY, 0, ROOTFS_MKDIR, &e);
	snprintf(p, sizeof(p), "%s/nonexistent-%d/dir/x", rootfs, (int)getpid());
	CHECK(same_file(fd, p), "walk mkdir through a dangling absolute symlink stays inside");
	close(fd);
	fd = rootfs_walk(root, "evil/tmp/newfile", O_PATH, 0, ROOTFS_MKFILE, &e);
	snprintf(p, sizeof(p), "%s/tmp/newfile", rootfs);
	struct stat st;
	CHECK(same_file(fd, p) && stat(p, &st) == 0 && S_ISREG(st.st_mode), "walk creates an empty file target");
	close(fd);
	close(root);
}

/* ---- mount tests, each in a child with its own mount namespace ---- */

static struct spec *spec_new(void)
{
	struct spec *s = calloc(1, sizeof(*s));
	static struct spec_namespace mntns = {.type = CLONE_NEWNS};
	s->has_linux = true;
	s->lx.namespaces = &mntns;
	s->lx.n_namespaces = 1;
	return s;
}

static void add_mount(struct spec *s, const char *dest, const char *type, const char *src,
		      const char *opts_csv)
{
	s->mounts = realloc(s->mounts, (s->n_mounts + 1) * sizeof(*s->mounts));
	struct spec_mount *m = &s->mounts[s->n_mounts++];
	memset(m, 0, sizeof(*m));
	m->destination = dest;
	m->type = type;
	m->source = src;
	if (opts_csv) {
		char *copy = strdup(opts_csv), *save = NULL;
		m->options = calloc(32, sizeof(char *));
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
			m->options[m->n_options++] = t;
	}
}

/* The topmost mount at point: its per-mount options, fstype and super options. */
static bool mi_find(const char *point, char *opts, char *fstype, char *super)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	bool found = false;
	while (f && fgets(line, sizeof(line), f)) {
		char mp[1024], o[1024], rest[2048];
		if (sscanf(line, "%*s %*s %*s %*s %1023s %1023s %2047[^\n]", mp, o, rest) != 3)
			continue;
		mountinfo_unescape(mp);
		if (strcmp(mp, point))
			continue;
		char *dash = strstr(rest, "- ");
		if (!dash)
			continue;
		found = true;
		if (opts)
			strcpy(opts, o);
		if (fstype || super) {
			char ft[256] = "", src[1024] = "", so[1024] = "";
			sscanf(dash + 2, "%255s %1023s %1023s", ft, src, so);
			if (fstype)
				strcpy(fstype, ft);
			if (super)
				strcpy(super, so);
		}
	}
	if (f)
		fclose(f);
	return found;
}

static bool has_opt(const char *opts, const char *o)
{
	char a[1100], b[64];
	snprintf(a, sizeof(a), ",%s,", opts);
	snprintf(b, sizeof(b), ",%s,", o);
	return strstr(a, b) != NULL;
}

static int write_fails_with(const char *path, int want)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		close(fd);
		unlink(path);
		return 0;
	}
	return errno == want;
}

static bool is_chr(const char *path, unsigned ma, unsigned mi)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == ma &&
	       minor(st.st_rdev) == mi;
}

static bool link_is(const char *path, const char *target)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	if (n < 0)
		return false;
	buf[n] = 0;
	return !strcmp(buf, target);
}

typedef void (*child_fn)(void *);

/* Run fn in a child with a private mount namespace; its checks print PASS/FAIL. */
static void in_child(const char *name, child_fn fn, void *arg)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 || mount("", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
			T_FAIL("%s: unshare mount namespace: %s", name, strerror(errno));
			fflush(stdout);
			_exit(1);
		}
		fn(arg);
		fflush(stdout);
		_exit(t_failed);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		t_failed = 1;
	if (WIFSIGNALED(status))
		T_FAIL("%s: child killed by signal %d", name, WTERMSIG(status));
}

/* The chroot escape: from a fresh chroot in a subdir, climb ".." and look around. True
 * when the climb ends in the container's root and the host marker is out of sight. */
static bool escape_contained(const char *host_marker)
{
	struct stat root, here;
	if (stat("/", &root) < 0)
		return false;
	if (mkdir("/escape-dir", 0755) < 0 && errno != EEXIST)
		return false;
	if (chroot("/escape-dir") < 0)
		return false;
	for (int i = 0; i < 64; i++)
		if (chdir("..") < 0)
			return false;
	if (chroot(".") < 0 || stat(".", &here) < 0)
		return false;
	bool ok = here.st_ino == root.st_ino && here.st_dev == root.st_dev &&
		  access(host_marker, F_OK) < 0;
	return ok;
}

static char marker[PATH_MAX];  /* a host file the container must never see */

static void child_full(void *arg)
{
	(void)arg;
	char hostdir[PATH_MAX], hostfile[PATH_MAX], recdir[PATH_MAX], sub[PATH_MAX], p[PATH_MAX];
	snprintf(hostdir, sizeof(hostdir), "%s/host/data", top);
	snprintf(hostfile, sizeof(hostfile), "%s/host/file", top);
	snprintf(recdir, sizeof(recdir), "%s/host/rec", top);
	snprintf(sub, sizeof(sub), "%s/host/rec/sub", top);
	if (mount("tmpfs", sub, "tmpfs", 0, "size=1m") < 0)
		T_FAIL("full: tmpfs for the rro test: %s", strerror(errno));
	static char escape_dest[128];
	snprintf(escape_dest, sizeof(escape_dest), "/evil/tmp/ctr-unit-escape-%d", (int)getppid());

	struct spec *s = spec_new();
	add_mount(s, "/proc", "proc", "proc", NULL);
	add_mount(s, "/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k,ro");
	add_mount(s, "/dev/pts", "devpts", "devpts", "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5");
	add_mount(s, "/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=1m");
	add_mount(s, "/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro");
	add_mount(s, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid,noexec,nodev,relatime,ro");
	add_mount(s, "/mnt/ro", "bind", hostdir, "rbind,ro,nosuid");
	add_mount(s, "/mnt/rw", NULL, hostdir, "bind,noexec");
	add_mount(s, "/mnt/file", "bind", hostfile, "bind,ro");
	add_mount(s, "/mnt/rec", "bind", recdir, "rbind,rro");
	add_mount(s, escape_dest, "tmpfs", "tmpfs", "size=16k");
	add_mount(s, "/evil/../mnt/atime", "tmpfs", "tmpfs", "noatime,nodiratime");
	add_mount(s, "/etc", "tmpfs", "tmpfs", "tmpcopyup,mode=755");
	add_mount(s, "/a", "tmpfs", "tmpfs", "tmpcopyup,ro");
	static char ovl[3 * PATH_MAX];
	AUTO_FREE char *fstypes = NULL;
	read_file("/proc/filesystems", 1 << 20, &fstypes, NULL, NULL);
	bool have_overlay = fstypes && strstr(fstypes, "\toverlay\n");
	if (have_overlay) {
		snprintf(ovl, sizeof(ovl), "lowerdir=%s/host/data,upperdir=%s/host/upper,workdir=%s/host/work",
			 top, top, top);
		add_mount(s, "/mnt/ovl", "overlay", "overlay", "nodev");
		s->mounts[s->n_mounts - 1].options[1] = ovl;
		s->mounts[s->n_mounts - 1].n_options = 2;
	}
	static const char *masked[] = {"/proc/kcore", "/proc/timer_list", "/sys/firmware",
				       "/proc/does-not-exist", "/etc/secret"};
	static const char *ro[] = {"/proc/sys", "/proc/sysrq-trigger", "/proc/fs", "/nope"};
	bool have_kcore = access("/proc/kcore", F_OK) == 0;
	bool have_sysrq = access("/proc/sysrq-trigger", F_OK) == 0;
	s->lx.masked_paths = masked;
	s->lx.n_masked_paths = ARRAY_LEN(masked);
	s->lx.readonly_paths = ro;
	s->lx.n_readonly_paths = ARRAY_LEN(ro);
	static struct spec_device devs[2];
	devs[0] = (struct spec_device){.type = 'c', .path = "/dev/fuse", .major = 10, .minor = 229,
				       .file_mode = {true, 0600}, .uid = {true, 1}, .gid = {true, 2}};
	devs[1] = (struct spec_device){.type = 'c', .path = "/dev/null", .major = 1, .minor = 3,
				       .file_mode = {true, 0640}};
	s->lx.devices = devs;
	s->lx.n_devices = 2;

	struct rootfs_ctx c = {.spec = s, .rootfs = rootfs};
	struct ctr_error e = {0};
	int r = rootfs_setup(&c, &e);
	CHECK(r == 0, "full: rootfs_setup (%s)", r ? e.msg : "ok");
	if (r)
		return;
	/* before the switch: cgroup v1 binds are the container's own cgroup dirs */
	struct statfs sf;
	if (statfs("/sys/fs/cgroup", &sf) == 0 && (uint32_t)sf.f_type != ROOTFS_CGROUP2_MAGIC) {
		AUTO_FREE char *cg = NULL;
		char ctrls[256], path[PATH_MAX], host[PATH_MAX];
		read_file("/proc/self/cgroup", 1 << 20, &cg, NULL, NULL);
		if (cg && mnt_cg_path(cg, "rw,memory", ctrls, sizeof(ctrls), path, sizeof(path))) {
			snprintf(host, sizeof(host), "/sys/fs/cgroup/memory%s", path);
			snprintf(p, sizeof(p), "%s/sys/fs/cgroup/memory", rootfs);
			struct stat a, b;
			CHECK(stat(host, &a) == 0 && stat(p, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev,
			      "full: cgroup v1 memory is the container's own cgroup dir (%s)", host);
		}
	}
	int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nullfd < 0 || dup2(nullfd, 0) < 0)
		T_FAIL("full: stdin from /dev/null: %s", strerror(errno));
	r = rootfs_enter(&c, &e);
	CHECK(r == 0, "full: rootfs_enter (%s)", r ? e.msg : "ok");
	if (r)
		return;
	char o[1024], ft[256], so[1024];
	CHECK(access("/etc/hostname", F_OK) == 0 && access(marker, F_OK) < 0, "full: pivoted into the rootfs");
	CHECK(mi_find("/", o, NULL, NULL), "full: / is a mount point");
	CHECK(mi_find("/proc", NULL, ft, NULL) && !strcmp(ft, "proc") && access("/proc/self/status", F_OK) == 0,
	      "full: /proc is procfs");
	CHECK(mi_find("/dev", o, ft, so) && !strcmp(ft, "tmpfs") && has_opt(o, "nosuid") &&
	      has_opt(so, "size=65536k") && has_opt(so, "mode=755"),
	      "full: /dev tmpfs nosuid size=65536k mode=755 (%s / %s)", o, so);
	CHECK(has_opt(o, "ro") && write_fails_with("/dev/newfile", EROFS), "full: /dev \"ro\" applied after the devices");
	struct stat st, st0;
	CHECK(fstat(0, &st0) == 0 && stat("/dev/null", &st) == 0 && st.st_ino == st0.st_ino && st.st_dev == st0.st_dev,
	      "full: stdin on the host's /dev/null reopened on the container's");
	CHECK(statfs("/dev/shm", &sf) == 0 && (uint64_t)sf.f_blocks * sf.f_bsize == 1 << 20,
	      "full: /dev/shm size=1m is 1 MiB");
	CHECK(mi_find("/dev/shm", o, NULL, NULL) && has_opt(o, "nodev") && has_opt(o, "noexec"),
	      "full: /dev/shm nodev,noexec (%s)", o);
	CHECK(mi_find("/dev/pts", NULL, ft, so) && !strcmp(ft, "devpts") && has_opt(so, "ptmxmode=666"),
	      "full: devpts newinstance with ptmxmode (%s)", so);
	CHECK(mi_find("/sys", o, ft, NULL) && !strcmp(ft, "sysfs") && has_opt(o, "ro"), "full: /sys sysfs ro");
	CHECK(mi_find("/sys/fs/cgroup", o, NULL, NULL) && has_opt(o, "ro") &&
	      write_fails_with("/sys/fs/cgroup/x", EROFS), "full: /sys/fs/cgroup is read-only (%s)", o);
	if (mi_find("/sys/fs/cgroup/memory", o, ft, NULL))
		CHECK(!strcmp(ft, "cgroup") && has_opt(o, "ro"), "full: cgroup v1 memory bound read-only (%s)", o);
	else if (!mi_find("/sys/fs/cgroup", NULL, ft, NULL) || strcmp(ft, "cgroup2"))
		T_FAIL("full: no cgroup hierarchy under /sys/fs/cgroup");
	if (lstat("/sys/fs/cgroup/cpu,cpuacct", &st) == 0)
		CHECK(link_is("/sys/fs/cgroup/cpu", "cpu,cpuacct"), "full: cpu -> cpu,cpuacct symlink");
	CHECK(mi_find("/mnt/ro", o, NULL, NULL) && has_opt(o, "ro") && has_opt(o, "nosuid") &&
	      write_fails_with("/mnt/ro/new", EROFS), "full: ro bind is really read-only (%s)", o);
	CHECK(access("/mnt/ro/hello", F_OK) == 0, "full: bind shows the host dir");
	CHECK(mi_find("/mnt/rw", o, NULL, NULL) && !has_opt(o, "ro") && has_opt(o, "noexec") &&
	      write_fails_with("/mnt/rw/new", 0) == 0, "full: bind with type NULL and noexec (%s)", o);
	CHECK(stat("/mnt/file", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 5 &&
	      write_fails_with("/mnt/file", EROFS), "full: file bind onto a created file, read-only");
	CHECK(mi_find("/mnt/rec/sub", o, NULL, NULL) && has_opt(o, "ro") &&
	      write_fails_with("/mnt/rec/sub/x", EROFS), "full: rro makes submounts read-only (%s)", o);
	CHECK(mi_find("/mnt/atime", o, NULL, NULL) && has_opt(o, "noatime") && has_opt(o, "nodiratime"),
	      "full: /evil/../mnt/atime lands on /mnt/atime with noatime,nodiratime");
	snprintf(p, sizeof(p), "/tmp/ctr-unit-escape-%d", (int)getppid());
	CHECK(mi_find(p, NULL, ft, NULL) && !strcmp(ft, "tmpfs"), "full: /evil/tmp/x mounted inside the rootfs");
	CHECK(mi_find("/etc", NULL, ft, NULL) && !strcmp(ft, "tmpfs") && access("/etc/hostname", F_OK) == 0 &&
	      link_is("/etc/deep/link", "../hostname") && stat("/etc/deep/dir/f", &st) == 0 && st.st_uid == 7 &&
	      (st.st_mode & 07777) == 0604, "full: tmpcopyup copies files, dirs, symlinks, owner, mode");
	CHECK(link_is("/a/b/up", "../..") && write_fails_with("/a/x", EROFS), "full: tmpcopyup,ro is read-only after the copy");
	if (have_overlay)
		CHECK(mi_find("/mnt/ovl", o, ft, so) && !strcmp(ft, "overlay") && has_opt(o, "nodev") &&
		      access("/mnt/ovl/hello", F_OK) == 0 && write_fails_with("/mnt/ovl/new", 0) == 0,
		      "full: overlay with lowerdir/upperdir/workdir data");
	/* masked and read-only paths */
	char buf[16];
	const char *mfile = have_kcore ? "/proc/kcore" : "/proc/timer_list";
	int fd = open(mfile, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 0 && is_chr(mfile, 1, 3),
	      "full: %s masked with /dev/null", mfile);
	if (fd >= 0)
		close(fd);
	CHECK(!mi_find("/proc/does-not-exist", NULL, NULL, NULL), "full: missing masked path skipped");
	CHECK(mi_find("/sys/firmware", o, ft, NULL) && !strcmp(ft, "tmpfs") && has_opt(o, "ro") &&
	      write_fails_with("/sys/firmware/x", EROFS), "full: /sys/firmware masked with a ro tmpfs");
	fd = open("/etc/secret", O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 0, "full: a regular file is masked");
	if (fd >= 0)
		close(fd);
	CHECK(mi_find("/proc/sys", o, NULL, NULL) && has_opt(o, "ro") &&
	      write_fails_with("/proc/sys/kernel/hostname", EROFS), "full: /proc/sys read-only");
	if (have_sysrq)
		CHECK(mi_find("/proc/sysrq-trigger", o, NULL, NULL) && has_opt(o, "ro"), "full: /proc/sysrq-trigger read-only");
	CHECK(mi_find("/proc/fs", o, NULL, NULL) && has_opt(o, "ro") && !mi_find("/nope", NULL, NULL, NULL),
	      "full: /proc/fs read-only, missing /nope skipped");
	/* devices */
	CHECK(is_chr("/dev/zero", 1, 5) && is_chr("/dev/full", 1, 7) && is_chr("/dev/random", 1, 8) &&
	      is_chr("/dev/urandom", 1, 9) && is_chr("/dev/tty", 5, 0), "full: default devices");
	CHECK(is_chr("/dev/null", 1, 3) && stat("/dev/null", &st) == 0 && (st.st_mode & 07777) == 0640,
	      "full: linux.devices overrides a default (/dev/null 0640)");
	CHECK(is_chr("/dev/fuse", 10, 229) && stat("/dev/fuse", &st) == 0 && (st.st_mode & 07777) == 0600 &&
	      st.st_uid == 1 && st.st_gid == 2, "full: linux.devices /dev/fuse 10:229 0600 1:2");
	CHECK(link_is("/dev/fd", "/proc/self/fd") && link_is("/dev/stdin", "/proc/self/fd/0") &&
	      link_is("/dev/stdout", "/proc/self/fd/1") && link_is("/dev/stderr", "/proc/self/fd/2") &&
	      link_is("/dev/ptmx", "pts/ptmx"), "full: /dev symlinks");
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1, "full: /dev/null works");
	if (fd >= 0)
		close(fd);
	/* nothing of the host is reachable, not even by a chroot escape */
	CHECK(escape_contained(marker), "full: chroot escape after pivot_root stays in the container");
}

static void child_nopivot(void *arg)
{
	bool initramfs = arg != NULL;
	const char *name = initramfs ? "initramfs" : "no-pivot";
	char root[PATH_MAX];
	snprintf(root, sizeof(root), "%s", rootfs);
	if (initramfs) {
		/* simulate: / becomes a tmpfs (moved over the old root, chrooted into) whose
		 * parent mount is shared, so pivot_root fails with EINVAL as on an initramfs */
		char t[PATH_MAX];
		snprintf(t, sizeof(t), "%s/ramroot", top);
		mkdir(t, 0755);
		if (mount("tmpfs", t, "tmpfs", 0, "size=4m") < 0) {
			T_FAIL("%s: tmpfs: %s", name, strerror(errno));
			return;
		}
		char d[PATH_MAX + 32];
		snprintf(d, sizeof(d), "%s/proc", t);
		mkdir_p(d, 0755, NULL);
		snprintf(d, sizeof(d), "%s/ctr", t);
		mkdir_p(d, 0755, NULL);
		snprintf(d, sizeof(d), "%s/host-marker", t);
		close(open(d, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
		snprintf(d, sizeof(d), "%s/ctr", t);
		if (mount(rootfs, d, NULL, MS_BIND | MS_REC, NULL) < 0) {
			T_FAIL("%s: bind: %s", name, strerror(errno));
			return;
		}
		snprintf(d, sizeof(d), "%s/proc", t);
		mount("proc", d, "proc", 0, NULL);
		if (chdir(t) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 ||
		    mount("", "/", NULL, MS_SHARED, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0) {
			T_FAIL("%s: fake initramfs root: %s", name, strerror(errno));
			return;
		}
		strcpy(root, "/ctr");
		strcpy(marker, "/host-marker");
		CHECK(access(marker, F_OK) == 0, "%s: the fake initramfs root is in place", name);
	}
	struct spec *s = spec_new();
	add_mount(s, "/proc", "proc", "proc", NULL);
	add_mount(s, "/tmp", "tmpfs", "tmpfs", "size=1m");
	s->root_readonly = true;
	s->has_process = true;
	s->process.cwd = "/evil/work/dir";
	struct rootfs_ctx c = {.spec = s, .rootfs = root, .no_pivot = !initramfs};
	struct ctr_error e = {0};
	int r = rootfs_setup(&c, &e);
	if (!r)
		r = rootfs_enter(&c, &e);
	CHECK(r == 0, "%s: setup + enter (%s)", name, r ? e.msg : "ok");
	if (r)
		return;
	CHECK(access("/etc/hostname", F_OK) == 0 && access(marker, F_OK) < 0, "%s: in the rootfs", name);
	CHECK(write_fails_with("/newfile", EROFS), "%s: root.readonly makes / read-only", name);
	struct stat cst;
	CHECK(stat("/work/dir", &cst) == 0 && S_ISDIR(cst.st_mode) && access("/evil/work/dir", F_OK) == 0,
	      "%s: a missing process.cwd is made (inside the root) before / is read-only", name);
	char o[1024];
	CHECK(mi_find("/", o, NULL, NULL) && has_opt(o, "ro"), "%s: / mounted ro (%s)", name, o);
	CHECK(write_fails_with("/tmp/ok", 0) == 0, "%s: /tmp tmpfs writable", name);
	/* host /proc and /sys must be gone from this mount namespace */
	AUTO_FREE char *mi = NULL;
	read_file("/proc/self/mountinfo", 1 << 20, &mi, NULL, NULL);
	int procs = 0;
	for (char *l = mi; l && (l = strstr(l, " - proc ")); l++)
		procs++;
	CHECK(procs == 1 && (!mi || !strstr(mi, " - sysfs ")), "%s: the host's proc and sysfs are unmounted (%d proc)", name, procs);
	if (mkdir("/tmp/escape-dir", 0755) == 0 && chroot("/tmp/escape-dir") == 0) {
		struct stat want, here;
		stat("..", &want); /* cwd is still the container root */
		for (int i = 0; i < 64; i++)
			if (chdir("..") < 0)
				break;
		bool ok = chroot(".") == 0 && stat("/", &here) == 0 && access("/etc/hostname", F_OK) == 0 &&
			  access(marker, F_OK) < 0;
		struct stat croot;
		ok = ok && stat("/etc", &croot) == 0;
		DIR *d = opendir("/");
		int n = 0, host_only = 0;
		for (struct dirent *de; d && (de = readdir(d));) {
			n++;
			if (!strcmp(de->d_name, "host-marker") || !strcmp(de->d_name, "ctr") ||
			    !strcmp(de->d_name, "ramroot"))
				host_only++;
		}
		if (d)
			closedir(d);
		CHECK(ok && n > 2 && host_only == 0, "%s: chroot escape (chroot x; cd ../..) sees only the container", name);
	} else {
		T_FAIL("%s: escape setup: %s", name, strerror(errno));
	}
}

static void child_proc_symlink(void *arg)
{
	(void)arg;
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/evilproc", top);
	struct spec *s = spec_new();
	add_mount(s, "/proc", "proc", "proc", NULL);
	struct rootfs_ctx c = {.spec = s, .rootfs = p};
	struct ctr_error e = {0};
	int r = rootfs_setup(&c, &e);
	CHECK(r < 0 && strstr(e.msg, "symlink"), "proc symlink: refused (%s)", e.msg);
	snprintf(p, sizeof(p), "%s/evilproc/tmp", top);
	CHECK(!mi_find(p, NULL, NULL, NULL), "proc symlink: nothing mounted on the link target");
	/* and a sysfs through a symlinked /sys */
	snprintf(p, sizeof(p), "%s/evilproc", top);
	s = spec_new();
	add_mount(s, "/sys", "sysfs", "sysfs", NULL);
	c.spec = s;
	r = rootfs_setup(&c, &e);
	CHECK(r < 0 && strstr(e.msg, "symlink"), "sys symlink: refused (%s)", e.msg);
	/* a tmpfs under /proc is refused, like runc */
	s = spec_new();
	add_mount(s, "/proc", "proc", "proc", NULL);
	add_mount(s, "/proc/sys", "tmpfs", "tmpfs", NULL);
	c.spec = s;
	c.rootfs = rootfs;
	r = rootfs_setup(&c, &e);
	CHECK(r < 0 && strstr(e.msg, "inside /proc"), "mount inside /proc refused (%s)", e.msg);
	/* a bind that is not procfs on /proc */
	s = spec_new();
	snprintf(p, sizeof(p), "%s/host/data", top);
	add_mount(s, "/proc", "bind", p, "bind");
	c.spec = s;
	r = rootfs_setup(&c, &e);
	CHECK(r < 0 && strstr(e.msg, "not of type proc"), "non-proc bind on /proc refused (%s)", e.msg);
}

static void child_idmap(void *arg)
{
	(void)arg;
	char src[PATH_MAX];
	snprintf(src, sizeof(src), "%s/host/data", top);
	struct spec *s = spec_new();
	add_mount(s, "/mnt/idmapped", "bind", src, "bind,idmap");
	static struct spec_idmap map = {.container_id = 0, .host_id = 1000, .size = 1};
	s->mounts[0].uid_mappings = &map;
	s->mounts[0].n_uid_mappings = 1;
	s->mounts[0].gid_mappings = &map;
	s->mounts[0].n_gid_mappings = 1;
	struct rootfs_ctx c = {.spec = s, .rootfs = rootfs};
	struct ctr_error e = {0};
	int r = rootfs_setup(&c, &e);
	if (r < 0 && (e.errnum == EINVAL || e.errnum == ENOSYS || e.errnum == EPERM) && strstr(e.msg, "idmap")) {
		T_SKIP("idmap: this kernel or filesystem has no idmapped mounts (%s)", e.msg);
		return;
	}
	CHECK(r == 0, "idmap: setup (%s)", r ? e.msg : "ok");
	char p[PATH_MAX];
	struct stat st;
	snprintf(p, sizeof(p), "%s/mnt/idmapped/hello", rootfs);
	CHECK(stat(p, &st) == 0 && st.st_uid == 1000 && st.st_gid == 1000,
	      "idmap: root-owned file shows as 1000:1000 (%u:%u)", st.st_uid, st.st_gid);
	struct spec *s2 = spec_new();
	add_mount(s2, "/mnt/idmapped2", "bind", src, "bind,idmap");
	c.spec = s2;
	r = rootfs_setup(&c, &e);
	CHECK(r < 0 && strstr(e.msg, "user namespace"), "idmap without mappings or userns refused (%s)", e.msg);
}

/* In a new user namespace (identity-mapped by the parent) and then a new mount
 * namespace: mknod is not allowed there, devices are bound; the host mounts are locked,
 * so remounts must keep their locked flags; sysfs falls back to a bind of /sys. */
static void child_userns(void *arg)
{
	(void)arg;
	/* a nosuid,nodev source: a user namespace cannot clear those (locked) */
	char locked[PATH_MAX];
	snprintf(locked, sizeof(locked), "%s/host/locked", top);
	mkdir(locked, 0755);
	if (mount("tmpfs", locked, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") < 0)
		T_FAIL("userns: tmpfs: %s", strerror(errno));
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		char ok = unshare(CLONE_NEWUSER) == 0 ? '1' : '0';
		if (write(sv[1], &ok, 1) != 1 || read(sv[1], &ok, 1) != 1 || ok != '1')
			_exit(2);
		if (unshare(CLONE_NEWNS) < 0) {
			T_FAIL("userns: unshare mount namespace: %s", strerror(errno));
			fflush(stdout);
			_exit(1);
		}
		char hostdir[PATH_MAX];
		snprintf(hostdir, sizeof(hostdir), "%s/host/data", top);
		struct spec *s = spec_new();
		add_mount(s, "/dev", "tmpfs", "tmpfs", "nosuid,mode=755");
		add_mount(s, "/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro");
		add_mount(s, "/mnt/ro", "bind", hostdir, "rbind,ro");
		add_mount(s, "/mnt/locked", "bind", locked, "bind,ro,noexec");
		add_mount(s, "/mnt/unlock", "bind", locked, "bind,suid");
		static const char *masked[] = {"/etc/secret"};
		s->lx.masked_paths = masked;
		s->lx.n_masked_paths = 1;
		struct rootfs_ctx c = {.spec = s, .rootfs = rootfs, .userns = true};
		struct ctr_error e = {0};
		/* asking to clear a locked flag is an error, not silently ignored */
		int r = rootfs_setup(&c, &e);
		CHECK(r < 0 && e.errnum == EPERM && strstr(e.msg, "/mnt/unlock"),
		      "userns: clearing a locked nosuid is refused (%s)", e.msg);
		s->n_mounts--;
		r = rootfs_setup(&c, &e);
		if (!r)
			r = rootfs_enter(&c, &e);
		CHECK(r == 0, "userns: setup + enter (%s)", r ? e.msg : "ok");
		if (!r) {
			/* no /proc here (a procfs needs a pid namespace of this user namespace) */
			struct statfs sf;
			CHECK(is_chr("/dev/null", 1, 3) && is_chr("/dev/urandom", 1, 9) && is_chr("/dev/tty", 5, 0),
			      "userns: devices are bind mounts of the host's");
			int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
			char b[4] = {1, 1, 1, 1};
			CHECK(fd >= 0 && read(fd, b, 4) == 4 && !b[0] && !b[3], "userns: bound /dev/zero works");
			if (fd >= 0)
				close(fd);
			CHECK(statfs("/mnt/ro", &sf) == 0 && (sf.f_flags & ST_RDONLY) && access("/mnt/ro/hello", F_OK) == 0 &&
			      write_fails_with("/mnt/ro/x", EROFS), "userns: ro bind of a locked mount");
			CHECK(statfs("/sys", &sf) == 0 && (sf.f_flags & ST_RDONLY) && access("/sys/kernel", F_OK) == 0,
			      "userns: /sys mounted read-only (sysfs or the host's, bound)");
			CHECK(statfs("/mnt/locked", &sf) == 0 && (sf.f_flags & ST_RDONLY) && (sf.f_flags & ST_NOSUID) &&
			      (sf.f_flags & ST_NODEV) && (sf.f_flags & ST_NOEXEC), "userns: ro remount keeps locked nosuid,nodev");
			fd = open("/etc/secret", O_RDONLY | O_CLOEXEC);
			CHECK(fd >= 0 && read(fd, b, 4) == 0, "userns: masked file");
			if (fd >= 0)
				close(fd);
		}
		fflush(stdout);
		_exit(t_failed);
	}
	char ok = 0;
	char path[64];
	int r = read(sv[0], &ok, 1) == 1 && ok == '1' ? 0 : -1;
	for (int g = 0; r == 0 && g < 2; g++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, g ? "gid_map" : "uid_map");
		r = write_file_at(AT_FDCWD, path, "0 0 4294967295\n", 15, NULL);
	}
	ok = r == 0 ? '1' : '0';
	if (write(sv[0], &ok, 1) != 1)
		ok = '0';
	int status = 0;
	waitpid(pid, &status, 0);
	if (ok != '1')
		T_SKIP("userns: cannot create a user namespace here");
	else if (!WIFEXITED(status) || WEXITSTATUS(status))
		t_failed = 1;
	close(sv[0]);
	close(sv[1]);
}

static void test_no_mountns(void)
{
	struct spec *s = spec_new();
	static const char *masked[] = {"/proc/kcore"};
	s->lx.n_namespaces = 0;
	s->lx.masked_paths = masked;
	s->lx.n_masked_paths = 1;
	struct rootfs_ctx c = {.spec = s, .rootfs = rootfs};
	struct ctr_error e = {0};
	CHECK(rootfs_setup(&c, &e) < 0 && strstr(e.msg, "mount namespace"),
	      "maskedPaths without a mount namespace are refused (%s)", e.msg);
}

/* No mount namespace of its own: the mounts are made in the current one, below the
 * rootfs, as runc does; the propagation of / and the rootfs itself are left alone. */
static void child_no_mountns(void *arg)
{
	(void)arg;
	struct spec *s = spec_new();
	s->lx.n_namespaces = 0;
	add_mount(s, "/proc", "proc", "proc", NULL);
	struct rootfs_ctx c = {.spec = s, .rootfs = rootfs};
	struct ctr_error e = {0};
	char self[PATH_MAX + 16];
	snprintf(self, sizeof(self), "%s/proc/self", rootfs);
	int r = rootfs_setup(&c, &e);
	CHECK(r == 0 && access(self, F_OK) == 0, "no mount namespace: mounts made in ours (%s)",
	      r ? e.msg : "ok");
	CHECK(!mi_find(rootfs, NULL, NULL, NULL), "no mount namespace: the rootfs is not bound");
}

static void make_tree(void)
{
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", top);
	const char *dirs[] = {"host/upper", "host/work", "host/data", "host/rec/sub", "rootfs/etc", "rootfs/proc", "rootfs/sys",
			      "rootfs/dev", "rootfs/tmp", "rootfs/a/b", "rootfs/mnt", "evilproc/tmp"};
	for (size_t i = 0; i < ARRAY_LEN(dirs); i++)
		mk(dirs[i], NULL);
	mk("host/data/hello", "hi\n");
	mk("host/file", "file\n");
	mk("host/marker", "host\n");
	mk("rootfs/etc/hostname", "ctr\n");
	mk("rootfs/etc/secret", "secret\n");
	mk("rootfs/etc/deep/dir", NULL);
	mk("rootfs/etc/deep/dir/f", "f\n");
	ln("../hostname", "rootfs/etc/deep/link");
	char f[PATH_MAX + 32];
	snprintf(f, sizeof(f), "%s/rootfs/etc/deep/dir/f", top);
	if (chown(f, 7, 8) < 0 || chmod(f, 0604) < 0)
		perror(f);
	ln("/", "rootfs/evil");
	ln("../..", "rootfs/a/b/up");
	ln("a/b/up", "rootfs/up");
	ln("/etc", "rootfs/abs");
	ln("loop", "rootfs/loop");
	char d[64];
	snprintf(d, sizeof(d), "/nonexistent-%d/dir", (int)getpid());
	ln(d, "rootfs/dangle");
	ln("/tmp", "evilproc/proc");
	ln("/tmp", "evilproc/sys");
	snprintf(marker, sizeof(marker), "%s/host/marker", top);
}

int main(void)
{
	snprintf(top, sizeof(top), "/tmp/ctr-unit-rootfs.XXXXXX");
	if (!mkdtemp(top)) {
		T_FAIL("mkdtemp: %s", strerror(errno));
		return 1;
	}
	make_tree();
	test_clean();
	test_parse();
	test_resolve();
	test_no_mountns();
	if (geteuid() != 0) {
		T_SKIP("rootfs mounts: needs root");
	} else if (getenv("CTR_QEMU_USER")) {
		T_SKIP("rootfs mounts: qemu-user lacks mount_setattr()");
	} else {
		char esc[64];
		snprintf(esc, sizeof(esc), "/tmp/ctr-unit-escape-%d", (int)getpid());
		in_child("full", child_full, NULL);
		struct stat st;
		CHECK(lstat(esc, &st) < 0, "full: the host's /tmp was not touched by /evil/tmp/...");
		rmdir(esc);
		in_child("no-pivot", child_nopivot, NULL);
		in_child("initramfs", child_nopivot, (void *)1);
		in_child("proc symlink", child_proc_symlink, NULL);
		in_child("idmap", child_idmap, NULL);
		in_child("userns", child_userns, NULL);
		in_child("no mount namespace", child_no_mountns, NULL);
		char self[PATH_MAX];
		snprintf(self, sizeof(self), "%s/rootfs", top);
		CHECK(!mi_find(self, NULL, NULL, NULL), "no mount left behind on the host");
	}
	char cmd[PATH_MAX + 32];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		T_FAIL("cleanup %s", top);
	return t_failed;
}
