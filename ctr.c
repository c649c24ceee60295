/*
 * ctr.c - the whole implementation of ctr, a small OCI container runtime.
 *
 * One file, read top to bottom, one concern per section in dependency order (each opens
 * with a banner comment):
 *   util -> json -> spec -> state -> cgroup -> seccomp -> rootfs -> check -> process
 *   -> terminal -> hooks -> spawn toolkit -> lifecycle API -> cgroup API -> exec
 *   -> checkpoint -> features.
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
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
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
#include <termios.h>

/* ======================================================================
 * util: errors, memory, string buffers, files, raw syscalls
 * ====================================================================== */

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define UNUSED __attribute__((unused))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* ---- printf, the subset used here: musl's printf core with its double printing is ~10 KB ----
 * Flags "-0+ #", a width and a precision (digits or *), the lengths hh h l ll z j t, and
 * the conversions d i u x X c s %. No floating point: jw_double prints its own digits. */

struct fmt_spec {
	unsigned flags; /* FMT_* */
	int width, prec; /* prec < 0: none */
	char conv;
};
#define FMT_LEFT 1u
#define FMT_ZERO 2u
#define FMT_PLUS 4u
#define FMT_SPACE 8u
#define FMT_ALT 16u

static void fmt_pad(ctr_put_fn *put, void *ctx, char c, int n)
{
	static const char zeros[16] = "0000000000000000", spaces[16] = "                ";
	for (; n > 0; n -= 16)
		put(ctx, c == '0' ? zeros : spaces, n < 16 ? (size_t)n : 16);
}

/* One field: prefix (sign or 0x), then body, padded to the width; its length. */
static size_t fmt_field(ctr_put_fn *put, void *ctx, const struct fmt_spec *f, const char *prefix,
			const char *body, size_t len, int zeros)
{
	size_t pl = strlen(prefix), n = pl + (size_t)zeros + len;
	int pad = f->width > (int)n ? f->width - (int)n : 0;
	if ((f->flags & FMT_ZERO) && !(f->flags & FMT_LEFT) && f->prec < 0 && f->conv != 's' &&
	    f->conv != 'c') {
		zeros += pad; /* zeros go between the sign and the digits */
		pad = 0;
	}
	if (!(f->flags & FMT_LEFT))
		fmt_pad(put, ctx, ' ', pad);
	put(ctx, prefix, pl);
	fmt_pad(put, ctx, '0', zeros);
	put(ctx, body, len);
	if (f->flags & FMT_LEFT)
		fmt_pad(put, ctx, ' ', pad);
	return n + (size_t)pad;
}

/* An integer conversion of the magnitude u (negative: neg). */
static size_t fmt_int(ctr_put_fn *put, void *ctx, const struct fmt_spec *f, uint64_t u, bool neg)
{
	char buf[24], *p = buf + sizeof(buf);
	unsigned base = f->conv == 'x' || f->conv == 'X' ? 16 : 10;
	const char *dig = f->conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	const char *prefix = neg ? "-" : f->flags & FMT_PLUS ? "+" : f->flags & FMT_SPACE ? " " : "";
	if (base == 16)
		prefix = (f->flags & FMT_ALT) && u ? (f->conv == 'X' ? "0X" : "0x") : "";
	for (; u || (p == buf + sizeof(buf) && f->prec != 0); u /= base)
		*--p = dig[u % base];
	size_t len = (size_t)(buf + sizeof(buf) - p);
	return fmt_field(put, ctx, f, prefix, p, len, f->prec > (int)len ? f->prec - (int)len : 0);
}

/* Read an optional "*" or digits of a width or precision; -1 where there are none. */
static int fmt_num(const char **p, va_list *ap)
{
	if (**p == '*') {
		(*p)++;
		return va_arg(*ap, int);
	}
	int v = -1;
	for (; **p >= '0' && **p <= '9'; (*p)++)
		v = (v < 0 ? 0 : v) * 10 + (**p - '0');
	return v;
}

/* One conversion after its '%'; the bytes produced. */
static size_t fmt_conv(ctr_put_fn *put, void *ctx, const char **pp, va_list *ap)
{
	const char *p = *pp, *fl = "-0+ #", *s;
	struct fmt_spec f = {0};
	for (; *p && (s = strchr(fl, *p)); p++)
		f.flags |= 1u << (s - fl);
	bool star = *p == '*';
	f.width = fmt_num(&p, ap);
	if (star && f.width < 0) { /* a negative * width means left-justified */
		f.flags |= FMT_LEFT;
		f.width = -f.width;
	}
	f.prec = -1;
	if (*p == '.') {
		star = *++p == '*';
		f.prec = fmt_num(&p, ap);
		if (f.prec < 0)
			f.prec = star ? -1 : 0; /* "%.s": 0; a negative *: none */
	}
	int size = 0; /* -2 hh, -1 h, 0 int, 1 long, 2 long long, 3 size_t, 4 intmax_t, 5 ptrdiff_t */
	for (; *p == 'h'; p++)
		size--;
	for (; *p == 'l'; p++)
		size++;
	if (*p == 'z' || *p == 'j' || *p == 't')
		size = *p == 'z' ? 3 : *p == 'j' ? 4 : 5, p++;
	f.conv = *p;
	*pp = *p ? p + 1 : p;
	char c;
	uint64_t u;
	int64_t i;
	switch (f.conv) {
	case 'c':
		c = (char)va_arg(*ap, int);
		return fmt_field(put, ctx, &f, "", &c, 1, 0);
	case 's':
		s = va_arg(*ap, const char *);
		s = s ? s : "(null)";
		return fmt_field(put, ctx, &f, "", s, f.prec < 0 ? strlen(s) : strnlen(s, (size_t)f.prec), 0);
	case 'd':
	case 'i':
		i = size == 1 ? va_arg(*ap, long) : size == 2 ? va_arg(*ap, long long) :
		    size == 3 ? (int64_t)va_arg(*ap, ssize_t) : size == 4 ? va_arg(*ap, intmax_t) :
		    size == 5 ? (int64_t)va_arg(*ap, ptrdiff_t) :
		    size == -1 ? (short)va_arg(*ap, int) : size == -2 ? (signed char)va_arg(*ap, int) :
		    va_arg(*ap, int);
		return fmt_int(put, ctx, &f, i < 0 ? 0 - (uint64_t)i : (uint64_t)i, i < 0);
	case 'u':
	case 'x':
	case 'X':
		u = size == 1 ? va_arg(*ap, unsigned long) : size == 2 ? va_arg(*ap, unsigned long long) :
		    size == 3 ? va_arg(*ap, size_t) : size == 4 ? va_arg(*ap, uintmax_t) :
		    size == 5 ? (uint64_t)(uintptr_t)va_arg(*ap, ptrdiff_t) :
		    size == -1 ? (unsigned short)va_arg(*ap, unsigned) :
		    size == -2 ? (unsigned char)va_arg(*ap, unsigned) : va_arg(*ap, unsigned);
		return fmt_int(put, ctx, &f, u, false);
	case '%':
		put(ctx, "%", 1);
		return 1;
	default: /* nothing else passes -Wformat with the conversions used here */
		return 0;
	}
}

size_t ctr_vformat(ctr_put_fn *put, void *ctx, const char *fmt, va_list ap)
{
	size_t n = 0;
	va_list aq;
	va_copy(aq, ap);
	while (*fmt) {
		const char *pct = strchrnul(fmt, '%');
		put(ctx, fmt, (size_t)(pct - fmt));
		n += (size_t)(pct - fmt);
		if (!*pct)
			break;
		fmt = pct + 1;
		n += fmt_conv(put, ctx, &fmt, &aq);
	}
	va_end(aq);
	return n;
}

struct fmt_buf {
	char *buf;
	size_t size, len;
};

static void fmt_buf_put(void *ctx, const char *s, size_t n)
{
	struct fmt_buf *b = ctx;
	if (b->len < b->size) {
		size_t k = b->size - b->len < n ? b->size - b->len : n;
		memcpy(b->buf + b->len, s, k);
	}
	b->len += n;
}

int ctr_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_buf b = {buf, size ? size - 1 : 0, 0};
	ctr_vformat(fmt_buf_put, &b, fmt, ap);
	if (size)
		buf[b.len < b.size ? b.len : b.size] = 0;
	return b.len > INT_MAX ? -1 : (int)b.len;
}

int ctr_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = ctr_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* dprintf: through a small buffer, so that a short message is one write */
struct fmt_fd {
	int fd;
	bool failed;
	size_t len;
	char buf[256];
};

static void fmt_fd_flush(struct fmt_fd *o)
{
	for (size_t off = 0; off < o->len;) {
		ssize_t w = write(o->fd, o->buf + off, o->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			o->failed = true;
			break;
		}
		off += (size_t)w;
	}
	o->len = 0;
}

static void fmt_fd_put(void *ctx, const char *s, size_t n)
{
	struct fmt_fd *o = ctx;
	for (size_t k; n; s += k, n -= k) {
		if (o->len == sizeof(o->buf))
			fmt_fd_flush(o);
		k = sizeof(o->buf) - o->len < n ? sizeof(o->buf) - o->len : n;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
	}
}

PRINTF_LIKE(2, 3)
static int fd_printf(int fd, const char *fmt, ...)
{
	struct fmt_fd o = {.fd = fd};
	va_list ap;
	va_start(ap, fmt);
	size_t n = ctr_vformat(fmt_fd_put, &o, fmt, ap);
	va_end(ap);
	fmt_fd_flush(&o);
	return o.failed ? -1 : (int)n;
}

/* ---- strtol and friends in base 10: musl's number scanner is ~3 KB ----
 * Their rules: leading white space, a sign (an unsigned "-1" is the largest value), ERANGE
 * and the nearest limit when out of range, *end = s without digits. max: the type's limit. */
static unsigned long long num_scan(const char *s, char **end, unsigned long long max, bool is_signed)
{
	const char *p = s, *digits;
	while (isspace((unsigned char)*p))
		p++;
	bool neg = *p == '-', over = false;
	p += *p == '-' || *p == '+';
	unsigned long long v = 0, lim = max + (is_signed && neg); /* of the magnitude */
	for (digits = p; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		over |= v > (lim - d) / 10;
		v = over ? v : v * 10 + d;
	}
	if (end)
		*end = (char *)(p == digits ? s : p);
	if (over) {
		errno = ERANGE;
		return is_signed && neg ? 0 - max - 1 : max;
	}
	return neg ? 0 - v : v;
}

static long str_tol(const char *s, char **end)
{
	return (long)num_scan(s, end, LONG_MAX, true);
}

static unsigned long str_toul(const char *s, char **end)
{
	return (unsigned long)num_scan(s, end, ULONG_MAX, false);
}

long long ctr_strtoll(const char *s, char **end)
{
	return (long long)num_scan(s, end, LLONG_MAX, true);
}

unsigned long long ctr_strtoull(const char *s, char **end)
{
	return num_scan(s, end, ULLONG_MAX, false);
}

/* Record an error and return -1. errnum (an errno, or 0) is appended as text. */
PRINTF_LIKE(3, 4)
static int err_set(struct ctr_error *err, int errnum, const char *fmt, ...)
{
	if (!err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	int n = ctr_vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (errnum && (size_t)n < sizeof(err->msg))
		ctr_snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", strerror(errnum));
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
	int n = ctr_vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
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

/* snprintf(dst, size, "%s", src) without the formatter (`list` copies per container) */
static void str_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* "<prefix><n><suffix>" into buf[size] (truncated as snprintf would): /proc paths
 * without the formatter */
static void str_num_path(char *buf, size_t size, const char *prefix, long n, const char *suffix)
{
	char digits[24], *d = digits + sizeof(digits);
	unsigned long u = n < 0 ? 0ul - (unsigned long)n : (unsigned long)n;
	*--d = 0;
	do
		*--d = (char)('0' + u % 10);
	while ((u /= 10));
	if (n < 0)
		*--d = '-';
	size_t len = strlen(prefix);
	str_copy(buf, size, prefix);
	if (len < size)
		str_copy(buf + len, size - len, d);
	len += strlen(d);
	if (len < size)
		str_copy(buf + len, size - len, suffix);
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

static void sbuf_put(void *sb, const char *s, size_t len)
{
	sbuf_add(sb, s, len);
}

PRINTF_LIKE(2, 3)
static void sbuf_addf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ctr_vformat(sbuf_put, sb, fmt, ap);
	va_end(ap);
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
	sb->buf[sb->len] = 0; /* an empty sbuf was never terminated: no garbage to parse */
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

/* Read all of fd (named path in errors) into a NUL-terminated buffer; more than max
 * bytes are refused. */
static int read_fd(int fd, const char *path, size_t max, char **out, size_t *len_out,
		   struct ctr_error *err)
{
	struct sbuf sb = {0};
	struct stat st;
	/* a regular file straight into a buffer of its size (and one byte to see the end):
	 * no copy through a chunk, no doubling (a 2 MB config.json is the document's text
	 * and its memory); a file that grows meanwhile grows the buffer */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size <= max && (sb.buf = malloc((size_t)st.st_size + 2)))
		sb.cap = (size_t)st.st_size + 2;
	for (;;) {
		if (sb.len + 1 >= sb.cap && !sbuf_reserve(&sb, 4096)) {
			sbuf_release(&sb);
			return err_nomem(err);
		}
		ssize_t n = read(fd, sb.buf + sb.len, sb.cap - sb.len - 1);
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
		sb.len += (size_t)n;
	}
	size_t len = sb.len;
	if (sbuf_take(&sb, out, err) < 0)
		return -1;
	if (len_out)
		*len_out = len;
	return 0;
}

/* Read a whole file (relative to dirfd, or AT_FDCWD) into a NUL-terminated buffer.
 * Files larger than max bytes are refused. */
static int read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len_out,
			struct ctr_error *err)
{
	int fd AUTO_CLOSE = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_set(err, errno, "open %s", path);
	return read_fd(fd, path, max, out, len_out, err);
}

/* One entry as getdents64 lays it out. */
struct util_dirent {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/* fn(name, d_type, arg) for each entry of the directory open at fd but "." and "..", until
 * fn returns nonzero (returned); -1 when it cannot be read. fd is not closed. getdents64
 * into the stack: opendir's buffer costs musl an mmap and a munmap every time. */
static int dir_each(int fd, int (*fn)(const char *name, unsigned char type, void *arg),
		    void *arg)
{
	_Alignas(8) char buf[2048];
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
		if (n <= 0)
			return n < 0 ? -1 : 0;
		for (long off = 0; off < n;) {
			const struct util_dirent *d = (const void *)(buf + off);
			off += d->reclen;
			if (d->name[0] == '.' && (!d->name[1] || (d->name[1] == '.' && !d->name[2])))
				continue;
			int r = fn(d->name, d->type, arg);
			if (r)
				return r;
		}
	}
}

/* dir_each over a path (opened O_DIRECTORY here). */
static int dir_each_path(const char *path, int (*fn)(const char *, unsigned char, void *),
			 void *arg)
{
	int fd AUTO_CLOSE = openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -1 : dir_each(fd, fn, arg);
}

/* Like read_file_at for files that others may have replaced (state dirs): no symlink,
 * no FIFO or device (O_NONBLOCK: opening a FIFO must not hang), a regular file only. */
static int read_regular_at(int dirfd, const char *name, size_t max, char **out,
			   size_t *len_out, struct ctr_error *err)
{
	int fd AUTO_CLOSE = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW |
				   O_NONBLOCK);
	struct stat sb;
	if (fd < 0)
		return err_set(err, errno, "open %s%s", name, errno == ELOOP ? ": a symlink" : "");
	if (fstat(fd, &sb) < 0)
		return err_set(err, errno, "stat %s", name);
	if (!S_ISREG(sb.st_mode))
		return err_set(err, EINVAL, "%s is not a regular file", name);
	return read_fd(fd, name, max, out, len_out, err);
}

static int read_file(const char *path, size_t max, char **out, size_t *len_out,
		     struct ctr_error *err)
{
	return read_file_at(AT_FDCWD, path, max, out, len_out, err);
}

/* Field `field` (0: name, 5: home) of uid's line in the /etc/passwd text
 * ("name:pw:uid:gid:gecos:home:shell"); -1 when there is none. */
static int util_passwd_field(const char *text, uid_t uid, unsigned field, char *buf,
			     size_t size)
{
	for (const char *l = text; *l;) {
		const char *nl = strchrnul(l, '\n'), *c1 = memchr(l, ':', (size_t)(nl - l));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(nl - c1 - 1)) : NULL;
		char *e;
		if (c2 && c1 > l && (unsigned)(c2[1] - '0') <= 9 &&
		    str_toul(c2 + 1, &e) == uid && *e == ':') {
			const char *f = l;
			for (unsigned i = 0; i < field && f; i++) {
				f = memchr(f, ':', (size_t)(nl - f));
				f = f ? f + 1 : NULL;
			}
			if (!f)
				return -1;
			ctr_snprintf(buf, size, "%.*s", (int)strcspn(f, ":\n"), f);
			return 0;
		}
		l = *nl ? nl + 1 : nl;
	}
	return -1;
}

/* The name of uid in /etc/passwd, for the owner runc shows; cheaper than getpwuid, which
 * also pulls in nscd lookups and stdio getline (~3.5 KB static). -1 when there is none. */
static int util_user_name(uid_t uid, char *buf, size_t size)
{
	char *text AUTO_FREE = NULL;
	if (read_file("/etc/passwd", 1 << 22, &text, NULL, NULL) < 0)
		return -1;
	return util_passwd_field(text, uid, 0, buf, size);
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

static int write_file_replace(int dirfd, const char *name, const void *data, size_t len,
			      mode_t mode, bool durable, struct ctr_error *err);

/* Replace dirfd/name atomically: write a temp file, fsync, rename over, fsync the dir. */
static int write_file_atomic(int dirfd, const char *name, const void *data, size_t len,
			     mode_t mode, struct ctr_error *err)
{
	return write_file_replace(dirfd, name, data, len, mode, true, err);
}

/* The same, with the fsyncs only when durable: a rename alone is atomic for every
 * reader, which is all that records living no longer than the boot need. */
static int write_file_replace(int dirfd, const char *name, const void *data, size_t len,
			      mode_t mode, bool durable, struct ctr_error *err)
{
	char tmp[PATH_MAX];
	if (ctr_snprintf(tmp, sizeof(tmp), ".%s.tmp.%ld", name, (long)getpid()) >= (int)sizeof(tmp))
		return err_set(err, ENAMETOOLONG, "%s", name);
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return err_set(err, errno, "create %s", tmp);
	if (write_all(fd, data, len) < 0 || (durable && fsync(fd) < 0)) {
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
	if (durable && dirfd != AT_FDCWD)
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
	unsigned long long v = ctr_strtoull(s, &end);
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
	long long v = ctr_strtoll(s, &end);
	if (errno || *end)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static void mem_swap(char *a, char *b, size_t n)
{
	for (; n--; a++, b++) {
		char t = *a;
		*a = *b;
		*b = t;
	}
}

/* qsort by heapsort (musl's smoothsort is 2 KB): every comparator here orders distinct
 * elements strictly, so that the order of ties, which sorts differ in, never shows. */
static void sort_array(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	char *b = base;
	for (size_t i = n / 2, end = n, root; end > 1;) {
		if (i > 0) {
			root = --i; /* make the heap */
		} else {
			root = 0; /* move its top to the end */
			mem_swap(b, b + --end * size, size);
		}
		for (size_t c; (c = 2 * root + 1) < end; root = c) { /* sift root down */
			if (c + 1 < end && cmp(b + c * size, b + (c + 1) * size) < 0)
				c++;
			if (cmp(b + root * size, b + c * size) >= 0)
				break;
			mem_swap(b + root * size, b + c * size, size);
		}
	}
}

/* ---- decimal to double, correctly rounded: strtod costs ~6 KB of libc ---- */

/* A non-negative integer, 32-bit limbs from the least significant; room for the largest
 * product dec_cmp_mid forms (about 2,700 bits). */
struct bignum {
	unsigned n;
	uint32_t l[128];
};

static void bn_mul_add(struct bignum *b, uint32_t mul, uint32_t add)
{
	uint64_t c = add;
	for (unsigned i = 0; i < b->n; i++) {
		c += (uint64_t)b->l[i] * mul;
		b->l[i] = (uint32_t)c;
		c >>= 32;
	}
	if (c && b->n < ARRAY_LEN(b->l))
		b->l[b->n++] = (uint32_t)c;
}

/* b times 2^e2 times 5^e5 */
static void bn_scale(struct bignum *b, int e2, int e5)
{
	for (; e5 > 0; e5 -= 13) {
		uint32_t p = 1;
		for (int i = 0; i < e5 && i < 13; i++)
			p *= 5;
		bn_mul_add(b, p, 0);
	}
	for (; e2 > 0; e2 -= 31)
		bn_mul_add(b, 1u << (e2 < 31 ? e2 : 31), 0);
}

static int bn_cmp(const struct bignum *a, const struct bignum *b)
{
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	for (unsigned i = a->n; i--;)
		if (a->l[i] != b->l[i])
			return a->l[i] < b->l[i] ? -1 : 1;
	return 0;
}

/* A decimal number: the integer of digits d[0..n) (no leading zero) times 10^e. The
 * digits past 780 only count as one more nonzero digit: no midpoint between two doubles
 * has more than 768 significant digits, so comparisons with them come out the same. */
struct decimal {
	char d[781];
	bool neg;
	int n, e;
};

/* Read "[-]digits[.digits][(e|E)[+-]digits]" (a digit before or after the point); the
 * end of the number, or NULL if s does not start with one. */
static const char *dec_parse(const char *s, struct decimal *x)
{
	const char *p = s + (*s == '-');
	bool any = false, dot = false, sticky = false;
	x->neg = *s == '-';
	x->n = x->e = 0;
	for (;; p++) {
		if (*p == '.' && !dot) {
			dot = true;
			continue;
		}
		if (*p < '0' || *p > '9')
			break;
		any = true;
		if (x->n < 780 && (x->n || *p != '0')) {
			x->d[x->n++] = *p;
			x->e -= dot;
		} else if (x->n < 780) {
			x->e -= dot; /* a leading zero */
		} else {
			x->e += !dot; /* a digit past 780 */
			sticky |= *p != '0';
		}
	}
	if (!any)
		return NULL;
	if (sticky) {
		x->d[x->n++] = '1';
		x->e--;
	}
	const char *q = p + 1 + (p[1] == '-' || p[1] == '+');
	if ((*p == 'e' || *p == 'E') && *q >= '0' && *q <= '9') {
		int v = 0;
		for (; *q >= '0' && *q <= '9'; q++)
			v = v > 100000 ? v : v * 10 + (*q - '0');
		x->e += p[1] == '-' ? -v : v;
		p = q;
	}
	return p;
}

/* The sign of x minus the midpoint of the adjacent non-negative doubles with the bits lo
 * and hi = lo + 1 (hi may be the infinity, which counts as 2^1024 here). */
static int dec_cmp_mid(const struct decimal *x, uint64_t lo, uint64_t hi)
{
	uint64_t b[2] = {lo, hi}, m[2];
	int q[2];
	for (int i = 0; i < 2; i++) { /* b[i] = m[i] * 2^q[i] */
		int ex = (int)(b[i] >> 52);
		m[i] = (b[i] & ((1ull << 52) - 1)) | (uint64_t)(ex > 0) << 52;
		q[i] = (ex ? ex : 1) - 1075;
	}
	uint64_t mid = (m[1] << (q[1] - q[0])) + m[0]; /* times 2^(q[0] - 1) */
	struct bignum a = {0}, c = {mid >> 32 ? 2 : mid ? 1 : 0, {(uint32_t)mid, (uint32_t)(mid >> 32)}};
	for (int i = 0; i < x->n; i++)
		bn_mul_add(&a, 10, (uint32_t)(x->d[i] - '0'));
	/* a * 10^e against c * 2^(q[0] - 1), both sides made whole numbers */
	int e = x->e, a2 = e > 0 ? e : 0, c2 = q[0] - 1 - (e < 0 ? e : 0);
	int t = a2 < c2 ? a2 : c2;
	bn_scale(&a, a2 - t, a2);
	bn_scale(&c, c2 - t, e < 0 ? -e : 0);
	return bn_cmp(&a, &c);
}

/* The double nearest to x (the even one on a tie). */
static double dec_value(const struct decimal *x)
{
	if (!x->n)
		return x->neg ? -0.0 : 0.0;
	int mag = x->n + x->e; /* x < 10^mag */
	if (mag > 310 || mag < -324) /* above DBL_MAX; below half the least subnormal */
		return (x->neg ? -1 : 1) * (mag > 0 ? INFINITY : 0.0);
	/* a guess a few units in the last place off: 19 digits, scaled */
	uint64_t u = 0;
	int k = x->e;
	for (int i = 0; i < x->n; i++) {
		if (i < 19)
			u = u * 10 + (uint64_t)(x->d[i] - '0');
		else
			k++;
	}
	double g = (double)u, p10 = 1;
	for (; k >= 22; k -= 22)
		g *= 1e22;
	for (; k <= -22; k += 22)
		g /= 1e22;
	for (int i = 0; i < (k < 0 ? -k : k); i++)
		p10 *= 10;
	g = k < 0 ? g / p10 : g * p10;
	/* then step to the nearest double (the even one on a tie) by exact comparisons with
	 * the midpoints on either side */
	uint64_t b;
	memcpy(&b, &g, sizeof(b));
	for (int i = 0; i < 64; i++) {
		int up = b < 0x7ff0000000000000 ? dec_cmp_mid(x, b, b + 1) : -1;
		int down = up < 0 && b ? dec_cmp_mid(x, b - 1, b) : 1;
		if (up > 0 || (up == 0 && (b & 1)))
			b++;
		else if (down < 0 || (down == 0 && (b & 1)))
			b--;
		else
			break;
	}
	memcpy(&g, &b, sizeof(g));
	return x->neg ? -g : g;
}

double ctr_strtod(const char *s, char **end)
{
	struct decimal x;
	const char *p = dec_parse(s, &x);
	if (end)
		*end = (char *)(p ? p : s);
	return p ? dec_value(&x) : 0.0;
}

/* ---- double to decimal: printf's %e (fmt_fp, ~5 KB of libc) is not linked ---- */

static uint32_t bn_div(struct bignum *b, uint32_t d)
{
	uint64_t r = 0;
	for (unsigned i = b->n; i--;) {
		r = r << 32 | b->l[i];
		b->l[i] = (uint32_t)(r / d);
		r %= d;
	}
	while (b->n && !b->l[b->n - 1])
		b->n--;
	return (uint32_t)r;
}

/* The exact value of the finite v as a decimal (at most 767 significant digits): v is
 * m * 2^q, which is the integer m * 2^q (q >= 0) or m * 5^-q times 10^q. */
static void dec_exact(double v, struct decimal *x)
{
	uint64_t b;
	memcpy(&b, &v, sizeof(b));
	int ex = (int)(b >> 52 & 0x7ff), q = (ex ? ex : 1) - 1075;
	uint64_t m = (b & ((1ull << 52) - 1)) | (uint64_t)(ex > 0) << 52;
	struct bignum n = {m >> 32 ? 2 : m ? 1 : 0, {(uint32_t)m, (uint32_t)(m >> 32)}};
	bn_scale(&n, q > 0 ? q : 0, q < 0 ? -q : 0);
	char buf[sizeof(x->d) + 9], *p = buf + sizeof(buf);
	while (n.n) /* nine digits at a time, from the least significant */
		for (uint32_t r = bn_div(&n, 1000000000), i = 0; i < 9; i++, r /= 10)
			*--p = (char)('0' + r % 10);
	while (p < buf + sizeof(buf) && *p == '0')
		p++;
	x->neg = b >> 63;
	x->n = (int)(buf + sizeof(buf) - p);
	x->e = q < 0 ? q : 0;
	memcpy(x->d, p, (size_t)x->n);
}

/* ex rounded to nd significant digits (ties to even: ex is exact), trailing zeros dropped. */
static void dec_round(const struct decimal *ex, int nd, struct decimal *x)
{
	*x = *ex;
	if (x->n > nd) {
		const char *r = ex->d + nd; /* the first digit dropped */
		bool more = false;
		for (int i = nd + 1; i < ex->n && !more; i++)
			more = ex->d[i] != '0';
		bool up = *r > '5' || (*r == '5' && (more || (ex->d[nd - 1] - '0') % 2));
		x->e += x->n - nd;
		x->n = nd;
		for (int i = nd; up && i--;) {
			up = x->d[i] == '9';
			x->d[i] = up ? '0' : (char)(x->d[i] + 1);
		}
		if (up) { /* 99..9 became 100..0 */
			x->d[0] = '1';
			x->e++;
		}
	}
	while (x->n > 1 && x->d[x->n - 1] == '0') {
		x->n--;
		x->e++;
	}
}

static bool str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* strstr for the short needles here, naively: musl's two-way strstr is 1.3 KB */
static char *str_find(const char *s, const char *needle)
{
	for (size_t n = strlen(needle);; s++) {
		if (!strncmp(s, needle, n))
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

/* realpath by the kernel, as musl did before 1.2.3: open the path (O_PATH) and read back
 * /proc/self/fd/N (musl's realpath now resolves in user space: 1.4 KB). out: PATH_MAX. */
static char *path_real(const char *path, char *out)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char link[32];
	ctr_snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, out, PATH_MAX - 1);
	int e = errno;
	close(fd);
	if (n < 0) {
		errno = e;
		return NULL;
	}
	out[n] = 0;
	return out;
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

/* The time now as RFC 3339 in UTC, with nanoseconds if nanos (runc's "created") or not
 * (log lines). By hand: gmtime_r and strftime drag in ~5 KB of libc (time zones, locale).
 * The date from days since 1970-01-01 counts in 400-year eras of 146097 days whose years
 * start on March 1st, so that the leap day ends a year. */
void ctr_time_rfc3339(char *buf, size_t size, int nanos)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	long long t = ts.tv_sec, day = t / 86400 - (t % 86400 < 0), sec = t - day * 86400;
	long long z = day + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097); /* day of the era */
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	unsigned mday = doy - (153 * mp + 2) / 5 + 1, mon = mp < 10 ? mp + 3 : mp - 9;
	int n = ctr_snprintf(buf, size, "%04lld-%02u-%02uT%02d:%02d:%02d", era * 400 + yoe + (mon <= 2),
			 mon, mday, (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
	if (n >= 0 && (size_t)n < size)
		ctr_snprintf(buf + n, size - (size_t)n, nanos ? ".%09ldZ" : "Z", (long)ts.tv_nsec);
}

/* mountinfo escapes ' ', '\t', '\n' and '\\' as octal: undo it in place. */
static void mountinfo_unescape(char *s)
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

/* Milliseconds of CLOCK_MONOTONIC, for deadlines of bounded waits. */
static long long monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Our own /proc/self/uid_map: the host id of id (id itself where unmapped), and whether
 * the map is the host's identity (no user namespace). By strtoul: no scanf in the link. */
static unsigned long idmap_host(unsigned long id, bool *identity)
{
	char buf[1024];
	int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	unsigned long host = id, v[3];
	int lines = 0;
	bool full = false;
	for (char *p = buf + strspn(buf, " \n"), *e; *p; p = e + strspn(e, " \n"), lines++) {
		for (int i = 0; i < 3; i++, p = e)
			v[i] = str_toul(p, &e);
		full = !v[0] && !v[1] && v[2] == 4294967295UL;
		if (id >= v[0] && id - v[0] < v[2])
			host = v[1] + (id - v[0]);
	}
	*identity = n <= 0 || (lines == 1 && full);
	return host;
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

/* clone(2) with flags and exit signal only: fork-like, no new stack */
static pid_t sys_clone(unsigned long flags)
{
#if defined(__s390__) || defined(__CRIS__)
	return (pid_t)syscall(SYS_clone, 0, flags, NULL, NULL, 0);
#else
	return (pid_t)syscall(SYS_clone, flags, 0, NULL, NULL, 0);
#endif
}

/* clone3's struct clone_args (Linux 5.3), kept here for libcs without it */
struct ctr_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};
#define CTR_CLONE_PIDFD 0x00001000ULL

/* A fork for ctr's own helpers (hooks, short-lived children) that the caller cannot
 * reap: exit signal 0, so only a wait with __WCLONE or __WALL sees it, never a caller's
 * waitpid(-1) from a SIGCHLD handler. *pidfd: a pidfd for it, or -1 (Linux < 5.3).
 * Where clone flags are refused (qemu-user, a seccomp filter) it is a plain fork: wait
 * with __WALL, which finds either. */
static pid_t spawn_hidden(int *pidfd)
{
	*pidfd = -1;
#ifdef CTR_HAVE_CLONE3
	int fd = -1;
	struct ctr_clone_args ca = {.flags = CTR_CLONE_PIDFD, .pidfd = (uint64_t)(uintptr_t)&fd};
	pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid > 0)
		*pidfd = fd;
	if (pid >= 0 || (errno != ENOSYS && errno != EINVAL && errno != EPERM))
		return pid;
#endif
	pid_t p = sys_clone(0);
	if (p < 0 && (errno == EINVAL || errno == ENOSYS || errno == EPERM))
		p = fork();
	if (p > 0)
		*pidfd = sys_pidfd_open(p, 0);
	return p;
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

/* The API's file reader (for a caller's config, process or resources file): "-" reads
 * standard input. */
int ctr_read_file(const char *path, char **out, struct ctr_error *err)
{
	*out = NULL;
	if (strcmp(path, "-") == 0)
		return read_fd(0, "standard input", CTR_READ_MAX, out, NULL, err);
	return read_file(path, CTR_READ_MAX, out, NULL, err);
}

/* ======================================================================
 * json: strict RFC 8259 parser (into a tree with positions) and writer
 * ====================================================================== */

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

/* How a number was written: an integer that fits int64, one that fits only uint64
 * (above INT64_MAX), or anything else (fraction, exponent, or beyond 64 bits). */
enum json_numkind { JSON_NUM_INT, JSON_NUM_UINT, JSON_NUM_DOUBLE };

/* A value in a parsed document: one 32-bit word of it (the layout is described with the
 * parser), read through the accessors below. Pointers stay valid until json_free, and
 * the same value always has the same address. */
struct json { uint32_t w; };

struct json_number {
	enum json_numkind kind;
	int64_t i;               /* JSON_NUM_INT: exact value */
	uint64_t u;              /* JSON_NUM_UINT, and JSON_NUM_INT when >= 0: exact value */
	double d;                /* every number, as a double */
};

struct json_limits {
	size_t max_bytes;        /* 0: JSON_DEFAULT_MAX_BYTES; at most JSON_MAX_BYTES */
	unsigned max_depth;      /* 0: JSON_DEFAULT_MAX_DEPTH */
};
#define JSON_DEFAULT_MAX_BYTES (16u << 20)
#define JSON_MAX_BYTES (128u << 20)  /* positions in the document are 29-bit */
#define JSON_DEFAULT_MAX_DEPTH 200

struct json_doc;

/* Parse text[0..len). source names the input in errors ("config.json"). On error the
 * message reads "<source>:<line>:<col>: <what was wrong>, expected <what>". The
 * document holds a copy of the text and 4 bytes per value and member name: at most 3x
 * the input for any input, plus a few bytes. */
static int json_parse(const char *text, size_t len, const char *source,
		      const struct json_limits *limits, struct json_doc **out,
		      struct ctr_error *err);
/* The same for a malloc'd buf[0..len), which the document takes over (no copy; it is
 * freed on failure too). */
static int json_parse_owned(char *buf, size_t len, const char *source,
			    const struct json_limits *limits, struct json_doc **out,
			    struct ctr_error *err);
/* The same laid out in mem[0..memsize) (8-byte aligned) when it fits there, else
 * malloc'd: a loop of small documents without an allocation each (`list`). */
static int json_parse_mem(const char *text, size_t len, const char *source, void *mem,
			  size_t memsize, struct json_doc **out, struct ctr_error *err);
static const struct json *json_root(const struct json_doc *doc);
static void json_free(struct json_doc *doc);

static enum json_type json_type(const struct json *v);
static bool json_bool(const struct json *v);
/* v's value; a NaN JSON_NUM_DOUBLE when v is NULL or not a number. */
static void json_num(const struct json *v, struct json_number *out);
/* JSON_NUMBER: the number as written (*len bytes, not NUL-terminated). */
static const char *json_num_text(const struct json *v, size_t *len);
/* JSON_STRING: the decoded UTF-8, NUL-terminated; *len (if len) gets its length, as it
 * may hold \u0000. NULL when v is NULL or not a string. */
static const char *json_str(const struct json *v, size_t *len);
/* The member name of v when v is a member of an object, else NULL. */
static const char *json_key(const struct json *v, size_t *len);
/* Children of an array or object, in document order: first, then next until NULL.
 * json_len counts them and json_at walks to one: both take time in their number. */
static const struct json *json_first(const struct json *v);
static const struct json *json_next(const struct json *parent, const struct json *child);
static size_t json_len(const struct json *v);
static const struct json *json_at(const struct json *v, size_t i);
/* 1-based line and column (in bytes) of v's first byte. Reads the document up to v. */
static void json_pos(const struct json *v, unsigned *line, unsigned *col);

/* Member of an object by name (the last one if repeated); NULL if absent or v is not
 * an object. */
static const struct json *json_get(const struct json *obj, const char *key);
/* The same for n names in one walk of the members: out[i] for keys[i]. */
static void json_get_n(const struct json *obj, const char *const *keys, size_t n,
		       const struct json **out);

/* Calls fn for each member name that repeats an earlier one of the same object: first
 * is the first name, dup a later one (as strings: json_str and json_pos work on them),
 * path the JSON path of the object ("" for the root, "linux.sysctl"). Stops when fn
 * returns nonzero; returns that, 0, or -1 when out of memory. */
typedef int (*json_dup_fn)(void *arg, const char *path, const struct json *first,
			   const struct json *dup);
static int json_dups(const struct json *root, json_dup_fn fn, void *arg);

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

/* ---- parser ---- */

/* The document is one allocation: a header, the text (NUL-terminated, with strings
 * decoded in place), then one 32-bit slot per value and per member name, in document
 * order, after a marker word. A slot holds a kind (3 bits) and 29 bits that are, for
 * a non-empty array or object, the number of slots of the whole value (its children
 * follow it: an object's as name, value, name, value...), and for the others the
 * distance in bytes back to the value's first byte in the text. So no value needs more
 * than its 4 bytes, and a value can find its text, its name (the slot before it) and
 * the start of the text (behind the marker) from its own address alone.
 * A decoded string starts after its opening quote, ends with a NUL, and the rest of
 * its bytes up to the closing quote are NULs. One that holds a NUL itself starts
 * with byte 0x01 instead of the quote, then its length (4 bytes), then the bytes. */
enum { JK_NULL, JK_BOOL, JK_NUMBER, JK_STRING, JK_KEY, JK_ARRAY, JK_OBJECT, JK_EMPTY };
#define JK_SHIFT 29
#define JK_MAX ((1u << JK_SHIFT) - 1)
#define JSON_MARK 0xffffffffu    /* the marker: a JK_EMPTY slot would need distance JK_MAX */

struct json_doc {
	size_t slots;            /* offset of the root's slot */
	bool borrowed;           /* laid out in the caller's memory (json_parse_mem) */
	char text[];
};

/* The text is read twice: the first pass validates it and counts the slots; the second
 * (on the document's copy) fills the slots and decodes the strings. */
struct json_parser {
	const char *p, *end, *line_start;
	unsigned line, max_depth;
	const char *source;
	struct ctr_error *err;
	struct json *slots;      /* second pass: the document's slots; NULL in the first */
	size_t nslots;           /* slots counted, or written */
	size_t *frames;          /* open containers: slot index times 2, plus 1 for objects */
	size_t nframes, capframes;
	size_t few[16];          /* the frames until deeper (no allocation per small parse) */
};

PRINTF_LIKE(3, 4)
static int json_fail(struct json_parser *ps, const char *at, const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	ctr_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(ps->err, 0, "%s:%u:%u: %s", ps->source, ps->line,
		       (unsigned)(at - ps->line_start) + 1, msg);
}

static int json_unexpected(struct json_parser *ps, const char *at, const char *expected)
{
	char what[16];
	unsigned char c = at < ps->end ? (unsigned char)*at : 0;
	if (at >= ps->end)
		ctr_snprintf(what, sizeof(what), "end of input");
	else if (ps->line == 1 && at == ps->line_start && ps->end - at >= 3 &&
		 !memcmp(at, "\xef\xbb\xbf", 3))
		ctr_snprintf(what, sizeof(what), "byte order mark");
	else if (c > 0x20 && c < 0x7f)
		ctr_snprintf(what, sizeof(what), "'%c'", c);
	else
		ctr_snprintf(what, sizeof(what), "byte 0x%02x", c);
	return json_fail(ps, at, "unexpected %s, expected %s", what, expected);
}

static void json_ws(struct json_parser *ps)
{
	const char *p = ps->p;
	if (p < ps->end && (unsigned char)*p > ' ')
		return; /* compact text: nothing to skip */
	for (; p < ps->end; p++) {
		if (*p == '\n') {
			ps->line++;
			ps->line_start = p + 1;
		} else if (*p != ' ' && *p != '\t' && *p != '\r') {
			break;
		}
	}
	ps->p = p;
}

/* Grow an array to hold need elements; NULL (array untouched) when out of memory. */
static void *json_grow(void *arr, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return arr;
	size_t n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	if (n > SIZE_MAX / size)
		return NULL;
	void *na = realloc(arr, n * size);
	if (na)
		*cap = n;
	return na;
}

/* Length of the valid UTF-8 sequence at p (2..4 bytes; p[0] >= 0x80), or 0 with *bad set
 * to the index of the offending byte. Rejects overlongs, surrogates, > U+10FFFF. */
static size_t json_utf8_len(const unsigned char *p, size_t avail, size_t *bad)
{
	unsigned c = p[0], lo = 0x80, hi = 0xbf;
	size_t n;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		*bad = 0;
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if (i >= avail || p[i] < lo || p[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return n;
}

/* The 4 hex digits at p into *cp; returns NULL, or the offending byte. */
static const char *json_hex4(const char *p, const char *end, unsigned *cp)
{
	*cp = 0;
	for (int i = 0; i < 4; i++, p++) {
		unsigned c = p < end ? (unsigned char)*p : 0, d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return p;
		*cp = *cp << 4 | d;
	}
	return NULL;
}

/* Encode cp (at most U+10FFFF) as UTF-8; returns the length. */
static size_t json_utf8_put(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int json_utf8_error(struct json_parser *ps, const char *p, size_t bad)
{
	if (p + bad >= ps->end)
		return json_fail(ps, ps->end, "truncated UTF-8 sequence in string");
	unsigned char c = (unsigned char)p[bad];
	return json_fail(ps, p + bad, bad && (c < 0x80 || c >= 0xc0) ?
			 "truncated UTF-8 sequence in string before byte 0x%02x" :
			 "invalid UTF-8 byte 0x%02x in string", c);
}

/* Decode the escape at *pp (a '\') into buf and its length into *len; advances *pp. */
static int json_escape(struct json_parser *ps, const char **pp, char buf[4], size_t *len)
{
	static const char simple[] = "\"\"\\\\//b\bf\fn\nr\rt\t"; /* escape, byte */
	const char *p = *pp, *end = ps->end, *bad;
	if (p + 1 >= end)
		return json_fail(ps, end, "unterminated string, expected '\"'");
	unsigned char e = (unsigned char)p[1];
	const char *s = e ? strchr(simple, e) : NULL;
	if (s && (s - simple) % 2 == 0) {
		buf[0] = s[1];
		*len = 1;
		*pp = p + 2;
		return 0;
	}
	if (e != 'u') {
		if (e > 0x20 && e < 0x7f)
			return json_fail(ps, p, "invalid escape '\\%c' in string", e);
		return json_fail(ps, p, "invalid escape in string: '\\' then byte 0x%02x", e);
	}
	unsigned cp, lo = 0;
	if ((bad = json_hex4(p + 2, end, &cp)))
		return json_unexpected(ps, bad, "4 hex digits after '\\u'");
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return json_fail(ps, p, "unpaired surrogate '\\u%04x' in string", cp);
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (p + 7 < end && p[6] == '\\' && p[7] == 'u' && (bad = json_hex4(p + 8, end, &lo)))
			return json_unexpected(ps, bad, "4 hex digits after '\\u'");
		if (lo < 0xdc00 || lo > 0xdfff)
			return json_fail(ps, p, "unpaired surrogate '\\u%04x' in string, expected a "
					 "low surrogate '\\udc00'..'\\udfff' after it", cp);
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		p += 6;
	}
	*len = json_utf8_put(buf, cp);
	*pp = p + 6;
	return 0;
}

/* In place: the decoded string from q + 1 (or q + 5 after a length when it holds a NUL,
 * with 0x01 at q), then NULs up to the closing quote at close. A NUL comes from a
 * 6-byte \u0000, so the length fits. */
static void json_str_finish(char *q, size_t len, bool nul, const char *close)
{
	char *o = q + 1;
	if (nul) {
		uint32_t n = (uint32_t)len;
		memmove(o + 4, o, len);
		memcpy(o, &n, sizeof(n));
		*q = 1;
		o += 4;
	}
	memset(o + len, 0, o + len < close ? (size_t)(close - o - len) : 1);
}

/* How many of the 8 bytes at p are plain string bytes (none < 0x20, '"', '\\', >= 0x80,
 * which end or escape a string or need a UTF-8 check): strings go 8 bytes a step.
 * (x - 0x01..) & ~x & 0x80.. flags the zero bytes of x exactly up to the first; later
 * flags may be false (a borrow), so the count stops at the first flag in memory order,
 * which on big-endian may come early: never late. */
__attribute__((always_inline))
static inline unsigned json_plain8(const char *p)
{
	const uint64_t ones = 0x0101010101010101u, high = ones << 7;
	uint64_t w, q, b;
	memcpy(&w, p, sizeof(w));
	q = w ^ ones * '"';
	b = w ^ ones * '\\';
	w = (w | ((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b)) & high;
	if (!w)
		return 8;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (unsigned)__builtin_ctzll(w) / 8;
#else
	return (unsigned)__builtin_clzll(w) / 8;
#endif
}

/* A string of plain bytes only (most are), 8 a step: its decoded form is itself, the
 * closing quote becoming its NUL. False (nothing done) for any other. */
static bool json_string_plain(struct json_parser *ps)
{
	const char *p = ps->p + 1;
	unsigned k = 8;
	while (k == 8 && ps->end - p >= 8)
		p += k = json_plain8(p);
	if (k == 8 || *p != '"')
		return false;
	if (ps->slots)
		*(char *)p = 0;
	ps->p = p + 1;
	return true;
}

/* Check the string at ps->p (a '"'); in the second pass, decode it in place. */
static int json_string(struct json_parser *ps)
{
	if (json_string_plain(ps))
		return 0;
	const char *p = ps->p + 1, *end = ps->end;
	char *q = ps->slots ? (char *)ps->p : NULL; /* second pass: the document's own text */
	size_t len = 0;
	bool nul = false;
	for (;;) {
		/* a run of bytes that stay as they are: printable ASCII and valid UTF-8 */
		const char *run = p;
		while (p < end) {
			unsigned char c = (unsigned char)*p;
			unsigned plain = end - p >= 8 ? json_plain8(p) : 0;
			if (plain) {
				p += plain;
			} else if (c >= 0x80) {
				size_t bad, n = json_utf8_len((const unsigned char *)p,
							      (size_t)(end - p), &bad);
				if (!n)
					return json_utf8_error(ps, p, bad);
				p += n;
			} else if (c >= 0x20 && c != '"' && c != '\\') {
				p++;
			} else {
				break;
			}
		}
		if (q && q + 1 + len != run)
			memmove(q + 1 + len, run, (size_t)(p - run));
		len += (size_t)(p - run);
		if (p >= end)
			return json_fail(ps, p, "unterminated string, expected '\"'");
		if (*p == '"')
			break;
		if (*p != '\\')
			return json_fail(ps, p, "unescaped control character 0x%02x in string",
					 (unsigned char)*p);
		char buf[4];
		size_t n = 0;
		if (json_escape(ps, &p, buf, &n) < 0)
			return -1;
		if (q)
			memcpy(q + 1 + len, buf, n);
		nul |= n == 1 && !buf[0];
		len += n;
	}
	if (q)
		json_str_finish(q, len, nul, p);
	ps->p = p + 1;
	return 0;
}

static bool json_digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

/* Check the number at ps->p (its value is read when asked for, by json_num). */
static int json_number(struct json_parser *ps)
{
	const char *p = ps->p, *end = ps->end;
	p += *p == '-';
	if (!json_digit(p, end))
		return json_unexpected(ps, p, "a digit");
	if (*p == '0' && json_digit(p + 1, end))
		return json_fail(ps, p + 1, "leading zero in number");
	while (json_digit(p, end))
		p++;
	if (p < end && *p == '.') {
		if (!json_digit(++p, end))
			return json_unexpected(ps, p, "a digit after '.'");
		while (json_digit(p, end))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!json_digit(p, end))
			return json_unexpected(ps, p, "a digit in the exponent");
		while (json_digit(p, end))
			p++;
	}
	ps->p = p;
	return 0;
}

/* The next slot: counted in the first pass; in the second, kind and the distance back
 * to at. */
__attribute__((always_inline))
static inline void json_slot(struct json_parser *ps, unsigned kind, const char *at)
{
	size_t i = ps->nslots++;
	if (ps->slots) {
		struct json *v = &ps->slots[i];
		v->w = (uint32_t)kind << JK_SHIFT | (uint32_t)((const char *)v - at);
	}
}

/* Open the container at ps->p: a frame, and its slot (empty until a child comes). */
static int json_open(struct json_parser *ps)
{
	if (ps->nframes >= ps->max_depth)
		return json_fail(ps, ps->p, "nesting deeper than %u levels", ps->max_depth);
	size_t *f = ps->frames;
	if (!f) {
		ps->frames = f = ps->few;
		ps->capframes = ARRAY_LEN(ps->few);
	} else if (ps->nframes == ps->capframes && f == ps->few) {
		if (!(f = malloc(2 * sizeof(ps->few))))
			return err_nomem(ps->err);
		memcpy(f, ps->few, sizeof(ps->few));
		ps->capframes = 2 * ARRAY_LEN(ps->few);
	} else if (!(f = json_grow(f, &ps->capframes, ps->nframes + 1, sizeof(*f)))) {
		return err_nomem(ps->err);
	}
	ps->frames = f;
	f[ps->nframes++] = ps->nslots * 2 + (*ps->p == '{');
	json_slot(ps, JK_EMPTY, ps->p++);
	return 0;
}

/* Close the innermost container (at ps->p): a non-empty one records its size. */
static void json_close(struct json_parser *ps)
{
	size_t f = ps->frames[--ps->nframes], i = f / 2;
	if (ps->slots && ps->nslots > i + 1)
		ps->slots[i].w = (uint32_t)(f & 1 ? JK_OBJECT : JK_ARRAY) << JK_SHIFT |
				 (uint32_t)(ps->nslots - i);
	ps->p++;
}

/* One pass over the whole text, without recursion. */
static int json_pass(struct json_parser *ps)
{
	bool object;
value:
	json_ws(ps);
	if (ps->p >= ps->end)
		return json_unexpected(ps, ps->p, "a value");
	switch (*ps->p) {
	case '{':
	case '[':
		object = *ps->p == '{';
		if (json_open(ps) < 0)
			return -1;
		json_ws(ps);
		if (ps->p < ps->end && *ps->p == (object ? '}' : ']')) {
			json_close(ps);
			goto next;
		}
		if (object)
			goto key;
		goto value;
	case '"':
		json_slot(ps, JK_STRING, ps->p);
		if (json_string(ps) < 0)
			return -1;
		goto next;
	case 't':
	case 'f':
	case 'n': {
		static const char words[][6] = {"true", "false", "null"};
		const char *word = words[*ps->p == 't' ? 0 : *ps->p == 'f' ? 1 : 2];
		json_slot(ps, *word == 'n' ? JK_NULL : JK_BOOL, ps->p);
		for (const char *w = word; *w; w++, ps->p++)
			if (ps->p >= ps->end || *ps->p != *w) {
				char expected[24];
				ctr_snprintf(expected, sizeof(expected), "the literal '%s'", word);
				return json_unexpected(ps, ps->p, expected);
			}
		goto next;
	}
	default:
		if (*ps->p != '-' && (*ps->p < '0' || *ps->p > '9'))
			return json_unexpected(ps, ps->p, "a value");
		json_slot(ps, JK_NUMBER, ps->p);
		if (json_number(ps) < 0)
			return -1;
		goto next;
	}
next:
	json_ws(ps);
	if (!ps->nframes) {
		if (ps->p < ps->end)
			return json_unexpected(ps, ps->p, "end of input");
		return 0;
	}
	object = ps->frames[ps->nframes - 1] & 1;
	if (ps->p < ps->end && *ps->p == ',') {
		ps->p++;
		if (!object)
			goto value;
		json_ws(ps);
		goto key;
	}
	if (ps->p < ps->end && *ps->p == (object ? '}' : ']')) {
		json_close(ps);
		goto next;
	}
	return json_unexpected(ps, ps->p, object ? "',' or '}'" : "',' or ']'");
key:
	if (ps->p >= ps->end || *ps->p != '"')
		return json_unexpected(ps, ps->p, "a string key");
	json_slot(ps, JK_KEY, ps->p);
	if (json_string(ps) < 0)
		return -1;
	json_ws(ps);
	if (ps->p >= ps->end || *ps->p != ':')
		return json_unexpected(ps, ps->p, "':'");
	ps->p++;
	goto value;
}

/* Lay the document out around its text (already at doc->text[0..len)) and fill it (the
 * pass that also checks, when the first was skipped). */
static int json_fill(struct json_parser *ps, struct json_doc *doc, size_t len)
{
	size_t text_end = (offsetof(struct json_doc, text) + len + 1 + 3) & ~(size_t)3;
	memset(doc->text + len, 0, text_end - offsetof(struct json_doc, text) - len);
	doc->slots = text_end + 8;
	uint32_t words[2] = {(uint32_t)(text_end + 4 - offsetof(struct json_doc, text)), JSON_MARK};
	memcpy((char *)doc + text_end, words, sizeof(words));
	ps->slots = (struct json *)((char *)doc + doc->slots);
	ps->p = ps->line_start = doc->text;
	ps->end = doc->text + len;
	ps->line = 1;
	ps->nslots = ps->nframes = 0;
	return json_pass(ps);
}

/* Every slot stands for a distinct byte of the text (a value's first, a name's quote):
 * at most len slots. A document that surely fits the caller's memory is parsed there in
 * one pass. */
static bool json_fits(size_t len, size_t memsize)
{
	return len <= memsize / 5 && offsetof(struct json_doc, text) + len + 12 + len * 4 <= memsize;
}

/* Both passes. The text is owned (a malloc'd buffer that becomes the document) or
 * copied. */
static int json_parse_in(const char *text, char *owned, size_t len, const char *source,
			 const struct json_limits *limits, void *mem, size_t memsize,
			 struct json_doc **out, struct ctr_error *err)
{
	size_t max_bytes = limits && limits->max_bytes ? limits->max_bytes : JSON_DEFAULT_MAX_BYTES;
	if (max_bytes > JSON_MAX_BYTES)
		max_bytes = JSON_MAX_BYTES;
	*out = NULL;
	if (!source)
		source = "<input>";
	if (!text)
		text = "";
	if (len > max_bytes) {
		free(owned);
		return err_set(err, EFBIG, "%s: document is %zu bytes, more than the limit of %zu",
			       source, len, max_bytes);
	}
	struct json_parser ps = {
		.p = text, .end = text + len, .line_start = text, .line = 1,
		.max_depth = limits && limits->max_depth ? limits->max_depth : JSON_DEFAULT_MAX_DEPTH,
		.source = source, .err = err,
	};
	struct json_doc *doc = NULL;
	if (mem && json_fits(len, memsize)) {
		doc = mem;
		memcpy(doc->text, text, len);
		doc->borrowed = true;
		int rc = json_fill(&ps, doc, len);
		free(owned);
		if (ps.frames != ps.few)
			free(ps.frames);
		*out = rc == 0 ? doc : NULL;
		return rc;
	}
	int rc = json_pass(&ps);
	/* about len / 2 slots at most: with JSON_MAX_BYTES, distances fit their 29 bits */
	size_t size = offsetof(struct json_doc, text) + len + 4 + 8 + ps.nslots * 4;
	if (rc == 0 && size >= JK_MAX)
		rc = err_set(err, EFBIG, "%s: document too large", source);
	if (rc == 0) {
		doc = mem && size <= memsize ? mem : owned ? realloc(owned, size) : malloc(size);
		if (!doc) {
			rc = err_nomem(err);
		} else {
			if (owned)
				memmove(doc->text, doc, len);
			else
				memcpy(doc->text, text, len);
			owned = NULL;
			doc->borrowed = doc == mem;
			json_fill(&ps, doc, len); /* cannot fail: the first pass accepted the text */
		}
	}
	free(owned);
	if (ps.frames != ps.few)
		free(ps.frames);
	if (rc == 0)
		*out = doc;
	return rc;
}

static int json_parse(const char *text, size_t len, const char *source,
		      const struct json_limits *limits, struct json_doc **out,
		      struct ctr_error *err)
{
	return json_parse_in(text, NULL, len, source, limits, NULL, 0, out, err);
}

static int json_parse_mem(const char *text, size_t len, const char *source, void *mem,
			  size_t memsize, struct json_doc **out, struct ctr_error *err)
{
	return json_parse_in(text, NULL, len, source, NULL, mem, memsize, out, err);
}

static int json_parse_owned(char *buf, size_t len, const char *source,
			    const struct json_limits *limits, struct json_doc **out,
			    struct ctr_error *err)
{
	return json_parse_in(buf, buf, len, source, limits, NULL, 0, out, err);
}

static const struct json *json_root(const struct json_doc *doc)
{
	return doc ? (const struct json *)((const char *)doc + doc->slots) : NULL;
}

static void json_free(struct json_doc *doc)
{
	if (doc && !doc->borrowed)
		free(doc);
}

/* ---- reading a document ---- */

static unsigned json_kind(const struct json *v)
{
	return v->w >> JK_SHIFT;
}

/* The first byte of v in the text (not for non-empty arrays and objects). */
static const char *json_text(const struct json *v)
{
	return (const char *)v - (v->w & JK_MAX);
}

/* The slot after v and its children. */
static const struct json *json_end(const struct json *v)
{
	unsigned k = json_kind(v);
	return v + (k == JK_ARRAY || k == JK_OBJECT ? v->w & JK_MAX : 1);
}

static enum json_type json_type(const struct json *v)
{
	static const unsigned char types[] = {
		JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_STRING, JSON_ARRAY, JSON_OBJECT,
	};
	unsigned k = json_kind(v);
	if (k == JK_EMPTY)
		return *json_text(v) == '{' ? JSON_OBJECT : JSON_ARRAY;
	return (enum json_type)types[k];
}

static bool json_bool(const struct json *v)
{
	return json_kind(v) == JK_BOOL && *json_text(v) == 't';
}

static void json_num(const struct json *v, struct json_number *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = JSON_NUM_DOUBLE;
	out->d = NAN;
	if (!v || json_kind(v) != JK_NUMBER)
		return;
	const char *start = json_text(v), *p = start;
	bool neg = *p == '-', ovf = false;
	uint64_t mag = 0;
	for (p += neg; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (mag > (UINT64_MAX - d) / 10)
			ovf = true;
		mag = mag * 10 + d;
	}
	if (*p != '.' && *p != 'e' && *p != 'E' && !ovf && (!neg || mag <= (uint64_t)INT64_MAX + 1)) {
		out->kind = neg || mag <= INT64_MAX ? JSON_NUM_INT : JSON_NUM_UINT;
		if (out->kind == JSON_NUM_INT)
			out->i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
		out->u = neg ? 0 : mag;
		out->d = neg ? -(double)mag : (double)mag;
		return;
	}
	out->d = ctr_strtod(start, NULL); /* the text ends each number with a non-number byte */
}

static const char *json_num_text(const struct json *v, size_t *len)
{
	const char *t = json_text(v), *p = t;
	while ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' ||
	       *p == '-')
		p++;
	if (len)
		*len = (size_t)(p - t);
	return t;
}

static const char *json_str(const struct json *v, size_t *len)
{
	unsigned k = v ? json_kind(v) : JK_NULL;
	if (k != JK_STRING && k != JK_KEY)
		return NULL;
	const char *t = json_text(v);
	uint32_t n;
	if (*t == '"') {
		n = (uint32_t)strlen(++t);
	} else {
		memcpy(&n, t + 1, sizeof(n));
		t += 5;
	}
	if (len)
		*len = n;
	return t;
}

static const char *json_key(const struct json *v, size_t *len)
{
	/* the root's previous word is the marker, never a name */
	return v && json_kind(v - 1) == JK_KEY ? json_str(v - 1, len) : NULL;
}

static const struct json *json_first(const struct json *v)
{
	unsigned k = v ? json_kind(v) : JK_NULL;
	return k == JK_ARRAY ? v + 1 : k == JK_OBJECT ? v + 2 : NULL;
}

static const struct json *json_next(const struct json *parent, const struct json *child)
{
	const struct json *n = json_end(child);
	if (n >= json_end(parent))
		return NULL;
	return json_kind(parent) == JK_OBJECT ? n + 1 : n;
}

static size_t json_len(const struct json *v)
{
	size_t n = 0;
	for (const struct json *c = json_first(v); c; c = json_next(v, c))
		n++;
	return n;
}

static const struct json *json_at(const struct json *v, size_t i)
{
	const struct json *c = json_first(v);
	while (c && i--)
		c = json_next(v, c);
	return c;
}

/* After the string at p in the text: past its bytes, the NULs and the closing quote. */
static const char *json_skip_str(const char *p)
{
	uint32_t n;
	if (*p == 1)
		memcpy(&n, p + 1, sizeof(n)), p += 5 + n;
	else
		p += 1 + strlen(p + 1);
	while (!*p)
		p++;
	return *p == '"' ? p + 1 : p;
}

static void json_pos(const struct json *v, unsigned *line, unsigned *col)
{
	const struct json *m = v, *c = v;
	while ((--m)->w != JSON_MARK)
		;
	const char *p = (const char *)m - m[-1].w, *ls = p, *at;
	unsigned l = 1, levels = 0;
	/* a non-empty array or object: back from its first leaf over the opening brackets */
	for (; json_kind(c) == JK_ARRAY || json_kind(c) == JK_OBJECT; c++)
		levels++;
	for (at = json_text(c); levels;)
		if (*--at == '[' || *at == '{')
			levels--;
	while (p < at) {
		if (*p == '"' || *p == 1) {
			p = json_skip_str(p);
		} else if (*p++ == '\n') {
			l++;
			ls = p;
		}
	}
	*line = l;
	*col = (unsigned)(at - ls) + 1;
}

static const struct json *json_get(const struct json *obj, const char *key)
{
	if (!obj || !key || json_kind(obj) != JK_OBJECT)
		return NULL;
	const struct json *found = NULL;
	for (const struct json *c = json_first(obj); c; c = json_next(obj, c)) {
		const char *k = json_text(c - 1);
		/* a name that holds a NUL (0x01 there) never equals a C string */
		if (*k == '"' && k[1] == *key && !strcmp(k + 1, key))
			found = c;
	}
	return found;
}

static void json_get_n(const struct json *obj, const char *const *keys, size_t n,
		       const struct json **out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = NULL;
	if (!obj || json_kind(obj) != JK_OBJECT)
		return;
	for (const struct json *c = json_first(obj); c; c = json_next(obj, c)) {
		const char *k = json_text(c - 1);
		for (size_t i = 0; *k == '"' && i < n; i++)
			if (k[1] == keys[i][0] && k[2] == keys[i][1] &&
			    (!keys[i][1] || !strcmp(k + 3, keys[i] + 2)))
				out[i] = c;
	}
}

/* ---- duplicate member names ---- */

struct json_dup_walk {
	json_dup_fn fn;
	void *arg;
	size_t plen;
	char path[512];
};

/* Members by name, then document order. */
static int json_dup_cmp(const void *a, const void *b)
{
	const struct json *x = *(const struct json *const *)a, *y = *(const struct json *const *)b;
	size_t xl, yl;
	const char *xk = json_key(x, &xl), *yk = json_key(y, &yl);
	int c = memcmp(xk, yk, xl < yl ? xl : yl);
	if (c || xl != yl)
		return c ? c : xl < yl ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* The repeated names of one object: sorted, each later one against the first. */
static int json_dups_obj(struct json_dup_walk *dw, const struct json *obj)
{
	size_t n = json_len(obj), k = 0, i, j;
	int rc = 0;
	if (n < 2)
		return 0;
	const struct json **m = malloc(n * sizeof(*m));
	if (!m)
		return -1;
	for (const struct json *c = json_first(obj); c; c = json_next(obj, c))
		m[k++] = c;
	sort_array(m, n, sizeof(*m), json_dup_cmp);
	for (i = 0; i < n && !rc; i = j)
		for (j = i + 1; j < n && !rc; j++) {
			size_t a, b;
			const char *ka = json_key(m[i], &a), *kb = json_key(m[j], &b);
			if (a != b || memcmp(ka, kb, a))
				break;
			rc = dw->fn(dw->arg, dw->path, m[i] - 1, m[j] - 1); /* the names */
		}
	free(m);
	return rc;
}

static int json_dups_in(struct json_dup_walk *dw, const struct json *v)
{
	int rc = json_kind(v) == JK_OBJECT ? json_dups_obj(dw, v) : 0;
	size_t i = 0, old = dw->plen, room = sizeof(dw->path) - old;
	for (const struct json *c = json_first(v); c && !rc; c = json_next(v, c), i++) {
		if (json_kind(c) != JK_ARRAY && json_kind(c) != JK_OBJECT)
			continue; /* no members below */
		const char *key = json_key(c, NULL);
		int n = key ? ctr_snprintf(dw->path + old, room, old ? ".%s" : "%s", key)
			    : ctr_snprintf(dw->path + old, room, "[%zu]", i);
		dw->plen += n < 0 ? 0 : (size_t)n < room ? (size_t)n : room - 1;
		rc = json_dups_in(dw, c); /* as deep as the parser's depth limit */
		dw->plen = old;
		dw->path[old] = 0;
	}
	return rc;
}

static int json_dups(const struct json *root, json_dup_fn fn, void *arg)
{
	struct json_dup_walk dw = {.fn = fn, .arg = arg};
	return root ? json_dups_in(&dw, root) : 0;
}

/* ---- writer ---- */

static void jw_init(struct jw *w, struct sbuf *sb, const char *indent)
{
	memset(w, 0, sizeof(*w));
	w->sb = sb;
	w->indent = indent;
}

static void jw_newline(struct jw *w)
{
	if (!w->indent)
		return;
	sbuf_addc(w->sb, '\n');
	for (unsigned i = 0; i < w->depth; i++)
		sbuf_adds(w->sb, w->indent);
}

/* Before each value or key: the separator and, when indenting, the line break. */
static void jw_sep(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->depth || w->depth > ARRAY_LEN(w->first))
		return;
	if (!w->first[w->depth - 1])
		sbuf_addc(w->sb, ',');
	w->first[w->depth - 1] = false;
	jw_newline(w);
}

static void jw_open(struct jw *w, char c)
{
	jw_sep(w);
	sbuf_addc(w->sb, c);
	if (++w->depth > ARRAY_LEN(w->first))
		w->sb->failed = true;
	else
		w->first[w->depth - 1] = true;
}

static void jw_close(struct jw *w, char c)
{
	if (!w->depth || w->after_key) {
		w->sb->failed = true;
		return;
	}
	bool empty = w->depth > ARRAY_LEN(w->first) || w->first[w->depth - 1];
	w->depth--;
	if (!empty)
		jw_newline(w);
	sbuf_addc(w->sb, c);
}

static void jw_obj_begin(struct jw *w) { jw_open(w, '{'); }
static void jw_obj_end(struct jw *w) { jw_close(w, '}'); }
static void jw_arr_begin(struct jw *w) { jw_open(w, '['); }
static void jw_arr_end(struct jw *w) { jw_close(w, ']'); }

/* A quoted, escaped string: no separator logic. Invalid UTF-8 becomes U+FFFD. */
static void jw_quote(struct sbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len, *run = p;
	sbuf_addc(sb, '"');
	while (p < end) {
		unsigned char c = *p;
		size_t n = 1, bad;
		if (c >= 0x20 && c != '"' && c != '\\' && (c < 0x80 ||
		    (n = json_utf8_len(p, (size_t)(end - p), &bad)))) {
			p += n;
			continue;
		}
		sbuf_add(sb, run, (size_t)(p - run));
		static const char pairs[] = "\"\"\\\\\bb\ff\nn\rr\tt"; /* raw, escaped */
		const char *esc = c ? strchr(pairs, c) : NULL;
		char buf[8];
		if (c >= 0x80) {
			sbuf_adds(sb, "\\ufffd");
		} else if (esc && (esc - pairs) % 2 == 0) {
			buf[0] = '\\';
			buf[1] = esc[1];
			sbuf_add(sb, buf, 2);
		} else {
			ctr_snprintf(buf, sizeof(buf), "\\u%04x", c);
			sbuf_add(sb, buf, 6);
		}
		run = ++p;
	}
	sbuf_add(sb, run, (size_t)(p - run));
	sbuf_addc(sb, '"');
}

static void jw_keyn(struct jw *w, const char *key, size_t len)
{
	jw_sep(w);
	jw_quote(w->sb, key, len);
	sbuf_adds(w->sb, w->indent ? ": " : ":");
	w->after_key = true;
}

static void jw_key(struct jw *w, const char *key)
{
	jw_keyn(w, key, strlen(key));
}

static void jw_strn(struct jw *w, const char *s, size_t len)
{
	jw_sep(w);
	jw_quote(w->sb, s, len);
}

static void jw_str(struct jw *w, const char *s)
{
	if (!s)
		jw_null(w);
	else
		jw_strn(w, s, strlen(s));
}

static void jw_raw(struct jw *w, const char *json, size_t len)
{
	jw_sep(w);
	sbuf_add(w->sb, json, len);
}

static void jw_uint(struct jw *w, uint64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	jw_raw(w, p, (size_t)(buf + sizeof(buf) - p));
}

static void jw_int(struct jw *w, int64_t v)
{
	if (v >= 0)
		return jw_uint(w, (uint64_t)v);
	char buf[24], *p = buf + sizeof(buf);
	uint64_t m = 0 - (uint64_t)v;
	do
		*--p = (char)('0' + m % 10);
	while (m /= 10);
	*--p = '-';
	jw_raw(w, p, (size_t)(buf + sizeof(buf) - p));
}

/* The shortest digits that read back as v (round-tripping is monotonic in the number of
 * digits), laid out like JavaScript: plain from 1e-6 to 1e21, else with an exponent. */
static void jw_double(struct jw *w, double v)
{
	if (!isfinite(v))
		return jw_null(w);
	struct decimal ex, x;
	dec_exact(v, &ex);
	int lo = 1, hi = 17;
	while (lo < hi && ex.n) {
		int mid = (lo + hi) / 2;
		dec_round(&ex, mid, &x);
		if (dec_value(&x) == v)
			hi = mid;
		else
			lo = mid + 1;
	}
	dec_round(&ex, hi, &x);
	char out[48], *o = out, *digits = x.d;
	int nd = x.n ? x.n : 1, e = x.n + x.e - 1; /* |v| = d.ddd * 10^e */
	if (!x.n) {
		digits = "0";
		e = 0;
	}
	if (x.neg)
		*o++ = '-';
	if (e < -6 || e >= 21) {
		*o++ = digits[0];
		if (nd > 1)
			*o++ = '.';
		memcpy(o, digits + 1, (size_t)nd - 1);
		o += nd - 1;
		*o++ = 'e';
		*o++ = e < 0 ? '-' : '+';
		for (int a = e < 0 ? -e : e, p = 100; p; p /= 10)
			if (a >= p || p == 1)
				*o++ = (char)('0' + a / p % 10);
	} else if (e < 0) {
		memcpy(o, "0.00000", (size_t)(1 - e));
		o += 1 - e;
		memcpy(o, digits, (size_t)nd);
		o += nd;
	} else {
		for (int i = 0; i <= e || i < nd; i++) {
			if (i == e + 1)
				*o++ = '.';
			*o++ = i < nd ? digits[i] : '0';
		}
	}
	jw_raw(w, out, (size_t)(o - out));
}

static void jw_bool(struct jw *w, bool v)
{
	jw_raw(w, v ? "true" : "false", v ? 4 : 5);
}

static void jw_null(struct jw *w)
{
	jw_raw(w, "null", 4);
}

static void jw_value(struct jw *w, const struct json *v)
{
	if (!v)
		return jw_null(w);
	struct json_number num;
	size_t len;
	const char *s;
	switch (json_type(v)) {
	case JSON_NULL:
		return jw_null(w);
	case JSON_BOOL:
		return jw_bool(w, json_bool(v));
	case JSON_NUMBER:
		json_num(v, &num);
		if (num.kind == JSON_NUM_UINT)
			return jw_uint(w, num.u);
		/* -0 keeps its sign */
		if (num.kind == JSON_NUM_DOUBLE || (num.i == 0 && signbit(num.d)))
			return jw_double(w, num.d);
		return jw_int(w, num.i);
	case JSON_STRING:
		s = json_str(v, &len);
		return jw_strn(w, s, len);
	case JSON_ARRAY:
	case JSON_OBJECT:
		if (w->depth >= ARRAY_LEN(w->first)) {
			/* too deep for the writer; also bounds this recursion */
			w->sb->failed = true;
			return;
		}
		jw_open(w, json_type(v) == JSON_OBJECT ? '{' : '[');
		for (const struct json *c = json_first(v); c; c = json_next(v, c)) {
			if ((s = json_key(c, &len)))
				jw_keyn(w, s, len);
			jw_value(w, c);
		}
		jw_close(w, json_type(v) == JSON_OBJECT ? '}' : ']');
	}
}

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

/* Parse config.json text. source names it in errors, which all read "<source>:<line>:
 * <col>: <JSON path>: <what>": "config.json:12:27: linux.resources.memory.limit: -5 is
 * negative (-1 means unlimited)". */
static int spec_parse(const char *text, size_t len, const char *source, struct spec **out,
		      struct ctr_error *err);
/* Read and parse <bundle>/config.json. */
static int spec_load(const char *bundle, struct spec **out, struct ctr_error *err);
static void spec_free(struct spec *s);

/* Parse a standalone OCI process object (`exec -p process.json`) or LinuxResources
 * object (`update -r resources.json`). v stays owned by the caller's document, which
 * must outlive the result; source names the input in errors ("process.json:1:9: args:
 * expected array"). *priv receives the parser's storage: release it with
 * spec_priv_free() (also on failure). */
static int spec_parse_process(const struct json *v, const char *source, struct spec_process *p,
			      void **priv, struct ctr_error *err);
static int spec_parse_resources(const struct json *v, const char *source, struct spec_resources *r,
				void **priv, struct ctr_error *err);
static void spec_priv_free(void *priv);

/* Capabilities: "CAP_CHOWN" for 0 ... NULL past the last known one (CAP_LAST_CAP). */
static const char *spec_cap_name(int cap);
/* "CAP_NET_ADMIN", "NET_ADMIN", "net_admin" -> 12; -1 if unknown. */
static int spec_cap_from_name(const char *name);

/* ---- spec: name tables ----
 * Names are kept as NUL-separated lists ("a\0b\0"): a name's position is its value
 * (or an index into a value table), which is smaller than arrays of pointers. */

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static int spec_tab_find(const char *tab, const char *name)
{
	for (int i = 0; *tab; i++, tab += strlen(tab) + 1)
		if (strcmp(tab, name) == 0)
			return i;
	return -1;
}

static const char *spec_tab_at(const char *tab, int i)
{
	for (; i >= 0 && *tab; tab += strlen(tab) + 1)
		if (i-- == 0)
			return tab;
	return NULL;
}

static const char spec_caps_tab[] =
	"CAP_CHOWN\0CAP_DAC_OVERRIDE\0CAP_DAC_READ_SEARCH\0CAP_FOWNER\0CAP_FSETID\0CAP_KILL\0"
	"CAP_SETGID\0CAP_SETUID\0CAP_SETPCAP\0CAP_LINUX_IMMUTABLE\0CAP_NET_BIND_SERVICE\0"
	"CAP_NET_BROADCAST\0CAP_NET_ADMIN\0CAP_NET_RAW\0CAP_IPC_LOCK\0CAP_IPC_OWNER\0"
	"CAP_SYS_MODULE\0CAP_SYS_RAWIO\0CAP_SYS_CHROOT\0CAP_SYS_PTRACE\0CAP_SYS_PACCT\0"
	"CAP_SYS_ADMIN\0CAP_SYS_BOOT\0CAP_SYS_NICE\0CAP_SYS_RESOURCE\0CAP_SYS_TIME\0"
	"CAP_SYS_TTY_CONFIG\0CAP_MKNOD\0CAP_LEASE\0CAP_AUDIT_WRITE\0CAP_AUDIT_CONTROL\0"
	"CAP_SETFCAP\0CAP_MAC_OVERRIDE\0CAP_MAC_ADMIN\0CAP_SYSLOG\0CAP_WAKE_ALARM\0"
	"CAP_BLOCK_SUSPEND\0CAP_AUDIT_READ\0CAP_PERFMON\0CAP_BPF\0CAP_CHECKPOINT_RESTORE\0";

static const char *spec_cap_name(int cap)
{
	return spec_tab_at(spec_caps_tab, cap);
}

static int spec_cap_from_name(const char *name)
{
	const char *t = spec_caps_tab;
	for (int i = 0; *t; i++, t += strlen(t) + 1)
		if (strcasecmp(t, name) == 0 || strcasecmp(t + 4, name) == 0)
			return i;
	return -1;
}

/* RLIMIT_ numbers differ between architectures (mips, sparc, alpha): map by macro. */
static const char spec_rlimit_tab[] =
	"RLIMIT_CPU\0RLIMIT_FSIZE\0RLIMIT_DATA\0RLIMIT_STACK\0RLIMIT_CORE\0RLIMIT_RSS\0"
	"RLIMIT_NPROC\0RLIMIT_NOFILE\0RLIMIT_MEMLOCK\0RLIMIT_AS\0RLIMIT_LOCKS\0"
	"RLIMIT_SIGPENDING\0RLIMIT_MSGQUEUE\0RLIMIT_NICE\0RLIMIT_RTPRIO\0RLIMIT_RTTIME\0";
static const unsigned char spec_rlimit_num[] = {
	RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_CORE, RLIMIT_RSS,
	RLIMIT_NPROC, RLIMIT_NOFILE, RLIMIT_MEMLOCK, RLIMIT_AS, RLIMIT_LOCKS,
	RLIMIT_SIGPENDING, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_RTPRIO, RLIMIT_RTTIME,
};

static const char spec_ns_tab[] = "pid\0network\0mount\0ipc\0uts\0user\0cgroup\0time\0";
static const int spec_ns_flag[] = {
	CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWUSER,
	CLONE_NEWCGROUP, CLONE_NEWTIME,
};

/* Index = SCHED_* policy number. */
static const char spec_sched_tab[] = "SCHED_OTHER\0SCHED_FIFO\0SCHED_RR\0SCHED_BATCH\0SCHED_ISO\0"
				     "SCHED_IDLE\0SCHED_DEADLINE\0";
/* Index = bit number of SCHED_FLAG_*. */
static const char spec_sched_flag_tab[] =
	"SCHED_FLAG_RESET_ON_FORK\0SCHED_FLAG_RECLAIM\0SCHED_FLAG_DL_OVERRUN\0"
	"SCHED_FLAG_KEEP_POLICY\0SCHED_FLAG_KEEP_PARAMS\0SCHED_FLAG_UTIL_CLAMP_MIN\0"
	"SCHED_FLAG_UTIL_CLAMP_MAX\0";
/* Index + 1 = IOPRIO_CLASS_* number. */
static const char spec_ioprio_tab[] = "IOPRIO_CLASS_RT\0IOPRIO_CLASS_BE\0IOPRIO_CLASS_IDLE\0";
/* Index = enum sc_action; the last, SCMP_ACT_KILL, is KILL_THREAD. */
static const char spec_sc_act_tab[] =
	"SCMP_ACT_KILL_THREAD\0SCMP_ACT_KILL_PROCESS\0SCMP_ACT_TRAP\0SCMP_ACT_ERRNO\0"
	"SCMP_ACT_TRACE\0SCMP_ACT_ALLOW\0SCMP_ACT_LOG\0SCMP_ACT_NOTIFY\0SCMP_ACT_KILL\0";
/* Index = enum sc_op. */
static const char spec_sc_op_tab[] = "SCMP_CMP_NE\0SCMP_CMP_LT\0SCMP_CMP_LE\0SCMP_CMP_EQ\0"
				     "SCMP_CMP_GE\0SCMP_CMP_GT\0SCMP_CMP_MASKED_EQ\0";
static const char spec_propagation_tab[] = "private\0rprivate\0shared\0rshared\0slave\0rslave\0"
					   "unbindable\0runbindable\0";
static const char spec_mpol_tab[] = "MPOL_DEFAULT\0MPOL_BIND\0MPOL_INTERLEAVE\0"
				    "MPOL_WEIGHTED_INTERLEAVE\0MPOL_PREFERRED\0"
				    "MPOL_PREFERRED_MANY\0MPOL_LOCAL\0";
static const char spec_mpol_flag_tab[] = "MPOL_F_NUMA_BALANCING\0MPOL_F_RELATIVE_NODES\0"
					 "MPOL_F_STATIC_NODES\0";
static const char spec_hook_tab[] = "prestart\0createRuntime\0createContainer\0startContainer\0"
				    "poststart\0poststop\0";

/* ---- spec: parser ---- */

struct spec_blk {
	struct spec_blk *next;
	max_align_t data[];
};

/* Parse notes: problems that are not errors (unknown capabilities), for `check`. */
struct spec_note {
	struct spec_note *next;
	char text[];
};

struct spec_priv {
	struct json_doc *doc;
	struct spec_blk *blocks;
	struct spec_note *notes;     /* newest first */
	unsigned n_notes;
};

struct sp {
	const char *src;
	struct spec_priv *pv;
	struct ctr_error *err;
	size_t plen;
	char path[512];              /* JSON path of the value being parsed */
};

static void spec_priv_free(void *priv)
{
	struct spec_priv *pv = priv;
	if (!pv)
		return;
	for (struct spec_blk *b = pv->blocks, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	for (struct spec_note *n = pv->notes, *next; n; n = next) {
		next = n->next;
		free(n);
	}
	json_free(pv->doc);
	free(pv);
}

static void spec_free(struct spec *s)
{
	if (s) {
		spec_priv_free(s->priv);
		free(s);
	}
}

static void *sp_alloc(struct sp *p, size_t n, size_t size)
{
	struct spec_blk *b = NULL;
	if (!size || n <= (SIZE_MAX - sizeof(*b)) / size)
		b = calloc(1, sizeof(*b) + n * size);
	if (!b) {
		err_nomem(p->err);
		return NULL;
	}
	b->next = p->pv->blocks;
	p->pv->blocks = b;
	return b->data;
}

/* Append ".key" (or "[idx]" when key is NULL) to the path; returns the old length. */
/* By hand, not snprintf: every member the parser visits passes here (a third of the
 * instructions a `run` spends in user space went to formatting these paths). */
static size_t sp_push(struct sp *p, const char *key, size_t idx)
{
	size_t old = p->plen, room = sizeof(p->path) - old;
	char num[24], *e = num + sizeof(num), *add = e;
	if (key) {
		add = (char *)key;
		e = add + strlen(key);
	} else {
		*--add = ']';
		do
			*--add = (char)('0' + idx % 10);
		while (idx /= 10);
		*--add = '[';
	}
	char *d = p->path + old;
	size_t n = 0;
	if (key && old && n + 1 < room)
		d[n++] = '.';
	size_t len = (size_t)(e - add);
	if (len > room - 1 - n)
		len = room - 1 - n;
	memcpy(d + n, add, len);
	n += len;
	d[n] = 0;
	p->plen += n;
	return old;
}

static void sp_pop(struct sp *p, size_t old)
{
	p->plen = old;
	p->path[old] = 0;
}

/* "<source>:<line>:<col>: <path>: <what>", the layout of the parser's own errors;
 * returns -1. */
PRINTF_LIKE(3, 4)
static int sp_fail(struct sp *p, const struct json *v, const char *fmt, ...)
{
	char what[400];
	unsigned line, col;
	va_list ap;
	va_start(ap, fmt);
	ctr_vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	json_pos(v, &line, &col);
	return err_set(p->err, 0, "%s:%u:%u: %s%s%s", p->src, line, col, p->path,
		       p->plen ? ": " : "", what);
}

static int sp_missing(struct sp *p, const struct json *obj, const char *key)
{
	sp_push(p, key, 0);
	return sp_fail(p, obj, "missing (required)");
}

/* A note about v: "<source>:<line>:<col>: <path>: <what>", as errors read. The first
 * SP_MAX_NOTES only, so that a config full of them stays small. */
#define SP_MAX_NOTES 20
PRINTF_LIKE(3, 4)
static int sp_note(struct sp *p, const struct json *v, const char *fmt, ...)
{
	char what[400], text[1000];
	unsigned line, col;
	va_list ap;
	va_start(ap, fmt);
	ctr_vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (p->pv->n_notes > SP_MAX_NOTES)
		return 0;
	json_pos(v, &line, &col);
	if (p->pv->n_notes++ == SP_MAX_NOTES)
		ctr_snprintf(text, sizeof(text), "%s:%u:%u: more notes not shown", p->src, line, col);
	else
		ctr_snprintf(text, sizeof(text), "%s:%u:%u: %s%s%s", p->src, line, col, p->path,
			 p->plen ? ": " : "", what);
	size_t n = strlen(text) + 1;
	struct spec_note *note = malloc(sizeof(*note) + n);
	if (!note)
		return err_nomem(p->err);
	memcpy(note->text, text, n);
	note->next = p->pv->notes;
	p->pv->notes = note;
	return 0;
}

/* A member, with JSON null treated as absent (as Go's decoder does). */
static const struct json *sp_get(const struct json *obj, const char *key)
{
	const struct json *v = json_get(obj, key);
	return v && json_type(v) != JSON_NULL ? v : NULL;
}

static bool sp_is(struct sp *p, const struct json *v, enum json_type t)
{
	static const char names[] = "null\0boolean\0integer\0string\0array\0object\0";
	if (json_type(v) == t)
		return true;
	sp_fail(p, v, "expected %s", spec_tab_at(names, (int)t));
	return false;
}

/* The error for a number that is not an integer in lo..hi (hi above INT64_MAX: the
 * uint64 range), naming it as written. */
static int sp_range(struct sp *p, const struct json *v, int64_t lo, uint64_t hi)
{
	struct json_number num;
	size_t len;
	const char *text = json_num_text(v, &len);
	json_num(v, &num);
	/* 1e3 or 1.0: a whole number in range, but written as a fraction */
	bool whole = (memchr(text, '.', len) || memchr(text, 'e', len) || memchr(text, 'E', len)) &&
		     num.d >= (double)lo && num.d <= (double)hi && num.d < 0x1p64 &&
		     (num.d < 0 ? (double)(int64_t)num.d : (double)(uint64_t)num.d) == num.d;
	return sp_fail(p, v, "%.*s%s is not an integer in %" PRId64 "..%" PRIu64 "%s",
		       len > 40 ? 40 : (int)len, text, len > 40 ? "..." : "", lo, hi,
		       whole ? " (write it without a fraction or exponent)" : "");
}

/* An integer in [lo, hi] (hi above INT64_MAX admits the uint64 range); *out gets its
 * two's complement bits. */
static int sp_int(struct sp *p, const struct json *v, int64_t lo, uint64_t hi, uint64_t *out)
{
	struct json_number num;
	if (!sp_is(p, v, JSON_NUMBER))
		return -1;
	json_num(v, &num);
	bool neg = num.kind == JSON_NUM_INT && num.i < 0;
	if (num.kind == JSON_NUM_DOUBLE || (neg ? num.i < lo : num.u > hi))
		return sp_range(p, v, lo, hi);
	*out = neg ? (uint64_t)num.i : num.u;
	return 0;
}

static int sp_str(struct sp *p, const struct json *v, const char **out)
{
	if (!sp_is(p, v, JSON_STRING))
		return -1;
	size_t len;
	const char *s = json_str(v, &len);
	if (strlen(s) != len)
		return sp_fail(p, v, "string contains a NUL byte");
	*out = s;
	return 0;
}

/* Look a string up in a name table: its index, or an error naming the value. */
static int sp_enum(struct sp *p, const struct json *v, const char *tab, int *out)
{
	const char *s = NULL;
	if (sp_str(p, v, &s) < 0)
		return -1;
	if ((*out = spec_tab_find(tab, s)) < 0)
		return sp_fail(p, v, "unsupported value \"%s\"", s);
	return 0;
}

/* A required member that names a value of tab. */
static int sp_enum_key(struct sp *p, const struct json *obj, const char *key, const char *tab,
		       int *out)
{
	const struct json *v = sp_get(obj, key);
	if (!v)
		return sp_missing(p, obj, key);
	size_t old = sp_push(p, key, 0);
	if (sp_enum(p, v, tab, out) < 0)
		return -1;
	sp_pop(p, old);
	return 0;
}

typedef int (*sp_fn)(struct sp *p, const struct json *v, void *out);

/* Fields described by a table: scalars, strings and string arrays. */
enum {
	SPF_STR, SPF_STRV, SPF_BOOL, SPF_OBOOL, SPF_I32, SPF_U32, SPF_I64, SPF_U64, SPF_INT,
	SPF_OU16, SPF_OU32, SPF_OU64, SPF_OI32, SPF_OI64, SPF_OMEM,
	SPF_REQ = 0x80,
};
struct sp_field {
	const char *key;
	unsigned char kind;
	unsigned short off;
};
#define FLD(type, key, kind, member) {key, kind, offsetof(type, member)}
/* SPF_STRV relies on every string array's count following its pointer. */
_Static_assert(offsetof(struct spec_mount, n_options) ==
	       offsetof(struct spec_mount, options) + sizeof(char **), "strv layout");

static int sp_str_item(struct sp *p, const struct json *v, void *out)
{
	return sp_str(p, v, out);
}

static int sp_list_v(struct sp *p, const struct json *v, bool map, size_t size, sp_fn fn,
		     void *outp, size_t *n);

static int sp_fields(struct sp *p, const struct json *obj, const struct sp_field *f, size_t nf,
		     void *base)
{
	/* Ranges of the integer kinds, from SPF_I32 on. */
	static const struct { int64_t lo; uint64_t hi; } range[] = {
		{INT32_MIN, INT32_MAX}, {0, UINT32_MAX}, {INT64_MIN, INT64_MAX}, {0, UINT64_MAX},
		{INT_MIN, INT_MAX}, {0, UINT16_MAX}, {0, UINT32_MAX}, {0, UINT64_MAX},
		{INT32_MIN, INT32_MAX}, {INT64_MIN, INT64_MAX}, {INT64_MIN, UINT64_MAX},
	};
	if (!sp_is(p, obj, JSON_OBJECT))
		return -1;
	for (; nf--; f++) {
		const struct json *v = sp_get(obj, f->key);
		int kind = f->kind & ~SPF_REQ;
		if (!v) {
			if (f->kind & SPF_REQ)
				return sp_missing(p, obj, f->key);
			continue;
		}
		size_t old = sp_push(p, f->key, 0);
		char *at = (char *)base + f->off;
		uint64_t u = 0;
		if (kind == SPF_STR) {
			if (sp_str(p, v, (const char **)at) < 0)
				return -1;
		} else if (kind == SPF_STRV) {
			if (sp_list_v(p, v, false, sizeof(char *), sp_str_item, at,
				      (size_t *)(at + sizeof(char **))) < 0)
				return -1;
		} else if (kind <= SPF_OBOOL) {
			if (!sp_is(p, v, JSON_BOOL))
				return -1;
			if (kind == SPF_BOOL)
				*(bool *)at = json_bool(v);
			else
				*(struct opt_bool *)at = (struct opt_bool){true, json_bool(v)};
		} else {
			/* memory: an int64, but 2^64-1, which some tools write for "unlimited",
			 * reads as -1 */
			struct json_number num;
			json_num(v, &num);
			if (kind == SPF_OMEM && json_type(v) == JSON_NUMBER &&
			    (num.kind == JSON_NUM_DOUBLE || (num.kind == JSON_NUM_UINT && num.u != UINT64_MAX)))
				return sp_range(p, v, INT64_MIN, INT64_MAX);
			if (sp_int(p, v, range[kind - SPF_I32].lo, range[kind - SPF_I32].hi, &u) < 0)
				return -1;
			switch (kind) {
			case SPF_I32: *(int32_t *)at = (int32_t)u; break;
			case SPF_U32: *(uint32_t *)at = (uint32_t)u; break;
			case SPF_I64: *(int64_t *)at = (int64_t)u; break;
			case SPF_U64: *(uint64_t *)at = u; break;
			case SPF_INT: *(int *)at = (int)u; break;
			case SPF_OU64: *(struct opt_u64 *)at = (struct opt_u64){true, u}; break;
			case SPF_OU16:
			case SPF_OU32: *(struct opt_u32 *)at = (struct opt_u32){true, (uint32_t)u}; break;
			default: *(struct opt_i64 *)at = (struct opt_i64){true, (int64_t)u}; break;
			}
		}
		sp_pop(p, old);
	}
	return 0;
}
#define SP_FIELDS(p, obj, tab, base) sp_fields(p, obj, tab, ARRAY_LEN(tab), base)

/* An array (or, with map, an object whose members are the items) parsed item by item
 * into a new array of n elements of size bytes (plus a zeroed one: string arrays end
 * with NULL); stored through outp (a pointer to the struct's array pointer). */
static int sp_list_v(struct sp *p, const struct json *v, bool map, size_t size, sp_fn fn,
		     void *outp, size_t *n)
{
	if (!sp_is(p, v, map ? JSON_OBJECT : JSON_ARRAY))
		return -1;
	size_t i = 0, count = json_len(v);
	char *a = sp_alloc(p, count + 1, size);
	if (!a)
		return -1;
	for (const struct json *c = json_first(v); c; c = json_next(v, c), i++) {
		size_t old = map ? sp_push(p, json_key(c, NULL), 0) : sp_push(p, NULL, i);
		if (fn(p, c, a + i * size) < 0)
			return -1;
		sp_pop(p, old);
	}
	memcpy(outp, &a, sizeof(a));
	*n = count;
	return 0;
}

/* Member key of obj, if present, parsed by fn (with the path extended). Returns 1 if
 * present, 0 if absent, -1 on error. */
static int sp_sub(struct sp *p, const struct json *obj, const char *key, sp_fn fn, void *out)
{
	const struct json *v = sp_get(obj, key);
	if (!v)
		return 0;
	size_t old = sp_push(p, key, 0);
	if (fn(p, v, out) < 0)
		return -1;
	sp_pop(p, old);
	return 1;
}

/* Member key of obj, if present, as a list (see sp_list_v). */
static int sp_list(struct sp *p, const struct json *obj, const char *key, bool map, size_t size,
		   sp_fn fn, void *outp, size_t *n)
{
	const struct json *v = sp_get(obj, key);
	if (!v)
		return 0;
	size_t old = sp_push(p, key, 0);
	if (sp_list_v(p, v, map, size, fn, outp, n) < 0)
		return -1;
	sp_pop(p, old);
	return 0;
}

/* The error for member key of obj (which must be present). */
PRINTF_LIKE(4, 5)
static int sp_fail_key(struct sp *p, const struct json *obj, const char *key, const char *fmt, ...)
{
	char what[400];
	va_list ap;
	va_start(ap, fmt);
	ctr_vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	sp_push(p, key, 0);
	return sp_fail(p, json_get(obj, key), "%s", what);
}

static int sp_abs_path(struct sp *p, const struct json *obj, const char *key, const char *s)
{
	if (s && s[0] != '/')
		return sp_fail_key(p, obj, key, "\"%s\" is not an absolute path", s);
	return 0;
}

static int sp_kv(struct sp *p, const struct json *v, void *out)
{
	struct spec_kv *kv = out;
	kv->key = json_key(v, NULL);
	return sp_str(p, v, &kv->value);
}

static int sp_u32_item(struct sp *p, const struct json *v, void *out)
{
	uint64_t u;
	if (sp_int(p, v, 0, UINT32_MAX, &u) < 0)
		return -1;
	*(uint32_t *)out = (uint32_t)u;
	return 0;
}

static int sp_idmap(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_idmap, "containerID", SPF_U32 | SPF_REQ, container_id),
		FLD(struct spec_idmap, "hostID", SPF_U32 | SPF_REQ, host_id),
		FLD(struct spec_idmap, "size", SPF_U32 | SPF_REQ, size),
	};
	return SP_FIELDS(p, v, f, out);
}

/* uidMappings and gidMappings of an object (linux or a mount). */
static int sp_idmaps(struct sp *p, const struct json *v, struct spec_idmap **uid, size_t *n_uid,
		     struct spec_idmap **gid, size_t *n_gid)
{
	if (sp_list(p, v, "uidMappings", false, sizeof(**uid), sp_idmap, uid, n_uid) < 0 ||
	    sp_list(p, v, "gidMappings", false, sizeof(**gid), sp_idmap, gid, n_gid) < 0)
		return -1;
	return 0;
}

static int sp_mount(struct sp *p, const struct json *v, void *out)
{
	struct spec_mount *m = out;
	static const struct sp_field f[] = {
		FLD(struct spec_mount, "destination", SPF_STR | SPF_REQ, destination),
		FLD(struct spec_mount, "source", SPF_STR, source),
		FLD(struct spec_mount, "type", SPF_STR, type),
		FLD(struct spec_mount, "options", SPF_STRV, options),
	};
	if (SP_FIELDS(p, v, f, m) < 0)
		return -1;
	return sp_idmaps(p, v, &m->uid_mappings, &m->n_uid_mappings, &m->gid_mappings,
			 &m->n_gid_mappings);
}

static int sp_console(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_process, "height", SPF_OU32 | SPF_REQ, console_height),
		FLD(struct spec_process, "width", SPF_OU32 | SPF_REQ, console_width),
	};
	return SP_FIELDS(p, v, f, out);
}

static int sp_user(struct sp *p, const struct json *v, void *out)
{
	struct spec_user *u = out;
	static const struct sp_field f[] = {
		FLD(struct spec_user, "uid", SPF_U32 | SPF_REQ, uid),
		FLD(struct spec_user, "gid", SPF_U32 | SPF_REQ, gid),
		FLD(struct spec_user, "umask", SPF_OU32, umask),
		FLD(struct spec_user, "username", SPF_STR, username),
	};
	if (SP_FIELDS(p, v, f, u) < 0)
		return -1;
	return sp_list(p, v, "additionalGids", false, sizeof(uint32_t), sp_u32_item,
		       &u->additional_gids, &u->n_additional_gids);
}

static int sp_caps(struct sp *p, const struct json *v, void *out)
{
	static const char names[] = "bounding\0effective\0inheritable\0permitted\0ambient\0";
	static const unsigned char offs[] = {
		offsetof(struct spec_caps, bounding), offsetof(struct spec_caps, effective),
		offsetof(struct spec_caps, inheritable), offsetof(struct spec_caps, permitted),
		offsetof(struct spec_caps, ambient),
	};
	if (!sp_is(p, v, JSON_OBJECT))
		return -1;
	for (int k = 0; k < 5; k++) {
		const char *key = spec_tab_at(names, k);
		const struct json *a = sp_get(v, key);
		if (!a)
			continue;
		struct spec_capset *set = (struct spec_capset *)((char *)out + offs[k]);
		size_t old = sp_push(p, key, 0);
		if (!sp_is(p, a, JSON_ARRAY))
			return -1;
		set->set = true;
		size_t i = 0;
		for (const struct json *c = json_first(a); c; c = json_next(a, c), i++) {
			const char *name = NULL;
			size_t o2 = sp_push(p, NULL, i);
			if (sp_str(p, c, &name) < 0)
				return -1;
			int cap = spec_tab_find(spec_caps_tab, name);
			if (cap >= 0)
				set->mask |= 1ull << cap;
			else if (sp_note(p, c, "unknown capability \"%s\" (ignored)", name) < 0)
				return -1;
			sp_pop(p, o2);
		}
		sp_pop(p, old);
	}
	return 0;
}

static int sp_rlimit(struct sp *p, const struct json *v, void *out)
{
	struct spec_rlimit *r = out;
	static const struct sp_field f[] = {
		FLD(struct spec_rlimit, "type", SPF_STR | SPF_REQ, type),
		FLD(struct spec_rlimit, "hard", SPF_U64 | SPF_REQ, hard),
		FLD(struct spec_rlimit, "soft", SPF_U64 | SPF_REQ, soft),
	};
	int i;
	if (SP_FIELDS(p, v, f, r) < 0)
		return -1;
	if ((i = spec_tab_find(spec_rlimit_tab, r->type)) < 0)
		return sp_fail_key(p, v, "type", "unsupported value \"%s\"", r->type);
	r->resource = spec_rlimit_num[i];
	return 0;
}

static int sp_ioprio(struct sp *p, const struct json *v, void *out)
{
	struct spec_process *pr = out;
	static const struct sp_field f[] = {
		FLD(struct spec_process, "priority", SPF_INT, io_priority),
	};
	if (SP_FIELDS(p, v, f, pr) < 0 ||
	    sp_enum_key(p, v, "class", spec_ioprio_tab, &pr->io_priority_class) < 0)
		return -1;
	pr->io_priority_class++;
	pr->has_io_priority = true;
	return 0;
}

/* Each string of an array must be in tab; the bits of their indexes go to *mask. */
static int sp_enum_list(struct sp *p, const struct json *obj, const char *key, const char *tab,
			uint64_t *mask)
{
	const char **names = NULL;
	size_t n = 0;
	if (sp_list(p, obj, key, false, sizeof(char *), sp_str_item, &names, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int bit = spec_tab_find(tab, names[i]);
		if (bit < 0) {
			size_t old = sp_push(p, key, 0);
			sp_push(p, NULL, i);
			sp_fail(p, json_at(json_get(obj, key), i), "unsupported value \"%s\"", names[i]);
			sp_pop(p, old);
			return -1;
		}
		*mask |= 1ull << bit;
	}
	return 0;
}

static int sp_sched(struct sp *p, const struct json *v, void *out)
{
	struct spec_scheduler *s = out;
	static const struct sp_field f[] = {
		FLD(struct spec_scheduler, "nice", SPF_I32, nice),
		FLD(struct spec_scheduler, "priority", SPF_I32, priority),
		FLD(struct spec_scheduler, "runtime", SPF_U64, runtime),
		FLD(struct spec_scheduler, "deadline", SPF_U64, deadline),
		FLD(struct spec_scheduler, "period", SPF_U64, period),
	};
	if (SP_FIELDS(p, v, f, s) < 0 ||
	    sp_enum_list(p, v, "flags", spec_sched_flag_tab, &s->flags) < 0 ||
	    sp_enum_key(p, v, "policy", spec_sched_tab, &s->policy) < 0)
		return -1;
	s->set = true;
	return 0;
}

static int sp_cpu_affinity(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_process, "initial", SPF_STR, exec_cpu_affinity_initial),
		FLD(struct spec_process, "final", SPF_STR, exec_cpu_affinity_final),
	};
	return SP_FIELDS(p, v, f, out);
}

static int sp_process(struct sp *p, const struct json *v, void *out)
{
	struct spec_process *pr = out;
	static const struct sp_field f[] = {
		FLD(struct spec_process, "terminal", SPF_BOOL, terminal),
		FLD(struct spec_process, "args", SPF_STRV | SPF_REQ, args),
		FLD(struct spec_process, "commandLine", SPF_STR, command_line),
		FLD(struct spec_process, "env", SPF_STRV, env),
		FLD(struct spec_process, "cwd", SPF_STR | SPF_REQ, cwd),
		FLD(struct spec_process, "noNewPrivileges", SPF_BOOL, no_new_privileges),
		FLD(struct spec_process, "apparmorProfile", SPF_STR, apparmor_profile),
		FLD(struct spec_process, "oomScoreAdj", SPF_OI32, oom_score_adj),
		FLD(struct spec_process, "selinuxLabel", SPF_STR, selinux_label),
	};
	int rc;
	if (SP_FIELDS(p, v, f, pr) < 0)
		return -1;
	if (pr->n_args == 0)
		return sp_fail_key(p, v, "args", "must not be empty");
	if (sp_abs_path(p, v, "cwd", pr->cwd) < 0)
		return -1;
	/* user is REQUIRED by the spec, but runc and crun default it to 0:0 */
	if (sp_sub(p, v, "user", sp_user, &pr->user) < 0 ||
	    sp_sub(p, v, "consoleSize", sp_console, pr) < 0 ||
	    (rc = sp_sub(p, v, "capabilities", sp_caps, &pr->caps)) < 0 ||
	    sp_list(p, v, "rlimits", false, sizeof(*pr->rlimits), sp_rlimit, &pr->rlimits,
		    &pr->n_rlimits) < 0 ||
	    sp_sub(p, v, "ioPriority", sp_ioprio, pr) < 0 ||
	    sp_sub(p, v, "scheduler", sp_sched, &pr->scheduler) < 0 ||
	    sp_sub(p, v, "execCPUAffinity", sp_cpu_affinity, pr) < 0)
		return -1;
	pr->has_caps = rc > 0;
	for (size_t i = 0; i < pr->n_rlimits; i++)
		for (size_t j = 0; j < i; j++)
			if (pr->rlimits[i].resource == pr->rlimits[j].resource) {
				sp_push(p, "rlimits", 0);
				sp_push(p, NULL, i);
				return sp_fail(p, json_at(json_get(v, "rlimits"), i),
					       "duplicate rlimit \"%s\"", pr->rlimits[i].type);
			}
	return 0;
}

static int sp_hook(struct sp *p, const struct json *v, void *out)
{
	struct spec_hook *h = out;
	static const struct sp_field f[] = {
		FLD(struct spec_hook, "path", SPF_STR | SPF_REQ, path),
		FLD(struct spec_hook, "args", SPF_STRV, args),
		FLD(struct spec_hook, "env", SPF_STRV, env),
		FLD(struct spec_hook, "timeout", SPF_OI64, timeout),
	};
	if (SP_FIELDS(p, v, f, h) < 0 || sp_abs_path(p, v, "path", h->path) < 0)
		return -1;
	if (h->timeout.set && h->timeout.v <= 0)
		return sp_fail_key(p, v, "timeout", "must be greater than zero");
	return 0;
}

static int sp_hooks(struct sp *p, const struct json *v, void *out)
{
	struct spec *s = out;
	if (!sp_is(p, v, JSON_OBJECT))
		return -1;
	for (int k = 0; k < HOOK_KIND_COUNT; k++)
		if (sp_list(p, v, spec_tab_at(spec_hook_tab, k), false, sizeof(struct spec_hook),
			    sp_hook, &s->hooks[k], &s->n_hooks[k]) < 0)
			return -1;
	return 0;
}

static int sp_namespace(struct sp *p, const struct json *v, void *out)
{
	struct spec_namespace *ns = out;
	static const struct sp_field f[] = {
		FLD(struct spec_namespace, "path", SPF_STR, path),
	};
	if (SP_FIELDS(p, v, f, ns) < 0 || sp_enum_key(p, v, "type", spec_ns_tab, &ns->type) < 0)
		return -1;
	ns->type = spec_ns_flag[ns->type];
	return 0;
}

static int sp_time_offset(struct sp *p, const struct json *v, void *out)
{
	struct spec_time_offset *t = out;
	static const struct sp_field f[] = {
		FLD(struct spec_time_offset, "secs", SPF_I64, secs),
		FLD(struct spec_time_offset, "nanosecs", SPF_U32, nanosecs),
	};
	const char *clock = json_key(v, NULL);
	if (strcmp(clock, "monotonic") && strcmp(clock, "boottime"))
		return sp_fail(p, v, "unsupported clock (want monotonic or boottime)");
	t->clock = clock[0] == 'm' ? CLOCK_MONOTONIC : CLOCK_BOOTTIME;
	if (SP_FIELDS(p, v, f, t) < 0)
		return -1;
	if (t->nanosecs >= 1000000000)
		return sp_fail_key(p, v, "nanosecs", "must be less than 1000000000");
	return 0;
}

/* A device type: one of the characters of allowed. */
static int sp_dev_type(struct sp *p, const struct json *obj, const char *allowed, char *out)
{
	const struct json *v = sp_get(obj, "type");
	const char *s = NULL;
	if (!v)
		return 1;
	size_t old = sp_push(p, "type", 0);
	if (sp_str(p, v, &s) < 0)
		return -1;
	if (strlen(s) != 1 || !strchr(allowed, s[0]))
		return sp_fail(p, v, "unsupported device type \"%s\"", s);
	sp_pop(p, old);
	*out = s[0];
	return 0;
}

static int sp_device(struct sp *p, const struct json *v, void *out)
{
	struct spec_device *d = out;
	static const struct sp_field f[] = {
		FLD(struct spec_device, "path", SPF_STR | SPF_REQ, path),
		FLD(struct spec_device, "major", SPF_I64, major),
		FLD(struct spec_device, "minor", SPF_I64, minor),
		FLD(struct spec_device, "fileMode", SPF_OU32, file_mode),
		FLD(struct spec_device, "uid", SPF_OU32, uid),
		FLD(struct spec_device, "gid", SPF_OU32, gid),
	};
	int rc;
	if (SP_FIELDS(p, v, f, d) < 0 || (rc = sp_dev_type(p, v, "cubp", &d->type)) < 0)
		return -1;
	if (rc)
		return sp_missing(p, v, "type");
	if (d->type != 'p' && !sp_get(v, "major"))
		return sp_missing(p, v, "major");
	if (d->type != 'p' && !sp_get(v, "minor"))
		return sp_missing(p, v, "minor");
	return 0;
}

static int sp_net_device(struct sp *p, const struct json *v, void *out)
{
	struct spec_net_device *d = out;
	static const struct sp_field f[] = {
		FLD(struct spec_net_device, "name", SPF_STR, name),
	};
	d->host_name = json_key(v, NULL);
	return SP_FIELDS(p, v, f, d);
}

static int sp_dev_rule(struct sp *p, const struct json *v, void *out)
{
	struct spec_device_rule *d = out;
	static const struct sp_field f[] = {
		FLD(struct spec_device_rule, "allow", SPF_BOOL | SPF_REQ, allow),
		FLD(struct spec_device_rule, "major", SPF_OI64, major),
		FLD(struct spec_device_rule, "minor", SPF_OI64, minor),
		FLD(struct spec_device_rule, "access", SPF_STR, access),
	};
	d->type = 'a';
	if (SP_FIELDS(p, v, f, d) < 0 || sp_dev_type(p, v, "abc", &d->type) < 0)
		return -1;
	if (d->access && (!d->access[0] || d->access[strspn(d->access, "rwm")]))
		return sp_fail_key(p, v, "access", "\"%s\" is not a combination of r, w, m", d->access);
	return 0;
}

static int sp_memory(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_memory, "limit", SPF_OMEM, limit),
		FLD(struct spec_memory, "reservation", SPF_OMEM, reservation),
		FLD(struct spec_memory, "swap", SPF_OMEM, swap),
		FLD(struct spec_memory, "kernel", SPF_OMEM, kernel),
		FLD(struct spec_memory, "kernelTCP", SPF_OMEM, kernel_tcp),
		FLD(struct spec_memory, "swappiness", SPF_OU64, swappiness),
		FLD(struct spec_memory, "disableOOMKiller", SPF_OBOOL, disable_oom_killer),
		FLD(struct spec_memory, "useHierarchy", SPF_OBOOL, use_hierarchy),
		FLD(struct spec_memory, "checkBeforeUpdate", SPF_OBOOL, check_before_update),
	};
	if (SP_FIELDS(p, v, f, out) < 0)
		return -1;
	/* the byte counts (the first five): -1 is "unlimited", lower means nothing */
	for (size_t i = 0; i < 5; i++) {
		const struct opt_i64 *o = (const struct opt_i64 *)((const char *)out + f[i].off);
		if (o->set && o->v < -1)
			return sp_fail_key(p, v, f[i].key, "%" PRId64 " is negative (-1 means "
					   "unlimited)", o->v);
	}
	return 0;
}

static int sp_cpu(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_cpu, "shares", SPF_OU64, shares),
		FLD(struct spec_cpu, "quota", SPF_OI64, quota),
		FLD(struct spec_cpu, "burst", SPF_OU64, burst),
		FLD(struct spec_cpu, "period", SPF_OU64, period),
		FLD(struct spec_cpu, "realtimeRuntime", SPF_OI64, realtime_runtime),
		FLD(struct spec_cpu, "realtimePeriod", SPF_OU64, realtime_period),
		FLD(struct spec_cpu, "cpus", SPF_STR, cpus),
		FLD(struct spec_cpu, "mems", SPF_STR, mems),
		FLD(struct spec_cpu, "idle", SPF_OI64, idle),
	};
	return SP_FIELDS(p, v, f, out);
}

static int sp_pids(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_resources, "limit", SPF_OI64, pids_limit),
	};
	return SP_FIELDS(p, v, f, out);
}

static int sp_weight_dev(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_weight_device, "major", SPF_I64 | SPF_REQ, major),
		FLD(struct spec_weight_device, "minor", SPF_I64 | SPF_REQ, minor),
		FLD(struct spec_weight_device, "weight", SPF_OU16, weight),
		FLD(struct spec_weight_device, "leafWeight", SPF_OU16, leaf_weight),
	};
	return SP_FIELDS(p, v, f, out);
}

static int sp_throttle_dev(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_throttle_device, "major", SPF_I64 | SPF_REQ, major),
		FLD(struct spec_throttle_device, "minor", SPF_I64 | SPF_REQ, minor),
		FLD(struct spec_throttle_device, "rate", SPF_U64 | SPF_REQ, rate),
	};
	return SP_FIELDS(p, v, f, out);
}

static int sp_blkio(struct sp *p, const struct json *v, void *out)
{
	struct spec_blkio *b = out;
	static const struct sp_field f[] = {
		FLD(struct spec_blkio, "weight", SPF_OU16, weight),
		FLD(struct spec_blkio, "leafWeight", SPF_OU16, leaf_weight),
	};
	static const char throttle_keys[] = "throttleReadBpsDevice\0throttleWriteBpsDevice\0"
					    "throttleReadIOPSDevice\0throttleWriteIOPSDevice\0";
	struct { struct spec_throttle_device **a; size_t *n; } t[] = {
		{&b->throttle_read_bps, &b->n_throttle_read_bps},
		{&b->throttle_write_bps, &b->n_throttle_write_bps},
		{&b->throttle_read_iops, &b->n_throttle_read_iops},
		{&b->throttle_write_iops, &b->n_throttle_write_iops},
	};
	if (SP_FIELDS(p, v, f, b) < 0 ||
	    sp_list(p, v, "weightDevice", false, sizeof(*b->weight_devices), sp_weight_dev,
		    &b->weight_devices, &b->n_weight_devices) < 0)
		return -1;
	for (int k = 0; k < 4; k++)
		if (sp_list(p, v, spec_tab_at(throttle_keys, k), false, sizeof(**t[k].a),
			    sp_throttle_dev, t[k].a, t[k].n) < 0)
			return -1;
	return 0;
}

static int sp_hugepage(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_hugepage, "pageSize", SPF_STR | SPF_REQ, page_size),
		FLD(struct spec_hugepage, "limit", SPF_U64 | SPF_REQ, limit),
	};
	return SP_FIELDS(p, v, f, out);
}

static int sp_net_prio(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_net_prio, "name", SPF_STR | SPF_REQ, name),
		FLD(struct spec_net_prio, "priority", SPF_U32 | SPF_REQ, priority),
	};
	return SP_FIELDS(p, v, f, out);
}

static int sp_network(struct sp *p, const struct json *v, void *out)
{
	struct spec_resources *r = out;
	static const struct sp_field f[] = {
		FLD(struct spec_resources, "classID", SPF_OU32, net_class_id),
	};
	if (SP_FIELDS(p, v, f, r) < 0)
		return -1;
	return sp_list(p, v, "priorities", false, sizeof(*r->net_priorities), sp_net_prio,
		       &r->net_priorities, &r->n_net_priorities);
}

static int sp_rdma(struct sp *p, const struct json *v, void *out)
{
	struct spec_rdma *r = out;
	static const struct sp_field f[] = {
		FLD(struct spec_rdma, "hcaHandles", SPF_OU32, hca_handles),
		FLD(struct spec_rdma, "hcaObjects", SPF_OU32, hca_objects),
	};
	r->device = json_key(v, NULL);
	return SP_FIELDS(p, v, f, r);
}

static int sp_resources(struct sp *p, const struct json *v, void *out)
{
	struct spec_resources *r = out;
	int mem, cpu, pids, blkio, net;
	if (!sp_is(p, v, JSON_OBJECT) ||
	    sp_list(p, v, "devices", false, sizeof(*r->devices), sp_dev_rule, &r->devices,
		    &r->n_devices) < 0 ||
	    (mem = sp_sub(p, v, "memory", sp_memory, &r->memory)) < 0 ||
	    (cpu = sp_sub(p, v, "cpu", sp_cpu, &r->cpu)) < 0 ||
	    (pids = sp_sub(p, v, "pids", sp_pids, r)) < 0 ||
	    (blkio = sp_sub(p, v, "blockIO", sp_blkio, &r->blkio)) < 0 ||
	    sp_list(p, v, "hugepageLimits", false, sizeof(*r->hugepages), sp_hugepage,
		    &r->hugepages, &r->n_hugepages) < 0 ||
	    (net = sp_sub(p, v, "network", sp_network, r)) < 0 ||
	    sp_list(p, v, "rdma", true, sizeof(*r->rdma), sp_rdma, &r->rdma, &r->n_rdma) < 0 ||
	    sp_list(p, v, "unified", true, sizeof(*r->unified), sp_kv, &r->unified,
		    &r->n_unified) < 0)
		return -1;
	r->has_memory = mem;
	r->has_cpu = cpu;
	r->has_pids = pids;
	r->has_blkio = blkio;
	r->has_network = net;
	return 0;
}

static int sp_sc_action(struct sp *p, const struct json *obj, const char *key,
			enum sc_action *out)
{
	int i;
	if (sp_enum_key(p, obj, key, spec_sc_act_tab, &i) < 0)
		return -1;
	*out = i == 8 ? SC_ACT_KILL_THREAD : (enum sc_action)i;
	return 0;
}

static int sp_sc_arg(struct sp *p, const struct json *v, void *out)
{
	struct spec_seccomp_arg *a = out;
	static const struct sp_field f[] = {
		FLD(struct spec_seccomp_arg, "index", SPF_U32 | SPF_REQ, index),
		FLD(struct spec_seccomp_arg, "value", SPF_U64 | SPF_REQ, value),
		FLD(struct spec_seccomp_arg, "valueTwo", SPF_U64, value_two),
	};
	int op;
	if (SP_FIELDS(p, v, f, a) < 0)
		return -1;
	if (a->index > 5)
		return sp_fail_key(p, v, "index", "%u is not an integer in 0..5", a->index);
	if (sp_enum_key(p, v, "op", spec_sc_op_tab, &op) < 0)
		return -1;
	a->op = (enum sc_op)op;
	return 0;
}

static int sp_sc_rule(struct sp *p, const struct json *v, void *out)
{
	struct spec_seccomp_rule *r = out;
	static const struct sp_field f[] = {
		FLD(struct spec_seccomp_rule, "names", SPF_STRV | SPF_REQ, names),
		FLD(struct spec_seccomp_rule, "errnoRet", SPF_OU32, errno_ret),
	};
	if (SP_FIELDS(p, v, f, r) < 0 || sp_sc_action(p, v, "action", &r->action) < 0)
		return -1;
	return sp_list(p, v, "args", false, sizeof(*r->args), sp_sc_arg, &r->args, &r->n_args);
}

static int sp_seccomp(struct sp *p, const struct json *v, void *out)
{
	struct spec_seccomp *sc = sp_alloc(p, 1, sizeof(*sc));
	static const struct sp_field f[] = {
		FLD(struct spec_seccomp, "defaultErrnoRet", SPF_OU32, default_errno_ret),
		FLD(struct spec_seccomp, "architectures", SPF_STRV, architectures),
		FLD(struct spec_seccomp, "flags", SPF_STRV, flags),
		FLD(struct spec_seccomp, "listenerPath", SPF_STR, listener_path),
		FLD(struct spec_seccomp, "listenerMetadata", SPF_STR, listener_metadata),
	};
	if (!sc || SP_FIELDS(p, v, f, sc) < 0 ||
	    sp_sc_action(p, v, "defaultAction", &sc->default_action) < 0 ||
	    sp_list(p, v, "syscalls", false, sizeof(*sc->syscalls), sp_sc_rule, &sc->syscalls,
		    &sc->n_syscalls) < 0)
		return -1;
	*(struct spec_seccomp **)out = sc;
	return 0;
}

/* A string member that must be one of tab's names (kept as the string). */
static int sp_str_enum(struct sp *p, const struct json *obj, const char *key, const char *tab,
		       const char *s)
{
	if (s && spec_tab_find(tab, s) < 0)
		return sp_fail_key(p, obj, key, "unsupported value \"%s\"", s);
	return 0;
}

static int sp_personality(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_linux, "domain", SPF_STR | SPF_REQ, personality_domain),
		FLD(struct spec_linux, "flags", SPF_STRV, personality_flags),
	};
	struct spec_linux *lx = out;
	if (SP_FIELDS(p, v, f, lx) < 0)
		return -1;
	lx->has_personality = true;
	return sp_str_enum(p, v, "domain", "LINUX\0LINUX32\0", lx->personality_domain);
}

static int sp_mempolicy(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_linux, "mode", SPF_STR | SPF_REQ, memory_policy_mode),
		FLD(struct spec_linux, "nodes", SPF_STR, memory_policy_nodes),
	};
	struct spec_linux *lx = out;
	uint64_t flags = 0;
	if (SP_FIELDS(p, v, f, lx) < 0 ||
	    sp_str_enum(p, v, "mode", spec_mpol_tab, lx->memory_policy_mode) < 0 ||
	    sp_enum_list(p, v, "flags", spec_mpol_flag_tab, &flags) < 0)
		return -1;
	lx->has_memory_policy = true;
	/* checked above; now keep them as strings */
	return sp_list(p, v, "flags", false, sizeof(char *), sp_str_item,
		       &lx->memory_policy_flags, &lx->n_memory_policy_flags);
}

static int sp_intel_rdt(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_linux, "closID", SPF_STR, intel_rdt_clos_id),
		FLD(struct spec_linux, "l3CacheSchema", SPF_STR, intel_rdt_l3_cache_schema),
		FLD(struct spec_linux, "memBwSchema", SPF_STR, intel_rdt_mem_bw_schema),
	};
	((struct spec_linux *)out)->has_intel_rdt = true;
	return SP_FIELDS(p, v, f, out);
}

static int sp_linux(struct sp *p, const struct json *v, void *out)
{
	struct spec_linux *lx = out;
	static const struct sp_field f[] = {
		FLD(struct spec_linux, "cgroupsPath", SPF_STR, cgroups_path),
		FLD(struct spec_linux, "rootfsPropagation", SPF_STR, rootfs_propagation),
		FLD(struct spec_linux, "maskedPaths", SPF_STRV, masked_paths),
		FLD(struct spec_linux, "readonlyPaths", SPF_STRV, readonly_paths),
		FLD(struct spec_linux, "mountLabel", SPF_STR, mount_label),
	};
	int res;
	if (SP_FIELDS(p, v, f, lx) < 0 ||
	    sp_str_enum(p, v, "rootfsPropagation", spec_propagation_tab, lx->rootfs_propagation) < 0 ||
	    sp_list(p, v, "namespaces", false, sizeof(*lx->namespaces), sp_namespace,
		    &lx->namespaces, &lx->n_namespaces) < 0 ||
	    sp_idmaps(p, v, &lx->uid_mappings, &lx->n_uid_mappings, &lx->gid_mappings,
		      &lx->n_gid_mappings) < 0 ||
	    sp_list(p, v, "timeOffsets", true, sizeof(*lx->time_offsets), sp_time_offset,
		    &lx->time_offsets, &lx->n_time_offsets) < 0 ||
	    sp_list(p, v, "devices", false, sizeof(*lx->devices), sp_device, &lx->devices,
		    &lx->n_devices) < 0 ||
	    sp_list(p, v, "netDevices", true, sizeof(*lx->net_devices), sp_net_device,
		    &lx->net_devices, &lx->n_net_devices) < 0 ||
	    (res = sp_sub(p, v, "resources", sp_resources, &lx->resources)) < 0 ||
	    sp_list(p, v, "sysctl", true, sizeof(*lx->sysctl), sp_kv, &lx->sysctl,
		    &lx->n_sysctl) < 0 ||
	    sp_sub(p, v, "seccomp", sp_seccomp, &lx->seccomp) < 0 ||
	    sp_sub(p, v, "personality", sp_personality, lx) < 0 ||
	    sp_sub(p, v, "memoryPolicy", sp_mempolicy, lx) < 0 ||
	    sp_sub(p, v, "intelRdt", sp_intel_rdt, lx) < 0)
		return -1;
	lx->has_resources = res;
	for (size_t i = 0; i < lx->n_namespaces; i++)
		for (size_t j = 0; j < i; j++)
			if (lx->namespaces[i].type == lx->namespaces[j].type) {
				const struct json *t =
					json_get(json_at(json_get(v, "namespaces"), i), "type");
				sp_push(p, "namespaces", 0);
				sp_push(p, NULL, i);
				sp_push(p, "type", 0);
				return sp_fail(p, t, "duplicate namespace \"%s\"", json_str(t, NULL));
			}
	return 0;
}

static int sp_root(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec, "path", SPF_STR | SPF_REQ, root_path),
		FLD(struct spec, "readonly", SPF_BOOL, root_readonly),
	};
	return SP_FIELDS(p, v, f, out);
}

static int sp_config(struct sp *p, const struct json *v, struct spec *s)
{
	static const struct sp_field f[] = {
		FLD(struct spec, "ociVersion", SPF_STR | SPF_REQ, oci_version),
		FLD(struct spec, "hostname", SPF_STR, hostname),
		FLD(struct spec, "domainname", SPF_STR, domainname),
	};
	int proc, lx;
	if (SP_FIELDS(p, v, f, s) < 0)
		return -1;
	/* the kernel's limit for both (HOST_NAME_MAX); set later, they would fail as EINVAL */
	for (int k = 1; k < 3; k++) {
		const char *name = *(const char **)((const char *)s + f[k].off);
		if (name && strlen(name) > 64)
			return sp_fail_key(p, v, f[k].key, "%zu bytes, more than the kernel's limit of "
					   "64", strlen(name));
	}
	const char *ver = s->oci_version;
	if (ver[0] != '1' || ver[1] != '.' || !isdigit((unsigned char)ver[2]))
		return sp_fail_key(p, v, "ociVersion", "unsupported version \"%s\" (want 1.x)", ver);
	if (!sp_get(v, "root"))
		return sp_missing(p, v, "root");
	if (sp_sub(p, v, "root", sp_root, s) < 0 ||
	    sp_list(p, v, "mounts", false, sizeof(*s->mounts), sp_mount, &s->mounts, &s->n_mounts) < 0 ||
	    (proc = sp_sub(p, v, "process", sp_process, &s->process)) < 0 ||
	    sp_sub(p, v, "hooks", sp_hooks, s) < 0 ||
	    sp_list(p, v, "annotations", true, sizeof(*s->annotations), sp_kv, &s->annotations,
		    &s->n_annotations) < 0 ||
	    (lx = sp_sub(p, v, "linux", sp_linux, &s->lx)) < 0)
		return -1;
	s->has_process = proc;
	s->has_linux = lx;
	return 0;
}

/* The spec in a parsed document, which it takes over (and frees on failure). */
static int spec_parse_doc(struct json_doc *doc, const char *source, struct spec **out,
			  struct ctr_error *err)
{
	struct spec *s = calloc(1, sizeof(*s));
	struct spec_priv *pv = calloc(1, sizeof(*pv));
	*out = NULL;
	if (!s || !pv) {
		free(s);
		free(pv);
		json_free(doc);
		return err_nomem(err);
	}
	s->priv = pv;
	pv->doc = doc;
	struct sp p = {.src = source, .pv = pv, .err = err};
	if (sp_config(&p, json_root(pv->doc), s) < 0) {
		spec_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

static int spec_parse(const char *text, size_t len, const char *source, struct spec **out,
		      struct ctr_error *err)
{
	struct json_doc *doc;
	*out = NULL;
	if (json_parse(text, len, source, NULL, &doc, err) < 0)
		return -1;
	return spec_parse_doc(doc, source, out, err);
}

/* "<bundle>/<name>", or name alone for the current directory. */
static int spec_bundle_path(char *buf, size_t size, const char *bundle, const char *name,
			    struct ctr_error *err)
{
	bool here = !bundle || !*bundle || strcmp(bundle, ".") == 0;
	if (ctr_snprintf(buf, size, "%s%s%s", here ? "" : bundle, here ? "" : "/", name) >= (int)size)
		return err_set(err, ENAMETOOLONG, "%s/%s", bundle, name);
	return 0;
}

static int spec_load(const char *bundle, struct spec **out, struct ctr_error *err)
{
	char path[PATH_MAX];
	char *text = NULL;
	size_t len = 0;
	struct json_doc *doc;
	*out = NULL;
	/* the document takes the text over: one copy of it in memory */
	if (spec_bundle_path(path, sizeof(path), bundle, "config.json", err) < 0 ||
	    read_file(path, JSON_DEFAULT_MAX_BYTES, &text, &len, err) < 0 ||
	    json_parse_owned(text, len, path, NULL, &doc, err) < 0)
		return -1;
	return spec_parse_doc(doc, path, out, err);
}

/* Shared by the standalone parsers: fn on v with fresh storage in *priv. */
static int spec_parse_part(const struct json *v, const char *source, sp_fn fn, void *out,
			   void **priv, struct ctr_error *err)
{
	struct sp p = {.src = source, .err = err};
	if (!(*priv = p.pv = calloc(1, sizeof(*p.pv))))
		return err_nomem(err);
	return fn(&p, v, out);
}

static int spec_parse_process(const struct json *v, const char *source, struct spec_process *p,
			      void **priv, struct ctr_error *err)
{
	memset(p, 0, sizeof(*p));
	return spec_parse_part(v, source, sp_process, p, priv, err);
}

static int spec_parse_resources(const struct json *v, const char *source, struct spec_resources *r,
				void **priv, struct ctr_error *err)
{
	memset(r, 0, sizeof(*r));
	return spec_parse_part(v, source, sp_resources, r, priv, err);
}

/* ---- spec: the program process.args[0] names ---- */

/* runc's PATH for a process.env without one (also what `ctr spec` writes) */
#define SPEC_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* 0 if path names an executable regular file, else an errno (EACCES: not executable). */
typedef int spec_exe_test(void *ctx, const char *path);

/* The one lookup of args[0], for create, exec and check (test says where: the current
 * root, or a rootfs not entered yet). A name with a slash as is; else the first candidate
 * along the PATH of process.env (the last PATH= wins; SPEC_DEFAULT_PATH without one; never
 * ctr's own PATH) that test accepts, an empty entry being the current directory. The
 * candidate into buf, the PATH searched into *path_env (NULL for a name with a slash).
 * 0, or an errno: ENOENT when no candidate exists, else why the first existing one failed. */
static int spec_find_exe(const struct spec_process *p, spec_exe_test *test, void *ctx,
			 char *buf, size_t size, const char **path_env)
{
	const char *file = p->args[0], *path = SPEC_DEFAULT_PATH;
	*path_env = NULL;
	if (strchr(file, '/'))
		return ctr_snprintf(buf, size, "%s", file) >= (int)size ? ENAMETOOLONG : test(ctx, buf);
	for (size_t i = 0; i < p->n_env; i++)
		if (str_has_prefix(p->env[i], "PATH="))
			path = p->env[i] + 5;
	*path_env = path;
	int e = ENOENT;
	for (const char *dir = path;; dir++) {
		size_t len = strcspn(dir, ":");
		int n = len ? ctr_snprintf(buf, size, "%.*s/%s", (int)len, dir, file)
			    : ctr_snprintf(buf, size, "%s", file);
		int r = n < (int)size ? test(ctx, buf) : ENAMETOOLONG;
		if (r == 0)
			return 0;
		if (r != ENOENT && r != ENOTDIR && e == ENOENT)
			e = r; /* remember why the first existing candidate failed */
		dir += len;
		if (!*dir)
			return e;
	}
}

/* ---- spec: the default config (what `ctr spec` writes, after runc's) ---- */

static void spec_jw_str(struct jw *w, const char *key, const char *val)
{
	jw_key(w, key);
	jw_str(w, val);
}

/* key: [ the strings of a NUL-separated list ] */
static void spec_jw_strs(struct jw *w, const char *key, const char *list)
{
	jw_key(w, key);
	jw_arr_begin(w);
	for (; *list; list += strlen(list) + 1)
		jw_str(w, list);
	jw_arr_end(w);
}

static void spec_jw_mount(struct jw *w, const char *dest, const char *type, const char *src,
			  const char *options)
{
	jw_obj_begin(w);
	spec_jw_str(w, "destination", dest);
	spec_jw_str(w, "type", type);
	spec_jw_str(w, "source", src);
	if (options)
		spec_jw_strs(w, "options", options);
	jw_obj_end(w);
}

static void spec_jw_idmap(struct jw *w, const char *key, unsigned host_id)
{
	jw_key(w, key);
	jw_arr_begin(w);
	jw_obj_begin(w);
	jw_key(w, "containerID");
	jw_uint(w, 0);
	jw_key(w, "hostID");
	jw_uint(w, host_id);
	jw_key(w, "size");
	jw_uint(w, 1);
	jw_obj_end(w);
	jw_arr_end(w);
}

/* the default config's "process" member */
static void spec_jw_default_process(struct jw *w)
{
	static const char caps[] = "CAP_AUDIT_WRITE\0CAP_KILL\0CAP_NET_BIND_SERVICE\0";
	jw_key(w, "process");
	jw_obj_begin(w);
	jw_key(w, "terminal");
	jw_bool(w, true);
	jw_key(w, "user");
	jw_obj_begin(w);
	jw_key(w, "uid");
	jw_uint(w, 0);
	jw_key(w, "gid");
	jw_uint(w, 0);
	jw_obj_end(w);
	spec_jw_strs(w, "args", "sh\0");
	spec_jw_strs(w, "env", "PATH=" SPEC_DEFAULT_PATH "\0TERM=xterm\0");
	spec_jw_str(w, "cwd", "/");
	jw_key(w, "capabilities");
	jw_obj_begin(w);
	for (const char *k = "bounding\0effective\0permitted\0ambient\0"; *k; k += strlen(k) + 1)
		spec_jw_strs(w, k, caps);
	jw_obj_end(w);
	jw_key(w, "rlimits");
	jw_arr_begin(w);
	jw_obj_begin(w);
	spec_jw_str(w, "type", "RLIMIT_NOFILE");
	jw_key(w, "hard");
	jw_uint(w, 1024);
	jw_key(w, "soft");
	jw_uint(w, 1024);
	jw_obj_end(w);
	jw_arr_end(w);
	jw_key(w, "noNewPrivileges");
	jw_bool(w, true);
	jw_obj_end(w);
}

int ctr_spec_default(int rootless, char **json_out, struct ctr_error *err)
{
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, "\t");
	jw_obj_begin(&w);
	spec_jw_str(&w, "ociVersion", CTR_OCI_VERSION);
	spec_jw_default_process(&w);
	jw_key(&w, "root");
	jw_obj_begin(&w);
	spec_jw_str(&w, "path", "rootfs");
	jw_key(&w, "readonly");
	jw_bool(&w, true);
	jw_obj_end(&w);
	spec_jw_str(&w, "hostname", "ctr");
	jw_key(&w, "mounts");
	jw_arr_begin(&w);
	spec_jw_mount(&w, "/proc", "proc", "proc", NULL);
	spec_jw_mount(&w, "/dev", "tmpfs", "tmpfs", "nosuid\0strictatime\0mode=755\0size=65536k\0");
	/* without gid 5 (tty) when rootless: that group is not mapped */
	spec_jw_mount(&w, "/dev/pts", "devpts", "devpts",
		      rootless ? "nosuid\0noexec\0newinstance\0ptmxmode=0666\0mode=0620\0"
			       : "nosuid\0noexec\0newinstance\0ptmxmode=0666\0mode=0620\0gid=5\0");
	spec_jw_mount(&w, "/dev/shm", "tmpfs", "shm", "nosuid\0noexec\0nodev\0mode=1777\0size=65536k\0");
	spec_jw_mount(&w, "/dev/mqueue", "mqueue", "mqueue", "nosuid\0noexec\0nodev\0");
	/* a user namespace without its own network namespace may not mount sysfs */
	if (rootless)
		spec_jw_mount(&w, "/sys", "none", "/sys", "rbind\0nosuid\0noexec\0nodev\0ro\0");
	else
		spec_jw_mount(&w, "/sys", "sysfs", "sysfs", "nosuid\0noexec\0nodev\0ro\0");
	spec_jw_mount(&w, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid\0noexec\0nodev\0relatime\0ro\0");
	jw_arr_end(&w);
	jw_key(&w, "linux");
	jw_obj_begin(&w);
	if (rootless) {
		spec_jw_idmap(&w, "uidMappings", geteuid());
		spec_jw_idmap(&w, "gidMappings", getegid());
	} else {
		jw_key(&w, "resources");
		jw_obj_begin(&w);
		jw_key(&w, "devices");
		jw_arr_begin(&w);
		jw_obj_begin(&w);
		jw_key(&w, "allow");
		jw_bool(&w, false);
		spec_jw_str(&w, "access", "rwm");
		jw_obj_end(&w);
		jw_arr_end(&w);
		jw_obj_end(&w);
	}
	jw_key(&w, "namespaces");
	jw_arr_begin(&w);
	const char *ns = rootless ? "pid\0ipc\0uts\0mount\0user\0" : "pid\0network\0ipc\0uts\0mount\0";
	for (; *ns; ns += strlen(ns) + 1) {
		jw_obj_begin(&w);
		spec_jw_str(&w, "type", ns);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	spec_jw_strs(&w, "maskedPaths",
		     "/proc/acpi\0/proc/asound\0/proc/kcore\0/proc/keys\0/proc/latency_stats\0"
		     "/proc/timer_list\0/proc/timer_stats\0/proc/sched_debug\0/sys/firmware\0"
		     "/proc/scsi\0");
	spec_jw_strs(&w, "readonlyPaths",
		     "/proc/bus\0/proc/fs\0/proc/irq\0/proc/sys\0/proc/sysrq-trigger\0");
	jw_obj_end(&w);
	jw_obj_end(&w);
	return sbuf_take(&sb, json_out, err);
}

int ctr_spec_write(const char *bundle_dir, int rootless, struct ctr_error *err)
{
	char *json AUTO_FREE = NULL;
	const char *dir = bundle_dir && *bundle_dir ? bundle_dir : ".";
	if (ctr_spec_default(rootless, &json, err) < 0)
		return -1;
	int dfd AUTO_CLOSE = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set(err, errno, "bundle %s", dir);
	int fd AUTO_CLOSE = openat(dfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0 && errno == EEXIST)
		return err_set(err, 0, "File config.json exists. Remove it first");
	if (fd < 0)
		return err_set(err, errno, "create %s/config.json", dir);
	if (write_all(fd, json, strlen(json)) < 0) {
		int e = errno;
		unlinkat(dfd, "config.json", 0);
		return err_set(err, e, "write %s/config.json", dir);
	}
	return 0;
}

/* A linux.resources.unified key that may be written: "<controller>.<file>", a plain
 * name, and of the core "cgroup." files only the limits (the others move, kill or
 * freeze processes or reshape the tree). NULL if fine, else why not. */
static const char *spec_unified_problem(const char *key)
{
	const char *dot = strchr(key, '.');
	if (strchr(key, '/') || str_find(key, ".."))
		return "not a file name";
	if (!dot || dot == key || !dot[1])
		return "not in the form CONTROLLER.PARAMETER";
	if (str_has_prefix(key, "cgroup.") && strcmp(key, "cgroup.max.depth") &&
	    strcmp(key, "cgroup.max.descendants"))
		return "a core cgroup file: of those only cgroup.max.depth and "
		       "cgroup.max.descendants may be set";
	return NULL;
}

/* ======================================================================
 * state: one directory per container, state.json written atomically under a lock
 * ====================================================================== */

/* One directory per container under the root: <root>/<id>/state.json (written atomically
 * under an flock on <root>/<id>), plus whatever files the lifecycle keeps there. */

#define STATE_COMM_MAX 64             /* a task's comm: 16 bytes, more in newer kernels */

struct state {
	char *id, *bundle, *rootfs, *owner;
	char created[64];            /* RFC 3339 UTC with nanoseconds */
	pid_t pid;                   /* init's host PID; 0 if none */
	unsigned long long pid_start;/* init's start time (field 22 of /proc/PID/stat): a
	                                reused PID is not mistaken for the init */
	char *annotations_json;      /* the config's annotations object, or NULL */
	char *cgroup_json;           /* the cgroup section's own record (cgroup_state_write) */
	char *config_path;           /* copy of config.json kept in the state dir (for exec) */
	bool creating;               /* create has not finished (or its ctr died) */
	/* dev and inode of the init's executable while it waits for start (the runtime's
	 * own image): once it differs, the init has exec'd the user process */
	uint64_t init_exe_dev, init_exe_ino;
	/* the init's name (comm) while it waits for start; exec renames it, and only the
	 * init itself could otherwise: another name means exec'd, with no look at its image */
	char init_comm[STATE_COMM_MAX];
	bool exited;                 /* ctr_wait reaped the init: exit_status is known */
	int exit_status;             /* exit code, or 128 + signal */
};

#define STATE_CREATE 1               /* make the directory; fail if the container exists */
#define STATE_SHARED 2               /* shared lock instead of exclusive */

struct state_handle {
	int root_fd, dir_fd;         /* -1 when closed */
	char *id;
	char *config;                /* the config copy, read once per handle (state_config) */
	size_t config_len;
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
/* The start time of pid (0 if it does not exist); its name into comm when not NULL. */
static unsigned long long pid_start_time(pid_t pid, char comm[STATE_COMM_MAX]);
/* True if pid is alive and is still the process that had start time `start`. */
static bool pid_alive(pid_t pid, unsigned long long start);
/* The same with an open /proc (proc_fd), or -1: its state letter (R, S, D ...) when
 * alive, else 0; its name into comm when not NULL. */
static char pid_alive_at(int proc_fd, pid_t pid, unsigned long long start,
			 char comm[STATE_COMM_MAX]);
/* The numbers and flags of a parsed state.json, no strings: `list` reads them without
 * copies. */
static void state_scalars(const struct json *r, struct state *st);
/* The same from members already found: m[i] for the i-th name of STATE_SCALAR_KEYS. */
#define STATE_SCALAR_KEYS "creating", "initExe", "initComm", "created", "exitStatus", "pid", \
	"pidStartTime"
#define STATE_SCALARS 7
static void state_scalars_of(const struct json *const *m, struct state *st);

/* Internal open flag: do not lock (readers: state.json is replaced atomically). */
#define STATE_NOLOCK 4
#define STATE_FILE "state.json"
#define STATE_MAX_BYTES (4u << 20)

static void state_close(struct state_handle *h)
{
	if (h->dir_fd >= 0)
		close(h->dir_fd);
	if (h->root_fd >= 0)
		close(h->root_fd);
	h->dir_fd = h->root_fd = -1;
	free(h->id);
	h->id = NULL;
	free(h->config);
	h->config = NULL;
}

/* The config copy kept in the state dir (LC_CONFIG_COPY, written once by create), read
 * on first use and kept with the handle: start and delete ask it several things. */
static int state_config(struct state_handle *h, const char **text, size_t *len,
			struct ctr_error *err)
{
	if (!h->config && read_regular_at(h->dir_fd, "config.json", 16u << 20, &h->config,
					  &h->config_len, err) < 0) {
		h->config = NULL;
		return -1;
	}
	*text = h->config;
	*len = h->config_len;
	return 0;
}

/* A directory we locked may have been removed by the holder before us (nlink 0). */
static int state_check_present(struct state_handle *h, const char *id, struct ctr_error *err)
{
	struct stat sb;
	if (fstat(h->dir_fd, &sb) < 0)
		return err_set(err, errno, "stat state dir of %s", id);
	if (sb.st_nlink == 0) {
		err_set(err, 0, "container %s does not exist", id);
		err->errnum = ENOENT;
		return -1;
	}
	return 0;
}

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif

/* Create <root>/<id> already locked: a locked temp dir renamed into place without
 * replacing, so nobody ever sees the new directory unlocked. */
static int state_create_dir(struct state_handle *h, const char *id, struct ctr_error *err)
{
	char tmp[64];
	ctr_snprintf(tmp, sizeof(tmp), ".new-%ld-%ld", (long)getpid(), (long)syscall(SYS_gettid));
	unlinkat(h->root_fd, tmp, AT_REMOVEDIR);
	if (mkdirat(h->root_fd, tmp, 0711) < 0)
		return err_set(err, errno, "create state dir %s", tmp);
	h->dir_fd = openat(h->root_fd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (h->dir_fd < 0 || flock(h->dir_fd, LOCK_EX) < 0) {
		int e = errno;
		unlinkat(h->root_fd, tmp, AT_REMOVEDIR);
		return err_set(err, e, "lock state dir %s", tmp);
	}
	/* a container dir always holds a state.json: what is without one is not ours */
	struct state first = {.id = (char *)id, .creating = true};
	if (state_save(h, &first, err) < 0) {
		unlinkat(h->dir_fd, STATE_FILE, 0);
		unlinkat(h->root_fd, tmp, AT_REMOVEDIR);
		return -1;
	}
#ifdef SYS_renameat2
	long r = syscall(SYS_renameat2, h->root_fd, tmp, h->root_fd, id, RENAME_NOREPLACE);
	if (r < 0 && (errno == ENOSYS || errno == EINVAL)) {
		/* no renameat2 (old kernel, some emulators): plain rename refuses a
		 * non-empty target only, so check first (a small race remains). */
		struct stat sb;
		if (fstatat(h->root_fd, id, &sb, AT_SYMLINK_NOFOLLOW) == 0)
			errno = EEXIST, r = -1;
		else
			r = renameat(h->root_fd, tmp, h->root_fd, id);
	}
#else
	long r = renameat(h->root_fd, tmp, h->root_fd, id);
#endif
	if (r < 0) {
		int e = errno;
		unlinkat(h->dir_fd, STATE_FILE, 0);
		unlinkat(h->root_fd, tmp, AT_REMOVEDIR);
		if (e == EEXIST || e == ENOTEMPTY)
			return err_set(err, 0, "container with id %s already exists", id);
		return err_set(err, e, "create state dir for %s", id);
	}
	return 0;
}

/* The lock is held by a ctr at work (create runs hooks under it): wait, but bounded. */
#define STATE_LOCK_WAIT_MS 60000

static int state_lock(struct state_handle *h, int flags, struct ctr_error *err)
{
	int op = ((flags & STATE_SHARED) ? LOCK_SH : LOCK_EX) | LOCK_NB;
	for (int waited = 0, step = 1; flock(h->dir_fd, op) < 0; waited += step) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return err_set(err, errno, "lock");
		if (waited >= STATE_LOCK_WAIT_MS)
			return err_set(err, ETIMEDOUT, "container %s is busy: another ctr process "
				       "has held its lock for %d s", h->id, STATE_LOCK_WAIT_MS / 1000);
		struct timespec ts = {0, step * 1000000L};
		nanosleep(&ts, NULL);
		step = step < 20 ? step * 2 : 20;
	}
	return 0;
}

static void state_remove_entries(int dir_fd);

/* A ".new-PID-TID" dir whose creator died between mkdir and rename, or a ".del-PID-TID"
 * one whose deleter died before the rmdir: remove it. */
static int state_sweep_one(const char *name, unsigned char type, void *arg)
{
	int root_fd = *(int *)arg;
	char path[64];
	long pid = str_has_prefix(name, ".new-") || str_has_prefix(name, ".del-") ? str_tol(name + 5, NULL) : 0;
	(void)type;
	ctr_snprintf(path, sizeof(path), "/proc/%ld", pid);
	if (pid <= 0 || access(path, F_OK) == 0)
		return 0;
	int sub = openat(root_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (sub < 0)
		return 0;
	if (flock(sub, LOCK_EX | LOCK_NB) == 0) {
		state_remove_entries(sub);
		unlinkat(root_fd, name, AT_REMOVEDIR);
	}
	close(sub);
	return 0;
}

static void state_sweep_stale(int root_fd)
{
	int fd AUTO_CLOSE = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		dir_each(fd, state_sweep_one, &root_fd);
}

static int state_open(const char *root, const char *id, int flags, struct state_handle *h,
		      struct ctr_error *err)
{
	h->root_fd = h->dir_fd = -1;
	h->id = h->config = NULL;
	h->config_len = 0;
	if (!root)
		root = CTR_DEFAULT_ROOT;
	if (!*root)
		return err_set(err, EINVAL, "the state root (--root) is an empty path");
	h->root_fd = openat(AT_FDCWD, root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* usually there: made (each missing level) only when the open says it is not */
	if (h->root_fd < 0 && errno == ENOENT && (flags & STATE_CREATE)) {
		if (mkdir_p(root, 0700, err) < 0)
			return -1;
		h->root_fd = openat(AT_FDCWD, root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (h->root_fd < 0) {
		if (errno == ENOENT) {
			err_set(err, 0, "container %s does not exist", id);
			err->errnum = ENOENT;
			return -1;
		}
		return err_set(err, errno, "open state root %s", root);
	}
	h->id = strdup(id);
	if (!h->id) {
		state_close(h);
		return err_nomem(err);
	}
	if (flags & STATE_CREATE) {
		state_sweep_stale(h->root_fd);
		if (state_create_dir(h, id, err) < 0) {
			state_close(h);
			return -1;
		}
		return 0;
	}
	h->dir_fd = openat(h->root_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (h->dir_fd < 0) {
		int e = errno;
		state_close(h);
		if (e == ENOENT) {
			err_set(err, 0, "container %s does not exist", id);
			err->errnum = ENOENT;
			return -1;
		}
		return err_set(err, e, "open state dir %s/%s", root, id);
	}
	if (!(flags & STATE_NOLOCK) && state_lock(h, flags, err) < 0) {
		state_close(h);
		return err_prefix(err, "state dir %s/%s", root, id);
	}
	if (state_check_present(h, id, err) < 0) {
		state_close(h);
		return -1;
	}
	return 0;
}

static void state_free(struct state *st)
{
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->owner);
	free(st->annotations_json);
	free(st->cgroup_json);
	free(st->config_path);
	memset(st, 0, sizeof(*st));
}

/* A member's value as compact JSON text (NULL if absent or null). */
static int state_raw_value(const struct json *v, char **out, struct ctr_error *err)
{
	*out = NULL;
	if (!v || json_type(v) == JSON_NULL)
		return 0;
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, NULL);
	jw_value(&w, v);
	return sbuf_take(&sb, out, err);
}

static int state_raw_member(const struct json *obj, const char *key, char **out,
			    struct ctr_error *err)
{
	return state_raw_value(json_get(obj, key), out, err);
}

static int state_str_member(const struct json *obj, const char *key, bool required,
			    char **out, struct ctr_error *err)
{
	const struct json *v = json_get(obj, key);
	if (!v || json_type(v) != JSON_STRING) {
		if (required)
			return err_set(err, 0, "state.json: %s: expected string", key);
		v = NULL;
	}
	*out = strdup(v ? json_str(v, NULL) : "");
	return *out ? 0 : err_nomem(err);
}

/* state.json's text; id (when not NULL) is the container the file must name. */
static void state_scalars(const struct json *r, struct state *st)
{
	static const char *const keys[STATE_SCALARS] = {STATE_SCALAR_KEYS};
	const struct json *m[STATE_SCALARS];
	json_get_n(r, keys, STATE_SCALARS, m);
	state_scalars_of(m, st);
}

static void state_scalars_of(const struct json *const *m, struct state *st)
{
	const struct json *v;
	struct json_number num;
	const char *str;
	size_t n;
	st->creating = m[0] && json_bool(m[0]);
	if ((v = m[1]) && json_type(v) == JSON_ARRAY && json_len(v) == 2) {
		json_num(json_at(v, 0), &num);
		st->init_exe_dev = num.kind != JSON_NUM_DOUBLE ? num.u : 0;
		json_num(json_at(v, 1), &num);
		st->init_exe_ino = num.kind != JSON_NUM_DOUBLE ? num.u : 0;
	}
	if ((str = json_str(m[2], &n)) && n < sizeof(st->init_comm) && strlen(str) == n)
		memcpy(st->init_comm, str, n + 1);
	if ((str = json_str(m[3], &n)))
		str_copy(st->created, sizeof(st->created), str);
	json_num(m[4], &num);
	if (m[4] && num.kind == JSON_NUM_INT && num.i >= 0 && num.i < 256) {
		st->exited = true;
		st->exit_status = (int)num.i;
	}
	json_num(m[5], &num);
	if (num.kind == JSON_NUM_INT && num.i > 0 && num.i <= INT32_MAX)
		st->pid = (pid_t)num.i;
	json_num(m[6], &num);
	if (num.kind != JSON_NUM_DOUBLE)
		st->pid_start = num.u;
}

static int state_load(struct state_handle *h, struct state *st, struct ctr_error *err)
{
	memset(st, 0, sizeof(*st));
	AUTO_FREE char *text = NULL;
	size_t len = 0;
	if (read_regular_at(h->dir_fd, STATE_FILE, STATE_MAX_BYTES, &text, &len, err) < 0)
		return -1;
	struct json_doc *doc = NULL;
	if (json_parse(text, len, STATE_FILE, NULL, &doc, err) < 0)
		return -1;
	const struct json *r = json_root(doc);
	int rc = -1;
	if (json_type(r) != JSON_OBJECT) {
		err_set(err, 0, "state.json: expected an object");
		goto out;
	}
	if (state_str_member(r, "id", true, &st->id, err) < 0 ||
	    state_str_member(r, "bundle", true, &st->bundle, err) < 0 ||
	    state_str_member(r, "rootfs", true, &st->rootfs, err) < 0 ||
	    state_str_member(r, "owner", false, &st->owner, err) < 0 ||
	    state_raw_member(r, "annotations", &st->annotations_json, err) < 0 ||
	    state_raw_member(r, "cgroup", &st->cgroup_json, err) < 0)
		goto out;
	/* the dir is named after the container: a state.json that names another is not it */
	if (h->id && strcmp(st->id, h->id)) {
		err_set(err, EINVAL, "state.json: id \"%s\" is not the container's", st->id);
		goto out;
	}
	const char *str = json_str(json_get(r, "config"), NULL);
	/* a file of the state dir, never a path out of it */
	if (str && (!*str || strchr(str, '/') || !strcmp(str, ".") || !strcmp(str, ".."))) {
		err_set(err, EINVAL, "state.json: config \"%s\" is not a file of the state dir", str);
		goto out;
	}
	if (str && !(st->config_path = strdup(str))) {
		err_nomem(err);
		goto out;
	}
	state_scalars(r, st);
	rc = 0;
out:
	json_free(doc);
	if (rc < 0)
		state_free(st);
	return rc;
}

static int state_save(struct state_handle *h, const struct state *st, struct ctr_error *err)
{
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, NULL);
	jw_obj_begin(&w);
	jw_key(&w, "ociVersion");
	jw_str(&w, CTR_OCI_VERSION);
	jw_key(&w, "id");
	jw_str(&w, st->id);
	jw_key(&w, "pid");
	jw_int(&w, st->pid);
	jw_key(&w, "pidStartTime");
	jw_uint(&w, st->pid_start);
	jw_key(&w, "bundle");
	jw_str(&w, st->bundle ? st->bundle : "");
	jw_key(&w, "rootfs");
	jw_str(&w, st->rootfs ? st->rootfs : "");
	jw_key(&w, "created");
	jw_str(&w, st->created);
	jw_key(&w, "owner");
	jw_str(&w, st->owner ? st->owner : "");
	if (st->annotations_json) {
		jw_key(&w, "annotations");
		jw_raw(&w, st->annotations_json, strlen(st->annotations_json));
	}
	if (st->cgroup_json) {
		jw_key(&w, "cgroup");
		jw_raw(&w, st->cgroup_json, strlen(st->cgroup_json));
	}
	if (st->config_path) {
		jw_key(&w, "config");
		jw_str(&w, st->config_path);
	}
	if (st->creating) {
		jw_key(&w, "creating");
		jw_bool(&w, true);
	}
	if (st->init_exe_ino) {
		jw_key(&w, "initExe");
		jw_arr_begin(&w);
		jw_uint(&w, st->init_exe_dev);
		jw_uint(&w, st->init_exe_ino);
		jw_arr_end(&w);
	}
	if (st->init_comm[0]) {
		jw_key(&w, "initComm");
		jw_str(&w, st->init_comm);
	}
	if (st->exited) {
		jw_key(&w, "exitStatus");
		jw_int(&w, st->exit_status);
	}
	jw_obj_end(&w);
	sbuf_addc(&sb, '\n');
	char *text = NULL;
	if (sbuf_take(&sb, &text, err) < 0)
		return -1;
	/* a "creating" record matters only while its ctr runs or right after it died:
	 * the rename is enough; the final one is made durable */
	int rc = write_file_replace(h->dir_fd, STATE_FILE, text, strlen(text), 0600,
				    !st->creating, err);
	free(text);
	return rc < 0 ? err_prefix(err, "saving state of %s", st->id) : 0;
}

/* Remove every entry of a directory (one level: the state dir holds only files). */
static int state_remove_one(const char *name, unsigned char type, void *arg)
{
	int dir_fd = *(int *)arg;
	(void)type;
	if (unlinkat(dir_fd, name, 0) < 0 && errno == EISDIR)
		unlinkat(dir_fd, name, AT_REMOVEDIR);
	return 0;
}

static void state_remove_entries(int dir_fd)
{
	int fd AUTO_CLOSE = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		dir_each(fd, state_remove_one, &dir_fd);
}

/* The container disappears at once (a rename out of the way), then its files go: a
 * delete killed half-way leaves a ".del-" dir for state_sweep_stale, never a container
 * with half its files. */
static int state_remove(struct state_handle *h, struct ctr_error *err)
{
	char gone[64];
	const char *name = h->id;
	ctr_snprintf(gone, sizeof(gone), ".del-%ld-%ld", (long)getpid(), (long)syscall(SYS_gettid));
	if (renameat(h->root_fd, h->id, h->root_fd, gone) == 0)
		name = gone;
	else if (errno == ENOENT)
		return 0;
	state_remove_entries(h->dir_fd);
	if (unlinkat(h->root_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return err_set(err, errno, "remove state dir of %s", h->id);
	return 0;
}

/* Field 3 (state) and 22 (starttime) of /proc/PID/stat, and field 2 (comm) when comm is
 * not NULL; 0 for a missing pid. proc_fd: an open /proc (`list` asks for every
 * container: no walk of "/proc" each time), or -1. */
static unsigned long long state_proc_stat(int proc_fd, pid_t pid, char *state_out,
					  char comm[STATE_COMM_MAX])
{
	char path[64], buf[1024];
	*state_out = 0;
	if (comm)
		*comm = 0;
	if (pid <= 0)
		return 0;
	str_num_path(path, sizeof(path), proc_fd < 0 ? "/proc/" : "", (long)pid, "/stat");
	/* openat: musl's open() adds an fcntl(FD_CLOEXEC) syscall; procfs gives the whole
	 * line to one read(), so no read to EOF either */
	int fd = openat(proc_fd < 0 ? AT_FDCWD : proc_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf) - 1)) < 0 && errno == EINTR)
		;
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* comm may hold spaces and parentheses: fields restart after the last ')', which
	 * the numbers after it never hold: it ends a comm of at most STATE_COMM_MAX - 1 */
	char *name = strchr(buf, '('), *p;
	size_t window = name ? (size_t)(buf + n - name) : 0;
	p = name ? memrchr(name, ')', window < STATE_COMM_MAX + 1 ? window : STATE_COMM_MAX + 1) :
	    NULL;
	if (!p || p[1] != ' ')
		return 0;
	if (comm && p - name - 1 < STATE_COMM_MAX) {
		memcpy(comm, name + 1, (size_t)(p - name - 1));
		comm[p - name - 1] = 0;
	}
	p += 2;
	*state_out = *p;
	for (int field = 3; field < 22; p++)
		if (!*p)
			return 0;
		else if (*p == ' ')
			field++;
	return ctr_strtoull(p, NULL);
}

static unsigned long long pid_start_time(pid_t pid, char comm[STATE_COMM_MAX])
{
	char s;
	return state_proc_stat(-1, pid, &s, comm);
}

static char pid_alive_at(int proc_fd, pid_t pid, unsigned long long start,
			 char comm[STATE_COMM_MAX])
{
	char s;
	unsigned long long t = state_proc_stat(proc_fd, pid, &s, comm);
	return t != 0 && t == start && s != 'Z' && s != 'X' && s != 'x' ? s : 0;
}

static bool pid_alive(pid_t pid, unsigned long long start)
{
	return pid_alive_at(-1, pid, start, NULL) != 0;
}

/* ======================================================================
 * cgroup: v1, v2, hybrid and no-cgroup hosts; resources, freezer, stats, device eBPF
 * ====================================================================== */

/* The container's cgroup on a v1, v2 or hybrid host, or none at all (a host without
 * cgroups and a config that asks for no resources). */
struct cgroup;

/* Plan the cgroup (linux.cgroupsPath, or a default path from the id): its directories,
 * not made yet. A host without cgroups gives a "none" cgroup when nothing is asked. */
static int cgroup_plan(const struct spec *s, const char *id, struct cgroup **out,
		       struct ctr_error *err);
/* Rootless: the same, but only in a cgroup v2 subtree delegated to the caller (owned by
 * its euid); where none is, a "none" cgroup, and linux.resources are an error. */
static int cgroup_plan_rootless(const struct spec *s, const char *id, struct cgroup **out,
				struct ctr_error *err);
/* Make the planned directories and apply linux.resources (not for a "none" cgroup). */
static int cgroup_make(struct cgroup *cg, const struct spec *s, struct ctr_error *err);
/* A record read back is the container's own: path `want`, dirs in mounted hierarchies. */
static int cgroup_check_own(const struct cgroup *cg, const char *want, struct ctr_error *err);
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
	bool cpuset;                 /* v1 cpuset: a new directory needs cpus and mems */
	size_t mnt_len;              /* dir[0..mnt_len) is the hierarchy's mount point */
};

struct cgroup {
	int mode;
	char *path;                  /* as resolved: "/ctr/id", or relative "a/b" */
	size_t n;
	struct cg_dir d[CG_MAX_HIER];
	char *res_json;              /* resources changed by `update` (merged), or NULL */
	char *unit, *slice;          /* --systemd-cgroup: the scope and its slice, else NULL */
	bool rootless;               /* delegated v2 only: no device program (needs privileges) */
	bool sd_started;             /* systemd took the start job: destroy stops the unit */
	uint32_t v1ctls;             /* controllers served by v1 hierarchies (cgroup_plan) */
	char *host_mi;               /* the mountinfo cgroup_plan read (for the init's cgroup
	                                mount: its own would show the same hierarchies) */
	/* sub-cgroups that are other containers' (nested cgroupsPath): never signalled,
	 * listed or removed as ours. Set by the caller, which knows the other containers. */
	char **foreign;
	size_t n_foreign;
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
	char *text;                  /* an unparsed copy of the mountinfo, if asked (owned) */
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
		char *dash = !p ? NULL : str_has_prefix(p, "- ") ? p - 1 : str_find(p, " - ");
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
		mountinfo_unescape(f[3]);
		mountinfo_unescape(f[4]);
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
 * "a/b" relative to our own cgroup. ".." and the systemd "slice:prefix:name" form (the
 * systemd driver's) are refused. */
static int cg_path_clean(const char *in, const char *id, char *out, size_t size,
			 struct ctr_error *err)
{
	char buf[PATH_MAX];
	if (!in || !*in) {
		if (ctr_snprintf(buf, sizeof(buf), "/ctr/%s", id) >= (int)sizeof(buf))
			return err_set(err, ENAMETOOLONG, "cgroup path for %s", id);
		in = buf;
	}
	if (in[0] != '/' && strchr(in, ':'))
		return err_set(err, EINVAL, "linux.cgroupsPath: \"%s\": the systemd "
			       "\"slice:prefix:name\" form needs --systemd-cgroup (or give a path)", in);
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
	ctr_snprintf(p, sizeof(p), "%s/%s", dir, file);
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
	if (ctr_snprintf(p, sizeof(p), "%s/%s", dir, file) >= (int)sizeof(p)) {
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
			return ctr_strtoull(l + kl + 1, NULL);
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
#define CGW_OPT_FILE 2               /* file missing or refused as obsolete: skip */

/* Write one value to controller ctl's file; errors name the config field. */
PRINTF_LIKE(5, 6)
static int cg_set(const struct cgroup *cg, int ctl, const char *file, int flags,
		  const char *fmt, ...)
{
	char val[512];
	va_list ap;
	va_start(ap, fmt);
	ctr_vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	const struct cg_dir *d = cg_find(cg, ctl);
	if (!d) {
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
		ctr_snprintf(buf, size, "%s", unlimited);
	else
		ctr_snprintf(buf, size, "%" PRId64, v);
}

/* ---- memory ---- */

/* A failed write of a v1 memory limit: the kernel refuses one below what the container
 * uses and cannot reclaim with EBUSY; say that rather than "Resource busy". */
static int cg_memory_limit_err(const struct cgroup *cg, const char *file, const char *field,
			       int64_t limit, struct ctr_error *err)
{
	const struct cg_dir *d = cg_find(cg, CG_MEMORY);
	char usage[48];
	if (errno != EBUSY || !d || limit < 0)
		return cg_set_err(cg, CG_MEMORY, file, field, err);
	/* memory.limit_in_bytes -> memory.usage_in_bytes, memsw likewise */
	ctr_snprintf(usage, sizeof(usage), "%.*susage_in_bytes", (int)(strlen(file) - 14), file);
	uint64_t use = cg_read_u64(d->dir, usage);
	if (use > (uint64_t)limit)
		return err_set(err, 0, "linux.resources.%s: %s: the container uses %" PRIu64
			       " bytes, more than the new limit %" PRId64, field, file, use, limit);
	return err_set(err, 0, "linux.resources.%s: %s: the kernel could not reclaim the "
		       "container's memory below the new limit %" PRId64, field, file, limit);
}

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
				return cg_memory_limit_err(cg, "memory.limit_in_bytes", "memory.limit",
							   m->limit.v, err);
			int busy = errno == EBUSY;
			if (cg_set(cg, CG_MEMORY, "memory.memsw.limit_in_bytes", swf, "%s", b) < 0) {
				/* below the old limit: the new limit's EBUSY is the reason */
				if (busy && errno == EINVAL)
					return errno = EBUSY, cg_memory_limit_err(
						cg, "memory.limit_in_bytes", "memory.limit", m->limit.v, err);
				return cg_memory_limit_err(cg, "memory.memsw.limit_in_bytes",
							   "memory.swap", m->swap.v, err);
			}
			sw = false;
			if (cg_set(cg, CG_MEMORY, "memory.limit_in_bytes", 0, "%s", a) < 0)
				return cg_memory_limit_err(cg, "memory.limit_in_bytes", "memory.limit",
							   m->limit.v, err);
		}
		if (sw && cg_set(cg, CG_MEMORY, "memory.memsw.limit_in_bytes", swf, "%s", b) < 0)
			return cg_memory_limit_err(cg, "memory.memsw.limit_in_bytes", "memory.swap",
						   m->swap.v, err);
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
				ctr_snprintf(q, sizeof(q), "%.*s", (int)strcspn(cur, " "), cur);
			else
				strcpy(q, "max");
			if (c->period.set && c->period.v)
				ctr_snprintf(buf, sizeof(buf), "%s %" PRIu64, q, c->period.v);
			else
				ctr_snprintf(buf, sizeof(buf), "%s", q);
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
	ctr_snprintf(wdfile, sizeof(wdfile), "%s%s", wfile, ver == 1 ? "_device" : "");
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
		ctr_snprintf(field, sizeof(field), "hugepageLimits[%zu].pageSize", i);
		if (!nd || !strchr("KMGT", ps[nd]) || strcmp(ps + nd + 1, "B"))
			return err_set(err, 0, "linux.resources.%s: \"%s\" is not a page size like "
				       "\"2MB\"", field, ps ? ps : "");
		int ver = cg_ver(cg, CG_HUGETLB);
		ctr_snprintf(file, sizeof(file), "hugetlb.%s.%s", ps, ver == 2 ? "max" : "limit_in_bytes");
		ctr_snprintf(field, sizeof(field), "hugepageLimits[%zu]", i);
		if (cg_set(cg, CG_HUGETLB, file, 0, "%" PRIu64, r->hugepages[i].limit) < 0) {
			if (errno == ENOENT)
				return err_set(err, 0, "linux.resources.hugepageLimits[%zu].pageSize: "
					       "%s: this host has no such huge page size", i, ps);
			return cg_set_err(cg, CG_HUGETLB, file, field, err);
		}
	}
	/* net_cls / net_prio are v1 only: without them the config cannot be applied, an
	 * error (runtime-spec runtime.md; runc 1.1 fails too) */
	if (r->has_network && r->net_class_id.set)
		CG_SET(CG_NET_CLS, "net_cls.classid", "network.classID", 0, "%u",
		       r->net_class_id.v);
	for (size_t i = 0; r->has_network && i < r->n_net_priorities; i++)
		CG_SET(CG_NET_PRIO, "net_prio.ifpriomap", "network.priorities", 0,
		       "%s %u", r->net_priorities[i].name, r->net_priorities[i].priority);
	for (size_t i = 0; i < r->n_rdma; i++) {
		const struct spec_rdma *d = &r->rdma[i];
		char h[32] = "", o[32] = "";
		if (d->hca_handles.set)
			ctr_snprintf(h, sizeof(h), " hca_handle=%u", d->hca_handles.v);
		if (d->hca_objects.set)
			ctr_snprintf(o, sizeof(o), " hca_object=%u", d->hca_objects.v);
		if (*h || *o)
			CG_SET(CG_RDMA, "rdma.max", "rdma", 0, "%s%s%s", d->device, h, o);
	}
	if (r->n_unified) {
		const struct cg_dir *v2 = cg_v2dir(cg); /* cg_check_unified: there is one */
		for (size_t i = 0; i < r->n_unified; i++) {
			const char *k = r->unified[i].key;
			if (cg_write_at(v2->dir, k, r->unified[i].value) < 0)
				return err_set(err, errno == ENOENT ? 0 : errno, "linux.resources.unified."
					       "%s: %s %s/%s", k, errno == ENOENT ? "no such file" :
					       "write", v2->dir, k);
		}
	}
	return 0;
}

/* Before anything is written: unified needs the container in a v2 cgroup, keys that
 * spec_unified_problem allows, and each key's controller enabled there. */
static int cg_check_unified(const struct cgroup *cg, const struct spec_resources *r,
			    struct ctr_error *err)
{
	const struct cg_dir *v2 = cg_v2dir(cg);
	if (r->n_unified && !v2)
		return err_set(err, 0, "linux.resources.unified: this host has no cgroup v2 "
			       "hierarchy for the container (%s cgroups)", cg_mode_names[cg->mode]);
	char have[512] = "";
	if (r->n_unified && cg_read_at(v2->dir, "cgroup.controllers", have, sizeof(have)) < 0)
		have[0] = 0;
	for (size_t i = 0; i < r->n_unified; i++) {
		const char *k = r->unified[i].key, *why = spec_unified_problem(k);
		if (why)
			return err_set(err, 0, "linux.resources.unified: \"%s\": %s", k, why);
		size_t len = strcspn(k, ".");
		if (len == 6 && !strncmp(k, "cgroup", 6))
			continue;
		/* the leaf's cgroup.controllers, else the controllers recorded for it */
		bool on = false;
		for (const char *t = have; *t; t += strcspn(t, " "), t += *t == ' ')
			on |= strcspn(t, " ") == len && !strncmp(t, k, len);
		for (int c = 0; !have[0] && c < CG_NCTL; c++)
			on |= (v2->ctls & (1u << c)) && strlen(cg_v2_names[c]) == len &&
			      !strncmp(cg_v2_names[c], k, len);
		if (!on)
			return err_set(err, 0, "linux.resources.unified.%s: controller \"%.*s\" is not "
				       "enabled in the container's cgroup %s", k, (int)len, k, v2->dir);
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

/* Every rule in effect: the config's, then runc's defaults. Deny-all first is implied.
 * linux.devices nodes are made but get no rule of their own (runc): only what
 * resources.devices allows may be opened, so a deny-all config keeps them shut. */
static int cg_rules(const struct spec *s, struct spec_device_rule **out, size_t *n,
		    struct ctr_error *err)
{
	const struct spec_resources *r = &s->lx.resources;
	size_t nr = s->lx.has_resources ? r->n_devices : 0;
	size_t total = nr + ARRAY_LEN(cg_default_rules);
	struct spec_device_rule *v = mem_array(total, sizeof(*v), err);
	if (!v)
		return -1;
	size_t k = 0;
	for (size_t i = 0; i < nr; i++)
		v[k++] = r->devices[i];
	for (size_t i = 0; i < ARRAY_LEN(cg_default_rules); i++)
		v[k++] = cg_default_rules[i];
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
		ctr_snprintf(maj, sizeof(maj), "%" PRId64, d->major.v);
	if (d->minor.set && d->minor.v >= 0)
		ctr_snprintf(min, sizeof(min), "%" PRId64, d->minor.v);
	if (d->type == 'a')
		ctr_snprintf(buf, size, "a");
	else
		ctr_snprintf(buf, size, "%c %s:%s %s", d->type, maj, min, d->access ? d->access : "rwm");
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
			ctr_snprintf(p, sizeof(p), "%s/%s", v1->dir, f[k]);
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
	if (cg_check_unified(cg, r, err) < 0 ||
	    cg_apply_memory(cg, &r->memory, update, err) < 0 || cg_apply_cpu(cg, &r->cpu, err) < 0 ||
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
	for (size_t i = 0; i < cg->n_foreign; i++)
		free(cg->foreign[i]);
	free(cg->foreign);
	free(cg->path);
	free(cg->host_mi);
	free(cg->res_json);
	free(cg->unit);
	free(cg->slice);
	free(cg);
}

/* Read mountinfo and our own cgroups once; fills h (pointing into *mi) and *selfcg
 * (NULL: not wanted, not read). h->text set (to anything) on entry asks for a copy of
 * the text as read into h->text. */
static int cg_host_read(struct cg_host *h, char **mi, char **selfcg, struct ctr_error *err)
{
	bool keep = h->text != NULL;
	h->n = 0;
	h->text = NULL;
	if (read_file("/proc/self/mountinfo", 4 << 20, mi, NULL, err) < 0)
		return err_prefix(err, "finding cgroup mounts");
	if (keep)
		h->text = strdup(*mi); /* NULL: the init reads its own */
	cg_parse_mountinfo(*mi, h);
	if (selfcg && read_file("/proc/self/cgroup", 1 << 20, selfcg, NULL, err) < 0) {
		*selfcg = NULL;      /* only relative paths need it */
	}
	return 0;
}

/* v1 cpuset: a cgroup with empty cpus/mems takes no tasks, and a new one starts so. As
 * runc, every level from the mount down to dir that is empty (ours or made by someone
 * else) gets its parent's values, top down. */
static int cg_cpuset_fill(const char *mnt, const char *dir, struct ctr_error *err)
{
	char buf[PATH_MAX], v[1024];
	size_t skip = strlen(mnt);
	if (ctr_snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf) || strlen(buf) <= skip)
		return 0;
	for (char *p = buf + skip + 1; ; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;
		*p = 0;
		char *up = strrchr(buf, '/');
		for (int k = 0; k < 2; k++) {
			const char *f = k ? "cpuset.mems" : "cpuset.cpus";
			if (cg_read_at(buf, f, v, sizeof(v)) == 0 && *v)
				continue;
			*up = 0;
			int r = cg_read_at(buf, f, v, sizeof(v));
			*up = '/';
			if (r < 0 || cg_write_at(buf, f, v) < 0)
				return err_set(err, errno, "initialise %s/%s", buf, f);
		}
		*p = c;
		if (!c)
			return 0;
	}
}

/* A leaf just made: copy its parent's cpus and mems (-1: the parent has none yet, or
 * failed; cg_cpuset_fill walks the whole path then). A clone_children parent gave them
 * already: then nothing is written (a cpuset write rebuilds the scheduler domains, the
 * costliest cgroup write of a start). ctr's default parent (<mount>/ctr) is made such a
 * parent the first time: it only holds containers, which all get its values anyway. */
static int cg_cpuset_leaf(const char *mnt, const char *dir)
{
	char up[PATH_MAX], v[1024];
	if (cg_read_at(dir, "cpuset.cpus", v, sizeof(v)) == 0 && *v &&
	    cg_read_at(dir, "cpuset.mems", v, sizeof(v)) == 0 && *v)
		return 0;
	ctr_snprintf(up, sizeof(up), "%s", dir);
	char *slash = strrchr(up, '/');
	if (!slash)
		return -1;
	*slash = 0;
	for (int k = 0; k < 2; k++) {
		const char *f = k ? "cpuset.mems" : "cpuset.cpus";
		if (cg_read_at(up, f, v, sizeof(v)) < 0 || !*v || cg_write_at(dir, f, v) < 0)
			return -1;
	}
	size_t ml = strlen(mnt);
	if (!strncmp(up, mnt, ml) && !strcmp(up + ml, "/ctr"))
		cg_write_at(up, "cgroup.clone_children", "1"); /* best effort: a speed-up only */
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
		return cpuset && cg_cpuset_leaf(mnt, dir) < 0 ? cg_cpuset_fill(mnt, dir, err) : 0;
	}
	if (errno == EEXIST)
		return cpuset ? cg_cpuset_fill(mnt, dir, err) : 0;
	if (errno != ENOENT)
		return err_set(err, errno, "mkdir %s", dir);
	char buf[PATH_MAX];
	ctr_snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + strlen(mnt) + 1; ; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;
		*p = 0;
		if (mkdir(buf, 0755) == 0)
			*made = !c;
		else if (errno != EEXIST)
			return err_set(err, errno, "mkdir %s", buf);
		*p = c;
		if (!c)
			return cpuset ? cg_cpuset_fill(mnt, dir, err) : 0;
	}
}

/* cgroup2: enable the controllers we use in every ancestor's subtree_control, then
 * note what the leaf has. */
static uint32_t cg_v2_enable(const char *mnt, const char *dir)
{
	char buf[PATH_MAX], have[512];
	ctr_snprintf(buf, sizeof(buf), "%s", dir);
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
				w += ctr_snprintf(w, sizeof(want) - (size_t)(w - want), "%s+%s",
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

static int cg_remove_tree(const struct cgroup *cg, const char *dir, int patience);

/* Is dir another container's cgroup (below == false), or is one below dir? */
static bool cg_foreign(const struct cgroup *cg, const char *dir, bool below)
{
	size_t len = strlen(dir);
	for (size_t i = 0; i < cg->n_foreign; i++) {
		const char *f = cg->foreign[i];
		if (below ? !strncmp(f, dir, len) && f[len] == '/' : !strcmp(f, dir))
			return true;
	}
	return false;
}
static int cg_sd_stop(const struct cgroup *cg, struct ctr_error *err);

/* Is the cgroup at d frozen or freezing (by itself or an ancestor)? */
static bool cg_dir_frozen(const struct cg_dir *d)
{
	char buf[512];
	if (d->v2)
		return cg_read_at(d->dir, "cgroup.events", buf, sizeof(buf)) == 0 &&
		       cg_key(buf, "frozen") == 1;
	return (d->ctls & (1u << CG_FREEZER)) &&
	       cg_read_at(d->dir, "freezer.state", buf, sizeof(buf)) == 0 && strcmp(buf, "THAWED");
}

/* The directories of the container's cgroup, not made yet (cgroup_make makes them): the
 * caller records them first, so a crash in between leaks nothing it cannot find. */
static int cgroup_plan(const struct spec *s, const char *id, struct cgroup **out,
		       struct ctr_error *err)
{
	char path[PATH_MAX];
	if (cg_path_clean(s->has_linux ? s->lx.cgroups_path : NULL, id, path, sizeof(path), err) < 0)
		return -1;
	struct cg_host h = {.text = path}; /* keep a copy */
	char *mi AUTO_FREE = NULL, *selfcg AUTO_FREE = NULL;
	if (cg_host_read(&h, &mi, path[0] == '/' ? NULL : &selfcg, err) < 0)
		return -1;
	struct cgroup *cg = mem_alloc(sizeof(*cg), err);
	if (!cg) {
		free(h.text);
		return -1;
	}
	cg->host_mi = h.text;
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
		if (ctr_snprintf(dir, sizeof(dir), "%s%s%s%s", m->mnt, base, path[0] == '/' ? "" : "/",
			     path) >= (int)sizeof(dir)) {
			err_set(err, ENAMETOOLONG, "cgroup directory for %s", path);
			goto fail;
		}
		struct cg_dir *d = &cg->d[cg->n];
		if (!(d->dir = mem_strdup(dir, err)))
			goto fail;
		cg->n++;
		d->v2 = m->v2;
		char procs[16];
		/* like runc: never join (and later kill) processes of another container */
		if (cg_read_at(dir, "cgroup.procs", procs, sizeof(procs)) == 0 && *procs) {
			err_set(err, EBUSY, "linux.cgroupsPath: cgroup %s already has processes", dir);
			goto fail;
		}
		d->ctls = m->v2 ? 0 : m->ctls;
		d->mnt_len = strlen(m->mnt);
		d->cpuset = !m->v2 && (m->ctls & (1u << CG_CPUSET));
	}
	cg->v1ctls = v1ctls;
	*out = cg;
	return 0;
fail:
	cgroup_free(cg);
	return -1;
}

/* Is the cgroup2 directory dir (or, when missing, its nearest existing ancestor below
 * the mount) delegated to us: owned by our euid and writable, with its cgroup.procs? */
static bool cg_delegated(const char *mnt, const char *dir)
{
	char buf[PATH_MAX], procs[PATH_MAX + 16];
	struct stat st;
	ctr_snprintf(buf, sizeof(buf), "%s", dir);
	size_t ml = strlen(mnt);
	while (strlen(buf) > ml) {
		if (stat(buf, &st) == 0) {
			ctr_snprintf(procs, sizeof(procs), "%s/cgroup.procs", buf);
			return st.st_uid == geteuid() && access(buf, W_OK) == 0 &&
			       access(procs, W_OK) == 0;
		}
		if (errno != ENOENT)
			return false;
		*strrchr(buf, '/') = 0;
	}
	return false;
}

/* The default rootless cgroup: path (ctr/<id>) below the highest delegated ancestor of
 * our own cgroup (a systemd user session's user@UID.service); "" when none is. */
static void cg_rootless_default(const char *mnt, const char *own, const char *path, char *out,
				size_t size)
{
	char buf[PATH_MAX], best[PATH_MAX] = "";
	ctr_snprintf(buf, sizeof(buf), "%s%s", mnt, strcmp(own, "/") ? own : "");
	for (size_t ml = strlen(mnt); strlen(buf) > ml && cg_delegated(mnt, buf);
	     *strrchr(buf, '/') = 0)
		ctr_snprintf(best, sizeof(best), "%s", buf);
	out[0] = 0;
	if (best[0] && ctr_snprintf(out, size, "%s%s", best, path) >= (int)size)
		out[0] = 0;
}

static int cgroup_plan_rootless(const struct spec *s, const char *id, struct cgroup **out,
				struct ctr_error *err)
{
	struct cg_host h = {.text = NULL};
	char *mi AUTO_FREE = NULL, *selfcg AUTO_FREE = NULL;
	char path[PATH_MAX], own[PATH_MAX] = "", dir[PATH_MAX * 2 + 2] = "";
	const char *want = s->has_linux ? s->lx.cgroups_path : NULL;
	if (cg_path_clean(want, id, path, sizeof(path), err) < 0 ||
	    cg_host_read(&h, &mi, &selfcg, err) < 0)
		return -1;
	const struct cg_mount *m = NULL;
	for (size_t i = 0; i < h.n && !m; i++)
		m = h.m[i].v2 ? &h.m[i] : NULL;
	bool have_own = m && selfcg && cg_own_path(selfcg, m, own, sizeof(own)) == 0;
	if ((!want || !*want) && have_own)
		cg_rootless_default(m->mnt, own, path, dir, sizeof(dir));
	else if (m && (path[0] == '/' || have_own))
		ctr_snprintf(dir, sizeof(dir), "%s%s%s%s", m->mnt, path[0] == '/' ? "" : own,
			 path[0] == '/' || !strcmp(own, "/") ? "" : "/", path);
	struct cgroup *cg = mem_alloc(sizeof(*cg), err);
	if (!cg)
		return -1;
	cg->rootless = true;
	if (!dir[0] || !cg_delegated(m->mnt, dir)) {
		static const struct spec_resources no_res;
		const char *f = cg_first_resource(s->has_linux && s->lx.has_resources ?
						  &s->lx.resources : &no_res);
		if (f) {
			cgroup_free(cg);
			return err_set(err, 0, "linux.resources.%s: rootless, and no cgroup v2 is "
				       "delegated to uid %u%s%s: a limit needs one (systemd: "
				       "`systemd-run --user -p Delegate=yes`), or ask for none",
				       f, (unsigned)geteuid(), dir[0] ? " at " : "", dir);
		}
		cg->mode = CG_MODE_NONE; /* no cgroup of its own, like runc's rootless */
		if (!(cg->path = mem_strdup(path, err))) {
			cgroup_free(cg);
			return -1;
		}
		*out = cg;
		return 0;
	}
	if (!(cg->path = mem_strdup(path, err)) || !(cg->d[0].dir = mem_strdup(dir, err))) {
		cgroup_free(cg);
		return -1;
	}
	cg->mode = CG_MODE_V2;
	cg->n = 1;
	cg->d[0].v2 = true;
	cg->d[0].mnt_len = strlen(m->mnt);
	*out = cg;
	return 0;
}

/* Make the planned directories and apply linux.resources. */
static int cgroup_make(struct cgroup *cg, const struct spec *s, struct ctr_error *err)
{
	static const struct spec_resources no_res;
	const struct spec_resources *r = s->has_linux && s->lx.has_resources ? &s->lx.resources : &no_res;
	for (size_t i = 0; i < cg->n; i++) {
		struct cg_dir *d = &cg->d[i];
		char mnt[PATH_MAX];
		ctr_snprintf(mnt, sizeof(mnt), "%.*s", (int)d->mnt_len, d->dir);
		if (cg_mkdirs(mnt, d->dir, d->cpuset, &d->made, err) < 0)
			goto fail;
		char procs[16];
		/* like runc: never join (and later kill) processes of another container */
		if (!d->made && cg_read_at(d->dir, "cgroup.procs", procs, sizeof(procs)) == 0 && *procs) {
			err_set(err, EBUSY, "linux.cgroupsPath: cgroup %s already has processes", d->dir);
			goto fail;
		}
		/* a controller on both v1 and v2 stays with v1 (it cannot be on both) */
		if (d->v2)
			d->ctls = cg_v2_enable(mnt, d->dir) & ~cg->v1ctls;
		/* like runc: an init moved into a frozen cgroup would hang in its setup */
		if (cg_dir_frozen(d)) {
			err_set(err, EBUSY, "container's cgroup unexpectedly frozen (%s)", d->dir);
			goto fail;
		}
	}
	/* rootless: a device program needs privileges; only bind-mounted nodes exist */
	if (cg_apply(cg, r, false, err) < 0 ||
	    (s->has_linux && !cg->rootless && cg_apply_devices(cg, s, err) < 0))
		goto fail;
	return 0;
fail:
	for (size_t i = 0; i < cg->n; i++)
		if (cg->d[i].made)
			cg_remove_tree(cg, cg->d[i].dir, 0);
	return -1;
}


static int cgroup_enter(const struct cgroup *cg, pid_t pid, struct ctr_error *err)
{
	char v[24];
	ctr_snprintf(v, sizeof(v), "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++)
		if (cg_write_at(cg->d[i].dir, "cgroup.procs", v) < 0)
			return err_set(err, errno, "move pid %s into cgroup %s", v, cg->d[i].dir);
	return 0;
}

/* A sub-cgroup path of exec --cgroup: relative below the container's cgroup, no "..". */
static bool cg_sub_path_ok(const char *p)
{
	p += strspn(p, "/");
	if (!*p || strchr(p, ':'))
		return false;
	for (const char *c = p; *c; c += strcspn(c, "/"), c += strspn(c, "/"))
		if (!strncmp(c, "..", 2) && (c[2] == '/' || !c[2]))
			return false;
	return true;
}

/* runc's --cgroup arguments -> the sub-cgroup of each of cg's directories (NULL: the
 * container's own). See struct ctr_exec_args.cgroups for the forms. */
static int cg_sub_plan(const struct cgroup *cg, const char *const *subs,
		       const char *sub_of[CG_MAX_HIER], struct ctr_error *err)
{
	size_t n_subs = 0;
	while (subs[n_subs])
		n_subs++;
	for (size_t i = 0; i < n_subs; i++) {
		const char *a = subs[i], *colon = strchr(a, ':'), *path = colon ? colon + 1 : a;
		if (!cg_sub_path_ok(path))
			return err_set(err, EINVAL, "invalid --cgroup argument: %s is not a sub "
				       "cgroup path", a);
		if (!colon) {
			if (n_subs != 1)
				return err_set(err, EINVAL, "invalid --cgroup argument: %s (missing "
					       "<controller>: prefix)", a);
			for (size_t d = 0; d < cg->n; d++)
				sub_of[d] = path;
			continue;
		}
		if (cg->mode == CG_MODE_V2)
			return err_set(err, EINVAL, "invalid --cgroup argument: %s (<controller>: "
				       "prefix is not allowed for cgroup v2)", a);
		if (colon == a)
			return err_set(err, EINVAL, "invalid --cgroup argument: %s: no controller", a);
		for (const char *c = a; c < colon; c += strcspn(c, ",:") + 1) {
			size_t len = strcspn(c, ",:");
			int k = 0;
			while (k < CG_NCTL && (strlen(cg_v1_names[k]) != len || memcmp(c, cg_v1_names[k], len)))
				k++;
			bool found = false;
			for (size_t d = 0; k < CG_NCTL && d < cg->n; d++) {
				if (!(cg->d[d].ctls & (1u << k)))
					continue;
				if (sub_of[d] && strcmp(sub_of[d], path))
					return err_set(err, EINVAL, "invalid --cgroup argument: %s: %s is "
						       "already given another sub-cgroup", a, cg->d[d].dir);
				sub_of[d] = path;
				found = true;
			}
			if (!found)
				return err_set(err, EINVAL, "invalid --cgroup argument: %s: unknown "
					       "controller %.*s", a, (int)len, c);
		}
	}
	return 0;
}

/* The directory of d[i] where sub (NULL: the container's own) names a sub-cgroup. */
static int cg_sub_dir(const struct cgroup *cg, size_t i, const char *sub, char dir[PATH_MAX],
		      struct ctr_error *err)
{
	sub = sub ? sub + strspn(sub, "/") : NULL;
	if (ctr_snprintf(dir, PATH_MAX, "%s%s%s", cg->d[i].dir, sub ? "/" : "", sub ? sub : "") >=
	    PATH_MAX)
		return err_set(err, ENAMETOOLONG, "--cgroup: %s/%s", cg->d[i].dir, sub);
	return 0;
}

/* runc's --cgroup: the sub-cgroup of each directory (all NULL without subs). */
static int cg_sub_of(const struct cgroup *cg, const char *const *subs,
		     const char *sub_of[CG_MAX_HIER], struct ctr_error *err)
{
	if (!subs || !subs[0])
		return 0;
	if (cg->mode == CG_MODE_NONE || !cg->n)
		return err_set(err, EINVAL, "--cgroup: the container has no cgroup");
	return cg_sub_plan(cg, subs, sub_of, err);
}

/* cgroup_enter, but into sub-cgroups (which must exist) where subs names them; with
 * v2_only the v1 directories are left out (cgroup_open_v1_tasks's). */
static int cgroup_enter_sub(const struct cgroup *cg, pid_t pid, const char *const *subs,
			    bool v2_only, struct ctr_error *err)
{
	const char *sub_of[CG_MAX_HIER] = {NULL};
	if (cg_sub_of(cg, subs, sub_of, err) < 0)
		return -1;
	char v[24], dir[PATH_MAX];
	ctr_snprintf(v, sizeof(v), "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++) {
		if (v2_only && !cg->d[i].v2)
			continue;
		if (cg_sub_dir(cg, i, sub_of[i], dir, err) < 0)
			return -1;
		if (cg_write_at(dir, "cgroup.procs", v) < 0)
			return err_set(err, errno, "move pid %s into cgroup %s%s", v, dir,
				       errno == ENOENT ? " (no such sub-cgroup)" : "");
	}
	return 0;
}

/* For a process that moves itself into the v1 directories (sub-cgroups where subs names
 * them): their `tasks` files, opened into fds[] (*n of them; the caller closes them).
 * Writing "0" there moves the writing thread, which, single-threaded, is the process:
 * the kernel then skips the threadgroup lock that a pid written into cgroup.procs takes,
 * whose first writer waits a whole RCU grace period (5-19 ms measured on this host). */
static int cgroup_open_v1_tasks(const struct cgroup *cg, const char *const *subs,
				int fds[CG_MAX_HIER], size_t *n, struct ctr_error *err)
{
	const char *sub_of[CG_MAX_HIER] = {NULL};
	*n = 0;
	if (cg_sub_of(cg, subs, sub_of, err) < 0)
		return -1;
	char dir[PATH_MAX], path[PATH_MAX + 8];
	for (size_t i = 0; i < cg->n; i++) {
		if (cg->d[i].v2)
			continue;
		if (cg_sub_dir(cg, i, sub_of[i], dir, err) < 0)
			return -1;
		ctr_snprintf(path, sizeof(path), "%s/tasks", dir);
		int fd = openat(AT_FDCWD, path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return err_set(err, errno, "open %s%s", path,
				       errno == ENOENT ? " (no such sub-cgroup)" : "");
		fds[(*n)++] = fd;
	}
	return 0;
}

/* The cgroup2 directory of cg (its sub-cgroup where subs names one), opened for
 * clone3(CLONE_INTO_CGROUP), or -1 (none, or not to be opened: cgroup_enter_sub then
 * writes the pid, or says why not). */
static int cgroup_open_v2_dir(const struct cgroup *cg, const char *const *subs)
{
	const char *sub_of[CG_MAX_HIER] = {NULL};
	struct ctr_error e = {0};
	char dir[PATH_MAX];
	if (cg_sub_of(cg, subs, sub_of, &e) < 0)
		return -1;
	for (size_t i = 0; i < cg->n; i++)
		if (cg->d[i].v2)
			return cg_sub_dir(cg, i, sub_of[i], dir, &e) < 0 ? -1 :
			       openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return -1;
}

/* Pure v2 only (on hybrid hosts the v1 hierarchies need cgroup_enter anyway). Kept for
 * callers that start the init with clone3(CLONE_INTO_CGROUP), hence UNUSED-safe. */
UNUSED static int cgroup_v2_fd(const struct cgroup *cg)
{
	if (!cg || cg->mode != CG_MODE_V2 || !cg->n)
		return -1;
	return openat(AT_FDCWD, cg->d[0].dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* rmdir dir and any sub-cgroups the container made, deepest first. Retries up to
 * `patience` times (~10 ms each): a just-killed task may still be leaving. Other
 * containers' cgroups below it stay, and so does dir then. */
static int cg_remove_tree(const struct cgroup *cg, const char *dir, int patience)
{
	/* the usual case, a leaf with no task left: one rmdir, no listing */
	if (!cg_foreign(cg, dir, true) && (rmdir(dir) == 0 || errno == ENOENT))
		return 0;
	DIR *dp = opendir(dir);
	if (dp) {
		struct dirent *e;
		while ((e = readdir(dp))) {
			if (e->d_type != DT_DIR || e->d_name[0] == '.')
				continue;
			char sub[PATH_MAX];
			if (ctr_snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name) < (int)sizeof(sub) &&
			    !cg_foreign(cg, sub, false))
				cg_remove_tree(cg, sub, patience);
		}
		closedir(dp);
	}
	if (cg_foreign(cg, dir, true))
		return 0;
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
	if (cg->unit && !cg->sd_started) {
		cgroup_free(cg);     /* the scope was never ours: nothing to stop or remove */
		return 0;
	}
	/* the usual end, the init gone with its pid namespace: the first dir, which
	 * cgroup_kill_all lists, goes with one rmdir (no task, no sub-cgroup left in it), and
	 * then there is nothing to kill */
	size_t gone = 0;
	if (kill_remaining && cg->n) {
		if (!cg->unit && !cg_foreign(cg, cg->d[0].dir, true) &&
		    (rmdir(cg->d[0].dir) == 0 || errno == ENOENT))
			gone = 1;
		else
			cgroup_kill_all(cg, SIGKILL, NULL);
	}
	if (cg->unit)
		rc = cg_sd_stop(cg, err);
	for (size_t i = gone; i < cg->n; i++)
		if (cg_remove_tree(cg, cg->d[i].dir, kill_remaining ? 200 : 20) < 0 && rc == 0)
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
	if (cg->unit) {
		jw_key(w, "unit");
		jw_str(w, cg->unit);
	}
	if (cg->rootless) {
		jw_key(w, "rootless");
		jw_bool(w, true);
	}
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

/* The mode and dirs of a record, the dirs borrowed from the document (not copied). */
static int cg_record_view(const struct json *root, struct cgroup *cg, struct ctr_error *err)
{
	const char *str = json_str(json_get(root, "mode"), NULL);
	for (int i = 0; str && i < 4; i++)
		if (!strcmp(str, cg_mode_names[i]))
			cg->mode = i;
	const struct json *v = json_get(root, "dirs");
	size_t i = 0;
	for (const struct json *e = v && json_type(v) == JSON_ARRAY ? json_first(v) : NULL;
	     e && i < CG_MAX_HIER; e = json_next(v, e), i++) {
		const struct json *d = json_get(e, "dir"), *c = json_get(e, "ctls"),
				  *b = json_get(e, "v2");
		struct json_number num;
		json_num(c, &num);
		if (!json_str(d, NULL) || num.kind == JSON_NUM_DOUBLE)
			return err_set(err, 0, "state.json: cgroup.dirs[%zu]: malformed", i);
		cg->d[i].dir = (char *)json_str(d, NULL);
		cg->d[i].ctls = (uint32_t)num.u;
		cg->d[i].v2 = b && json_bool(b);
		cg->n++;
	}
	return 0;
}

/* cgroup_is_frozen of a record in a parsed state.json, without copying it (`list` asks
 * this of every running container). init_state: the init's state letter from /proc, or
 * 0: a task a v1 freezer froze is in D, so any other letter there is not frozen. */
static int cgroup_record_frozen(const struct json *rec, char init_state, bool *frozen,
				struct ctr_error *err)
{
	struct cgroup cg;
	memset(&cg, 0, sizeof(cg));
	*frozen = false;
	/* the common case first, without a view of the whole record: a v1 freezer (the one
	 * cg_find prefers) and an init not in D */
	const struct json *dirs = init_state && init_state != 'D' ? json_get(rec, "dirs") : NULL;
	for (const struct json *e = dirs && json_type(dirs) == JSON_ARRAY ? json_first(dirs) : NULL;
	     e; e = json_next(dirs, e)) {
		static const char *const keys[] = {"ctls", "v2"};
		const struct json *m[2];
		struct json_number num;
		json_get_n(e, keys, 2, m);
		json_num(m[0], &num);
		if (num.kind != JSON_NUM_DOUBLE && (num.u & 1u << CG_FREEZER) &&
		    !(m[1] && json_bool(m[1])))
			return 0;
	}
	if (cg_record_view(rec, &cg, err) < 0)
		return -1;
	const struct cg_dir *d = cg_find(&cg, CG_FREEZER);
	if (d && !d->v2 && init_state && init_state != 'D')
		return 0;
	return cgroup_is_frozen(&cg, frozen, err);
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
	if (cg_record_view(root, cg, err) < 0) {
		cg->n = 0; /* borrowed */
		goto fail;
	}
	for (size_t i = 0; i < cg->n; i++)
		if (!(cg->d[i].dir = mem_strdup(cg->d[i].dir, err))) {
			cg->n = i; /* the rest are still borrowed */
			goto fail;
		}
	const char *str = json_str(json_get(root, "path"), NULL);
	if (!(cg->path = mem_strdup(str ? str : "", err)))
		goto fail;
	str = json_str(json_get(root, "unit"), NULL);
	if (str && !(cg->unit = mem_strdup(str, err)))
		goto fail;
	cg->sd_started = cg->unit != NULL;
	v = json_get(root, "rootless");
	cg->rootless = v && json_bool(v);
	v = json_get(root, "resources");
	if (v && json_type(v) == JSON_OBJECT && !(cg->res_json = cg_json_text(v))) {
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

/* A record read back from state.json is trusted only if it names the container's own
 * cgroup: path is `want` (the configured cgroupsPath, cleaned), and every dir is that
 * path inside a cgroup hierarchy mounted now, with no ".", ".." or "//" on the way. */
static int cgroup_check_own(const struct cgroup *cg, const char *want, struct ctr_error *err)
{
	if (strcmp(cg->path, want))
		return err_set(err, EPERM, "state.json: cgroup path \"%s\" is not the container's "
			       "(%s)", cg->path, want);
	if (cg->mode == CG_MODE_NONE && !cg->n)
		return 0;
	struct cg_host h = {.text = NULL};
	char *mi AUTO_FREE = NULL;
	if (cg_host_read(&h, &mi, NULL, err) < 0)
		return -1;
	uint32_t used = 0;
	for (size_t i = 0; i < cg->n; i++) {
		const char *dir = cg->d[i].dir;
		size_t dl = strlen(dir), pl = strlen(want);
		bool ok = str_find(dir, "/./") == NULL && str_find(dir, "/../") == NULL &&
			  str_find(dir, "//") == NULL && dl > pl && !strcmp(dir + dl - pl, want) &&
			  (want[0] == '/' || dir[dl - pl - 1] == '/');
		size_t k = 0;
		for (; ok && k < h.n; k++) {
			size_t ml = strlen(h.m[k].mnt);
			/* rootless: the default path is below the delegated subtree */
			if (!(used & (1u << k)) && h.m[k].v2 == cg->d[i].v2 && !strncmp(dir, h.m[k].mnt, ml) &&
			    dir[ml] == '/' && (want[0] != '/' || cg->rootless || ml + pl == dl))
				break;
		}
		if (!ok || k == h.n)
			return err_set(err, EPERM, "state.json: cgroup %s is not the container's own "
				       "cgroup", dir);
		used |= 1u << k;
	}
	return 0;
}

/* ---- systemd driver: a transient scope per container, over D-Bus (no libsystemd) ----
 * --systemd-cgroup: linux.cgroupsPath is runc's "slice:prefix:name" (empty: the default
 * "system.slice:ctr:<id>"), the unit "<prefix>-<name>.scope" in that slice. Like runc,
 * StartTransientUnit makes the scope with Delegate=yes, PIDs=[stage-1] and the resources
 * systemd has properties for (so a daemon-reload keeps them); once the job is done, every
 * resource is also written to the delegated cgroup2 directory as on cgroupfs (systemd has
 * no property for many). Delete stops the unit. The client speaks just enough D-Bus:
 * EXTERNAL auth, Hello, AddMatch, method calls and the JobRemoved signal, little-endian. */

#define SD_BUS_SOCKET "/run/dbus/system_bus_socket"
#define SD_TIMEOUT_MS 60000          /* per call or job; a loaded TCG guest is slow */
#define SD_MSG_MAX (1u << 20)
#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

static int process_cpu_list(const char *list, unsigned long *mask, size_t nbits);

/* A growing little-endian marshalling buffer; offsets align from its start (a body
 * starts 8-aligned in a message, so its own offsets align the same). */
struct sdbuf {
	uint8_t *b;
	size_t len, cap;
	bool oom;
};

static void sdb_put(struct sdbuf *m, const void *p, size_t n)
{
	if (m->oom || !n)
		return;
	if (m->len + n > m->cap) {
		size_t cap = m->cap ? m->cap : 256;
		while (cap < m->len + n)
			cap *= 2;
		uint8_t *b = realloc(m->b, cap);
		if (!b) {
			m->oom = true;
			return;
		}
		m->b = b;
		m->cap = cap;
	}
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

static void sdb_align(struct sdbuf *m, size_t a)
{
	static const uint8_t zero[8];
	sdb_put(m, zero, (a - m->len % a) % a);
}

static void sdb_u8(struct sdbuf *m, uint8_t v)
{
	sdb_put(m, &v, 1);
}

static void sdb_le(struct sdbuf *m, uint64_t v, size_t n)
{
	uint8_t b[8];
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> 8 * i);
	sdb_align(m, n);
	sdb_put(m, b, n);
}

static void sdb_str(struct sdbuf *m, const char *s) /* 's' and 'o' */
{
	sdb_le(m, strlen(s), 4);
	sdb_put(m, s, strlen(s) + 1);
}

static void sdb_sig(struct sdbuf *m, const char *s)
{
	sdb_u8(m, (uint8_t)strlen(s));
	sdb_put(m, s, strlen(s) + 1);
}

/* An array: the length word, then padding to the element alignment (not counted). */
static size_t sdb_arr_begin(struct sdbuf *m, size_t elem_align)
{
	sdb_le(m, 0, 4);
	size_t at = m->len - 4;
	sdb_align(m, elem_align);
	return at;
}

static void sdb_arr_end(struct sdbuf *m, size_t at, size_t elem_align)
{
	size_t start = at + 4 + (elem_align - (at + 4) % elem_align) % elem_align;
	if (m->oom || m->len < start)
		return;
	uint32_t n = (uint32_t)(m->len - start);
	for (int i = 0; i < 4; i++)
		m->b[at + (size_t)i] = (uint8_t)(n >> 8 * i);
}

/* One (sv) property: the struct's name and the variant's signature; the value follows. */
static void sdp(struct sdbuf *m, const char *name, const char *sig)
{
	sdb_align(m, 8);
	sdb_str(m, name);
	sdb_sig(m, sig);
}

static void sdp_t(struct sdbuf *m, const char *name, uint64_t v)
{
	sdp(m, name, "t");
	sdb_le(m, v, 8);
}

static void sdp_b(struct sdbuf *m, const char *name, bool v)
{
	sdp(m, name, "b");
	sdb_le(m, v, 4);
}

static void sdp_s(struct sdbuf *m, const char *name, const char *v)
{
	sdp(m, name, "s");
	sdb_str(m, v);
}

/* A whole method call: header (path, interface, member, destination, signature), body. */
static void sd_msg_call(struct sdbuf *out, uint32_t serial, const char *dest, const char *path,
			const char *iface, const char *member, const char *sig,
			const struct sdbuf *body)
{
	const struct { uint8_t code; char type; const char *v; } f[] = {
		{1, 'o', path}, {2, 's', iface}, {3, 's', member}, {6, 's', dest}, {8, 'g', sig}};
	sdb_u8(out, 'l');
	sdb_u8(out, 1);       /* METHOD_CALL */
	sdb_u8(out, 0);
	sdb_u8(out, 1);       /* protocol version */
	sdb_le(out, body ? body->len : 0, 4);
	sdb_le(out, serial, 4);
	size_t at = sdb_arr_begin(out, 8);
	for (size_t i = 0; i < ARRAY_LEN(f); i++) {
		if (!f[i].v || (f[i].type == 'g' && !*f[i].v))
			continue;
		char t[2] = {f[i].type, 0};
		sdb_align(out, 8);
		sdb_u8(out, f[i].code);
		sdb_sig(out, t);
		if (f[i].type == 'g')
			sdb_sig(out, f[i].v);
		else
			sdb_str(out, f[i].v);
	}
	sdb_arr_end(out, at, 8);
	sdb_align(out, 8);
	if (body && !body->oom)
		sdb_put(out, body->b, body->len);
	out->oom |= body && body->oom;
}

/* A bounded reader over one received message. */
struct sdrd {
	const uint8_t *b;
	size_t len, pos;
	bool bad;
};

static void sdr_align(struct sdrd *r, size_t a)
{
	size_t p = r->pos + (a - r->pos % a) % a;
	if (p > r->len)
		r->bad = true;
	else
		r->pos = p;
}

static uint64_t sdr_le(struct sdrd *r, size_t n)
{
	sdr_align(r, n);
	if (r->bad || r->len - r->pos < n) {
		r->bad = true;
		return 0;
	}
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)r->b[r->pos + i] << 8 * i;
	r->pos += n;
	return v;
}

/* A string ('s', 'o': 32-bit length; 'g': 8-bit), NUL-terminated in the message. */
static const char *sdr_str(struct sdrd *r, char type)
{
	uint64_t n = type == 'g' ? sdr_le(r, 1) : sdr_le(r, 4);
	if (r->bad || n >= r->len - r->pos || r->b[r->pos + n] || memchr(r->b + r->pos, 0, n)) {
		r->bad = true;
		return NULL;
	}
	const char *s = (const char *)r->b + r->pos;
	r->pos += n + 1;
	return s;
}

struct sdmsg {
	int type;                   /* 1 call, 2 return, 3 error, 4 signal */
	uint32_t serial, reply_serial;
	const char *sig, *member, *error, *path; /* "" when absent */
	struct sdrd body;
};

/* Bytes of the message at the start of b (0: the 16-byte fixed header is incomplete;
 * SIZE_MAX: not a little-endian message we accept). */
static size_t sd_msg_size(const uint8_t *b, size_t len)
{
	if (len < 16)
		return 0;
	if (b[0] != 'l' || b[3] != 1)
		return SIZE_MAX;
	struct sdrd r = {b, 16, 4, false};
	uint64_t body = sdr_le(&r, 4);
	sdr_le(&r, 4);
	uint64_t fields = sdr_le(&r, 4);
	uint64_t total = 16 + fields + (8 - fields % 8) % 8 + body;
	return body > SD_MSG_MAX || fields > SD_MSG_MAX || total > SD_MSG_MAX ? SIZE_MAX
									 : (size_t)total;
}

/* Parse a whole message (len from sd_msg_size); strings point into b. */
static int sd_msg_parse(const uint8_t *b, size_t len, struct sdmsg *m)
{
	memset(m, 0, sizeof(*m));
	m->sig = m->member = m->error = m->path = "";
	if (sd_msg_size(b, len) != len)
		return -1;
	struct sdrd r = {b, len, 1, false};
	m->type = (int)sdr_le(&r, 1);
	r.pos = 4;
	uint64_t body = sdr_le(&r, 4);
	m->serial = (uint32_t)sdr_le(&r, 4);
	uint64_t fields = sdr_le(&r, 4);
	r.len = 16 + (size_t)fields;
	while (!r.bad && r.pos < r.len) {
		sdr_align(&r, 8);
		unsigned code = (unsigned)sdr_le(&r, 1);
		const char *t = sdr_str(&r, 'g');
		if (r.bad || strlen(t) != 1)
			return -1;
		if (*t == 'u') {
			uint32_t v = (uint32_t)sdr_le(&r, 4);
			if (code == 5)
				m->reply_serial = v;
		} else if (*t == 's' || *t == 'o' || *t == 'g') {
			const char *v = sdr_str(&r, *t);
			if (code == 1 && v)
				m->path = v;
			else if (code == 3 && v)
				m->member = v;
			else if (code == 4 && v)
				m->error = v;
			else if (code == 8 && v)
				m->sig = v;
		} else {
			return -1;   /* no other field type is defined */
		}
	}
	if (r.bad || r.pos != r.len)
		return -1;
	size_t start = len - (size_t)body;
	m->body = (struct sdrd){b + start, (size_t)body, 0, false};
	return m->type >= 1 && m->type <= 4 ? 0 : -1;
}

/* A connection to the system bus. */
struct sdconn {
	int fd;
	uint32_t serial;
	uint8_t *in;
	size_t in_len, cur;         /* bytes read; size of the message handed out last */
	struct timespec deadline;
};

static void sd_deadline(struct sdconn *c, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, &c->deadline);
	c->deadline.tv_sec += ms / 1000;
	c->deadline.tv_nsec += (long)(ms % 1000) * 1000000;
	if (c->deadline.tv_nsec >= 1000000000) {
		c->deadline.tv_sec++;
		c->deadline.tv_nsec -= 1000000000;
	}
}

/* Wait (until the deadline) for the socket to be readable; -1 with err on timeout. */
static int sd_wait(struct sdconn *c, const char *what, struct ctr_error *err)
{
	for (;;) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (long)(c->deadline.tv_sec - now.tv_sec) * 1000 +
			  (c->deadline.tv_nsec - now.tv_nsec) / 1000000;
		if (ms <= 0)
			return err_set(err, ETIMEDOUT, "systemd: no answer to %s within %d s", what,
				       SD_TIMEOUT_MS / 1000);
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int r = poll(&p, 1, (int)ms);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return err_set(err, errno, "systemd: poll");
	}
}

static int sd_send(struct sdconn *c, const void *p, size_t n, struct ctr_error *err)
{
	for (size_t o = 0; o < n;) {
		ssize_t w = send(c->fd, (const char *)p + o, n - o, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return err_set(err, errno, "systemd: write to " SD_BUS_SOCKET);
		o += (size_t)w;
	}
	return 0;
}

/* Read bytes (at least one) into c->in; bounded by the deadline and SD_MSG_MAX. */
static int sd_fill(struct sdconn *c, const char *what, struct ctr_error *err)
{
	if (!c->in && !(c->in = malloc(SD_MSG_MAX)))
		return err_nomem(err);
	if (c->in_len == SD_MSG_MAX)
		return err_set(err, EPROTO, "systemd: reply too large");
	if (sd_wait(c, what, err) < 0)
		return -1;
	ssize_t n;
	while ((n = recv(c->fd, c->in + c->in_len, SD_MSG_MAX - c->in_len, 0)) < 0 && errno == EINTR)
		;
	if (n <= 0)
		return err_set(err, n ? errno : ECONNRESET, "systemd: reading the answer to %s", what);
	c->in_len += (size_t)n;
	return 0;
}

/* The next whole message (the previous one is dropped first). */
static int sd_next(struct sdconn *c, struct sdmsg *m, const char *what, struct ctr_error *err)
{
	if (c->cur) {
		memmove(c->in, c->in + c->cur, c->in_len - c->cur);
		c->in_len -= c->cur;
		c->cur = 0;
	}
	for (;;) {
		size_t need = c->in ? sd_msg_size(c->in, c->in_len) : 0;
		if (need == SIZE_MAX)
			return err_set(err, EPROTO, "systemd: malformed message on the bus");
		if (need && c->in_len >= need) {
			if (sd_msg_parse(c->in, need, m) < 0)
				return err_set(err, EPROTO, "systemd: malformed message on the bus");
			c->cur = need;
			return 0;
		}
		if (sd_fill(c, what, err) < 0)
			return -1;
	}
}

/* An error reply's text: "Name: first string argument". */
static int sd_error(const struct sdmsg *m, const char *what, struct ctr_error *err)
{
	struct sdrd b = m->body;
	const char *text = m->sig[0] == 's' ? sdr_str(&b, 's') : NULL;
	return err_set(err, 0, "systemd: %s: %s%s%s", what, m->error, text ? ": " : "",
		       text ? text : "");
}

/* Call a method and wait for its reply (signals in between are skipped). An error
 * reply named ok_error (if given) counts as success with *m its message. */
static int sd_call(struct sdconn *c, const char *dest, const char *path, const char *iface,
		   const char *member, const char *sig, const struct sdbuf *body,
		   const char *ok_error, struct sdmsg *m, struct ctr_error *err)
{
	struct sdbuf out = {0};
	uint32_t serial = ++c->serial;
	sd_msg_call(&out, serial, dest, path, iface, member, sig, body);
	int rc = out.oom ? err_nomem(err) : sd_send(c, out.b, out.len, err);
	free(out.b);
	if (rc < 0)
		return -1;
	sd_deadline(c, SD_TIMEOUT_MS);
	for (;;) {
		if (sd_next(c, m, member, err) < 0)
			return -1;
		if ((m->type != 2 && m->type != 3) || m->reply_serial != serial)
			continue;
		if (m->type == 3 && !(ok_error && !strcmp(m->error, ok_error)))
			return sd_error(m, member, err);
		return 0;
	}
}

static void sd_close(struct sdconn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	c->fd = -1;
	c->in = NULL;
}

/* Connect to the bus at path, authenticate as our uid (EXTERNAL) and say Hello. */
/* Our uid as the bus sees it (SO_PEERCRED): in a user namespace (podman's rootless),
 * the host's, from /proc/self/uid_map. EXTERNAL auth must name that one. */
static unsigned sd_host_uid(void)
{
	bool identity;
	return (unsigned)idmap_host(getuid(), &identity);
}

static int sd_open(struct sdconn *c, const char *path, struct ctr_error *err)
{
	memset(c, 0, sizeof(*c));
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	ctr_snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err_set(err, errno, "systemd: connect to the system bus %s", path);
		goto fail;
	}
	char uid[16], line[64] = "";
	ctr_snprintf(uid, sizeof(uid), "%u", (unsigned)sd_host_uid());
	char auth[64] = "", *o = auth + ctr_snprintf(auth, sizeof(auth), "%cAUTH EXTERNAL ", 0);
	for (const char *p = uid; *p; p++)
		o += ctr_snprintf(o, 3, "%02x", (unsigned char)*p);
	o += ctr_snprintf(o, 3, "\r\n");
	if (sd_send(c, auth, (size_t)(o - auth), err) < 0)
		goto fail;
	sd_deadline(c, SD_TIMEOUT_MS);
	for (size_t n = 0; !str_find(line, "\r\n");) {
		if (n + 1 >= sizeof(line)) {
			err_set(err, EPROTO, "systemd: bus authentication: answer too long");
			goto fail;
		}
		if (sd_wait(c, "AUTH", err) < 0)
			goto fail;
		ssize_t r = recv(c->fd, line + n, sizeof(line) - 1 - n, 0);
		if (r <= 0) {
			err_set(err, r ? errno : ECONNRESET, "systemd: bus authentication");
			goto fail;
		}
		n += (size_t)r;
		line[n] = 0;
	}
	if (strncmp(line, "OK ", 3)) {
		err_set(err, EACCES, "systemd: bus authentication refused: %.*s",
			(int)strcspn(line, "\r\n"), line);
		goto fail;
	}
	struct sdmsg m;
	if (sd_send(c, "BEGIN\r\n", 7, err) < 0 ||
	    sd_call(c, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
		    "Hello", "", NULL, NULL, &m, err) < 0)
		goto fail;
	return 0;
fail:
	sd_close(c);
	return -1;
}

/* Call a method of the manager on unit (s) that returns a job (o), and wait for the
 * job's JobRemoved signal (AddMatch'ed before); its result must be "done". *queued is
 * set once systemd took the job. */
static int sd_job(struct sdconn *c, const char *member, const char *unit, const char *sig,
		  const struct sdbuf *body, bool *queued, struct ctr_error *err)
{
	struct sdmsg m;
	bool stop = !strcmp(member, "StopUnit");
	if (sd_call(c, SD_DEST, SD_PATH, SD_MANAGER, member, sig, body,
		    stop ? "org.freedesktop.systemd1.NoSuchUnit" : NULL, &m, err) < 0)
		return err_prefix(err, "%s", unit);
	if (m.type == 3)
		return 0;            /* StopUnit of a unit that is gone already */
	*queued = true;
	struct sdrd b = m.body;
	const char *j = sdr_str(&b, 'o');
	char job[256];
	if (!j || ctr_snprintf(job, sizeof(job), "%s", j) >= (int)sizeof(job))
		return err_set(err, EPROTO, "systemd: %s %s: no job in the reply", member, unit);
	for (;;) {
		if (sd_next(c, &m, "the job of unit", err) < 0)
			return err_prefix(err, "%s %s", member, unit);
		if (m.type != 4 || strcmp(m.member, "JobRemoved") || strcmp(m.sig, "uoss"))
			continue;
		b = m.body;
		sdr_le(&b, 4);
		const char *path = sdr_str(&b, 'o'), *u = sdr_str(&b, 's'), *res = sdr_str(&b, 's');
		(void)u;
		if (!path || !res || strcmp(path, job))
			continue;
		if (strcmp(res, "done"))
			return err_set(err, 0, "systemd: %s %s: job %s", member, unit, res);
		return 0;
	}
}

/* The bus of the manager: the system's, or rootless (user) the caller's user manager on
 * its session bus ($DBUS_SESSION_BUS_ADDRESS's unix:path, else $XDG_RUNTIME_DIR/bus). */
static int sd_bus_path(bool user, char *out, size_t size, struct ctr_error *err)
{
	const char *a = getenv("DBUS_SESSION_BUS_ADDRESS"), *x = getenv("XDG_RUNTIME_DIR");
	size_t n = a && str_has_prefix(a, "unix:path=") ? strcspn(a + 10, ",;") : 0;
	if (!user)
		ctr_snprintf(out, size, "%s", SD_BUS_SOCKET);
	else if (n && n < size)
		ctr_snprintf(out, size, "%.*s", (int)n, a + 10);
	else if (!x || x[0] != '/' || ctr_snprintf(out, size, "%s/bus", x) >= (int)size)
		return err_set(err, 0, "--systemd-cgroup as a user: no session bus of the user "
			       "manager (set XDG_RUNTIME_DIR or DBUS_SESSION_BUS_ADDRESS)");
	return 0;
}

/* Connect and subscribe to JobRemoved. */
static int sd_connect(struct sdconn *c, bool user, struct ctr_error *err)
{
	struct sdbuf b = {0};
	struct sdmsg m;
	char bus[sizeof(((struct sockaddr_un *)0)->sun_path)];
	if (sd_bus_path(user, bus, sizeof(bus), err) < 0)
		return -1;
	sdb_str(&b, "type='signal',sender='" SD_DEST "',path='" SD_PATH "',interface='"
		SD_MANAGER "',member='JobRemoved'");
	int rc = sd_open(c, bus, err) < 0 ? -1 :
		 sd_call(c, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
			 "AddMatch", "s", &b, NULL, &m, err);
	free(b.b);
	if (rc < 0)
		sd_close(c);
	return rc;
}

/* runc's ExpandSlice: "a-b.slice" -> "/a.slice/a-b.slice", "-.slice" -> "". */
static int sd_expand_slice(const char *slice, char *out, size_t size, struct ctr_error *err)
{
	size_t len = strlen(slice);
	if (len < 7 || strcmp(slice + len - 6, ".slice") || strchr(slice, '/'))
		return err_set(err, EINVAL, "linux.cgroupsPath: invalid slice \"%s\"", slice);
	if (!strcmp(slice, "-.slice")) {
		*out = 0;
		return 0;
	}
	size_t n = len - 6, o = 0;
	if (slice[0] == '-' || slice[n - 1] == '-' || str_find(slice, "--"))
		return err_set(err, EINVAL, "linux.cgroupsPath: invalid slice \"%s\"", slice);
	for (size_t i = 0; i <= n; i++) {
		if (i < n && slice[i] != '-')
			continue;
		int w = ctr_snprintf(out + o, size - o, "/%.*s.slice", (int)i, slice);
		if (w < 0 || (size_t)w >= size - o)
			return err_set(err, ENAMETOOLONG, "linux.cgroupsPath: slice \"%s\"", slice);
		o += (size_t)w;
	}
	return 0;
}

/* "slice:prefix:name" (NULL or "": "system.slice:ctr:<id>") -> the unit name and the
 * cgroup path below the cgroup2 root. */
static int sd_parse_path(const char *in, const char *id, char *unit, size_t usize,
			 char *path, size_t psize, char *slice, size_t ssize, struct ctr_error *err)
{
	char buf[PATH_MAX];
	if (!in || !*in)
		ctr_snprintf(buf, sizeof(buf), "system.slice:ctr:%s", id);
	else if (ctr_snprintf(buf, sizeof(buf), "%s", in) >= (int)sizeof(buf))
		return err_set(err, ENAMETOOLONG, "linux.cgroupsPath");
	char *c1 = strchr(buf, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2 || strchr(c2 + 1, ':') || !c2[1])
		return err_set(err, EINVAL, "linux.cgroupsPath: expected \"slice:prefix:name\" for "
			       "systemd cgroups, got \"%s\"", in);
	*c1 = *c2 = 0;
	const char *name = c2 + 1, *prefix = c1 + 1;
	if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") ||
	    (strlen(name) > 6 && !strcmp(name + strlen(name) - 6, ".slice")))
		return err_set(err, EINVAL, "linux.cgroupsPath: \"%s\": the name must be a scope's "
			       "(a slice is not supported)", in);
	if (ctr_snprintf(slice, ssize, "%s", buf[0] ? buf : "system.slice") >= (int)ssize)
		return err_set(err, ENAMETOOLONG, "linux.cgroupsPath: slice of \"%s\"", in);
	char sp[PATH_MAX];
	if (sd_expand_slice(slice, sp, sizeof(sp), err) < 0)
		return -1;
	if (ctr_snprintf(unit, usize, "%s%s%s.scope", prefix, *prefix ? "-" : "", name) >= (int)usize ||
	    ctr_snprintf(path, psize, "%s/%s", sp, unit) >= (int)psize)
		return err_set(err, ENAMETOOLONG, "linux.cgroupsPath: \"%s\"", in);
	return 0;
}

/* "0-3,8" -> systemd's byte array bitmask (bit n of byte n/8). */
static int sdp_mask(struct sdbuf *m, const char *name, const char *list, struct ctr_error *err)
{
	enum { NBITS = 8192 };
	unsigned long mask[NBITS / (8 * sizeof(unsigned long))];
	if (process_cpu_list(list, mask, NBITS) < 0)
		return err_set(err, EINVAL, "linux.resources.cpu: bad list \"%s\" for %s", list, name);
	uint8_t bytes[NBITS / 8] = {0};
	size_t n = 0;
	for (size_t c = 0; c < NBITS; c++)
		if (mask[c / (8 * sizeof(unsigned long))] >> (c % (8 * sizeof(unsigned long))) & 1) {
			bytes[c / 8] |= (uint8_t)(1u << (c % 8));
			n = c / 8 + 1;
		}
	sdp(m, name, "ay");
	sdb_le(m, n, 4);
	sdb_put(m, bytes, n);
	return 0;
}

/* systemd's DeviceAllow entry for an allow rule: "/dev/char/M:m", "char-NAME" (a major
 * from /proc/devices), "char-*"; false if it cannot say it (ctr's eBPF still holds). */
static bool sd_dev_entry(const struct spec_device_rule *d, char *out, size_t size)
{
	const char *kind = d->type == 'b' ? "block" : "char";
	if (d->major.set && d->minor.set) {
		ctr_snprintf(out, size, "/dev/%s/%" PRId64 ":%" PRId64, kind, d->major.v, d->minor.v);
		return true;
	}
	if (!d->major.set) {
		ctr_snprintf(out, size, "%s-*", kind);
		return true;
	}
	char *text AUTO_FREE = NULL;
	if (read_file("/proc/devices", 1 << 16, &text, NULL, NULL) < 0)
		return false;
	/* "Character devices:\n  1 mem\n...\n\nBlock devices:\n..." */
	const char *l = str_find(text, d->type == 'b' ? "Block devices:" : "Character devices:");
	for (l = l ? strchr(l, '\n') : NULL; l && l[1] && l[1] != '\n'; l = strchr(l + 1, '\n')) {
		char *nm;
		long maj = str_tol(l + 1, &nm); /* " %ld %s" by hand: scanf costs ~4 KB */
		nm += strspn(nm, " \t");
		int n = (int)strcspn(nm, " \t\n");
		if (nm > l + 1 && n && maj == d->major.v) {
			ctr_snprintf(out, size, "%s-%.*s", kind, n > 63 ? 63 : n, nm);
			return true;
		}
	}
	return false;
}

/* DevicePolicy/DeviceAllow for the allow rules (deny rules are ctr's eBPF's alone:
 * both programs run, so systemd's may only be the wider one). */
static int sdp_devices(struct sdbuf *m, const struct spec *s, struct ctr_error *err)
{
	struct spec_device_rule *rules AUTO_FREE = NULL;
	size_t n;
	if (cg_rules(s, &rules, &n, err) < 0)
		return -1;
	bool all = false;
	for (size_t i = 0; i < n; i++)
		all |= rules[i].allow && rules[i].type == 'a';
	sdp_s(m, "DevicePolicy", all ? "auto" : "strict");
	sdp(m, "DeviceAllow", "a(ss)");
	size_t at = sdb_arr_begin(m, 8);
	for (size_t i = 0; !all && i < n; i++) {
		char path[96];
		if (!rules[i].allow || !sd_dev_entry(&rules[i], path, sizeof(path)))
			continue;
		sdb_align(m, 8);
		sdb_str(m, path);
		sdb_str(m, rules[i].access ? rules[i].access : "rwm");
	}
	sdb_arr_end(m, at, 8);
	return 0;
}

/* The resource properties systemd has (runc's set), appended to an a(sv) array. */
static int sdp_resources(struct sdbuf *m, const struct spec_resources *r, struct ctr_error *err)
{
	const struct spec_memory *mem = &r->memory;
	const struct spec_cpu *c = &r->cpu;
	if (mem->limit.set)
		sdp_t(m, "MemoryMax", mem->limit.v < 0 ? UINT64_MAX : (uint64_t)mem->limit.v);
	if (mem->swap.set) {
		int64_t sw;
		if (cg_swap_v2(mem->limit.set ? mem->limit.v : -1, mem->swap.v, &sw, err) < 0)
			return -1;
		if (sw != -2)
			sdp_t(m, "MemorySwapMax", sw < 0 ? UINT64_MAX : (uint64_t)sw);
	}
	if (c->shares.set && c->shares.v)
		sdp_t(m, "CPUWeight", cg_shares_to_weight(c->shares.v));
	if (c->period.set && c->period.v)
		sdp_t(m, "CPUQuotaPeriodUSec", c->period.v);
	if (c->quota.set) {
		uint64_t period = c->period.set && c->period.v ? c->period.v : 100000;
		/* like runc: per second, rounded up to systemd's 10 ms steps */
		uint64_t q = c->quota.v <= 0 ? UINT64_MAX :
			     ((uint64_t)c->quota.v * 1000000 / period + 9999) / 10000 * 10000;
		sdp_t(m, "CPUQuotaPerSecUSec", q);
	}
	if (c->cpus && *c->cpus && sdp_mask(m, "AllowedCPUs", c->cpus, err) < 0)
		return -1;
	if (c->mems && *c->mems && sdp_mask(m, "AllowedMemoryNodes", c->mems, err) < 0)
		return -1;
	if (r->has_pids && r->pids_limit.set)
		sdp_t(m, "TasksMax", r->pids_limit.v > 0 ? (uint64_t)r->pids_limit.v : UINT64_MAX);
	if (r->blkio.weight.set && r->blkio.weight.v)
		sdp_t(m, "IOWeight", cg_blkio_to_io_weight(r->blkio.weight.v));
	return 0;
}

/* StartTransientUnit's body: name, mode, properties, no auxiliary units. */
static int sd_start_body(struct sdbuf *b, const char *unit, const char *slice, pid_t pid,
			 const struct spec *s, bool devices, struct ctr_error *err)
{
	static const struct spec_resources no_res;
	const struct spec_resources *r = s->has_linux && s->lx.has_resources ? &s->lx.resources : &no_res;
	char desc[PATH_MAX];
	ctr_snprintf(desc, sizeof(desc), "ctr container %s", unit);
	sdb_str(b, unit);
	sdb_str(b, "fail");
	size_t at = sdb_arr_begin(b, 8);
	sdp_s(b, "Description", desc);
	sdp_s(b, "Slice", slice);
	sdp_b(b, "Delegate", true);
	sdp(b, "PIDs", "au");
	sdb_le(b, 4, 4);
	sdb_le(b, (uint32_t)pid, 4);
	sdp_b(b, "DefaultDependencies", false);
	static const char *const acct[] = {"MemoryAccounting", "CPUAccounting", "IOAccounting",
					   "TasksAccounting"};
	for (size_t i = 0; i < ARRAY_LEN(acct); i++)
		sdp_b(b, acct[i], true);
	/* no device policy from a user manager: it cannot attach the program */
	if (sdp_resources(b, r, err) < 0 || (s->has_linux && devices && sdp_devices(b, s, err) < 0))
		return -1;
	sdb_arr_end(b, at, 8);
	sdb_arr_begin(b, 8);          /* a(sa(sv)): empty */
	return b->oom ? err_nomem(err) : 0;
}

/* No systemd as init (sd_booted's test), or no bus (user: the user manager's): a clear
 * error, before anything is made. */
static int sd_check_host(bool user, struct ctr_error *err)
{
	char bus[sizeof(((struct sockaddr_un *)0)->sun_path)];
	if (access("/run/systemd/system", F_OK) < 0)
		return err_set(err, 0, "--systemd-cgroup: systemd is not running as init on this "
			       "host (no /run/systemd/system); run without --systemd-cgroup to let "
			       "ctr manage cgroupfs itself");
	if (sd_bus_path(user, bus, sizeof(bus), err) < 0)
		return -1;
	if (access(bus, F_OK) < 0)
		return err_set(err, errno, "--systemd-cgroup: no %s bus at %s",
			       user ? "session" : "system", bus);
	return 0;
}

/* The user manager's cgroup (rootless): user@UID.service from our own cgroup, else
 * where systemd puts it. "" for the system manager. */
static void sd_manager_root(bool user, const char *selfcg, char *out, size_t size)
{
	char want[64];
	out[0] = 0;
	if (!user)
		return;
	ctr_snprintf(want, sizeof(want), "/user@%u.service", sd_host_uid());
	const char *l = selfcg ? str_find(selfcg, "0::/") : NULL, *at = l ? str_find(l, want) : NULL;
	if (at && (at[strlen(want)] == '/' || at[strlen(want)] == '\n' || !at[strlen(want)]))
		ctr_snprintf(out, size, "%.*s", (int)(at + strlen(want) - (l + 3)), l + 3);
	else
		ctr_snprintf(out, size, "/user.slice/user-%u.slice%s", sd_host_uid(), want);
}

/* cgroup_plan for --systemd-cgroup: names the scope; cg_sd_start makes it. */
static int cgroup_plan_systemd(const struct spec *s, const char *id, bool user,
			       struct cgroup **out, struct ctr_error *err)
{
	char unit[256], path[PATH_MAX], slice[256], base[PATH_MAX];
	if (sd_check_host(user, err) < 0 ||
	    sd_parse_path(s->has_linux ? s->lx.cgroups_path : NULL, id, unit, sizeof(unit), path,
			  sizeof(path), slice, sizeof(slice), err) < 0)
		return -1;
	struct cg_host h = {.text = NULL};
	char *mi AUTO_FREE = NULL, *selfcg AUTO_FREE = NULL;
	if (cg_host_read(&h, &mi, &selfcg, err) < 0)
		return -1;
	if (cg_mode_of(&h) != CG_MODE_V2)
		return err_set(err, 0, "--systemd-cgroup: needs a pure cgroup v2 host (this one "
			       "is %s)", cg_mode_names[cg_mode_of(&h)]);
	char dir[PATH_MAX * 3];
	sd_manager_root(user, selfcg, base, sizeof(base));
	ctr_snprintf(dir, sizeof(dir), "%s%s%s", h.m[0].mnt, base, path);
	if (access(dir, F_OK) == 0)
		return err_set(err, EEXIST, "linux.cgroupsPath: the scope %s exists already (%s)",
			       unit, dir);
	struct cgroup *cg = mem_alloc(sizeof(*cg), err);
	if (!cg)
		return -1;
	cg->mode = CG_MODE_V2;
	if (!(cg->path = mem_strdup(path, err)) || !(cg->unit = mem_strdup(unit, err)) ||
	    !(cg->slice = mem_strdup(slice, err)) || !(cg->d[0].dir = mem_strdup(dir, err))) {
		cgroup_free(cg);
		return -1;
	}
	cg->d[0].v2 = true;
	cg->n = 1;
	cg->rootless = user; /* the user manager's, below its cgroup */
	*out = cg;
	return 0;
}

/* StartTransientUnit with pid in it, wait for the job, then write every resource to the
 * delegated directory as on cgroupfs. */
static int cg_sd_start(struct cgroup *cg, const struct spec *s, pid_t pid, struct ctr_error *err)
{
	struct sdconn c;
	struct sdbuf b = {0};
	if (sd_connect(&c, cg->rootless, err) < 0)
		return -1;
	int rc = sd_start_body(&b, cg->unit, cg->slice, pid, s, !cg->rootless, err);
	/* once systemd took the job, a failure stops the unit (before: not ours) */
	if (rc == 0)
		rc = sd_job(&c, "StartTransientUnit", cg->unit, "ssa(sv)a(sa(sv))", &b,
			    &cg->sd_started, err);
	free(b.b);
	sd_close(&c);
	if (rc < 0)
		return -1;
	char have[512];
	if (cg_read_at(cg->d[0].dir, "cgroup.controllers", have, sizeof(have)) < 0)
		return err_set(err, errno, "systemd: the cgroup of %s is not at %s", cg->unit,
			       cg->d[0].dir);
	cg->d[0].ctls = cg_mask_of(have, cg_v2_names, ' ');
	static const struct spec_resources no_res;
	const struct spec_resources *r = s->has_linux && s->lx.has_resources ? &s->lx.resources : &no_res;
	if (cg_apply(cg, r, false, err) < 0 ||
	    (s->has_linux && !cg->rootless && cg_apply_devices(cg, s, err) < 0))
		return -1;
	return 0;
}

/* Stop the scope (what is left in it was killed already) and forget a failed state. */
static int cg_sd_stop(const struct cgroup *cg, struct ctr_error *err)
{
	struct sdconn c;
	struct sdbuf b = {0};
	struct sdmsg m;
	if (sd_connect(&c, cg->rootless, err) < 0)
		return -1;
	sdb_str(&b, cg->unit);
	sdb_str(&b, "replace");
	bool queued = false;
	int rc = b.oom ? err_nomem(err) : sd_job(&c, "StopUnit", cg->unit, "ss", &b, &queued, err);
	b.len = 0;
	sdb_str(&b, cg->unit);
	if (rc == 0 && !b.oom)
		sd_call(&c, SD_DEST, SD_PATH, SD_MANAGER, "ResetFailedUnit", "s", &b,
			"org.freedesktop.systemd1.NoSuchUnit", &m, NULL);
	free(b.b);
	sd_close(&c);
	return rc;
}

/* update: SetUnitProperties (runtime) so systemd keeps the new values, then the files. */
static int cg_sd_update(const struct cgroup *cg, const struct spec_resources *r,
			struct ctr_error *err)
{
	struct sdconn c;
	struct sdbuf b = {0};
	struct sdmsg m;
	sdb_str(&b, cg->unit);
	sdb_le(&b, 1, 4);
	size_t at = sdb_arr_begin(&b, 8);
	int rc = sdp_resources(&b, r, err);
	sdb_arr_end(&b, at, 8);
	if (rc == 0 && b.oom)
		rc = err_nomem(err);
	if (rc == 0 && (rc = sd_connect(&c, cg->rootless, err)) == 0) {
		rc = sd_call(&c, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties", "sba(sv)", &b,
			     NULL, &m, err);
		sd_close(&c);
	}
	free(b.b);
	return rc;
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

struct cg_walk {
	const struct cgroup *cg;
	const char *dir;
	struct sbuf *sb;
	int depth;
};
static int cg_pids_sub(const char *name, unsigned char type, void *arg);

static int cg_pids_walk(const struct cgroup *cg, const char *dir, struct sbuf *sb, int depth)
{
	char *text = NULL;
	char p[PATH_MAX];
	ctr_snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	if (read_file(p, 64 << 20, &text, NULL, NULL) < 0)
		return -1;
	for (char *t = text; *t;) {
		long v = str_tol(t, &t);
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
	struct cg_walk w = {cg, dir, sb, depth};
	if (depth < 32)
		dir_each_path(dir, cg_pids_sub, &w);
	return 0;
}

static int cg_pids_sub(const char *name, unsigned char type, void *arg)
{
	const struct cg_walk *w = arg;
	char sub[PATH_MAX];
	if (type == DT_DIR && ctr_snprintf(sub, sizeof(sub), "%s/%s", w->dir, name) < (int)sizeof(sub) &&
	    !cg_foreign(w->cg, sub, false))
		cg_pids_walk(w->cg, sub, w->sb, w->depth + 1);
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
	if (cg_pids_walk(cg, d->dir, &sb, 0) < 0) {
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
 * use cgroup.kill for SIGKILL on v2 (it kills the sub-tree: not with another container
 * nested below). */
static int cgroup_kill_all(const struct cgroup *cg, int sig, struct ctr_error *err)
{
	const struct cg_dir *v2 = cg->n_foreign ? NULL : cg_v2dir(cg);
	if (sig == SIGKILL && v2 && cg->mode == CG_MODE_V2 && cg_write_at(v2->dir, "cgroup.kill", "1") == 0)
		return 0;
	pid_t *pids = NULL;
	size_t n = 0;
	int rc = cgroup_pids(cg, &pids, &n, err);
	if (rc < 0 || n == 0)
		return rc; /* empty: no task can fork into it; a v1 freeze costs ~1 ms (text poke) */
	free(pids);
	/* leave a paused container paused, unless it must thaw to die */
	bool was = false, froze = cg->mode != CG_MODE_NONE &&
		cgroup_is_frozen(cg, &was, NULL) == 0 && (was || cgroup_freeze(cg, true, NULL) == 0);
	rc = cgroup_pids(cg, &pids, &n, err);
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
	if (cg->unit && cg_sd_update(cg, r, err) < 0)
		return -1;
	return cg_apply(cg, r, true, err);
}

/* ---- stats: read into struct ctr_stats; written as runc's "data" object ---- */

/* Append a zeroed element to a malloc'd array (doubling); NULL when out of memory. */
static void *cg_push(void *arrp, size_t *n, size_t size)
{
	void **arr = arrp;
	if (!(*n & (*n - 1))) { /* 0, 1, 2, 4 ...: full */
		void *na = realloc(*arr, (*n ? *n * 2 : 4) * size);
		if (!na)
			return NULL;
		*arr = na;
	}
	void *e = (char *)*arr + (*n)++ * size;
	memset(e, 0, size);
	return e;
}

/* Whitespace-separated numbers of a file (cpuacct.usage_percpu*); false if none. */
static bool cg_read_list(const char *dir, const char *file, uint64_t **v, size_t *n)
{
	char f[PATH_MAX], *text = NULL;
	ctr_snprintf(f, sizeof(f), "%s/%s", dir, file);
	if (read_file(f, 1 << 16, &text, NULL, NULL) < 0)
		return false;
	for (char *t = text, *e;; t = e) {
		unsigned long long x = ctr_strtoull(t, &e);
		uint64_t *slot;
		if (e == t || !(slot = cg_push(v, n, sizeof(**v))))
			break;
		*slot = x;
	}
	free(text);
	return *n > 0;
}

/* A v1 memory entry from the files PFX{limit_in_bytes,usage_in_bytes,...}. */
static void cg_mem_v1(const char *dir, const char *pfx, struct ctr_mem_entry *m)
{
	static const char *const files[] = {"limit_in_bytes", "usage_in_bytes",
		"max_usage_in_bytes", "failcnt"};
	uint64_t *out[] = {&m->limit, &m->usage, &m->max, &m->failcnt};
	char f[64];
	for (size_t i = 0; i < ARRAY_LEN(files); i++) {
		ctr_snprintf(f, sizeof(f), "%s%s", pfx, files[i]);
		*out[i] = cg_read_u64(dir, f);
	}
}

/* Every "key N" line of a flat keyed file. */
static void cg_read_pairs(const char *text, struct ctr_stat_pair **v, size_t *n)
{
	for (const char *l = text; l && *l;) {
		const char *sp = strchr(l, ' '), *nl = strchr(l, '\n');
		struct ctr_stat_pair *pr;
		if (sp && (!nl || sp < nl) && (pr = cg_push(v, n, sizeof(**v)))) {
			ctr_snprintf(pr->key, sizeof(pr->key), "%.*s", (int)(sp - l), l);
			pr->value = ctr_strtoull(sp + 1, NULL);
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
	*maj = str_toul(l, &e);
	if (*e != ':' || (unsigned)(e[1] - '0') > 9)
		return NULL;
	*min = str_toul(e + 1, &e);
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
	*val = ctr_strtoull(p, NULL);
	return true;
}

/* v1 blkio lines "MAJ:MIN OP VALUE", or v2 io.stat lines "MAJ:MIN rbytes=.. wbytes=.."
 * (rkey/wkey name the two v2 keys taken as Read and Write). */
static void cg_read_blkio(const char *text, bool v2, const char *rkey, const char *wkey,
			  struct ctr_blkio_entry **v, size_t *n)
{
	for (const char *l = text; l && *l;) {
		unsigned maj, min;
		char op[16];
		unsigned long long val;
		const char *nl = strchr(l, '\n');
		const char *p = cg_majmin(l, &maj, &min);
		struct ctr_blkio_entry *be;
		if (p && !v2 && cg_blkio_opval(p, op, &val) && (be = cg_push(v, n, sizeof(**v)))) {
			*be = (struct ctr_blkio_entry){.major = maj, .minor = min, .value = val};
			memcpy(be->op, op, sizeof(be->op));
		}
		for (int k = 0; p && v2 && k < 2; k++) {
			char pat[16];
			ctr_snprintf(pat, sizeof(pat), " %s=", k ? wkey : rkey);
			const char *hit = str_find(l, pat);
			if (!hit || (nl && hit > nl) || !(be = cg_push(v, n, sizeof(**v))))
				continue;
			*be = (struct ctr_blkio_entry){.major = maj, .minor = min,
						       .value = ctr_strtoull(hit + strlen(pat), NULL)};
			strcpy(be->op, k ? "Write" : "Read");
		}
		l = nl ? nl + 1 : NULL;
	}
}

static void cg_stats_cpu(const struct cgroup *cg, struct ctr_stats *s)
{
	char f[512];
	const struct cg_dir *d = cg_find(cg, CG_CPUACCT);
	if (d) {
		/* USER_HZ, what glibc's sysconf(_SC_CLK_TCK) returns; musl's (1 KB) says 100 */
		long tck = (long)getauxval(AT_CLKTCK);
		s->cpu.have_usage = 1;
		s->cpu.total = cg_read_u64(d->dir, "cpuacct.usage");
		cg_read_list(d->dir, "cpuacct.usage_percpu", &s->cpu.percpu, &s->cpu.n_percpu);
		cg_read_list(d->dir, "cpuacct.usage_percpu_sys", &s->cpu.percpu_kernel,
			     &s->cpu.n_percpu_kernel);
		cg_read_list(d->dir, "cpuacct.usage_percpu_user", &s->cpu.percpu_user,
			     &s->cpu.n_percpu_user);
		if (cg_read_at(d->dir, "cpuacct.stat", f, sizeof(f)) == 0 && tck > 0) {
			s->cpu.have_times = 1;
			s->cpu.kernel = cg_key(f, "system") * (1000000000ull / (uint64_t)tck);
			s->cpu.user = cg_key(f, "user") * (1000000000ull / (uint64_t)tck);
		}
	} else if ((d = cg_v2dir(cg)) && cg_read_at(d->dir, "cpu.stat", f, sizeof(f)) == 0) {
		s->cpu.have_usage = s->cpu.have_times = 1;
		s->cpu.total = cg_key(f, "usage_usec") * 1000;
		s->cpu.kernel = cg_key(f, "system_usec") * 1000;
		s->cpu.user = cg_key(f, "user_usec") * 1000;
	}
	d = cg_find(cg, CG_CPU);
	if (d && cg_read_at(d->dir, "cpu.stat", f, sizeof(f)) == 0) {
		s->cpu.periods = cg_key(f, "nr_periods");
		s->cpu.throttled_periods = cg_key(f, "nr_throttled");
		s->cpu.throttled_time = d->v2 ? cg_key(f, "throttled_usec") * 1000 :
					 cg_key(f, "throttled_time");
	}
}

static void cg_stats_memory(const struct cgroup *cg, struct ctr_stats *s)
{
	const struct cg_dir *d = cg_find(cg, CG_MEMORY);
	char f[PATH_MAX], ev[512], *text = NULL;
	if (!d)
		return;
	s->memory.have = 1;
	s->memory.v2 = d->v2;
	ctr_snprintf(f, sizeof(f), "%s/memory.stat", d->dir);
	if (read_file(f, 1 << 20, &text, NULL, NULL) == 0) {
		s->memory.cache = cg_key(text, d->v2 ? "file" : "cache");
		cg_read_pairs(text, &s->memory.raw, &s->memory.n_raw);
		free(text);
	}
	if (!d->v2) {
		cg_mem_v1(d->dir, "memory.", &s->memory.usage);
		cg_mem_v1(d->dir, "memory.memsw.", &s->memory.swap);
		cg_mem_v1(d->dir, "memory.kmem.", &s->memory.kernel);
		cg_mem_v1(d->dir, "memory.kmem.tcp.", &s->memory.kernel_tcp);
	} else {
		s->memory.usage.limit = cg_read_u64(d->dir, "memory.max");
		s->memory.usage.usage = cg_read_u64(d->dir, "memory.current");
		s->memory.usage.max = cg_read_u64(d->dir, "memory.peak");
		s->memory.usage.failcnt = cg_read_at(d->dir, "memory.events", ev, sizeof(ev)) ? 0 :
					  cg_key(ev, "max");
		s->memory.swap.limit = cg_read_u64(d->dir, "memory.swap.max");
		s->memory.swap.usage = cg_read_u64(d->dir, "memory.swap.current");
	}
	if (cg_read_at(d->dir, d->v2 ? "memory.events" : "memory.oom_control", ev, sizeof(ev)) == 0) {
		s->memory.have_oom_kill = 1;
		s->memory.oom_kill = cg_key(ev, "oom_kill");
	}
}

static void cg_stats_blkio(const struct cgroup *cg, struct ctr_stats *s)
{
	const struct cg_dir *d = cg_find(cg, CG_BLKIO);
	char f[PATH_MAX], *text = NULL;
	for (int k = 0; d && k < (d->v2 ? 1 : 2); k++) {
		ctr_snprintf(f, sizeof(f), "%s/%s", d->dir, d->v2 ? "io.stat" : k ?
			 "blkio.throttle.io_serviced_recursive" : "blkio.throttle.io_service_bytes_recursive");
		if (read_file(f, 1 << 20, &text, NULL, NULL) < 0)
			continue;
		if (d->v2) {
			s->blkio.have_bytes = s->blkio.have_ios = 1;
			cg_read_blkio(text, true, "rbytes", "wbytes", &s->blkio.bytes, &s->blkio.n_bytes);
			cg_read_blkio(text, true, "rios", "wios", &s->blkio.ios, &s->blkio.n_ios);
		} else if (k) {
			s->blkio.have_ios = 1;
			cg_read_blkio(text, false, NULL, NULL, &s->blkio.ios, &s->blkio.n_ios);
		} else {
			s->blkio.have_bytes = 1;
			cg_read_blkio(text, false, NULL, NULL, &s->blkio.bytes, &s->blkio.n_bytes);
		}
		free(text);
		text = NULL;
	}
}

/* One hugetlb page size ("hugepages-2048kB" in sysfs): its name as cgroup files spell it
 * ("2MB") and its counters. */
static void cg_stats_hugetlb_size(const struct cg_dir *d, unsigned long kb, struct ctr_stats *s)
{
	static const char units[] = "KMGT";
	struct ctr_hugetlb_entry *h = cg_push(&s->hugetlb, &s->n_hugetlb, sizeof(*s->hugetlb));
	char f[64], ev[256];
	int u = 0;
	if (!h)
		return;
	while (kb >= 1024 && !(kb % 1024) && u < 3)
		kb /= 1024, u++;
	ctr_snprintf(h->pagesize, sizeof(h->pagesize), "%lu%cB", kb, units[u]);
	ctr_snprintf(f, sizeof(f), "hugetlb.%s.%s", h->pagesize, d->v2 ? "current" : "usage_in_bytes");
	h->usage = cg_read_u64(d->dir, f);
	if (!d->v2) {
		ctr_snprintf(f, sizeof(f), "hugetlb.%s.max_usage_in_bytes", h->pagesize);
		h->max = cg_read_u64(d->dir, f);
		ctr_snprintf(f, sizeof(f), "hugetlb.%s.failcnt", h->pagesize);
		h->failcnt = cg_read_u64(d->dir, f);
	} else {
		ctr_snprintf(f, sizeof(f), "hugetlb.%s.events", h->pagesize);
		h->failcnt = cg_read_at(d->dir, f, ev, sizeof(ev)) ? 0 : cg_key(ev, "max");
	}
}

static void cg_stats_hugetlb(const struct cgroup *cg, struct ctr_stats *s)
{
	const struct cg_dir *d = cg_find(cg, CG_HUGETLB);
	DIR *dp = d ? opendir("/sys/kernel/mm/hugepages") : NULL;
	struct dirent *e;
	s->have_hugetlb = d != NULL;
	while (dp && (e = readdir(dp))) {
		char *end;
		if (strncmp(e->d_name, "hugepages-", 10) || (unsigned)(e->d_name[10] - '0') > 9)
			continue;
		unsigned long kb = str_toul(e->d_name + 10, &end);
		if (!strcmp(end, "kB"))
			cg_stats_hugetlb_size(d, kb, s);
	}
	if (dp)
		closedir(dp);
}

static void cgroup_stats_release(struct ctr_stats *s)
{
	free(s->cpu.percpu);
	free(s->cpu.percpu_kernel);
	free(s->cpu.percpu_user);
	free(s->memory.raw);
	free(s->blkio.bytes);
	free(s->blkio.ios);
	free(s->hugetlb);
	memset(s, 0, sizeof(*s));
}

static int cgroup_stats_read(const struct cgroup *cg, struct ctr_stats *s, struct ctr_error *err)
{
	memset(s, 0, sizeof(*s));
	if (cg->mode == CG_MODE_NONE)
		return cg_no_cgroup(cg, "read statistics", err);
	cg_stats_cpu(cg, s);
	cg_stats_memory(cg, s);
	const struct cg_dir *d = cg_find(cg, CG_PIDS);
	if (d) {
		uint64_t lim = cg_read_u64(d->dir, "pids.max");
		s->pids.have = 1;
		s->pids.current = cg_read_u64(d->dir, "pids.current");
		s->pids.limit = lim == UINT64_MAX ? 0 : lim;
	}
	cg_stats_blkio(cg, s);
	cg_stats_hugetlb(cg, s);
	return 0;
}

/* -- the writer: runc's layout, where a zero counter is left out (omitempty) -- */

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

static void cg_jarr(struct jw *w, const char *key, const uint64_t *v, size_t n)
{
	if (!n)
		return;
	jw_key(w, key);
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++)
		jw_uint(w, v[i]);
	jw_arr_end(w);
}

static void cg_jmem(struct jw *w, const char *key, const struct ctr_mem_entry *m)
{
	jw_key(w, key);
	jw_obj_begin(w);
	cg_jkv(w, "limit", m->limit);
	cg_jnz(w, "usage", m->usage);
	cg_jnz(w, "max", m->max);
	cg_jkv(w, "failcnt", m->failcnt);
	jw_obj_end(w);
}

static void cg_jblkio(struct jw *w, const char *key, const struct ctr_blkio_entry *v, size_t n)
{
	jw_key(w, key);
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++) {
		jw_obj_begin(w);
		cg_jnz(w, "major", v[i].major);
		cg_jnz(w, "minor", v[i].minor);
		jw_key(w, "op");
		jw_str(w, v[i].op);
		cg_jnz(w, "value", v[i].value);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void cg_stats_write_cpu(struct jw *w, const struct ctr_stats *s)
{
	jw_key(w, "cpu");
	jw_obj_begin(w);
	jw_key(w, "usage");
	jw_obj_begin(w);
	cg_jnz(w, "total", s->cpu.total);
	cg_jarr(w, "percpu", s->cpu.percpu, s->cpu.n_percpu);
	cg_jarr(w, "percpu_kernel", s->cpu.percpu_kernel, s->cpu.n_percpu_kernel);
	cg_jarr(w, "percpu_user", s->cpu.percpu_user, s->cpu.n_percpu_user);
	if (s->cpu.have_times) {
		cg_jkv(w, "kernel", s->cpu.kernel);
		cg_jkv(w, "user", s->cpu.user);
	}
	jw_obj_end(w);
	jw_key(w, "throttling");
	jw_obj_begin(w);
	cg_jnz(w, "periods", s->cpu.periods);
	cg_jnz(w, "throttledPeriods", s->cpu.throttled_periods);
	cg_jnz(w, "throttledTime", s->cpu.throttled_time);
	jw_obj_end(w);
	jw_obj_end(w);
}

static void cg_stats_write_memory(struct jw *w, const struct ctr_stats *s)
{
	jw_key(w, "memory");
	jw_obj_begin(w);
	if (s->memory.have) {
		cg_jnz(w, "cache", s->memory.cache);
		cg_jmem(w, "usage", &s->memory.usage);
		cg_jmem(w, "swap", &s->memory.swap);
		if (!s->memory.v2) {
			cg_jmem(w, "kernel", &s->memory.kernel);
			cg_jmem(w, "kernelTCP", &s->memory.kernel_tcp);
		}
		if (s->memory.n_raw) {
			jw_key(w, "raw");
			jw_obj_begin(w);
			for (size_t i = 0; i < s->memory.n_raw; i++)
				cg_jkv(w, s->memory.raw[i].key, s->memory.raw[i].value);
			jw_obj_end(w);
		}
		/* not in runc's format: the OOM kill counter */
		if (s->memory.have_oom_kill)
			cg_jkv(w, "oom_kill", s->memory.oom_kill);
	}
	jw_obj_end(w);
}

static void cgroup_stats_write(struct jw *w, const struct ctr_stats *s)
{
	jw_obj_begin(w);
	cg_stats_write_cpu(w, s);
	cg_stats_write_memory(w, s);
	jw_key(w, "pids");
	jw_obj_begin(w);
	cg_jnz(w, "current", s->pids.current);
	cg_jnz(w, "limit", s->pids.limit);
	jw_obj_end(w);
	jw_key(w, "blkio");
	jw_obj_begin(w);
	if (s->blkio.have_bytes)
		cg_jblkio(w, "ioServiceBytesRecursive", s->blkio.bytes, s->blkio.n_bytes);
	if (s->blkio.have_ios)
		cg_jblkio(w, "ioServicedRecursive", s->blkio.ios, s->blkio.n_ios);
	jw_obj_end(w);
	jw_key(w, "hugetlb");
	jw_obj_begin(w);
	for (size_t i = 0; i < s->n_hugetlb; i++) {
		jw_key(w, s->hugetlb[i].pagesize);
		jw_obj_begin(w);
		cg_jnz(w, "usage", s->hugetlb[i].usage);
		cg_jnz(w, "max", s->hugetlb[i].max);
		cg_jkv(w, "failcnt", s->hugetlb[i].failcnt);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	jw_obj_end(w);
}

/* runc's "data" object of a stats event. */
static int cgroup_stats(const struct cgroup *cg, struct jw *w, struct ctr_error *err)
{
	struct ctr_stats s;
	if (cgroup_stats_read(cg, &s, err) < 0)
		return -1;
	cgroup_stats_write(w, &s);
	cgroup_stats_release(&s);
	return 0;
}

/* ======================================================================
 * seccomp: linux.seccomp compiled to BPF (jump tree per architecture), install, notify
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

/*
 * Semantics (the reference is runc 1.1+ with libseccomp 2.5.4, checked by
 * tests/t_seccomp_diff.sh against libseccomp's own programs):
 *  - arches: the native one always, plus every listed arch this build knows (the native
 *    group: x86_64+x86+x32, aarch64+arm, mips o32/n32/n64 of one endianness, riscv64);
 *    other SCMP_ARCH_* names are accepted and ignored (their code could never run here).
 *    A program on an arch outside the set gets libseccomp's bad-arch action, KILL_THREAD
 *    (runc keeps libseccomp's default). On AUDIT_ARCH_X86_64 with x86_64 but not x32,
 *    numbers >= 0x40000000 (but -1) are a bad arch; with x32 only, numbers below it.
 *  - a name unknown on an arch is skipped for that arch; a rule whose action equals the
 *    default action is skipped; args naming one index twice become one rule per arg (runc);
 *    otherwise args are ANDed and rules ORed. The first unconditional rule of a syscall
 *    wins over every other rule of it (libseccomp); conditional rules are tried in profile
 *    order, the first match wins, or, when their actions differ, in libseccomp's order.
 *  - 64-bit args compare hi word then lo word (unsigned); on 32-bit ABIs (x86, x32, arm,
 *    mips o32/n32) only the lo word, with the value truncated, as libseccomp does.
 *    MASKED_EQ compares (arg & mask) == (value & mask).
 *  - not copied from libseccomp: on x86 (i386) it also turns socket and SysV IPC rules into
 *    socketcall/ipc rules on their first argument; we do not (name "socketcall"/"ipc").
 *    Overlapping conditional rules of one syscall with different actions can still decide
 *    differently (libseccomp refuses some such sets, and on aarch64/riscv64 2.5.4 drops
 *    some of them).
 *  - runc's -ENOSYS stub: unless the default action is ALLOW, LOG or TRACE, a number
 *    above the highest one named in the profile for a listed arch returns ERRNO(ENOSYS),
 *    so that libc falls back (clone3 -> clone, openat2 -> openat ...).
 * Code: per AUDIT_ARCH value, the syscall number space is cut into intervals of equal
 * outcome and searched with a balanced jge tree; returns are shared while in reach.
 */

#ifdef CTR_LIBSECCOMP
#include <seccomp.h>
#endif
#include <linux/filter.h>
#include <linux/seccomp.h>

#ifndef SECCOMP_SET_MODE_FILTER
#define SECCOMP_SET_MODE_FILTER 1
#endif
#ifndef SECCOMP_GET_ACTION_AVAIL
#define SECCOMP_GET_ACTION_AVAIL 2
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC
#define SECCOMP_FILTER_FLAG_TSYNC (1UL << 0)
#endif
#ifndef SECCOMP_FILTER_FLAG_LOG
#define SECCOMP_FILTER_FLAG_LOG (1UL << 1)
#endif
#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif
#ifndef SECCOMP_RET_KILL_THREAD
#define SECCOMP_RET_KILL_THREAD 0x00000000U
#endif
#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif
#ifndef SECCOMP_RET_LOG
#define SECCOMP_RET_LOG 0x7ffc0000U
#endif
#define SC_RET_ERRNO 0x00050000U
#define SC_RET_TRAP 0x00030000U
#define SC_RET_TRACE 0x7ff00000U
#define SC_RET_ALLOW 0x7fff0000U
#define SC_X32_BIT 0x40000000U

/* Which arch groups this build carries tables for (tests ask for all of them). */
#if defined(CTR_SECCOMP_ALL_ARCHES)
#define SC_GROUP_X86 1
#define SC_GROUP_ARM 1
#define SC_GROUP_MIPS 1
#define SC_GROUP_RISCV 1
#else
#if defined(__x86_64__) || defined(__i386__)
#define SC_GROUP_X86 1
#elif defined(__aarch64__) || defined(__arm__)
#define SC_GROUP_ARM 1
#elif defined(__mips__)
#define SC_GROUP_MIPS 1
#elif defined(__riscv) && __riscv_xlen == 64
#define SC_GROUP_RISCV 1
#endif
#endif
#ifndef SC_GROUP_X86
#define SC_GROUP_X86 0
#endif
#ifndef SC_GROUP_ARM
#define SC_GROUP_ARM 0
#endif
#ifndef SC_GROUP_MIPS
#define SC_GROUP_MIPS 0
#endif
#ifndef SC_GROUP_RISCV
#define SC_GROUP_RISCV 0
#endif

/* BEGIN GENERATED SYSCALL TABLES (boards/gen-syscalls.sh; do not edit by hand) */
#define SC_NNAMES 494
#define SC_BLOCK 16
static const char sc_names[] =
	"\000_llseek\001newselect\001sysctl\000accept\0064\004ss\003t\001dd_key\002jtimex\001fs_syscall"
	"\001larm\001rch_prctl\002m_fadvise64_64\004sync_file_range\000bdflush\001ind\000bpf"
	"\001reak\005point\002k\000cachectl\005flush\005stat\002pget\003set\001hdir\002mod"
	"\002own\00532\002root\001lock_adjtime\01564\000clock_getres\014_time64\011time\01564"
	"\006nanosleep\017_time64\006settime\01564\003ne\0053\003se\005_range\001onnect\002py_file_range"
	"\001reat\005e_module\000delete_module\001up\0032\0033\000epoll_create\0141\007tl\011_old"
	"\006pwait\0132\006wait\012_old\001ventfd\0072\001xecve\006at\000exit\004_group\000faccessat"
	"\0112\002dvise64\011_64\002llocate\002notify_init\011mark\001chdir\003mod\006at\0102"
	"\003own\00632\006at\000fcntl\00564\001datasync\001getxattr\001init_module\001listxattr"
	"\002ock\001ork\001removexattr\001sconfig\002etxattr\002mount\002open\002pick\002tat"
	"\00564\000fstatat64\005fs\00764\002ync\001time\002runcate\01164\001utex\005_requeue"
	"\006time64\006wait\012v\010ke\003imesat\000get_kernel_syms\004mempolicy\000get_robust_list"
	"\004thread_area\005ls\003cpu\004wd\003dents\01064\003egid\00732\004uid\00732\003gid"
	"\00632\004roups\01132\003itimer\000getpeername\004gid\005rp\004id\004msg\004pid\004riority"
	"\003random\004esgid\01132\006uid\01132\004limit\004usage\003sid\004ockname\000getsockopt"
	"\003tid\005meofday\003uid\00632\003xattr\010at\001tty\000idle\001nit_module\002otify_add_watch"
	"\010init\0141\010rm_watch\001o_cancel\003destroy\000io_getevents\003pgetevents\015_time64"
	"\003setup\004ubmit\003uring_enter\011register\011setup\002ctl\002perm\003l\003rio_get"
	"\007set\001pc\000kcmp\001exec_file_load\000kexec_load\002yctl\001ill\000landlock_add_rule"
	"\011create_ruleset\011restrict_self\001chown\00632\001getxattr\001ink\004at\002sten"
	"\004mount\004xattr\011at\001listxattr\000lock\002okup_dcookie\001removexattr\001seek"
	"\003txattr\002m_get_self_attr\004list_modules\004set_self_attr\002tat\00564\000madvise"
	"\002p_shadow_stack\001bind\001embarrier\003fd_create\006secret\000migrate_pages\002ncore"
	"\001kdir\005at\002nod\005at\001lock\0052\005all\001map\0042\001odify_ldt\002unt\005_setattr"
	"\002ve_mount\005pages\000mprotect\002x\001q_getsetattr\003notify\003open\003timedreceive"
	"\017_time64\010send\014_time64\003unlink\001remap\001seal\002gctl\003get\003rcv\003snd"
	"\000msync\001unlock\007all\003map\000name_to_handle_at\002nosleep\001ewfstatat\001fsservctl"
	"\001ice\000oldfstat\003lstat\003olduname\003stat\003uname\001pen\004_by_handle_at"
	"\000open_tree\004at\0062\000pause\001ciconfig_iobase\012read\012write\001erf_event_open"
	"\003sonality\001idfd_getfd\006open\006send_signal\002pe\0042\002vot_root\001key_alloc"
	"\000pkey_free\005mprotect\001oll\001poll\005_time64\001rctl\002ead64\005v\0062\002limit64"
	"\002ocess_madvise\011release\010vm_readv\013writev\003f\004il\000pselect6\010_time64"
	"\001trace\001utpmsg\001write64\006v\0072\000query_module\002otactl\010_fd\000read"
	"\004ahead\004dir\004link\010at\004v\000reboot\002cv\004from\004mmsg\010_time64\005sg"
	"\002map_file_pages\003ovexattr\013at\002name\006at\0102\002quest_key\002served177"
	"\01193\010221\000reserved82\003tart_syscall\001iscv_flush_icache\001mdir\001seq\001t_sigaction"
	"\006pending\007rocmask\006queueinfo\006return\006suspend\006timedwait\017_time64\003tgsigqueueinfo"
	"\000sched_get_priority_max\024in\000sched_getaffinity\012ttr\011param\011scheduler"
	"\006rr_get_interval\025_time64\006setaffinity\012ttr\011param\011scheduler\006yield"
	"\001eccomp\003urity\002lect\002mctl\003get\000semop\003timedop\012_time64\002nd\004file"
	"\01064\004mmsg\005sg\004to\002t_mempolicy\015_home_node\004robust_list\004thread_area"
	"\005id_address\005ls\003domainname\000setfsgid\01032\005uid\01032\003gid\00632\004roups"
	"\01132\003hostname\003itimer\003ns\003pgid\004riority\003regid\01032\005sgid\000setresgid32"
	"\006uid\01132\005uid\01032\004limit\003sid\004ockopt\003timeofday\003uid\00632\003xattr"
	"\010at\001getmask\001hmat\003ctl\000shmdt\003get\002utdown\001igaction\004ltstack"
	"\003nal\006fd\0104\003pending\004rocmask\003return\003suspend\001ocket\006call\006pair"
	"\001plice\000ssetmask\001tat\00464\004fs\00664\004mount\004x\002ime\002ty\001wapoff"
	"\005n\001ymlink\007at\002nc\004_file_range\0172\000syncfs\002scall\003fs\003info\003log"
	"\003mips\000tee\001gkill\001ime\004r_create\006delete\006getoverrun\011time\01564"
	"\006settime\01564\000timerfd\007_create\010gettime\01764\010settime\01764\004s\001kill"
	"\001runcate\01064\001uxcall\000ugetrlimit\001limit\001mask\002ount\0062\000uname\002link"
	"\006at\002share\002used109\00750\0078\00628\00659\00684\001selib\003rfaultfd\002r26"
	"\00332\002tat\001time\000utimensat\011_time64\005s\000vfork\001hangup\001m86\004old"
	"\002splice\001server\000wait4\004id\004pid\001rite\005v"
	;
static const uint16_t sc_name_blk[(SC_NNAMES + SC_BLOCK - 1) / SC_BLOCK] = {
	0, 122, 205, 313, 393, 479, 587, 687, 772, 857, 965, 1082, 1204, 1351, 1441, 1546,
	1670, 1794, 1896, 1987, 2082, 2245, 2372, 2488, 2569, 2655, 2751, 2824, 2914, 3006, 3079,
};
#if SC_GROUP_X86
static const uint16_t sc_nr_x86_64[SC_NNAMES] = {
	65535, 65535, 156, 43, 288, 21, 163, 248, 159, 183, 37, 158, 65535, 65535, 65535, 49,
	321, 65535, 65535, 12, 65535, 65535, 451, 125, 126, 80, 90, 92, 65535, 161, 305, 65535,
	229, 65535, 228, 65535, 230, 65535, 227, 65535, 56, 435, 3, 436, 42, 326, 85, 174,
	176, 32, 33, 292, 213, 291, 233, 214, 281, 441, 232, 215, 284, 290, 59, 322,
	60, 231, 269, 439, 221, 65535, 285, 300, 301, 81, 91, 268, 452, 93, 65535, 260,
	72, 65535, 75, 193, 313, 196, 73, 57, 199, 431, 190, 432, 430, 433, 5, 65535,
	65535, 138, 65535, 74, 65535, 77, 65535, 202, 456, 65535, 455, 449, 454, 261, 177, 239,
	274, 211, 65535, 309, 79, 78, 217, 108, 65535, 107, 65535, 104, 65535, 115, 65535, 36,
	52, 121, 111, 39, 181, 110, 140, 318, 120, 65535, 118, 65535, 97, 98, 124, 51,
	55, 186, 96, 102, 65535, 191, 464, 65535, 65535, 175, 254, 253, 294, 255, 210, 207,
	208, 333, 65535, 206, 209, 426, 427, 425, 16, 173, 172, 252, 251, 65535, 312, 320,
	246, 250, 62, 445, 444, 446, 94, 65535, 192, 86, 265, 50, 458, 194, 465, 195,
	65535, 212, 198, 8, 189, 459, 461, 460, 6, 65535, 28, 453, 237, 324, 319, 447,
	256, 27, 83, 258, 133, 259, 149, 325, 151, 9, 65535, 154, 165, 442, 429, 279,
	10, 65535, 245, 244, 240, 243, 65535, 242, 65535, 241, 25, 462, 71, 68, 70, 69,
	26, 150, 152, 11, 303, 35, 262, 180, 65535, 65535, 65535, 65535, 65535, 65535, 2, 304,
	428, 257, 437, 34, 65535, 65535, 65535, 298, 135, 438, 434, 424, 22, 293, 155, 330,
	331, 329, 7, 271, 65535, 157, 17, 295, 327, 302, 440, 448, 310, 311, 65535, 65535,
	270, 65535, 101, 182, 18, 296, 328, 178, 179, 443, 0, 187, 65535, 89, 267, 19,
	169, 65535, 45, 299, 65535, 47, 216, 197, 466, 82, 264, 316, 249, 65535, 65535, 65535,
	65535, 219, 65535, 84, 334, 13, 127, 14, 129, 15, 130, 128, 65535, 297, 146, 147,
	204, 315, 143, 145, 148, 65535, 203, 314, 142, 144, 24, 317, 185, 23, 66, 64,
	65, 220, 65535, 65535, 40, 65535, 307, 46, 44, 238, 450, 273, 205, 218, 65535, 171,
	123, 65535, 122, 65535, 106, 65535, 116, 65535, 170, 38, 308, 109, 141, 114, 65535, 119,
	65535, 117, 65535, 113, 65535, 160, 112, 54, 164, 105, 65535, 188, 463, 65535, 30, 31,
	67, 29, 48, 65535, 131, 65535, 282, 289, 65535, 65535, 65535, 65535, 41, 65535, 53, 275,
	65535, 4, 65535, 137, 65535, 457, 332, 65535, 65535, 168, 167, 88, 266, 162, 277, 65535,
	306, 65535, 139, 99, 103, 65535, 276, 234, 201, 222, 226, 225, 224, 65535, 223, 65535,
	65535, 283, 287, 65535, 286, 65535, 100, 200, 76, 65535, 184, 65535, 65535, 95, 65535, 166,
	63, 87, 263, 272, 65535, 65535, 65535, 65535, 65535, 65535, 134, 323, 65535, 65535, 136, 132,
	280, 65535, 235, 58, 153, 65535, 65535, 278, 236, 61, 247, 65535, 1, 20,
};
#endif
#if SC_GROUP_X86
static const uint16_t sc_nr_i386[SC_NNAMES] = {
	140, 142, 149, 65535, 364, 33, 51, 286, 124, 137, 27, 384, 65535, 65535, 134, 361,
	357, 17, 65535, 45, 65535, 65535, 451, 184, 185, 12, 15, 182, 212, 61, 343, 405,
	266, 406, 265, 403, 267, 407, 264, 404, 120, 435, 6, 436, 362, 377, 8, 127,
	129, 41, 63, 330, 254, 329, 255, 65535, 319, 441, 256, 65535, 323, 328, 11, 358,
	1, 252, 307, 439, 250, 272, 324, 338, 339, 133, 94, 306, 452, 95, 207, 298,
	55, 221, 148, 231, 350, 234, 143, 2, 237, 431, 228, 432, 430, 433, 108, 197,
	300, 100, 269, 118, 35, 93, 194, 240, 456, 422, 455, 449, 454, 299, 130, 275,
	312, 244, 65535, 318, 183, 141, 220, 50, 202, 49, 201, 47, 200, 80, 205, 105,
	368, 132, 65, 20, 188, 64, 96, 355, 171, 211, 165, 209, 76, 77, 147, 367,
	365, 224, 78, 24, 199, 229, 464, 32, 112, 128, 292, 291, 332, 293, 249, 246,
	247, 385, 416, 245, 248, 426, 427, 425, 54, 101, 110, 290, 289, 117, 349, 65535,
	283, 288, 37, 445, 444, 446, 16, 198, 230, 9, 303, 363, 458, 232, 465, 233,
	53, 253, 236, 19, 227, 459, 461, 460, 107, 196, 219, 453, 274, 375, 356, 447,
	294, 218, 39, 296, 14, 297, 150, 376, 152, 90, 192, 123, 21, 442, 429, 317,
	125, 56, 282, 281, 277, 280, 419, 279, 418, 278, 163, 462, 402, 399, 401, 400,
	144, 151, 153, 91, 341, 162, 65535, 169, 34, 28, 84, 59, 18, 109, 5, 342,
	428, 295, 437, 29, 65535, 65535, 65535, 336, 136, 438, 434, 424, 42, 331, 217, 381,
	382, 380, 168, 309, 414, 172, 180, 333, 378, 340, 440, 448, 347, 348, 44, 98,
	308, 413, 26, 189, 181, 334, 379, 167, 131, 443, 3, 225, 89, 85, 305, 145,
	88, 65535, 371, 337, 417, 372, 257, 235, 466, 38, 302, 353, 287, 65535, 65535, 65535,
	65535, 0, 65535, 40, 386, 174, 176, 175, 178, 173, 179, 177, 421, 335, 159, 160,
	242, 352, 155, 157, 161, 423, 241, 351, 154, 156, 158, 354, 65535, 82, 394, 393,
	65535, 65535, 420, 65535, 187, 239, 345, 370, 369, 276, 450, 311, 243, 258, 65535, 121,
	139, 216, 138, 215, 46, 214, 81, 206, 74, 104, 346, 57, 97, 71, 204, 170,
	210, 164, 208, 70, 203, 75, 66, 366, 79, 23, 213, 226, 463, 68, 397, 396,
	398, 395, 373, 67, 186, 48, 321, 327, 73, 126, 119, 72, 359, 102, 360, 313,
	69, 106, 195, 99, 268, 457, 383, 25, 31, 115, 87, 83, 304, 36, 314, 65535,
	344, 65535, 135, 116, 103, 65535, 315, 270, 13, 259, 263, 262, 261, 408, 260, 409,
	65535, 322, 326, 410, 325, 411, 43, 238, 92, 193, 65535, 191, 58, 60, 22, 52,
	122, 10, 301, 310, 65535, 65535, 65535, 65535, 65535, 65535, 86, 374, 65535, 65535, 62, 30,
	320, 412, 271, 190, 111, 166, 113, 316, 273, 114, 284, 7, 4, 146,
};
#endif
#if SC_GROUP_X86
static const uint16_t sc_x32_diff[][2] = {
	{2, 65535}, {47, 65535}, {55, 65535}, {59, 65535}, {62, 520}, {63, 545}, {110, 65535}, {112, 531},
	{113, 65535}, {144, 542}, {163, 543}, {164, 544}, {168, 514}, {176, 528}, {203, 65535}, {223, 533},
	{227, 527}, {247, 65535}, {279, 534}, {280, 546}, {284, 539}, {285, 540}, {290, 521}, {293, 535},
	{294, 547}, {295, 65535}, {303, 515}, {306, 517}, {307, 537}, {309, 519}, {325, 512}, {326, 522},
	{328, 524}, {329, 513}, {331, 523}, {333, 536}, {358, 538}, {359, 518}, {363, 530}, {364, 65535},
	{391, 541}, {404, 525}, {441, 526}, {474, 65535}, {487, 532}, {488, 65535}, {490, 529}, {493, 516},
};
#endif
#if SC_GROUP_ARM
static const uint16_t sc_nr_arm[SC_NNAMES] = {
	140, 142, 149, 285, 366, 33, 51, 309, 124, 65535, 65535, 65535, 270, 341, 134, 282,
	386, 65535, 61441, 45, 65535, 61442, 451, 184, 185, 12, 15, 182, 212, 61, 372, 405,
	264, 406, 263, 403, 265, 407, 262, 404, 120, 435, 6, 436, 283, 391, 8, 65535,
	129, 41, 63, 358, 250, 357, 251, 65535, 346, 441, 252, 65535, 351, 356, 11, 387,
	1, 248, 334, 439, 65535, 65535, 352, 367, 368, 133, 94, 333, 452, 95, 207, 325,
	55, 221, 148, 231, 379, 234, 143, 2, 237, 431, 228, 432, 430, 433, 108, 197,
	327, 100, 267, 118, 65535, 93, 194, 240, 456, 422, 455, 449, 454, 326, 65535, 320,
	339, 65535, 61446, 345, 183, 141, 217, 50, 202, 49, 201, 47, 200, 80, 205, 105,
	287, 132, 65, 20, 65535, 64, 96, 384, 171, 211, 165, 209, 65535, 77, 147, 286,
	295, 224, 78, 24, 199, 229, 464, 65535, 65535, 128, 317, 316, 360, 318, 247, 244,
	245, 399, 416, 243, 246, 426, 427, 425, 54, 65535, 65535, 315, 314, 65535, 378, 401,
	347, 311, 37, 445, 444, 446, 16, 198, 230, 9, 330, 284, 458, 232, 465, 233,
	65535, 249, 236, 19, 227, 459, 461, 460, 107, 196, 220, 453, 319, 389, 385, 65535,
	400, 219, 39, 323, 14, 324, 150, 390, 152, 65535, 192, 65535, 21, 442, 429, 344,
	125, 65535, 279, 278, 274, 277, 419, 276, 418, 275, 163, 462, 304, 303, 302, 301,
	144, 151, 153, 91, 370, 162, 65535, 169, 34, 65535, 65535, 65535, 65535, 65535, 5, 371,
	428, 322, 437, 29, 271, 272, 273, 364, 136, 438, 434, 424, 42, 359, 218, 395,
	396, 394, 168, 336, 414, 172, 180, 361, 392, 369, 440, 448, 376, 377, 65535, 65535,
	335, 413, 26, 65535, 181, 362, 393, 65535, 131, 443, 3, 225, 65535, 85, 332, 145,
	88, 291, 292, 365, 417, 297, 253, 235, 466, 38, 329, 382, 310, 65535, 65535, 65535,
	65535, 0, 65535, 40, 398, 174, 176, 175, 178, 173, 179, 177, 421, 363, 159, 160,
	242, 381, 155, 157, 161, 423, 241, 380, 154, 156, 158, 383, 65535, 65535, 300, 299,
	298, 312, 420, 289, 187, 239, 374, 296, 290, 321, 450, 338, 65535, 256, 61445, 121,
	139, 216, 138, 215, 46, 214, 81, 206, 74, 104, 375, 57, 97, 71, 204, 170,
	210, 164, 208, 70, 203, 75, 66, 294, 79, 23, 213, 226, 463, 65535, 305, 308,
	306, 307, 293, 67, 186, 65535, 349, 355, 73, 126, 119, 72, 281, 65535, 288, 340,
	65535, 106, 195, 99, 266, 457, 397, 65535, 65535, 115, 87, 83, 331, 36, 65535, 341,
	373, 65535, 135, 116, 103, 65535, 342, 268, 65535, 257, 261, 260, 259, 408, 258, 409,
	65535, 350, 354, 410, 353, 411, 43, 238, 92, 193, 65535, 191, 65535, 60, 65535, 52,
	122, 10, 328, 337, 65535, 65535, 65535, 65535, 65535, 65535, 86, 388, 61443, 61444, 62, 65535,
	348, 412, 269, 190, 111, 65535, 65535, 343, 313, 114, 280, 65535, 4, 146,
};
#endif
#if SC_GROUP_ARM
static const uint16_t sc_nr_aarch64[SC_NNAMES] = {
	65535, 65535, 65535, 202, 242, 65535, 89, 217, 171, 65535, 65535, 65535, 65535, 65535, 65535, 200,
	280, 65535, 65535, 214, 65535, 65535, 451, 90, 91, 49, 65535, 65535, 65535, 51, 266, 65535,
	114, 65535, 113, 65535, 115, 65535, 112, 65535, 220, 435, 57, 436, 203, 285, 65535, 65535,
	106, 23, 65535, 24, 65535, 20, 21, 65535, 22, 441, 65535, 65535, 65535, 19, 221, 281,
	93, 94, 48, 439, 223, 65535, 47, 262, 263, 50, 52, 53, 452, 55, 65535, 54,
	25, 65535, 83, 10, 273, 13, 32, 65535, 16, 431, 7, 432, 430, 433, 80, 65535,
	65535, 44, 65535, 82, 65535, 46, 65535, 98, 456, 65535, 455, 449, 454, 65535, 65535, 236,
	100, 65535, 65535, 168, 17, 65535, 61, 177, 65535, 175, 65535, 176, 65535, 158, 65535, 102,
	205, 155, 65535, 172, 65535, 173, 141, 278, 150, 65535, 148, 65535, 163, 165, 156, 204,
	209, 178, 169, 174, 65535, 8, 464, 65535, 65535, 105, 27, 65535, 26, 28, 3, 1,
	4, 292, 65535, 0, 2, 426, 427, 425, 29, 65535, 65535, 31, 30, 65535, 272, 294,
	104, 219, 129, 445, 444, 446, 65535, 65535, 9, 65535, 37, 201, 458, 11, 465, 12,
	65535, 18, 15, 62, 6, 459, 461, 460, 65535, 65535, 233, 453, 235, 283, 279, 447,
	238, 232, 65535, 34, 65535, 33, 228, 284, 230, 222, 65535, 65535, 40, 442, 429, 239,
	226, 65535, 185, 184, 180, 183, 65535, 182, 65535, 181, 216, 462, 187, 186, 188, 189,
	227, 229, 231, 215, 264, 101, 79, 42, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 265,
	428, 56, 437, 65535, 65535, 65535, 65535, 241, 92, 438, 434, 424, 65535, 59, 41, 289,
	290, 288, 65535, 73, 65535, 167, 67, 69, 286, 261, 440, 448, 270, 271, 65535, 65535,
	72, 65535, 117, 65535, 68, 70, 287, 65535, 60, 443, 63, 213, 65535, 65535, 78, 65,
	142, 65535, 207, 243, 65535, 212, 234, 14, 466, 65535, 38, 276, 218, 65535, 65535, 65535,
	65535, 128, 65535, 65535, 293, 134, 136, 135, 138, 139, 133, 137, 65535, 240, 125, 126,
	123, 275, 121, 120, 127, 65535, 122, 274, 118, 119, 124, 277, 65535, 65535, 191, 190,
	193, 192, 65535, 65535, 71, 65535, 269, 211, 206, 237, 450, 99, 65535, 96, 65535, 162,
	152, 65535, 151, 65535, 144, 65535, 159, 65535, 161, 103, 268, 154, 140, 143, 65535, 149,
	65535, 147, 65535, 145, 65535, 164, 157, 208, 170, 146, 65535, 5, 463, 65535, 196, 195,
	197, 194, 210, 65535, 132, 65535, 65535, 74, 65535, 65535, 65535, 65535, 198, 65535, 199, 76,
	65535, 65535, 65535, 43, 65535, 457, 291, 65535, 65535, 225, 224, 65535, 36, 81, 84, 65535,
	267, 65535, 65535, 179, 116, 65535, 77, 131, 65535, 107, 111, 109, 108, 65535, 110, 65535,
	65535, 85, 87, 65535, 86, 65535, 153, 130, 45, 65535, 65535, 65535, 65535, 166, 65535, 39,
	160, 65535, 35, 97, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 282, 65535, 65535, 65535, 65535,
	88, 65535, 65535, 65535, 58, 65535, 65535, 75, 65535, 260, 95, 65535, 64, 66,
};
#endif
#if SC_GROUP_MIPS
static const uint16_t sc_nr_mips_o32[SC_NNAMES] = {
	4140, 4142, 4153, 4168, 4334, 4033, 4051, 4280, 4124, 4137, 4027, 65535, 65535, 65535, 4134, 4169,
	4355, 4017, 65535, 4045, 4148, 4147, 4451, 4204, 4205, 4012, 4015, 4202, 65535, 4061, 4341, 4405,
	4264, 4406, 4263, 4403, 4265, 4407, 4262, 4404, 4120, 4435, 4006, 4436, 4170, 4360, 4008, 4127,
	4129, 4041, 4063, 4327, 4248, 4326, 4249, 65535, 4313, 4441, 4250, 65535, 4319, 4325, 4011, 4356,
	4001, 4246, 4300, 4439, 4254, 65535, 4320, 4336, 4337, 4133, 4094, 4299, 4452, 4095, 65535, 4291,
	4055, 4220, 4152, 4229, 4348, 4232, 4143, 4002, 4235, 4431, 4226, 4432, 4430, 4433, 4108, 4215,
	4293, 4100, 4256, 4118, 4035, 4093, 4212, 4238, 4456, 4422, 4455, 4449, 4454, 4292, 4130, 4269,
	4310, 65535, 65535, 4312, 4203, 4141, 4219, 4050, 65535, 4049, 65535, 4047, 65535, 4080, 65535, 4105,
	4171, 4132, 4065, 4020, 4208, 4064, 4096, 4353, 4191, 65535, 4186, 65535, 4076, 4077, 4151, 4172,
	4173, 4222, 4078, 4024, 65535, 4227, 4464, 4032, 4112, 4128, 4285, 4284, 4329, 4286, 4245, 4242,
	4243, 4368, 4416, 4241, 4244, 4426, 4427, 4425, 4054, 4101, 4110, 4315, 4314, 4117, 4347, 65535,
	4311, 4282, 4037, 4445, 4444, 4446, 4016, 65535, 4228, 4009, 4296, 4174, 4458, 4230, 4465, 4231,
	4053, 4247, 4234, 4019, 4225, 4459, 4461, 4460, 4107, 4214, 4218, 4453, 4268, 4358, 4354, 65535,
	4287, 4217, 4039, 4289, 4014, 4290, 4154, 4359, 4156, 4090, 4210, 4123, 4021, 4442, 4429, 4308,
	4125, 4056, 4276, 4275, 4271, 4274, 4419, 4273, 4418, 4272, 4167, 4462, 4402, 4399, 4401, 4400,
	4144, 4155, 4157, 4091, 4339, 4166, 65535, 4189, 4034, 65535, 65535, 65535, 65535, 65535, 4005, 4340,
	4428, 4288, 4437, 4029, 65535, 65535, 65535, 4333, 4136, 4438, 4434, 4424, 4042, 4328, 4216, 4364,
	4365, 4363, 4188, 4302, 4414, 4192, 4200, 4330, 4361, 4338, 4440, 4448, 4345, 4346, 4044, 4098,
	4301, 4413, 4026, 4209, 4201, 4331, 4362, 4187, 4131, 4443, 4003, 4223, 4089, 4085, 4298, 4145,
	4088, 4175, 4176, 4335, 4417, 4177, 4251, 4233, 4466, 4038, 4295, 4351, 4281, 65535, 65535, 4221,
	4082, 4253, 65535, 4040, 4367, 4194, 4196, 4195, 4198, 4193, 4199, 4197, 4421, 4332, 4163, 4164,
	4240, 4350, 4159, 4161, 4165, 4423, 4239, 4349, 4158, 4160, 4162, 4352, 65535, 65535, 4394, 4393,
	65535, 65535, 4420, 4178, 4207, 4237, 4343, 4179, 4180, 4270, 4450, 4309, 4283, 4252, 65535, 4121,
	4139, 65535, 4138, 65535, 4046, 65535, 4081, 65535, 4074, 4104, 4344, 4057, 4097, 4071, 65535, 4190,
	65535, 4185, 65535, 4070, 65535, 4075, 4066, 4181, 4079, 4023, 65535, 4224, 4463, 4068, 4397, 4396,
	4398, 4395, 4182, 4067, 4206, 4048, 4317, 4324, 4073, 4126, 4119, 4072, 4183, 4102, 4184, 4304,
	4069, 4106, 4213, 4099, 4255, 4457, 4366, 4025, 4031, 4115, 4087, 4083, 4297, 4036, 4305, 65535,
	4342, 4000, 4135, 4116, 4103, 4149, 4306, 4266, 4013, 4257, 4261, 4260, 4259, 4408, 4258, 4409,
	4318, 4321, 4322, 4410, 4323, 4411, 4043, 4236, 4092, 4211, 65535, 65535, 4058, 4060, 4022, 4052,
	4122, 4010, 4294, 4303, 4109, 4150, 4018, 4028, 4059, 4084, 4086, 4357, 65535, 65535, 4062, 4030,
	4316, 4412, 4267, 65535, 4111, 4113, 65535, 4307, 4277, 4114, 4278, 4007, 4004, 4146,
};
#endif
#if SC_GROUP_MIPS
static const uint16_t sc_nr_mips_n32[SC_NNAMES] = {
	65535, 6022, 6152, 6042, 6297, 6020, 6158, 6243, 6154, 6176, 6037, 65535, 65535, 65535, 65535, 6048,
	6319, 65535, 65535, 6012, 6198, 6197, 6451, 6123, 6124, 6078, 6088, 6090, 65535, 6156, 6305, 6405,
	6227, 6406, 6226, 6403, 6228, 6407, 6225, 6404, 6055, 6435, 6003, 6436, 6041, 6324, 6083, 6167,
	6169, 6031, 6032, 6290, 6207, 6289, 6208, 65535, 6276, 6441, 6209, 65535, 6282, 6288, 6057, 6320,
	6058, 6205, 6263, 6439, 6216, 65535, 6283, 6300, 6301, 6079, 6089, 6262, 6452, 6091, 65535, 6254,
	6070, 6212, 6073, 6185, 6312, 6188, 6071, 6056, 6191, 6431, 6182, 6432, 6430, 6433, 6005, 65535,
	65535, 6135, 6218, 6072, 65535, 6075, 65535, 6194, 6456, 6422, 6455, 6449, 6454, 6255, 6170, 6232,
	6273, 65535, 65535, 6275, 6077, 6076, 6299, 6106, 65535, 6105, 65535, 6102, 65535, 6113, 65535, 6035,
	6051, 6119, 6109, 6038, 6174, 6108, 6137, 6317, 6118, 65535, 6116, 65535, 6095, 6096, 6122, 6050,
	6054, 6178, 6094, 6100, 65535, 6183, 6464, 65535, 65535, 6168, 6248, 6247, 6292, 6249, 6204, 6201,
	6202, 6332, 6416, 6200, 6203, 6426, 6427, 6425, 6015, 65535, 65535, 6278, 6277, 65535, 6311, 65535,
	6274, 6245, 6060, 6445, 6444, 6446, 6092, 65535, 6184, 6084, 6259, 6049, 6458, 6186, 6465, 6187,
	65535, 6206, 6190, 6008, 6181, 6459, 6461, 6460, 6006, 65535, 6027, 6453, 6231, 6322, 6318, 65535,
	6250, 6026, 6081, 6252, 6131, 6253, 6146, 6323, 6148, 6009, 65535, 65535, 6160, 6442, 6429, 6271,
	6010, 65535, 6239, 6238, 6234, 6237, 6419, 6236, 6418, 6235, 6024, 6462, 6069, 6066, 6068, 6067,
	6025, 6147, 6149, 6011, 6303, 6034, 6256, 6173, 65535, 65535, 65535, 65535, 65535, 65535, 6002, 6304,
	6428, 6251, 6437, 6033, 65535, 65535, 65535, 6296, 6132, 6438, 6434, 6424, 6021, 6291, 6151, 6328,
	6329, 6327, 6007, 6265, 6414, 6153, 6016, 6293, 6325, 6302, 6440, 6448, 6309, 6310, 65535, 65535,
	6264, 6413, 6099, 6175, 6017, 6294, 6326, 6171, 6172, 6443, 6000, 6179, 65535, 6087, 6261, 6018,
	6164, 65535, 6044, 6298, 6417, 6046, 6210, 6189, 6466, 6080, 6258, 6315, 6244, 6177, 6193, 65535,
	65535, 6214, 65535, 6082, 6331, 6013, 6125, 6014, 6127, 6211, 6128, 6126, 6421, 6295, 6143, 6144,
	6196, 6314, 6140, 6142, 6145, 6423, 6195, 6313, 6139, 6141, 6023, 6316, 65535, 65535, 6064, 6062,
	6063, 6215, 6420, 65535, 6039, 6219, 6307, 6045, 6043, 6233, 6450, 6272, 6246, 6213, 65535, 6166,
	6121, 65535, 6120, 65535, 6104, 65535, 6114, 65535, 6165, 6036, 6308, 6107, 6138, 6112, 65535, 6117,
	65535, 6115, 65535, 6111, 65535, 6155, 6110, 6053, 6159, 6103, 65535, 6180, 6463, 65535, 6029, 6030,
	6065, 6028, 6047, 65535, 6129, 65535, 6280, 6287, 65535, 65535, 65535, 65535, 6040, 65535, 6052, 6267,
	65535, 6004, 65535, 6134, 6217, 6457, 6330, 65535, 65535, 6163, 6162, 6086, 6260, 6157, 6268, 65535,
	6306, 65535, 6136, 6097, 6101, 6199, 6269, 6229, 65535, 6220, 6224, 6223, 6222, 6408, 6221, 6409,
	6281, 6284, 6285, 6410, 6286, 6411, 6098, 6192, 6074, 65535, 65535, 65535, 65535, 6093, 65535, 6161,
	6061, 6085, 6257, 6266, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 6321, 65535, 65535, 6133, 6130,
	6279, 6412, 6230, 65535, 6150, 65535, 65535, 6270, 6240, 6059, 6241, 65535, 6001, 6019,
};
#endif
#if SC_GROUP_MIPS
static const uint16_t sc_nr_mips_n64[SC_NNAMES] = {
	65535, 5022, 5152, 5042, 5293, 5020, 5158, 5239, 5154, 5176, 5037, 65535, 65535, 65535, 65535, 5048,
	5315, 65535, 65535, 5012, 5198, 5197, 5451, 5123, 5124, 5078, 5088, 5090, 65535, 5156, 5300, 65535,
	5223, 65535, 5222, 65535, 5224, 65535, 5221, 65535, 5055, 5435, 5003, 5436, 5041, 5320, 5083, 5167,
	5169, 5031, 5032, 5286, 5207, 5285, 5208, 65535, 5272, 5441, 5209, 65535, 5278, 5284, 5057, 5316,
	5058, 5205, 5259, 5439, 5215, 65535, 5279, 5295, 5296, 5079, 5089, 5258, 5452, 5091, 65535, 5250,
	5070, 65535, 5073, 5185, 5307, 5188, 5071, 5056, 5191, 5431, 5182, 5432, 5430, 5433, 5005, 65535,
	65535, 5135, 65535, 5072, 65535, 5075, 65535, 5194, 5456, 65535, 5455, 5449, 5454, 5251, 5170, 5228,
	5269, 65535, 65535, 5271, 5077, 5076, 5308, 5106, 65535, 5105, 65535, 5102, 65535, 5113, 65535, 5035,
	5051, 5119, 5109, 5038, 5174, 5108, 5137, 5313, 5118, 65535, 5116, 65535, 5095, 5096, 5122, 5050,
	5054, 5178, 5094, 5100, 65535, 5183, 5464, 65535, 65535, 5168, 5244, 5243, 5288, 5245, 5204, 5201,
	5202, 5328, 65535, 5200, 5203, 5426, 5427, 5425, 5015, 65535, 65535, 5274, 5273, 65535, 5306, 65535,
	5270, 5241, 5060, 5445, 5444, 5446, 5092, 65535, 5184, 5084, 5255, 5049, 5458, 5186, 5465, 5187,
	65535, 5206, 5190, 5008, 5181, 5459, 5461, 5460, 5006, 65535, 5027, 5453, 5227, 5318, 5314, 65535,
	5246, 5026, 5081, 5248, 5131, 5249, 5146, 5319, 5148, 5009, 65535, 65535, 5160, 5442, 5429, 5267,
	5010, 65535, 5235, 5234, 5230, 5233, 65535, 5232, 65535, 5231, 5024, 5462, 5069, 5066, 5068, 5067,
	5025, 5147, 5149, 5011, 5298, 5034, 5252, 5173, 65535, 65535, 65535, 65535, 65535, 65535, 5002, 5299,
	5428, 5247, 5437, 5033, 65535, 65535, 65535, 5292, 5132, 5438, 5434, 5424, 5021, 5287, 5151, 5324,
	5325, 5323, 5007, 5261, 65535, 5153, 5016, 5289, 5321, 5297, 5440, 5448, 5304, 5305, 65535, 65535,
	5260, 65535, 5099, 5175, 5017, 5290, 5322, 5171, 5172, 5443, 5000, 5179, 65535, 5087, 5257, 5018,
	5164, 65535, 5044, 5294, 65535, 5046, 5210, 5189, 5466, 5080, 5254, 5311, 5240, 5177, 5193, 65535,
	65535, 5213, 65535, 5082, 5327, 5013, 5125, 5014, 5127, 5211, 5128, 5126, 65535, 5291, 5143, 5144,
	5196, 5310, 5140, 5142, 5145, 65535, 5195, 5309, 5139, 5141, 5023, 5312, 65535, 65535, 5064, 5062,
	5063, 5214, 65535, 65535, 5039, 65535, 5302, 5045, 5043, 5229, 5450, 5268, 5242, 5212, 65535, 5166,
	5121, 65535, 5120, 65535, 5104, 65535, 5114, 65535, 5165, 5036, 5303, 5107, 5138, 5112, 65535, 5117,
	65535, 5115, 65535, 5111, 65535, 5155, 5110, 5053, 5159, 5103, 65535, 5180, 5463, 65535, 5029, 5030,
	5065, 5028, 5047, 65535, 5129, 65535, 5276, 5283, 65535, 65535, 65535, 65535, 5040, 65535, 5052, 5263,
	65535, 5004, 65535, 5134, 65535, 5457, 5326, 65535, 65535, 5163, 5162, 5086, 5256, 5157, 5264, 65535,
	5301, 65535, 5136, 5097, 5101, 5199, 5265, 5225, 65535, 5216, 5220, 5219, 5218, 65535, 5217, 65535,
	5277, 5280, 5281, 65535, 5282, 65535, 5098, 5192, 5074, 65535, 65535, 65535, 65535, 5093, 65535, 5161,
	5061, 5085, 5253, 5262, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 5317, 65535, 65535, 5133, 5130,
	5275, 65535, 5226, 65535, 5150, 65535, 65535, 5266, 5236, 5059, 5237, 65535, 5001, 5019,
};
#endif
#if SC_GROUP_RISCV
static const uint16_t sc_nr_riscv64[SC_NNAMES] = {
	65535, 65535, 65535, 202, 242, 65535, 89, 217, 171, 65535, 65535, 65535, 65535, 65535, 65535, 200,
	280, 65535, 65535, 214, 65535, 65535, 451, 90, 91, 49, 65535, 65535, 65535, 51, 266, 65535,
	114, 65535, 113, 65535, 115, 65535, 112, 65535, 220, 435, 57, 436, 203, 285, 65535, 65535,
	106, 23, 65535, 24, 65535, 20, 21, 65535, 22, 441, 65535, 65535, 65535, 19, 221, 281,
	93, 94, 48, 439, 223, 65535, 47, 262, 263, 50, 52, 53, 452, 55, 65535, 54,
	25, 65535, 83, 10, 273, 13, 32, 65535, 16, 431, 7, 432, 430, 433, 80, 65535,
	65535, 44, 65535, 82, 65535, 46, 65535, 98, 456, 65535, 455, 449, 454, 65535, 65535, 236,
	100, 65535, 65535, 168, 17, 65535, 61, 177, 65535, 175, 65535, 176, 65535, 158, 65535, 102,
	205, 155, 65535, 172, 65535, 173, 141, 278, 150, 65535, 148, 65535, 163, 165, 156, 204,
	209, 178, 169, 174, 65535, 8, 464, 65535, 65535, 105, 27, 65535, 26, 28, 3, 1,
	4, 292, 65535, 0, 2, 426, 427, 425, 29, 65535, 65535, 31, 30, 65535, 272, 294,
	104, 219, 129, 445, 444, 446, 65535, 65535, 9, 65535, 37, 201, 458, 11, 465, 12,
	65535, 18, 15, 62, 6, 459, 461, 460, 65535, 65535, 233, 453, 235, 283, 279, 447,
	238, 232, 65535, 34, 65535, 33, 228, 284, 230, 222, 65535, 65535, 40, 442, 429, 239,
	226, 65535, 185, 184, 180, 183, 65535, 182, 65535, 181, 216, 462, 187, 186, 188, 189,
	227, 229, 231, 215, 264, 101, 79, 42, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 265,
	428, 56, 437, 65535, 65535, 65535, 65535, 241, 92, 438, 434, 424, 65535, 59, 41, 289,
	290, 288, 65535, 73, 65535, 167, 67, 69, 286, 261, 440, 448, 270, 271, 65535, 65535,
	72, 65535, 117, 65535, 68, 70, 287, 65535, 60, 443, 63, 213, 65535, 65535, 78, 65,
	142, 65535, 207, 243, 65535, 212, 234, 14, 466, 65535, 65535, 276, 218, 65535, 65535, 65535,
	65535, 128, 259, 65535, 293, 134, 136, 135, 138, 139, 133, 137, 65535, 240, 125, 126,
	123, 275, 121, 120, 127, 65535, 122, 274, 118, 119, 124, 277, 65535, 65535, 191, 190,
	193, 192, 65535, 65535, 71, 65535, 269, 211, 206, 237, 450, 99, 65535, 96, 65535, 162,
	152, 65535, 151, 65535, 144, 65535, 159, 65535, 161, 103, 268, 154, 140, 143, 65535, 149,
	65535, 147, 65535, 145, 65535, 164, 157, 208, 170, 146, 65535, 5, 463, 65535, 196, 195,
	197, 194, 210, 65535, 132, 65535, 65535, 74, 65535, 65535, 65535, 65535, 198, 65535, 199, 76,
	65535, 65535, 65535, 43, 65535, 457, 291, 65535, 65535, 225, 224, 65535, 36, 81, 84, 65535,
	267, 65535, 65535, 179, 116, 65535, 77, 131, 65535, 107, 111, 109, 108, 65535, 110, 65535,
	65535, 85, 87, 65535, 86, 65535, 153, 130, 45, 65535, 65535, 65535, 65535, 166, 65535, 39,
	160, 65535, 35, 97, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 282, 65535, 65535, 65535, 65535,
	88, 65535, 65535, 65535, 58, 65535, 65535, 75, 65535, 260, 95, 65535, 64, 66,
};
#endif
/* END GENERATED SYSCALL TABLES */

struct sc_arch {
	char name[12];           /* SCMP_ARCH_<name> */
	uint32_t audit;          /* AUDIT_ARCH_* */
	const uint16_t *nrs;     /* per sc_names entry */
	uint32_t base;           /* added to every number (x32) */
	bool arg32;              /* 32-bit ABI: compare the lo word only */
	bool big_endian;
};

static const struct sc_arch sc_arches[] = {
#if SC_GROUP_X86
	{"X86_64", 0xc000003eU, sc_nr_x86_64, 0, false, false},
	{"X86", 0x40000003U, sc_nr_i386, 0, true, false},
	{"X32", 0xc000003eU, sc_nr_x86_64, SC_X32_BIT, true, false}, /* and sc_x32_diff */
#endif
#if SC_GROUP_ARM
	{"AARCH64", 0xc00000b7U, sc_nr_aarch64, 0, false, false},
	{"ARM", 0x40000028U, sc_nr_arm, 0, true, false},
#endif
#if SC_GROUP_MIPS
#if defined(__MIPSEL__) || defined(CTR_SECCOMP_ALL_ARCHES)
	{"MIPSEL", 0x40000008U, sc_nr_mips_o32, 0, true, false},
	{"MIPSEL64", 0xc0000008U, sc_nr_mips_n64, 0, false, false},
	{"MIPSEL64N32", 0xe0000008U, sc_nr_mips_n32, 0, true, false},
#endif
#if !defined(__MIPSEL__) || defined(CTR_SECCOMP_ALL_ARCHES)
	{"MIPS", 0x00000008U, sc_nr_mips_o32, 0, true, true},
	{"MIPS64", 0x80000008U, sc_nr_mips_n64, 0, false, true},
	{"MIPS64N32", 0xa0000008U, sc_nr_mips_n32, 0, true, true},
#endif
#endif
#if SC_GROUP_RISCV
	{"RISCV64", 0xc00000f3U, sc_nr_riscv64, 0, false, false},
#endif
};

/* Arch names libseccomp knows that no build of ours runs on: accepted, ignored. */
static const char sc_foreign_arches[] =
	" X86 X86_64 X32 ARM AARCH64 MIPS MIPS64 MIPS64N32 MIPSEL MIPSEL64 MIPSEL64N32 RISCV64"
	" PPC PPC64 PPC64LE S390 S390X PARISC PARISC64 LOONGARCH64 M68K SH SHEB ";

static const char *sc_native_arch_name(void)
{
#if defined(__x86_64__) && defined(__ILP32__)
	return "X32";
#elif defined(__x86_64__)
	return "X86_64";
#elif defined(__i386__)
	return "X86";
#elif defined(__aarch64__)
	return "AARCH64";
#elif defined(__arm__)
	return "ARM";
#elif defined(__mips__) && defined(__MIPSEL__) && _MIPS_SIM == _ABI64
	return "MIPSEL64";
#elif defined(__mips__) && defined(__MIPSEL__) && _MIPS_SIM == _ABIN32
	return "MIPSEL64N32";
#elif defined(__mips__) && defined(__MIPSEL__)
	return "MIPSEL";
#elif defined(__mips__) && _MIPS_SIM == _ABI64
	return "MIPS64";
#elif defined(__mips__) && _MIPS_SIM == _ABIN32
	return "MIPS64N32";
#elif defined(__mips__)
	return "MIPS";
#elif defined(__riscv) && __riscv_xlen == 64
	return "RISCV64";
#else
	return "";
#endif
}

static const struct sc_arch *sc_arch_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(sc_arches); i++)
		if (strcmp(sc_arches[i].name, name) == 0)
			return &sc_arches[i];
	return NULL;
}

/* The name at p in sc_names into cur (which holds the name before it); the next one. */
static const char *sc_name_next(const char *p, char cur[40])
{
	size_t k = (unsigned char)*p++;
	while ((unsigned char)*p >= '0')
		cur[k++] = *p++;
	cur[k] = 0;
	return p;
}

/* The number of a syscall on an arch, or -1 if the arch lacks it: the last block whose
 * first name is not above name, then its names in order. */
static int64_t sc_syscall_nr(const struct sc_arch *a, const char *name)
{
	char cur[40];
	size_t lo = 0, hi = ARRAY_LEN(sc_name_blk);
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		sc_name_next(sc_names + sc_name_blk[mid], cur);
		if (strcmp(name, cur) < 0)
			hi = mid;
		else
			lo = mid;
	}
	const char *p = sc_names + sc_name_blk[lo];
	for (size_t i = lo * SC_BLOCK; i < SC_NNAMES && i < (lo + 1) * SC_BLOCK; i++) {
		p = sc_name_next(p, cur);
		int c = strcmp(name, cur);
		if (c < 0)
			break;
		if (c == 0) {
			uint32_t v = a->nrs[i];
#if SC_GROUP_X86
			for (size_t k = 0; a->base == SC_X32_BIT && k < ARRAY_LEN(sc_x32_diff); k++)
				if (sc_x32_diff[k][0] == i)
					v = sc_x32_diff[k][1];
#endif
			if (v == 0xffff)
				return -1;
			if (v >= 0xf000)
				v = 0xf0000 + (v - 0xf000); /* ARM private calls */
			return (int64_t)(v + a->base);
		}
	}
	return -1;
}

/* The BPF return value of an action; errno_ret applies to ERRNO and TRACE. */
static int sc_action_ret(enum sc_action act, const struct opt_u32 *errno_ret, uint32_t *ret,
			 struct ctr_error *err)
{
	uint32_t data = errno_ret->set ? errno_ret->v : EPERM; /* runc: EPERM for both */
	if ((act == SC_ACT_ERRNO || act == SC_ACT_TRACE) && data > 0xffff)
		return err_set(err, 0, "errnoRet %u is out of range (0-65535)", data);
	switch (act) {
	case SC_ACT_KILL_THREAD: *ret = SECCOMP_RET_KILL_THREAD; break;
	case SC_ACT_KILL_PROCESS: *ret = SECCOMP_RET_KILL_PROCESS; break;
	case SC_ACT_TRAP: *ret = SC_RET_TRAP; break;
	case SC_ACT_ERRNO: *ret = SC_RET_ERRNO | data; break;
	case SC_ACT_TRACE: *ret = SC_RET_TRACE | data; break;
	case SC_ACT_ALLOW: *ret = SC_RET_ALLOW; break;
	case SC_ACT_LOG: *ret = SECCOMP_RET_LOG; break;
	case SC_ACT_NOTIFY: *ret = SECCOMP_RET_USER_NOTIF; break;
	default: return err_set(err, 0, "unknown action %d", (int)act);
	}
	return 0;
}

static const struct { const char *name; unsigned long flag; } sc_flag_names[] = {
	{"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
	{"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
	{"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
	{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

struct sc_filter {
	struct sock_filter *prog;
	unsigned short len;
	unsigned long flags;         /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
	uint32_t actions;            /* bit per enum sc_action used, for the kernel check */
};

static void seccomp_filter_free(struct sc_filter *f)
{
	if (!f)
		return;
	free(f->prog);
	free(f);
}

/* Profile-level checks and flags shared by both generators. */
static int sc_prepare(const struct spec_seccomp *sc, struct sc_filter *f, uint32_t *def_ret,
		      struct ctr_error *err)
{
	if (sc_action_ret(sc->default_action, &sc->default_errno_ret, def_ret, err) < 0)
		return err_prefix(err, "linux.seccomp.defaultAction");
	if (sc->default_action == SC_ACT_NOTIFY)
		return err_set(err, 0, "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
	f->actions = 1u << sc->default_action;
	for (size_t i = 0; i < sc->n_flags; i++) {
		size_t k = 0;
		while (k < ARRAY_LEN(sc_flag_names) && strcmp(sc_flag_names[k].name, sc->flags[i]))
			k++;
		if (k == ARRAY_LEN(sc_flag_names))
			return err_set(err, 0, "linux.seccomp.flags: unknown flag \"%s\"", sc->flags[i]);
		f->flags |= sc_flag_names[k].flag;
	}
	for (size_t i = 0; i < sc->n_syscalls; i++) {
		const struct spec_seccomp_rule *r = &sc->syscalls[i];
		uint32_t ret;
		if (sc_action_ret(r->action, &r->errno_ret, &ret, err) < 0)
			return err_prefix(err, "linux.seccomp.syscalls[%zu]", i);
		f->actions |= 1u << r->action;
		for (size_t k = 0; k < r->n_args; k++)
			if (r->args[k].index > 5)
				return err_set(err, 0, "linux.seccomp.syscalls[%zu].args[%zu].index: %u is not 0-5",
					       i, k, r->args[k].index);
		if (r->action == SC_ACT_NOTIFY) {
			/* runc refuses write; we hand the listener over with sendmsg */
			for (size_t k = 0; k < r->n_names; k++)
				if (!strcmp(r->names[k], "write") || !strcmp(r->names[k], "sendmsg"))
					return err_set(err, 0, "linux.seccomp.syscalls[%zu]: SCMP_ACT_NOTIFY cannot be used for %s (the runtime needs it to hand the listener over)",
						       i, r->names[k]);
			f->flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
		}
	}
	if (f->flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV &&
	    !(f->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER))
		return err_set(err, 0, "linux.seccomp.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a SCMP_ACT_NOTIFY rule");
	if ((f->flags & SECCOMP_FILTER_FLAG_TSYNC) && (f->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER))
		f->flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	return 0;
}

/* ---- the generator: syscall number intervals searched by a jge tree ---- */

/* The arches a profile asks for: the native one first, then listed ones, grouped
 * into lanes by AUDIT_ARCH value (x86_64 and x32 share one). */
struct sc_member {
	const struct sc_arch *arch;
	bool listed;                 /* named in architectures: gets the -ENOSYS stub */
	int64_t max_nr;              /* highest number named in the profile, -1 if none */
};

struct sc_lane {
	uint32_t audit;
	struct sc_member m[2];
	size_t n;
};

/* A rule attached to one syscall number; args is the AND list (n_args == 0: always). */
struct sc_entry {
	uint32_t nr;
	uint32_t seq;                /* profile order */
	uint32_t ret;
	bool arg32, big_endian;
	const struct spec_seccomp_arg *args;
	size_t n_args;
};

/* One interval [start, next start) of the number space with one outcome: a return
 * value, or (block) the rules of the single syscall `start`. */
struct sc_interval {
	uint32_t start;
	bool block;
	uint32_t ret;
	size_t first, count;         /* entries of the block */
};

/* The program is built back to front: ins[0] is the last instruction, and an
 * instruction's position is its distance from the end. */
struct sc_prog {
	struct sock_filter *ins;
	size_t n, cap;
	bool failed;
	uint32_t ret_k[16];          /* recently emitted returns, for sharing */
	size_t ret_pos[16];
	unsigned ret_next;
};

/* A jump target: a position, or "return k" (placed or shared when the jump is made). */
struct sc_target {
	bool is_ret;
	uint32_t k;
	size_t pos;
};

static size_t sc_emit(struct sc_prog *p, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		struct sock_filter *ni = realloc(p->ins, cap * sizeof(*ni));
		if (!ni) {
			p->failed = true;
			return p->n ? p->n - 1 : 0;
		}
		p->ins = ni;
		p->cap = cap;
	}
	p->ins[p->n] = (struct sock_filter){code, jt, jf, k};
	return p->n++;
}

static size_t sc_emit_ret(struct sc_prog *p, uint32_t k)
{
	size_t pos = sc_emit(p, BPF_RET | BPF_K, k, 0, 0);
	p->ret_k[p->ret_next % 16] = k;
	p->ret_pos[p->ret_next % 16] = pos;
	p->ret_next++;
	return pos;
}

static struct sc_target sc_ret(uint32_t k)
{
	return (struct sc_target){.is_ret = true, .k = k};
}

static struct sc_target sc_at(size_t pos)
{
	return (struct sc_target){.pos = pos};
}

/* A position reachable by a conditional jump emitted next (offset <= 255). */
static size_t sc_reach(struct sc_prog *p, struct sc_target t)
{
	if (t.is_ret) {
		size_t best = SIZE_MAX;
		for (unsigned i = 0; i < 16 && i < p->ret_next; i++)
			if (p->ret_k[i] == t.k && p->n - p->ret_pos[i] - 1 <= 255 &&
			    (best == SIZE_MAX || p->ret_pos[i] > best))
				best = p->ret_pos[i];
		return best != SIZE_MAX ? best : sc_emit_ret(p, t.k);
	}
	if (p->n - t.pos - 1 <= 255)
		return t.pos;
	return sc_emit(p, BPF_JMP | BPF_JA, (uint32_t)(p->n - t.pos - 1), 0, 0);
}

/* Emit "if (A <op> k) goto tt else goto tf"; returns its position. */
static size_t sc_jump(struct sc_prog *p, uint16_t op, uint32_t k, struct sc_target tt,
		      struct sc_target tf)
{
	size_t a, b;
	for (;;) { /* placing one target's trampoline may push the other out of reach */
		a = sc_reach(p, tt);
		b = sc_reach(p, tf);
		if (p->n - a - 1 <= 255 && p->n - b - 1 <= 255)
			break;
		tt = sc_at(a);
		tf = sc_at(b);
	}
	return sc_emit(p, BPF_JMP | op | BPF_K, k, (uint8_t)(p->n - a - 1), (uint8_t)(p->n - b - 1));
}

static size_t sc_load(struct sc_prog *p, uint32_t off)
{
	return sc_emit(p, BPF_LD | BPF_W | BPF_ABS, off, 0, 0);
}

/* Materialise a target as a position (a return is placed if needed). */
static size_t sc_place(struct sc_prog *p, struct sc_target t)
{
	if (t.is_ret)
		return sc_emit_ret(p, t.k);
	return t.pos;
}

/* One 32-bit word test: A = word at off, masked; on (A op k) goto tt else tf.
 * op is BPF_JEQ/JGT/JGE; swap targets for the negations. */
static struct sc_target sc_word(struct sc_prog *p, uint32_t off, uint32_t mask, uint16_t op,
				uint32_t k, struct sc_target tt, struct sc_target tf)
{
	sc_jump(p, op, k, tt, tf);
	if (mask != 0xffffffffU)
		sc_emit(p, BPF_ALU | BPF_AND | BPF_K, mask, 0, 0);
	return sc_at(sc_load(p, off));
}

/* Code for one argument condition: goto tt when it holds, else tf. */
static struct sc_target sc_cond(struct sc_prog *p, const struct sc_entry *e,
				const struct spec_seccomp_arg *a, struct sc_target tt,
				struct sc_target tf)
{
	uint32_t off = 16 + 8 * a->index;
	uint32_t lo_off = off + (e->big_endian ? 4 : 0), hi_off = off + (e->big_endian ? 0 : 4);
	uint64_t v = a->value;
	uint32_t vl = (uint32_t)v, vh = (uint32_t)(v >> 32);
	uint16_t op;
	bool neg = false;
	switch (a->op) {
	case SC_OP_EQ: op = BPF_JEQ; break;
	case SC_OP_NE: op = BPF_JEQ; neg = true; break;
	case SC_OP_GT: op = BPF_JGT; break;
	case SC_OP_LE: op = BPF_JGT; neg = true; break;
	case SC_OP_GE: op = BPF_JGE; break;
	case SC_OP_LT: op = BPF_JGE; neg = true; break;
	case SC_OP_MASKED_EQ: {
		uint64_t m = a->value, d = a->value_two & m;
		struct sc_target t = sc_word(p, lo_off, (uint32_t)m, BPF_JEQ, (uint32_t)d, tt, tf);
		if (e->arg32 || (uint32_t)(m >> 32) == 0)
			return t; /* the hi word cannot matter */
		return sc_word(p, hi_off, (uint32_t)(m >> 32), BPF_JEQ, (uint32_t)(d >> 32), t, tf);
	}
	default:
		return tf;
	}
	if (neg) {
		struct sc_target x = tt;
		tt = tf;
		tf = x;
	}
	/* now: goto tt when (arg op v) holds */
	struct sc_target lo = sc_word(p, lo_off, 0xffffffffU, op, vl, tt, tf);
	if (e->arg32)
		return lo;
	if (op == BPF_JEQ)
		return sc_word(p, hi_off, 0xffffffffU, BPF_JEQ, vh, lo, tf);
	/* hi > vh: holds; hi == vh: decided by lo; hi < vh: fails */
	size_t eq = sc_jump(p, BPF_JEQ, vh, lo, tf);
	return sc_word(p, hi_off, 0xffffffffU, BPF_JGT, vh, tt, sc_at(eq));
}

/* The rules of one syscall, in order; the first whose args all hold decides. */
static struct sc_target sc_block(struct sc_prog *p, const struct sc_entry *e, size_t n,
				 uint32_t fallback)
{
	struct sc_target next = sc_ret(fallback);
	for (size_t i = n; i-- > 0;) {
		struct sc_target t = sc_ret(e[i].ret);
		for (size_t k = e[i].n_args; k-- > 0;)
			t = sc_cond(p, &e[i], &e[i].args[k], t, next);
		next = sc_at(sc_place(p, t));
	}
	return next;
}

/* What a number gets before any rule: runc's -ENOSYS stub, then libseccomp's arch
 * checks (bad arch), else the default action. */
static uint32_t sc_lane_base(const struct sc_lane *l, uint32_t nr, uint32_t def_ret,
			     bool enosys)
{
	const struct sc_member *x86 = NULL, *x32 = NULL;
	bool split = l->audit == 0xc000003eU;
	for (size_t i = 0; i < l->n; i++) {
		if (split && l->m[i].arch->base)
			x32 = &l->m[i];
		else
			x86 = &l->m[i];
	}
	if (enosys) {
		const struct sc_member *m = split && (nr & SC_X32_BIT) ? x32 : x86;
		if (!split)
			m = &l->m[0];
		if (m && m->listed && m->max_nr > 0 && nr > (uint64_t)m->max_nr)
			return SC_RET_ERRNO | ENOSYS;
	}
	if (split && x86 && !x32 && nr >= SC_X32_BIT && nr != 0xffffffffU)
		return SECCOMP_RET_KILL_THREAD;
	if (split && x32 && !x86 && nr < SC_X32_BIT)
		return SECCOMP_RET_KILL_THREAD;
	return def_ret;
}

static int sc_entry_cmp(const void *a, const void *b)
{
	const struct sc_entry *x = a, *y = b;
	if (x->nr != y->nr)
		return x->nr < y->nr ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Conditional rules of one syscall with different actions are tried in the order of
 * libseccomp's tree: by their lowest argument's index, then value, both descending
 * (ties keep profile order). */
static int sc_entry_lib_cmp(const void *a, const void *b)
{
	const struct sc_entry *x = a, *y = b;
	const struct spec_seccomp_arg *p = &x->args[0], *q = &y->args[0];
	for (size_t i = 1; i < x->n_args; i++)
		if (x->args[i].index < p->index)
			p = &x->args[i];
	for (size_t i = 1; i < y->n_args; i++)
		if (y->args[i].index < q->index)
			q = &y->args[i];
	uint64_t pv = p->op == SC_OP_MASKED_EQ ? p->value_two & p->value : p->value;
	uint64_t qv = q->op == SC_OP_MASKED_EQ ? q->value_two & q->value : q->value;
	if (x->arg32) {
		pv = (uint32_t)pv;
		qv = (uint32_t)qv;
	}
	if (p->index != q->index)
		return p->index > q->index ? -1 : 1;
	if (pv != qv)
		return pv > qv ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int sc_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Collect the rules of every member of a lane (sorted by number) and the members'
 * highest numbers. */
static int sc_lane_entries(const struct spec_seccomp *sc, struct sc_lane *l, uint32_t def_ret,
			   struct sc_entry **out, size_t *n_out, struct ctr_error *err)
{
	size_t cap = 0, n = 0;
	for (size_t i = 0; i < sc->n_syscalls; i++)
		cap += sc->syscalls[i].n_names * (sc->syscalls[i].n_args + 1);
	cap *= l->n;
	struct sc_entry *e = mem_array(cap ? cap : 1, sizeof(*e), err);
	if (!e)
		return -1;
	uint32_t seq = 0;
	for (size_t mi = 0; mi < l->n; mi++) {
		struct sc_member *m = &l->m[mi];
		m->max_nr = -1;
		for (size_t i = 0; i < sc->n_syscalls; i++) {
			const struct spec_seccomp_rule *r = &sc->syscalls[i];
			uint32_t ret;
			sc_action_ret(r->action, &r->errno_ret, &ret, NULL);
			/* runc: the same arg index twice makes one rule per arg (ORed) */
			bool split = false;
			for (size_t a = 0; a < r->n_args; a++)
				for (size_t b = 0; b < a; b++)
					if (r->args[a].index == r->args[b].index)
						split = true;
			for (size_t k = 0; k < r->n_names; k++) {
				int64_t nr = sc_syscall_nr(m->arch, r->names[k]);
				if (nr < 0)
					continue;
				if (nr > m->max_nr)
					m->max_nr = nr;
				if (ret == def_ret)
					continue;
				struct sc_entry t = {.nr = (uint32_t)nr, .ret = ret,
						     .arg32 = m->arch->arg32,
						     .big_endian = m->arch->big_endian,
						     .args = r->args, .n_args = r->n_args};
				if (!split) {
					t.seq = seq++;
					e[n++] = t;
					continue;
				}
				for (size_t a = 0; a < r->n_args; a++) {
					t.seq = seq++;
					t.args = &r->args[a];
					t.n_args = 1;
					e[n++] = t;
				}
			}
		}
	}
	sort_array(e, n, sizeof(*e), sc_entry_cmp);
	*out = e;
	*n_out = n;
	return 0;
}

#define SC_CONT 0xffffffffU /* interval marker: go on into the appended program */

static struct sc_target sc_leaf(struct sc_prog *p, const struct sc_interval *iv,
				const struct sc_entry *entries, uint32_t def_ret,
				const struct sc_target *cont)
{
	if (iv->block)
		return sc_block(p, entries + iv->first, iv->count, def_ret);
	if (iv->ret == SC_CONT && cont)
		return *cont;
	return sc_ret(iv->ret);
}

static struct sc_target sc_tree(struct sc_prog *p, const struct sc_interval *iv, size_t lo,
				size_t hi, const struct sc_entry *entries, uint32_t def_ret,
				const struct sc_target *cont)
{
	if (lo == hi)
		return sc_leaf(p, &iv[lo], entries, def_ret, cont);
	size_t mid = (lo + hi + 1) / 2;
	struct sc_target right = sc_tree(p, iv, mid, hi, entries, def_ret, cont);
	struct sc_target left = sc_tree(p, iv, lo, mid - 1, entries, def_ret, cont);
	return sc_at(sc_jump(p, BPF_JGE, iv[mid].start, right, left));
}

/* Emit one lane: "A = nr" and the search tree; *entry is where the lane starts.
 * With cont (the stub before libseccomp's program) only -ENOSYS is decided here. */
static int sc_lane_emit(struct sc_prog *p, const struct spec_seccomp *sc, struct sc_lane *l,
			uint32_t def_ret, bool enosys, const struct sc_target *cont,
			struct sc_target *entry, struct ctr_error *err)
{
	struct sc_entry *e AUTO_FREE = NULL;
	size_t n_e = 0;
	if (sc_lane_entries(sc, l, def_ret, &e, &n_e, err) < 0)
		return -1;
	if (cont)
		n_e = 0;
	/* breakpoints where the base outcome may change */
	uint32_t bp[8];
	size_t n_bp = 0;
	bp[n_bp++] = 0;
	if (l->audit == 0xc000003eU) {
		bp[n_bp++] = SC_X32_BIT;
		bp[n_bp++] = 2 * SC_X32_BIT;
		bp[n_bp++] = 3 * SC_X32_BIT;
		bp[n_bp++] = 0xffffffffU;
	}
	for (size_t i = 0; i < l->n; i++)
		if (l->m[i].max_nr >= 0 && l->m[i].max_nr < 0xffffffff)
			bp[n_bp++] = (uint32_t)l->m[i].max_nr + 1;
	sort_array(bp, n_bp, sizeof(bp[0]), sc_u32_cmp);
	/* intervals: the base ranges with the syscalls that have rules cut in */
	struct sc_interval *iv AUTO_FREE = mem_array(n_bp + 2 * n_e + 2, sizeof(*iv), err);
	if (!iv)
		return -1;
	size_t n_iv = 0, ei = 0;
	for (size_t b = 0; b < n_bp; b++) {
		if (b && bp[b] == bp[b - 1])
			continue;
		uint64_t end = b + 1 < n_bp ? bp[b + 1] : 0x100000000ULL;
		uint32_t base = sc_lane_base(l, bp[b], def_ret, enosys);
		if (cont && base != (SC_RET_ERRNO | ENOSYS))
			base = SC_CONT;
		for (uint64_t at = bp[b]; at < end;) {
			struct sc_interval x = {.start = (uint32_t)at, .ret = base};
			if (ei < n_e && e[ei].nr == at) {
				size_t first = ei;
				x.block = true;
				for (; ei < n_e && e[ei].nr == at; ei++) {
					if (x.block && e[ei].n_args == 0) {
						x.block = false; /* the first unconditional rule wins */
						x.ret = e[ei].ret;
					}
				}
				x.first = first;
				x.count = ei - first;
				bool mixed = false;
				for (size_t k = first + 1; k < ei; k++)
					mixed |= e[k].ret != e[first].ret;
				if (x.block && mixed)
					sort_array(e + first, x.count, sizeof(*e), sc_entry_lib_cmp);
				at++;
			} else {
				at = ei < n_e && e[ei].nr < end ? e[ei].nr : end;
			}
			if (n_iv && !x.block && !iv[n_iv - 1].block && iv[n_iv - 1].ret == x.ret)
				continue; /* same outcome as the interval before */
			iv[n_iv++] = x;
		}
	}
	struct sc_target t = sc_tree(p, iv, 0, n_iv - 1, e, def_ret, cont);
	if (t.is_ret || n_iv == 1) {
		*entry = t; /* one outcome for every number: no need to load it */
		return 0;
	}
	*entry = sc_at(sc_load(p, 0));
	return 0;
}

/* Compile for a given native arch (tests target foreign ones). cont: NULL, or a program
 * to run after the -ENOSYS stub instead of our own rules (the libseccomp build). */
static int sc_compile_native(const struct spec_seccomp *sc, const struct sc_arch *native,
			     const struct sock_filter *cont, size_t n_cont, struct sc_filter **out,
			     struct ctr_error *err)
{
	struct sc_filter *f = mem_alloc(sizeof(*f), err);
	if (!f)
		return -1;
	uint32_t def_ret;
	struct sc_lane lanes[16];
	size_t n_lanes = 0;
	struct sc_prog p = {0};
	if (sc_prepare(sc, f, &def_ret, err) < 0)
		goto fail;
	if (!native) {
		err_set(err, 0, "seccomp is not supported on this architecture");
		goto fail;
	}
	/* members: native first, then the listed ones */
	for (size_t i = 0; i <= sc->n_architectures; i++) {
		const struct sc_arch *a = native;
		bool listed = false;
		if (i > 0) {
			const char *name = sc->architectures[i - 1];
			if (!str_has_prefix(name, "SCMP_ARCH_")) {
				err_set(err, 0, "linux.seccomp.architectures: unknown architecture \"%s\"", name);
				goto fail;
			}
			name += strlen("SCMP_ARCH_");
			if (strcmp(name, "NATIVE") == 0)
				name = native->name;
			a = sc_arch_find(name);
			if (!a) {
				char pat[32];
				ctr_snprintf(pat, sizeof(pat), " %s ", name);
				if (strlen(name) > 20 || !str_find(sc_foreign_arches, pat)) {
					err_set(err, 0, "linux.seccomp.architectures: unknown architecture \"%s\"",
						sc->architectures[i - 1]);
					goto fail;
				}
				continue; /* an arch this build never runs */
			}
			listed = true;
		}
		size_t li = 0;
		while (li < n_lanes && lanes[li].audit != a->audit)
			li++;
		if (li == n_lanes) {
			lanes[n_lanes++] = (struct sc_lane){.audit = a->audit};
		}
		size_t mi = 0;
		while (mi < lanes[li].n && lanes[li].m[mi].arch != a)
			mi++;
		if (mi == lanes[li].n)
			lanes[li].m[lanes[li].n++] = (struct sc_member){.arch = a};
		lanes[li].m[mi].listed |= listed;
	}
	bool enosys = sc->default_action != SC_ACT_ALLOW && sc->default_action != SC_ACT_LOG &&
		      sc->default_action != SC_ACT_TRACE;
	/* back to front: appended program, lanes (last first), bad arch, arch dispatch */
	struct sc_target cont_t = {0};
	if (cont) {
		for (size_t i = n_cont; i-- > 0;)
			sc_emit(&p, cont[i].code, cont[i].k, cont[i].jt, cont[i].jf);
		cont_t = sc_at(p.n - 1);
	}
	struct sc_target entry[16];
	for (size_t i = n_lanes; i-- > 0;)
		if (sc_lane_emit(&p, sc, &lanes[i], def_ret, enosys, cont ? &cont_t : NULL,
				 &entry[i], err) < 0)
			goto fail;
	struct sc_target next = cont ? cont_t : sc_ret(SECCOMP_RET_KILL_THREAD);
	for (size_t i = n_lanes; i-- > 0;)
		next = sc_at(sc_jump(&p, BPF_JEQ, lanes[i].audit, entry[i], next));
	sc_load(&p, 4);
	if (p.failed) {
		err_nomem(err);
		goto fail;
	}
	if (p.n > BPF_MAXINSNS) {
		err_set(err, 0, "the seccomp profile needs %zu BPF instructions, more than the kernel's %d",
			p.n, BPF_MAXINSNS);
		goto fail;
	}
	/* reverse into program order */
	for (size_t i = 0; i < p.n / 2; i++) {
		struct sock_filter x = p.ins[i];
		p.ins[i] = p.ins[p.n - 1 - i];
		p.ins[p.n - 1 - i] = x;
	}
	f->prog = p.ins;
	f->len = (unsigned short)p.n;
	*out = f;
	return 0;
fail:
	free(p.ins);
	seccomp_filter_free(f);
	return -1;
}

/* No linux.seccomp (sc NULL) compiles to no filter (*out NULL), which installs nothing. */
#ifndef CTR_LIBSECCOMP
static int seccomp_compile(const struct spec_seccomp *sc, struct sc_filter **out,
			   struct ctr_error *err)
{
	*out = NULL;
	if (!sc)
		return 0;
	return sc_compile_native(sc, sc_arch_find(sc_native_arch_name()), NULL, 0, out, err);
}
#else
/* LIBSECCOMP=1: libseccomp builds the rules, we prepend runc's -ENOSYS stub. */
static int sc_lib_arch(const char *name, uint32_t *token)
{
	static const struct { const char *name; uint32_t token; } map[] = {
		{"SCMP_ARCH_NATIVE", SCMP_ARCH_NATIVE}, {"SCMP_ARCH_X86", SCMP_ARCH_X86},
		{"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64}, {"SCMP_ARCH_X32", SCMP_ARCH_X32},
		{"SCMP_ARCH_ARM", SCMP_ARCH_ARM}, {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
		{"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS}, {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
		{"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32}, {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
		{"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
		{"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
		{"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64}, {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
		{"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64}, {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
		{"SCMP_ARCH_S390", SCMP_ARCH_S390}, {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
	};
	for (size_t i = 0; i < ARRAY_LEN(map); i++)
		if (strcmp(map[i].name, name) == 0) {
			*token = map[i].token;
			return 0;
		}
	return -1;
}

static int sc_lib_build(const struct spec_seccomp *sc, uint32_t def_ret, scmp_filter_ctx ctx,
			struct ctr_error *err)
{
	for (size_t i = 0; i < sc->n_architectures; i++) {
		uint32_t token;
		if (sc_lib_arch(sc->architectures[i], &token) < 0)
			return err_set(err, 0, "linux.seccomp.architectures: unknown architecture \"%s\"",
				       sc->architectures[i]);
		int rc = seccomp_arch_add(ctx, token);
		if (rc < 0 && rc != -EEXIST)
			return err_set(err, -rc, "seccomp: adding architecture %s", sc->architectures[i]);
	}
	for (size_t i = 0; i < sc->n_syscalls; i++) {
		const struct spec_seccomp_rule *r = &sc->syscalls[i];
		uint32_t ret;
		sc_action_ret(r->action, &r->errno_ret, &ret, NULL);
		if (ret == def_ret)
			continue;
		static const enum scmp_compare ops[] = {
			[SC_OP_NE] = SCMP_CMP_NE, [SC_OP_LT] = SCMP_CMP_LT, [SC_OP_LE] = SCMP_CMP_LE,
			[SC_OP_EQ] = SCMP_CMP_EQ, [SC_OP_GE] = SCMP_CMP_GE, [SC_OP_GT] = SCMP_CMP_GT,
			[SC_OP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
		};
		struct scmp_arg_cmp cmp[6 * 8];
		size_t n = r->n_args < ARRAY_LEN(cmp) ? r->n_args : ARRAY_LEN(cmp);
		bool split = false;
		for (size_t a = 0; a < n; a++) {
			cmp[a] = (struct scmp_arg_cmp){r->args[a].index, ops[r->args[a].op],
						       r->args[a].value, r->args[a].value_two};
			for (size_t b = 0; b < a; b++)
				split |= r->args[a].index == r->args[b].index;
		}
		for (size_t k = 0; k < r->n_names; k++) {
			int nr = seccomp_syscall_resolve_name(r->names[k]);
			if (nr == __NR_SCMP_ERROR)
				continue; /* unknown here: skipped, as runc does */
			int rc = 0;
			if (!split)
				rc = seccomp_rule_add_array(ctx, ret, nr, (unsigned)n, cmp);
			for (size_t a = 0; split && a < n && rc == 0; a++)
				rc = seccomp_rule_add_array(ctx, ret, nr, 1, &cmp[a]);
			if (rc < 0)
				return err_set(err, -rc, "linux.seccomp.syscalls[%zu]: adding a rule for %s",
					       i, r->names[k]);
		}
	}
	return 0;
}

static int seccomp_compile(const struct spec_seccomp *sc, struct sc_filter **out,
			   struct ctr_error *err)
{
	struct sc_filter tmp = {0};
	uint32_t def_ret;
	*out = NULL;
	if (!sc)
		return 0;
	if (sc_prepare(sc, &tmp, &def_ret, err) < 0)
		return -1;
	scmp_filter_ctx ctx = seccomp_init(def_ret);
	if (!ctx)
		return err_set(err, 0, "seccomp_init failed");
	int fd = -1;
	struct sock_filter *prog = NULL;
	int rc = sc_lib_build(sc, def_ret, ctx, err);
	if (rc == 0) {
		seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
		if (sc->n_syscalls > 32)
			seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2); /* as runc */
		fd = (int)syscall(SYS_memfd_create, "seccomp", 1U /* MFD_CLOEXEC */);
		int e = fd < 0 ? errno : -seccomp_export_bpf(ctx, fd);
		off_t len = e ? -1 : lseek(fd, 0, SEEK_END);
		if (e || len <= 0 || len % 8 || !(prog = malloc((size_t)len)) ||
		    pread(fd, prog, (size_t)len, 0) != len)
			rc = err_set(err, e ? e : errno, "seccomp: exporting libseccomp's program");
		else
			rc = sc_compile_native(sc, sc_arch_find(sc_native_arch_name()), prog,
					       (size_t)len / 8, out, err);
	}
	if (fd >= 0)
		close(fd);
	free(prog);
	seccomp_release(ctx);
	return rc;
}
#endif

/* seccomp(2), or prctl when the libc has no SYS_seccomp. */
static long sc_seccomp(unsigned op, unsigned long flags, void *arg)
{
#ifdef SYS_seccomp
	return syscall(SYS_seccomp, op, flags, arg);
#else
	(void)op; (void)flags; (void)arg;
	errno = ENOSYS;
	return -1;
#endif
}

static int seccomp_install(const struct sc_filter *f, int *listener_fd, struct ctr_error *err)
{
	*listener_fd = -1;
	if (!f)
		return 0;
	/* the kernel must know every action we return */
	static const uint32_t act_ret[] = {
		[SC_ACT_KILL_THREAD] = SECCOMP_RET_KILL_THREAD, [SC_ACT_KILL_PROCESS] = SECCOMP_RET_KILL_PROCESS,
		[SC_ACT_TRAP] = SC_RET_TRAP, [SC_ACT_ERRNO] = SC_RET_ERRNO, [SC_ACT_TRACE] = SC_RET_TRACE,
		[SC_ACT_ALLOW] = SC_RET_ALLOW, [SC_ACT_LOG] = SECCOMP_RET_LOG,
		[SC_ACT_NOTIFY] = SECCOMP_RET_USER_NOTIF,
	};
	static const char *const act_name[] = {"SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS",
		"SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",
		"SCMP_ACT_NOTIFY"};
	for (unsigned a = 0; a < ARRAY_LEN(act_ret); a++) {
		uint32_t r = act_ret[a];
		if (!(f->actions & (1u << a)) || sc_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &r) == 0)
			continue;
		if (errno == EOPNOTSUPP)
			return err_set(err, 0, "seccomp: the kernel does not support %s", act_name[a]);
		break; /* no seccomp(2) or no GET_ACTION_AVAIL (< 4.14): installing tells */
	}
	/* each flag on its own: a NULL program gives EFAULT once the flags are accepted */
	for (size_t i = 0; i < ARRAY_LEN(sc_flag_names); i++) {
		unsigned long fl = sc_flag_names[i].flag;
		if (!(f->flags & fl))
			continue;
		if (fl == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
			fl |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
		if (sc_seccomp(SECCOMP_SET_MODE_FILTER, fl, NULL) < 0 && errno == EINVAL)
			return err_set(err, 0, "seccomp: the kernel does not support %s",
				       sc_flag_names[i].name);
	}
	struct sock_fprog fprog = {.len = f->len, .filter = f->prog};
	long rc = sc_seccomp(SECCOMP_SET_MODE_FILTER, f->flags, &fprog);
	bool missing = rc < 0 && errno == ENOSYS;
	if (missing && f->flags == 0) /* no seccomp(2): the older prctl interface */
		rc = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0);
	if (rc < 0) {
		int e = errno;
		if (missing && (f->flags || e == EINVAL || e == ENOSYS))
			return err_set(err, e, "seccomp is not available (the kernel lacks "
				       "CONFIG_SECCOMP_FILTER, or an emulator such as qemu-user refuses it)");
		if (e == EACCES)
			return err_set(err, e, "installing the seccomp filter needs no_new_privs or CAP_SYS_ADMIN");
		return err_set(err, e, "installing the seccomp filter");
	}
	if (f->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
		*listener_fd = (int)rc;
	return 0;
}

static int seccomp_send_listener(const struct spec_seccomp *sc, int listener_fd, pid_t pid,
				 const char *state_json, struct ctr_error *err)
{
	if (!sc->listener_path || !*sc->listener_path)
		return err_set(err, 0, "linux.seccomp.listenerPath is needed with SCMP_ACT_NOTIFY");
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(sc->listener_path) >= sizeof(addr.sun_path))
		return err_set(err, ENAMETOOLONG, "linux.seccomp.listenerPath %s", sc->listener_path);
	strcpy(addr.sun_path, sc->listener_path);
	/* containerProcessState: the state goes in as it is (already JSON) */
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, NULL);
	jw_obj_begin(&w);
	jw_key(&w, "ociVersion");
	jw_str(&w, CTR_OCI_VERSION);
	jw_key(&w, "fds");
	jw_arr_begin(&w);
	jw_str(&w, "seccompFd");
	jw_arr_end(&w);
	jw_key(&w, "pid");
	jw_int(&w, pid);
	jw_key(&w, "metadata");
	jw_str(&w, sc->listener_metadata ? sc->listener_metadata : "");
	jw_key(&w, "state");
	jw_raw(&w, state_json, strlen(state_json));
	jw_obj_end(&w);
	char *msg AUTO_FREE = NULL;
	if (sbuf_take(&sb, &msg, err) < 0)
		return -1;
	int fd AUTO_CLOSE = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(err, errno, "seccomp listener: socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return err_set(err, errno, "seccomp listener: connect %s", sc->listener_path);
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	memset(&ctl, 0, sizeof(ctl));
	struct iovec iov = {.iov_base = msg, .iov_len = strlen(msg)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &listener_fd, sizeof(int));
	ssize_t n;
	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_set(err, errno, "seccomp listener: sending to %s", sc->listener_path);
	/* a stream socket may take the message in parts: the fd went with the first one */
	if ((size_t)n < iov.iov_len && write_all(fd, msg + n, iov.iov_len - (size_t)n) < 0)
		return err_set(err, errno, "seccomp listener: sending to %s", sc->listener_path);
	return 0;
}

static void seccomp_features(struct jw *w)
{
	jw_obj_begin(w);
	jw_key(w, "enabled");
	jw_bool(w, true);
	jw_key(w, "actions");
	jw_arr_begin(w);
	static const char *const acts[] = {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",
		"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY",
		"SCMP_ACT_TRACE", "SCMP_ACT_TRAP"};
	for (size_t i = 0; i < ARRAY_LEN(acts); i++)
		jw_str(w, acts[i]);
	jw_arr_end(w);
	jw_key(w, "operators");
	jw_arr_begin(w);
	static const char *const ops[] = {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
		"SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"};
	for (size_t i = 0; i < ARRAY_LEN(ops); i++)
		jw_str(w, ops[i]);
	jw_arr_end(w);
	jw_key(w, "archs");
	jw_arr_begin(w);
	for (size_t i = 0; i < ARRAY_LEN(sc_arches); i++) {
		char name[sizeof("SCMP_ARCH_") + sizeof(sc_arches[i].name)];
		ctr_snprintf(name, sizeof(name), "SCMP_ARCH_%.*s", (int)sizeof(sc_arches[i].name) - 1,
			 sc_arches[i].name);
		jw_str(w, name);
	}
	jw_arr_end(w);
	jw_key(w, "knownFlags");
	jw_arr_begin(w);
	for (size_t i = 0; i < ARRAY_LEN(sc_flag_names); i++)
		jw_str(w, sc_flag_names[i].name);
	jw_arr_end(w);
	jw_key(w, "supportedFlags");
	jw_arr_begin(w);
	for (size_t i = 0; i < ARRAY_LEN(sc_flag_names); i++) {
		unsigned long fl = sc_flag_names[i].flag;
		if (fl == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
			fl |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
		if (sc_seccomp(SECCOMP_SET_MODE_FILTER, fl, NULL) < 0 && errno == EFAULT)
			jw_str(w, sc_flag_names[i].name);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

/* ======================================================================
 * rootfs: mounts resolved inside the rootfs, /dev, pivot_root or MS_MOVE+chroot
 * ====================================================================== */

struct rootfs_ctx {
	const struct spec *spec;
	const char *rootfs;          /* absolute host path of root.path */
	bool no_pivot;               /* MS_MOVE + chroot instead of pivot_root */
	bool userns;                 /* in a new user namespace: bind devices, no mknod */
	const int *src_fds;          /* per mount: its source opened by ctr, else -1 (or NULL) */
	const char *host_mi;         /* ctr's mountinfo before the fork, or NULL: read it */
};

/* In the container's new mount namespace, before the root switch: rootfs propagation,
 * the rootfs bind, every mount in order (targets resolved inside the rootfs), /dev. */
static int rootfs_setup(const struct rootfs_ctx *c, struct ctr_error *err);
/* Switch to the rootfs (pivot_root; MS_MOVE+chroot with no_pivot or on an initramfs),
 * then readonlyPaths and maskedPaths (runc's order) and root.readonly. */
static int rootfs_enter(const struct rootfs_ctx *c, struct ctr_error *err);
/* A bind mount whose source ctr opens for the init when it has a user namespace (the
 * root of one cannot reach a source below a 0700 directory): see rootfs_ctx.src_fds. */
static bool rootfs_host_source(const struct spec_mount *m);
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

/* rootfs_walk: open the component name in cur without following it, creating it when
 * missing and asked (the last one as a file for ROOTFS_MKFILE, else a directory). */
static int rootfs_walk_open(int cur, const char *name, bool last, int create, const char *path,
			    struct ctr_error *err)
{
	int fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		int r = last && create == ROOTFS_MKFILE ? mknodat(cur, name, S_IFREG | 0644, 0)
							: mkdirat(cur, name, 0755);
		if (r < 0 && errno != EEXIST)
			return err_set(err, errno, "create %s (in %s)", name, path);
		fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	}
	return fd < 0 ? err_set(err, errno, "open %s", path) : fd;
}

/* rootfs_walk: the symlink link_fd (closed here) replaces its component: todo becomes
 * "<target>/<after>". 1 if the target is absolute (the walk restarts at the root). */
static int rootfs_walk_link(int link_fd, char *todo, const char *after, unsigned *links,
			    const char *path, struct ctr_error *err)
{
	char target[PATH_MAX], tmp[PATH_MAX];
	ssize_t len = ++*links > ROOTFS_MAX_LINKS ? -1 :
		readlinkat(link_fd, "", target, sizeof(target) - 1);
	int e = *links > ROOTFS_MAX_LINKS ? ELOOP : errno;
	close(link_fd);
	if (len < 0)
		return err_set(err, e, "resolve %s", path);
	target[len] = 0;
	if (ctr_snprintf(tmp, sizeof(tmp), "%s/%s", target, after) >= (int)sizeof(tmp))
		return err_set(err, ENAMETOOLONG, "resolve %s", path);
	strcpy(todo, tmp);
	return target[0] == '/';
}

/* rootfs_walk: the last component, fd (O_PATH, consumed) named name in cur; an O_PATH
 * request gets fd itself, anything else a real open that refuses a symlink swapped in. */
static int rootfs_walk_last(int cur, int fd, const struct stat *st, const char *name, int flags,
			    mode_t mode, const char *path, struct ctr_error *err)
{
	if ((flags & O_DIRECTORY) && !S_ISDIR(st->st_mode) && !S_ISLNK(st->st_mode)) {
		close(fd);
		return err_set(err, ENOTDIR, "open %s", path);
	}
	if ((flags & ~(O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC | O_CREAT)) == 0 &&
	    (flags & O_PATH))
		return fd;
	close(fd);
	fd = openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	return fd < 0 ? err_set(err, errno, "open %s", path) : fd;
}

/* Resolve path below root_fd by hand, one component at a time with O_NOFOLLOW: symlinks
 * are read and resolved as if root_fd were "/", ".." stops at it. Works on kernels
 * without openat2, and creates what is missing when asked (ROOTFS_MKDIR/MKFILE). The last
 * component is not followed if flags has O_NOFOLLOW. */
static int rootfs_walk(int root_fd, const char *path, int flags, mode_t mode, int create,
		       struct ctr_error *err)
{
	char todo[PATH_MAX], done[PATH_MAX] = "";
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
		int fd = rootfs_walk_open(cur, name, last, create, path, err);
		if (fd < 0)
			return -1;
		struct stat st;
		if (fstat(fd, &st) < 0) {
			int e = errno;
			close(fd);
			return err_set(err, e, "stat %s", path);
		}
		if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
			int abs = rootfs_walk_link(fd, todo, after, &links, path, err);
			if (abs < 0)
				return -1;
			rest = todo;
			if (abs) {
				dlen = 0;
				done[0] = 0;
				close(cur);
				cur = rootfs_reopen(root_fd, "");
				if (cur < 0)
					return err_set(err, errno, "resolve %s", path);
			}
			continue;
		}
		if (last)
			return rootfs_walk_last(cur, fd, &st, name, flags, mode, path, err);
		if (!S_ISDIR(st.st_mode) || dlen + n + 2 > sizeof(done)) {
			close(fd);
			return err_set(err, S_ISDIR(st.st_mode) ? ENAMETOOLONG : ENOTDIR, "resolve %s",
				       path);
		}
		if (dlen)
			done[dlen++] = '/';
		memcpy(done + dlen, name, n + 1);
		dlen += n;
		close(cur);
		cur = fd;
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
	bool shared, unbindable;
};

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
		else if (!strcmp(t, "unbindable"))
			mi->unbindable = true;
	mi->fstype = strtok_r(NULL, " ", &save);
	mi->source = strtok_r(NULL, " ", &save);
	mi->super = strtok_r(NULL, " ", &save);
	if (!t || !mi->super)
		return false;
	mountinfo_unescape(mi->root);
	mountinfo_unescape(mi->point);
	return true;
}

/* All mounts of the calling process, parsed: *buf holds the text (caller frees). A
 * copy of text instead of /proc/self/mountinfo when text is not NULL. */
static int mnt_info_read(const char *text, char **buf, struct mnt_info **out, size_t *count,
			 struct ctr_error *err)
{
	if (text ? !(*buf = mem_strdup(text, err)) :
	    read_file("/proc/self/mountinfo", 64u << 20, buf, NULL, err) < 0)
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

#define MNT_FDPATH(buf, fd) ctr_snprintf(buf, sizeof(buf), "/proc/self/fd/%d", fd)

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
	ctr_snprintf(out, size, "%s", path[rl] ? path + rl : "/");
	return 0;
}

/* Open (creating what is missing) a mount target inside the rootfs. missing: dest is
 * known to be missing already (mnt_open_plain said ENOENT). */
static int mnt_target(int root_fd, const char *dest, int create, bool nofollow, bool missing,
		      struct ctr_error *err)
{
	int flags = O_PATH | (nofollow ? O_NOFOLLOW : 0);
	struct ctr_error e = {0};
	int fd = missing ? err_set(&e, ENOENT, "open %s in the container root", dest) :
		rootfs_open_in(root_fd, dest, flags, 0, &e);
	if (fd >= 0)
		return fd;
	if (e.errnum != ENOENT || !create) {
		if (err)
			*err = e;
		return -1;
	}
	return rootfs_walk(root_fd, dest, flags, 0, create, err);
}

/* The clean path opened inside the root with no symlink on the way (openat2): it is
 * then inside the root at that very path, which the readlink of mnt_fd_inroot would only
 * confirm. -1 when it has a symlink, is missing, or openat2 is unavailable. */
static int mnt_open_plain(int root_fd, const char *clean, bool nofollow)
{
	int fd;
	do
		fd = sys_openat2(root_fd, clean, O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0), 0,
				 CTR_RESOLVE_IN_ROOT | CTR_RESOLVE_NO_SYMLINKS);
	while (fd < 0 && (errno == EAGAIN || errno == EINTR));
	return fd;
}

/* After a mount on inroot: open the new top mount again by path and check it is where
 * we mounted (a symlink swapped in meanwhile must not redirect us: CVE-2021-30465). */
static int mnt_reopen(const struct rootfs_ctx *c, int root_fd, const char *inroot,
		      struct ctr_error *err)
{
	int fd = mnt_open_plain(root_fd, inroot, true);
	if (fd >= 0)
		return fd;
	fd = rootfs_open_in(root_fd, inroot, O_PATH | O_NOFOLLOW, 0, err);
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
	int pidfd AUTO_CLOSE = -1;
	pid_t pid = spawn_hidden(&pidfd);
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
		ctr_snprintf(path, sizeof(path), "/proc/%s/%s", me, g ? "gid_map" : "uid_map");
		int r = sb.failed ? err_nomem(err) : n ? write_file_at(AT_FDCWD, path, sb.buf, sb.len, err) : 0;
		sbuf_release(&sb);
		if (r < 0)
			goto out;
	}
	ctr_snprintf(path, sizeof(path), "/proc/%s/ns/user", me);
	fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		err_set(err, errno, "open %s", path);
out:
	close(sv[0]);
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
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
	int fd AUTO_CLOSE = mnt_open_plain(root_fd, clean, nofollow);
	bool plain = fd >= 0, missing = !plain && errno == ENOENT;
	if (!plain && (fd = mnt_target(root_fd, clean, create, nofollow, missing, err)) < 0)
		return err_prefix(err, "mount target %s", dest);
	if (nofollow && (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)))
		return err_set(err, ENOTDIR, "%s must be mounted on a directory, and %s is %s",
			       special ? type : dest, dest,
			       S_ISLNK(st.st_mode) ? "a symlink" : "not a directory");
	ctr_snprintf(inroot, sizeof(inroot), "%s", plain ? clean : dest);
	if ((!plain && mnt_fd_inroot(c, fd, inroot, sizeof(inroot), err) < 0) ||
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
	ctr_snprintf(opts, sizeof(opts), ",%s,", super);
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
			ctr_snprintf(want, sizeof(want), ",%.*s,", (int)strcspn(t, ","), t);
			match = str_find(opts, want) != NULL;
		}
		if (match) {
			ctr_snprintf(path, psize, "%.*s", (int)(len - (size_t)(c2 + 1 - line)), c2 + 1);
			return true;
		}
	}
	return false;
}

/* MS_* of a bind remount as mount_setattr attributes; false for flags it has none for. */
static bool mnt_attr_of(unsigned long flags, struct mnt_attr *a)
{
	static const struct { unsigned long ms; uint64_t attr; } map[] = {
		{MS_RDONLY, MNT_ATTR_RDONLY}, {MS_NOSUID, MNT_ATTR_NOSUID}, {MS_NODEV, MNT_ATTR_NODEV},
		{MS_NOEXEC, MNT_ATTR_NOEXEC}, {MS_NODIRATIME, MNT_ATTR_NODIRATIME},
	};
	unsigned long atime = flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME);
	memset(a, 0, sizeof(*a));
	if (flags & ~(unsigned long)(MS_BIND | MS_REC | MS_REMOUNT | MS_RDONLY | MS_NOSUID |
				    MS_NODEV | MS_NOEXEC | MS_NODIRATIME | atime) ||
	    (atime & (atime - 1)))
		return false;
	a->attr_clr = MNT_ATTR_NOSYMFOLLOW; /* as the remount, which sets exactly these */
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		*(flags & map[i].ms ? &a->attr_set : &a->attr_clr) |= map[i].attr;
	if (atime) {
		a->attr_clr |= MNT_ATTR_ATIME;
		a->attr_set |= atime == MS_NOATIME ? MNT_ATTR_NOATIME :
			       atime == MS_STRICTATIME ? MNT_ATTR_STRICTATIME : 0;
	}
	return true;
}

/* One hierarchy's bind into the cgroup tmpfs at dir, which ctr has just mounted and
 * checked (nothing in it to resolve or re-check): mkdir, open_tree, mount_setattr,
 * move_mount, instead of the ~22 system calls of mnt_apply. 1 when it cannot (old
 * kernel, options it does not map, a user namespace): the caller takes the long way. */
static int mnt_cgroup_fast(const struct rootfs_ctx *c, int dir, const char *name,
			   const char *src, const struct mnt_parsed *p, const char *sub,
			   struct ctr_error *err)
{
	struct mnt_attr a;
	if (c->userns || p->n_props || p->rec.attr_set || p->rec.attr_clr || p->idmap ||
	    p->cleared || !mnt_attr_of(p->flags, &a))
		return 1;
	int tree AUTO_CLOSE = mnt_sys_open_tree(AT_FDCWD, src, MNT_OPEN_TREE_CLONE | O_CLOEXEC |
						 AT_RECURSIVE);
	if (tree < 0)
		return errno == ENOSYS ? 1 : err_set(err, errno, "mount %s on %s (bind)", src, sub);
	if (mkdirat(dir, name, 0755) < 0 && errno != EEXIST)
		return err_set(err, errno, "mount target %s", sub);
	int to AUTO_CLOSE = openat(dir, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
	if (to < 0)
		return err_set(err, errno, "mount target %s", sub);
	if ((p->flags & ~(unsigned long)(MS_BIND | MS_REC)) &&
	    mnt_sys_setattr(tree, "", AT_EMPTY_PATH, &a) < 0)
		return err_set(err, errno, "remount %s with its options", sub);
	if (mnt_sys_move(tree, to) < 0)
		return err_set(err, errno, "mount %s on %s (bind)", src, sub);
	return 0;
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
		if (ctr_snprintf(src, sizeof(src), "/sys/fs/cgroup%s", path) >= (int)sizeof(src))
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
	if (mnt_info_read(c->host_mi, &mbuf, &mi, &n, err) < 0)
		return -1;
	int dir AUTO_CLOSE = rootfs_open_in(root_fd, m->destination, O_PATH | O_DIRECTORY, 0, err);
	if (dir < 0)
		return -1;
	/* the fast binds need dir to be the tmpfs just mounted there */
	char want[PATH_MAX], got[PATH_MAX] = "";
	bool fast = !cgns && fstatfs(dir, &sf) == 0 && (uint32_t)sf.f_type == ROOTFS_TMPFS_MAGIC &&
		rootfs_clean(m->destination, want, sizeof(want)) == 0 &&
		mnt_fd_inroot(c, dir, got, sizeof(got), NULL) == 0 && !strcmp(got, want);
	for (size_t i = 0; i < n; i++) {
		bool v2 = !strcmp(mi[i].fstype, "cgroup2");
		const char *name = strrchr(mi[i].point, '/') + 1;
		if ((!v2 && strcmp(mi[i].fstype, "cgroup")) ||
		    strncmp(mi[i].point, "/sys/fs/cgroup/", 15) || strchr(name, '/') ||
		    name - mi[i].point != 15)
			continue;
		if (!mnt_cg_path(cgfile, v2 ? "" : mi[i].super, ctrls, sizeof(ctrls), path, sizeof(path)))
			continue;
		ctr_snprintf(sub, sizeof(sub), "%s/%s", m->destination, name);
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
			ctr_snprintf(src, sizeof(src), "%s%s", mi[i].point, rel);
			b.flags |= MS_BIND | MS_REC;
			r = fast ? mnt_cgroup_fast(c, dir, name, src, &b, sub, err) : 1;
			if (r == 1)
				r = mnt_apply(c, root_fd, src, sub, NULL, &b, NULL, err);
		}
		if (r < 0)
			return -1;
		/* "cpu,cpuacct" is also reachable as "cpu" and "cpuacct" */
		for (const char *tk = name; strchr(name, ',') && *tk;) {
			char link[64];
			size_t tl = strcspn(tk, ",");
			ctr_snprintf(link, sizeof(link), "%.*s", (int)tl, tk);
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
		if (ctr_snprintf(host, sizeof(host), "%s/%s", clean, name) >= (int)sizeof(host))
			return err_set(err, ENAMETOOLONG, "device %s", path);
		if (!S_ISREG(st.st_mode) || mount(host, at, NULL, MS_BIND, NULL) < 0)
			return err_set(err, S_ISREG(st.st_mode) ? errno : EEXIST, "bind %s", host);
		return 0;
	}
	if ((st.st_mode & S_IFMT) != fmt)
		return err_set(err, EEXIST, "device %s changed while being created", path);
	/* through the fd: chmod/chown never follow a symlink swapped in; only if needed */
	if ((st.st_uid != uid || st.st_gid != gid) && chown(at, uid, gid) < 0)
		return err_set(err, errno, "set owner and mode of %s", path);
	if ((st.st_mode & 07777) != (mode & 07777) && chmod(at, mode & 07777) < 0)
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
	/* the usual case, nothing there yet: one mknodat (umask 0: no chmod after) makes
	 * exactly the node; anything in the way (EEXIST) takes dev_create's careful path */
	int dev0 AUTO_CLOSE = own_dev && !c->userns && geteuid() == 0 && getegid() == 0 ?
		rootfs_open_in(root_fd, "/dev", O_PATH | O_DIRECTORY, 0, NULL) : -1;
	bool made[ARRAY_LEN(dev_defaults)] = {false};
	mode_t mask = dev0 >= 0 ? umask(0) : 0;
	for (size_t i = 0; own_dev && i < ARRAY_LEN(dev_defaults); i++) {
		strcpy(path, "/dev/");
		strcat(path, dev_defaults[i].name);
		made[i] = dev_in_spec(s, path) ||
			(dev0 >= 0 && mknodat(dev0, dev_defaults[i].name, S_IFCHR | 0666,
					      makedev(dev_defaults[i].major, dev_defaults[i].minor)) == 0);
	}
	if (dev0 >= 0)
		umask(mask);
	for (size_t i = 0; own_dev && i < ARRAY_LEN(dev_defaults); i++) {
		strcpy(path, "/dev/");
		strcat(path, dev_defaults[i].name);
		if (!made[i] && dev_create(c, root_fd, path, 'c', dev_defaults[i].major,
					   dev_defaults[i].minor, 0666, 0, 0, err) < 0)
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

/* pivot_root and the rootfs bind need the mount holding the rootfs neither shared nor
 * unbindable (rootfsPropagation "unbindable" is set on the new root after the switch). */
static int rootfs_parent_private(const char *rootfs, struct ctr_error *err)
{
	AUTO_FREE char *buf = NULL;
	AUTO_FREE struct mnt_info *mi = NULL;
	size_t n = 0, best = 0, best_len = 0;
	if (mnt_info_read(NULL, &buf, &mi, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(mi[i].point);
		if (rootfs_path_under(rootfs, mi[i].point) && l >= best_len) {
			best = i;
			best_len = l;
		}
	}
	if (best_len && (mi[best].shared || mi[best].unbindable) &&
	    mount("", mi[best].point, NULL, MS_PRIVATE, NULL) < 0)
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
	if (mnt_info_read(NULL, &buf, &mi, &n, err) < 0)
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

static bool rootfs_host_source(const struct spec_mount *m)
{
	if (!m->source || !*m->source || !m->destination)
		return false;
	struct mnt_parsed p;
	mnt_parse(m->options, m->n_options, &p);
	sbuf_release(&p.data);
	/* idmapped mounts clone their source by path (mnt_idmapped) */
	return !p.idmap && ((p.flags & MS_BIND) || (m->type && !strcmp(m->type, "bind")));
}

/* In the container's own mount namespace: rootfsPropagation on /, the rootfs bound onto
 * itself (pivot_root needs a mount) on a parent that is not shared. */
static int rootfs_prepare_root(const struct rootfs_ctx *c, struct ctr_error *err)
{
	unsigned long prop = MS_SLAVE | MS_REC;
	if (rootfs_prop_flags(c->spec, &prop, err) < 0)
		return -1;
	/* nothing could be bound from unbindable mounts: private until rootfs_enter */
	if (prop & MS_UNBINDABLE)
		prop = (prop & MS_REC) | MS_PRIVATE;
	int r = mount("", "/", NULL, prop, NULL);
	if (r < 0 && rootfs_propagate_all(prop, err) < 0)
		return err_prefix(err, "set the propagation of /");
	/* after a recursive slave or private nothing is shared: read the mount table (for an
	 * unbindable parent) only if the bind fails */
	bool unshared = r == 0 && (prop == (MS_SLAVE | MS_REC) || prop == (MS_PRIVATE | MS_REC));
	if (!unshared && rootfs_parent_private(c->rootfs, err) < 0)
		return -1;
	if (mount(c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) == 0)
		return 0;
	if (!unshared || errno != EINVAL)
		return err_set(err, errno, "bind mount the rootfs %s", c->rootfs);
	if (rootfs_parent_private(c->rootfs, err) < 0)
		return -1;
	if (mount(c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return err_set(err, errno, "bind mount the rootfs %s", c->rootfs);
	return 0;
}

static int rootfs_setup(const struct rootfs_ctx *c, struct ctr_error *err)
{
	const struct spec *s = c->spec;
	/* Without a mount namespace the container inherits ours (config-linux.md): as runc,
	 * its mounts are made in it, below the rootfs, and outlive the container; the
	 * propagation of our mounts is left alone and rootfs_enter only chroots. */
	bool own_ns = rootfs_has_ns(s, CLONE_NEWNS);
	if (!own_ns && s->has_linux && (s->lx.n_masked_paths || s->lx.n_readonly_paths))
		return err_set(err, EINVAL, "linux.maskedPaths and readonlyPaths need a private "
			       "mount namespace (linux.namespaces)");
	if (c->rootfs[0] != '/')
		return err_set(err, EINVAL, "rootfs %s is not an absolute path", c->rootfs);
	if (rootfs_check_proc(err) < 0 || (own_ns && rootfs_prepare_root(c, err) < 0))
		return -1;
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
		char fdsrc[32];
		const char *src = m->source ? m->source : type;
		/* a source opened by ctr: bound through its fd, with no path walk of ours */
		if (c->src_fds && c->src_fds[i] >= 0 && (p.flags & MS_BIND) && !p.idmap) {
			MNT_FDPATH(fdsrc, c->src_fds[i]);
			src = fdsrc;
		}
		if (p.data.failed)
			r = err_nomem(err);
		else if (type && !(p.flags & MS_BIND) && !strcmp(type, "cgroup"))
			r = mnt_cgroup(c, root_fd, m, &p, err);
		else
			r = mnt_apply(c, root_fd, src, m->destination, type, &p, m, err);
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
	/* missing with no symlink on the way (ENOENT) is missing when following them too */
	bool plain = rootfs_clean(path, inroot, sizeof(inroot)) == 0;
	int fd AUTO_CLOSE = plain ? mnt_open_plain(root_fd, inroot, false) : -1;
	if (fd < 0 && plain && errno == ENOENT)
		return 0;
	plain = fd >= 0;
	if (!plain && (fd = rootfs_open_in(root_fd, path, O_PATH, 0, &e)) < 0) {
		if (e.errnum == ENOENT)
			return 0;
		if (err)
			*err = e;
		return -1;
	}
	struct stat st;
	if (!plain)
		ctr_snprintf(inroot, sizeof(inroot), "%s", path);
	if (fstat(fd, &st) < 0 || (!plain && mnt_fd_inroot(c, fd, inroot, sizeof(inroot), err) < 0))
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
	if (mnt_info_read(NULL, &buf, &mi, &n, err) < 0)
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
	if (cwd && *cwd && cwd[strspn(cwd, "/")]) { /* "/" is there: nothing to make */
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

/* ======================================================================
 * check: `ctr check` validates a bundle without running it (the config, the host rules
 * create shares, the rootfs through the rootfs resolver, the ELF headers of its programs)
 * ====================================================================== */

/* ---- check: ELF headers (what `ctr check` reads of the programs a container runs) ----
 * Only what the kernel and the dynamic loader look at before a program runs: class, byte
 * order, machine, float ABI, PT_INTERP and DT_NEEDED. A rootfs may hold anything: every
 * read is bounded and every offset checked against the file's size. */

enum {
	ELF_CLASS32 = 1, ELF_CLASS64 = 2, ELF_LSB = 1, ELF_MSB = 2, ELF_ET_EXEC = 2, ELF_ET_DYN = 3,
	ELF_EM_386 = 3, ELF_EM_MIPS = 8, ELF_EM_ARM = 40, ELF_EM_X86_64 = 62, ELF_EM_AARCH64 = 183,
	ELF_EM_RISCV = 243, ELF_PT_LOAD = 1, ELF_PT_DYNAMIC = 2, ELF_PT_INTERP = 3,
	ELF_PT_MIPS_ABIFLAGS = 0x70000003, ELF_DT_NULL = 0, ELF_DT_NEEDED = 1, ELF_DT_STRTAB = 5,
	ELF_DT_STRSZ = 10, ELF_DT_RPATH = 15, ELF_DT_RUNPATH = 29,
	ELF_MAX_PHDRS = 64, ELF_MAX_LOADS = 16, ELF_MAX_NEEDED = 32,
};
/* The float ABI as far as the headers tell (ARM e_flags, MIPS abiflags, RISC-V e_flags) */
enum { ELF_FP_ANY, ELF_FP_HARD, ELF_FP_SOFT, ELF_FP_SINGLE };

struct elf_info {
	uint8_t cls, data, fp;
	bool n32;                 /* MIPS n32: 32-bit class, 64-bit registers */
	uint16_t type, machine;
	uint32_t flags;
	char interp[256];         /* PT_INTERP; empty for a static program */
	char needed[1024];        /* DT_NEEDED names, each NUL-terminated */
	size_t needed_len;
	char runpath[512];        /* DT_RUNPATH, else DT_RPATH */
};

struct elf_load {
	uint64_t off, vaddr, filesz;
};

static uint64_t elf_num(const struct elf_info *e, const unsigned char *p, unsigned size)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v = v << 8 | p[e->data == ELF_MSB ? i : size - 1 - i];
	return v;
}

/* Exactly len bytes at off of the file (fsize bytes long); false if they are not all there. */
static bool elf_pread(int fd, uint64_t fsize, void *buf, size_t len, uint64_t off)
{
	if (off > fsize || len > fsize - off)
		return false;
	for (size_t got = 0; got < len;) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

/* A NUL-terminated string at off, at most limit bytes (its terminator included) */
static bool elf_str(int fd, uint64_t fsize, uint64_t off, uint64_t limit, char *out, size_t size)
{
	size_t len = limit < size ? (size_t)limit : size;
	if (off < fsize && fsize - off < len)
		len = (size_t)(fsize - off);
	return len && elf_pread(fd, fsize, out, len, off) && memchr(out, 0, len);
}

/* The ELF header: NULL, or why the file cannot be an executable. */
static const char *elf_read_ehdr(int fd, uint64_t fsize, struct elf_info *e, uint64_t *phoff,
				 unsigned *phnum)
{
	unsigned char h[64];
	size_t n = fsize < sizeof(h) ? (size_t)fsize : sizeof(h);
	if (n < 6 || !elf_pread(fd, fsize, h, n, 0) || memcmp(h, "\177ELF", 4) != 0)
		return "not an ELF file";
	e->cls = h[4];
	e->data = h[5];
	bool w = e->cls == ELF_CLASS64;
	if ((!w && e->cls != ELF_CLASS32) || (e->data != ELF_LSB && e->data != ELF_MSB))
		return "an ELF file of unknown class or byte order";
	if (n < (w ? 64u : 52u))
		return "a truncated ELF file (header)";
	e->type = (uint16_t)elf_num(e, h + 16, 2);
	e->machine = (uint16_t)elf_num(e, h + 18, 2);
	*phoff = elf_num(e, h + (w ? 32 : 28), w ? 8 : 4);
	e->flags = (uint32_t)elf_num(e, h + (w ? 48 : 36), 4);
	unsigned phentsize = (unsigned)elf_num(e, h + (w ? 54 : 42), 2);
	*phnum = (unsigned)elf_num(e, h + (w ? 56 : 44), 2);
	if (e->type != ELF_ET_EXEC && e->type != ELF_ET_DYN)
		return "an ELF file that is not an executable";
	if (phentsize != (w ? 56u : 32u) || !*phnum || *phnum > ELF_MAX_PHDRS)
		return "an ELF file with bad program headers";
	return NULL;
}

/* The program headers: PT_INTERP into e, the PT_LOADs (to map addresses to file offsets),
 * where PT_DYNAMIC is, and MIPS's float ABI. */
static const char *elf_read_phdrs(int fd, uint64_t fsize, struct elf_info *e, uint64_t phoff,
				  unsigned phnum, struct elf_load *loads, size_t *n_loads,
				  uint64_t dyn[2])
{
	unsigned char ph[ELF_MAX_PHDRS * 56], abi[24];
	bool w = e->cls == ELF_CLASS64;
	size_t es = w ? 56 : 32;
	if (!elf_pread(fd, fsize, ph, phnum * es, phoff))
		return "a truncated ELF file (program headers)";
	for (unsigned i = 0; i < phnum; i++) {
		const unsigned char *p = ph + i * es;
		uint64_t type = elf_num(e, p, 4), off = elf_num(e, p + (w ? 8 : 4), w ? 8 : 4);
		uint64_t vaddr = elf_num(e, p + (w ? 16 : 8), w ? 8 : 4);
		uint64_t filesz = elf_num(e, p + (w ? 32 : 16), w ? 8 : 4);
		if (type == ELF_PT_INTERP &&
		    !elf_str(fd, fsize, off, filesz, e->interp, sizeof(e->interp)))
			return "an ELF file with a bad PT_INTERP";
		if (type == ELF_PT_LOAD && (off > fsize || filesz > fsize - off))
			return "a truncated ELF file (a segment ends beyond it)";
		if (type == ELF_PT_LOAD && *n_loads < ELF_MAX_LOADS)
			loads[(*n_loads)++] = (struct elf_load){off, vaddr, filesz};
		if (type == ELF_PT_DYNAMIC) {
			dyn[0] = off;
			dyn[1] = filesz;
		}
		/* Elf_MIPS_ABIFlags_v0.fp_abi: 1 double, 2 single, 3 soft, 5..7 fpxx/fp64 */
		if (type == ELF_PT_MIPS_ABIFLAGS && e->machine == ELF_EM_MIPS && filesz >= 24 &&
		    elf_pread(fd, fsize, abi, sizeof(abi), off) && abi[7])
			e->fp = abi[7] == 3 ? ELF_FP_SOFT : abi[7] == 2 ? ELF_FP_SINGLE : ELF_FP_HARD;
	}
	return NULL;
}

/* The file offset of virtual address a, inside one of the PT_LOADs; UINT64_MAX if none. */
static uint64_t elf_vaddr_off(const struct elf_load *l, size_t n, uint64_t a)
{
	for (size_t i = 0; i < n; i++)
		if (a >= l[i].vaddr && a - l[i].vaddr < l[i].filesz)
			return l[i].off + (a - l[i].vaddr);
	return UINT64_MAX;
}

/* DT_NEEDED names and DT_RUNPATH/DT_RPATH from the dynamic section at off (size bytes). */
static const char *elf_read_dynamic(int fd, uint64_t fsize, struct elf_info *e,
				    const struct elf_load *loads, size_t n_loads, uint64_t off,
				    uint64_t size)
{
	unsigned char d[4096];
	size_t es = e->cls == ELF_CLASS64 ? 16 : 8, len = size < sizeof(d) ? (size_t)size : sizeof(d);
	uint64_t strtab = 0, strsz = 0, need[ELF_MAX_NEEDED], run = UINT64_MAX, rpath = UINT64_MAX;
	size_t n_need = 0;
	len -= len % es;
	if (!elf_pread(fd, fsize, d, len, off))
		return "a truncated ELF file (dynamic section)";
	for (size_t i = 0; i < len; i += es) {
		uint64_t tag = elf_num(e, d + i, (unsigned)es / 2);
		uint64_t val = elf_num(e, d + i + es / 2, (unsigned)es / 2);
		if (tag == ELF_DT_NULL)
			break;
		if (tag == ELF_DT_NEEDED && n_need < ELF_MAX_NEEDED)
			need[n_need++] = val;
		strtab = tag == ELF_DT_STRTAB ? val : strtab;
		strsz = tag == ELF_DT_STRSZ ? val : strsz;
		run = tag == ELF_DT_RUNPATH ? val : run;
		rpath = tag == ELF_DT_RPATH ? val : rpath;
	}
	if (run == UINT64_MAX)
		run = rpath;
	if (!n_need && run == UINT64_MAX)
		return NULL;
	uint64_t str = elf_vaddr_off(loads, n_loads, strtab);
	if (str == UINT64_MAX || !strsz)
		return "an ELF file with a bad DT_STRTAB";
	for (size_t k = 0; k < n_need; k++) {
		char name[256];
		if (need[k] >= strsz || str + need[k] < str ||
		    !elf_str(fd, fsize, str + need[k], strsz - need[k], name, sizeof(name)))
			return "an ELF file with a bad DT_NEEDED";
		size_t n = strlen(name) + 1;
		if (e->needed_len + n <= sizeof(e->needed)) {
			memcpy(e->needed + e->needed_len, name, n);
			e->needed_len += n;
		}
	}
	if (run != UINT64_MAX && (run >= strsz || str + run < str ||
				  !elf_str(fd, fsize, str + run, strsz - run, e->runpath,
					   sizeof(e->runpath))))
		e->runpath[0] = 0;
	return NULL;
}

/* The headers of the open file fd: NULL, or why it is not a program this check can read. */
static const char *elf_read(int fd, struct elf_info *e)
{
	struct stat st;
	struct elf_load loads[ELF_MAX_LOADS];
	size_t n_loads = 0;
	uint64_t phoff, dyn[2] = {0, 0};
	unsigned phnum;
	memset(e, 0, sizeof(*e));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return "not a regular file";
	uint64_t fsize = (uint64_t)st.st_size;
	const char *why = elf_read_ehdr(fd, fsize, e, &phoff, &phnum);
	if (!why)
		why = elf_read_phdrs(fd, fsize, e, phoff, phnum, loads, &n_loads, dyn);
	if (!why && dyn[1])
		why = elf_read_dynamic(fd, fsize, e, loads, n_loads, dyn[0], dyn[1]);
	if (e->machine == ELF_EM_ARM) /* EF_ARM_ABI_FLOAT_HARD / _SOFT */
		e->fp = e->flags & 0x400 ? ELF_FP_HARD : e->flags & 0x200 ? ELF_FP_SOFT : ELF_FP_ANY;
	if (e->machine == ELF_EM_RISCV) /* EF_RISCV_FLOAT_ABI: soft, single, double, quad */
		e->fp = (e->flags & 6) == 0 ? ELF_FP_SOFT : (e->flags & 6) == 2 ? ELF_FP_SINGLE
									 : ELF_FP_HARD;
	e->n32 = e->machine == ELF_EM_MIPS && e->cls == ELF_CLASS32 && (e->flags & 0x20);
	return why;
}

/* The targets of `ctr check --arch`, named as in boards/; all hard-float. compat: what
 * the kernels of that architecture usually run as well (ia32 and arm32 compat). */
static const struct elf_arch {
	char name[8], compat[8];
	uint16_t machine;
	uint8_t cls, data;
} elf_arches[] = {
	{"x86_64", "i386", ELF_EM_X86_64, ELF_CLASS64, ELF_LSB},
	{"i386", "", ELF_EM_386, ELF_CLASS32, ELF_LSB},
	{"armhf", "", ELF_EM_ARM, ELF_CLASS32, ELF_LSB},
	{"aarch64", "armhf", ELF_EM_AARCH64, ELF_CLASS64, ELF_LSB},
	{"mips", "", ELF_EM_MIPS, ELF_CLASS32, ELF_MSB},
	{"mipsel", "", ELF_EM_MIPS, ELF_CLASS32, ELF_LSB},
	{"riscv64", "", ELF_EM_RISCV, ELF_CLASS64, ELF_LSB},
};

/* The architecture this ctr was built for: the default of `ctr check --arch` */
#if defined(__x86_64__) && !defined(__ILP32__)
#define ELF_NATIVE_ARCH "x86_64"
#elif defined(__i386__)
#define ELF_NATIVE_ARCH "i386"
#elif defined(__aarch64__)
#define ELF_NATIVE_ARCH "aarch64"
#elif defined(__arm__) && defined(__ARM_PCS_VFP)
#define ELF_NATIVE_ARCH "armhf"
#elif defined(__mips__) && !defined(__mips64) && defined(__MIPSEB__)
#define ELF_NATIVE_ARCH "mips"
#elif defined(__mips__) && !defined(__mips64) && defined(__MIPSEL__)
#define ELF_NATIVE_ARCH "mipsel"
#elif defined(__riscv) && __riscv_xlen == 64 && defined(__riscv_float_abi_double)
#define ELF_NATIVE_ARCH "riscv64"
#else
#define ELF_NATIVE_ARCH NULL
#endif

static const struct elf_arch *elf_arch_find(const char *name)
{
	for (size_t i = 0; name && i < sizeof(elf_arches) / sizeof(elf_arches[0]); i++)
		if (strcmp(elf_arches[i].name, name) == 0)
			return &elf_arches[i];
	return NULL;
}

static bool elf_arch_match(const struct elf_arch *a, const struct elf_info *e)
{
	return e->machine == a->machine && e->cls == a->cls && e->data == a->data && !e->n32 &&
	       (e->fp == ELF_FP_ANY || e->fp == ELF_FP_HARD);
}

/* "ELF 32-bit MSB MIPS", as file(1) says it, plus an ABI that differs from the boards' */
static void elf_describe(const struct elf_info *e, char *buf, size_t size)
{
	static const struct { uint16_t machine; char name[12]; } names[] = {
		{ELF_EM_386, "Intel 80386"}, {ELF_EM_X86_64, "x86-64"}, {ELF_EM_ARM, "ARM"},
		{ELF_EM_AARCH64, "ARM aarch64"}, {ELF_EM_MIPS, "MIPS"}, {ELF_EM_RISCV, "RISC-V"},
	};
	char other[24];
	const char *m = NULL;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].machine == e->machine)
			m = names[i].name;
	if (!m) {
		ctr_snprintf(other, sizeof(other), "machine %u", e->machine);
		m = other;
	}
	ctr_snprintf(buf, size, "ELF %d-bit %s %s%s%s", e->cls == ELF_CLASS64 ? 64 : 32,
		 e->data == ELF_MSB ? "MSB" : "LSB", m, e->n32 ? " N32" : "",
		 e->fp == ELF_FP_SOFT ? " soft-float" : e->fp == ELF_FP_SINGLE ? " single-float" : "");
}

/* ---- check: the bundle ---- */

struct spec_ck {
	void (*report)(void *arg, const char *problem);
	void *arg;
	int n;
	const struct elf_arch *arch; /* the target of the rootfs's programs, NULL: any */
	const struct elf_arch *compat; /* also fine (no --arch: what this kernel may run) */
	char prog[400];              /* what process.args[0] is, for the summary */
	const struct json *doc;      /* the parsed config: findings get their position */
	const char *source;          /* its file name, for the position */
	bool problems_only;          /* create's: notes (spec_ck_warn) are not reported, */
	bool no_programs;            /* the rootfs's programs are not read (the init does) */
};

/* The value a finding is about: its message starts with a JSON path ("process.env[1]: ",
 * "linux.uidMappings/gidMappings: "), followed as far as the document has it. NULL when
 * the message names no path of the document. */
static const struct json *spec_ck_locate(const struct json *v, const char *msg)
{
	const struct json *found = NULL;
	char key[64];
	for (const char *p = msg; v && *p;) {
		size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		if (*p == '[') {
			char *end;
			unsigned long i = str_toul(p + 1, &end);
			if (*end != ']' || i > 1u << 20)
				return NULL;
			v = json_type(v) == JSON_ARRAY ? json_at(v, i) : NULL;
			p = end + 1;
		} else if (n && n < sizeof(key)) {
			memcpy(key, p, n);
			key[n] = 0;
			v = json_get(v, key);
			p += n;
		} else {
			return NULL;
		}
		if (v)
			found = v;
		if (*p == '.')
			p++;
		else if (*p == ':' || *p == '/')
			return found;
		else if (*p != '[')
			return NULL;
	}
	return NULL;
}

PRINTF_LIKE(2, 3)
static void spec_ck_report(struct spec_ck *c, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;
	va_start(ap, fmt);
	ctr_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	const struct json *at = c->doc ? spec_ck_locate(c->doc, msg) : NULL;
	if (at) { /* one layout with the parser's errors: file:line:col: path: what */
		char full[sizeof(msg) + PATH_MAX];
		unsigned line, col;
		json_pos(at, &line, &col);
		ctr_snprintf(full, sizeof(full), "%s:%u:%u: %s", c->source, line, col, msg);
		if (c->report)
			c->report(c->arg, full);
	} else if (c->report) {
		c->report(c->arg, msg);
	}
	c->n++;
}

/* A note (an unknown capability, a repeated key, a newer ociVersion): shown, but not a
 * problem: create runs such a config too. */
static void spec_ck_warn(struct spec_ck *c, const char *text)
{
	if (c->report && !c->problems_only)
		c->report(c->arg, text);
}

/* stat path inside the rootfs as the container will see it (rootfs_open_in: symlinks and
 * ".." never leave it); -1 with errno on failure. */
static int spec_stat_in_root(int rootfd, const char *path, struct stat *st)
{
	struct ctr_error e;
	int fd AUTO_CLOSE = rootfs_open_in(rootfd, path, O_PATH, 0, &e);
	if (fd < 0) {
		errno = e.errnum ? e.errnum : ENOENT;
		return -1;
	}
	return fstat(fd, st);
}

/* 0 if path (in the rootfs) is an executable file, else an errno (EACCES: not executable). */
static int spec_exec_in_root(int rootfd, const char *path)
{
	struct stat st;
	if (spec_stat_in_root(rootfd, path, &st) < 0)
		return errno;
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		return EACCES;
	return 0;
}

/* ---- check: the programs a container runs (ELF target, interpreter, libraries) ---- */

/* Open a regular file of the rootfs for reading, never anything else: opening a device
 * can act (a watchdog, a tape), a FIFO can block. -1 if it is not one. */
static int spec_open_file_in_root(int rootfd, const char *path)
{
	struct ctr_error e;
	struct stat st;
	char proc[32];
	int pfd AUTO_CLOSE = rootfs_open_in(rootfd, path, O_PATH, 0, &e);
	if (pfd < 0 || fstat(pfd, &st) < 0 || !S_ISREG(st.st_mode))
		return -1;
	ctr_snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	int fd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENOENT) /* no /proc: reopen by path, checked once more */
		fd = rootfs_open_in(rootfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, &e);
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Directories the dynamic loader searches, NUL-separated. */
struct spec_libdirs {
	char buf[4096];
	size_t len;
	int rootfd, depth;
};

static void spec_libdirs_add(struct spec_libdirs *d, const char *dir, size_t n)
{
	for (size_t at = 0; at < d->len; at += strlen(d->buf + at) + 1)
		if (strlen(d->buf + at) == n && memcmp(d->buf + at, dir, n) == 0)
			return;
	if (!n || d->len + n + 1 > sizeof(d->buf))
		return;
	memcpy(d->buf + d->len, dir, n);
	d->buf[d->len + n] = 0;
	d->len += n + 1;
}

static void spec_libdirs_add_path(void *arg, const char *dir)
{
	spec_libdirs_add(arg, dir, strlen(dir));
}

/* Does name match the shell pattern pat ('*' and '?')? One backtrack point: linear in
 * practice, never exponential, whatever a rootfs's ld.so.conf holds. */
static bool spec_glob_match(const char *pat, const char *name)
{
	const char *star = NULL, *from = NULL;
	while (*name) {
		if (*pat == '*') {
			star = pat++;
			from = name;
		} else if (*pat == '?' || *pat == *name) {
			pat++;
			name++;
		} else if (star) {
			pat = star + 1;
			name = ++from;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

/* Call fn with pat, or with each name matching it when its last component is a pattern
 * ("include /etc/ld.so.conf.d/ *.conf", "/usr/lib/ *-linux-*"), inside the rootfs. */
static void spec_glob_in_root(int rootfd, const char *pat, void (*fn)(void *, const char *),
			      void *arg)
{
	const char *slash = strrchr(pat, '/'), *base = slash ? slash + 1 : pat;
	char dir[PATH_MAX], path[PATH_MAX];
	struct ctr_error e;
	if (!base[strcspn(base, "*?")]) {
		fn(arg, pat);
		return;
	}
	ctr_snprintf(dir, sizeof(dir), "%.*s", (int)(base - pat), pat);
	int fd = rootfs_open_in(rootfd, *dir ? dir : ".", O_RDONLY | O_DIRECTORY, 0, &e);
	DIR *dp = fd < 0 ? NULL : fdopendir(fd);
	if (!dp) {
		if (fd >= 0)
			close(fd);
		return;
	}
	int n = 0;
	for (struct dirent *de; n < 64 && (de = readdir(dp));) {
		if (de->d_name[0] == '.' || !spec_glob_match(base, de->d_name))
			continue;
		if (ctr_snprintf(path, sizeof(path), "%s%s", dir, de->d_name) < (int)sizeof(path)) {
			fn(arg, path);
			n++;
		}
	}
	closedir(dp);
}

/* One ld.so.conf (directories, "include PATTERN", "#" comments) or musl's ld-musl-ARCH.path
 * (directories separated by ':' or newlines), read inside the rootfs; includes nest 3 deep. */
static void spec_ldconf_read(void *arg, const char *path)
{
	struct spec_libdirs *d = arg;
	char text[4096], pat[PATH_MAX], *lsave, *tsave;
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash + 1 - path) : 0;
	int fd AUTO_CLOSE = d->depth > 3 ? -1 : spec_open_file_in_root(d->rootfd, path);
	ssize_t n = fd < 0 ? -1 : read_full(fd, text, sizeof(text) - 1);
	if (n < 0)
		return;
	text[n] = 0;
	d->depth++;
	for (char *l = strtok_r(text, "\n", &lsave); l; l = strtok_r(NULL, "\n", &lsave)) {
		l[strcspn(l, "#")] = 0;
		char *t = strtok_r(l, " \t:,", &tsave);
		bool include = t && strcmp(t, "include") == 0;
		for (t = include ? strtok_r(NULL, " \t:,", &tsave) : t; t;
		     t = strtok_r(NULL, " \t:,", &tsave)) {
			if (!include) {
				spec_libdirs_add(d, t, strcspn(t, "=")); /* old "dir=type" lines */
				continue;
			}
			/* a relative pattern is relative to this file's directory */
			ctr_snprintf(pat, sizeof(pat), "%.*s%s", t[0] == '/' ? 0 : dirlen, path, t);
			spec_glob_in_root(d->rootfd, pat, spec_ldconf_read, d);
		}
	}
	d->depth--;
}

/* DT_RUNPATH/DT_RPATH of the ELF file at path; "$ORIGIN" is its directory. */
static void spec_libdirs_runpath(struct spec_libdirs *d, const char *path, const char *runpath)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path) : 0;
	char dir[PATH_MAX];
	for (const char *t = runpath; *t;) {
		size_t len = strcspn(t, ":");
		size_t o = str_has_prefix(t, "${ORIGIN}") ? 9 : str_has_prefix(t, "$ORIGIN") ? 7 : 0;
		if (o > len)
			o = 0;
		int n = ctr_snprintf(dir, sizeof(dir), "%.*s%.*s", o ? dirlen : 0, path, (int)(len - o),
				 t + o);
		if (n > 0 && n < (int)sizeof(dir))
			spec_libdirs_add(d, dir, (size_t)n);
		t += len + (t[len] == ':');
	}
}

/* Where the loader of the program at path (headers e) looks for its libraries: its
 * RUNPATH, musl's /etc/ld-musl-ARCH.path, /etc/ld.so.conf, then the usual directories. */
static void spec_libdirs_init(struct spec_libdirs *d, int rootfd, const char *path,
			      const struct elf_info *e)
{
	static const char std[] = "/lib\0/usr/lib\0/lib64\0/usr/lib64\0/lib32\0/usr/lib32\0"
				  "/usr/local/lib\0/lib/*-linux-*\0/usr/lib/*-linux-*\0";
	const char *b = strrchr(e->interp, '/');
	char musl[64];
	d->len = 0;
	d->rootfd = rootfd;
	d->depth = 0;
	spec_libdirs_runpath(d, path, e->runpath);
	b = b ? b + 1 : e->interp;
	size_t blen = strlen(b); /* "ld-musl-ARCH.so.1" */
	if (str_has_prefix(b, "ld-musl-") && blen > 13 &&
	    ctr_snprintf(musl, sizeof(musl), "/etc/ld-musl-%.*s.path", (int)blen - 13, b + 8) <
	    (int)sizeof(musl))
		spec_ldconf_read(d, musl);
	spec_ldconf_read(d, "/etc/ld.so.conf");
	for (const char *s = std; *s; s += strlen(s) + 1)
		spec_glob_in_root(rootfd, s, spec_libdirs_add_path, d);
}

/* The library `name` for a program like e: true with its path and headers. */
static bool spec_find_lib(const struct spec_libdirs *d, const char *name,
			  const struct elf_info *e, struct elf_info *lib, char *path, size_t size)
{
	bool direct = strchr(name, '/');
	for (size_t at = 0; direct || at < d->len; at += strlen(d->buf + at) + 1) {
		if (ctr_snprintf(path, size, "%s%s%s", direct ? "" : d->buf + at, direct ? "" : "/",
			     name) >= (int)size)
			continue;
		int fd AUTO_CLOSE = spec_open_file_in_root(d->rootfd, path);
		if (fd >= 0 && !elf_read(fd, lib) && lib->machine == e->machine &&
		    lib->cls == e->cls && lib->data == e->data)
			return true;
		if (direct)
			break;
	}
	return false;
}

/* Append name to a NUL-separated list unless it is there already or does not fit. */
static void spec_names_add(char *list, size_t size, size_t *len, const char *name)
{
	size_t n = strlen(name) + 1;
	for (size_t at = 0; at < *len; at += strlen(list + at) + 1)
		if (strcmp(list + at, name) == 0)
			return;
	if (*len + n <= size) {
		memcpy(list + *len, name, n);
		*len += n;
	}
}

/* Every DT_NEEDED library of the program at path (headers e), and theirs in turn, must be
 * in the rootfs for its machine. Returns how many were found. */
static unsigned spec_ck_libs(struct spec_ck *c, int rootfd, const char *what, const char *path,
			     const struct elf_info *e)
{
	struct spec_libdirs d;
	struct elf_info lib;
	char queue[2048], missing[512] = "", searched[512] = "", found[PATH_MAX];
	size_t qlen = 0, mlen = 0, slen = 0;
	unsigned n_found = 0;
	struct stat st;
	spec_libdirs_init(&d, rootfd, path, e);
	for (size_t at = 0; at < e->needed_len; at += strlen(e->needed + at) + 1)
		spec_names_add(queue, sizeof(queue), &qlen, e->needed + at);
	for (size_t at = 0; at < qlen; at += strlen(queue + at) + 1) {
		if (!spec_find_lib(&d, queue + at, e, &lib, found, sizeof(found))) {
			int n = ctr_snprintf(missing + mlen, sizeof(missing) - mlen, "%s%s",
					 mlen ? ", " : "", queue + at);
			mlen = n < 0 ? mlen : mlen + (size_t)n >= sizeof(missing) ? sizeof(missing) - 1
			       : mlen + (size_t)n;
			continue;
		}
		n_found++;
		spec_libdirs_runpath(&d, found, lib.runpath);
		for (size_t k = 0; k < lib.needed_len; k += strlen(lib.needed + k) + 1)
			spec_names_add(queue, sizeof(queue), &qlen, lib.needed + k);
	}
	if (!mlen)
		return n_found;
	for (size_t at = 0; at < d.len; at += strlen(d.buf + at) + 1)
		if (spec_stat_in_root(rootfd, d.buf + at, &st) == 0 && S_ISDIR(st.st_mode) &&
		    slen + strlen(d.buf + at) + 2 < sizeof(searched))
			slen += (size_t)ctr_snprintf(searched + slen, sizeof(searched) - slen, "%s%s", slen ? ":" : "", d.buf + at);
	spec_ck_report(c, "%s: %s needs %s, not found in the rootfs (%s%s)", what, path, missing,
		       slen ? "searched " : "", slen ? searched : "it has no library directory");
	return n_found;
}

/* A #! interpreter or ELF PT_INTERP at interp, which execve opens in the rootfs: 0 if it
 * is an executable file there, else an errno after reporting it. */
static int spec_ck_interp(struct spec_ck *c, int rootfd, const char *what, const char *path,
			  const char *kind, const char *interp)
{
	int r = spec_exec_in_root(rootfd, interp);
	if (r)
		spec_ck_report(c, "%s: %s: its %s %s %s", what, path, kind, interp,
			       r == ENOENT ? "is missing from the rootfs"
			       : r == EACCES ? "is not an executable file" : strerror(r));
	return r;
}

static void spec_ck_program(struct spec_ck *c, int rootfd, const char *what, const char *path,
			    int depth);

/* A "#!" script: its interpreter (an absolute path) must be in the rootfs and runnable. */
static void spec_ck_script(struct spec_ck *c, int rootfd, const char *what, const char *path,
			   char *head, int depth)
{
	char *p = head + 2 + strspn(head + 2, " \t");
	size_t len = strcspn(p, " \t\n");
	if (len && p[len - 1] == '\r') { /* the kernel keeps it: "/bin/sh\r" is not found */
		spec_ck_report(c, "%s: %s: its #! line ends in \\r (DOS line endings): the "
			       "interpreter \"%.*s\\r\" does not exist", what, path, (int)len - 1, p);
		return;
	}
	p[len] = 0;
	if (depth == 0 && !c->prog[0])
		ctr_snprintf(c->prog, sizeof(c->prog), "%.120s: #!%.200s", path, p);
	/* a relative interpreter is looked up from the cwd at exec: leave it */
	if (p[0] == '/' && !spec_ck_interp(c, rootfd, what, path, "#! interpreter", p) && depth < 4)
		spec_ck_program(c, rootfd, what, p, depth + 1);
}

/* The program at path in the rootfs as execve and the dynamic loader see it: a #! line's
 * interpreter, the ELF target (c->arch), PT_INTERP and the DT_NEEDED libraries. */
static void spec_ck_program(struct spec_ck *c, int rootfd, const char *what, const char *path,
			    int depth)
{
	struct elf_info e;
	char head[256], desc[96];
	int fd AUTO_CLOSE = spec_open_file_in_root(rootfd, path);
	ssize_t n = fd < 0 ? -1 : pread(fd, head, sizeof(head) - 1, 0);
	if (n < 0)
		return; /* unreadable (execute-only to a non-root caller): nothing to tell */
	head[n] = 0;
	if (n >= 2 && head[0] == '#' && head[1] == '!') {
		spec_ck_script(c, rootfd, what, path, head, depth);
		return;
	}
	const char *why = elf_read(fd, &e);
	if (why) {
		spec_ck_report(c, "%s: %s is %s%s", what, path, why,
			       strcmp(why, "not an ELF file") ? "" : " or a #! script");
		return;
	}
	elf_describe(&e, desc, sizeof(desc));
	if (c->arch && !elf_arch_match(c->arch, &e) && !(c->compat && elf_arch_match(c->compat, &e)))
		spec_ck_report(c, "%s: %s: %s, expected %s", what, path, desc, c->arch->name);
	if (*e.interp)
		spec_ck_interp(c, rootfd, what, path, "ELF interpreter", e.interp);
	unsigned libs = e.needed_len ? spec_ck_libs(c, rootfd, what, path, &e) : 0;
	if (depth == 0 && !c->prog[0] && !*e.interp)
		ctr_snprintf(c->prog, sizeof(c->prog), "%.120s: %s, static", path, desc);
	else if (depth == 0 && !c->prog[0])
		ctr_snprintf(c->prog, sizeof(c->prog), "%.120s: %s, dynamic (%.100s, %u librar%s)", path, desc,
			 e.interp, libs, libs == 1 ? "y" : "ies");
}

struct spec_ck_root {
	int fd;
	const char *cwd;
};

/* spec_exe_test in the rootfs not entered yet: a relative candidate is below process.cwd */
static int spec_ck_exe_test(void *ctx, const char *path)
{
	const struct spec_ck_root *r = ctx;
	char abs[PATH_MAX];
	if (ctr_snprintf(abs, sizeof(abs), "%s/%s", path[0] == '/' ? "" : r->cwd, path) >=
	    (int)sizeof(abs))
		return ENAMETOOLONG;
	return spec_exec_in_root(r->fd, abs);
}

static void spec_ck_args(struct spec_ck *c, int rootfd, const struct spec_process *pr)
{
	const char *arg0 = pr->args[0], *path_env;
	char buf[PATH_MAX], abs[PATH_MAX + 8];
	struct spec_ck_root r = {rootfd, pr->cwd ? pr->cwd : "/"};
	int e = spec_find_exe(pr, spec_ck_exe_test, &r, buf, sizeof(buf), &path_env);
	ctr_snprintf(abs, sizeof(abs), "%s%s%s", buf[0] == '/' ? "" : r.cwd, buf[0] == '/' ? "" : "/",
		 buf);
	if (e == 0)
		spec_ck_program(c, rootfd, "process.args[0]", abs, 0);
	else if (e == ENOENT)
		spec_ck_report(c, "process.args[0]: \"%s\" not found in the rootfs%s%s%s", arg0,
			       path_env ? " (PATH=" : "", path_env ? path_env : "", path_env ? ")" : "");
	else
		spec_ck_report(c, "process.args[0]: \"%s\": %s", arg0,
			       e == EACCES ? "not an executable file" : strerror(e));
}

static void spec_ck_process(struct spec_ck *c, int rootfd, const struct spec_process *pr)
{
	if (rootfd >= 0 && !c->no_programs)
		spec_ck_args(c, rootfd, pr);
	for (size_t i = 0; i < pr->n_rlimits; i++)
		if (pr->rlimits[i].soft > pr->rlimits[i].hard)
			spec_ck_report(c, "process.rlimits[%zu]: %s soft limit %" PRIu64
				       " is above the hard limit %" PRIu64, i, pr->rlimits[i].type,
				       pr->rlimits[i].soft, pr->rlimits[i].hard);
	if (pr->oom_score_adj.set && (pr->oom_score_adj.v < -1000 || pr->oom_score_adj.v > 1000))
		spec_ck_report(c, "process.oomScoreAdj: %" PRId64 " is outside -1000..1000",
			       pr->oom_score_adj.v);
	if (pr->apparmor_profile && *pr->apparmor_profile &&
	    access("/sys/kernel/security/apparmor", F_OK) < 0)
		spec_ck_report(c, "process.apparmorProfile: AppArmor is not enabled on this host");
	if (pr->has_io_priority && (pr->io_priority < 0 || pr->io_priority > 7))
		spec_ck_report(c, "process.ioPriority.priority: %d is outside 0..7", pr->io_priority);
	const struct spec_scheduler *s = &pr->scheduler;
	if (s->set && (s->nice < -20 || s->nice > 19))
		spec_ck_report(c, "process.scheduler.nice: %d is outside -20..19", s->nice);
	bool rt = s->policy == SCHED_FIFO || s->policy == SCHED_RR;
	if (s->set && (rt ? s->priority < 1 || s->priority > 99 : s->priority != 0))
		spec_ck_report(c, "process.scheduler.priority: %d is invalid for this policy (%s)",
			       s->priority, rt ? "1..99" : "must be 0");
}

/* A host file a hook runs: it must exist and be executable. */
static void spec_ck_host_exec(struct spec_ck *c, const char *what, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		spec_ck_report(c, "%s: %s: %s", what, path, strerror(errno));
	else if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		spec_ck_report(c, "%s: %s is not an executable file", what, path);
}

static void spec_ck_abs_paths(struct spec_ck *c, const char *what, const char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (paths[i][0] != '/')
			spec_ck_report(c, "%s[%zu]: \"%s\" is not an absolute path", what, i, paths[i]);
}

/* /proc/PID/ns names, in spec_ns_tab order */
static const char spec_proc_ns[] = "pid\0net\0mnt\0ipc\0uts\0user\0cgroup\0time\0";

/* The /proc/PID/ns name of a CLONE_NEW* type ("" if unknown). */
static const char *spec_ns_proc_name(int type)
{
	for (size_t k = 0; k < ARRAY_LEN(spec_ns_flag); k++)
		if (spec_ns_flag[k] == type)
			return spec_tab_at(spec_proc_ns, (int)k);
	return "";
}

/* Is the namespace file st ctr's own or PID 1's? Joining it is not isolation: the
 * sysctls and names written there are the host's (runc checks ctr's own for net). */
static bool spec_ns_is_host(int type, const struct stat *st)
{
	static const char *const who[] = {"self", "1"};
	for (size_t i = 0; i < ARRAY_LEN(who); i++) {
		char p[48];
		struct stat h;
		ctr_snprintf(p, sizeof(p), "/proc/%s/ns/%s", who[i], spec_ns_proc_name(type));
		if (stat(p, &h) == 0 && h.st_dev == st->st_dev && h.st_ino == st->st_ino)
			return true;
	}
	return false;
}

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif
#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
#ifndef NS_GET_NSTYPE
#define NS_GET_NSTYPE _IO(0xb7, 0x3)
#endif

/* Open a namespace to join. O_PATH first: a FIFO, device or socket there must neither
 * block nor react to an open. Only a namespace file of the expected type is reopened
 * for setns (which refuses O_PATH fds). No O_NOFOLLOW: /proc/PID/ns/X are links. */
static int spec_ns_open(const char *path, int type, struct ctr_error *err)
{
	const char *name = spec_ns_proc_name(type);
	int pfd AUTO_CLOSE = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return err_set(err, errno, "%s", path);
	char self[40], link[64], want[16];
	struct statfs sf;
	ctr_snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	ctr_snprintf(want, sizeof(want), "%s:[", name);
	ssize_t n = readlink(self, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	/* /proc/PID/ns/X links read "net:[4026531840]"; a bind mount of one (ip netns,
	 * podman's /run/netns/...) reads as its path. Either way it is an nsfs file, or a
	 * procfs one before Linux 3.19 (then only the link form). */
	bool named = str_has_prefix(link, want), other = !named && link[0] != '/';
	bool is_fs = fstatfs(pfd, &sf) == 0;
	bool nsfs = is_fs && (uint32_t)sf.f_type == NSFS_MAGIC;
	if (!(nsfs || (is_fs && (uint32_t)sf.f_type == PROC_SUPER_MAGIC && named)))
		return err_set(err, EINVAL, "%s is not a %s namespace file%s%s", path, name,
			       other ? ": it is " : "", other ? link : "");
	int fd = open(self, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open %s", path);
	/* the type: NS_GET_NSTYPE (Linux 4.11), else the link's name where it has one;
	 * setns(fd, type) checks it again */
	int t = ioctl(fd, NS_GET_NSTYPE);
	if (t >= 0 ? t != type : other) {
		close(fd);
		return err_set(err, EINVAL, "%s is not a %s namespace", path, name);
	}
	return fd;
}

/* runc's rule for linux.sysctl: only namespaced keys, each with its namespace the
 * container's own (own_ns: CLONE_NEW* bits). NULL if key may be set, else why not. */
static const char *spec_sysctl_problem(const char *name, int own_ns, char *buf, size_t size)
{
	static const char ipc[] = "kernel.msgmax\0kernel.msgmnb\0kernel.msgmni\0kernel.sem\0"
		"kernel.shmall\0kernel.shmmax\0kernel.shmmni\0kernel.shm_rmid_forced\0";
	char key[256];
	ctr_snprintf(key, sizeof(key), "%s", name);
	/* "a/b.c/d" is sysctl(8)'s slash form of "a.b/c.d" */
	size_t first = strcspn(key, "./");
	for (char *q = key; key[first] == '/' && *q; q++)
		*q = *q == '/' ? '.' : *q == '.' ? '/' : *q;
	const char *why = "is not in a separate kernel namespace";
	if (spec_tab_find(ipc, key) >= 0 || str_has_prefix(key, "fs.mqueue.")) {
		if (own_ns & CLONE_NEWIPC)
			return NULL;
		why = "is not allowed in the host's ipc namespace";
	} else if (str_has_prefix(key, "net.")) {
		if (own_ns & CLONE_NEWNET)
			return NULL;
		why = "is not allowed in the host's network namespace";
	} else if ((own_ns & CLONE_NEWUTS) && !strcmp(key, "kernel.domainname")) {
		return NULL; /* no config field for it */
	} else if ((own_ns & CLONE_NEWUTS) && !strcmp(key, "kernel.hostname")) {
		why = "is not allowed as it conflicts with the OCI \"hostname\" field";
	}
	ctr_snprintf(buf, size, "sysctl \"%s\" %s", key, why);
	return buf;
}


/* Does path name the root itself ("", "/", "/.", "a/..", ...)? */
static bool spec_path_is_root(const char *path)
{
	int depth = 0;
	for (const char *p = path; *p;) {
		size_t len = strcspn(p, "/");
		if (len == 2 && !strncmp(p, "..", 2))
			depth -= depth > 0;
		else if (len && !(len == 1 && *p == '.'))
			depth++;
		p += len + (p[len] == '/');
	}
	return depth == 0;
}

/* The kernel's rules for a uid_map/gid_map: non-empty ranges that fit in 32 bits and do
 * not overlap, at most 340 lines. */
static void spec_ck_idmap(struct spec_ck *c, const char *what, const struct spec_idmap *m,
			  size_t n)
{
	if (n > 340)
		spec_ck_report(c, "%s: %zu ranges, the kernel takes at most 340", what, n);
	for (size_t i = 0; i < n; i++) {
		if (!m[i].size || (uint64_t)m[i].container_id + m[i].size > 1ull << 32 ||
		    (uint64_t)m[i].host_id + m[i].size > 1ull << 32)
			spec_ck_report(c, "%s[%zu]: empty range or beyond 2^32", what, i);
		for (size_t j = 0; j < i; j++)
			if ((m[i].container_id < (uint64_t)m[j].container_id + m[j].size &&
			     m[j].container_id < (uint64_t)m[i].container_id + m[i].size) ||
			    (m[i].host_id < (uint64_t)m[j].host_id + m[j].size &&
			     m[j].host_id < (uint64_t)m[i].host_id + m[i].size))
				spec_ck_report(c, "%s[%zu]: overlaps %s[%zu]", what, i, what, j);
	}
}

/* Is id inside one of the container ranges? */
static bool spec_id_mapped(const struct spec_idmap *m, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (id >= m[i].container_id && id - m[i].container_id < m[i].size)
			return true;
	return false;
}

static void spec_ck_linux(struct spec_ck *c, const struct spec *s, int ns_mask)
{
	const struct spec_linux *lx = &s->lx;
	bool new_user = false, have_proc = access("/proc/self/ns", F_OK) == 0;
	for (size_t i = 0; i < lx->n_namespaces; i++) {
		const struct spec_namespace *ns = &lx->namespaces[i];
		struct stat st;
		char self[32];
		int k = 0;
		while (spec_ns_flag[k] != ns->type)
			k++;
		ctr_snprintf(self, sizeof(self), "/proc/self/ns/%s", spec_tab_at(spec_proc_ns, k));
		struct ctr_error e = {0};
		int fd = ns->path && *ns->path ? spec_ns_open(ns->path, ns->type, &e) : -1;
		if (fd >= 0)
			close(fd);
		else if (e.msg[0])
			spec_ck_report(c, "linux.namespaces[%zu].path: %s", i, e.msg);
		else if (!ns->path && have_proc && lstat(self, &st) < 0 && errno == ENOENT)
			spec_ck_report(c, "linux.namespaces[%zu]: this kernel has no %s namespaces",
				       i, spec_tab_at(spec_ns_tab, k));
		if (ns->type == CLONE_NEWUSER && !ns->path)
			new_user = true;
	}
	if (new_user && (!lx->n_uid_mappings || !lx->n_gid_mappings))
		spec_ck_report(c, "linux.uidMappings/gidMappings: a new user namespace needs both");
	spec_ck_idmap(c, "linux.uidMappings", lx->uid_mappings, lx->n_uid_mappings);
	spec_ck_idmap(c, "linux.gidMappings", lx->gid_mappings, lx->n_gid_mappings);
	const struct spec_user *u = &s->process.user;
	if (new_user && s->has_process && lx->n_uid_mappings &&
	    !spec_id_mapped(lx->uid_mappings, lx->n_uid_mappings, u->uid))
		spec_ck_report(c, "process.user.uid: %u is not mapped by linux.uidMappings", u->uid);
	if (new_user && s->has_process && lx->n_gid_mappings &&
	    !spec_id_mapped(lx->gid_mappings, lx->n_gid_mappings, u->gid))
		spec_ck_report(c, "process.user.gid: %u is not mapped by linux.gidMappings", u->gid);
	for (size_t i = 0; new_user && s->has_process && lx->n_gid_mappings &&
			   i < u->n_additional_gids; i++)
		if (!spec_id_mapped(lx->gid_mappings, lx->n_gid_mappings, u->additional_gids[i]))
			spec_ck_report(c, "process.user.additionalGids[%zu]: %u is not mapped by "
				       "linux.gidMappings", i, u->additional_gids[i]);
	if (lx->n_time_offsets && !(ns_mask & CLONE_NEWTIME))
		spec_ck_report(c, "linux.timeOffsets: set without a time namespace");
	if (lx->n_net_devices && !(ns_mask & CLONE_NEWNET))
		spec_ck_report(c, "linux.netDevices: set without a network namespace");
	for (size_t i = 0; i < lx->n_devices; i++)
		if (lx->devices[i].path[0] != '/')
			spec_ck_report(c, "linux.devices[%zu].path: \"%s\" is not an absolute path", i,
				       lx->devices[i].path);
	spec_ck_abs_paths(c, "linux.maskedPaths", lx->masked_paths, lx->n_masked_paths);
	spec_ck_abs_paths(c, "linux.readonlyPaths", lx->readonly_paths, lx->n_readonly_paths);
	const struct spec_memory *m = &lx->resources.memory;
	if (m->limit.set && m->swap.set && m->limit.v > 0 && m->swap.v > 0 && m->swap.v < m->limit.v)
		spec_ck_report(c, "linux.resources.memory.swap: %" PRId64 " is below the memory limit %"
			       PRId64 " (swap is memory+swap)", m->swap.v, m->limit.v);
	if (m->swappiness.set && m->swappiness.v > 100)
		spec_ck_report(c, "linux.resources.memory.swappiness: %" PRIu64 " is above 100",
			       m->swappiness.v);
	const struct spec_seccomp *sc = lx->seccomp;
	for (size_t i = 0; sc && i < sc->n_syscalls; i++)
		if (!sc->syscalls[i].n_names)
			spec_ck_report(c, "linux.seccomp.syscalls[%zu].names: empty", i);
}

/* The rules that keep a config from reaching the host or failing half-way, and those of
 * the config alone that create would meet later; `ctr check` and create share them. listed_ns: the CLONE_NEW* types in linux.namespaces; own_ns:
 * those that are the container's own (new, or joined by path and not the host's). */
static void spec_ck_host(struct spec_ck *c, const struct spec *s, int listed_ns, int own_ns)
{
	const struct spec_linux *lx = &s->lx;
	/* runc refuses these too ("invalid environment variable") */
	for (size_t i = 0; s->has_process && i < s->process.n_env; i++)
		if (!strchr(s->process.env[i], '=') || s->process.env[i][0] == '=')
			spec_ck_report(c, "process.env[%zu]: \"%s\" is not KEY=VALUE", i,
				       s->process.env[i]);
	char cg[PATH_MAX];
	struct ctr_error e;
	/* the systemd form "slice:prefix:name" is checked as such (--systemd-cgroup's) */
	char u[256], sl[256];
	bool sd = lx->cgroups_path && lx->cgroups_path[0] != '/' && strchr(lx->cgroups_path, ':');
	if (s->has_linux && lx->cgroups_path &&
	    (sd ? sd_parse_path(lx->cgroups_path, "-", u, sizeof(u), cg, sizeof(cg), sl, sizeof(sl), &e)
		: cg_path_clean(lx->cgroups_path, "-", cg, sizeof(cg), &e)) < 0)
		spec_ck_report(c, "%s", e.msg);
	/* runc's wording: scripts grep it */
	if (s->hostname && *s->hostname && !(own_ns & CLONE_NEWUTS))
		spec_ck_report(c, "unable to set hostname without a private UTS namespace");
	if (s->domainname && *s->domainname && !(own_ns & CLONE_NEWUTS))
		spec_ck_report(c, "unable to set domainname without a private UTS namespace");
	for (size_t i = 0; i < s->n_mounts; i++)
		if (spec_path_is_root(s->mounts[i].destination))
			spec_ck_report(c, "mounts[%zu].destination: \"%s\" is the container's root: "
				       "a mount cannot replace the rootfs", i, s->mounts[i].destination);
	if (!s->has_linux)
		return;
	char buf[400];
	for (size_t i = 0; i < lx->n_sysctl; i++)
		if (spec_sysctl_problem(lx->sysctl[i].key, own_ns, buf, sizeof(buf)))
			spec_ck_report(c, "linux.sysctl: %s", buf);
	if (!(listed_ns & CLONE_NEWUSER) && (lx->n_uid_mappings || lx->n_gid_mappings))
		spec_ck_report(c, "linux.uidMappings/gidMappings: user namespace mappings specified, "
			       "but the user namespace isn't enabled in the config");
	const struct spec_resources *r = &lx->resources;
	for (size_t i = 0; lx->has_resources && i < r->n_unified; i++) {
		const char *why = spec_unified_problem(r->unified[i].key);
		if (why)
			spec_ck_report(c, "linux.resources.unified: \"%s\": %s", r->unified[i].key, why);
	}
	/* ctr does not manage resctrl: like runc on a host without Intel RDT */
	if (lx->has_intel_rdt)
		spec_ck_report(c, "linux.intelRdt: intelRdt is specified in config, but Intel RDT is "
			       "not supported by ctr");
	const struct spec_seccomp *sc = lx->seccomp;
	bool listener = sc && sc->listener_path && *sc->listener_path;
	for (size_t i = 0; sc && !listener && i < sc->n_syscalls; i++)
		if (sc->syscalls[i].action == SC_ACT_NOTIFY) {
			spec_ck_report(c, "linux.seccomp.syscalls[%zu]: SCMP_ACT_NOTIFY needs "
				       "linux.seccomp.listenerPath", i);
			break;
		}
}

/* The namespaces of s that are its own (see spec_ck_host), by stat of their paths. */
static int spec_own_ns(const struct spec *s)
{
	int own = 0;
	for (size_t i = 0; s->has_linux && i < s->lx.n_namespaces; i++) {
		const struct spec_namespace *ns = &s->lx.namespaces[i];
		struct stat st;
		/* a path that cannot be read is reported on its own */
		if (!ns->path || !*ns->path || stat(ns->path, &st) < 0 ||
		    !spec_ns_is_host(ns->type, &st))
			own |= ns->type;
	}
	return own;
}

static void spec_ck_first(void *arg, const char *problem)
{
	struct ctr_error *err = arg;
	if (!err->errnum)
		err_set(err, EINVAL, "%s", problem);
}

static void spec_ck_config(struct spec_ck *c, const struct spec *s, const char *bundle_dir,
			   int rootfd, int listed_ns, int own_ns);

/* For create: the first problem of the validation `ctr check` runs (spec_ck_config,
 * without the rootfs's programs: the init looks process.args[0] up itself) is the error,
 * at its place in config.json like `ctr check` gives it. */
static int spec_check_config(const struct spec *s, const char *bundle_dir, const char *rootfs,
			     int listed_ns, int own_ns, struct ctr_error *err)
{
	struct ctr_error first = {0};
	const struct spec_priv *pv = s->priv;
	struct spec_ck c = {.report = spec_ck_first, .arg = &first, .source = "config.json",
			    .doc = pv && pv->doc ? json_root(pv->doc) : NULL, .problems_only = true,
			    .no_programs = true};
	/* only for startContainer hooks, which run in it */
	int rootfd AUTO_CLOSE = s->n_hooks[HOOK_START_CONTAINER] ?
		open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	spec_ck_config(&c, s, bundle_dir, rootfd, listed_ns, own_ns);
	if (!c.n)
		return 0;
	*err = first;
	return -1;
}

struct spec_ck_dup {
	struct spec_ck *c;
	const char *source;
	int left;                    /* how many more to show */
};

static int spec_ck_dup(void *arg, const char *path, const struct json *first,
		       const struct json *dup)
{
	struct spec_ck_dup *d = arg;
	unsigned l1, c1, l2, c2;
	char note[PATH_MAX + 400];
	if (!d->left--) {
		ctr_snprintf(note, sizeof(note), "%s: more duplicate keys not shown", d->source);
		spec_ck_warn(d->c, note);
		return 1;
	}
	json_pos(first, &l1, &c1);
	json_pos(dup, &l2, &c2);
	ctr_snprintf(note, sizeof(note), "%s:%u:%u: %s%sduplicate key \"%s\", also at %u:%u: the last "
		 "one is used", d->source, l2, c2, path, *path ? ": " : "", json_str(dup, NULL), l1,
		 c1);
	spec_ck_warn(d->c, note);
	return 0;
}

/* Repeated member names are allowed, the last one counts (as in runc's encoding/json);
 * JSON readers differ here, so check names each (a note: create runs the config). */
static void spec_ck_dups(struct spec_ck *c, const struct spec *s)
{
	struct spec_ck_dup d = {c, c->source, 20};
	if (c->problems_only)
		return;
	if (json_dups(json_root(((const struct spec_priv *)s->priv)->doc), spec_ck_dup, &d) < 0)
		spec_ck_report(c, "%s: duplicate keys: out of memory", c->source);
}

/* The validation `ctr check` and create share (create: rootfd -1, the programs of the
 * rootfs are not read): duplicate keys, the process, bind sources, hooks, the host's
 * rules and the linux section. listed_ns, own_ns: as for spec_ck_host. */
static void spec_ck_config(struct spec_ck *c, const struct spec *s, const char *bundle_dir,
			   int rootfd, int listed_ns, int own_ns)
{
	spec_ck_dups(c, s);
	if (str_toul(s->oci_version + 2, NULL) > 3) { /* "1.x", checked by the parser */
		/* a note, as the parser's: create runs such a config too */
		char note[160];
		ctr_snprintf(note, sizeof(note), "ociVersion: %s is newer than " CTR_OCI_VERSION
			 ": its new fields are ignored", s->oci_version);
		spec_ck_warn(c, note);
	}
	if (s->has_process)
		spec_ck_process(c, rootfd, &s->process);
	else
		spec_ck_report(c, "process: missing, so there is nothing to start");
	struct stat st;
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];
		bool bind = m->type && strcmp(m->type, "bind") == 0;
		for (size_t j = 0; j < m->n_options; j++)
			bind |= !strcmp(m->options[j], "bind") || !strcmp(m->options[j], "rbind");
		char src[PATH_MAX];
		if (bind && !m->source) {
			spec_ck_report(c, "mounts[%zu].source: missing for a bind mount", i);
		} else if (bind) {
			if (m->source[0] == '/')
				ctr_snprintf(src, sizeof(src), "%s", m->source);
			else
				spec_bundle_path(src, sizeof(src), bundle_dir, m->source, NULL);
			if (stat(src, &st) < 0)
				spec_ck_report(c, "mounts[%zu].source: %s: %s", i, src,
					       strerror(errno));
		}
	}
	for (int k = 0; k < HOOK_KIND_COUNT; k++)
		for (size_t i = 0; i < s->n_hooks[k]; i++) {
			char what[64];
			const char *path = s->hooks[k][i].path;
			ctr_snprintf(what, sizeof(what), "hooks.%s[%zu].path",
				 spec_tab_at(spec_hook_tab, k), i);
			/* startContainer hooks run in the container: their path is in the rootfs */
			int e = k != HOOK_START_CONTAINER ? 0 : rootfd < 0 ? -1 :
				spec_exec_in_root(rootfd, path);
			if (k != HOOK_START_CONTAINER)
				spec_ck_host_exec(c, what, path);
			else if (e > 0)
				spec_ck_report(c, "%s: %s in the rootfs: %s", what, path,
					       e == EACCES ? "not an executable file" : strerror(e));
			else if (e == 0 && !c->no_programs)
				spec_ck_program(c, rootfd, what, path, 1);
		}
	spec_ck_host(c, s, listed_ns, own_ns);
	spec_ck_linux(c, s, listed_ns);
}

int ctr_check(const char *bundle_dir, void (*report)(void *arg, const char *problem), void *arg,
	      struct ctr_error *err)
{
	return ctr_check_with(bundle_dir, NULL, report, arg, err);
}

/* The check's arguments: the target architecture into c (a->arch NULL: the one ctr is
 * built for, "": any), an empty summary; -1 for an unknown architecture. */
static int spec_ck_start(struct spec_ck *c, const struct ctr_check_args *a,
			 struct ctr_error *err)
{
	const char *arch = a && a->arch ? a->arch : ELF_NATIVE_ARCH;
	if (a && a->summary && a->summary_size)
		a->summary[0] = 0;
	if (arch && *arch && !(c->arch = elf_arch_find(arch)))
		return err_set(err, 0, "--arch %s: unknown; one of x86_64, i386, armhf, aarch64, "
			       "mips, mipsel, riscv64", arch);
	/* without --arch, a 32-bit program an x86_64 or aarch64 kernel runs is no problem */
	if (c->arch && !(a && a->arch))
		c->compat = elf_arch_find(c->arch->compat);
	return 0;
}

/* The summary of a clean check, into a->summary: what was looked at. */
static void spec_ck_summary(const struct spec_ck *c, const struct spec *s,
			    const struct ctr_check_args *a)
{
	const struct spec_seccomp *sc = s->lx.seccomp;
	char rules[32] = "no seccomp";
	if (c->n || !a || !a->summary || !a->summary_size)
		return;
	if (sc)
		ctr_snprintf(rules, sizeof(rules), "seccomp %zu rule%s", sc->n_syscalls,
			 sc->n_syscalls == 1 ? "" : "s");
	ctr_snprintf(a->summary, a->summary_size, "ociVersion %s, %zu mount%s, %zu namespace%s, %s%s%s", s->oci_version,
		 s->n_mounts, s->n_mounts == 1 ? "" : "s", s->lx.n_namespaces,
		 s->lx.n_namespaces == 1 ? "" : "s", rules, c->prog[0] ? ", " : "", c->prog);
}

int ctr_check_with(const char *bundle_dir, const struct ctr_check_args *a,
		   void (*report)(void *arg, const char *problem), void *arg,
		   struct ctr_error *err)
{
	struct spec_ck c = {.report = report, .arg = arg};
	struct spec *s = NULL;
	struct ctr_error perr = {0};
	if (spec_ck_start(&c, a, err) < 0)
		return -1;
	if (spec_load(bundle_dir, &s, &perr) < 0) {
		if (perr.errnum == ENOMEM)
			return err_set(err, ENOMEM, "%s", perr.msg);
		spec_ck_report(&c, "%s", perr.msg);
		return c.n;
	}
	/* parse notes, oldest first */
	size_t n_notes = 0;
	const struct spec_priv *pv = s->priv;
	for (const struct spec_note *n = pv->notes; n; n = n->next)
		n_notes++;
	for (size_t k = n_notes; k--;) {
		const struct spec_note *n = pv->notes;
		for (size_t j = 0; j < k; j++)
			n = n->next;
		spec_ck_warn(&c, n->text);
	}
	char source[PATH_MAX];
	spec_bundle_path(source, sizeof(source), bundle_dir, "config.json", NULL);
	c.source = source;
	c.doc = json_root(pv->doc);

	char rootfs[PATH_MAX];
	int rootfd AUTO_CLOSE = -1;
	struct stat st;
	if (s->root_path[0] == '/')
		ctr_snprintf(rootfs, sizeof(rootfs), "%s", s->root_path);
	else
		spec_bundle_path(rootfs, sizeof(rootfs), bundle_dir, s->root_path, NULL);
	if (stat(rootfs, &st) < 0)
		spec_ck_report(&c, "root.path: %s: %s", rootfs, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		spec_ck_report(&c, "root.path: %s is not a directory", rootfs);
	else if ((rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		spec_ck_report(&c, "root.path: %s: %s", rootfs, strerror(errno));

	int ns_mask = 0;
	for (size_t i = 0; i < s->lx.n_namespaces; i++)
		ns_mask |= s->lx.namespaces[i].type;
	spec_ck_config(&c, s, bundle_dir, rootfd, ns_mask, spec_own_ns(s));
	spec_ck_summary(&c, s, a);
	spec_free(s);
	return c.n;
}

/* ======================================================================
 * process: user namespace maps, network devices, sysctl, identity, caps, exec
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
 * no_new_keyring, stdio owned by the process uid. Needs privileges: runs before the
 * identity change. */
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
static void process_home_env(const struct spec_process *p, char *buf, size_t size);
static int process_exec_found(const char *exe, const struct spec_process *p,
			      const char *home_env, struct ctr_error *err);

#include <net/if.h>
#include <sys/personality.h>
#include <linux/rtnetlink.h>

/* ---- user and time namespaces ---- */

/* Open a /proc file for writing where no mount can redirect it (CVE-2025-52881): what
 * is opened must be procfs, and a /proc/self path is resolved from the procfs root
 * crossing no mount (a bind over /proc/1 would redirect it to a file of the
 * container's choosing). Returns the fd, or -1 with errno. */
static int process_open_proc(const char *path)
{
	struct statfs sf;
	int fd = -1;
	if (str_has_prefix(path, "/proc/self/")) {
		int root AUTO_CLOSE = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root < 0)
			return -1;
		fd = sys_openat2(root, path + 6, O_WRONLY | O_CLOEXEC | O_NOCTTY, 0,
				 CTR_RESOLVE_NO_XDEV | CTR_RESOLVE_NO_MAGICLINKS | CTR_RESOLVE_BENEATH);
		if (fd < 0 && errno != ENOSYS && errno != EPERM) /* EPERM: a seccomp filter */
			return -1;
	}
	if (fd < 0)
		fd = openat(AT_FDCWD, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd >= 0 && (fstatfs(fd, &sf) < 0 || (uint32_t)sf.f_type != PROC_SUPER_MAGIC)) {
		close(fd);
		errno = EXDEV;
		return -1;
	}
	return fd;
}

/* Write a proc file in one write(); returns 0 or the errno. */
static int process_write(const char *path, const char *data, size_t len)
{
	int fd = process_open_proc(path);
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
	ctr_snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
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

#define USERNS_HELPER_MS 30000 /* newuidmap under a loaded TCG guest */

/* Wait for a hidden child (bounded: killed at the deadline); its exit status or -1. */
static int userns_helper_wait(pid_t pid, int pidfd, int out, char *buf, size_t size)
{
	size_t len = 0;
	int st = -1;
	long long end = monotonic_ms() + USERNS_HELPER_MS, left = USERNS_HELPER_MS;
	struct pollfd pf = {.fd = out, .events = POLLIN};
	while ((left = end - monotonic_ms()) > 0 && (poll(&pf, 1, (int)left) >= 0 || errno == EINTR)) {
		ssize_t r = pf.revents ? read(out, buf + len, size - 1 - len) : 0;
		if (pf.revents && r <= 0 && !(r < 0 && errno == EINTR))
			break; /* EOF: it exits */
		len += r > 0 ? (size_t)r : 0;
		if (len >= size - 1)
			len = 0; /* keep the last of a long story */
	}
	buf[len] = 0;
	/* its output closed: it exits now, or is killed at the deadline (with a pidfd) */
	struct pollfd pp = {.fd = pidfd, .events = POLLIN};
	if (left > 0 && pidfd >= 0 && ((left = end - monotonic_ms()) <= 0 ||
				       poll(&pp, 1, (int)left) == 0))
		left = 0;
	if (left <= 0) {
		if (pidfd >= 0)
			sys_pidfd_send_signal(pidfd, SIGKILL);
		else
			kill(pid, SIGKILL);
	}
	while (waitpid(pid, &st, __WALL) < 0 && errno == EINTR)
		;
	return left > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Rootless ranges: newuidmap/newgidmap (setuid, the uidmap package) write what
 * /etc/subuid and /etc/subgid allow us. A hidden child, bounded, its stderr the error. */
static int userns_newidmap(pid_t pid, bool g, const struct spec_idmap *m, size_t n,
			   struct ctr_error *err)
{
	const char *prog = g ? "newgidmap" : "newuidmap";
	char **argv = calloc(3 * n + 3, sizeof(*argv)), *num = calloc(3 * n + 1, 12);
	if (!argv || !num) {
		free(argv);
		free(num);
		return err_nomem(err);
	}
	argv[0] = (char *)prog;
	argv[1] = num;
	ctr_snprintf(num, 12, "%d", (int)pid);
	for (size_t i = 0; i < 3 * n; i++) {
		const struct spec_idmap *e = &m[i / 3];
		argv[i + 2] = num + 12 * (i + 1);
		ctr_snprintf(argv[i + 2], 12, "%" PRIu32, i % 3 == 0 ? e->container_id :
			 i % 3 == 1 ? e->host_id : e->size);
	}
	int p[2] = {-1, -1}, pidfd = -1, rc = -1;
	char out[512];
	pid_t c = pipe2(p, O_CLOEXEC) < 0 ? -1 : spawn_hidden(&pidfd);
	if (c == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execvp(prog, argv);
		fd_printf(2, "cannot run it (%s): is the uidmap package installed?", strerror(errno));
		_exit(127);
	}
	if (c < 0)
		err_set(err, errno, "%s", prog);
	else {
		close(p[1]);
		p[1] = -1;
		int st = userns_helper_wait(c, pidfd, p[0], out, sizeof(out));
		out[strcspn(out, "\n")] = 0;
		if (st != 0)
			err_set(err, 0, "linux.%s: %s %s: %s", g ? "gidMappings" : "uidMappings",
				prog, st < 0 ? "timed out" : "failed", *out ? out : "no message");
		rc = st == 0 ? 0 : -1;
	}
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0)
			close(p[i]);
	if (pidfd >= 0)
		close(pidfd);
	free(argv);
	free(num);
	return rc;
}

/* A map we may write ourselves without privileges: our own id once. */
static bool userns_own_only(const struct spec_idmap *m, size_t n, uint32_t id)
{
	return n == 1 && m[0].host_id == id && m[0].size == 1;
}

static int userns_write_maps(pid_t pid, const struct spec *s, struct ctr_error *err)
{
	const struct spec_linux *l = &s->lx;
	/* root writes any map; rootless, only its own id, the rest through newuidmap */
	bool own_u = geteuid() == 0 || !l->n_uid_mappings ||
		     userns_own_only(l->uid_mappings, l->n_uid_mappings, geteuid());
	bool own_g = geteuid() == 0 || !l->n_gid_mappings ||
		     userns_own_only(l->gid_mappings, l->n_gid_mappings, getegid());
	if ((!own_u && userns_newidmap(pid, false, l->uid_mappings, l->n_uid_mappings, err) < 0) ||
	    (!own_g && userns_newidmap(pid, true, l->gid_mappings, l->n_gid_mappings, err) < 0))
		return -1;
	/* Without CAP_SETGID over the parent namespace (rootless) the kernel takes a
	 * gid_map only after setgroups is denied; as root keep setgroups usable. */
	if (geteuid() != 0 && own_g && l->n_gid_mappings) {
		char path[64];
		ctr_snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
		int e = process_write(path, "deny", 4);
		if (e && e != ENOENT)
			return err_set(err, e, "write %s", path);
	}
	if (own_u && userns_write_map(pid, "uid_map", "uidMappings", l->uid_mappings,
				      l->n_uid_mappings, err) < 0)
		return -1;
	return own_g ? userns_write_map(pid, "gid_map", "gidMappings", l->gid_mappings,
					l->n_gid_mappings, err) : 0;
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
	ctr_snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
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
	ctr_snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
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
		ctr_snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
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
			  !strchr(key, '/') && !str_find(key, "..");
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
		unsigned long lo = str_toul(p, &end), hi = lo;
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return -1;
			hi = str_toul(end + 1, &end);
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
	if (ctr_snprintf(buf, sizeof(buf), "%s%s", apparmor ? "exec " : "", value) >= (int)sizeof(buf))
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

/* As runc: fds 0-2 (pipes, files, the pty slave) become the process user's, so that it
 * can reopen /dev/stdout and own its terminal. Only the owner uid changes (the devpts
 * gid stays); /dev/null is left alone; EINVAL/EPERM (an owner or gid not mapped in the
 * user namespace) are not errors. Skipped for root: nothing to give. */
static int process_fix_stdio(uid_t uid, struct ctr_error *err)
{
	for (int fd = 0; uid != 0 && fd < 3; fd++) {
		struct stat st;
		if (fstat(fd, &st) < 0) {
			if (errno == EBADF)
				continue;
			return err_set(err, errno, "fstat stdio fd %d", fd);
		}
		if (st.st_uid == uid || (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)))
			continue;
		if (fchown(fd, uid, st.st_gid) < 0 && errno != EINVAL && errno != EPERM)
			return err_set(err, errno, "chown stdio fd %d to uid %u", fd, (unsigned)uid);
	}
	return 0;
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
		int n = ctr_snprintf(v, sizeof(v), "%" PRId64, p->oom_score_adj.v);
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
	return process_fix_stdio(p->user.uid, err);
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
		int fd = (int)str_tol(e->d_name, NULL);
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

/* spec_exe_test in the current root (the container's by now), as the process user */
static int process_exe_test(void *ctx, const char *path)
{
	(void)ctx;
	struct stat st;
	if (stat(path, &st) < 0)
		return errno;
	if (!S_ISREG(st.st_mode))
		return EACCES;
	return access(path, X_OK) < 0 ? errno : 0;
}

/* args[0] as the container resolves it (spec_find_exe), into buf; run before the
 * seccomp filter (see process_exec_found) and at create, so a typo fails `create`. */
static int process_find_executable(const struct spec_process *p, char *buf, size_t size,
				   struct ctr_error *err)
{
	if (!p->n_args || !p->args[0] || !*p->args[0])
		return err_set(err, 0, "process.args must not be empty");
	const char *path_env;
	int e = spec_find_exe(p, process_exe_test, NULL, buf, size, &path_env);
	if (e && path_env) { /* runc's words exactly: scripts grep them (no strerror) */
		err_set(err, 0, "exec: \"%s\": executable file not found in $PATH", p->args[0]);
		err->errnum = ENOENT;
		return -1;
	}
	return e ? err_set(err, e, "exec: \"%s\"", p->args[0]) : 0;
}

/* As runc and crun: an env without HOME gets the home of the process uid in the
 * container's /etc/passwd, "/" without one. Read in the current root (the container's by
 * now) with no magic link followed; run before the identity change. Into buf:
 * "HOME=<dir>", or "" when the env has HOME already. */
static void process_home_env(const struct spec_process *p, char *buf, size_t size)
{
	buf[0] = 0;
	for (size_t i = 0; i < p->n_env; i++)
		if (str_has_prefix(p->env[i], "HOME="))
			return;
	char home[PATH_MAX] = "";
	char *text AUTO_FREE = NULL;
	int root AUTO_CLOSE = openat(AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int fd AUTO_CLOSE = root < 0 ? -1 : rootfs_open_in(root, "/etc/passwd", O_RDONLY, 0, NULL);
	if (fd >= 0 && read_fd(fd, "/etc/passwd", 1 << 22, &text, NULL, NULL) == 0)
		util_passwd_field(text, p->user.uid, 5, home, sizeof(home));
	ctr_snprintf(buf, size, "HOME=%s", home[0] ? home : "/");
}

/* execve an executable already found with process_find_executable: the lookup runs
 * before the seccomp filter, which may not allow stat/access (runc looks up first too).
 * home_env (process_home_env) is added to the env unless empty. */
static int process_exec_found(const char *exe, const struct spec_process *p,
			      const char *home_env, struct ctr_error *err)
{
	const char **env = mem_array(p->n_env + 2, sizeof(*env), err);
	if (!env)
		return -1;
	if (p->n_env)
		memcpy(env, p->env, p->n_env * sizeof(*env));
	if (home_env && *home_env)
		env[p->n_env] = home_env;
	execve(exe, (char *const *)p->args, (char *const *)env);
	int e = errno;
	free(env);
	return err_set(err, e, "exec %s", exe);
}


/* ======================================================================
 * terminal: pty inside the container's devpts, console socket, fd passing, relay
 * ====================================================================== */

/* The container's pseudo-terminal: created inside the container's own devpts instance
 * (after the root switch), made the process's controlling terminal, and its master sent to
 * the caller: over --console-socket as runc does, or back to ctr for a foreground relay. */

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* Open a new pty pair from /dev/ptmx (the container's, once inside its root). */
#define TERM_DEVPTS_MAGIC 0x1cd1

static int term_open_pty(int *master_out, int *slave_out, struct ctr_error *err)
{
	int master AUTO_CLOSE = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return err_set(err, errno, "open /dev/ptmx");
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return err_set(err, errno, "unlock pty");
	/* TIOCGPTPEER opens the peer without a path lookup that a container could redirect. */
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0) {
		unsigned n;
		char path[32];
		if (ioctl(master, TIOCGPTN, &n) < 0)
			return err_set(err, errno, "get pty number");
		ctr_snprintf(path, sizeof(path), "/dev/pts/%u", n);
		slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
		if (slave < 0)
			return err_set(err, errno, "open %s", path);
		/* a path a container could swap (CVE-2025-52565): it must be this pty's peer */
		struct stat st;
		struct statfs sf;
		if (fstat(slave, &st) < 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) < 136 ||
		    major(st.st_rdev) > 143 ||
		    (major(st.st_rdev) - 136) * 256 + minor(st.st_rdev) != n ||
		    fstatfs(slave, &sf) < 0 || (uint32_t)sf.f_type != TERM_DEVPTS_MAGIC) {
			close(slave);
			return err_set(err, EXDEV, "%s is not the peer of the pty opened", path);
		}
	}
	*slave_out = slave;
	*master_out = TAKE_FD(master);
	return 0;
}

/* Make slave the controlling terminal and stdio of the calling process (a session
 * leader after setsid), with the requested size. */
static int term_become_controlling(int slave, unsigned rows, unsigned cols, struct ctr_error *err)
{
	if (rows || cols) {
		struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
		if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
			return err_set(err, errno, "set console size");
	}
	if (setsid() < 0 && errno != EPERM)
		return err_set(err, errno, "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return err_set(err, errno, "set controlling terminal");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return err_set(err, errno, "dup2 pty to fd %d", fd);
	return 0;
}

/* Bind the pty slave over /dev/console, as runc does (inside the container's root). The
 * placeholder made before /dev turned read-only is used as it is, never opened for
 * writing. The bind goes from the pty's fd onto the placeholder's (open_tree +
 * move_mount, Linux 5.2), so neither a symlink there nor a mount over /proc/1, which
 * would redirect /proc/self/fd (CVE-2025-52881), redirects it; the old way checks that
 * the /proc/self/fd paths still lead to both. */
static int term_bind_console(int slave, struct ctr_error *err)
{
	char src[32], dst[32];
	if (mknod("/dev/console", S_IFREG | 0600, 0) < 0 && errno != EEXIST)
		return err_set(err, errno, "create /dev/console");
	int fd AUTO_CLOSE = open("/dev/console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st, a, b;
	if (fd < 0 || fstat(fd, &st) < 0)
		return err_set(err, errno, "open /dev/console");
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
		return err_set(err, EEXIST, "/dev/console is neither a file nor a device");
	int tree AUTO_CLOSE = mnt_sys_open_tree(slave, "", MNT_OPEN_TREE_CLONE | O_CLOEXEC |
						AT_EMPTY_PATH);
	if (tree >= 0)
		return mnt_sys_move(tree, fd) < 0 ? err_set(err, errno, "bind pty to /dev/console") : 0;
	ctr_snprintf(src, sizeof(src), "/proc/self/fd/%d", slave);
	ctr_snprintf(dst, sizeof(dst), "/proc/self/fd/%d", fd);
	if (fstat(slave, &a) < 0 || stat(src, &b) < 0 || a.st_dev != b.st_dev ||
	    a.st_ino != b.st_ino || stat(dst, &b) < 0 || st.st_dev != b.st_dev ||
	    st.st_ino != b.st_ino)
		return err_set(err, EXDEV, "bind pty to /dev/console: /proc/self/fd is redirected");
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
		return err_set(err, errno, "bind pty to /dev/console");
	return 0;
}

/* Send data[0..len) with fd attached (SCM_RIGHTS) over an AF_UNIX socket. */
static int term_sendmsg_fd(int sock, int fd, const void *data, size_t len, struct ctr_error *err)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	for (;;) {
		if (sendmsg(sock, &msg, MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno != EINTR)
			return err_set(err, errno, "send terminal fd");
	}
}

/* Send fd with a name as payload, as runc's console socket protocol does. */
static int term_send_fd(int sock, int fd, const char *name, struct ctr_error *err)
{
	return term_sendmsg_fd(sock, fd, name, strlen(name) + 1, err);
}

/* Receive one message into buf (at most size bytes) and the fd sent with it, if any
 * (*fd_out = -1 when none; extra fds are closed). Returns the length, or -1 (errno). */
static ssize_t term_recvmsg_fd(int sock, void *buf, size_t size, int *fd_out)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = buf, .iov_len = size};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
	ssize_t n;
	*fd_out = -1;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfd; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*fd_out < 0)
				*fd_out = fd;
			else
				close(fd);
		}
	}
	return n;
}

/* Receive one fd sent with term_send_fd (or by runc-compatible senders). */
static int term_recv_fd(int sock, int *fd_out, struct ctr_error *err)
{
	char name[256];
	if (term_recvmsg_fd(sock, name, sizeof(name), fd_out) < 0)
		return err_set(err, errno, "receive terminal fd");
	if (*fd_out < 0)
		return err_set(err, EBADMSG, "receive terminal fd: no fd in the message");
	return 0;
}

/* Connect to the console socket (--console-socket) and send the pty master to it. */
static int term_send_to_console_socket(const char *path, int master, struct ctr_error *err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(addr.sun_path))
		return err_set(err, ENAMETOOLONG, "console socket %s", path);
	strcpy(addr.sun_path, path);
	int sock AUTO_CLOSE = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return err_set(err, errno, "console socket");
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return err_set(err, errno, "connect to console socket %s", path);
	if (term_send_fd(sock, master, "/dev/ptmx", err) < 0)
		return err_prefix(err, "console socket %s", path);
	return 0;
}

/* In the container process, inside its root: make a pty in the container's devpts, send
 * the master to ctr over sync (msg is the payload), make the slave the controlling
 * terminal and stdio (and /dev/console for an init). */
static int term_setup_child(int sync, const void *msg, size_t len, unsigned rows, unsigned cols,
			    bool console, struct ctr_error *err)
{
	int master AUTO_CLOSE = -1, slave AUTO_CLOSE = -1;
	if (term_open_pty(&master, &slave, err) < 0 ||
	    term_sendmsg_fd(sync, master, msg, len, err) < 0 ||
	    term_become_controlling(slave, rows, cols, err) < 0 ||
	    (console && term_bind_console(slave, err) < 0))
		return err_prefix(err, "terminal");
	return 0;
}

/* In ctr: hand the master received from the container on, to the console socket (and
 * close it) or to the caller through *pty_master. Takes master in every case. */
static int term_deliver(int master, const char *console_socket, int *pty_master,
			struct ctr_error *err)
{
	if (console_socket) {
		int rc = term_send_to_console_socket(console_socket, master, err);
		close(master);
		return rc;
	}
	if (!pty_master) {
		close(master);
		return err_set(err, EINVAL, "terminal: no console socket and nobody to relay");
	}
	*pty_master = master;
	return 0;
}

/* ---------- relay: a foreground terminal (ctr_relay_tty) ---------- */

/* Copy one read's worth from `from` to `to`: bytes copied, 0 at EOF or error, -1 when
 * nothing was there. */
static ssize_t relay_copy(int from, int to)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return -1;
	if (n <= 0)
		return 0;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		if (w < 0 && errno == EAGAIN) {
			struct pollfd p = {.fd = to, .events = POLLOUT};
			poll(&p, 1, -1);
		} else if (w < 0 && errno != EINTR) {
			return n; /* the reader went away: drop the rest, keep going */
		}
		off += w > 0 ? w : 0;
	}
	return n;
}

/* The user's window size (in_fd, or out_fd if in_fd is redirected) onto the pty. */
static void relay_resize(const struct ctr_relay_args *r)
{
	struct winsize ws;
	if (r->master >= 0 &&
	    (ioctl(r->in_fd, TIOCGWINSZ, &ws) == 0 || ioctl(r->out_fd, TIOCGWINSZ, &ws) == 0))
		ioctl(r->master, TIOCSWINSZ, &ws);
}

/* One signal taken by the relay; true once r->pid is reaped (its wait status in *status). */
static bool relay_signal(const struct ctr_relay_args *r, int sig, int *status)
{
	bool done = false;
	if (sig == SIGCHLD) {
		int st;
		pid_t want = r->flags & CTR_RELAY_REAP_ANY ? -1 : r->pid;
		for (pid_t p; (p = waitpid(want, &st, WNOHANG)) > 0;)
			if (p == r->pid)
				*status = st, done = true;
	} else if (sig == SIGWINCH) {
		relay_resize(r);
	} else if (sig != SIGPIPE) {
		kill(r->pid, sig);
	}
	return done;
}

/* Wait for r->pid taking the signals of set (from sfd, or sigwaitinfo without one: then
 * no relay), copying in_fd -> master -> out_fd meanwhile. 1 if the pty may still hold
 * output, 0 if not, -1 on error. */
static int relay_loop(const struct ctr_relay_args *r, int sfd, const sigset_t *set,
		      int *status, struct ctr_error *err)
{
	bool in_open = r->master >= 0 && r->in_fd >= 0, out_open = r->master >= 0, done = false;
	while (!done) {
		if (sfd < 0) {
			int sig = sigwaitinfo(set, NULL);
			done = sig > 0 && relay_signal(r, sig, status);
			continue;
		}
		struct pollfd p[3] = {
			{.fd = sfd, .events = POLLIN},
			{.fd = out_open ? r->master : -1, .events = POLLIN},
			{.fd = in_open ? r->in_fd : -1, .events = POLLIN},
		};
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return err_set(err, errno, "relay: poll");
		}
		struct signalfd_siginfo si;
		if ((p[0].revents & POLLIN) && read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			done = relay_signal(r, (int)si.ssi_signo, status);
		if (out_open && p[1].revents)
			out_open = relay_copy(r->master, r->out_fd) != 0;
		if (in_open && p[2].revents && relay_copy(r->in_fd, r->master) == 0) {
			/* input ended: the shell in the pty gets an end of file too */
			in_open = false;
			if (!isatty(r->in_fd))
				(void)!write(r->master, "\004", 1);
		}
	}
	return out_open;
}

int ctr_relay_tty(const struct ctr_relay_args *r, int *exit_code, struct ctr_error *err)
{
	sigset_t set;
	if (sigprocmask(SIG_BLOCK, NULL, &set) < 0)
		return err_set(err, errno, "relay: sigprocmask");
	if (!sigismember(&set, SIGCHLD))
		return err_set(err, EINVAL, "relay: the caller must block SIGCHLD");
	int sfd AUTO_CLOSE = signalfd(-1, &set, SFD_CLOEXEC);
	struct termios saved;
	bool raw = false;
	if (r->master >= 0 && r->in_fd >= 0 && isatty(r->in_fd) &&
	    tcgetattr(r->in_fd, &saved) == 0) {
		struct termios t = saved;
		cfmakeraw(&t);
		raw = tcsetattr(r->in_fd, TCSANOW, &t) == 0;
	}
	relay_resize(r);
	int status = 0, rc = relay_loop(r, sfd, &set, &status, err);
	if (rc > 0) {
		/* the rest of the output; other holders of the pty must not keep us here */
		fcntl(r->master, F_SETFL, fcntl(r->master, F_GETFL) | O_NONBLOCK);
		while (relay_copy(r->master, r->out_fd) > 0)
			;
	}
	if (raw)
		tcsetattr(r->in_fd, TCSANOW, &saved);
	if (rc < 0)
		return -1;
	*exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	return 0;
}

/* ======================================================================
 * hooks: OCI hooks with the state on stdin, timeouts
 * ====================================================================== */

/* OCI hooks: each runs with the container state JSON on stdin, its own args and env
 * (ctr's environment when it has no "env"), and is killed at its timeout. A hook's
 * output is kept for the error message. */

static const char *const hook_kind_names[HOOK_KIND_COUNT] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

/* Wait for our own hidden child pid (spawn_hidden) for at most timeout_ms (-1: forever),
 * collecting up to out_size-1 bytes of its output from out_fd. Returns the wait status,
 * -1 on timeout (the child is then killed and reaped), -2 if someone else reaped it. */
static int hook_wait(pid_t pid, int pidfd, int out_fd, int timeout_ms, char *out,
		     size_t out_size)
{
	size_t len = 0;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	bool open_out = out_fd >= 0;
	for (;;) {
		int status;
		pid_t r = waitpid(pid, &status, WNOHANG | __WALL);
		if (r < 0 && errno == ECHILD)
			return -2; /* not ours any more: nothing left to wait for */
		if (r == pid && !open_out)
			return status;
		int wait_ms = -1;
		if (timeout_ms >= 0) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			long spent = (now.tv_sec - start.tv_sec) * 1000 +
				     (now.tv_nsec - start.tv_nsec) / 1000000;
			if (spent >= timeout_ms) {
				if (r != pid) {
					kill(pid, SIGKILL);
					while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR)
						;
				}
				return -1;
			}
			wait_ms = timeout_ms - (int)spent;
		}
		struct pollfd pfd[2];
		nfds_t n = 0;
		if (open_out)
			pfd[n++] = (struct pollfd){.fd = out_fd, .events = POLLIN};
		if (r != pid && pidfd >= 0)
			pfd[n++] = (struct pollfd){.fd = pidfd, .events = POLLIN};
		if (r != pid && pidfd < 0 && (wait_ms < 0 || wait_ms > 10))
			wait_ms = 10; /* no pidfd (old kernel): look again shortly */
		if (n == 0 && r == pid)
			return status;
		if (poll(pfd, n, wait_ms) < 0 && errno != EINTR)
			return -1;
		if (open_out && pfd[0].revents) {
			char buf[512];
			ssize_t got = read(out_fd, buf, sizeof(buf));
			if (got <= 0) {
				open_out = false;
			} else if (len + 1 < out_size) {
				size_t take = (size_t)got < out_size - 1 - len ? (size_t)got : out_size - 1 - len;
				memcpy(out + len, buf, take);
				len += take;
				out[len] = 0;
			}
		}
		if (r == pid)
			return status;
	}
}

/* In the hidden child of hook_run_one: no handler of the caller runs here, SIGCHLD is
 * ours to wait for (not ignored), and the hook is forked (raw clone: libc's fork would
 * take locks that the caller's other threads may hold). Returns the hook's pid here, 0
 * in the hook, which dies with us (a timeout kills us). */
static pid_t hook_keeper_start(void)
{
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	signal(SIGCHLD, SIG_DFL);
	pid_t keeper = getpid();
	pid_t pid = sys_clone(SIGCHLD);
	if (pid == 0 && (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != keeper))
		_exit(127);
	return pid;
}

/* End as the hook ended: its exit status, or death by its signal (without a core). */
__attribute__((noreturn))
static void hook_keeper_mirror(pid_t hook)
{
	int st;
	while (waitpid(hook, &st, 0) < 0)
		if (errno != EINTR)
			_exit(127);
	if (WIFSIGNALED(st)) {
		sigset_t one;
		sigemptyset(&one);
		sigaddset(&one, WTERMSIG(st));
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		signal(WTERMSIG(st), SIG_DFL);
		kill(getpid(), WTERMSIG(st));
		sigprocmask(SIG_UNBLOCK, &one, NULL);
	}
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 127);
}

/* Run one hook. state_json goes to its stdin through a memfd, so a hook that never
 * reads it cannot block us. */
static int hook_run_one(const struct spec_hook *h, const char *kind, size_t index,
			const char *state_json, struct ctr_error *err)
{
	int in AUTO_CLOSE = (int)syscall(SYS_memfd_create, "ctr-hook-state", 1u /* MFD_CLOEXEC */);
	if (in < 0)
		return err_set(err, errno, "%s hook %zu: memfd", kind, index);
	if (write_all(in, state_json, strlen(state_json)) < 0 || lseek(in, 0, SEEK_SET) < 0)
		return err_set(err, errno, "%s hook %zu: write state", kind, index);
	int out[2];
	if (pipe2(out, O_CLOEXEC) < 0)
		return err_set(err, errno, "%s hook %zu: pipe", kind, index);
	const char *const argv0[] = {h->path, NULL};
	pid_t parent = getpid();
	int pidfd AUTO_CLOSE = -1;
	pid_t pid = spawn_hidden(&pidfd);
	if (pid < 0) {
		int e = errno;
		close(out[0]);
		close(out[1]);
		return err_set(err, e, "%s hook %zu: fork", kind, index);
	}
	if (pid == 0) {
		/* the keeper dies with the ctr that waits for it, and the hook with the
		 * keeper: a killed create leaves no hook behind */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
			_exit(127);
		/* a process that execs gets SIGCHLD back as its exit signal, so the hook runs
		 * as a child of this hidden one, which never execs and mirrors its end */
		pid_t hook = hook_keeper_start();
		if (hook > 0)
			hook_keeper_mirror(hook);
		/* the hook: state on stdin, output to the pipe, nothing else open */
		if (hook < 0 || dup2(in, 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
			_exit(127);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* no "env" at all: the runtime's own environment, as runc and crun */
		execve(h->path, h->n_args ? (char *const *)h->args : (char *const *)argv0,
		       h->env ? (char *const *)h->env : environ);
		fd_printf(2, "exec %s: %s", h->path, strerror(errno));
		_exit(127);
	}
	close(out[1]);
	char output[512] = "";
	int timeout_ms = h->timeout.set ? (int)(h->timeout.v > INT_MAX / 1000 ? INT_MAX : h->timeout.v * 1000) : -1;
	int status = hook_wait(pid, pidfd, out[0], timeout_ms, output, sizeof(output));
	close(out[0]);
	size_t olen = strlen(output);
	while (olen && (output[olen - 1] == '\n' || output[olen - 1] == ' '))
		output[--olen] = 0;
	if (status == -1)
		return err_set(err, ETIMEDOUT, "%s hook %zu (%s) timed out after %" PRId64 "s",
			       kind, index, h->path, h->timeout.v);
	if (status == -2)
		return err_set(err, ECHILD, "%s hook %zu (%s): reaped by someone else, its exit "
			       "status is unknown", kind, index, h->path);
	if (WIFSIGNALED(status))
		return err_set(err, 0, "%s hook %zu (%s) killed by signal %d%s%s", kind, index,
			       h->path, WTERMSIG(status), olen ? ": " : "", output);
	if (WEXITSTATUS(status) != 0)
		return err_set(err, 0, "%s hook %zu (%s) exited with status %d%s%s", kind, index,
			       h->path, WEXITSTATUS(status), olen ? ": " : "", output);
	return 0;
}

/* Run every hook of a kind in order. A failure stops the rest, except for poststart and
 * poststop, where the spec wants the remaining hooks run anyway (the first error is
 * returned, for the caller to log). */
static int hooks_run(const struct spec *s, enum spec_hook_kind kind, const char *state_json,
		     struct ctr_error *err)
{
	bool keep_going = kind == HOOK_POSTSTART || kind == HOOK_POSTSTOP;
	int rc = 0;
	struct ctr_error later;
	for (size_t i = 0; i < s->n_hooks[kind]; i++) {
		if (hook_run_one(&s->hooks[kind][i], hook_kind_names[kind], i, state_json,
				 rc ? &later : err) == 0)
			continue;
		rc = -1;
		if (!keep_going)
			break;
	}
	return rc;
}

/* ======================================================================
 * spawn toolkit: the sync messages between ctr and its children, forking into a
 * container (clone, fds above the preserved ones), failing in a child, reaping
 * ====================================================================== */

enum lc_msg_type {
	LC_CGROUP_DONE = 'c',  /* ctr -> stage-1: ctr's part of the cgroup join done, go on */
	LC_USERNS = 'U',       /* stage-1 -> ctr: new user ns made, write the maps */
	LC_USERNS_DONE = 'u',  /* ctr -> stage-1 */
	LC_INIT_PID = 'P',     /* stage-1 -> ctr: the init's pid; val2: 1 if ctr's child */
	LC_HOOKS = 'H',        /* init -> ctr: mounts done, run prestart/createRuntime hooks */
	LC_HOOKS_DONE = 'h',   /* ctr -> init: val = the init's host pid */
	LC_TERMINAL = 'T',     /* init -> ctr: the pty master (SCM_RIGHTS) */
	LC_READY = 'R',        /* init -> ctr: set up, waiting for start */
	LC_GO = 'G',           /* ctr -> init: state saved, wait for start now */
	LC_ERROR = 'E',        /* child -> ctr: val = errno, text = message */
	LC_SOURCE = 'S',       /* ctr's helper -> init: val = mount index, its source's fd */
	LC_SOURCES_DONE = 's', /* ctr's helper -> init: no more sources */
};

struct lc_msg {
	char type;
	int32_t val, val2;
	char text[sizeof(((struct ctr_error *)0)->msg)];
};
#define LC_MSG_HDR offsetof(struct lc_msg, text)

/* ---------- sync messages ---------- */

static int lc_send(int fd, char type, int32_t val, int32_t val2, const char *text)
{
	struct lc_msg m;
	m.type = type;
	m.val = val;
	m.val2 = val2;
	size_t tlen = 0;
	if (text) {
		tlen = strnlen(text, sizeof(m.text) - 1);
		memcpy(m.text, text, tlen);
	}
	m.text[tlen] = 0;
	for (;;) {
		ssize_t n = send(fd, &m, LC_MSG_HDR + tlen + 1, MSG_NOSIGNAL);
		if (n >= 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

/* ctr waits for the init (create) or its exec (start) at most this long, plus the
 * timeouts of the hooks the init runs meanwhile; a hook without a timeout lifts the
 * bound, as it would in runc. */
#define LC_INIT_WAIT_S 60

static int lc_timed_out(struct ctr_error *err, const char *what)
{
	return err_set(err, ETIMEDOUT, "%s: no answer from the container init in time (stuck "
		       "in its setup or a hook?)", what);
}

/* Bound the reads on ctr's end of a socket to the init (SO_RCVTIMEO). */
static void lc_bound_reads(int fd, const struct spec *s, enum spec_hook_kind kind)
{
	long t = LC_INIT_WAIT_S;
	for (size_t i = 0; s && i < s->n_hooks[kind]; i++) {
		if (!s->hooks[kind][i].timeout.set)
			return;
		t += s->hooks[kind][i].timeout.v < 86400 ? (long)s->hooks[kind][i].timeout.v : 86400;
	}
	struct timeval tv = {.tv_sec = t};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* Receive one message; an LC_ERROR or a closed peer becomes err (what = the step). */
static int lc_recv(int fd, struct lc_msg *m, const char *what, struct ctr_error *err)
{
	ssize_t n;
	do
		n = recv(fd, m, sizeof(*m), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return lc_timed_out(err, what);
	if (n < 0)
		return err_set(err, errno, "%s: reading from the container init", what);
	if (n < (ssize_t)LC_MSG_HDR)
		return err_set(err, EPIPE, "%s: the container init exited unexpectedly", what);
	((char *)m)[n < (ssize_t)sizeof(*m) ? (size_t)n : sizeof(*m) - 1] = 0;
	m->text[sizeof(m->text) - 1] = 0;
	if (m->type == LC_ERROR) {
		err_set(err, 0, "%s", m->text);
		err->errnum = m->val;
		return -1;
	}
	return 0;
}

static int lc_expect(int fd, char type, struct lc_msg *m, const char *what,
		     struct ctr_error *err)
{
	if (lc_recv(fd, m, what, err) < 0)
		return -1;
	if (m->type != type)
		return err_set(err, EPROTO, "%s: unexpected message '%c' from the container init",
			       what, m->type);
	return 0;
}

__attribute__((noreturn))
static void lc_child_fail(int fd, struct ctr_error *e)
{
	lc_send(fd, LC_ERROR, e->errnum, 0, e->msg);
	_exit(1);
}

/* Fork the container's process from a child of ctr as ctr's own child (CLONE_PARENT);
 * qemu-user refuses clone flags: a plain child then (*child_of_ctr false). */
static pid_t lc_fork_sibling(bool *child_of_ctr)
{
	*child_of_ctr = true;
#if defined(__s390__) || defined(__CRIS__)
	pid_t pid = (pid_t)syscall(SYS_clone, 0, CLONE_PARENT | SIGCHLD, NULL, NULL, 0);
#else
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL, NULL, 0);
#endif
	if (pid < 0 && (errno == EINVAL || errno == ENOSYS || errno == EPERM)) {
		*child_of_ctr = false;
		pid = fork();
	}
	return pid;
}

/* In a child: the caller's stdio fds (NULL: keep ours) onto 0-2. */
static void lc_child_stdio(int fd, const int *stdio, const char *who)
{
	struct ctr_error e = {0};
	for (int i = 0; stdio && i < 3; i++)
		if (stdio[i] != i && dup2(stdio[i], i) < 0)
			err_set(&e, errno, "%s: dup2 stdio fd %d", who, i), lc_child_fail(fd, &e);
}

/* The first fd that is not the container's: 3 + runc's --preserve-fds. */
static int lc_first_fd(int preserve_fds)
{
	return 3 + (preserve_fds > 0 ? preserve_fds : 0);
}

/* runc's --preserve-fds: the caller's fds 3..first-1 survive the exec. */
static void lc_keep_fds(int first)
{
	for (int i = 3; i < first; i++) {
		int fl = fcntl(i, F_GETFD);
		if (fl >= 0 && (fl & FD_CLOEXEC))
			fcntl(i, F_SETFD, fl & ~FD_CLOEXEC);
	}
}

/* Put fd above `min` (internal fds must not land on the fds passed to the container). */
static int lc_fd_above(int fd, int min)
{
	if (fd >= min)
		return fd;
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, min);
	if (nfd >= 0)
		close(fd);
	return nfd;
}

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* Reap a child we made that is exiting. With its pidfd (else -1), one that the caller's
 * SIGCHLD handler reaped already (ECHILD) is not waited for by a reused pid. */
static void lc_reap_pinned(pid_t pid, int pidfd)
{
	siginfo_t si;
	int r = -1;
	if (pidfd >= 0)
		while ((r = waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED | __WALL)) < 0 &&
		       errno == EINTR)
			;
	if (pidfd < 0 || (r < 0 && errno == EINVAL)) /* no P_PIDFD before Linux 5.4 */
		while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
			;
}

/* Kill a child we made and reap it (pidfd: as for lc_reap_pinned, and no signal to a
 * reused pid either). */
static void lc_kill_reap(pid_t pid, int pidfd)
{
	if (pid <= 0)
		return;
	if (pidfd < 0 || (sys_pidfd_send_signal(pidfd, SIGKILL) < 0 && errno == ENOSYS))
		kill(pid, SIGKILL);
	lc_reap_pinned(pid, pidfd);
}

/* A child of ctr on its way into a container (stage-1 of create, the helper of exec)
 * and ctr's end of the sync pair to it. */
struct lc_spawn {
	int sync;                    /* ctr's end, or -1 */
	pid_t pid;                   /* -1 once reaped */
	int pidfd;                   /* pins pid against reuse, or -1 */
	int cgroup_fd;               /* in: > 0, a cgroup2 directory to start the child in
				      * (clone3 CLONE_INTO_CGROUP); 0 after a plain fork */
};

/* clone3's arguments up to .cgroup (Linux 5.7) */
struct lc_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};
#define LC_CLONE_INTO_CGROUP 0x200000000ULL

/* fork, or born in sp->cgroup_fd with a pidfd: no migration, so none of the kernel's
 * threadgroup lock and the RCU grace period its first writer waits for. Only from a
 * single-threaded process (the child of a raw clone runs libc code), else, or where the
 * kernel refuses (< 5.7, a seccomp filter, a delegation), a plain fork. */
static pid_t lc_fork_into(struct lc_spawn *sp)
{
#ifdef CTR_HAVE_CLONE3
	struct stat task;
	if (sp->cgroup_fd > 0 && stat("/proc/self/task", &task) == 0 && task.st_nlink == 3) {
		int fd = -1;
		struct lc_clone_args ca = {.flags = CTR_CLONE_PIDFD | LC_CLONE_INTO_CGROUP,
					   .pidfd = (uint64_t)(uintptr_t)&fd, .exit_signal = SIGCHLD,
					   .cgroup = (uint64_t)sp->cgroup_fd};
		pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid > 0)
			sp->pidfd = fd;
		if (pid >= 0)
			return pid;
	}
#endif
	sp->cgroup_fd = 0;
	return fork();
}

/* The start create and exec share: a sync pair (the child's end above the fds the
 * container keeps), fork; the child blocks every signal, drops the state dir's fds and
 * runs child(arg, its end); ctr does its part of the cgroup join (join: lc_cgjoin_rest, a
 * systemd scope) and only then lets it go on (LC_CGROUP_DONE). On failure sp still holds
 * what lc_spawn_end undoes. */
static int lc_spawn(struct lc_spawn *sp, int min_fd, const struct state_handle *h,
		    void (*child)(void *arg, int sync),
		    int (*join)(void *arg, pid_t pid, struct ctr_error *err), void *arg,
		    const char *who, struct ctr_error *err)
{
	int pair[2];
	sp->sync = sp->pid = sp->pidfd = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		return err_set(err, errno, "%s: socketpair", who);
	sp->sync = pair[0];
	int end = lc_fd_above(pair[1], min_fd);
	if (end < 0) {
		int e = errno;
		close(pair[1]);
		return err_set(err, e, "%s: moving internal fds above --preserve-fds", who);
	}
	sp->pid = lc_fork_into(sp);
	if (sp->pid == 0) {
		close(sp->sync);
		close(h->dir_fd); /* drop our references to the locked state dir */
		close(h->root_fd);
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		child(arg, end);
		_exit(127);
	}
	int e = errno;
	close(end);
	if (sp->pid < 0)
		return err_set(err, e, "%s: fork", who);
	/* a plain child (so that a CLONE_PARENT sibling is ours too): a pidfd keeps us from
	 * a pid the caller reaped and reused; it waits for LC_CGROUP_DONE, so still there */
	if (sp->pidfd < 0)
		sp->pidfd = sys_pidfd_open(sp->pid, 0);
	if (join && join(arg, sp->pid, err) < 0)
		return -1;
	if (lc_send(sp->sync, LC_CGROUP_DONE, 0, 0, NULL) < 0)
		return err_set(err, errno, "%s exited early", who);
	return 0;
}

/* A child of lc_spawn joins the container's cgroup without ctr writing its pid into a
 * cgroup.procs: the first such write in a while waits a whole RCU grace period for the
 * kernel's threadgroup lock (5-19 ms measured on this host). The child writes "0" into
 * the v1 hierarchies' `tasks` files, opened by ctr before the fork (a thread moving
 * itself skips that lock; single-threaded, the thread is the process), and is born in
 * the cgroup2 directory (lc_fork_into); ctr writes its pid there only where clone3 was
 * refused (lc_cgjoin_rest). */
struct lc_cgjoin {
	const struct cgroup *cg;
	int tasks[CG_MAX_HIER];      /* v1 `tasks` files, in cg->d's order */
	size_t n_tasks;
	int v2_fd;                   /* the cgroup2 directory, or -1 */
	bool subs;                   /* they are of sub-cgroups (exec --cgroup) */
};

/* ctr, before lc_spawn: the files (sub-cgroups where subs names them); sp is to be
 * born in the cgroup2 directory. */
static int lc_cgjoin_open(struct lc_cgjoin *cj, const struct cgroup *cg,
			  const char *const *subs, struct lc_spawn *sp, struct ctr_error *err)
{
	cj->cg = cg;
	cj->subs = subs && subs[0];
	if (cgroup_open_v1_tasks(cg, subs, cj->tasks, &cj->n_tasks, err) < 0)
		return -1;
	if ((cj->v2_fd = cgroup_open_v2_dir(cg, subs)) > 0)
		sp->cgroup_fd = cj->v2_fd;
	return 0;
}

/* Close the fds (ctr's copies after the fork, the child's after its join); again: no-op */
static void lc_cgjoin_close(struct lc_cgjoin *cj)
{
	for (; cj->n_tasks; cj->n_tasks--)
		close(cj->tasks[cj->n_tasks - 1]);
	if (cj->v2_fd >= 0)
		close(cj->v2_fd);
	cj->v2_fd = -1;
}

/* The child, before anything it would charge to a cgroup: into the v1 hierarchies. */
static int lc_cgjoin_self(struct lc_cgjoin *cj, const char *who, struct ctr_error *e)
{
	int rc = 0;
	for (size_t i = 0, k = 0; rc == 0 && i < cj->n_tasks; i++, k++) {
		while (cj->cg->d[k].v2) /* the i-th v1 directory: the file's hierarchy */
			k++;
		if (write(cj->tasks[i], "0", 1) != 1)
			rc = err_set(e, errno, "%s: joining the container's cgroup %s%s", who,
				     cj->cg->d[k].dir, cj->subs ? " (a sub-cgroup of it)" : "");
	}
	lc_cgjoin_close(cj);
	return rc;
}

/* ctr, in lc_spawn's join: the child's pid into the cgroup2 directory if it was not born
 * there (sp->cgroup_fd 0: clone3 refused or not tried). */
static int lc_cgjoin_rest(struct lc_cgjoin *cj, const struct lc_spawn *sp, pid_t pid,
			  const char *const *subs, struct ctr_error *err)
{
	lc_cgjoin_close(cj);
	if (!cj->cg || sp->cgroup_fd > 0)
		return 0;
	return cgroup_enter_sub(cj->cg, pid, subs, true, err);
}

/* Kill and reap the child if it is still there, close what lc_spawn opened. */
static void lc_spawn_end(struct lc_spawn *sp)
{
	lc_kill_reap(sp->pid, sp->pidfd);
	sp->pid = -1;
	if (sp->pidfd >= 0)
		close(sp->pidfd);
	if (sp->sync >= 0)
		close(sp->sync);
	sp->pidfd = sp->sync = -1;
}

/* ======================================================================
 * lifecycle API: ctr_create, ctr_start, ctr_kill, ctr_delete, ctr_state, ctr_list
 * ====================================================================== */

/* ctr_create runs the create flow of the handbook:
 *   ctr --fork--> stage-1: setns (user first), unshare(USER) + maps by ctr, unshare(rest)
 *                  --clone(CLONE_PARENT)--> init (a child of ctr, pid 1 of the new pid ns)
 *   init: rootfs, names, process attributes, identity; "ready"; waits on start.sock.
 * ctr and the children talk over a SOCK_SEQPACKET pair, one message per step. Errors of
 * the children come back as text and fail ctr_create, which then unwinds everything. */

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define LC_START_SOCK "start.sock"
#define LC_CONFIG_COPY "config.json"

const char *ctr_status_name(enum ctr_status status)
{
	static const char *const names[] = {"creating", "created", "running", "paused", "stopped"};
	return (unsigned)status < ARRAY_LEN(names) ? names[status] : "unknown";
}

int ctr_id_valid(const char *id, struct ctr_error *err)
{
	if (!id || !*id)
		return err_set(err, EINVAL, "invalid container id: empty");
	size_t len = strlen(id);
	if (len > NAME_MAX) /* it names the state dir */
		return err_set(err, EINVAL, "invalid container id: longer than %d bytes", NAME_MAX);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)id[i];
		if (!(isalnum(ch) || ch == '_' || ch == '+' || ch == '-' || (ch == '.' && i > 0)))
			return err_set(err, EINVAL, "invalid container id \"%s\"", id);
	}
	return 0;
}

static const struct lc_signame {
	char name[8];
	unsigned char sig;
} lc_signames[] = {
	{"HUP", SIGHUP},     {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},
	{"TRAP", SIGTRAP},   {"ABRT", SIGABRT},     {"IOT", SIGIOT},     {"BUS", SIGBUS},
	{"FPE", SIGFPE},     {"KILL", SIGKILL},     {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},
	{"USR2", SIGUSR2},   {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},   {"TERM", SIGTERM},
#ifdef SIGSTKFLT
	{"STKFLT", SIGSTKFLT},
#endif
	{"CHLD", SIGCHLD},   {"CLD", SIGCHLD},      {"CONT", SIGCONT},   {"STOP", SIGSTOP},
	{"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},   {"URG", SIGURG},
	{"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
	{"WINCH", SIGWINCH}, {"IO", SIGIO},         {"POLL", SIGPOLL},
#ifdef SIGPWR
	{"PWR", SIGPWR},
#endif
	{"SYS", SIGSYS},
};

int ctr_signal_parse(const char *name, int *sig, struct ctr_error *err)
{
	int64_t num;
	if (!name || !*name)
		return err_set(err, EINVAL, "invalid signal: empty");
	if (parse_i64(name, &num) == 0) {
		/* 0 is kill's liveness probe (runc accepts it too) */
		if (num < 0 || num >= _NSIG)
			return err_set(err, EINVAL, "invalid signal number %s", name);
		*sig = (int)num;
		return 0;
	}
	const char *n = name;
	if (strncasecmp(n, "SIG", 3) == 0)
		n += 3;
	for (size_t i = 0; i < ARRAY_LEN(lc_signames); i++) {
		if (strcasecmp(n, lc_signames[i].name) == 0) {
			*sig = lc_signames[i].sig;
			return 0;
		}
	}
	/* RTMIN, RTMIN+N, RTMAX, RTMAX-N */
	int base = 0, sign = 0;
	if (strncasecmp(n, "RTMIN", 5) == 0)
		base = SIGRTMIN, sign = 1;
	else if (strncasecmp(n, "RTMAX", 5) == 0)
		base = SIGRTMAX, sign = -1;
	if (base) {
		int64_t off = 0;
		if (n[5] && ((n[5] != '+' && n[5] != '-') || (n[5] == '+') != (sign > 0) ||
			     parse_i64(n + 6, &off) < 0 || off < 0))
			return err_set(err, EINVAL, "unknown signal \"%s\"", name);
		int64_t v = base + sign * off;
		if (v >= SIGRTMIN && v <= SIGRTMAX) {
			*sig = (int)v;
			return 0;
		}
	}
	return err_set(err, EINVAL, "unknown signal \"%s\"", name);
}

PRINTF_LIKE(3, 4)
static void lc_log(const struct ctr_opts *o, int level, const char *fmt, ...)
{
	if (!o || !o->log_fn || (level == CTR_LOG_DEBUG && !o->debug))
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	ctr_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o->log_fn(o->log_arg, level, msg);
}

/* ---------- the sealed binary (CVE-2019-5736) ---------- */

/* Every process that enters a container is a fork of the caller, so a container that
 * gets hold of one (a `#!/proc/self/exe` trap for `ctr exec`, CAP_SYS_PTRACE on a
 * created init) reaches the caller's binary through /proc/PID/exe. The caller runs from
 * an image no one can write (see ctr.h): the binary itself on a filesystem without
 * write support, the binary through a private read-only overlayfs, or a sealed memfd
 * copy where the overlay cannot be made (it costs the binary's size in shmem). */

#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#endif
#ifndef F_SEAL_SEAL
#define F_SEAL_SEAL 0x0001
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW 0x0004
#define F_SEAL_WRITE 0x0008
#endif
#define LC_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#define LC_MFD_CLOEXEC 0x0001u
#define LC_MFD_ALLOW_SEALING 0x0002u
#define LC_MFD_EXEC 0x0010u /* Linux 6.3: executable on purpose (vm.memfd_noexec) */
#define LC_OVERLAYFS_MAGIC 0x794c7630u

/* Is fd a memfd that nobody can write, grow, shrink or unseal? */
static bool lc_fd_sealed(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);
	return seals >= 0 && (seals & LC_SEALS) == LC_SEALS;
}

/* Can no one write the image behind exe (our open /proc/self/exe)? A sealed memfd; a
 * filesystem with no write support at all (no remount makes squashfs, erofs, cramfs or
 * iso9660 writable, unlike a read-only mount of a writable one, which a privileged
 * container could clone and remount); an overlayfs whose superblock is read-only (ours
 * has no upper layer: it stays read-only whatever is remounted). The superblock's
 * EROFS answers an open for writing before the text-busy and the mount's own checks. */
static bool lc_exe_sealed(int exe)
{
	struct statfs sf;
	if (lc_fd_sealed(exe))
		return true;
	if (fstatfs(exe, &sf) < 0)
		return false;
	switch ((uint32_t)sf.f_type) {
	case 0x73717368u: /* squashfs */
	case 0xe0f5e1e2u: /* erofs */
	case 0x28cd3d45u: case 0x453dcd28u: /* cramfs, either byte order */
	case 0x9660u: /* iso9660 */
		return true;
	case LC_OVERLAYFS_MAGIC:
		break;
	default:
		return false;
	}
	int w = openat(AT_FDCWD, "/proc/self/exe", O_WRONLY | O_CLOEXEC);
	if (w >= 0) {
		close(w);
		return false;
	}
	return errno == EROFS;
}

/* Exec fd (execveat; /proc/self/fd/N before Linux 3.19). Returns -1 (errno) on failure. */
static int lc_exec_fd(int fd, char **argv, char **envp)
{
#ifdef SYS_execveat
	syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
	if (errno != ENOSYS)
		return -1;
#endif
	char path[32];
	ctr_snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	execve(path, argv, envp);
	return -1;
}

#if defined(SYS_fsopen) && defined(SYS_fsconfig) && defined(SYS_fsmount)
#define LC_FSOPEN_CLOEXEC 0x1u
#define LC_FSCONFIG_SET_STRING 1u
#define LC_FSCONFIG_CMD_CREATE 6u
#define LC_FSMOUNT_CLOEXEC 0x1u
#define LC_MOUNT_ATTR_RDONLY_NOSUID_NODEV 0x7u

/* Open exe (at path) again through a detached overlayfs whose only layers are its
 * directory and /dev below it (a lower-only overlay needs two): no upper layer, so
 * no one can write through it, and no mount namespace sees it (it goes when the last
 * file opened through it closes). -1 where it cannot be had (no CAP_SYS_ADMIN, no
 * overlayfs, before Linux 5.2, qemu-user); the caller copies into a memfd then. */
static int lc_overlay_open(int exe, const char *path)
{
	char lower[2 * PATH_MAX + 8], *o = lower;
	const char *base = strrchr(path, '/');
	/* "/" and /dev overlap /dev, which the kernel refuses with a line in its log */
	if (path[0] != '/' || base == path || str_has_prefix(path, "/dev/"))
		return -1;
	for (const char *p = path; p < base; p++) { /* ':' separates layers, '\' escapes */
		if (*p == ':' || *p == '\\')
			*o++ = '\\';
		*o++ = *p;
	}
	memcpy(o, ":/dev", sizeof(":/dev"));
	int fs AUTO_CLOSE = (int)syscall(SYS_fsopen, "overlay", LC_FSOPEN_CLOEXEC);
	if (fs < 0 || syscall(SYS_fsconfig, fs, LC_FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0)
		return -1;
	/* inode numbers as they are: xino would log when the layers' filesystems differ */
	syscall(SYS_fsconfig, fs, LC_FSCONFIG_SET_STRING, "xino", "off", 0);
	if (syscall(SYS_fsconfig, fs, LC_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -1;
	int mnt AUTO_CLOSE = (int)syscall(SYS_fsmount, fs, LC_FSMOUNT_CLOEXEC,
					   LC_MOUNT_ATTR_RDONLY_NOSUID_NODEV);
	if (mnt < 0)
		return -1;
	int fd = openat(mnt, base + 1, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	/* the same file, not one swapped in under the name since /proc/self/exe was read */
	struct stat a, b;
	if (fd >= 0 && (fstat(exe, &a) < 0 || fstat(fd, &b) < 0 || a.st_ino != b.st_ino ||
			a.st_size != b.st_size || a.st_mtim.tv_sec != b.st_mtim.tv_sec ||
			a.st_mtim.tv_nsec != b.st_mtim.tv_nsec)) {
		close(fd);
		return -1;
	}
	return fd;
}
#else
static int lc_overlay_open(int exe, const char *path)
{
	(void)exe;
	(void)path;
	return -1;
}
#endif

/* Copy size bytes of in to out: sendfile, read/write where sendfile is refused. */
static int lc_copy_fd(int in, int out, off_t size, struct ctr_error *err)
{
	bool rw = false;
	char buf[8192];
	for (off_t done = 0; done < size;) {
		ssize_t n;
		if (!rw) {
			n = sendfile(out, in, NULL, (size_t)(size - done));
			if (n < 0 && (errno == EINVAL || errno == ENOSYS)) {
				rw = true;
				continue;
			}
		} else {
			n = read(in, buf, sizeof(buf));
			if (n > 0 && write_all(out, buf, (size_t)n) < 0)
				n = -1;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(err, errno, "sealed re-exec: copying the binary");
		if (n == 0)
			return err_set(err, EIO, "sealed re-exec: the binary shrank while copied");
		done += n;
	}
	return 0;
}

/* The fallback: re-execute from a sealed memfd copy of exe. Returns only on failure. */
static int lc_reexec_memfd(int exe, char **argv, char **envp, struct ctr_error *err)
{
	struct stat sb;
	if (fstat(exe, &sb) < 0)
		return err_set(err, errno, "sealed re-exec: stat /proc/self/exe");
	unsigned flags = LC_MFD_CLOEXEC | LC_MFD_ALLOW_SEALING;
	int mfd AUTO_CLOSE = (int)syscall(SYS_memfd_create, "ctr", flags | LC_MFD_EXEC);
	if (mfd < 0 && errno == EINVAL) /* before Linux 6.3 */
		mfd = (int)syscall(SYS_memfd_create, "ctr", flags);
	if (mfd < 0)
		return err_set(err, errno, "sealed re-exec: memfd_create");
	if (lc_copy_fd(exe, mfd, sb.st_size, err) < 0)
		return -1;
	if (fcntl(mfd, F_ADD_SEALS, LC_SEALS) < 0)
		return err_set(err, errno, "sealed re-exec: sealing the copy");
	lc_exec_fd(mfd, argv, envp);
	return err_set(err, errno, "sealed re-exec: exec of the sealed copy");
}

int ctr_reexec_sealed(char **argv, char **envp, struct ctr_error *err)
{
	int exe AUTO_CLOSE = openat(AT_FDCWD, "/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe < 0)
		return err_set(err, errno, "sealed re-exec: open /proc/self/exe");
	if (lc_exe_sealed(exe))
		return 0;
	/* a memfd without our seals is not our copy: fail rather than loop */
	char link[PATH_MAX];
	ssize_t ll = readlink("/proc/self/exe", link, sizeof(link) - 1);
	link[ll > 0 ? ll : 0] = 0;
	if (str_has_prefix(link, "/memfd:"))
		return err_set(err, EPERM, "sealed re-exec: running from an unsealed %s", link);
	if (!envp)
		envp = environ;
	/* no loop: the overlay's image is sealed above, and a second try from it would
	 * find the binary at the overlay's root, which lc_overlay_open refuses */
	int ofd AUTO_CLOSE = lc_overlay_open(exe, link);
	if (ofd >= 0)
		lc_exec_fd(ofd, argv, envp);
	return lc_reexec_memfd(exe, argv, envp, err);
}

/* ctr_create and ctr_exec refuse to run from a writable binary: an embedder that forgot
 * ctr_reexec_sealed hears of it at once, not from an escape. */
static int lc_require_sealed(const char *call, struct ctr_error *err)
{
	int fd AUTO_CLOSE = openat(AT_FDCWD, "/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && lc_exe_sealed(fd))
		return 0;
	return err_set(err, EPERM, "%s: this process does not run from a sealed copy of its "
		       "binary (a container could overwrite it, CVE-2019-5736): call "
		       "ctr_reexec_sealed() at the top of main", call);
}

static int lc_annotations_json(const struct spec *s, char **out, struct ctr_error *err)
{
	*out = NULL;
	if (!s->n_annotations)
		return 0;
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, NULL);
	jw_obj_begin(&w);
	for (size_t i = 0; i < s->n_annotations; i++) {
		jw_key(&w, s->annotations[i].key);
		jw_str(&w, s->annotations[i].value);
	}
	jw_obj_end(&w);
	return sbuf_take(&sb, out, err);
}

/* The OCI state given to hooks on stdin (compact, as runc). */
static int lc_hook_state(const char *id, enum ctr_status status, pid_t pid, const char *bundle,
			 const char *rootfs, const struct spec *s, char **out, struct ctr_error *err)
{
	struct ctr_state st = {.status = status, .pid = pid};
	ctr_snprintf(st.id, sizeof(st.id), "%s", id);
	st.bundle = (char *)bundle;
	st.rootfs = (char *)rootfs;
	st.owner = (char *)"";
	char *ann = NULL;
	if (s && lc_annotations_json(s, &ann, err) < 0)
		return -1;
	st.annotations_json = ann;
	int rc = ctr_state_json(&st, NULL, out, err);
	free(ann);
	return rc;
}

static bool lc_has_hooks(const struct spec *s, enum spec_hook_kind kind)
{
	return s->n_hooks[kind] > 0;
}

/* Run one kind of hooks with the state; errors name the kind. */
static int lc_run_hooks(const struct spec *s, enum spec_hook_kind kind, const char *id,
			enum ctr_status status, pid_t pid, const char *bundle, const char *rootfs,
			struct ctr_error *err)
{
	if (!lc_has_hooks(s, kind))
		return 0;
	char *state = NULL;
	if (lc_hook_state(id, status, pid, bundle, rootfs, s, &state, err) < 0)
		return -1;
	int rc = hooks_run(s, kind, state, err);
	free(state);
	return rc;
}

/* ---------- the children ---------- */

/* What the children need, all prepared by ctr before the first fork. */
struct lc_create {
	const struct ctr_opts *o;
	const char *id, *bundle;
	const struct ctr_create_args *a;
	const struct spec *spec;
	const char *rootfs;
	struct sc_filter *filter;
	int sync_fd;                 /* child end of the sync pair (in ctr: ctr's end) */
	int listen_fd;               /* bound at <statedir>/start.sock */
	int ns_fds[8];               /* namespaces to join: fd, or -1 */
	int ns_types[8];
	size_t n_ns;
	int unshare_flags;           /* new namespaces other than user */
	bool new_userns, any_userns;
	bool new_netns;
	bool host_sources;           /* ctr sends bind sources to the init (LC_SOURCE) */
	bool rootless;               /* ctr runs as a user: stage-1 and the init dumpable */
	bool nested;                 /* ctr runs in a user namespace (podman's rootless) */
	const char *host_mi;         /* ctr's mountinfo text (cgroup_plan's), or NULL */
	struct lc_cgjoin cj;         /* the cgroup stage-1 joins by itself */
};

/* Rootless cgroups (runc's --rootless): asked for, or auto for a caller that is not root
 * or is in a user namespace. */
static bool lc_rootless_cg(const struct lc_create *c)
{
	return c->o->rootless == CTR_ROOTLESS_ON ||
	       (c->o->rootless != CTR_ROOTLESS_OFF && (c->rootless || c->nested));
}

/* Is ctr in a user namespace other than the host's (its uid_map not the identity)? */
static bool lc_in_userns(void)
{
	bool identity;
	idmap_host(0, &identity);
	return !identity;
}

/* Become root of the user namespace we just entered (needs uid/gid 0 mapped). */
static int lc_become_root(struct ctr_error *err)
{
	if (sys_setresgid(0) < 0)
		return err_set(err, errno, "setresgid(0) in the user namespace");
	if (sys_setresuid(0) < 0)
		return err_set(err, errno, "setresuid(0) in the user namespace");
	return 0;
}

/* Default dispositions and an empty mask for the container process: exec resets caught
 * signals but keeps ignored ones. The raw syscall also reaches the signals libc keeps for
 * itself (32, 33 ...), and a zeroed kernel sigaction is SIG_DFL on every architecture. */
static void lc_reset_signals(void)
{
	static const unsigned long dfl[16];
	for (int s = 1; s < _NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			syscall(SYS_rt_sigaction, s, dfl, NULL, (size_t)(_NSIG / 8));
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* init: the bind sources ctr opened for us (lc_send_sources), fds[i] for mounts[i], -1
 * for the others; an error of ctr's helper arrives here as LC_ERROR. */
static int *lc_recv_sources(int fd, size_t n, struct ctr_error *err)
{
	int *fds = mem_array(n + 1, sizeof(*fds), err);
	for (size_t i = 0; fds && i < n; i++)
		fds[i] = -1;
	while (fds) {
		struct lc_msg m;
		int sfd = -1;
		ssize_t r = term_recvmsg_fd(fd, &m, sizeof(m) - 1, &sfd);
		if (r >= (ssize_t)LC_MSG_HDR) {
			((char *)&m)[r] = 0;
			if (m.type == LC_SOURCE && sfd >= 0 && m.val >= 0 && (size_t)m.val < n) {
				fds[m.val] = sfd;
				continue;
			}
			if (m.type == LC_SOURCES_DONE)
				return fds;
		}
		if (sfd >= 0)
			close(sfd);
		if (r >= (ssize_t)LC_MSG_HDR && m.type == LC_ERROR)
			err_set(err, 0, "%s", m.text), err->errnum = m.val;
		else
			err_set(err, r < 0 ? errno : EPROTO, "init: receiving the mount sources");
		for (size_t i = 0; i < n; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		free(fds);
		fds = NULL;
	}
	return NULL;
}

/* init: rootfs_setup, from the bundle (relative mount sources are relative to it, as in
 * runc), with the bind sources ctr opened for us when it does. */
static int lc_init_rootfs(struct lc_create *c, struct rootfs_ctx *rc, struct ctr_error *err)
{
	size_t n = c->spec->n_mounts;
	int *src_fds = NULL;
	if (c->host_sources && !(src_fds = lc_recv_sources(c->sync_fd, n, err)))
		return -1;
	rc->src_fds = src_fds;
	int r = chdir(c->bundle) < 0 ? err_set(err, errno, "init: chdir to bundle %s", c->bundle) :
		rootfs_setup(rc, err);
	for (size_t i = 0; src_fds && i < n; i++)
		if (src_fds[i] >= 0)
			close(src_fds[i]);
	free(src_fds);
	rc->src_fds = NULL;
	return r;
}

/* init: ctr runs prestart + createRuntime now, before the root switch; then the
 * createContainer hooks. The init's host pid, or 0 without such hooks. */
static pid_t lc_init_hooks(struct lc_create *c)
{
	struct ctr_error e = {0};
	const struct spec *s = c->spec;
	int fd = c->sync_fd;
	if (!lc_has_hooks(s, HOOK_PRESTART) && !lc_has_hooks(s, HOOK_CREATE_RUNTIME) &&
	    !lc_has_hooks(s, HOOK_CREATE_CONTAINER))
		return 0;
	struct lc_msg m;
	if (lc_send(fd, LC_HOOKS, 0, 0, NULL) < 0 ||
	    lc_expect(fd, LC_HOOKS_DONE, &m, "init", &e) < 0)
		_exit(1);
	/* as runc: createContainer hooks run in the rootfs */
	if (lc_has_hooks(s, HOOK_CREATE_CONTAINER) && chdir(c->rootfs) < 0)
		err_set(&e, errno, "init: chdir to rootfs %s", c->rootfs), lc_child_fail(fd, &e);
	if (lc_run_hooks(s, HOOK_CREATE_CONTAINER, c->id, CTR_CREATING, m.val, c->bundle,
			 c->rootfs, &e) < 0)
		lc_child_fail(fd, &e);
	return m.val;
}

/* init, after `ctr start` connected: the fds the process keeps, the late seccomp filter,
 * the startContainer hooks, exec. A failure goes to `ctr start` as text. */
__attribute__((noreturn))
static void lc_init_start(struct lc_create *c, const char *exe, const char *home,
			  pid_t host_pid, bool seccomp_early)
{
	struct ctr_error e = {0};
	int first = lc_first_fd(c->a->preserve_fds), listener = -1, conn;
	do
		conn = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	while (conn < 0 && errno == EINTR);
	if (conn < 0)
		_exit(1);
	close(c->listen_fd);
	conn = lc_fd_above(conn, first);
	if (conn < 0)
		_exit(1);
	lc_keep_fds(first);
	if (fds_close_from(first, conn, &e) < 0)
		goto fail;
	/* with noNewPrivileges the filter comes this late, but before the startContainer
	 * hooks (as runc): a hook must not be a way around it */
	if (c->filter && !seccomp_early) {
		if (seccomp_install(c->filter, &listener, &e) < 0)
			goto fail;
		/* `ctr start` passes it on to listenerPath */
		if (listener >= 0 && term_send_fd(conn, listener, "seccomp", &e) < 0)
			goto fail;
		if (listener >= 0)
			close(listener);
	}
	if (lc_has_hooks(c->spec, HOOK_START_CONTAINER)) {
		if (lc_run_hooks(c->spec, HOOK_START_CONTAINER, c->id, CTR_CREATED, host_pid,
				 c->bundle, c->rootfs, &e) < 0)
			goto fail;
	}
	lc_reset_signals();
	process_exec_found(exe, &c->spec->process, home, &e);
fail:
	(void)write_all(conn, e.msg, strlen(e.msg));
	_exit(127);
}

/* The init; gate reads EOF once stage-1 has told ctr our pid. */
__attribute__((noreturn))
static void lc_init_main(struct lc_create *c, bool child_of_ctr, int gate)
{
	struct ctr_error e = {0};
	const struct spec *s = c->spec;
	const struct spec_process *p = &s->process;
	int fd = c->sync_fd;
	char b;

	/* CVE-2019-5736: nothing in the container may open our binary via /proc/PID/exe.
	 * Rootless, ctr (no CAP_SYS_PTRACE) must open our /proc/PID/ns, and the container
	 * runs as the caller anyway: we stay dumpable (stage-1 made us so). */
	if (!c->rootless)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (child_of_ctr)
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	while (read(gate, &b, 1) < 0 && errno == EINTR)
		;
	close(gate);
	lc_child_stdio(fd, c->a->stdio, "init");
	if (c->new_netns && net_loopback_up(&e) < 0)
		lc_child_fail(fd, &e);
	struct rootfs_ctx rc = {
		.spec = s, .rootfs = c->rootfs, .no_pivot = c->a->no_pivot != 0,
		.userns = c->any_userns || c->nested, .host_mi = c->host_mi,
	};
	if (lc_init_rootfs(c, &rc, &e) < 0)
		lc_child_fail(fd, &e);
	pid_t host_pid = lc_init_hooks(c);
	/* sysctls before the root switch: readonlyPaths make /proc/sys read-only; the
	 * values still apply to the container's namespaces, which we are already in */
	if (process_set_names_and_sysctl(s, &e) < 0)
		lc_child_fail(fd, &e);
	if (rootfs_enter(&rc, &e) < 0)
		lc_child_fail(fd, &e);
	if (p->terminal) {
		/* the pty comes from the container's own devpts, its master goes to ctr */
		struct lc_msg tm = {.type = LC_TERMINAL};
		if (term_setup_child(fd, &tm, LC_MSG_HDR + 1, p->console_height.set ?
				     p->console_height.v : 0, p->console_width.set ?
				     p->console_width.v : 0, true, &e) < 0)
			lc_child_fail(fd, &e);
	}
	if (process_prepare(s, p, c->a->no_new_keyring != 0, &e) < 0 ||
	    process_chdir(p, &e) < 0)
		lc_child_fail(fd, &e);
	char home[PATH_MAX + 8];
	process_home_env(p, home, sizeof(home));
	/* Without noNewPrivileges, installing a filter needs CAP_SYS_ADMIN: do it before
	 * the identity change drops it; otherwise as late as possible (as runc does). */
	bool seccomp_early = c->filter && !p->no_new_privileges;
	int listener = -1;
	if (seccomp_early && seccomp_install(c->filter, &listener, &e) < 0)
		lc_child_fail(fd, &e);
	/* looked up at create, as runc: a typo fails `create`, not `start` */
	char exe[PATH_MAX];
	if (process_set_identity(p, &e) < 0 || process_find_executable(p, exe, sizeof(exe), &e) < 0)
		lc_child_fail(fd, &e);

	/* From here on a dying ctr is noticed as EOF on the sync socket. */
	if (child_of_ctr)
		prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	struct lc_msg m;
	/* val = 1: a seccomp notify fd follows, for ctr to pass to listenerPath */
	if (lc_send(fd, LC_READY, listener >= 0, 0, NULL) < 0 ||
	    (listener >= 0 && term_send_fd(fd, listener, "seccomp", &e) < 0) ||
	    lc_recv(fd, &m, "init", &e) < 0 || m.type != LC_GO)
		_exit(1);
	if (listener >= 0)
		close(listener);
	host_pid = m.val;
	close(fd);
	lc_init_start(c, exe, home, host_pid, seccomp_early);
}

/* stage-1, forked by lc_spawn with its end of the sync pair. */
__attribute__((noreturn))
static void lc_stage1_main(void *arg, int sync)
{
	struct lc_create *c = arg;
	struct ctr_error e = {0};
	int fd = c->sync_fd = sync;
	struct lc_msg m;

	/* as the init (lc_init_main): rootless, ctr writes our maps and opens our /proc */
	prctl(PR_SET_DUMPABLE, c->rootless, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* into the cgroup before any namespace or allocation (the container's memory is
	 * charged there; the init and the cgroup ns inherit it): v1 by ourselves, cgroup2 at
	 * birth or by ctr meanwhile; a failure reported once ctr is done */
	int joined = lc_cgjoin_self(&c->cj, "stage-1", &e);
	if (lc_expect(fd, LC_CGROUP_DONE, &m, "stage-1", &e) < 0)
		_exit(1);
	if (joined < 0)
		lc_child_fail(fd, &e);
	/* join namespaces given by path (user first: it grants the rights for the rest) */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < c->n_ns; i++) {
			if ((c->ns_types[i] == CLONE_NEWUSER) != (pass == 0))
				continue;
			if (setns(c->ns_fds[i], c->ns_types[i]) < 0)
				err_set(&e, errno, "setns into namespace %zu of linux.namespaces", i),
					lc_child_fail(fd, &e);
			close(c->ns_fds[i]);
			if (c->ns_types[i] == CLONE_NEWUSER && lc_become_root(&e) < 0)
				lc_child_fail(fd, &e);
		}
	}
	if (c->new_userns) {
		if (unshare(CLONE_NEWUSER) < 0)
			err_set(&e, errno, "unshare user namespace"), lc_child_fail(fd, &e);
		if (lc_send(fd, LC_USERNS, 0, 0, NULL) < 0 ||
		    lc_expect(fd, LC_USERNS_DONE, &m, "stage-1", &e) < 0)
			_exit(1);
		if (lc_become_root(&e) < 0)
			lc_child_fail(fd, &e);
	}
	if (c->unshare_flags && unshare(c->unshare_flags) < 0)
		err_set(&e, errno, "unshare namespaces (flags 0x%x)", (unsigned)c->unshare_flags),
			lc_child_fail(fd, &e);
	if ((c->unshare_flags & CLONE_NEWTIME) && timens_write_offsets(c->spec, &e) < 0)
		lc_child_fail(fd, &e);
	/* the init waits for our exit, when ctr has its pid (LC_INIT_PID): a message of its
	 * own must not come first */
	int gate[2];
	if (pipe2(gate, O_CLOEXEC) < 0)
		err_set(&e, errno, "stage-1: pipe"), lc_child_fail(fd, &e);
	bool child_of_ctr;
	pid_t pid = lc_fork_sibling(&child_of_ctr);
	if (pid < 0)
		err_set(&e, errno, "creating the container init"), lc_child_fail(fd, &e);
	if (pid == 0) {
		close(gate[1]);
		lc_init_main(c, child_of_ctr, gate[0]);
	}
	lc_send(fd, LC_INIT_PID, pid, child_of_ctr, NULL);
	_exit(0);
}

/* ---------- helpers of the parent ---------- */

static int lc_ns_type(int type, const char **name)
{
	static const struct { int type; const char *name; } t[] = {
		{CLONE_NEWUSER, "user"}, {CLONE_NEWNS, "mount"}, {CLONE_NEWPID, "pid"},
		{CLONE_NEWNET, "network"}, {CLONE_NEWIPC, "ipc"}, {CLONE_NEWUTS, "uts"},
		{CLONE_NEWCGROUP, "cgroup"}, {CLONE_NEWTIME, "time"},
	};
	for (size_t i = 0; i < ARRAY_LEN(t); i++)
		if (t[i].type == type) {
			*name = t[i].name;
			return 0;
		}
	return -1;
}

/* Fill the namespace part of c from linux.namespaces; opens the paths to join. */
static int lc_plan_namespaces(struct lc_create *c, struct ctr_error *err)
{
	const struct spec_linux *lx = &c->spec->lx;
	for (size_t i = 0; i < (c->spec->has_linux ? lx->n_namespaces : 0); i++) {
		const struct spec_namespace *ns = &lx->namespaces[i];
		const char *name;
		if (lc_ns_type(ns->type, &name) < 0)
			return err_set(err, EINVAL, "linux.namespaces[%zu]: unknown type", i);
		if (ns->type == CLONE_NEWUSER)
			c->any_userns = true;
		if (!ns->path || !*ns->path) {
			if (ns->type == CLONE_NEWUSER)
				c->new_userns = true;
			else
				c->unshare_flags |= ns->type;
			if (ns->type == CLONE_NEWNET)
				c->new_netns = true;
			continue;
		}
		if (c->n_ns >= ARRAY_LEN(c->ns_fds))
			return err_set(err, EINVAL, "linux.namespaces: too many entries");
		int fd = spec_ns_open(ns->path, ns->type, err);
		if (fd < 0)
			return err_prefix(err, "linux.namespaces[%zu] (%s)", i, name);
		c->ns_fds[c->n_ns] = fd;
		c->ns_types[c->n_ns++] = ns->type;
	}
	if (c->new_userns && !(c->spec->lx.n_uid_mappings && c->spec->lx.n_gid_mappings))
		return err_set(err, EINVAL,
			       "linux.uidMappings/gidMappings: required with a new user namespace");
	return 0;
}

/* `ctr check`'s validation (spec_check_config), with the namespaces as opened. */
static int lc_check_host(const struct lc_create *c, struct ctr_error *err)
{
	int listed = 0, own = c->unshare_flags | (c->new_userns ? CLONE_NEWUSER : 0);
	for (size_t i = 0; c->spec->has_linux && i < c->spec->lx.n_namespaces; i++)
		listed |= c->spec->lx.namespaces[i].type;
	for (size_t i = 0; i < c->n_ns; i++) {
		struct stat st;
		if (fstat(c->ns_fds[i], &st) == 0 && !spec_ns_is_host(c->ns_types[i], &st))
			own |= c->ns_types[i];
	}
	return spec_check_config(c->spec, c->bundle, c->rootfs, listed, own, err);
}

/* --debug: which namespaces the container gets new and which it joins. */
static void lc_log_namespaces(const struct lc_create *c)
{
	if (!c->o || !c->o->debug || !c->o->log_fn)
		return;
	char made[128] = "", joined[128] = "";
	static const int types[] = {CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET,
				    CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWCGROUP, CLONE_NEWTIME};
	for (size_t i = 0; i < ARRAY_LEN(types); i++) {
		const char *name;
		bool is_new = types[i] == CLONE_NEWUSER ? c->new_userns :
			      (c->unshare_flags & types[i]) != 0;
		if (is_new && lc_ns_type(types[i], &name) == 0)
			ctr_snprintf(made + strlen(made), sizeof(made) - strlen(made), " %s", name);
	}
	for (size_t i = 0; i < c->n_ns; i++) {
		const char *name;
		if (lc_ns_type(c->ns_types[i], &name) == 0)
			ctr_snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), " %s", name);
	}
	lc_log(c->o, CTR_LOG_DEBUG, "namespaces: new:%s; joined:%s", *made ? made : " none",
	       *joined ? joined : " none");
}

/* The address of <statedir>/start.sock: the path itself, or via /proc/self/fd when it
 * is longer than sun_path. */
static int lc_sock_addr(const char *root, const char *id, int dir_fd, struct sockaddr_un *sa,
			struct ctr_error *err)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	int n = ctr_snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s/" LC_START_SOCK,
			 root ? root : CTR_DEFAULT_ROOT, id);
	if (n < 0 || (size_t)n >= sizeof(sa->sun_path))
		n = ctr_snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/" LC_START_SOCK,
			     dir_fd);
	if (n < 0 || (size_t)n >= sizeof(sa->sun_path))
		return err_set(err, ENAMETOOLONG, "start socket path");
	return 0;
}

static void lc_owner(char *buf, size_t size)
{
	uid_t uid = geteuid();
	if (util_user_name(uid, buf, size) < 0)
		ctr_snprintf(buf, size, "#%u", (unsigned)uid);
}

/* Go's RFC3339Nano: trailing zeros of the fraction are dropped. */
static void lc_created_now(char *buf, size_t size)
{
	ctr_time_rfc3339(buf, size, 1);
	char *dot = strchr(buf, '.'), *z = strchr(buf, 'Z');
	if (!dot || !z)
		return;
	char *end = z;
	while (end > dot + 1 && end[-1] == '0')
		end--;
	if (end == dot + 1)
		end = dot;
	memmove(end, z, strlen(z) + 1);
}


static int lc_write_pid_file(const char *path, pid_t pid, struct ctr_error *err)
{
	char buf[32], dir[PATH_MAX];
	int n = ctr_snprintf(buf, sizeof(buf), "%ld", (long)pid);
	if (ctr_snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return err_set(err, ENAMETOOLONG, "pid file %s", path);
	char *slash = strrchr(dir, '/');
	const char *name = path;
	int dfd = AT_FDCWD;
	if (slash) {
		*slash = 0;
		name = slash + 1;
		dfd = open(slash == dir ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return err_set(err, errno, "pid file directory %s", dir);
	}
	int rc = write_file_atomic(dfd, name, buf, (size_t)n, 0644, err);
	if (dfd >= 0)
		close(dfd);
	return rc < 0 ? err_prefix(err, "pid file %s", path) : 0;
}

/* Wait until fd (a sync socket, a pidfd) is readable. Children in a cgroup frozen
 * meanwhile would never answer: looked at every second, an error instead of a hang. */
static int lc_wait_fd(int fd, const struct cgroup *cg, const char *what, struct ctr_error *err)
{
	/* the bound lc_bound_reads put on a socket holds for this wait as well */
	struct timeval tv = {0};
	socklen_t tl = sizeof(tv);
	long left_ms = getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &tl) == 0 && tv.tv_sec ?
		       (long)tv.tv_sec * 1000 : -1;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, 1000);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return err_set(err, errno, "%s", what);
		if (r == 0 && left_ms > 0 && (left_ms -= 1000) <= 0)
			return lc_timed_out(err, what);
		bool frozen = false;
		if (r == 0 && cg && cgroup_is_frozen(cg, &frozen, NULL) == 0 && frozen)
			return err_set(err, EBUSY, "%s: container's cgroup unexpectedly frozen", what);
	}
}

/* Reap a child of ours that is about to exit (bounded as lc_wait_fd); pidfd: its pidfd
 * from when it could not have exited yet (as lc_reap_pinned), or -1. */
static int lc_reap(pid_t pid, int pidfd, const struct cgroup *cg, const char *what,
		   struct ctr_error *err)
{
	int own AUTO_CLOSE = pidfd < 0 ? sys_pidfd_open(pid, 0) : -1;
	int pfd = pidfd >= 0 ? pidfd : own;
	if (pfd >= 0 && lc_wait_fd(pfd, cg, what, err) < 0)
		return -1;
	lc_reap_pinned(pid, pfd);
	return 0;
}

/* As runc: with a user namespace, bind sources are opened by a helper of ours that
 * joins the init's mount namespace, so they resolve as the init would see them but with
 * our rights (the namespace's root cannot pass a 0700 directory of the host), and they
 * stay mounts of that namespace, flags locked. Each goes to the init as an O_PATH fd
 * (LC_SOURCE), a failure as LC_ERROR, which the init hands back to us. */
static int lc_send_sources(int sync, pid_t init, const struct spec *s, const char *bundle,
			   const struct cgroup *cg, struct ctr_error *err)
{
	char path[PATH_MAX + 16];
	ctr_snprintf(path, sizeof(path), "/proc/%ld/ns/mnt", (long)init);
	int ns AUTO_CLOSE = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return err_set(err, errno, "open %s", path);
	/* rootless: only the init's user namespace (ours) gives the right to join */
	ctr_snprintf(path, sizeof(path), "/proc/%ld/ns/user", (long)init);
	int user AUTO_CLOSE = geteuid() != 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (geteuid() != 0 && user < 0)
		return err_set(err, errno, "open %s", path);
	int pidfd AUTO_CLOSE = -1;
	pid_t pid = spawn_hidden(&pidfd);
	if (pid < 0)
		return err_set(err, errno, "fork");
	if (pid == 0) {
		struct ctr_error e = {0};
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		if (user >= 0 && setns(user, CLONE_NEWUSER) < 0)
			err_set(&e, errno, "joining the container's user namespace"), lc_child_fail(sync, &e);
		if (setns(ns, CLONE_NEWNS) < 0)
			err_set(&e, errno, "joining the container's mount namespace"), lc_child_fail(sync, &e);
		for (size_t i = 0; i < s->n_mounts; i++) {
			const struct spec_mount *m = &s->mounts[i];
			if (!rootfs_host_source(m))
				continue;
			bool rel = m->source[0] != '/';
			ctr_snprintf(path, sizeof(path), "%s%s%s", rel ? bundle : "", rel ? "/" : "", m->source);
			struct lc_msg msg = {.type = LC_SOURCE, .val = (int32_t)i};
			int fd = open(path, O_PATH | O_CLOEXEC);
			if (fd < 0)
				err_set(&e, errno, "mounts[%zu] (%s): mount source %s", i, m->destination,
					path), lc_child_fail(sync, &e);
			if (term_sendmsg_fd(sync, fd, &msg, LC_MSG_HDR + 1, &e) < 0)
				lc_child_fail(sync, &e);
			close(fd);
		}
		lc_send(sync, LC_SOURCES_DONE, 0, 0, NULL);
		_exit(0);
	}
	return lc_reap(pid, pidfd, cg, "opening the mount sources", err);
}

/* Next message from the init; a terminal's master (sent with LC_TERMINAL) is handed to
 * the console socket or the caller on the way. */
static int lc_recv_terminal(int fd, const struct spec *s, const struct ctr_create_args *a,
			    const struct cgroup *cg, struct lc_msg *m, struct ctr_error *err)
{
	if (!s->process.terminal)
		return lc_wait_fd(fd, cg, "container init", err) < 0 ? -1 :
			lc_recv(fd, m, "container init", err);
	for (;;) {
		int master = -1;
		if (lc_wait_fd(fd, cg, "container init", err) < 0)
			return -1;
		ssize_t n = term_recvmsg_fd(fd, m, sizeof(*m) - 1, &master);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return lc_timed_out(err, "container init");
		if (n < 0)
			return err_set(err, errno, "reading from the container init");
		if (n < (ssize_t)LC_MSG_HDR) {
			if (master >= 0)
				close(master);
			return err_set(err, EPIPE, "the container init exited unexpectedly");
		}
		((char *)m)[n] = 0;
		if (m->type != LC_TERMINAL) {
			if (master >= 0)
				close(master);
			if (m->type == LC_ERROR) {
				err_set(err, 0, "%s", m->text);
				err->errnum = m->val;
				return -1;
			}
			return 0;
		}
		if (master < 0)
			return err_set(err, EBADMSG, "terminal: no pty master from the init");
		if (term_deliver(master, a->console_socket, a->pty_master, err) < 0)
			return -1;
	}
}

/* A new file in the (new, locked) state dir: nobody reads it before state.json exists,
 * which is written atomically after it, so no temp file, rename or fsync is needed. */
static int lc_write_new(int dir_fd, const char *name, const char *data, size_t len,
			struct ctr_error *err)
{
	int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_set(err, errno, "create %s in the state dir", name);
	int rc = write_all(fd, data, len);
	int e = errno;
	close(fd);
	return rc < 0 ? err_set(err, e, "write %s in the state dir", name) : 0;
}

/* (Re)record the cgroup in st. */
static int lc_state_cgroup(struct state *st, const struct cgroup *cg, struct ctr_error *err)
{
	struct sbuf cgj = {0};
	struct jw w;
	jw_init(&w, &cgj, NULL);
	cgroup_state_write(cg, &w);
	free(st->cgroup_json);
	st->cgroup_json = NULL;
	return sbuf_take(&cgj, &st->cgroup_json, err);
}

static void lc_cgroup_foreign(const struct state_handle *h, struct cgroup *cg);

/* ctr_create from prepare to commit: what its one cleanup path (lc_create_unwind on
 * failure, then lc_create_free) undoes. */
struct lc_job {
	struct lc_create c;          /* what the children get */
	const char *root;
	char bundle[PATH_MAX], rootfs[PATH_MAX], owner[64];
	struct state_handle h;
	struct state st;
	bool state_made;             /* the state dir is ours to remove */
	struct spec *spec;
	struct cgroup *cg;
	char *config_text;
	size_t config_len;
	struct lc_spawn sp;          /* stage-1 and ctr's end of the sync pair */
	pid_t init;
	int init_fd;                 /* its pidfd, or -1 */
	bool init_is_child;
	int listener;                /* a seccomp notify fd from the init, or -1 */
};

/* The config (the caller's text, or the bundle's file), parsed; the rootfs it names. */
static int lc_create_config(struct lc_job *j, struct ctr_error *err)
{
	const struct ctr_create_args *a = j->c.a;
	char path[PATH_MAX + 16];
	ctr_snprintf(path, sizeof(path), "%s/config.json", j->bundle);
	if (a->config_json) { /* as the file would be: a copy, kept in the state */
		j->config_len = a->config_json_len ? a->config_json_len : strlen(a->config_json);
		if (!(j->config_text = malloc(j->config_len + 1)))
			return err_nomem(err);
		memcpy(j->config_text, a->config_json, j->config_len);
		j->config_text[j->config_len] = '\0';
	} else if (read_file(path, 16u << 20, &j->config_text, &j->config_len, err) < 0) {
		return -1;
	}
	if (spec_parse(j->config_text, j->config_len, "config.json", &j->spec, err) < 0)
		return -1;
	const struct spec *spec = j->c.spec = j->spec;
	if (!spec->has_process || !spec->process.n_args)
		return err_set(err, EINVAL, "config.json: process.args: required to create a "
			       "container");
	if (spec->process.terminal && !a->console_socket && !a->pty_master)
		return err_set(err, EINVAL, "config.json: process.terminal is true: a console "
			       "socket is required");
	const char *rp = spec->root_path ? spec->root_path : "rootfs";
	if (rp[0] == '/')
		ctr_snprintf(path, sizeof(path), "%s", rp);
	else
		ctr_snprintf(path, sizeof(path), "%s/%s", j->bundle, rp);
	if (!path_real(path, j->rootfs))
		return err_set(err, errno, "root.path: %s", path);
	j->c.rootfs = j->rootfs;
	return 0;
}

/* Prepare: the config, the namespaces to make and join, the host rules. Nothing exists
 * on the host yet. */
static int lc_create_prepare(struct lc_job *j, struct ctr_error *err)
{
	const char *b = j->c.a->bundle ? j->c.a->bundle : ".";
	if (!path_real(b, j->bundle))
		return err_set(err, errno, "bundle %s", b);
	if (lc_create_config(j, err) < 0 || lc_plan_namespaces(&j->c, err) < 0 ||
	    lc_check_host(&j->c, err) < 0)
		return -1;
	for (size_t i = 0; j->c.any_userns && i < j->spec->n_mounts; i++)
		j->c.host_sources |= rootfs_host_source(&j->spec->mounts[i]);
	lc_log_namespaces(&j->c);
	if (j->c.o->systemd_cgroup && sd_check_host(lc_rootless_cg(&j->c), err) < 0)
		return -1;
	return 0;
}

/* The state dir ("creating"), the cgroup it names, the compiled seccomp filter. */
static int lc_create_record(struct lc_job *j, struct ctr_error *err)
{
	const struct ctr_opts *o = j->c.o;
	const struct spec *spec = j->spec;
	struct state *st = &j->st;
	if (state_open(j->root, j->c.id, STATE_CREATE, &j->h, err) < 0)
		return -1;
	j->state_made = true;
	lc_owner(j->owner, sizeof(j->owner));
	st->id = (char *)j->c.id;
	st->bundle = j->bundle;
	st->rootfs = j->rootfs;
	st->owner = j->owner;
	st->creating = true;
	lc_created_now(st->created, sizeof(st->created));
	st->config_path = (char *)LC_CONFIG_COPY;
	/* name the cgroup in the state before making it: a create killed from here on
	 * leaves a "creating" container that `delete -f` removes completely */
	bool rootless = lc_rootless_cg(&j->c);
	if ((o->systemd_cgroup ? cgroup_plan_systemd(spec, j->c.id, rootless, &j->cg, err)
	     : rootless ? cgroup_plan_rootless(spec, j->c.id, &j->cg, err)
			: cgroup_plan(spec, j->c.id, &j->cg, err)) < 0)
		return err_prefix(err, "creating cgroup");
	j->c.host_mi = j->cg->host_mi;
	if (lc_state_cgroup(st, j->cg, err) < 0 ||
	    lc_annotations_json(spec, &st->annotations_json, err) < 0 ||
	    lc_write_new(j->h.dir_fd, LC_CONFIG_COPY, j->config_text, j->config_len, err) < 0 ||
	    state_save(&j->h, st, err) < 0)
		return -1;
	/* a systemd scope is made with the init in it (cg_sd_start) */
	if (j->cg->mode != CG_MODE_NONE && !j->cg->unit && cgroup_make(j->cg, spec, err) < 0) {
		cgroup_free(j->cg); /* made nothing: no kill and rmdir of what it did not make */
		j->cg = NULL;
		return err_prefix(err, "creating cgroup");
	}
	lc_log(o, CTR_LOG_DEBUG, "cgroup: %s created (%s), resources applied", j->cg->path,
	       cg_mode_names[j->cg->mode]);
	if (spec->has_linux && spec->lx.seccomp &&
	    seccomp_compile(spec->lx.seccomp, &j->c.filter, err) < 0)
		return err_prefix(err, "linux.seccomp");
	if (j->c.filter)
		lc_log(o, CTR_LOG_DEBUG, "seccomp: filter compiled (%zu rules); the init installs "
		       "it %s", spec->lx.seccomp->n_syscalls, spec->process.no_new_privileges ?
		       "right before its exec" : "before it drops its privileges");
	return 0;
}

/* lc_spawn's join for stage-1: ctr's copies of what only the children use go, then
 * stage-1's cgroup2 directory where it was not born there (it joins v1 by itself), or a
 * systemd scope made around it. */
static int lc_stage1_join(void *arg, pid_t pid, struct ctr_error *err)
{
	struct lc_job *j = arg;
	close(j->c.listen_fd);
	j->c.listen_fd = -1;
	for (size_t i = 0; i < j->c.n_ns; i++) {
		close(j->c.ns_fds[i]);
		j->c.ns_fds[i] = -1;
	}
	struct cgroup *cg = j->cg;
	bool born = j->sp.cgroup_fd > 0;
	if ((cg->unit ? cg_sd_start(cg, j->spec, pid, err) :
	     lc_cgjoin_rest(&j->c.cj, &j->sp, pid, NULL, err)) < 0)
		return err_prefix(err, "joining cgroup");
	lc_log(j->c.o, CTR_LOG_DEBUG, "cgroup: joined by stage-1 (pid %ld)%s", (long)pid,
	       born ? ", born in its cgroup2 directory" : "");
	return 0;
}

static void lc_stage1_run(void *arg, int sync)
{
	lc_stage1_main(&((struct lc_job *)arg)->c, sync);
}

/* Spawn: the start socket `ctr start` connects to, stage-1 in the cgroup. */
static int lc_create_spawn(struct lc_job *j, struct ctr_error *err)
{
	int min_fd = lc_first_fd(j->c.a->preserve_fds);
	struct sockaddr_un sa;
	j->c.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (j->c.listen_fd < 0)
		return err_set(err, errno, "start socket");
	if (lc_sock_addr(j->root, j->c.id, j->h.dir_fd, &sa, err) < 0)
		return -1;
	if (bind(j->c.listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(j->c.listen_fd, 1) < 0)
		return err_set(err, errno, "start socket %s/%s/" LC_START_SOCK, j->root, j->c.id);
	if ((j->c.listen_fd = lc_fd_above(j->c.listen_fd, min_fd)) < 0)
		return err_set(err, errno, "moving internal fds above --preserve-fds");
	if (!j->cg->unit && lc_cgjoin_open(&j->c.cj, j->cg, NULL, &j->sp, err) < 0)
		return err_prefix(err, "joining cgroup");
	if (lc_spawn(&j->sp, min_fd, &j->h, lc_stage1_run, lc_stage1_join, j, "stage-1",
		     err) < 0)
		return -1;
	lc_bound_reads(j->sp.sync, j->spec, HOOK_CREATE_CONTAINER);
	return 0;
}

/* Stage-1's namespaces: the user namespace's maps written for it, the init's pid. */
static int lc_create_namespaces(struct lc_job *j, struct ctr_error *err)
{
	struct lc_msg m;
	for (;;) {
		if (lc_wait_fd(j->sp.sync, j->cg, "creating namespaces", err) < 0 ||
		    lc_recv(j->sp.sync, &m, "creating namespaces", err) < 0)
			return -1;
		if (m.type == LC_USERNS) {
			if (userns_write_maps(j->sp.pid, j->spec, err) < 0)
				return err_prefix(err, "user namespace");
			lc_send(j->sp.sync, LC_USERNS_DONE, 0, 0, NULL);
		} else if (m.type == LC_INIT_PID) {
			j->init = m.val;
			j->init_is_child = m.val2;
			j->init_fd = sys_pidfd_open(j->init, 0); /* it waits for us: still there */
			lc_log(j->c.o, CTR_LOG_DEBUG, "namespaces: created; the container init is "
			       "pid %ld", (long)j->init);
			break;
		} else {
			return err_set(err, EPROTO, "unexpected message '%c' from stage-1", m.type);
		}
	}
	/* it exits */
	if (lc_reap(j->sp.pid, j->sp.pidfd, j->cg, "waiting for stage-1", err) < 0)
		return -1;
	j->sp.pid = -1;
	return 0;
}

/* Handshake with the init until it is ready: bind sources, network devices, the
 * terminal, the prestart and createRuntime hooks, a seccomp notify fd. */
static int lc_create_handshake(struct lc_job *j, struct ctr_error *err)
{
	const struct spec *spec = j->spec;
	const struct ctr_create_args *a = j->c.a;
	int sync = j->sp.sync;
	struct lc_msg m;
	if (lc_create_namespaces(j, err) < 0)
		return -1;
	if (j->c.host_sources &&
	    lc_send_sources(sync, j->init, spec, j->bundle, j->cg, err) < 0)
		return -1;
	if (spec->has_linux && spec->lx.n_net_devices && net_devices_move(spec, j->init, err) < 0)
		return -1; /* its errors name linux.netDevices */
	if (lc_recv_terminal(sync, spec, a, j->cg, &m, err) < 0)
		return -1;
	if (m.type == LC_HOOKS) {
		/* runc gives prestart and createRuntime "creating" (runtime-spec runtime.md,
		 * lifecycle steps 5-6: the container is still being created) */
		if (lc_run_hooks(spec, HOOK_PRESTART, j->c.id, CTR_CREATING, j->init, j->bundle,
				 j->rootfs, err) < 0 ||
		    lc_run_hooks(spec, HOOK_CREATE_RUNTIME, j->c.id, CTR_CREATING, j->init,
				 j->bundle, j->rootfs, err) < 0)
			return -1;
		if (lc_send(sync, LC_HOOKS_DONE, j->init, 0, NULL) < 0 ||
		    lc_recv_terminal(sync, spec, a, j->cg, &m, err) < 0)
			return -1;
	}
	if (m.type != LC_READY)
		return err_set(err, EPROTO, "unexpected message '%c' from the container init",
			       m.type);
	if (m.val && term_recv_fd(sync, &j->listener, err) < 0)
		return -1;
	lc_log(j->c.o, CTR_LOG_DEBUG, "mounts: rootfs %s set up (%zu mounts), root switched by "
	       "%s; the init waits for start", j->rootfs, spec->n_mounts,
	       a->no_pivot ? "MS_MOVE + chroot" : "pivot_root");
	return 0;
}

/* Commit: the state says "created" with the init's identity, the pid file, the seccomp
 * agent gets its fd, the init may wait for start. */
static int lc_create_commit(struct lc_job *j, pid_t *pid_out, struct ctr_error *err)
{
	struct state *st = &j->st;
	pid_t init = j->init;
	char path[64];
	st->pid = init;
	st->pid_start = pid_start_time(init, st->init_comm);
	st->creating = false;
	ctr_snprintf(path, sizeof(path), "/proc/%ld/exe", (long)init);
	struct stat exe;
	if (stat(path, &exe) == 0) {
		st->init_exe_dev = exe.st_dev;
		st->init_exe_ino = exe.st_ino;
	}
	/* the name helps only with the image to fall back on; plain ASCII only */
	bool ascii = st->init_exe_ino != 0;
	for (const char *c = st->init_comm; *c; c++)
		ascii &= *c >= 0x20 && *c <= 0x7e;
	if (!ascii)
		st->init_comm[0] = 0;
	if (lc_state_cgroup(st, j->cg, err) < 0 || state_save(&j->h, st, err) < 0)
		return -1;
	if (j->c.a->pid_file && lc_write_pid_file(j->c.a->pid_file, init, err) < 0)
		return -1;
	if (j->listener >= 0) {
		AUTO_FREE char *state_json = NULL;
		if (lc_hook_state(j->c.id, CTR_CREATED, init, j->bundle, j->rootfs, j->spec,
				  &state_json, err) < 0 ||
		    seccomp_send_listener(j->spec->lx.seccomp, j->listener, init, state_json,
					  err) < 0)
			return -1;
	}
	if (lc_send(j->sp.sync, LC_GO, init, 0, NULL) < 0)
		return err_set(err, errno, "container init exited before start");
	lc_log(j->c.o, CTR_LOG_DEBUG, "created container %s, init pid %ld", j->c.id, (long)init);
	if (pid_out)
		*pid_out = init;
	if (j->c.a->pidfd_out)
		*j->c.a->pidfd_out = TAKE_FD(j->init_fd);
	return 0;
}

/* A failed create: its processes killed, the poststop hooks, the cgroup and the state dir
 * gone, the pty master closed. */
static void lc_create_unwind(struct lc_job *j)
{
	struct ctr_error e2 = {0};
	if (j->cg)
		lc_cgroup_foreign(&j->h, j->cg); /* containers nested below stay */
	/* thawed if frozen meanwhile: a frozen v1 task would not die */
	if (j->cg && (j->init > 0 || j->sp.pid > 0))
		cgroup_kill_all(j->cg, SIGKILL, NULL);
	if (j->init > 0) {
		if (j->init_is_child)
			lc_kill_reap(j->init, j->init_fd);
		else
			kill(j->init, SIGKILL);
	}
	lc_kill_reap(j->sp.pid, j->sp.pidfd);
	j->sp.pid = -1;
	/* as runc's destroy: a failed create (a prestart, createRuntime or createContainer
	 * hook, ...) still ends with the poststop hooks */
	if (j->state_made && lc_has_hooks(j->spec, HOOK_POSTSTOP) &&
	    lc_run_hooks(j->spec, HOOK_POSTSTOP, j->c.id, CTR_STOPPED, 0, j->bundle, j->rootfs,
			 &e2) < 0)
		lc_log(j->c.o, CTR_LOG_WARN, "%s", e2.msg);
	cgroup_destroy(j->cg, true, &e2); /* frees it */
	j->cg = NULL;
	if (j->state_made)
		state_remove(&j->h, &e2);
	if (j->c.a->pty_master && *j->c.a->pty_master >= 0) {
		close(*j->c.a->pty_master);
		*j->c.a->pty_master = -1;
	}
}

static void lc_create_free(struct lc_job *j)
{
	lc_spawn_end(&j->sp);
	lc_cgjoin_close(&j->c.cj);
	if (j->init_fd >= 0)
		close(j->init_fd);
	free(j->st.cgroup_json);
	free(j->st.annotations_json);
	cgroup_free(j->cg);
	if (j->c.filter)
		seccomp_filter_free(j->c.filter);
	for (size_t i = 0; i < j->c.n_ns; i++)
		if (j->c.ns_fds[i] >= 0)
			close(j->c.ns_fds[i]);
	if (j->c.listen_fd >= 0)
		close(j->c.listen_fd);
	if (j->listener >= 0)
		close(j->listener);
	state_close(&j->h);
	spec_free(j->spec);
	free(j->config_text);
}

int ctr_create(const struct ctr_opts *o, const char *id, const struct ctr_create_args *a,
	       pid_t *pid_out, struct ctr_error *err)
{
	static const struct ctr_create_args no_args = {.bundle = NULL};
	if (!a)
		a = &no_args;
	if (a->pty_master)
		*a->pty_master = -1;
	if (a->pidfd_out)
		*a->pidfd_out = -1;
	if (ctr_id_valid(id, err) < 0 || lc_require_sealed("create", err) < 0)
		return -1;
	struct lc_job *j = calloc(1, sizeof(*j));
	if (!j)
		return err_nomem(err);
	j->c = (struct lc_create){.o = o, .id = id, .bundle = j->bundle, .a = a, .sync_fd = -1,
				  .listen_fd = -1, .rootless = geteuid() != 0,
				  .nested = lc_in_userns(), .cj.v2_fd = -1};
	for (size_t i = 0; i < ARRAY_LEN(j->c.ns_fds); i++)
		j->c.ns_fds[i] = -1;
	j->root = o && o->root ? o->root : CTR_DEFAULT_ROOT;
	j->h.root_fd = j->h.dir_fd = -1;
	j->sp.sync = j->sp.pid = j->sp.pidfd = j->init = j->init_fd = j->listener = -1;
	int rc = lc_create_prepare(j, err) < 0 || lc_create_record(j, err) < 0 ||
		 lc_create_spawn(j, err) < 0 || lc_create_handshake(j, err) < 0 ||
		 lc_create_commit(j, pid_out, err) < 0 ? -1 : 0;
	if (rc < 0)
		lc_create_unwind(j);
	lc_create_free(j);
	free(j);
	return rc;
}

/* ---------- status, start, kill, delete ---------- */

/* errnum of lc_open for a directory of the root that is not a container */
#define LC_NOT_CONTAINER EMEDIUMTYPE

/* A loaded container: state, its handle and the derived status. */
struct lc_container {
	struct state_handle h;
	struct state st;
	bool loaded;                 /* st is valid (else: still being created) */
	enum ctr_status status;
};

static void lc_release(struct lc_container *ct)
{
	if (ct->loaded)
		state_free(&ct->st);
	state_close(&ct->h);
	ct->loaded = false;
}

/* The status as far as the processes tell: running may still be paused (the freezer
 * tells). proc_fd: an open /proc, or -1; *pstate gets the init's state letter when it
 * was read (0 otherwise). Has the init exec'd the user process? Asked of the process
 * itself, so a `ctr start` killed half-way cannot leave a running workload shown as
 * created. /proc/PID/stat first (alive, the same process, its state letter for the
 * freezer): a name other than the one recorded at create is an exec (only the init could
 * rename itself, and it does not); the same name asks the image: the recorded one (the
 * runtime's overlay or memfd, which only this init holds, or its binary on squashfs) is
 * the init still waiting. States from before names were recorded ask the image first.
 * No image (a zombie, or one exiting: still in its cgroup, so not stopped yet) or no
 * access to it (rootless): the start socket tells whether it was started (`start`
 * removes it). */
static enum ctr_status lc_live_status(const struct lc_container *ct, int proc_fd, char *pstate)
{
	char p[NAME_MAX + 32], comm[STATE_COMM_MAX];
	struct stat sb;
	const struct state *st = &ct->st;
	int at = proc_fd < 0 ? AT_FDCWD : proc_fd;
	*pstate = 0;
	if (!ct->loaded || st->creating)
		return CTR_CREATING;
	if (st->pid <= 0)
		return CTR_STOPPED;
	str_num_path(p, sizeof(p), proc_fd < 0 ? "/proc/" : "", (long)st->pid, "/exe");
	if (st->init_comm[0] && st->init_exe_ino) {
		if (!(*pstate = pid_alive_at(proc_fd, st->pid, st->pid_start, comm)))
			return CTR_STOPPED;
		if (strcmp(comm, st->init_comm))
			return CTR_RUNNING;
		if (fstatat(at, p, &sb, 0) == 0)
			return sb.st_dev == st->init_exe_dev && sb.st_ino == st->init_exe_ino ?
			       CTR_CREATED : CTR_RUNNING;
	} else {
		if (st->init_exe_ino && fstatat(at, p, &sb, 0) == 0) {
			if (sb.st_dev == st->init_exe_dev && sb.st_ino == st->init_exe_ino)
				return CTR_CREATED;
			*pstate = pid_alive_at(proc_fd, st->pid, st->pid_start, NULL);
			return *pstate ? CTR_RUNNING : CTR_STOPPED;
		}
		if (!(*pstate = pid_alive_at(proc_fd, st->pid, st->pid_start, NULL)))
			return CTR_STOPPED;
	}
	/* `list` has only the root's fd. fstatat, not faccessat: musl's needs faccessat2
	 * (Linux 5.8) for AT_SYMLINK_NOFOLLOW */
	if (ct->h.dir_fd < 0)
		ctr_snprintf(p, sizeof(p), "%s/" LC_START_SOCK, ct->h.id);
	return fstatat(ct->h.dir_fd >= 0 ? ct->h.dir_fd : ct->h.root_fd,
		       ct->h.dir_fd >= 0 ? LC_START_SOCK : p, &sb, AT_SYMLINK_NOFOLLOW) < 0 ?
	       CTR_RUNNING : CTR_CREATED;
}

static void lc_compute_status(struct lc_container *ct)
{
	char pstate;
	ct->status = lc_live_status(ct, -1, &pstate);
	if (ct->status != CTR_RUNNING)
		return;
	struct cgroup *cg = NULL;
	struct ctr_error e;
	bool frozen = false;
	if (ct->st.cgroup_json && cgroup_state_read(ct->st.cgroup_json, &cg, &e) == 0) {
		if (cgroup_is_frozen(cg, &frozen, &e) == 0 && frozen)
			ct->status = CTR_PAUSED;
		cgroup_free(cg);
	}
}

static int lc_open(const struct ctr_opts *o, const char *id, int flags, struct lc_container *ct,
		   struct ctr_error *err)
{
	memset(ct, 0, sizeof(*ct));
	ct->h.root_fd = ct->h.dir_fd = -1;
	if (ctr_id_valid(id, err) < 0)
		return -1;
	if (state_open(o && o->root ? o->root : CTR_DEFAULT_ROOT, id, flags, &ct->h, err) < 0)
		return -1;
	/* every container dir has a state.json from its first moment (state_create_dir) */
	struct stat sb; /* fstatat: faccessat with AT_SYMLINK_NOFOLLOW needs Linux 5.8 on musl */
	if (fstatat(ct->h.dir_fd, STATE_FILE, &sb, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT) {
		state_close(&ct->h);
		err_set(err, 0, "%s/%s is not a ctr container (no " STATE_FILE "): refusing to "
			"touch it", o && o->root ? o->root : CTR_DEFAULT_ROOT, id);
		err->errnum = LC_NOT_CONTAINER;
		return -1;
	}
	if (state_load(&ct->h, &ct->st, err) < 0) {
		state_close(&ct->h);
		return err_prefix(err, "container %s", id);
	}
	ct->loaded = true;
	lc_compute_status(ct);
	return 0;
}

/* The config copy kept in the state dir, parsed only if it mentions key (most configs
 * have no poststart/poststop hooks, netDevices or seccomp listener). NULL otherwise. */
static struct spec *lc_stored_spec(struct lc_container *ct, const char *key)
{
	const char *text = NULL;
	size_t len = 0;
	struct ctr_error e = {0};
	struct spec *spec = NULL;
	if (!ct->loaded || state_config(&ct->h, &text, &len, &e) < 0)
		return NULL;
	if (str_find(text, key) && spec_parse(text, len, "config.json", &spec, &e) < 0)
		spec = NULL;
	return spec;
}

/* poststart and poststop: failures are warnings (runtime-spec: they do not fail the
 * operation). */
static void lc_run_stored_hooks(const struct ctr_opts *o, struct lc_container *ct,
				enum spec_hook_kind kind, enum ctr_status status)
{
	struct spec *spec = lc_stored_spec(ct, kind == HOOK_POSTSTART ? "\"poststart\"" :
					       "\"poststop\"");
	struct ctr_error e = {0};
	if (spec && lc_run_hooks(spec, kind, ct->h.id, status, status == CTR_STOPPED ? 0 :
				 ct->st.pid, ct->st.bundle, ct->st.rootfs, &e) < 0)
		lc_log(o, CTR_LOG_WARN, "%s", e.msg);
	if (spec)
		spec_free(spec);
}

/* The init sends a seccomp notify fd before its exec when the filter came last: pass
 * it to linux.seccomp.listenerPath. Takes listener. */
static int lc_start_listener(struct lc_container *ct, int listener, struct ctr_error *err)
{
	struct spec *spec = lc_stored_spec(ct, "\"listenerPath\"");
	if (!spec || !spec->has_linux || !spec->lx.seccomp || !spec->lx.seccomp->listener_path) {
		if (spec)
			spec_free(spec);
		close(listener);
		return err_set(err, 0, "a seccomp listener came, but the stored config has no "
			       "linux.seccomp.listenerPath");
	}
	int rc = -1;
	AUTO_FREE char *state_json = NULL;
	if (lc_hook_state(ct->h.id, CTR_RUNNING, ct->st.pid, ct->st.bundle, ct->st.rootfs, spec,
			  &state_json, err) == 0 &&
	    seccomp_send_listener(spec->lx.seccomp, listener, ct->st.pid, state_json, err) == 0)
		rc = 0;
	close(listener);
	spec_free(spec);
	return rc;
}

int ctr_start(const struct ctr_opts *o, const char *id, struct ctr_error *err)
{
	struct lc_container ct;
	if (lc_open(o, id, 0, &ct, err) < 0)
		return -1;
	int rc = -1, fd = -1;
	switch (ct.status) {
	case CTR_CREATED:
		break;
	case CTR_STOPPED:
		err_set(err, 0, "cannot start a container that has stopped");
		goto out;
	case CTR_CREATING:
		err_set(err, 0, "cannot start a container that is still being created");
		goto out;
	default:
		err_set(err, 0, "cannot start an already running container");
		goto out;
	}
	struct sockaddr_un sa;
	if (lc_sock_addr(o && o->root ? o->root : CTR_DEFAULT_ROOT, id, ct.h.dir_fd, &sa, err) < 0)
		goto out;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == ECONNREFUSED)
			err_set(err, 0, "cannot start container %s: its init has already been told to "
				"start (by a `ctr start` that is running or was killed)", id);
		else
			err_set(err, errno, "starting container %s: connect to its init", id);
		goto out;
	}
	struct spec *hs = lc_stored_spec(&ct, "\"startContainer\"");
	lc_bound_reads(fd, hs, HOOK_START_CONTAINER);
	if (hs)
		spec_free(hs);
	lc_log(o, CTR_LOG_DEBUG, "exec: init (pid %ld) told to exec the container process",
	       (long)ct.st.pid);
	/* The init execs on accept: EOF means the exec happened (its end is close-on-exec);
	 * text is the reason it did not. A message with an fd comes first when the seccomp
	 * filter has a listener and was installed last (with noNewPrivileges). */
	struct ctr_error lerr = {0};
	int lrc = 0, listener = -1;
	char msg[sizeof(err->msg)];
	struct cgroup *cg = NULL;
	int wrc = ct.st.cgroup_json && cgroup_state_read(ct.st.cgroup_json, &cg, err) < 0 ? -1 :
		lc_wait_fd(fd, cg, "starting container", err);
	if (cg)
		cgroup_free(cg);
	if (wrc < 0)
		goto out;
	ssize_t n = term_recvmsg_fd(fd, msg, sizeof(msg) - 1, &listener);
	if (listener >= 0) {
		lrc = lc_start_listener(&ct, listener, &lerr);
		n = read_full(fd, msg, sizeof(msg) - 1);
	} else if (n > 0) {
		ssize_t more = read_full(fd, msg + n, sizeof(msg) - 1 - (size_t)n);
		n = more < 0 ? more : n + more;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		lc_timed_out(err, "start");
		goto out;
	}
	if (n < 0) {
		err_set(err, errno, "starting container %s", id);
		goto out;
	}
	unlinkat(ct.h.dir_fd, LC_START_SOCK, 0);
	if (n > 0 || lrc < 0) {
		msg[n > 0 ? n : 0] = 0;
		err_set(err, 0, "starting container process: %s", n > 0 ? msg : lerr.msg);
		goto out;
	}
	lc_log(o, CTR_LOG_DEBUG, "started container %s", id);
	lc_run_stored_hooks(o, &ct, HOOK_POSTSTART, CTR_RUNNING);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	lc_release(&ct);
	return rc;
}

/* Signal the init, safe against pid reuse: the pidfd pins the process we checked. */
static int lc_signal_init(const struct state *st, int sig, struct ctr_error *err)
{
	int pfd = sys_pidfd_open(st->pid, 0);
	if (pfd >= 0) {
		if (!pid_alive(st->pid, st->pid_start)) {
			close(pfd);
			return err_set(err, 0, "container not running");
		}
		int r = sys_pidfd_send_signal(pfd, sig);
		int e = errno;
		close(pfd);
		if (r == 0)
			return 0;
		if (e != ENOSYS)
			return err_set(err, e, "unable to signal init (pid %ld)", (long)st->pid);
	} else if (errno == ESRCH) {
		return err_set(err, 0, "container not running");
	}
	if (!pid_alive(st->pid, st->pid_start))
		return err_set(err, 0, "container not running");
	if (kill(st->pid, sig) < 0)
		return err_set(err, errno, "unable to signal init (pid %ld)", (long)st->pid);
	return 0;
}

/* The cgroupsPath of the config kept in the state dir, cleaned as create did. */
static int lc_cgroup_want(struct state_handle *h, const char *unit, char *out,
			  size_t size, struct ctr_error *err)
{
	const char *text = NULL;
	size_t len = 0;
	struct json_doc *doc = NULL;
	const char *cp = NULL;
	if (state_config(h, &text, &len, err) < 0)
		return err_prefix(err, "state dir of %s", h->id);
	if (str_find(text, "\"cgroupsPath\"")) {
		if (json_parse(text, len, LC_CONFIG_COPY, NULL, &doc, err) < 0)
			return -1;
		const struct json *v = json_get(json_get(json_root(doc), "linux"), "cgroupsPath");
		cp = json_str(v, NULL);
	}
	/* a systemd scope: the path and the unit both follow from cgroupsPath (a record
	 * naming another unit would have delete stop it) */
	char u[256], slice[256];
	int rc = unit ? sd_parse_path(cp, h->id, u, sizeof(u), out, size, slice, sizeof(slice), err)
		      : cg_path_clean(cp, h->id, out, size, err);
	if (rc == 0 && unit && strcmp(u, unit))
		rc = err_set(err, EPERM, "state.json: unit %s is not the container's (%s)", unit, u);
	json_free(doc);
	return rc;
}

/* Note dir as another container's if it is below one of ours. */
static void lc_cgroup_add_foreign(struct cgroup *cg, const char *dir)
{
	for (size_t k = 0; k < cg->n; k++) {
		size_t l = strlen(cg->d[k].dir);
		if (strncmp(dir, cg->d[k].dir, l) || dir[l] != '/')
			continue;
		char **nf = realloc(cg->foreign, (cg->n_foreign + 1) * sizeof(*nf));
		if (!nf || !(nf[cg->n_foreign] = strdup(dir))) {
			if (nf)
				cg->foreign = nf;
			return;
		}
		cg->foreign = nf;
		cg->n_foreign++;
		return;
	}
}

static int lc_is_other(const char *name, unsigned char type, void *self)
{
	(void)type;
	return name[0] != '.' && strcmp(name, self);
}

static int lc_is_subdir(const char *name, unsigned char type, void *arg)
{
	(void)name; (void)arg;
	return type == DT_DIR;
}

/* Other containers of the root whose cgroups are below ours (nested cgroupsPath). Only
 * looked for when our cgroup has sub-directories at all. */
static void lc_cgroup_foreign(const struct state_handle *h, struct cgroup *cg)
{
	/* first the cheaper question: is there any other container in the root? */
	int fd = openat(h->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool subdirs = false, others = fd >= 0 && dir_each(fd, lc_is_other, (void *)h->id) == 1;
	for (size_t i = 0; others && i < cg->n && !subdirs; i++)
		subdirs = dir_each_path(cg->d[i].dir, lc_is_subdir, NULL) == 1;
	if (fd >= 0 && (!subdirs || lseek(fd, 0, SEEK_SET) < 0)) {
		close(fd);
		fd = -1;
	}
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	for (struct dirent *de; (de = readdir(d));) {
		struct state_handle o = {.root_fd = -1, .id = de->d_name};
		struct state st;
		struct cgroup *other = NULL;
		struct ctr_error e;
		if (de->d_name[0] == '.' || !strcmp(de->d_name, h->id) ||
		    (o.dir_fd = openat(h->root_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
				       O_NOFOLLOW)) < 0)
			continue;
		if (state_load(&o, &st, &e) == 0) {
			if (st.cgroup_json && cgroup_state_read(st.cgroup_json, &other, &e) == 0)
				for (size_t i = 0; i < other->n; i++)
					lc_cgroup_add_foreign(cg, other->d[i].dir);
			cgroup_free(other);
			state_free(&st);
		}
		close(o.dir_fd);
	}
	closedir(d);
}

/* The container's cgroup from its state, checked to be its own (see cgroup_check_own),
 * with the cgroups of containers nested below it marked foreign. */
static int lc_cgroup_load(struct state_handle *h, const struct state *st,
			  struct cgroup **cg, bool foreign, struct ctr_error *err)
{
	char want[PATH_MAX];
	*cg = NULL;
	if (!st->cgroup_json)
		return st->creating ? 0 : err_set(err, EINVAL, "state.json of %s: no cgroup "
						  "record", h->id);
	if (cgroup_state_read(st->cgroup_json, cg, err) < 0)
		return -1;
	if (lc_cgroup_want(h, (*cg)->unit, want, sizeof(want), err) < 0) {
		cgroup_free(*cg);
		*cg = NULL;
		return -1;
	}
	if (cgroup_check_own(*cg, want, err) < 0) {
		cgroup_free(*cg);
		*cg = NULL;
		return err_prefix(err, "container %s", h->id);
	}
	if (foreign)
		lc_cgroup_foreign(h, *cg);
	return 0;
}

/* Is the /proc/PID/cgroup path `path` the cgroup `want` or below it? A relative want is
 * below the creator's own cgroup, anywhere. */
static bool lc_cg_path_match(const char *path, const char *want)
{
	size_t wl = strlen(want);
	if (want[0] == '/')
		return !strncmp(path, want, wl) && (path[wl] == 0 || path[wl] == '/');
	for (const char *at = strchr(path, '/'); at; at = strchr(at + 1, '/'))
		if (!strncmp(at + 1, want, wl) && (at[wl + 1] == 0 || at[wl + 1] == '/'))
			return true;
	return false;
}

/* Is pid in the cgroup cg names (or below it)? From /proc/PID/cgroup, so a pid edited
 * into state.json cannot make delete or kill signal a process of another cgroup. */
static bool lc_pid_in_cgroup(pid_t pid, const struct cgroup *cg)
{
	char p[64];
	AUTO_FREE char *text = NULL;
	ctr_snprintf(p, sizeof(p), "/proc/%ld/cgroup", (long)pid);
	if (!cg || !cg->n || read_file(p, 1 << 20, &text, NULL, NULL) < 0)
		return true; /* nothing to compare, or gone (the signal finds nothing) */
	for (char *l = text, *nl; *l; l = nl) {
		nl = strchrnul(l, '\n');
		bool last = !*nl;
		*nl = 0;
		char *c = strchr(l, ':');
		c = c ? strchr(c + 1, ':') : NULL;
		/* rootless: the path is below the delegated subtree (cgroup_plan_rootless) */
		if (c && lc_cg_path_match(c + 1, cg->path + (cg->rootless && cg->path[0] == '/')))
			return true;
		nl += !last;
	}
	return false;
}

/* The checked cgroup of a loaded container, and its init (while alive) in it. foreign:
 * mark the cgroups of containers nested below (to signal or remove: not to join). */
static int lc_load_checked(struct lc_container *ct, struct cgroup **cg, bool foreign,
			   struct ctr_error *err)
{
	*cg = NULL;
	if (!ct->loaded || lc_cgroup_load(&ct->h, &ct->st, cg, foreign, err) < 0)
		return ct->loaded ? -1 : 0;
	if (ct->status == CTR_STOPPED || ct->status == CTR_CREATING ||
	    lc_pid_in_cgroup(ct->st.pid, *cg))
		return 0;
	cgroup_free(*cg);
	*cg = NULL;
	return err_set(err, EPERM, "container %s: state.json: pid %ld is not in the container's "
		       "cgroup", ct->h.id, (long)ct->st.pid);
}

/* A container without its own pid namespace is not killed by its init's death. */
static bool lc_has_own_pidns(const struct state *st)
{
	char p[64];
	struct stat a, b;
	ctr_snprintf(p, sizeof(p), "/proc/%ld/ns/pid", (long)st->pid);
	if (stat(p, &a) < 0 || stat("/proc/self/ns/pid", &b) < 0)
		return false;
	return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

int ctr_kill(const struct ctr_opts *o, const char *id, int sig, unsigned flags,
	     struct ctr_error *err)
{
	struct lc_container ct;
	bool all = flags & CTR_KILL_ALL;
	if (flags & ~CTR_KILL_ALL)
		return err_set(err, EINVAL, "kill: unknown flags %#x", flags);
	if (sig < 0 || sig >= _NSIG)
		return err_set(err, EINVAL, "invalid signal %d", sig);
	if (lc_open(o, id, STATE_SHARED, &ct, err) < 0)
		return -1;
	int rc = -1;
	struct cgroup *cg = NULL;
	if (ct.status == CTR_CREATING) {
		err_set(err, 0, "container %s is still being created", id);
		goto out;
	}
	if (lc_load_checked(&ct, &cg, true, err) < 0)
		goto out;
	if (all && sig != 0) { /* signal 0 asks about the container, i.e. its init */
		struct ctr_error e2 = {0};
		if (cg && cgroup_kill_all(cg, sig, &e2) == 0) {
			rc = 0;
		} else if (ct.status == CTR_STOPPED) {
			rc = 0; /* nothing left to signal */
		} else if (lc_has_own_pidns(&ct.st)) {
			/* no cgroup to walk: the pid ns dies with its init */
			rc = lc_signal_init(&ct.st, SIGKILL, err);
		} else {
			err_set(err, e2.errnum, "kill --all: %s", cg ? e2.msg : "container has no cgroup");
		}
	} else {
		if (ct.status == CTR_STOPPED) {
			err_set(err, 0, "container not running");
			goto out;
		}
		rc = lc_signal_init(&ct.st, sig, err);
	}
	/* a frozen process does not die before it is thawed */
	if (rc == 0 && sig == SIGKILL && ct.status == CTR_PAUSED && cg) {
		struct ctr_error e2;
		cgroup_freeze(cg, false, &e2);
	}
out:
	if (cg)
		cgroup_free(cg);
	lc_release(&ct);
	return rc;
}

/* Wait for a process we may not be the parent of to exit: pidfd + poll, no sleeps. */
static int lc_wait_exit(const struct state *st, int timeout_ms, struct ctr_error *err)
{
	int pfd = sys_pidfd_open(st->pid, 0);
	if (pfd < 0) {
		if (errno == ESRCH)
			return 0;
		/* no pidfd (kernel < 5.3): poll /proc, the only way left */
		for (int waited = 0; pid_alive(st->pid, st->pid_start); waited += 10) {
			if (waited >= timeout_ms)
				return err_set(err, ETIMEDOUT, "waiting for init %ld to exit",
					       (long)st->pid);
			struct timespec ts = {0, 10 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		return 0;
	}
	int rc = 0;
	if (pid_alive(st->pid, st->pid_start)) {
		struct pollfd p = {.fd = pfd, .events = POLLIN};
		int r;
		while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
			;
		if (r == 0)
			rc = err_set(err, ETIMEDOUT, "waiting for init %ld to exit", (long)st->pid);
	}
	close(pfd);
	return rc;
}

/* Remove what a stopped container leaves: cgroup (and what still runs in it; *cg is
 * consumed), state. */
static int lc_destroy(const struct ctr_opts *o, struct lc_container *ct, struct cgroup **cg,
		      struct ctr_error *err)
{
	if (*cg && cgroup_destroy(TAKE_PTR(*cg), true, err) < 0)
		return err_prefix(err, "removing cgroup of %s", ct->h.id);
	lc_run_stored_hooks(o, ct, HOOK_POSTSTOP, CTR_STOPPED);
	return state_remove(&ct->h, err);
}

int ctr_delete(const struct ctr_opts *o, const char *id, unsigned flags, struct ctr_error *err)
{
	struct lc_container ct;
	bool force = flags & CTR_DELETE_FORCE;
	if (flags & ~CTR_DELETE_FORCE)
		return err_set(err, EINVAL, "delete: unknown flags %#x", flags);
	int root_fd = openat(AT_FDCWD, o && o->root && *o->root ? o->root : CTR_DEFAULT_ROOT,
			     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd >= 0) {
		state_sweep_stale(root_fd); /* what killed creates and deletes left */
		close(root_fd);
	}
	if (lc_open(o, id, 0, &ct, err) < 0) {
		if (force && err && err->errnum == ENOENT)
			return 0; /* runc: delete --force of a missing container succeeds */
		return -1;
	}
	int rc = -1;
	struct cgroup *cg = NULL;
	/* before any signal: what the state names must be the container's own */
	if (lc_load_checked(&ct, &cg, true, err) < 0)
		goto out;
	switch (ct.status) {
	case CTR_CREATING: /* we hold the lock: its creator died half-way */
	case CTR_STOPPED:
		break;
	case CTR_CREATED:
		force = true; /* runc deletes a created container without -f */
		/* fall through */
	default:
		if (!force) {
			err_set(err, 0, "cannot delete container %s that is not stopped: %s", id,
				ctr_status_name(ct.status));
			goto out;
		}
		struct spec *nd = lc_stored_spec(&ct, "\"netDevices\"");
		if (nd) {
			/* hand linux.netDevices back while the container's netns still exists */
			struct ctr_error e2 = {0};
			if (net_devices_return(nd, ct.st.pid, &e2) < 0)
				lc_log(o, CTR_LOG_WARN, "%s", e2.msg);
			spec_free(nd);
		}
		if (lc_signal_init(&ct.st, SIGKILL, err) < 0 && pid_alive(ct.st.pid, ct.st.pid_start))
			goto out;
		if (ct.status == CTR_PAUSED && cg) {
			struct ctr_error e2;
			cgroup_freeze(cg, false, &e2);
		}
		if (lc_wait_exit(&ct.st, 10000, err) < 0)
			goto out;
	}
	rc = lc_destroy(o, &ct, &cg, err);
	if (rc == 0)
		lc_log(o, CTR_LOG_DEBUG, "deleted container %s", id);
out:
	cgroup_free(cg);
	lc_release(&ct);
	return rc;
}

/* ---------- state and list ---------- */

static int lc_fill_state(struct lc_container *ct, struct ctr_state *out, struct ctr_error *err)
{
	memset(out, 0, sizeof(*out));
	str_copy(out->id, sizeof(out->id), ct->h.id);
	out->status = ct->status;
	out->exit_status = -1;
	if (ct->loaded) {
		out->pid = ct->status == CTR_STOPPED ? 0 : ct->st.pid;
		if (ct->status == CTR_STOPPED && ct->st.exited)
			out->exit_status = ct->st.exit_status;
		str_copy(out->created, sizeof(out->created), ct->st.created);
		out->bundle = TAKE_PTR(ct->st.bundle);
		out->rootfs = TAKE_PTR(ct->st.rootfs);
		out->owner = TAKE_PTR(ct->st.owner);
		out->annotations_json = TAKE_PTR(ct->st.annotations_json);
	}
	if (!out->bundle)
		out->bundle = strdup("");
	if (!out->rootfs)
		out->rootfs = strdup("");
	if (!out->owner)
		out->owner = strdup("");
	if (!out->bundle || !out->rootfs || !out->owner) {
		ctr_state_release(out);
		return err_nomem(err);
	}
	return 0;
}

int ctr_state(const struct ctr_opts *o, const char *id, struct ctr_state *st,
	      struct ctr_error *err)
{
	struct lc_container ct;
	memset(st, 0, sizeof(*st));
	if (lc_open(o, id, STATE_NOLOCK, &ct, err) < 0)
		return -1;
	int rc = lc_fill_state(&ct, st, err);
	lc_release(&ct);
	return rc;
}

/* Reap the init (the caller's child): through a pidfd where there is one, so a pid
 * reaped and reused meanwhile is never waited for. Exit code, or 128 + signal. */
static int lc_reap_init(const struct state *st, const char *id, int *status,
			struct ctr_error *err)
{
	int pfd = sys_pidfd_open(st->pid, 0);
	/* a zombie still has its start time: gone or another process once reaped */
	if ((pfd < 0 && errno == ESRCH) || pid_start_time(st->pid, NULL) != st->pid_start) {
		if (pfd >= 0)
			close(pfd);
		return err_set(err, ECHILD, "the init of %s was reaped by someone else", id);
	}
	siginfo_t si = {0};
	int r;
	while ((r = pfd >= 0 ? waitid(P_PIDFD, (id_t)pfd, &si, WEXITED) :
		waitid(P_PID, (id_t)st->pid, &si, WEXITED)) < 0 && errno == EINTR)
		;
	int e = errno;
	if (pfd >= 0)
		close(pfd);
	if (r < 0)
		return err_set(err, e, "the init of %s (pid %ld) is not a child of the caller",
			       id, (long)st->pid);
	*status = si.si_code == CLD_EXITED ? si.si_status & 0xff : 128 + si.si_status;
	return 0;
}

/* Record status in the state of id, if it is still the container whose init was (pid,
 * start) and that init is gone; a container deleted or made anew meanwhile gets nothing. */
static int lc_record_exit(const struct ctr_opts *o, const char *id, pid_t pid,
			  uint64_t start, int status, struct ctr_error *err)
{
	struct lc_container ct;
	if (lc_open(o, id, 0, &ct, err) < 0)
		return -1;
	int rc = 0;
	if (ct.status != CTR_STOPPED && ct.st.pid == pid)
		rc = err_set(err, EBUSY, "container %s: its init (pid %ld) is still there", id,
			     (long)pid);
	else if (ct.st.pid == pid && (!start || ct.st.pid_start == start)) {
		ct.st.exited = true;
		ct.st.exit_status = status;
		rc = state_save(&ct.h, &ct.st, err);
	}
	lc_release(&ct);
	return rc;
}

int ctr_wait(const struct ctr_opts *o, const char *id, int *exit_status, struct ctr_error *err)
{
	struct lc_container ct;
	if (lc_open(o, id, STATE_NOLOCK, &ct, err) < 0)
		return -1;
	struct state st = ct.st; /* pid and start: which init to reap */
	bool creating = ct.status == CTR_CREATING, known = ct.st.exited;
	int status = ct.st.exit_status;
	lc_release(&ct);
	if (creating)
		return err_set(err, 0, "container %s is still being created", id);
	/* without the lock: ctr_kill and ctr_delete must work while we wait */
	if (!known && lc_reap_init(&st, id, &status, err) < 0)
		return -1;
	if (exit_status)
		*exit_status = status;
	struct ctr_error e2;
	if (!known && lc_record_exit(o, id, st.pid, st.pid_start, status, &e2) < 0 &&
	    e2.errnum != ENOENT)
		lc_log(o, CTR_LOG_WARN, "wait %s: recording the exit status: %s", id, e2.msg);
	return 0;
}

int ctr_record_exit(const struct ctr_opts *o, const char *id, pid_t pid, int exit_status,
		    struct ctr_error *err)
{
	if (pid <= 0 || exit_status < 0 || exit_status > 255)
		return err_set(err, EINVAL, "record exit of %s: invalid pid or status", id);
	return lc_record_exit(o, id, pid, 0, exit_status, err);
}

void ctr_state_release(struct ctr_state *st)
{
	if (!st)
		return;
	free(st->bundle);
	free(st->rootfs);
	free(st->owner);
	free(st->annotations_json);
	st->bundle = st->rootfs = st->owner = st->annotations_json = NULL;
}

int ctr_state_json(const struct ctr_state *st, const char *indent, char **json_out,
		   struct ctr_error *err)
{
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, indent);
	jw_obj_begin(&w);
	jw_key(&w, "ociVersion");
	jw_str(&w, CTR_OCI_VERSION);
	jw_key(&w, "id");
	jw_str(&w, st->id);
	jw_key(&w, "pid");
	jw_int(&w, st->pid);
	jw_key(&w, "status");
	jw_str(&w, ctr_status_name(st->status));
	jw_key(&w, "bundle");
	jw_str(&w, st->bundle ? st->bundle : "");
	jw_key(&w, "rootfs");
	jw_str(&w, st->rootfs ? st->rootfs : "");
	jw_key(&w, "created");
	jw_str(&w, st->created[0] ? st->created : "0001-01-01T00:00:00Z");
	if (st->annotations_json) {
		struct json_doc *doc = NULL;
		if (json_parse(st->annotations_json, strlen(st->annotations_json), "annotations",
			       NULL, &doc, err) < 0) {
			sbuf_release(&sb);
			return -1;
		}
		if (json_type(json_root(doc)) == JSON_OBJECT && json_first(json_root(doc))) {
			jw_key(&w, "annotations");
			jw_value(&w, json_root(doc));
		}
		json_free(doc);
	}
	jw_key(&w, "owner");
	jw_str(&w, st->owner ? st->owner : "");
	jw_obj_end(&w);
	return sbuf_take(&sb, json_out, err);
}

static int lc_cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A container of `list` from its parsed state.json: the status from /proc (proc_fd) and
 * the freezer, only the strings kept copied. -1 for anything unusual. */
static int lc_list_fill(int root_fd, int proc_fd, char *name, const struct json *r,
			struct ctr_state *out)
{
	/* the state's scalars, then ours: one walk of the members */
	static const char *const keys[] = {STATE_SCALAR_KEYS, "id", "bundle", "rootfs", "owner",
					   "cgroup", "annotations"};
	const struct json *all[ARRAY_LEN(keys)], *const *m = all + STATE_SCALARS;
	json_get_n(r, keys, ARRAY_LEN(keys), all);
	const char *id = json_str(m[0], NULL), *bundle = json_str(m[1], NULL);
	const char *rootfs = json_str(m[2], NULL), *owner = json_str(m[3], NULL);
	if (!id || strcmp(id, name) || !bundle || !rootfs)
		return -1;
	struct lc_container ct = {.h = {.root_fd = root_fd, .dir_fd = -1, .id = name},
				  .loaded = true};
	struct ctr_error e;
	bool frozen = false;
	state_scalars_of(all, &ct.st);
	char pstate;
	ct.status = lc_live_status(&ct, proc_fd, &pstate);
	const struct json *cg = m[4];
	if (ct.status == CTR_RUNNING && cg && json_type(cg) == JSON_OBJECT &&
	    cgroup_record_frozen(cg, pstate, &frozen, &e) == 0 && frozen)
		ct.status = CTR_PAUSED;
	int rc = -1;
	if ((ct.st.bundle = strdup(bundle)) && (ct.st.rootfs = strdup(rootfs)) &&
	    (ct.st.owner = strdup(owner ? owner : "")) &&
	    state_raw_value(m[5], &ct.st.annotations_json, &e) == 0)
		rc = lc_fill_state(&ct, out, &e);
	state_free(&ct.st); /* what lc_fill_state did not take */
	return rc;
}

struct lc_list_mem {
	char text[8192];             /* a state.json is about 1 KB; bigger ones take the slow way */
	uint64_t doc[2048];          /* its parsed document */
};

/* One container of `list`, cheaply: state.json opened through the root's fd (no symlink
 * on the way, no probe first), one read, parsed into m, no copy of what is not kept.
 * Anything unusual (no openat2, a bigger file, a bad one) takes ctr_state's careful way,
 * which also words the warning. 1: listed; 0: not a container or gone meanwhile. */
static int lc_list_one(const struct ctr_opts *o, int root_fd, int proc_fd, char *name,
		       struct lc_list_mem *m, struct ctr_state *out)
{
	char path[NAME_MAX + sizeof("/" STATE_FILE)];
	size_t len = strnlen(name, NAME_MAX);
	memcpy(path, name, len);
	memcpy(path + len, "/" STATE_FILE, sizeof("/" STATE_FILE));
	int fd = sys_openat2(root_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW |
			     O_NONBLOCK, 0, CTR_RESOLVE_NO_SYMLINKS | CTR_RESOLVE_BENEATH);
	if (fd < 0 && errno == ENOENT)
		return 0; /* deleted meanwhile, or not a container */
	ssize_t n = -1;
	if (fd >= 0) {
		while ((n = read(fd, m->text, sizeof(m->text))) < 0 && errno == EINTR)
			;
		close(fd);
	}
	struct ctr_error e = {0};
	struct json_doc *doc = NULL;
	if (n > 0 && (size_t)n < sizeof(m->text) &&
	    json_parse_mem(m->text, (size_t)n, STATE_FILE, m->doc, sizeof(m->doc), &doc, &e) == 0) {
		int rc = json_type(json_root(doc)) == JSON_OBJECT ?
			 lc_list_fill(root_fd, proc_fd, name, json_root(doc), out) : -1;
		json_free(doc);
		if (rc == 0)
			return 1;
	}
	if (ctr_state(o, name, out, &e) == 0)
		return 1;
	if (e.errnum != ENOENT && e.errnum != LC_NOT_CONTAINER)
		lc_log(o, CTR_LOG_WARN, "%s", e.msg);
	return 0;
}

int ctr_list(const struct ctr_opts *o, struct ctr_state **states, size_t *count,
	     struct ctr_error *err)
{
	*states = NULL;
	*count = 0;
	const char *root = o && o->root ? o->root : CTR_DEFAULT_ROOT;
	if (!*root)
		return err_set(err, EINVAL, "the state root (--root) is an empty path");
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : err_set(err, errno, "open state root %s", root);
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		return err_set(err, e, "read state root %s", root);
	}
	/* the names first, sorted: the states are filled in order, in one allocation (no
	 * moves of the large ctr_state) */
	struct sbuf names = {0};
	size_t nn = 0, n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && ctr_id_valid(de->d_name, NULL) == 0) {
			sbuf_add(&names, de->d_name, strlen(de->d_name) + 1);
			nn++;
		}
	char **idx = nn && !names.failed ? malloc(nn * sizeof(*idx)) : NULL;
	struct ctr_state *v = idx ? malloc(nn * sizeof(*v)) : NULL;
	if (nn && !v) {
		free(idx);
		sbuf_release(&names);
		closedir(d);
		return err_nomem(err);
	}
	for (size_t i = 0, off = 0; i < nn; off += strlen(names.buf + off) + 1)
		idx[i++] = names.buf + off;
	if (nn)
		sort_array(idx, nn, sizeof(*idx), lc_cmp_name);
	int proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct lc_list_mem m;
	for (size_t i = 0; i < nn; i++)
		n += (size_t)lc_list_one(o, fd, proc_fd, idx[i], &m, &v[n]);
	if (proc_fd >= 0)
		close(proc_fd);
	closedir(d);
	free(idx);
	sbuf_release(&names);
	*states = v;
	*count = n;
	return 0;
}

void ctr_list_release(struct ctr_state *states, size_t count)
{
	for (size_t i = 0; i < count; i++)
		ctr_state_release(&states[i]);
	free(states);
}

/* runc's list --format json: the states as one compact array, "null" when there are none. */
int ctr_list_json(const struct ctr_state *states, size_t count, char **json_out,
		  struct ctr_error *err)
{
	struct sbuf sb = {0};
	sbuf_adds(&sb, count ? "[" : "null");
	for (size_t i = 0; i < count; i++) {
		char *one = NULL;
		if (ctr_state_json(&states[i], NULL, &one, err) < 0) {
			sbuf_release(&sb);
			return -1;
		}
		sbuf_adds(&sb, one);
		sbuf_addc(&sb, i + 1 < count ? ',' : ']');
		free(one);
	}
	return sbuf_take(&sb, json_out, err);
}

/* ======================================================================
 * cgroup API: ctr_pause, ctr_resume, ctr_update(_resources), ctr_ps(_table), ctr_stats
 * ====================================================================== */

/* A container's state and cgroup, opened and locked for one command. */
struct cgapi {
	struct state_handle h;
	struct state st;
	struct cgroup *cg;
	bool loaded;
};

static void cgapi_close(struct cgapi *a)
{
	cgroup_free(a->cg);
	if (a->loaded)
		state_free(&a->st);
	state_close(&a->h);
}

static int cgapi_open(const struct ctr_opts *o, const char *id, int flags, struct cgapi *a,
		      struct ctr_error *err)
{
	memset(a, 0, sizeof(*a));
	a->h.root_fd = a->h.dir_fd = -1;
	if (ctr_id_valid(id, err) < 0 ||
	    state_open(o && o->root ? o->root : CTR_DEFAULT_ROOT, id, flags, &a->h, err) < 0)
		return -1;
	if (state_load(&a->h, &a->st, err) < 0) {
		state_close(&a->h);
		return -1;
	}
	a->loaded = true;
	if (!a->st.cgroup_json) {
		cgapi_close(a);
		return err_set(err, 0, "container %s has no cgroup record", id);
	}
	if (lc_cgroup_load(&a->h, &a->st, &a->cg, true, err) < 0) {
		cgapi_close(a);
		return err_prefix(err, "container %s", id);
	}
	return 0;
}

static bool cgapi_alive(const struct cgapi *a)
{
	return a->st.pid > 0 && pid_alive(a->st.pid, a->st.pid_start);
}

static int cgapi_pause(const struct ctr_opts *o, const char *id, bool frozen,
		       struct ctr_error *err)
{
	struct cgapi a;
	if (cgapi_open(o, id, 0, &a, err) < 0)
		return -1;
	bool now = false;
	int rc;
	if (!cgapi_alive(&a))
		rc = err_set(err, 0, "container not running"); /* runc's words */
	else if (cgroup_is_frozen(a.cg, &now, err) < 0)
		rc = -1;
	else if (!frozen && !now)
		rc = err_set(err, 0, "container not paused");
	else if (frozen && now)
		rc = err_set(err, 0, "container not running"); /* runc: paused is not running */
	else
		rc = cgroup_freeze(a.cg, frozen, err);
	cgapi_close(&a);
	return rc;
}

int ctr_pause(const struct ctr_opts *o, const char *id, struct ctr_error *err)
{
	return cgapi_pause(o, id, true, err);
}

int ctr_resume(const struct ctr_opts *o, const char *id, struct ctr_error *err)
{
	return cgapi_pause(o, id, false, err);
}

/* Merge update b into the resources a stored so far: objects member by member, every
 * other value replaced. */
static void cg_json_merge(struct jw *w, const struct json *a, const struct json *b)
{
	if (!a || json_type(a) != JSON_OBJECT || json_type(b) != JSON_OBJECT) {
		jw_value(w, b);
		return;
	}
	jw_obj_begin(w);
	for (const struct json *k = json_first(a); k; k = json_next(a, k)) {
		const char *key = json_key(k, NULL);
		const struct json *nb = json_get(b, key);
		if (json_get(a, key) != k)
			continue;    /* a repeated key: the last one counts */
		jw_key(w, key);
		if (nb)
			cg_json_merge(w, k, nb);
		else
			jw_value(w, k);
	}
	for (const struct json *k = json_first(b); k; k = json_next(b, k)) {
		const char *key = json_key(k, NULL);
		if (!json_get(a, key) && json_get(b, key) == k) {
			jw_key(w, key);
			jw_value(w, k);
		}
	}
	jw_obj_end(w);
}

int ctr_update(const struct ctr_opts *o, const char *id, const char *resources_json,
	       struct ctr_error *err)
{
	struct cgapi a;
	if (cgapi_open(o, id, 0, &a, err) < 0)
		return -1;
	struct json_doc *doc = NULL, *old = NULL;
	void *priv = NULL;
	struct spec_resources r;
	struct sbuf sb = {0};
	int rc = -1;
	memset(&r, 0, sizeof(r));
	if (!cgapi_alive(&a)) {
		err_set(err, 0, "container not running");
		goto out;
	}
	if (json_parse(resources_json, strlen(resources_json), "resources", NULL, &doc, err) < 0)
		goto out;
	if (json_type(json_root(doc)) != JSON_OBJECT) {
		err_set(err, 0, "resources: expected a LinuxResources object");
		goto out;
	}
	if (spec_parse_resources(json_root(doc), "resources", &r, &priv, err) < 0 ||
	    cgroup_update(a.cg, &r, err) < 0)
		goto out;
	/* keep what was changed in the state, so later commands see it */
	if (a.cg->res_json && json_parse(a.cg->res_json, strlen(a.cg->res_json), "state.json",
					 NULL, &old, err) < 0)
		goto out;
	struct jw w;
	jw_init(&w, &sb, NULL);
	cg_json_merge(&w, old ? json_root(old) : NULL, json_root(doc));
	char *merged = NULL;
	if (sbuf_take(&sb, &merged, err) < 0)
		goto out;
	free(a.cg->res_json);
	a.cg->res_json = merged;
	jw_init(&w, &sb, NULL);
	cgroup_state_write(a.cg, &w);
	char *rec = NULL;
	if (sbuf_take(&sb, &rec, err) < 0)
		goto out;
	free(a.st.cgroup_json);
	a.st.cgroup_json = rec;
	rc = state_save(&a.h, &a.st, err);
out:
	sbuf_release(&sb);
	if (priv)
		spec_priv_free(priv);
	json_free(doc);
	json_free(old);
	cgapi_close(&a);
	return rc;
}

int ctr_ps(const struct ctr_opts *o, const char *id, pid_t **pids, size_t *count,
	   struct ctr_error *err)
{
	struct cgapi a;
	*pids = NULL;
	*count = 0;
	if (cgapi_open(o, id, STATE_SHARED, &a, err) < 0)
		return -1;
	int rc = a.cg->mode == CG_MODE_NONE && !cgapi_alive(&a) ? 0 :
		 a.cg->mode == CG_MODE_NONE ? err_set(err, 0, "container %s has no cgroup "
			"(no cgroup filesystem was mounted when it was created)", id) :
		 cgroup_pids(a.cg, pids, count, err);
	cgapi_close(&a);
	return rc;
}

int ctr_stats_json(const struct ctr_opts *o, const char *id, char **json_out,
		   struct ctr_error *err)
{
	struct cgapi a;
	if (cgapi_open(o, id, STATE_SHARED, &a, err) < 0)
		return -1;
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, NULL);
	jw_obj_begin(&w);
	jw_key(&w, "type");
	jw_str(&w, "stats");
	jw_key(&w, "id");
	jw_str(&w, id);
	jw_key(&w, "data");
	int rc = cgroup_stats(a.cg, &w, err);
	jw_obj_end(&w);
	cgapi_close(&a);
	if (rc < 0) {
		sbuf_release(&sb);
		return -1;
	}
	return sbuf_take(&sb, json_out, err);
}

int ctr_stats(const struct ctr_opts *o, const char *id, struct ctr_stats *st,
	      struct ctr_error *err)
{
	struct cgapi a;
	memset(st, 0, sizeof(*st));
	if (cgapi_open(o, id, STATE_SHARED, &a, err) < 0)
		return -1;
	int rc = cgroup_stats_read(a.cg, st, err);
	cgapi_close(&a);
	return rc;
}

void ctr_stats_release(struct ctr_stats *st)
{
	if (st)
		cgroup_stats_release(st);
}

/* ---- events: the init's pidfd and the kernel's OOM notification, no polling ---- */

struct ctr_watch {
	int pidfd;                  /* the init; -1: the kernel has no pidfd, poll its pid */
	int oomfd;                  /* v1 eventfd on memory.oom_control, v2 inotify on
				     * memory.events; -1 without a memory controller */
	bool v2;
	pid_t pid;
	unsigned long long pid_start;
	uint64_t oom_seen;          /* v2: oom + oom_kill counted at the last look */
	char memdir[PATH_MAX];
};

static uint64_t watch_v2_ooms(const struct ctr_watch *w)
{
	char ev[512];
	if (cg_read_at(w->memdir, "memory.events", ev, sizeof(ev)) < 0)
		return 0;
	return cg_key(ev, "oom") + cg_key(ev, "oom_kill");
}

/* v1: an eventfd registered on memory.oom_control; v2: inotify on memory.events. */
static int watch_oom_fd(struct ctr_watch *w, struct ctr_error *err)
{
	char f[PATH_MAX + 32];
	if (w->v2) {
		w->oomfd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		ctr_snprintf(f, sizeof(f), "%s/memory.events", w->memdir);
		if (w->oomfd < 0 || inotify_add_watch(w->oomfd, f, IN_MODIFY) < 0)
			return err_set(err, errno, "watch %s", f);
		w->oom_seen = watch_v2_ooms(w);
		return 0;
	}
	w->oomfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ctr_snprintf(f, sizeof(f), "%s/memory.oom_control", w->memdir);
	int ofd AUTO_CLOSE = open(f, O_RDONLY | O_CLOEXEC);
	char reg[32];
	ctr_snprintf(reg, sizeof(reg), "%d %d", w->oomfd, ofd);
	if (w->oomfd < 0 || ofd < 0 || cg_write_at(w->memdir, "cgroup.event_control", reg) < 0)
		return err_set(err, errno, "register an OOM eventfd on %s", f);
	return 0;
}

void ctr_watch_close(struct ctr_watch *w)
{
	if (!w)
		return;
	if (w->pidfd >= 0)
		close(w->pidfd);
	if (w->oomfd >= 0)
		close(w->oomfd);
	free(w);
}

int ctr_watch_open(const struct ctr_opts *o, const char *id, struct ctr_watch **wp,
		   struct ctr_error *err)
{
	struct cgapi a;
	struct ctr_watch *w = calloc(1, sizeof(*w));
	*wp = NULL;
	if (!w)
		return err_set(err, ENOMEM, "out of memory");
	w->pidfd = w->oomfd = -1;
	if (cgapi_open(o, id, STATE_SHARED, &a, err) < 0) {
		free(w);
		return -1;
	}
	w->pid = a.st.pid;
	w->pid_start = a.st.pid_start;
	w->pidfd = w->pid > 0 ? sys_pidfd_open(w->pid, 0) : -1;
	const struct cg_dir *d = cg_find(a.cg, CG_MEMORY);
	int rc = 0;
	if (d) {
		w->v2 = d->v2;
		ctr_snprintf(w->memdir, sizeof(w->memdir), "%s", d->dir);
		if (cgapi_alive(&a))
			rc = watch_oom_fd(w, err);
	}
	cgapi_close(&a);
	if (rc < 0) {
		ctr_watch_close(w);
		return -1;
	}
	*wp = w;
	return 0;
}

/* Drain the OOM fd; true when it reported an OOM. */
static bool watch_oom_fired(struct ctr_watch *w)
{
	char buf[4096];
	bool any = false;
	while (read(w->oomfd, buf, sizeof(buf)) > 0)
		any = true;
	if (!any)
		return false;
	if (!w->v2) /* v1 also signals when the cgroup goes: then the control file is gone */
		return access(w->memdir, F_OK) == 0;
	uint64_t now = watch_v2_ooms(w);
	bool grew = now > w->oom_seen;
	w->oom_seen = now;
	return grew;
}

int ctr_watch_next(struct ctr_watch *w, int timeout_ms, struct ctr_error *err)
{
	long long deadline = timeout_ms < 0 ? -1 : monotonic_ms() + timeout_ms;
	for (;;) {
		if (w->pid <= 0 || !pid_alive(w->pid, w->pid_start))
			return CTR_WATCH_STOPPED;
		long long left = deadline < 0 ? -1 : deadline - monotonic_ms();
		if (deadline >= 0 && left <= 0)
			return CTR_WATCH_TIMEOUT;
		/* without a pidfd the init's end is seen by looking every 200 ms */
		int wait = w->pidfd < 0 && (left < 0 || left > 200) ? 200 : (int)left;
		struct pollfd p[2] = {{.fd = w->pidfd, .events = POLLIN}, {.fd = w->oomfd, .events = POLLIN}};
		int n = poll(p, 2, wait);
		if (n < 0 && errno != EINTR)
			return err_set(err, errno, "wait for container events");
		if (n > 0 && (p[0].revents & POLLIN))
			return CTR_WATCH_STOPPED;
		if (n > 0 && (p[1].revents & POLLIN) && watch_oom_fired(w))
			return CTR_WATCH_OOM;
	}
}

/* ---------- update from a struct, ps as a table ---------- */

/* Where each ctr_resources member goes in a LinuxResources object; objects in the order
 * of the table, each member written once, only when set. */
static const struct {
	const char *obj, *key;
	size_t off;
	bool str;                   /* a const char * (NULL: unset), else a struct ctr_i64 */
} res_fields[] = {
	{"memory", "limit", offsetof(struct ctr_resources, memory_limit), false},
	{"memory", "swap", offsetof(struct ctr_resources, memory_swap), false},
	{"memory", "reservation", offsetof(struct ctr_resources, memory_reservation), false},
	{"memory", "kernel", offsetof(struct ctr_resources, kernel_memory), false},
	{"memory", "kernelTCP", offsetof(struct ctr_resources, kernel_memory_tcp), false},
	{"cpu", "shares", offsetof(struct ctr_resources, cpu_shares), false},
	{"cpu", "quota", offsetof(struct ctr_resources, cpu_quota), false},
	{"cpu", "period", offsetof(struct ctr_resources, cpu_period), false},
	{"cpu", "realtimePeriod", offsetof(struct ctr_resources, cpu_rt_period), false},
	{"cpu", "realtimeRuntime", offsetof(struct ctr_resources, cpu_rt_runtime), false},
	{"cpu", "cpus", offsetof(struct ctr_resources, cpuset_cpus), true},
	{"cpu", "mems", offsetof(struct ctr_resources, cpuset_mems), true},
	{"pids", "limit", offsetof(struct ctr_resources, pids_limit), false},
	{"blockIO", "weight", offsetof(struct ctr_resources, blkio_weight), false},
};

int ctr_resources_json(const struct ctr_resources *r, char **json_out, struct ctr_error *err)
{
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, NULL);
	jw_obj_begin(&w);
	const char *open = NULL;
	for (size_t i = 0; i < ARRAY_LEN(res_fields); i++) {
		const char *at = (const char *)r + res_fields[i].off;
		const char *str = res_fields[i].str ? *(const char *const *)at : NULL;
		const struct ctr_i64 *num = res_fields[i].str ? NULL : (const struct ctr_i64 *)at;
		if (num ? !num->set : !str)
			continue;
		if (!open || strcmp(open, res_fields[i].obj)) {
			if (open)
				jw_obj_end(&w);
			open = res_fields[i].obj;
			jw_key(&w, open);
			jw_obj_begin(&w);
		}
		jw_key(&w, res_fields[i].key);
		if (num)
			jw_int(&w, num->value);
		else
			jw_str(&w, str);
	}
	if (open)
		jw_obj_end(&w);
	jw_obj_end(&w);
	return sbuf_take(&sb, json_out, err);
}

int ctr_update_resources(const struct ctr_opts *o, const char *id,
			 const struct ctr_resources *r, struct ctr_error *err)
{
	char *json AUTO_FREE = NULL;
	if (ctr_resources_json(r, &json, err) < 0)
		return -1;
	return ctr_update(o, id, json, err);
}

/* Run ps with args (none: -ef), as runc does; its whole output in *out. Its stderr is
 * the caller's, its signal mask empty. */
static int ps_run(const char *const *args, char **out, struct ctr_error *err)
{
	size_t n = 0;
	while (args && args[n])
		n++;
	const char **argv AUTO_FREE = mem_array(n + 3, sizeof(*argv), err);
	if (!argv)
		return -1;
	argv[0] = "ps";
	if (n)
		memcpy(argv + 1, args, n * sizeof(*argv));
	else
		argv[1] = "-ef";
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_set(err, errno, "ps: pipe");
	pid_t child = fork();
	if (child == 0) {
		/* the child: stdout into the pipe, no signal blocked (ctr run blocks all) */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(fds[1], 1) == 1)
			execvp("ps", (char *const *)argv);
		fd_printf(2, "exec ps: %s\n", strerror(errno));
		_exit(127);
	}
	int e = errno;
	close(fds[1]);
	if (child < 0) {
		close(fds[0]);
		return err_set(err, e, "ps: fork");
	}
	int rc = read_fd(fds[0], "ps output", 1u << 28, out, NULL, err), st;
	close(fds[0]);
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	if (rc == 0 && (!WIFEXITED(st) || WEXITSTATUS(st))) {
		free(*out);
		*out = NULL;
		rc = err_set(err, 0, "ps failed (exit status %d)",
			     WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	}
	return rc;
}

/* ps's header line, then the lines whose PID column is one of pids (runc's filter), in
 * place. */
static int ps_filter(char *text, const pid_t *pids, size_t n, struct ctr_error *err)
{
	char *dst = text;
	int pid_col = -1;
	for (char *line = text; *line;) {
		char *nl = strchrnul(line, '\n');
		size_t ll = (size_t)(nl - line) + (*nl == '\n');
		bool show = false;
		int col = 0;
		for (char *t = line + strspn(line, " \t"); t < nl; col++) {
			size_t tl = strcspn(t, " \t\n");
			if (pid_col < 0 && tl == 3 && !memcmp(t, "PID", 3)) {
				pid_col = col;
				show = true;
				break;
			}
			if (col == pid_col) {
				long p = str_tol(t, NULL);
				for (size_t i = 0; i < n && !show; i++)
					show = pids[i] == p;
				break;
			}
			t += tl;
			t += strspn(t, " \t");
		}
		if (pid_col < 0)
			return err_set(err, 0, "ps: no PID column in the output of ps");
		if (show) {
			memmove(dst, line, ll);
			dst += ll;
		}
		line += ll;
	}
	*dst = 0;
	return 0;
}

int ctr_ps_table(const struct ctr_opts *o, const char *id, const char *const *ps_args,
		 char **out, struct ctr_error *err)
{
	pid_t *pids AUTO_FREE = NULL;
	size_t n = 0;
	*out = NULL;
	if (ctr_ps(o, id, &pids, &n, err) < 0 || ps_run(ps_args, out, err) < 0)
		return -1;
	if (ps_filter(*out, pids, n, err) < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* ps --format json: the host PIDs as a compact array, as runc prints them. */
int ctr_ps_json(const struct ctr_opts *o, const char *id, char **json_out, struct ctr_error *err)
{
	pid_t *pids AUTO_FREE = NULL;
	size_t n = 0;
	if (ctr_ps(o, id, &pids, &n, err) < 0)
		return -1;
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, NULL);
	jw_arr_begin(&w);
	for (size_t i = 0; i < n; i++)
		jw_int(&w, pids[i]);
	jw_arr_end(&w);
	return sbuf_take(&sb, json_out, err);
}

/* The event `ctr events` prints when ctr_watch_next reports an OOM kill. */
int ctr_oom_event_json(const char *id, char **json_out, struct ctr_error *err)
{
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, NULL);
	jw_obj_begin(&w);
	jw_key(&w, "type");
	jw_str(&w, "oom");
	jw_key(&w, "id");
	jw_str(&w, id);
	jw_obj_end(&w);
	return sbuf_take(&sb, json_out, err);
}

/* ======================================================================
 * exec: ctr_exec
 * ====================================================================== */

/* ctr joins the init's pid namespace for its children only, forks the process (its own
 * child, inside the pid namespace) and returns to its own; the process joins the other
 * namespaces (user first, cgroup last) and root and sets itself up like the init
 * (terminal, attributes, identity, seccomp). It is born in the container's cgroup2
 * directory (clone3) and writes itself into the v1 hierarchies' tasks files (lc_cgjoin):
 * ctr writing its pid into cgroup.procs could wait a whole RCU grace period (several ms).
 * Where clone3 is refused, ctr writes the pid meanwhile; the process waits for that
 * (LC_CGROUP_DONE) before its exec. Its end of the sync socket is close-on-exec: EOF
 * there means the exec happened. */

/* process -> ctr, besides LC_ERROR and LC_READY: pty master, seccomp notify fd; the
 * process's pid from a two-step helper (val2: 1 if ctr's child) */
enum { EX_PTY = 'T', EX_LISTENER = 'L', EX_PID = 'P' };

struct ex_ctx {
	const struct ctr_exec_args *a;
	const struct spec *spec;
	const struct spec_process *p;
	struct sc_filter *filter;
	bool terminal;
	bool late_join;              /* paused container: join its cgroup just before exec */
	bool in_cgroup;              /* the process: LC_CGROUP_DONE received */
	bool two_step;               /* ctr may not join the pid ns (ex_pidns_enter) */
	int sync_fd, root_fd;
	int own_pidns;               /* ctr's pid_for_children while it is the init's, or -1 */
	int dumpable;                /* ctr's PR_GET_DUMPABLE while 0 for the fork, or -1 */
	struct lc_cgjoin cj;         /* the cgroup it joins by itself (lc_cgjoin_open) */
	int ns_fds[8], ns_types[8];
	size_t n_ns;
};

/* Joined by the process in this order (the pid namespace by ctr, for its children): the
 * user namespace grants the rights for the others; the mount namespace after the others
 * (it changes how /proc resolves), the cgroup namespace last. */
static const struct { char name[8]; int type; } ex_ns[] = {
	{"user", CLONE_NEWUSER}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS},
	{"net", CLONE_NEWNET},   {"pid", CLONE_NEWPID}, {"time", CLONE_NEWTIME},
	{"mnt", CLONE_NEWNS},    {"cgroup", CLONE_NEWCGROUP},
};

/* Open /proc/PID/ns/NAME of every namespace the init does not share with us; relative to
 * the two ns directories, which saves each name the walk through /proc/PID. */
static int ex_open_namespaces(struct ex_ctx *x, pid_t pid, struct ctr_error *err)
{
	char path[64];
	ctr_snprintf(path, sizeof(path), "/proc/%ld/ns", (long)pid);
	int rc = 0, theirs_dir = openat(AT_FDCWD, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int ours_dir = openat(AT_FDCWD, "/proc/self/ns", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (theirs_dir < 0 || ours_dir < 0)
		rc = err_set(err, errno, "exec: open %s", theirs_dir < 0 ? path : "/proc/self/ns");
	for (size_t i = 0; rc == 0 && i < ARRAY_LEN(ex_ns); i++) {
		struct stat theirs, ours;
		int fd = openat(theirs_dir, ex_ns[i].name, O_RDONLY | O_CLOEXEC), e = errno;
		bool have_ours = fstatat(ours_dir, ex_ns[i].name, &ours, 0) == 0;
		if (fd < 0 && e == ENOENT && !have_ours)
			continue; /* a kernel without this namespace type */
		if (fd < 0 || fstat(fd, &theirs) < 0) {
			rc = err_set(err, fd < 0 ? e : errno, "exec: open %s/%s", path, ex_ns[i].name);
		} else if (have_ours && ours.st_ino == theirs.st_ino && ours.st_dev == theirs.st_dev) {
			close(fd);
			continue;
		} else {
			x->ns_fds[x->n_ns] = fd;
			x->ns_types[x->n_ns++] = ex_ns[i].type;
			continue;
		}
		if (fd >= 0)
			close(fd);
	}
	if (theirs_dir >= 0)
		close(theirs_dir);
	if (ours_dir >= 0)
		close(ours_dir);
	return rc;
}

/* The process: LC_CGROUP_DONE from ctr, once; it is in the container's cgroup then. */
static void ex_wait_cgroup(struct ex_ctx *x)
{
	struct ctr_error e = {0};
	struct lc_msg m;
	if (x->in_cgroup)
		return;
	if (lc_expect(x->sync_fd, LC_CGROUP_DONE, &m, "exec", &e) < 0)
		_exit(1);
	x->in_cgroup = true;
}

/* The process: the init's namespaces but pid (it was born there) and the init's root,
 * never the host's cwd (CVE-2024-21626); no fd of ctr's stays open. */
static void ex_enter(struct ex_ctx *x)
{
	struct ctr_error e = {0};
	for (size_t i = 0; i < x->n_ns; i++) {
		if ((x->ns_types[i] != CLONE_NEWPID || x->two_step) &&
		    setns(x->ns_fds[i], x->ns_types[i]) < 0) {
			const char *name = "?";
			for (size_t k = 0; k < ARRAY_LEN(ex_ns); k++)
				if (ex_ns[k].type == x->ns_types[i])
					name = ex_ns[k].name;
			err_set(&e, errno, "exec: joining the container's %s namespace", name);
			lc_child_fail(x->sync_fd, &e);
		}
		close(x->ns_fds[i]);
	}
	if (x->own_pidns >= 0)
		close(x->own_pidns);
	/* the init's root, not the namespace's (they differ with --no-pivot) */
	if (fchdir(x->root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		err_set(&e, errno, "exec: entering the container's root"),
			lc_child_fail(x->sync_fd, &e);
	close(x->root_fd);
}

/* Qemu-user refuses CLONE_PARENT: a two-step helper (ex_two_step) then stands in for the
 * process, forwarding signals and mirroring its exit, so that the caller still waits for
 * one of its own. */
__attribute__((noreturn))
static void ex_stand_in(pid_t pid)
{
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si), st;
		if (sig == SIGCHLD && waitpid(pid, &st, WNOHANG) == pid) {
			if (WIFSIGNALED(st)) {
				signal(WTERMSIG(st), SIG_DFL);
				sigprocmask(SIG_UNBLOCK, &all, NULL);
				kill(getpid(), WTERMSIG(st));
				_exit(128 + WTERMSIG(st));
			}
			_exit(WEXITSTATUS(st));
		} else if (sig > 0 && sig != SIGCHLD) {
			kill(pid, sig);
		}
	}
}

/* Two steps (ctr could not join the pid namespace: rootless, user namespace first): we
 * are a helper, in the cgroup and the namespaces now, and fork the process into the pid
 * namespace as ctr's child (CLONE_PARENT); only the process returns. */
static void ex_two_step(struct ex_ctx *x)
{
	struct ctr_error e = {0};
	bool child_of_ctr;
	pid_t pid = lc_fork_sibling(&child_of_ctr);
	if (pid < 0)
		err_set(&e, errno, "exec: creating the process"), lc_child_fail(x->sync_fd, &e);
	if (pid == 0)
		return;
	lc_send(x->sync_fd, EX_PID, pid, child_of_ctr, NULL);
	if (child_of_ctr)
		_exit(0);
	close(x->sync_fd);
	ex_stand_in(pid);
}

/* A seccomp notify fd goes to ctr, which passes it on to linux.seccomp.listenerPath. */
static int ex_send_listener(int sync, int *listener, struct ctr_error *err)
{
	if (*listener < 0)
		return 0;
	struct lc_msg m = {.type = EX_LISTENER};
	int rc = term_sendmsg_fd(sync, *listener, &m, LC_MSG_HDR + 1, err);
	close(*listener);
	*listener = -1;
	return rc;
}

/* The process, forked by lc_spawn with its end of the sync pair (not dumpable: ctr was
 * not when it forked). */
__attribute__((noreturn))
static void ex_process_main(struct ex_ctx *x, int sync)
{
	struct ctr_error e = {0};
	const struct ctr_exec_args *a = x->a;
	const struct spec_process *p = x->p;
	int fd = x->sync_fd = sync;

	/* no PR_SET_PDEATHSIG (it would outlive the exec): every wait here is on the sync
	 * socket, which ends with ctr */
	/* ctr was not dumpable when it forked us; again in case a thread of its restored
	 * that meanwhile (CVE-2019-5736) */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* late_join: no cgroup yet, ctr moves us after LC_READY; two_step: the process
	 * inherits the helper's */
	if (x->late_join || x->two_step)
		ex_wait_cgroup(x);
	if (lc_cgjoin_self(&x->cj, "exec", &e) < 0)
		lc_child_fail(fd, &e);
	ex_enter(x);
	if (x->two_step)
		ex_two_step(x);
	lc_child_stdio(fd, a->stdio, "exec");
	/* Inside the container's root already: /dev/ptmx is the container's devpts. */
	struct lc_msg m = {.type = EX_PTY};
	if (x->terminal &&
	    term_setup_child(fd, &m, LC_MSG_HDR + 1, p->console_height.v, p->console_width.v,
			     false, &e) < 0)
		lc_child_fail(fd, &e);
	if (x->late_join) {
		/* ctr moves us into the frozen cgroup meanwhile: we stop here until resume */
		struct lc_msg g;
		if (lc_send(fd, LC_READY, 0, 0, NULL) < 0 || lc_expect(fd, LC_GO, &g, "exec", &e) < 0)
			_exit(1);
	}
	if (process_prepare(x->spec, p, false, &e) < 0 || process_chdir(p, &e) < 0)
		lc_child_fail(fd, &e);
	char home[PATH_MAX + 8];
	process_home_env(p, home, sizeof(home));
	/* Without noNewPrivileges the filter needs CAP_SYS_ADMIN: before the identity
	 * change; otherwise as late as possible (as the init does). Either in the cgroup. */
	bool early = x->filter && !p->no_new_privileges;
	int listener = -1;
	if (early)
		ex_wait_cgroup(x);
	if (early && (seccomp_install(x->filter, &listener, &e) < 0 ||
		      ex_send_listener(fd, &listener, &e) < 0))
		lc_child_fail(fd, &e);
	if (process_set_identity(p, &e) < 0)
		lc_child_fail(fd, &e);
	int first = lc_first_fd(a->preserve_fds);
	lc_keep_fds(first);
	if (fds_close_from(first, fd, &e) < 0)
		lc_child_fail(fd, &e);
	char exe[PATH_MAX];
	if (process_find_executable(p, exe, sizeof(exe), &e) < 0)
		lc_child_fail(fd, &e);
	ex_wait_cgroup(x);
	if (x->filter && !early && (seccomp_install(x->filter, &listener, &e) < 0 ||
				    ex_send_listener(fd, &listener, &e) < 0))
		lc_child_fail(fd, &e);
	lc_reset_signals();
	process_exec_found(exe, p, home, &e);
	lc_child_fail(fd, &e);
}

/* exec --user UID[:GID] */
static int ex_parse_user(const char *user, struct spec_user *u, struct ctr_error *err)
{
	uint64_t uid, gid = 0;
	char buf[64];
	ctr_snprintf(buf, sizeof(buf), "%s", user);
	char *colon = strchr(buf, ':');
	if (colon)
		*colon++ = 0;
	if (parse_u64(buf, &uid) < 0 || uid > UINT32_MAX ||
	    (colon && (parse_u64(colon, &gid) < 0 || gid > UINT32_MAX)))
		return err_set(err, EINVAL, "exec: invalid user \"%s\" (want UID[:GID])", user);
	u->uid = (uint32_t)uid;
	u->gid = (uint32_t)gid;
	return 0;
}

/* exec --additional-gids G1,G2,..: the array (caller frees), NULL on error. */
static uint32_t *ex_parse_gids(const char *list, struct spec_user *u, struct ctr_error *err)
{
	size_t n = 1;
	for (const char *c = list; *c; c++)
		n += *c == ',';
	uint32_t *gids = mem_array(n, sizeof(*gids), err);
	char buf[32];
	const char *c = list;
	for (size_t i = 0; gids && i < n; i++) {
		size_t len = strcspn(c, ",");
		uint64_t g;
		ctr_snprintf(buf, sizeof(buf), "%.*s", (int)(len < sizeof(buf) ? len : sizeof(buf) - 1), c);
		if (len >= sizeof(buf) || parse_u64(buf, &g) < 0 || g > UINT32_MAX) {
			err_set(err, EINVAL, "exec: invalid additional gids \"%s\"", list);
			free(gids);
			return NULL;
		}
		gids[i] = (uint32_t)g;
		c += len + 1;
	}
	u->additional_gids = gids;
	u->n_additional_gids = n;
	return gids;
}

/* exec --cap NAME: added to the bounding, effective and permitted sets. */
static void ex_add_cap(const struct ctr_opts *o, struct spec_caps *c, const char *name)
{
	int cap = spec_cap_from_name(name);
	if (cap < 0) {
		/* as for the config's capabilities (and runc): a warning, not an error */
		lc_log(o, CTR_LOG_WARN, "ignoring unknown or unavailable capabilities: [%s]", name);
		return;
	}
	uint64_t bit = 1ULL << cap;
	c->bounding.mask |= bit;
	c->effective.mask |= bit;
	c->permitted.mask |= bit;
	c->bounding.set = c->effective.set = c->permitted.set = true;
	/* ambient needs inheritable, which --cap does not give: only if already there */
	if (c->inheritable.set && (c->inheritable.mask & bit)) {
		c->ambient.mask |= bit;
		c->ambient.set = true;
	}
}

/* The process to run: process_json as is (runc's -p), else the config's process with
 * the args and the overrides of a. What is allocated here goes into store[]: the JSON
 * document, the parser's storage, env, gids (the caller releases them). */
static int ex_build_process(const struct ctr_opts *o, const struct ctr_exec_args *a,
			    const struct spec *s, struct spec_process *p, void *store[4],
			    struct ctr_error *err)
{
	if (a->process_json) {
		struct json_doc *doc = NULL;
		if (json_parse(a->process_json, strlen(a->process_json), "process.json", NULL,
			       &doc, err) < 0)
			return -1;
		store[0] = doc;
		return spec_parse_process(json_root(doc), "process.json", p, &store[1], err);
	}
	if (!a->args || !a->args[0])
		return err_set(err, EINVAL, "exec: no command given (args or process.json)");
	*p = s->process;
	p->terminal = false;
	p->args = (const char **)a->args;
	for (p->n_args = 0; a->args[p->n_args]; p->n_args++)
		;
	size_t n_extra = 0;
	while (a->env && a->env[n_extra])
		n_extra++;
	if (n_extra) {
		const char **env = mem_array(p->n_env + n_extra + 1, sizeof(*env), err);
		if (!env)
			return -1;
		store[2] = env;
		memcpy(env, p->env, p->n_env * sizeof(*env));
		size_t n = p->n_env;
		for (size_t i = 0; i < n_extra; i++) {
			const char *kv = a->env[i];
			size_t klen = strcspn(kv, "=") + 1, j = 0;
			while (j < n && strncmp(env[j], kv, klen))
				j++;
			env[j] = kv;
			n += j == n;
		}
		p->env = env;
		p->n_env = n;
	}
	if (a->cwd)
		p->cwd = a->cwd;
	if (a->user && ex_parse_user(a->user, &p->user, err) < 0)
		return -1;
	if (a->additional_gids &&
	    !(store[3] = ex_parse_gids(a->additional_gids, &p->user, err)))
		return -1;
	for (size_t i = 0; a->caps && a->caps[i]; i++)
		ex_add_cap(o, &p->caps, a->caps[i]);
	if (a->no_new_privs)
		p->no_new_privileges = true;
	if (a->apparmor)
		p->apparmor_profile = a->apparmor;
	if (a->process_label)
		p->selinux_label = a->process_label;
	return 0;
}

/* Hand the process's seccomp notify fd to the agent, with the container's state. */
static int ex_pass_listener(const struct ctr_opts *o, const char *id, const struct spec *s,
			    pid_t pid, int listener, struct ctr_error *err)
{
	struct ctr_state st;
	char *json = NULL;
	if (ctr_state(o, id, &st, err) < 0)
		return -1;
	int rc = ctr_state_json(&st, NULL, &json, err);
	ctr_state_release(&st);
	if (rc == 0)
		rc = seccomp_send_listener(s->lx.seccomp, listener, pid, json, err);
	free(json);
	return rc;
}

/* ctr_exec from prepare to commit: what its one cleanup path (ex_job_free) undoes. */
struct ex_job {
	struct ex_ctx x;             /* what the process gets */
	const struct ctr_opts *o;
	const char *id;
	struct lc_container ct;
	struct spec *spec;
	struct spec_process proc;
	void *store[4];              /* ex_build_process's allocations */
	struct cgroup *cg;
	char *config;
	size_t config_len;
	struct lc_spawn sp;          /* the process and ctr's end of the sync pair */
	pid_t pid;                   /* the process once it exec'd (ex_collect), -1 */
	bool helper_done;            /* two steps: the helper sent the process's pid */
	int master, listener;        /* its pty master, its seccomp notify fd, or -1 */
};

/* May the container take a process now? A paused one only with ignore_paused. */
static int ex_check_status(struct ex_job *j, struct ctr_error *err)
{
	switch (j->ct.status) {
	case CTR_CREATED:
	case CTR_RUNNING:
		return 0;
	case CTR_PAUSED:
		if (!j->x.a->ignore_paused)
			return err_set(err, 0, "cannot exec in a paused container (use "
				       "--ignore-paused to override)");
		j->x.late_join = true;
		return 0;
	case CTR_CREATING:
		return err_set(err, 0, "cannot exec in a container that is still being created");
	default:
		return err_set(err, 0, "cannot exec in a stopped container");
	}
}

/* Prepare: the process from the stored config and the arguments, the seccomp filter, the
 * init's root and namespaces, opened while the init is known to be the one checked. */
static int ex_prepare(struct ex_job *j, struct ctr_error *err)
{
	const struct ctr_exec_args *a = j->x.a;
	struct lc_container *ct = &j->ct;
	if (ex_check_status(j, err) < 0)
		return -1;
	const char *cfg = ct->st.config_path && *ct->st.config_path ? ct->st.config_path :
			  "config.json";
	if (read_regular_at(ct->h.dir_fd, cfg, 16u << 20, &j->config, &j->config_len, err) < 0 ||
	    spec_parse(j->config, j->config_len, "config.json", &j->spec, err) < 0)
		return err_prefix(err, "exec: the container's config");
	if (ex_build_process(j->o, a, j->spec, &j->proc, j->store, err) < 0)
		return -1;
	const struct spec *spec = j->x.spec = j->spec;
	j->x.p = &j->proc;
	j->x.terminal = a->tty || (a->process_json && j->proc.terminal);
	if (j->x.terminal && !a->console_socket && !a->pty_master)
		return err_set(err, EINVAL, "exec: a terminal needs a console socket");
	if (spec->has_linux && spec->lx.seccomp &&
	    seccomp_compile(spec->lx.seccomp, &j->x.filter, err) < 0)
		return err_prefix(err, "linux.seccomp");
	if (j->x.late_join && spec->lx.seccomp && spec->lx.seccomp->listener_path)
		return err_set(err, EINVAL, "exec --ignore-paused: a seccomp listenerPath needs "
			       "the container running");
	if (lc_load_checked(ct, &j->cg, false, err) < 0)
		return -1;
	if (j->x.late_join && !j->cg)
		return err_set(err, EINVAL, "exec: a paused container without a cgroup");
	if (j->cg && !j->x.late_join &&
	    lc_cgjoin_open(&j->x.cj, j->cg, a->cgroups, &j->sp, err) < 0)
		return err_prefix(err, "exec: joining the container's cgroup");
	char path[64];
	ctr_snprintf(path, sizeof(path), "/proc/%ld/root", (long)ct->st.pid);
	j->x.root_fd = openat(AT_FDCWD, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (j->x.root_fd < 0)
		return err_set(err, errno, "exec: open %s", path);
	if (ex_open_namespaces(&j->x, ct->st.pid, err) < 0)
		return -1;
	lc_log(j->o, CTR_LOG_DEBUG, "namespaces: exec joins %zu of the init's (pid %ld)%s",
	       j->x.n_ns, (long)ct->st.pid,
	       j->x.filter ? "; seccomp: the container's filter, compiled" : "");
	/* the fds above belong to the init we checked, not to a process that reused its pid */
	if (!pid_alive(ct->st.pid, ct->st.pid_start))
		return err_set(err, 0, "cannot exec in a stopped container");
	return 0;
}

/* ctr's next child is born in the init's pid namespace: ctr's own pid_for_children is
 * kept to go back to right after the fork (ex_pidns_leave). ctr is not dumpable
 * meanwhile, which the process inherits (CVE-2019-5736: no process of the container
 * may open our binary through /proc/PID/exe). */
static int ex_pidns_enter(struct ex_ctx *x, struct ctr_error *err)
{
	x->dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	if (x->dumpable > 0 && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return err_set(err, errno, "exec: prctl(PR_SET_DUMPABLE)");
	for (size_t i = 0; i < x->n_ns; i++) {
		if (x->ns_types[i] != CLONE_NEWPID)
			continue;
		x->own_pidns = openat(AT_FDCWD, "/proc/thread-self/ns/pid_for_children",
				      O_RDONLY | O_CLOEXEC);
		if (x->own_pidns < 0)
			return err_set(err, errno, "exec: open /proc/thread-self/ns/pid_for_children");
		if (setns(x->ns_fds[i], CLONE_NEWPID) == 0)
			continue;
		if (errno != EPERM)
			return err_set(err, errno, "exec: joining the container's pid namespace");
		/* no CAP_SYS_ADMIN here (rootless): the helper joins the user ns first */
		close(x->own_pidns);
		x->own_pidns = -1;
		x->two_step = true;
	}
	return 0;
}

/* Back to ctr's own pid_for_children and dumpable flag (once; again is a no-op). */
static int ex_pidns_leave(struct ex_ctx *x, struct ctr_error *err)
{
	int rc = 0;
	if (x->own_pidns >= 0) {
		if (setns(x->own_pidns, CLONE_NEWPID) < 0)
			rc = err_set(err, errno, "exec: back to our pid namespace");
		close(x->own_pidns);
		x->own_pidns = -1;
	}
	if (x->dumpable > 0)
		prctl(PR_SET_DUMPABLE, x->dumpable, 0, 0, 0);
	x->dumpable = -1;
	return rc;
}

static void ex_process_run(void *arg, int sync)
{
	ex_process_main(&((struct ex_job *)arg)->x, sync);
}

/* lc_spawn's join, right after the fork: ctr's pid namespace back, then the container's
 * cgroup (or a sub-cgroup of it) while the process sets itself up; a paused
 * container's only once the process waits before its exec (ex_commit). */
static int ex_process_join(void *arg, pid_t pid, struct ctr_error *err)
{
	struct ex_job *j = arg;
	const struct ctr_exec_args *a = j->x.a;
	if (ex_pidns_leave(&j->x, err) < 0)
		return -1;
	/* the process has its own fds; a paused container's cgroup: cj empty */
	if (lc_cgjoin_rest(&j->x.cj, &j->sp, pid, a->cgroups, err) < 0)
		return err_prefix(err, "exec: joining the container's cgroup");
	if (!j->cg)
		return 0;
	lc_log(j->o, CTR_LOG_DEBUG, "cgroup: exec %s %s%s%s", j->x.late_join ?
	       "will join paused" : "joined", j->cg->path, a->cgroups ? ", sub-cgroup " : "",
	       a->cgroups ? a->cgroups[0] : "");
	return 0;
}

/* One message of the process (or of a two-step helper) into j; the first error sets
 * *failed and err (a pid or fd after it is still taken: to be reaped, closed). */
static void ex_take(struct ex_job *j, const struct lc_msg *m, int *mfd, bool *ready,
		    bool *failed, struct ctr_error *err)
{
	if (m->type == EX_PID && j->x.two_step && !j->helper_done) {
		j->helper_done = true;
		if (m->val2) /* ctr's own child: killed and reaped on failure */
			j->pid = m->val;
	} else if (m->type == LC_READY) {
		*ready = true;
	} else if (m->type == EX_PTY && *mfd >= 0 && j->master < 0) {
		j->master = TAKE_FD(*mfd);
	} else if (m->type == EX_LISTENER && *mfd >= 0 && j->listener < 0) {
		j->listener = TAKE_FD(*mfd);
	} else if (m->type == LC_ERROR && !*failed) {
		*failed = true;
		err_set(err, 0, "%s", m->text);
		err->errnum = m->val;
	}
}

/* T (pty master), L (notify fd) and E (error) in any order, until EOF (the exec); with
 * late_join until R (the process waits for the cgroup). Each read is bounded. */
static int ex_collect(struct ex_job *j, struct ctr_error *err)
{
	bool failed = false, ready = false, reset = false;
	struct timeval tv = {.tv_sec = LC_INIT_WAIT_S};
	setsockopt(j->sp.sync, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (!(j->x.late_join && ready && !failed)) {
		struct lc_msg m;
		int mfd;
		ssize_t n = term_recvmsg_fd(j->sp.sync, &m, sizeof(m), &mfd);
		if (n < 0 && errno == ECONNRESET && !reset) {
			/* it failed before reading LC_CGROUP_DONE: its message is still queued */
			reset = true;
			continue;
		}
		if (n < 0) {
			failed = true;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				lc_timed_out(err, "exec");
			else
				err_set(err, errno, "exec: reading from the process");
			break;
		}
		if (n == 0)
			break;
		if (n >= (ssize_t)LC_MSG_HDR) {
			m.text[sizeof(m.text) - 1] = 0;
			if (n < (ssize_t)sizeof(m))
				((char *)&m)[n] = 0;
			ex_take(j, &m, &mfd, &ready, &failed, err);
		}
		if (mfd >= 0)
			close(mfd);
	}
	if (!failed && ((j->x.late_join && !ready) || reset ||
			(j->x.two_step && !j->helper_done))) {
		failed = true;
		err_set(err, EPIPE, "exec: the process exited unexpectedly");
	}
	if (failed)
		return -1;
	if (j->pid > 0) { /* two steps: the helper is done, its pidfd is not the process's */
		lc_reap_pinned(j->sp.pid, j->sp.pidfd);
		j->sp.pid = -1;
		close(TAKE_FD(j->sp.pidfd));
	} else {
		j->pid = TAKE_FD(j->sp.pid); /* ours now (or the stand-in): ex_commit hands it over */
	}
	return 0;
}

/* Commit: a paused container's process joins its cgroup and goes on; the notify fd to
 * the agent, the pid file, the pty master to the caller. */
static int ex_commit(struct ex_job *j, pid_t *pid_out, struct ctr_error *err)
{
	const struct ctr_exec_args *a = j->x.a;
	if (j->x.late_join && cgroup_enter_sub(j->cg, j->pid, a->cgroups, false, err) < 0)
		return err_prefix(err, "exec: joining the paused container's cgroup");
	if (j->x.late_join && lc_send(j->sp.sync, LC_GO, 0, 0, NULL) < 0)
		return err_set(err, errno, "exec: the process exited early");
	if ((j->listener >= 0 &&
	     ex_pass_listener(j->o, j->id, j->spec, j->pid, j->listener, err) < 0) ||
	    (a->pid_file && lc_write_pid_file(a->pid_file, j->pid, err) < 0) ||
	    (j->master >= 0 && term_deliver(TAKE_FD(j->master), a->console_socket, a->pty_master,
					    err) < 0))
		return -1;
	lc_log(j->o, CTR_LOG_DEBUG, "exec in %s: pid %ld", j->id, (long)j->pid);
	if (pid_out)
		*pid_out = j->pid;
	if (a->pidfd_out) /* our unreaped child: its pid cannot have been reused */
		*a->pidfd_out = j->sp.pidfd >= 0 ? TAKE_FD(j->sp.pidfd) : sys_pidfd_open(j->pid, 0);
	j->pid = -1;
	return 0;
}

/* lc_spawn failed: if the process was gone before LC_CGROUP_DONE (EPIPE) it failed
 * early, and its own error, queued, is the one to report. */
static int ex_spawn_failed(struct ex_job *j, struct ctr_error *err)
{
	struct lc_msg m;
	ssize_t n;
	if (err->errnum != EPIPE || j->sp.sync < 0 || j->sp.pid <= 0)
		return -1;
	while ((n = recv(j->sp.sync, &m, sizeof(m) - 1, MSG_DONTWAIT)) > (ssize_t)LC_MSG_HDR) {
		((char *)&m)[n] = 0;
		if (m.type == LC_ERROR) {
			err_set(err, 0, "%s", m.text);
			err->errnum = m.val;
			break;
		}
	}
	return -1;
}

static void ex_job_free(struct ex_job *j)
{
	ex_pidns_leave(&j->x, &(struct ctr_error){0});
	/* a failed exec exits by itself; a late failure is killed */
	lc_kill_reap(j->pid, j->x.two_step ? -1 : j->sp.pidfd);
	lc_spawn_end(&j->sp);
	if (j->master >= 0)
		close(j->master);
	if (j->listener >= 0)
		close(j->listener);
	for (size_t i = 0; i < j->x.n_ns; i++)
		close(j->x.ns_fds[i]);
	lc_cgjoin_close(&j->x.cj);
	if (j->x.root_fd >= 0)
		close(j->x.root_fd);
	if (j->x.filter)
		seccomp_filter_free(j->x.filter);
	cgroup_free(j->cg);
	json_free(j->store[0]);
	spec_priv_free(j->store[1]);
	free(j->store[2]);
	free(j->store[3]);
	spec_free(j->spec);
	free(j->config);
	lc_release(&j->ct);
}

int ctr_exec(const struct ctr_opts *o, const char *id, const struct ctr_exec_args *a,
	     pid_t *pid_out, struct ctr_error *err)
{
	if (!a)
		return err_set(err, EINVAL, "exec: no arguments");
	if (a->pidfd_out)
		*a->pidfd_out = -1;
	if (lc_require_sealed("exec", err) < 0)
		return -1;
	struct ex_job *j = calloc(1, sizeof(*j));
	if (!j)
		return err_nomem(err);
	if (lc_open(o, id, STATE_SHARED, &j->ct, err) < 0) {
		free(j);
		return -1;
	}
	j->x = (struct ex_ctx){.a = a, .sync_fd = -1, .root_fd = -1, .own_pidns = -1,
			       .dumpable = -1, .cj.v2_fd = -1};
	j->o = o;
	j->id = id;
	j->sp.sync = j->sp.pid = j->sp.pidfd = j->pid = j->master = j->listener = -1;
	int rc = ex_prepare(j, err) < 0 || ex_pidns_enter(&j->x, err) < 0 ||
		 (lc_spawn(&j->sp, lc_first_fd(a->preserve_fds), &j->ct.h, ex_process_run,
			   ex_process_join, j, "exec: the process", err) < 0 &&
		  ex_spawn_failed(j, err) < 0) ||
		 ex_collect(j, err) < 0 || ex_commit(j, pid_out, err) < 0 ? -1 : 0;
	ex_job_free(j);
	free(j);
	return rc;
}

/* ======================================================================
 * checkpoint: CRIU dump and restore
 * ====================================================================== */

/* ctr drives the criu binary through its command line (`criu dump`, `pre-dump`,
 * `restore`), not `criu swrk` RPC: every option we need has a flag, nothing needs a
 * protobuf encoder, and criu's own log (-o in the work dir) tells what went wrong. The two
 * things runc takes from RPC notifications are done otherwise: the prestart and
 * createRuntime hooks run once criu returns (the restored tree is then still ours to
 * kill), and a terminal is restored onto a new pty passed with --inherit-fd (its master
 * goes to the console socket) instead of criu's orphan pts master. */

#define CR_MIN_VERSION 31100         /* 3.11, podman's minimum as well */
#define CR_DESCRIPTORS "descriptors.json" /* the init's fds 0-2 at dump, as runc writes it */
#define CR_TTY_INFO "tty.info"       /* "tty[rdev:dev]" of the init's terminal at dump */
#define CR_ROOT_DIR "criu-root"      /* in the state dir: the rootfs bound for criu --root */

/* criu's argv, grown one formatted word at a time; allocation failure is sticky. */
struct cr_argv {
	char **v;
	size_t n, cap;
	bool failed;
};

__attribute__((format(printf, 2, 3)))
static void cr_add(struct cr_argv *a, const char *fmt, ...)
{
	if (a->failed)
		return;
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		char **v = realloc(a->v, cap * sizeof(*v));
		if (!v) {
			a->failed = true;
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	struct sbuf sb = {0};
	va_list ap;
	va_start(ap, fmt);
	ctr_vformat(sbuf_put, &sb, fmt, ap);
	va_end(ap);
	char *s = NULL;
	if (sbuf_take(&sb, &s, NULL) < 0)
		s = NULL;
	if (!s) {
		a->failed = true;
		return;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static void cr_argv_free(struct cr_argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* Run criu (argv[0] is its path or name on PATH) and wait. keep: fds left open in it
 * (they are named by number in argv); cg: a cgroup criu joins first (restore: where the
 * restored tasks go with --manage-cgroups-mode ignore, as runc does); out: its stdout.
 * Returns the wait status; a criu that cannot be executed is an error. */
static int cr_exec(char *const *argv, const int *keep, size_t n_keep, const struct cgroup *cg,
		   struct sbuf *out, struct ctr_error *err)
{
	int o[2] = {-1, -1}, e[2];
	if ((out && pipe2(o, O_CLOEXEC) < 0) || pipe2(e, O_CLOEXEC) < 0) {
		int en = errno;
		if (o[0] >= 0)
			close(o[0]), close(o[1]);
		return err_set(err, en, "pipe");
	}
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		struct ctr_error ce;
		int en = 0;
		for (size_t i = 0; i < n_keep; i++)
			fcntl(keep[i], F_SETFD, 0);
		if (out && dup2(o[1], 1) < 0)
			en = errno;
		if (!en && cg && cgroup_enter(cg, getpid(), &ce) < 0)
			en = ce.errnum ? ce.errnum : EPERM;
		if (!en) {
			execvp(argv[0], argv);
			en = errno;
		}
		(void)!write(e[1], &en, sizeof(en));
		_exit(127);
	}
	int en = errno;
	close(e[1]);
	if (out)
		close(o[1]);
	if (pid < 0) {
		close(e[0]);
		if (out)
			close(o[0]);
		return err_set(err, en, "fork");
	}
	char buf[4096];
	ssize_t n;
	while (out && ((n = read(o[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0)
			sbuf_add(out, buf, (size_t)n);
	int child_err = 0, status = 0;
	while ((n = read(e[0], &child_err, sizeof(child_err))) < 0 && errno == EINTR)
		;
	close(e[0]);
	if (out)
		close(o[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(child_err)) {
		if (child_err == ENOENT)
			return err_set(err, 0, "criu not found (%s): install CRIU %d.%d or newer, or "
				       "give its path with --criu", argv[0], CR_MIN_VERSION / 10000,
				       CR_MIN_VERSION / 100 % 100);
		return err_set(err, child_err, "cannot run criu (%s)", argv[0]);
	}
	return status;
}

/* `criu --version` says "Version: X.Y[.Z]"; older than CR_MIN_VERSION is an error. */
static int cr_check_version(const char *criu, struct ctr_error *err)
{
	char *argv[] = {(char *)criu, (char *)"--version", NULL};
	struct sbuf out = {0};
	int st = cr_exec(argv, NULL, 0, NULL, &out, err);
	if (st < 0) {
		sbuf_release(&out);
		return -1;
	}
	/* "Version: %d.%d[.%d]" by hand: scanf costs ~4 KB of libc */
	const char *v = out.buf ? str_find(out.buf, "Version:") : NULL;
	char *e = NULL;
	int x = v ? (int)str_tol(v += 8, &e) : 0, y = 0, z = 0;
	bool ok = v && e > v && *e == '.';
	if (ok) {
		y = (int)str_tol(v = e + 1, &e);
		ok = e > v;
	}
	if (ok && *e == '.')
		z = (int)str_tol(e + 1, NULL);
	sbuf_release(&out);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || !ok)
		return err_set(err, 0, "%s --version: no version (is it CRIU?)", criu);
	if (x * 10000 + y * 100 + z < CR_MIN_VERSION)
		return err_set(err, 0, "criu %d.%d.%d is too old: ctr needs CRIU %d.%d or newer",
			       x, y, z, CR_MIN_VERSION / 10000, CR_MIN_VERSION / 100 % 100);
	return 0;
}

/* criu exited with status st: an error naming its log and the first error line in it. */
static int cr_failed(const char *what, int st, const char *work, const char *log,
		     struct ctr_error *err)
{
	char path[PATH_MAX + 64], first[400] = "";
	ctr_snprintf(path, sizeof(path), "%s/%s", work, log);
	char *text = NULL;
	size_t len = 0;
	struct ctr_error e;
	if (read_file(path, 64u << 20, &text, &len, &e) == 0) {
		for (char *line = text; line && *line;) {
			char *nl = strchr(line, '\n');
			if (nl)
				*nl = 0;
			if (str_find(line, "Error") && !*first) /* the first: the cause */
				ctr_snprintf(first, sizeof(first), "%s", line);
			line = nl ? nl + 1 : NULL;
		}
	}
	free(text);
	return err_set(err, 0, "criu %s failed (%s %d)%s%s; log: %s", what,
		       WIFSIGNALED(st) ? "signal" : "exit",
		       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), *first ? ": " : "", first,
		       path);
}

/* An absolute path for dir (made if make, else it must exist) into out. */
static int cr_dir(const char *dir, bool make, char out[PATH_MAX], struct ctr_error *err)
{
	if (make && mkdir_p(dir, 0700, err) < 0)
		return err_prefix(err, "image or work directory");
	if (!path_real(dir, out))
		return err_set(err, errno, "checkpoint directory %s", dir);
	return 0;
}

/* Flags both dump and restore pass on as they are. */
static void cr_common_flags(struct cr_argv *av, const char *cg_mode, const char *empty_ns,
			    int tcp, int ext_unix, int shell_job, int file_locks, int lazy,
			    int auto_dedup)
{
	cr_add(av, "--manage-cgroups=%s", cg_mode ? cg_mode : "soft");
	if (tcp)
		cr_add(av, "--tcp-established");
	if (ext_unix)
		cr_add(av, "--ext-unix-sk");
	if (shell_job)
		cr_add(av, "--shell-job");
	if (file_locks)
		cr_add(av, "--file-locks");
	if (lazy)
		cr_add(av, "--lazy-pages");
	if (auto_dedup)
		cr_add(av, "--auto-dedup");
	if (empty_ns && *empty_ns) /* runc says "network", criu "net" */
		cr_add(av, "--empty-ns=%s", strcmp(empty_ns, "network") ? empty_ns : "net");
}

/* --debug: criu's whole command line. */
static void cr_log_argv(const struct ctr_opts *o, const struct cr_argv *av)
{
	if (!o || !o->debug)
		return;
	struct sbuf sb = {0};
	for (size_t i = 0; i < av->n; i++)
		sbuf_addf(&sb, "%s%s", i ? " " : "", av->v[i]);
	if (!sb.failed && sb.buf)
		lc_log(o, CTR_LOG_DEBUG, "criu: %s", sb.buf);
	sbuf_release(&sb);
}

static int cr_check_mode(const char *mode, struct ctr_error *err)
{
	static const char *const ok[] = {"soft", "full", "strict", "ignore"};
	for (size_t i = 0; mode && i < ARRAY_LEN(ok); i++)
		if (!strcmp(mode, ok[i]))
			return 0;
	return mode ? err_set(err, EINVAL, "--manage-cgroups-mode %s: want soft, full, strict "
			      "or ignore", mode) : 0;
}

/* The config kept in a container's state dir, parsed. */
static int cr_stored_spec(struct lc_container *ct, struct spec **out, struct ctr_error *err)
{
	AUTO_FREE char *text = NULL;
	size_t len = 0;
	if (read_file_at(ct->h.dir_fd, LC_CONFIG_COPY, 16u << 20, &text, &len, err) < 0 ||
	    spec_parse(text, len, "config.json", out, err) < 0)
		return err_prefix(err, "container %s", ct->h.id);
	return 0;
}

static bool cr_is_cgroup2_mount(const struct spec_mount *m, const struct cgroup *cg)
{
	return m->type && !strcmp(m->type, "cgroup") && cg && cg_v2dir(cg) &&
	       cg->mode == CG_MODE_V2;
}

/* Mounts criu cannot dump itself, marked external by their destination as runc does:
 * bind mounts, masked files (/dev/null bound over them), the cgroup2 mount of a cgroup
 * namespace; namespaces joined by path; the init's terminal. */
static void cr_dump_externals(struct cr_argv *av, const struct spec *s, pid_t pid,
			      const struct cgroup *cg, const char *img)
{
	char path[PATH_MAX + 64];
	struct stat sb;
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];
		if (rootfs_host_source(m) || cr_is_cgroup2_mount(m, cg))
			cr_add(av, "--external=mnt[%s]:%s", m->destination, m->destination);
	}
	for (size_t i = 0; s->has_linux && i < s->lx.n_masked_paths; i++) {
		ctr_snprintf(path, sizeof(path), "/proc/%ld/root%s", (long)pid, s->lx.masked_paths[i]);
		if (stat(path, &sb) == 0 && !S_ISDIR(sb.st_mode))
			cr_add(av, "--external=mnt[%s]:%s", s->lx.masked_paths[i],
			       s->lx.masked_paths[i]);
	}
	for (size_t i = 0; s->has_linux && i < s->lx.n_namespaces; i++) {
		const struct spec_namespace *ns = &s->lx.namespaces[i];
		if (ns->path && ns->type == CLONE_NEWNET && stat(ns->path, &sb) == 0)
			cr_add(av, "--external=net[%lu]:extRootNetNS", (unsigned long)sb.st_ino);
		else if (ns->path && ns->type == CLONE_NEWPID && stat(ns->path, &sb) == 0)
			cr_add(av, "--external=pid[%lu]:extRootPidNS", (unsigned long)sb.st_ino);
	}
	/* a pty slave (majors 136-143) on fd 0-2: restored onto a new pty (CR_TTY_INFO) */
	for (int fd = 0; fd < 3; fd++) {
		ctr_snprintf(path, sizeof(path), "/proc/%ld/fd/%d", (long)pid, fd);
		if (stat(path, &sb) < 0 || !S_ISCHR(sb.st_mode) || major(sb.st_rdev) < 136 ||
		    major(sb.st_rdev) > 143)
			continue;
		char key[64];
		int n = ctr_snprintf(key, sizeof(key), "tty[%llx:%llx]",
				 (unsigned long long)sb.st_rdev, (unsigned long long)sb.st_dev);
		cr_add(av, "--external=%s", key);
		/* /dev/console is that pty bound (criu wants its master otherwise) */
		cr_add(av, "--external=mnt[/dev/console]:/dev/console");
		int dfd = open(img, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		struct ctr_error e;
		if (dfd < 0 || write_file_atomic(dfd, CR_TTY_INFO, key, (size_t)n, 0600, &e) < 0)
			av->failed = true;
		if (dfd >= 0)
			close(dfd);
		break;
	}
}

/* runc's descriptors.json: what the init's fds 0-2 were ("pipe:[N]", a path, ...), so
 * a restore can hand the same pipes over with --inherit-fd. */
static int cr_save_descriptors(pid_t pid, const char *img, struct ctr_error *err)
{
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, NULL);
	jw_arr_begin(&w);
	for (int fd = 0; fd < 3; fd++) {
		char path[64], link[PATH_MAX];
		ctr_snprintf(path, sizeof(path), "/proc/%ld/fd/%d", (long)pid, fd);
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		link[n > 0 ? n : 0] = 0;
		jw_str(&w, link);
	}
	jw_arr_end(&w);
	char *text = NULL;
	if (sbuf_take(&sb, &text, err) < 0)
		return -1;
	int dfd = open(img, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = dfd < 0 ? err_set(err, errno, "open %s", img) :
		write_file_atomic(dfd, CR_DESCRIPTORS, text, strlen(text), 0600, err);
	if (dfd >= 0)
		close(dfd);
	free(text);
	return rc;
}

/* The whole criu dump / pre-dump command line. */
static int cr_dump_argv(struct cr_argv *av, struct lc_container *ct, const struct spec *s,
			const struct cgroup *cg, const struct ctr_checkpoint_args *a,
			const char *img, const char *work, struct ctr_error *err)
{
	cr_add(av, "%s", a->criu_path ? a->criu_path : "criu");
	cr_add(av, a->pre_dump ? "pre-dump" : "dump");
	cr_add(av, "--tree=%ld", (long)ct->st.pid);
	cr_add(av, "--images-dir=%s", img);
	cr_add(av, "--work-dir=%s", work);
	cr_add(av, "--log-file=%s", a->pre_dump ? "pre-dump.log" : "dump.log");
	cr_add(av, "-v4");
	cr_common_flags(av, a->manage_cgroups_mode, a->empty_ns, a->tcp_established,
			a->ext_unix_sk, a->shell_job, a->file_locks, a->lazy_pages, a->auto_dedup);
	/* a paused container stays frozen: criu takes it as it is (runc does the same) */
	const struct cg_dir *fd = cg ? cg_find(cg, CG_FREEZER) : NULL;
	if (!fd && cg)
		fd = cg_v2dir(cg);
	if (fd)
		cr_add(av, "--freeze-cgroup=%s", fd->dir);
	if (a->leave_running && !a->pre_dump)
		cr_add(av, "--leave-running");
	if (a->parent_path)
		cr_add(av, "--prev-images-dir=%s", a->parent_path);
	if (a->pre_dump || a->parent_path)
		cr_add(av, "--track-mem");
	if (a->page_server) {
		const char *colon = strrchr(a->page_server, ':');
		if (!colon || colon == a->page_server || !colon[1])
			return err_set(err, EINVAL, "--page-server %s: want ADDRESS:PORT",
				       a->page_server);
		cr_add(av, "--page-server");
		cr_add(av, "--address=%.*s", (int)(colon - a->page_server), a->page_server);
		cr_add(av, "--port=%s", colon + 1);
	}
	cr_dump_externals(av, s, ct->st.pid, cg, img);
	return av->failed ? err_nomem(err) : 0;
}

int ctr_checkpoint(const struct ctr_opts *o, const char *id, const struct ctr_checkpoint_args *a,
		   struct ctr_error *err)
{
	static const struct ctr_checkpoint_args none = {0};
	a = a ? a : &none;
	struct lc_container ct;
	if (cr_check_mode(a->manage_cgroups_mode, err) < 0 || lc_open(o, id, 0, &ct, err) < 0)
		return -1;
	int rc = -1, st;
	struct spec *spec = NULL;
	struct cgroup *cg = NULL;
	struct cr_argv av = {0};
	char img[PATH_MAX], work[PATH_MAX];
	if (ct.status != CTR_RUNNING && ct.status != CTR_PAUSED) {
		err_set(err, 0, "container %s cannot be checkpointed in %s state", id,
			ctr_status_name(ct.status));
		goto out;
	}
	if (cr_check_version(a->criu_path ? a->criu_path : "criu", err) < 0 ||
	    cr_dir(a->image_path ? a->image_path : "checkpoint", true, img, err) < 0 ||
	    cr_dir(a->work_path ? a->work_path : img, true, work, err) < 0 ||
	    cr_stored_spec(&ct, &spec, err) < 0 || lc_cgroup_load(&ct.h, &ct.st, &cg, true, err) < 0 ||
	    cr_dump_argv(&av, &ct, spec, cg, a, img, work, err) < 0 ||
	    cr_save_descriptors(ct.st.pid, img, err) < 0)
		goto out;
	cr_log_argv(o, &av);
	if ((st = cr_exec(av.v, NULL, 0, NULL, NULL, err)) < 0)
		goto out;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		cr_failed(av.v[1], st, work, a->pre_dump ? "pre-dump.log" : "dump.log", err);
		goto out;
	}
	rc = 0;
	/* as runc: a container dumped without --leave-running is gone; delete it */
	if (!a->pre_dump && !a->leave_running &&
	    (lc_wait_exit(&ct.st, 10000, err) < 0 || lc_destroy(o, &ct, &cg, err) < 0))
		rc = err_prefix(err, "checkpointed, but");
out:
	cr_argv_free(&av);
	if (cg)
		cgroup_free(cg);
	if (spec)
		spec_free(spec);
	lc_release(&ct);
	return rc;
}

/* A criu binary on PATH (what `ctr features` reports; the version is checked on use). */
static bool cr_available(void)
{
	const char *path = getenv("PATH");
	path = path && *path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		char f[PATH_MAX];
		if (n && ctr_snprintf(f, sizeof(f), "%.*s/criu", (int)n, path) < (int)sizeof(f) &&
		    access(f, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

/* What a restore holds while criu runs: fds handed to criu, the rootfs bound for it. */
struct cr_restore {
	int keep[8];
	size_t n_keep;
	int pty_master;
	char croot[PATH_MAX];        /* "" until bound */
};

static int cr_keep(struct cr_restore *r, int fd)
{
	if (r->n_keep == ARRAY_LEN(r->keep)) {
		close(fd);
		return -1;
	}
	r->keep[r->n_keep++] = fd;
	return fd;
}

/* Stdio and terminal from the images: the caller's pipes on fds 0-2 stand in for the
 * dumped ones (runc's --inherit-fd use), a new pty for a dumped terminal. */
static int cr_restore_stdio(struct cr_argv *av, struct cr_restore *r, const char *img,
			    const struct ctr_restore_args *a, struct ctr_error *err)
{
	char path[PATH_MAX + 32];
	AUTO_FREE char *text = NULL;
	size_t len = 0;
	struct ctr_error e;
	ctr_snprintf(path, sizeof(path), "%s/%s", img, CR_DESCRIPTORS);
	struct json_doc *doc = NULL;
	if (read_file(path, 1u << 20, &text, &len, &e) == 0 &&
	    json_parse(text, len, CR_DESCRIPTORS, NULL, &doc, &e) == 0) {
		const struct json *d = json_root(doc);
		size_t n = json_type(d) == JSON_ARRAY ? json_len(d) : 0;
		for (size_t i = 0; i < n && i < 3; i++) {
			const char *v = json_str(json_at(d, i), NULL);
			bool seen = false; /* 2>&1: the first fd stands for the pipe */
			for (size_t k = 0; v && k < i; k++) {
				const char *w = json_str(json_at(d, k), NULL);
				seen |= w && !strcmp(w, v);
			}
			if (v && !seen && (!strncmp(v, "pipe:", 5) || !strncmp(v, "socket:", 7)))
				cr_add(av, "--inherit-fd=fd[%zu]:%s", i, v);
		}
		json_free(doc);
	}
	AUTO_FREE char *tty = NULL;
	ctr_snprintf(path, sizeof(path), "%s/%s", img, CR_TTY_INFO);
	if (read_file(path, 256, &tty, &len, &e) < 0)
		return 0;
	if (!a->console_socket)
		return err_set(err, EINVAL, "the checkpoint has a terminal: restoring it needs "
			       "--console-socket");
	int slave;
	unsigned n;
	if (term_open_pty(&r->pty_master, &slave, err) < 0 || cr_keep(r, slave) < 0)
		return -1;
	if (ioctl(r->pty_master, TIOCGPTN, &n) < 0)
		return err_set(err, errno, "get pty number");
	cr_add(av, "--inherit-fd=fd[%d]:%s", slave, tty);
	cr_add(av, "--external=mnt[/dev/console]:/dev/pts/%u", n);
	return 0;
}

/* The mount map: bind sources, /dev/null for masked files, the new cgroup for a cgroup2
 * mount; a joined network or pid namespace by an fd criu inherits. */
static int cr_restore_externals(struct cr_argv *av, struct cr_restore *r, const struct spec *s,
				const char *bundle, const struct cgroup *cg, struct ctr_error *err)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];
		if (rootfs_host_source(m))
			cr_add(av, "--external=mnt[%s]:%s%s%s", m->destination,
			       m->source[0] == '/' ? "" : bundle, m->source[0] == '/' ? "" : "/",
			       m->source);
		else if (cr_is_cgroup2_mount(m, cg))
			cr_add(av, "--external=mnt[%s]:%s", m->destination, cg_v2dir(cg)->dir);
	}
	/* masked files that were not external are not looked up: extra keys are harmless */
	for (size_t i = 0; s->has_linux && i < s->lx.n_masked_paths; i++)
		cr_add(av, "--external=mnt[%s]:/dev/null", s->lx.masked_paths[i]);
	for (size_t i = 0; s->has_linux && i < s->lx.n_namespaces; i++) {
		const struct spec_namespace *ns = &s->lx.namespaces[i];
		if (!ns->path || (ns->type != CLONE_NEWNET && ns->type != CLONE_NEWPID))
			continue;
		int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return err_set(err, errno, "namespace %s", ns->path);
		if (cr_keep(r, fd) < 0)
			return err_set(err, EMFILE, "too many namespaces to join");
		cr_add(av, "--inherit-fd=fd[%d]:%s", fd,
		       ns->type == CLONE_NEWNET ? "extRootNetNS" : "extRootPidNS");
	}
	return 0;
}

/* criu restores into a root that is a mount point: the rootfs bound into the state dir
 * (runc binds it likewise). Not made private: criu copies the root's sharing from it. */
static int cr_bind_root(struct cr_restore *r, const char *root, const char *id,
			const char *rootfs, struct ctr_error *err)
{
	char p[PATH_MAX];
	if (ctr_snprintf(p, sizeof(p), "%s/%s/%s", root, id, CR_ROOT_DIR) >= (int)sizeof(p))
		return err_set(err, ENAMETOOLONG, "criu root for %s", id);
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		return err_set(err, errno, "mkdir %s", p);
	if (mount(rootfs, p, NULL, MS_BIND | MS_REC, NULL) < 0) {
		int e = errno;
		rmdir(p);
		return err_set(err, e, "bind %s on %s", rootfs, p);
	}
	ctr_snprintf(r->croot, sizeof(r->croot), "%s", p);
	return 0;
}

static void cr_restore_release(struct cr_restore *r)
{
	for (size_t i = 0; i < r->n_keep; i++)
		close(r->keep[i]);
	r->n_keep = 0;
	if (r->pty_master >= 0)
		close(r->pty_master);
	r->pty_master = -1;
	if (r->croot[0]) {
		umount2(r->croot, MNT_DETACH);
		rmdir(r->croot);
		r->croot[0] = 0;
	}
}

static int cr_restore_argv(struct cr_argv *av, struct cr_restore *r, const struct spec *s,
			   const char *bundle, const struct cgroup *cg,
			   const struct ctr_restore_args *a, const char *img, const char *work,
			   struct ctr_error *err)
{
	cr_add(av, "%s", a->criu_path ? a->criu_path : "criu");
	cr_add(av, "restore");
	cr_add(av, "--images-dir=%s", img);
	cr_add(av, "--work-dir=%s", work);
	cr_add(av, "--log-file=restore.log");
	cr_add(av, "-v4");
	cr_add(av, "--root=%s", r->croot);
	/* the restored init becomes our child (a sibling of criu) and criu leaves */
	cr_add(av, "--restore-detached");
	cr_add(av, "--restore-sibling");
	cr_add(av, "--pidfile=%s/restore.pid", work);
	cr_common_flags(av, a->manage_cgroups_mode, a->empty_ns, a->tcp_established,
			a->ext_unix_sk, a->shell_job, a->file_locks, a->lazy_pages, a->auto_dedup);
	/* the dumped container's cgroup becomes this container's own (a new id, a new
	 * cgroupsPath) */
	if (cg && cg->path && cg->path[0] == '/')
		cr_add(av, "--cgroup-root=%s", cg->path);
	if (cr_restore_externals(av, r, s, bundle, cg, err) < 0 ||
	    cr_restore_stdio(av, r, img, a, err) < 0)
		return -1;
	return av->failed ? err_nomem(err) : 0;
}

/* The bundle of a restore: its absolute path, config text and parsed spec, rootfs. */
struct cr_bundle {
	char dir[PATH_MAX], rootfs[PATH_MAX];
	char *config;
	size_t config_len;
	struct spec *spec;
};

static int cr_load_bundle(const char *bundle, struct cr_bundle *b, struct ctr_error *err)
{
	char path[PATH_MAX + 16];
	if (!path_real(bundle ? bundle : ".", b->dir))
		return err_set(err, errno, "bundle %s", bundle ? bundle : ".");
	ctr_snprintf(path, sizeof(path), "%s/config.json", b->dir);
	if (read_file(path, 16u << 20, &b->config, &b->config_len, err) < 0 ||
	    spec_parse(b->config, b->config_len, "config.json", &b->spec, err) < 0)
		return -1;
	const char *rp = b->spec->root_path ? b->spec->root_path : "rootfs";
	ctr_snprintf(path, sizeof(path), "%s%s%s", rp[0] == '/' ? "" : b->dir,
		 rp[0] == '/' ? "" : "/", rp);
	if (!path_real(path, b->rootfs))
		return err_set(err, errno, "root.path: %s", path);
	return 0;
}

/* The state of a container being restored (creating), with its cgroup named before it is
 * made: a restore killed half-way leaves what `delete -f` removes completely. */
static int cr_restore_state(struct state_handle *h, const char *id, const struct cr_bundle *b,
			    struct state *st, char owner[64], struct cgroup **cg,
			    struct ctr_error *err)
{
	lc_owner(owner, 64);
	*st = (struct state){.id = (char *)id, .bundle = (char *)b->dir,
			     .rootfs = (char *)b->rootfs, .owner = owner, .creating = true,
			     .config_path = (char *)LC_CONFIG_COPY};
	lc_created_now(st->created, sizeof(st->created));
	if (cgroup_plan(b->spec, id, cg, err) < 0)
		return err_prefix(err, "creating cgroup");
	if (lc_state_cgroup(st, *cg, err) < 0 ||
	    lc_annotations_json(b->spec, &st->annotations_json, err) < 0 ||
	    lc_write_new(h->dir_fd, LC_CONFIG_COPY, b->config, b->config_len, err) < 0 ||
	    state_save(h, st, err) < 0)
		return -1;
	if ((*cg)->mode != CG_MODE_NONE && cgroup_make(*cg, b->spec, err) < 0) {
		cgroup_free(*cg); /* made nothing */
		*cg = NULL;
		return err_prefix(err, "creating cgroup");
	}
	return 0;
}

/* After criu: the new init's pid into the state (running), the pid file, then the hooks
 * runc runs while criu sets up the namespaces (prestart, createRuntime). */
static int cr_restore_finish(const struct ctr_opts *o, const char *id, struct state_handle *h,
			     const struct cr_bundle *b, struct state *st, const char *work,
			     const struct ctr_restore_args *a, pid_t *pid, struct ctr_error *err)
{
	char path[PATH_MAX + 32];
	AUTO_FREE char *text = NULL;
	size_t len = 0;
	ctr_snprintf(path, sizeof(path), "%s/restore.pid", work);
	if (read_file(path, 64, &text, &len, err) < 0)
		return err_prefix(err, "criu restore wrote no pid");
	*pid = (pid_t)str_tol(text, NULL);
	if (*pid <= 0)
		return err_set(err, 0, "criu restore: bad pid file %s", path);
	st->pid = *pid;
	st->pid_start = pid_start_time(*pid, NULL);
	st->creating = false;
	if (state_save(h, st, err) < 0 ||
	    (a->pid_file && lc_write_pid_file(a->pid_file, *pid, err) < 0) ||
	    lc_run_hooks(b->spec, HOOK_PRESTART, id, CTR_RUNNING, *pid, b->dir, b->rootfs, err) < 0 ||
	    lc_run_hooks(b->spec, HOOK_CREATE_RUNTIME, id, CTR_RUNNING, *pid, b->dir, b->rootfs,
			 err) < 0)
		return -1;
	lc_log(o, CTR_LOG_DEBUG, "restored container %s, init pid %ld", id, (long)*pid);
	return 0;
}

int ctr_restore(const struct ctr_opts *o, const char *id, const struct ctr_restore_args *a,
		pid_t *pid_out, struct ctr_error *err)
{
	static const struct ctr_restore_args none = {0};
	a = a ? a : &none;
	const char *root = o && o->root ? o->root : CTR_DEFAULT_ROOT;
	char img[PATH_MAX], work[PATH_MAX], inv[PATH_MAX + 32], owner[64];
	struct cr_bundle b = {.config = NULL};
	struct cr_restore r = {.pty_master = -1};
	struct state_handle h = {.root_fd = -1, .dir_fd = -1};
	struct state st = {0};
	struct cgroup *cg = NULL;
	struct cr_argv av = {0};
	bool made = false;
	pid_t pid = 0;
	int rc = -1, ws;
	if (ctr_id_valid(id, err) < 0 || cr_check_mode(a->manage_cgroups_mode, err) < 0)
		return -1;
	if (cr_dir(a->image_path ? a->image_path : "checkpoint", false, img, err) < 0)
		return err_prefix(err, "restore");
	ctr_snprintf(inv, sizeof(inv), "%s/inventory.img", img);
	if (access(inv, R_OK) < 0)
		return err_set(err, 0, "restore: %s holds no checkpoint (no inventory.img)", img);
	if (cr_check_version(a->criu_path ? a->criu_path : "criu", err) < 0 ||
	    cr_dir(a->work_path ? a->work_path : img, true, work, err) < 0 ||
	    cr_load_bundle(a->bundle, &b, err) < 0 || state_open(root, id, STATE_CREATE, &h, err) < 0)
		goto out;
	made = true;
	if (cr_restore_state(&h, id, &b, &st, owner, &cg, err) < 0 ||
	    cr_bind_root(&r, root, id, b.rootfs, err) < 0 ||
	    cr_restore_argv(&av, &r, b.spec, b.dir, cg, a, img, work, err) < 0)
		goto out;
	cr_log_argv(o, &av);
	if ((ws = cr_exec(av.v, r.keep, r.n_keep, cg, NULL, err)) < 0)
		goto out;
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
		cr_failed("restore", ws, work, "restore.log", err);
		goto out;
	}
	if (cr_restore_finish(o, id, &h, &b, &st, work, a, &pid, err) < 0 ||
	    (r.pty_master >= 0 && term_send_to_console_socket(a->console_socket, r.pty_master,
							      err) < 0))
		goto out;
	if (pid_out)
		*pid_out = pid;
	rc = 0;
out:
	cr_restore_release(&r);
	if (rc < 0 && pid > 0)
		lc_kill_reap(pid, -1);
	if (rc < 0 && cg) {
		struct ctr_error e2;
		cgroup_destroy(cg, true, &e2);
		cg = NULL;
	}
	if (rc < 0 && made) {
		struct ctr_error e2;
		state_remove(&h, &e2);
	}
	if (cg)
		cgroup_free(cg);
	free(st.cgroup_json);
	free(st.annotations_json);
	cr_argv_free(&av);
	state_close(&h);
	if (b.spec)
		spec_free(b.spec);
	free(b.config);
	return rc;
}

/* ======================================================================
 * features: the OCI features document (runtime-spec features.md)
 * ====================================================================== */

static void features_str_list(struct jw *w, const char *const *list, size_t n)
{
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++)
		jw_str(w, list[i]);
	jw_arr_end(w);
}

int ctr_features_json(char **json_out, struct ctr_error *err)
{
	static const char *const hooks[] = {
		"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
	};
	static const char *const mount_options[] = {
		"async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec",
		"idmap", "lazytime", "mand", "noatime", "nodev", "nodiratime", "noexec",
		"nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid", "nosymfollow",
		"private", "ratime", "rbind", "rdev", "rdiratime", "relatime", "remount", "rexec",
		"ridmap", "rnoatime", "rnodev", "rnodiratime", "rnoexec", "rnorelatime",
		"rnostrictatime", "rnosuid", "rnosymfollow", "ro", "rprivate", "rrelatime", "rro",
		"rrw", "rshared", "rslave", "rstrictatime", "rsuid", "rsymfollow", "runbindable",
		"rw", "shared", "slave", "strictatime", "suid", "symfollow", "sync", "unbindable",
	};
	static const char *const namespaces[] = {
		"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts",
	};
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, "    ");
	jw_obj_begin(&w);
	jw_key(&w, "ociVersionMin");
	jw_str(&w, "1.0.0");
	jw_key(&w, "ociVersionMax");
	jw_str(&w, CTR_OCI_VERSION);
	jw_key(&w, "hooks");
	features_str_list(&w, hooks, ARRAY_LEN(hooks));
	jw_key(&w, "mountOptions");
	features_str_list(&w, mount_options, ARRAY_LEN(mount_options));
	jw_key(&w, "linux");
	jw_obj_begin(&w);
	jw_key(&w, "namespaces");
	features_str_list(&w, namespaces, ARRAY_LEN(namespaces));
	jw_key(&w, "capabilities");
	jw_arr_begin(&w);
	for (int cap = 0; spec_cap_name(cap); cap++)
		jw_str(&w, spec_cap_name(cap));
	jw_arr_end(&w);
	jw_key(&w, "cgroup");
	jw_obj_begin(&w);
	static const char *const cg_keys[] = {"v1", "v2", "systemd", "systemdUser", "rdma"};
	for (size_t i = 0; i < ARRAY_LEN(cg_keys); i++) {
		jw_key(&w, cg_keys[i]);
		jw_bool(&w, i != 3); /* systemd: the driver (system bus); no user-bus driver yet */
	}
	jw_obj_end(&w);
	jw_key(&w, "seccomp");
	seccomp_features(&w);
	static const char *const enabled_keys[] = {"apparmor", "selinux", "intelRdt"};
	for (size_t i = 0; i < ARRAY_LEN(enabled_keys); i++) {
		jw_key(&w, enabled_keys[i]);
		jw_obj_begin(&w);
		jw_key(&w, "enabled");
		jw_bool(&w, i < 2); /* Intel RDT is parsed but not applied */
		jw_obj_end(&w);
	}
	jw_key(&w, "mountExtensions");
	jw_obj_begin(&w);
	jw_key(&w, "idmap");
	jw_obj_begin(&w);
	jw_key(&w, "enabled");
	jw_bool(&w, true);
	jw_obj_end(&w);
	jw_obj_end(&w);
	jw_key(&w, "netDevices");
	jw_obj_begin(&w);
	jw_key(&w, "enabled");
	jw_bool(&w, true);
	jw_obj_end(&w);
	jw_obj_end(&w); /* linux */
	jw_key(&w, "annotations");
	jw_obj_begin(&w);
	jw_key(&w, "io.github.ctr.version");
	jw_str(&w, CTR_VERSION);
	/* checkpoint and restore need criu at run time */
	jw_key(&w, "io.github.ctr.checkpoint.enabled");
	jw_str(&w, cr_available() ? "true" : "false");
	/* rootless: a caller that is not root (or --rootless true); subordinate id ranges
	 * need newuidmap/newgidmap (the uidmap package) at run time */
	jw_key(&w, "io.github.ctr.rootless.enabled");
	jw_str(&w, "true");
	jw_obj_end(&w);
	jw_key(&w, "potentiallyUnsafeConfigAnnotations");
	jw_arr_begin(&w);
	jw_arr_end(&w);
	jw_obj_end(&w);
	sbuf_addc(&sb, '\n');
	return sbuf_take(&sb, json_out, err);
}
