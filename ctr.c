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
	if ((size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", old);
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
	char base[32];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%09ldZ", base, (long)ts.tv_nsec);
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

/* ======================================================================
 * json: strict RFC 8259 parser (into a tree with positions) and writer
 * ====================================================================== */

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

/* How a number was written: an integer that fits int64, one that fits only uint64
 * (above INT64_MAX), or anything else (fraction, exponent, or beyond 64 bits). */
enum json_numkind { JSON_NUM_INT, JSON_NUM_UINT, JSON_NUM_DOUBLE };

struct json {
	enum json_type type;
	unsigned line, col;      /* 1-based position of the value's first byte */
	const char *key;         /* member name when this value is in an object, else NULL */
	size_t keylen;
	bool b;                  /* JSON_BOOL */
	enum json_numkind numkind;
	int64_t i;               /* JSON_NUM_INT: exact value */
	uint64_t u;              /* JSON_NUM_UINT, and JSON_NUM_INT when >= 0: exact value */
	double d;                /* every number, as a double */
	const char *s;           /* JSON_STRING: decoded UTF-8, NUL-terminated */
	size_t slen;             /* its length (it may hold \u0000) */
	struct json *items;      /* JSON_ARRAY / JSON_OBJECT: n children, in document order */
	size_t n;
};

struct json_limits {
	size_t max_bytes;        /* 0: JSON_DEFAULT_MAX_BYTES */
	unsigned max_depth;      /* 0: JSON_DEFAULT_MAX_DEPTH */
};
#define JSON_DEFAULT_MAX_BYTES (16u << 20)
#define JSON_DEFAULT_MAX_DEPTH 200

struct json_doc;

/* Parse text[0..len). source names the input in errors ("config.json"). On error the
 * message reads "<source>:<line>:<col>: <what was wrong>, expected <what>". */
static int json_parse(const char *text, size_t len, const char *source,
		      const struct json_limits *limits, struct json_doc **out,
		      struct ctr_error *err);
static const struct json *json_root(const struct json_doc *doc);
static void json_free(struct json_doc *doc);

/* Member of an object by name (the last one if repeated); NULL if absent or v is not
 * an object. */
static const struct json *json_get(const struct json *obj, const char *key);

/* Writer. indent NULL gives compact output; otherwise each level is indented by it
 * ("\t", "  ", "    "), with ": " after keys, like Go's json.MarshalIndent. */
struct jw {
	struct sbuf *sb;
	const char *indent;
	unsigned depth;
	bool first[64];          /* per level: no element written yet */
	bool after_key;
};
static void jw_init(struct jw *w, struct sbuf *sb, const char *indent);
static void jw_obj_begin(struct jw *w);
static void jw_obj_end(struct jw *w);
static void jw_arr_begin(struct jw *w);
static void jw_arr_end(struct jw *w);
static void jw_key(struct jw *w, const char *key);
static void jw_str(struct jw *w, const char *s);
static void jw_strn(struct jw *w, const char *s, size_t len);
static void jw_int(struct jw *w, int64_t v);
static void jw_uint(struct jw *w, uint64_t v);
static void jw_double(struct jw *w, double v);
static void jw_bool(struct jw *w, bool v);
static void jw_null(struct jw *w);
/* Write an already-encoded JSON value verbatim. */
static void jw_raw(struct jw *w, const char *json, size_t len);
/* Re-emit a parsed value (with this writer's formatting). */
static void jw_value(struct jw *w, const struct json *v);

/* ======================================================================
 * spec: the OCI runtime-spec config model (config.json, 1.0.x - 1.3.x)
 * ====================================================================== */

/* Optional scalars: `set` tells whether the field was present. */
struct opt_i64 { bool set; int64_t v; };
struct opt_u64 { bool set; uint64_t v; };
struct opt_u32 { bool set; uint32_t v; };
struct opt_bool { bool set; bool v; };

/* All strings and arrays below are owned by the struct spec (or struct spec_process
 * document) they come from; string arrays are also NULL-terminated. */

struct spec_kv { const char *key, *value; };

struct spec_idmap { uint32_t container_id, host_id, size; };

struct spec_mount {
	const char *destination;
	const char *source;          /* NULL if absent */
	const char *type;            /* NULL if absent */
	const char **options; size_t n_options;
	struct spec_idmap *uid_mappings; size_t n_uid_mappings;
	struct spec_idmap *gid_mappings; size_t n_gid_mappings;
};

struct spec_rlimit { int resource; /* RLIMIT_* */ const char *type; uint64_t hard, soft; };

/* Capability sets as bitmasks of CAP_* numbers; `set` says the list was present. */
struct spec_capset { bool set; uint64_t mask; };
struct spec_caps { struct spec_capset bounding, effective, inheritable, permitted, ambient; };

struct spec_user {
	uint32_t uid, gid;
	struct opt_u32 umask;
	uint32_t *additional_gids; size_t n_additional_gids;
	const char *username;        /* Windows only; kept for completeness */
};

struct spec_scheduler {
	bool set;
	int policy;                  /* SCHED_* */
	int32_t nice, priority;
	uint64_t flags;              /* SCHED_FLAG_* bits */
	uint64_t runtime, deadline, period;
};

struct spec_process {
	bool terminal;
	struct opt_u32 console_height, console_width;
	struct spec_user user;
	const char **args; size_t n_args;
	const char *command_line;    /* Windows only; ignored on Linux */
	const char **env; size_t n_env;
	const char *cwd;
	bool has_caps;
	struct spec_caps caps;
	struct spec_rlimit *rlimits; size_t n_rlimits;
	bool no_new_privileges;
	const char *apparmor_profile;
	struct opt_i64 oom_score_adj;
	const char *selinux_label;
	bool has_io_priority;
	int io_priority_class;       /* IOPRIO_CLASS_RT/BE/IDLE */
	int io_priority;
	struct spec_scheduler scheduler;
	const char *exec_cpu_affinity_initial, *exec_cpu_affinity_final;
};

enum spec_hook_kind {
	HOOK_PRESTART, HOOK_CREATE_RUNTIME, HOOK_CREATE_CONTAINER,
	HOOK_START_CONTAINER, HOOK_POSTSTART, HOOK_POSTSTOP, HOOK_KIND_COUNT
};

struct spec_hook {
	const char *path;
	const char **args; size_t n_args;
	const char **env; size_t n_env;
	struct opt_i64 timeout;      /* seconds, > 0 */
};

struct spec_namespace { int type; /* CLONE_NEW* */ const char *path; /* NULL: create */ };

struct spec_time_offset { int clock; /* CLOCK_MONOTONIC / CLOCK_BOOTTIME */ int64_t secs; uint32_t nanosecs; };

struct spec_device {
	char type;                   /* 'c', 'u', 'b', 'p' */
	const char *path;
	int64_t major, minor;
	struct opt_u32 file_mode, uid, gid;
};

struct spec_net_device { const char *host_name; const char *name; /* NULL: keep name */ };

/* linux.resources.devices entry: type 'a' means all. */
struct spec_device_rule {
	bool allow;
	char type;                   /* 'a', 'c', 'b' */
	struct opt_i64 major, minor; /* unset means wildcard */
	const char *access;          /* subset of "rwm"; NULL means "rwm" */
};

struct spec_memory {
	struct opt_i64 limit, reservation, swap, kernel, kernel_tcp;
	struct opt_u64 swappiness;
	struct opt_bool disable_oom_killer, use_hierarchy, check_before_update;
};

struct spec_cpu {
	struct opt_u64 shares, period, realtime_period, burst;
	struct opt_i64 quota, realtime_runtime, idle;
	const char *cpus, *mems;
};

struct spec_weight_device { int64_t major, minor; struct opt_u32 weight, leaf_weight; };
struct spec_throttle_device { int64_t major, minor; uint64_t rate; };

struct spec_blkio {
	struct opt_u32 weight, leaf_weight;
	struct spec_weight_device *weight_devices; size_t n_weight_devices;
	struct spec_throttle_device *throttle_read_bps; size_t n_throttle_read_bps;
	struct spec_throttle_device *throttle_write_bps; size_t n_throttle_write_bps;
	struct spec_throttle_device *throttle_read_iops; size_t n_throttle_read_iops;
	struct spec_throttle_device *throttle_write_iops; size_t n_throttle_write_iops;
};

struct spec_hugepage { const char *page_size; uint64_t limit; };
struct spec_net_prio { const char *name; uint32_t priority; };
struct spec_rdma { const char *device; struct opt_u32 hca_handles, hca_objects; };

struct spec_resources {
	struct spec_device_rule *devices; size_t n_devices;
	bool has_memory; struct spec_memory memory;
	bool has_cpu; struct spec_cpu cpu;
	bool has_pids; struct opt_i64 pids_limit;
	bool has_blkio; struct spec_blkio blkio;
	struct spec_hugepage *hugepages; size_t n_hugepages;
	bool has_network; struct opt_u32 net_class_id;
	struct spec_net_prio *net_priorities; size_t n_net_priorities;
	struct spec_rdma *rdma; size_t n_rdma;
	struct spec_kv *unified; size_t n_unified;
};

/* Seccomp actions and operators, our own numbering (the BPF return values are made
 * by the seccomp section). */
enum sc_action {
	SC_ACT_KILL_THREAD, SC_ACT_KILL_PROCESS, SC_ACT_TRAP, SC_ACT_ERRNO,
	SC_ACT_TRACE, SC_ACT_ALLOW, SC_ACT_LOG, SC_ACT_NOTIFY
};
enum sc_op { SC_OP_NE, SC_OP_LT, SC_OP_LE, SC_OP_EQ, SC_OP_GE, SC_OP_GT, SC_OP_MASKED_EQ };

struct spec_seccomp_arg { uint32_t index; uint64_t value, value_two; enum sc_op op; };

struct spec_seccomp_rule {
	const char **names; size_t n_names;
	enum sc_action action;
	struct opt_u32 errno_ret;    /* ERRNO/TRACE value; unset: EPERM for ERRNO */
	struct spec_seccomp_arg *args; size_t n_args;
};

struct spec_seccomp {
	enum sc_action default_action;
	struct opt_u32 default_errno_ret;
	const char **architectures; size_t n_architectures; /* "SCMP_ARCH_X86_64", ... */
	const char **flags; size_t n_flags;                  /* "SECCOMP_FILTER_FLAG_LOG", ... */
	const char *listener_path;
	const char *listener_metadata;
	struct spec_seccomp_rule *syscalls; size_t n_syscalls;
};

struct spec_linux {
	struct spec_namespace *namespaces; size_t n_namespaces;
	struct spec_idmap *uid_mappings; size_t n_uid_mappings;
	struct spec_idmap *gid_mappings; size_t n_gid_mappings;
	struct spec_time_offset *time_offsets; size_t n_time_offsets;
	struct spec_device *devices; size_t n_devices;
	struct spec_net_device *net_devices; size_t n_net_devices;
	const char *cgroups_path;
	bool has_resources; struct spec_resources resources;
	struct spec_kv *sysctl; size_t n_sysctl;
	struct spec_seccomp *seccomp;            /* NULL when absent */
	const char *rootfs_propagation;
	const char **masked_paths; size_t n_masked_paths;
	const char **readonly_paths; size_t n_readonly_paths;
	const char *mount_label;
	bool has_personality; const char *personality_domain;
	const char **personality_flags; size_t n_personality_flags;
	bool has_memory_policy; const char *memory_policy_mode, *memory_policy_nodes;
	const char **memory_policy_flags; size_t n_memory_policy_flags;
	bool has_intel_rdt; const char *intel_rdt_clos_id, *intel_rdt_l3_cache_schema,
		*intel_rdt_mem_bw_schema;
};

struct spec {
	const char *oci_version;
	const char *root_path;       /* as written (relative to the bundle or absolute) */
	bool root_readonly;
	struct spec_mount *mounts; size_t n_mounts;
	bool has_process; struct spec_process process;
	const char *hostname, *domainname;
	struct spec_hook *hooks[HOOK_KIND_COUNT]; size_t n_hooks[HOOK_KIND_COUNT];
	struct spec_kv *annotations; size_t n_annotations;
	bool has_linux; struct spec_linux lx;
	void *priv;                  /* the parser's storage (document, arena) */
};

/* Parse config.json text. source names it in errors. Errors name the JSON path and
 * position: "config.json: linux.resources.memory.limit: expected integer at 12:27". */
static int spec_parse(const char *text, size_t len, const char *source, struct spec **out,
		      struct ctr_error *err);
/* Read and parse <bundle>/config.json. */
static int spec_load(const char *bundle, struct spec **out, struct ctr_error *err);
static void spec_free(struct spec *s);

/* ======================================================================
 * state
 * ====================================================================== */

/* One directory per container under the root: <root>/<id>/state.json (written atomically
 * under an flock on <root>/<id>), plus whatever files the lifecycle keeps there. */

struct state {
	char *id, *bundle, *rootfs, *owner;
	char created[64];            /* RFC 3339 UTC with nanoseconds */
	pid_t pid;                   /* init's host PID; 0 if none */
	unsigned long long pid_start;/* init's start time (field 22 of /proc/PID/stat): a
	                                reused PID is not mistaken for the init */
	char *annotations_json;      /* the config's annotations object, or NULL */
	char *cgroup_json;           /* the cgroup section's own record (cgroup_state_write) */
	char *config_path;           /* copy of config.json kept in the state dir (for exec) */
};

#define STATE_CREATE 1               /* make the directory; fail if the container exists */
#define STATE_SHARED 2               /* shared lock instead of exclusive */

struct state_handle {
	int root_fd, dir_fd;         /* -1 when closed */
	char *id;
};

/* Open (or with STATE_CREATE create) the container's state dir and lock it. A missing
 * container gives errnum ENOENT and a message containing "does not exist" (podman
 * matches on that). */
static int state_open(const char *root, const char *id, int flags, struct state_handle *h,
		      struct ctr_error *err);
static void state_close(struct state_handle *h);
static int state_load(struct state_handle *h, struct state *st, struct ctr_error *err);
static int state_save(struct state_handle *h, const struct state *st, struct ctr_error *err);
static void state_free(struct state *st);
/* Remove the whole state dir (the handle stays valid only for state_close). */
static int state_remove(struct state_handle *h, struct ctr_error *err);
/* The start time of pid (0 if it does not exist). */
static unsigned long long pid_start_time(pid_t pid);
/* True if pid is alive and is still the process that had start time `start`. */
static bool pid_alive(pid_t pid, unsigned long long start);

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

/* ======================================================================
 * seccomp
 * ====================================================================== */

/* linux.seccomp compiled to classic BPF by our own generator (or by libseccomp when
 * built with LIBSECCOMP=1). */
struct sc_filter;

/* Compile in the parent (before fork), so the init only installs. */
static int seccomp_compile(const struct spec_seccomp *sc, struct sc_filter **out,
			   struct ctr_error *err);
static void seccomp_filter_free(struct sc_filter *f);
/* Install in the calling process right before execve. *listener_fd gets the
 * SECCOMP_FILTER_FLAG_NEW_LISTENER fd when the profile uses NOTIFY, else -1. */
static int seccomp_install(const struct sc_filter *f, int *listener_fd, struct ctr_error *err);
/* Send the notify fd with the container process state to linux.seccomp.listenerPath
 * (SCM_RIGHTS), as the runtime-spec describes. */
static int seccomp_send_listener(const struct spec_seccomp *sc, int listener_fd, pid_t pid,
				 const char *state_json, struct ctr_error *err);
/* The "seccomp" object of the features document. */
static void seccomp_features(struct jw *w);

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
 * then maskedPaths, readonlyPaths and root.readonly. */
static int rootfs_enter(const struct rootfs_ctx *c, struct ctr_error *err);
/* Open path inside the tree at root_fd without ever leaving it (symlinks resolved as if
 * root_fd were /). */
static int rootfs_open_in(int root_fd, const char *path, int flags, mode_t mode,
			  struct ctr_error *err);

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
/* init: execve args[0] (PATH lookup in the process env); returns only on failure. */
static int process_exec(const struct spec_process *p, struct ctr_error *err);

/* ======================================================================
 * terminal
 * ====================================================================== */

/* ======================================================================
 * hooks
 * ====================================================================== */

/* ======================================================================
 * lifecycle
 * ====================================================================== */

/* ======================================================================
 * cgroup API: ctr_pause, ctr_resume, ctr_update, ctr_ps, ctr_stats_json
 * ====================================================================== */
