/*
 * ctr.c - the whole implementation of ctr, a small OCI container runtime.
 *
 * One file, read top to bottom, one concern per section in dependency order:
 *   util -> json -> spec -> state -> cgroup -> seccomp -> rootfs -> process
 *   -> terminal -> hooks -> lifecycle API.
 * Everything is static except the ctr_* API declared in ctr.h.
 *
 * Licensed under the Apache License, Version 2.0.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "ctr.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>

/* ======================================================================
 * util: errors, memory, string buffers, files, raw syscalls
 * ====================================================================== */

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define UNUSED __attribute__((unused))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* Record an error and return -1. errnum (an errno, or 0) is appended as text. */
PRINTF_LIKE(3, 4)
static int err_set(struct ctr_error *err, int errnum, const char *fmt, ...)
{
	if (!err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (errnum && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", strerror(errnum));
	err->errnum = errnum;
	return -1;
}

/* Prefix the message already in err with context ("creating cgroup: <old>"); returns -1. */
PRINTF_LIKE(2, 3)
static int err_prefix(struct ctr_error *err, const char *fmt, ...)
{
	if (!err)
		return -1;
	char old[sizeof(err->msg)];
	memcpy(old, err->msg, sizeof(old));
	old[sizeof(old) - 1] = 0;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	/* append ": <old>" by hand: truncation is expected and fine here */
	size_t len = (size_t)n < sizeof(err->msg) ? (size_t)n : sizeof(err->msg) - 1;
	const char *parts[2] = {": ", old};
	for (int k = 0; k < 2; k++)
		for (const char *p = parts[k]; *p && len + 1 < sizeof(err->msg); p++)
			err->msg[len++] = *p;
	err->msg[len] = 0;
	return -1;
}

static int err_nomem(struct ctr_error *err)
{
	return err_set(err, ENOMEM, "out of memory");
}

/* Cleanup helpers: one release path for each resource, even on early returns. */
static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}
static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
#define AUTO_FREE __attribute__((cleanup(cleanup_freep)))
#define AUTO_CLOSE __attribute__((cleanup(cleanup_closep)))

/* Hand a resource out of an AUTO_ scope: returns its value and disarms the cleanup. */
#define TAKE_PTR(p) ({ __typeof__(p) take_tmp_ = (p); (p) = NULL; take_tmp_; })
#define TAKE_FD(fd) ({ int take_tmp_ = (fd); (fd) = -1; take_tmp_; })

static void *mem_alloc(size_t size, struct ctr_error *err)
{
	void *p = calloc(1, size ? size : 1);
	if (!p)
		err_nomem(err);
	return p;
}

static void *mem_array(size_t count, size_t size, struct ctr_error *err)
{
	if (size && count > SIZE_MAX / size) {
		err_nomem(err);
		return NULL;
	}
	return mem_alloc(count * size, err);
}

static char *mem_strdup(const char *s, struct ctr_error *err)
{
	char *d = strdup(s ? s : "");
	if (!d)
		err_nomem(err);
	return d;
}

/* A growable byte string; allocation failure is sticky in `failed`. Always NUL-terminated. */
struct sbuf {
	char *buf;
	size_t len, cap;
	bool failed;
};

static bool sbuf_reserve(struct sbuf *sb, size_t extra)
{
	if (sb->failed)
		return false;
	if (sb->len + extra + 1 <= sb->cap)
		return true;
	size_t cap = sb->cap ? sb->cap : 256;
	while (cap < sb->len + extra + 1) {
		if (cap > SIZE_MAX / 2) {
			sb->failed = true;
			return false;
		}
		cap *= 2;
	}
	char *nb = realloc(sb->buf, cap);
	if (!nb) {
		sb->failed = true;
		return false;
	}
	sb->buf = nb;
	sb->cap = cap;
	return true;
}

static void sbuf_add(struct sbuf *sb, const void *data, size_t len)
{
	if (!sbuf_reserve(sb, len))
		return;
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = 0;
}

static void sbuf_adds(struct sbuf *sb, const char *s)
{
	sbuf_add(sb, s, strlen(s));
}

static void sbuf_addc(struct sbuf *sb, char c)
{
	sbuf_add(sb, &c, 1);
}

PRINTF_LIKE(2, 3)
static void sbuf_addf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sbuf_reserve(sb, (size_t)n)) {
		sb->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

static void sbuf_release(struct sbuf *sb)
{
	free(sb->buf);
	memset(sb, 0, sizeof(*sb));
}

/* Hand the buffer to the caller (who frees it); fails if any append failed. */
static int sbuf_take(struct sbuf *sb, char **out, struct ctr_error *err)
{
	if (sb->failed || !sbuf_reserve(sb, 0)) {
		sbuf_release(sb);
		return err_nomem(err);
	}
	*out = sb->buf;
	memset(sb, 0, sizeof(*sb));
	return 0;
}

/* write() all of buf, retrying on EINTR and short writes. */
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* read() up to len bytes, retrying on EINTR and short reads; returns bytes read or -1. */
static ssize_t read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Read a whole file (relative to dirfd, or AT_FDCWD) into a NUL-terminated buffer.
 * Files larger than max bytes are refused. */
static int read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len_out,
			struct ctr_error *err)
{
	int fd AUTO_CLOSE = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_set(err, errno, "open %s", path);
	struct sbuf sb = {0};
	char chunk[4096];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			sbuf_release(&sb);
			return err_set(err, e, "read %s", path);
		}
		if (n == 0)
			break;
		if (sb.len + (size_t)n > max) {
			sbuf_release(&sb);
			return err_set(err, EFBIG, "%s is larger than %zu bytes", path, max);
		}
		sbuf_add(&sb, chunk, (size_t)n);
	}
	size_t len = sb.len;
	if (sbuf_take(&sb, out, err) < 0)
		return -1;
	if (len_out)
		*len_out = len;
	return 0;
}

static int read_file(const char *path, size_t max, char **out, size_t *len_out,
		     struct ctr_error *err)
{
	return read_file_at(AT_FDCWD, path, max, out, len_out, err);
}

/* The name of uid in /etc/passwd ("name:pw:uid:..."), for the owner runc shows; cheaper
 * than getpwuid, which also pulls in nscd lookups and stdio getline (~3.5 KB static).
 * -1 when there is none. */
static int util_user_name(uid_t uid, char *buf, size_t size)
{
	char *text AUTO_FREE = NULL;
	if (read_file("/etc/passwd", 1 << 22, &text, NULL, NULL) < 0)
		return -1;
	for (char *l = text; *l;) {
		char *nl = strchrnul(l, '\n'), *c1 = memchr(l, ':', (size_t)(nl - l)), *e;
		char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(nl - c1 - 1)) : NULL;
		if (c2 && c1 > l && (unsigned)(c2[1] - '0') <= 9 &&
		    strtoul(c2 + 1, &e, 10) == uid && *e == ':') {
			snprintf(buf, size, "%.*s", (int)(c1 - l), l);
			return 0;
		}
		l = *nl ? nl + 1 : nl;
	}
	return -1;
}

/* Write a small file in place (cgroup, proc and sysfs knobs: no truncation games). */
static int write_file_at(int dirfd, const char *path, const void *data, size_t len,
			 struct ctr_error *err)
{
	int fd AUTO_CLOSE = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_set(err, errno, "open %s", path);
	if (write_all(fd, data, len) < 0)
		return err_set(err, errno, "write %s", path);
	return 0;
}

/* Replace dirfd/name atomically: write a temp file, fsync, rename over, fsync the dir. */
static int write_file_atomic(int dirfd, const char *name, const void *data, size_t len,
			     mode_t mode, struct ctr_error *err)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), ".%s.tmp.%ld", name, (long)getpid()) >= (int)sizeof(tmp))
		return err_set(err, ENAMETOOLONG, "%s", name);
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return err_set(err, errno, "create %s", tmp);
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		int e = errno;
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return err_set(err, e, "write %s", name);
	}
	close(fd);
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		int e = errno;
		unlinkat(dirfd, tmp, 0);
		return err_set(err, e, "rename %s", name);
	}
	if (dirfd != AT_FDCWD)
		fsync(dirfd);
	return 0;
}

/* strtoull/strtoll for whole strings only: no sign surprises, no trailing junk. */
static int parse_u64(const char *s, uint64_t *out)
{
	if (!s || !*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

static int parse_i64(const char *s, int64_t *out)
{
	if (!s || !*s || isspace((unsigned char)*s) || *s == '+')
		return -1;
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static bool str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* mkdir -p with mode; existing directories are fine. */
static int mkdir_p(const char *path, mode_t mode, struct ctr_error *err)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	if (len == 0 || len >= sizeof(buf))
		return err_set(err, ENAMETOOLONG, "mkdir %s", path);
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || *p == 0) {
			char c = *p;
			*p = 0;
			if (mkdir(buf, mode) < 0 && errno != EEXIST)
				return err_set(err, errno, "mkdir %s", buf);
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

/* Current time as RFC 3339 UTC with nanoseconds, as runc writes "created". */
static void time_rfc3339(char *buf, size_t size)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	/* by hand: strftime drags in ~5 KB of libc (time zones, locale) */
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)ts.tv_nsec);
}

/* ---- raw syscalls: wrappers libc may lack (musl, older glibc) ---- */

#ifndef SYS_pivot_root
#define SYS_pivot_root __NR_pivot_root
#endif

static int sys_pivot_root(const char *new_root, const char *put_old)
{
	return (int)syscall(SYS_pivot_root, new_root, put_old);
}

#ifdef SYS_openat2
#define CTR_HAVE_OPENAT2 1
#endif
#ifdef SYS_clone3
#define CTR_HAVE_CLONE3 1
#endif
#ifdef SYS_pidfd_open
#define CTR_HAVE_PIDFD 1
#endif
#ifdef SYS_mount_setattr
#define CTR_HAVE_MOUNT_API 1
#endif

/* struct open_how and RESOLVE_* from linux/openat2.h, kept here so musl builds need no
 * kernel headers for them. */
struct ctr_open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};
#define CTR_RESOLVE_NO_XDEV 0x01
#define CTR_RESOLVE_NO_MAGICLINKS 0x02
#define CTR_RESOLVE_NO_SYMLINKS 0x04
#define CTR_RESOLVE_BENEATH 0x08
#define CTR_RESOLVE_IN_ROOT 0x10

static int sys_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode,
		       uint64_t resolve)
{
#ifdef CTR_HAVE_OPENAT2
	struct ctr_open_how how = {.flags = flags, .mode = mode, .resolve = resolve};
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
#else
	(void)dirfd; (void)path; (void)flags; (void)mode; (void)resolve;
	errno = ENOSYS;
	return -1;
#endif
}

static int sys_pidfd_open(pid_t pid, unsigned flags)
{
#ifdef CTR_HAVE_PIDFD
	return (int)syscall(SYS_pidfd_open, pid, flags);
#else
	(void)pid; (void)flags;
	errno = ENOSYS;
	return -1;
#endif
}

/* setresuid/setresgid/setgroups without libc's all-threads broadcast (musl's __synccall,
 * ~2 KB): ctr's processes are single-threaded. The *32 calls take 32-bit ids on old
 * 32-bit ABIs whose plain calls take 16-bit ones. */
#ifdef SYS_setresuid32
#define CTR_SYS_SETRESUID SYS_setresuid32
#define CTR_SYS_SETRESGID SYS_setresgid32
#define CTR_SYS_SETGROUPS SYS_setgroups32
#else
#define CTR_SYS_SETRESUID SYS_setresuid
#define CTR_SYS_SETRESGID SYS_setresgid
#define CTR_SYS_SETGROUPS SYS_setgroups
#endif

static int sys_setresuid(uid_t uid)
{
	return (int)syscall(CTR_SYS_SETRESUID, uid, uid, uid);
}

static int sys_setresgid(gid_t gid)
{
	return (int)syscall(CTR_SYS_SETRESGID, gid, gid, gid);
}

static int sys_setgroups(size_t n, const gid_t *gids)
{
	return (int)syscall(CTR_SYS_SETGROUPS, n, gids);
}

static int sys_pidfd_send_signal(int pidfd, int sig)
{
#ifdef SYS_pidfd_send_signal
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
#else
	(void)pidfd; (void)sig;
	errno = ENOSYS;
	return -1;
#endif
}
