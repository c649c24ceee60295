/*
 * main.c - the ctr command line: runc-compatible flags, output and exit codes.
 * It parses flags, calls the ctr.h API, and prints. All container work is in ctr.c.
 *
 * Licensed under the Apache License, Version 2.0.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "ctr.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

/* Output without stdio (its FILE layer is ~4.7 KB of the static binary): an fd and a
 * buffer. Standard output is written when the buffer fills, by out_flush, before anything
 * goes to another fd and when main returns; the others at the end of each line. */
struct out {
	int fd;
	size_t len;
	char buf[4096];
};
static struct out out_1, out_2; /* fds 1 and 2 (set first in main: .bss, not 8 KB of .data) */

static void out_flush(struct out *o)
{
	for (size_t off = 0; off < o->len;) {
		ssize_t w = write(o->fd, o->buf + off, o->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	o->len = 0;
}

static void out_write(void *arg, const char *s, size_t len)
{
	struct out *o = arg;
	if (o != &out_1)
		out_flush(&out_1);
	for (size_t k; len; s += k, len -= k) {
		if (o->len == sizeof(o->buf))
			out_flush(o);
		k = sizeof(o->buf) - o->len < len ? sizeof(o->buf) - o->len : len;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
	}
}

/* the end of one fputs/fputc/fprintf: all but standard output are line-buffered */
static void out_done(struct out *o)
{
	if (o != &out_1 && o->len && o->buf[o->len - 1] == '\n')
		out_flush(o);
}

static void out_puts(struct out *o, const char *s)
{
	out_write(o, s, strlen(s));
	out_done(o);
}

static void out_putc(struct out *o, char c)
{
	out_write(o, &c, 1);
	out_done(o);
}

static void out_line(const char *s)
{
	out_write(&out_1, s, strlen(s));
	out_putc(&out_1, '\n');
}

__attribute__((format(printf, 2, 3)))
static void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ctr_vformat(out_write, o, fmt, ap);
	va_end(ap);
	out_done(o);
}

#ifndef CTR_COMMIT
#define CTR_COMMIT "unknown"
#endif

/* ---------- logging: runc's --log / --log-format text|json ---------- */

struct command;

struct cli {
	struct ctr_opts opts;
	struct out *log;              /* NULL: stderr only */
	bool log_json;
	bool debug;
	char **argv;            /* main's, for the sealed re-exec */
	const char *cmd;        /* the command being run ("ctr" for the global flags) */
	const struct command *command;  /* its table entry, NULL for the global flags */
	const char *criu;       /* --criu PATH (checkpoint, restore); NULL: criu on PATH */
	char xdg_root[4096];    /* the default state dir when not root: $XDG_RUNTIME_DIR/ctr */
};

/* A value of logrus's text layout: bare if every byte is one of [A-Za-z0-9-._/@^+]
 * (or it is empty), else quoted with Go's %q escapes, so a message is one line. */
static void log_text_value(struct out *f, const char *v)
{
	bool quote = false;
	for (const unsigned char *p = (const unsigned char *)v; *p && !quote; p++)
		quote = !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || strchr("-._/@^+", *p));
	if (!quote) {
		out_puts(f, v);
		return;
	}
	static const char ctl[] = "\a\b\f\n\r\t\v", letter[] = "abfnrtv";
	out_putc(f, '"');
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		const char *e = strchr(ctl, *p);
		if (*p == '"' || *p == '\\')
			out_printf(f, "\\%c", *p);
		else if (e)
			out_printf(f, "\\%c", letter[e - ctl]);
		else if (*p < 0x20 || *p == 0x7f)
			out_printf(f, "\\x%02x", *p);
		else
			out_putc(f, *p);
	}
	out_putc(f, '"');
}

/* One log line: logrus's JSON ({"level","msg","time"}) or text (time="" level= msg=)
 * layout, as runc writes them. Text without --log stays plain "level: msg". */
static void log_line(struct cli *c, const char *level, const char *msg)
{
	struct out *f = c->log ? c->log : &out_2;
	char ts[64]; /* "2026-12-07T17:22:37Z", as runc's logrus writes it */
	ctr_time_rfc3339(ts, sizeof(ts), 0);
	if (c->log_json) {
		out_printf(f, "{\"level\":\"%s\",\"msg\":\"", level);
		for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
			if (*p == '"' || *p == '\\')
				out_printf(f, "\\%c", *p);
			else if (*p < 0x20)
				out_printf(f, "\\u%04x", *p);
			else
				out_putc(f, *p);
		}
		out_printf(f, "\",\"time\":\"%s\"}\n", ts);
	} else if (c->log) {
		out_printf(f, "time=\"%s\" level=%s msg=", ts, level);
		log_text_value(f, msg);
		out_putc(f, '\n');
	}
	out_flush(f);
}

/* Report an error: to the log (if any), and always as plain text on stderr. */
__attribute__((format(printf, 2, 3)))
static void cli_error(struct cli *c, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	ctr_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->log || c->log_json)
		log_line(c, "error", msg);
	if (c->log || !c->log_json)
		out_printf(&out_2, "ctr: %s\n", msg);
}

static void cli_log_cb(void *arg, int level, const char *msg)
{
	struct cli *c = arg;
	static const char *const names[] = {"error", "warning", "info", "debug"};
	if (level == CTR_LOG_DEBUG && !c->debug)
		return;
	if (c->log || c->log_json)
		log_line(c, names[level & 3], msg);
	else
		out_printf(&out_2, "ctr: %s: %s\n", names[level & 3], msg);
}

/* ---------- flags: one table per command, one parser, the usage from the tables ---------- */

/* runc's flag syntax: --flag V, --flag=V, -flag V, -f V; booleans also --flag=true|false.
 * Each command's table says where every flag's value goes in the command's flag struct
 * (zeroed first, so 0/NULL is "not given"). */
enum opt_kind {
	OPT_BOOL,       /* int: 1, or 0 with --flag=false */
	OPT_STR,        /* const char * */
	OPT_CHOICE,     /* const char *, one of the words of its `a|b` placeholder */
	OPT_COUNT,      /* int, 0 or more */
	OPT_LIST,       /* struct strv: repeatable */
	OPT_JOIN,       /* char *: repeatable, the values joined with ',' */
	OPT_BYTES,      /* struct ctr_i64: "512m", "1.5g", "1024", -1 (Docker's RAMInBytes) */
	OPT_I64,        /* struct ctr_i64 */
	OPT_U64,        /* struct ctr_i64, 0 or more */
	OPT_DURATION,   /* long long milliseconds, > 0: Go's "5s", "1m30s", "500ms" */
	OPT_STOP,       /* int: set, and the flags end here (--help, --version) */
};

struct opt {
	const char *name;       /* long name, without dashes; NULL ends a table */
	char short_name;        /* 0 if none */
	enum opt_kind kind;
	size_t off;             /* of the destination in the command's flag struct */
	const char *help;       /* a leading `WORD` names the value in the usage */
};

#define OPT_END {NULL, 0, OPT_BOOL, 0, NULL}

struct strv {
	const char **v;         /* NULL-terminated once anything was added */
	size_t n;
};

static bool opt_has_arg(const struct opt *o)
{
	return o->kind != OPT_BOOL && o->kind != OPT_STOP;
}

/* The value's name in the usage: the help's leading `WORD`, else one by kind. Returns
 * the help text after it. */
static const char *opt_meta(const struct opt *o, char *buf, size_t size)
{
	const char *e = o->help[0] == '`' ? strchr(o->help + 1, '`') : NULL;
	if (e) {
		ctr_snprintf(buf, size, "%.*s", (int)(e - o->help - 1), o->help + 1);
		return e + 1 + (e[1] == ' ');
	}
	else
		ctr_snprintf(buf, size, "%s", o->kind == OPT_DURATION ? "DURATION" :
			 o->kind == OPT_BYTES ? "BYTES" : o->kind == OPT_STR || o->kind == OPT_LIST ||
			 o->kind == OPT_JOIN ? "VALUE" : "N");
	return o->help;
}

/* The flag of word a ("--name", "-name", "-n", "--name=v") in tables, or NULL. */
static const struct opt *opt_find(const struct opt *const *tables, const char *a)
{
	const char *name = a + 1 + (a[1] == '-');
	size_t nlen = strcspn(name, "=");
	for (int t = 0; t < 2 && tables[t]; t++)
		for (const struct opt *o = tables[t]; o->name; o++)
			if ((strlen(o->name) == nlen && strncmp(o->name, name, nlen) == 0) ||
			    (o->short_name && nlen == 1 && name[0] == o->short_name && a[1] != '-'))
				return o;
	return NULL;
}

static bool opt_is_flag_word(const char *a)
{
	/* "-" is a positional; so is a negative number (a signal or value like -1) */
	return a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9');
}

/* Docker's RAMInBytes: "512m", "1.5g", "1024", "2KiB"; binary units. "-1" passes. */
static int parse_ram(const char *s, long long *out)
{
	if (!strcmp(s, "-1")) {
		*out = -1;
		return 0;
	}
	char *end;
	errno = 0;
	double v = ctr_strtod(s, &end);
	if (errno || end == s || v < 0 || *s < '0' || *s > '9')
		return -1;
	if (*end == ' ')
		end++;
	static const char units[] = "kmgtp";
	const char *u = *end ? strchr(units, *end | 0x20) : NULL;
	if (u) {
		for (long i = 0; i <= u - units; i++)
			v *= 1024;
		end++;
		if (*end == 'i' || *end == 'I')
			end++;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end || v > 9.2e18)
		return -1;
	*out = (long long)v;
	return 0;
}

/* A Go duration ("5s", "1m30s", "500ms", "1.5h") in milliseconds; -1 if malformed. */
static long long parse_duration_ms(const char *s)
{
	static const struct { const char *u; double ms; } units[] = {
		{"ns", 1e-6}, {"us", 1e-3}, {"\xc2\xb5s", 1e-3}, {"ms", 1}, {"s", 1000},
		{"m", 60000}, {"h", 3600000}};
	double total = 0;
	if (!*s)
		return -1;
	if (!strcmp(s, "0"))
		return 0;
	while (*s) {
		char *end;
		double v = ctr_strtod(s, &end);
		if (end == s || v < 0 || *s == '-' || *s == '+')
			return -1;
		size_t best = 0, best_len = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].u);
			if (!strncmp(end, units[i].u, l) && l > best_len)
				best = i, best_len = l;
		}
		if (!best_len)
			return -1;
		total += v * units[best].ms;
		s = end + best_len;
	}
	return total > 9e15 ? -1 : (long long)total;
}

/* A whole number of kind o->kind: -1 if malformed or out of its range. */
static int opt_number(const struct opt *o, const char *v, long long *out)
{
	if (o->kind == OPT_BYTES)
		return parse_ram(v, out);
	if (o->kind == OPT_DURATION)
		return (*out = parse_duration_ms(v)) > 0 ? 0 : -1;
	char *end;
	errno = 0;
	*out = ctr_strtoll(v, &end);
	if (errno || *end || !*v || (o->kind != OPT_I64 && *out < 0) ||
	    (o->kind == OPT_COUNT && *out > INT_MAX))
		return -1;
	return 0;
}

/* Store v (NULL for a bare boolean) as flag o's value in dest; -1 after a message. */
static int opt_store(struct cli *c, const struct opt *o, const char *v, void *dest)
{
	char *at = (char *)dest + o->off, meta[64];
	long long n;
	switch (o->kind) {
	case OPT_BOOL:
	case OPT_STOP:
		*(int *)at = !v || (strcmp(v, "false") && strcmp(v, "0"));
		return 0;
	case OPT_STR:
		*(const char **)at = v;
		return 0;
	case OPT_CHOICE:
		opt_meta(o, meta, sizeof(meta));
		for (const char *w = meta; *w; w += strcspn(w, "|"), w += *w == '|')
			if (strcspn(w, "|") == strlen(v) && !strncmp(w, v, strlen(v))) {
				*(const char **)at = v;
				return 0;
			}
		cli_error(c, "%s: invalid value \"%s\" for flag --%s (want %s)", c->cmd, v, o->name, meta);
		return -1;
	case OPT_LIST: {
		struct strv *l = (struct strv *)at;
		const char **nv = realloc(l->v, (l->n + 2) * sizeof(*nv));
		if (!nv)
			break;
		nv[l->n++] = v;
		nv[l->n] = NULL;
		l->v = nv;
		return 0;
	}
	case OPT_JOIN: {
		char **s = (char **)at;
		size_t len = *s ? strlen(*s) + 1 : 0;
		char *ns = realloc(*s, len + strlen(v) + 1);
		if (!ns)
			break;
		if (len)
			ns[len - 1] = ',';
		strcpy(ns + len, v);
		*s = ns;
		return 0;
	}
	default:
		if (opt_number(o, v, &n) < 0) {
			cli_error(c, "%s: invalid value \"%s\" for flag --%s", c->cmd, v, o->name);
			return -1;
		}
		if (o->kind == OPT_COUNT)
			*(int *)at = (int)n;
		else if (o->kind == OPT_DURATION)
			*(long long *)at = n;
		else
			*(struct ctr_i64 *)at = (struct ctr_i64){.set = 1, .value = n};
		return 0;
	}
	cli_error(c, "out of memory");
	return -1;
}

/* Free what opt_store allocated in dest. */
static void opt_release(const struct opt *const *tables, void *dest)
{
	for (int t = 0; t < 2 && tables[t]; t++)
		for (const struct opt *o = tables[t]; o->name; o++)
			if (o->kind == OPT_LIST)
				free(((struct strv *)((char *)dest + o->off))->v);
			else if (o->kind == OPT_JOIN)
				free(*(char **)((char *)dest + o->off));
}

/* argv[i] is a positional: move the next flag word after it (with its value, or the "--")
 * in front of it, as runc's CLI reorders its arguments. False if no flag follows. */
static bool opt_hoist(const struct opt *const *tables, int argc, char **argv, int i)
{
	int j = i + 1;
	while (j < argc && !opt_is_flag_word(argv[j]))
		j++;
	if (j >= argc)
		return false;
	const char *a = argv[j];
	const struct opt *o = strcmp(a, "--") ? opt_find(tables, a) : NULL;
	int n = o && opt_has_arg(o) && !strchr(a, '=') && j + 1 < argc ? 2 : 1;
	char *moved[2] = {argv[j], n == 2 ? argv[j + 1] : NULL};
	memmove(argv + i + n, argv + i, (size_t)(j - i) * sizeof(char *));
	for (int m = 0; m < n; m++)
		argv[i + m] = moved[m];
	return true;
}

/* Parse the flags of argv[1..] into dest. With permute, flags after positionals are
 * taken too (runc: every command but exec and ps). Returns the index of the first
 * positional, or -1 after a message, or -2 after an OPT_STOP flag. */
static int opt_parse(struct cli *c, const struct opt *const *tables, bool permute,
		     void *dest, int argc, char **argv)
{
	int i = 1;
	while (i < argc) {
		const char *a = argv[i];
		if ((a[0] != '-' || a[1] == 0) && !(permute && opt_hoist(tables, argc, argv, i)))
			break;
		a = argv[i++];
		if (strcmp(a, "--") == 0)
			break;
		const struct opt *o = opt_find(tables, a);
		const char *eq = strchr(a, '='), *v = eq ? eq + 1 : NULL;
		if (!o) {
			cli_error(c, "%s: flag provided but not defined: %s", c->cmd, a);
			return -1;
		}
		if (opt_has_arg(o) && !v) {
			if (i >= argc) {
				cli_error(c, "%s: flag needs an argument: %s", c->cmd, a);
				return -1;
			}
			v = argv[i++];
		}
		if (!opt_has_arg(o) && v && strcmp(v, "true") && strcmp(v, "false") &&
		    strcmp(v, "1") && strcmp(v, "0")) {
			cli_error(c, "%s: invalid boolean value for %s", c->cmd, a);
			return -1;
		}
		if (opt_store(c, o, v, dest) < 0)
			return -1;
		if (o->kind == OPT_STOP)
			return -2;
	}
	return i;
}

/* The left column of a flag's usage line: "  -b, --bundle DIR". */
static int opt_left(const struct opt *o, char *buf, size_t size)
{
	char meta[64] = "";
	if (opt_has_arg(o))
		opt_meta(o, meta, sizeof(meta));
	return ctr_snprintf(buf, size, "  %c%c%c --%s%s%s", o->short_name ? '-' : ' ',
			o->short_name ? o->short_name : ' ', o->short_name ? ',' : ' ', o->name,
			*meta ? " " : "", meta);
}

/* The flag lines of a usage, the help texts aligned after the widest flag. */
static void usage_flags(struct out *f, const struct opt *const *tables)
{
	char left[128];
	int width = 0;
	for (int t = 0; t < 2 && tables[t]; t++)
		for (const struct opt *o = tables[t]; o->name; o++) {
			int w = opt_left(o, left, sizeof(left));
			width = w > width ? w : width;
		}
	for (int t = 0; t < 2 && tables[t]; t++)
		for (const struct opt *o = tables[t]; o->name; o++) {
			opt_left(o, left, sizeof(left));
			out_printf(f, "%-*s  ", width, left);
			for (const char *h = opt_meta(o, left, sizeof(left)); *h; h++)
				if (*h == '\n')
					out_printf(f, "\n%-*s  ", width, "");
				else
					out_putc(f, *h);
			out_putc(f, '\n');
		}
}

/* Print "ctr: <message>" and the command's usage to stderr (defined with the table). */
static void usage_error(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The library's error, as the command's failure: exit status 1. */
static int fail(struct cli *c, const struct ctr_error *err)
{
	cli_error(c, "%s", err->msg);
	return 1;
}

/* The JSON text the library made in *json (rc: its return) printed on a line, and freed. */
static int print_json(struct cli *c, int rc, char **json, const struct ctr_error *err)
{
	if (rc < 0)
		return fail(c, err);
	out_line(*json);
	free(*json);
	return 0;
}

/* ---------- spec and check ---------- */

struct bundle_flags {
	const char *bundle;
	int rootless;           /* spec */
	const char *arch;       /* check */
	int quiet;              /* check */
};

static const struct opt bundle_opts[] = {
	{"bundle", 'b', OPT_STR, offsetof(struct bundle_flags, bundle),
	 "`DIR` the bundle directory (default: the current directory)"},
	OPT_END,
};
static const struct opt spec_opts[] = {
	{"rootless", 0, OPT_BOOL, offsetof(struct bundle_flags, rootless),
	 "a config for running as an unprivileged user"},
	OPT_END,
};
static const struct opt check_opts[] = {
	{"arch", 0, OPT_STR, offsetof(struct bundle_flags, arch),
	 "`ARCH` the programs' target: x86_64 i386 armhf aarch64 mips mipsel\n"
	 "riscv64 (default: the one ctr was built for, and i386 on\n"
	 "x86_64, armhf on aarch64; \"\": any)"},
	{"quiet", 'q', OPT_BOOL, offsetof(struct bundle_flags, quiet), "print nothing when clean"},
	OPT_END,
};

static int cmd_spec(struct cli *c, void *flags, int argc, char **argv)
{
	(void)argc, (void)argv;
	struct bundle_flags *f = flags;
	struct ctr_error err = {0};
	if (ctr_spec_write(f->bundle ? f->bundle : ".", f->rootless, &err) < 0)
		return fail(c, &err);
	return 0;
}

static void check_print(void *arg, const char *problem)
{
	(void)arg;
	out_line(problem);
}

static int cmd_check(struct cli *c, void *flags, int argc, char **argv)
{
	(void)argc, (void)argv;
	struct bundle_flags *f = flags;
	struct ctr_error err = {0};
	char summary[512];
	struct ctr_check_args a = {.summary = summary, .summary_size = sizeof(summary),
				   .arch = f->arch};
	int n = ctr_check_with(f->bundle ? f->bundle : ".", &a, check_print, NULL, &err);
	if (n < 0)
		cli_error(c, "%s", err.msg);
	else if (n == 0 && !f->quiet)
		out_printf(&out_1, "config.json: ok (%s)\n", summary);
	return n != 0;
}

/* ---------- lifecycle commands: create, start, run, kill, delete, state, list ---------- */

struct run_flags {
	struct ctr_create_args a;
	int detach, keep, no_subreaper;
};

static const struct opt create_opts[] = {
	{"bundle", 'b', OPT_STR, offsetof(struct run_flags, a.bundle),
	 "`DIR` the bundle directory (default: the current directory)"},
	{"pid-file", 0, OPT_STR, offsetof(struct run_flags, a.pid_file),
	 "`FILE` write the init's host PID there"},
	{"console-socket", 0, OPT_STR, offsetof(struct run_flags, a.console_socket),
	 "`PATH` send the pty master to this AF_UNIX socket"},
	{"no-pivot", 0, OPT_BOOL, offsetof(struct run_flags, a.no_pivot),
	 "MS_MOVE and chroot instead of pivot_root (a ramdisk root)"},
	{"no-new-keyring", 0, OPT_BOOL, offsetof(struct run_flags, a.no_new_keyring),
	 "keep the caller's session keyring"},
	{"preserve-fds", 0, OPT_COUNT, offsetof(struct run_flags, a.preserve_fds),
	 "pass N more fds (from 3 on) to the process"},
	OPT_END,
};
static const struct opt run_opts[] = {
	{"detach", 'd', OPT_BOOL, offsetof(struct run_flags, detach),
	 "return once started, leave the container running"},
	{"keep", 0, OPT_BOOL, offsetof(struct run_flags, keep),
	 "do not delete the container when it exits"},
	/* accepted: ctr only subreaps in the foreground */
	{"no-subreaper", 0, OPT_BOOL, offsetof(struct run_flags, no_subreaper),
	 "accepted for runc compatibility"},
	OPT_END,
};

static int cmd_create(struct cli *c, void *flags, int argc, char **argv)
{
	(void)argc;
	struct run_flags *f = flags;
	struct ctr_error err = {0};
	if (ctr_create(&c->opts, argv[0], &f->a, NULL, &err) < 0)
		return fail(c, &err);
	return 0;
}

/* Foreground run: ctr is the init's parent and a subreaper; the relay takes the blocked
 * signals (SIGCHLD reaps, SIGWINCH resizes the pty, the rest go to the init), relays a
 * terminal (master >= 0) and restores ours. */
static int run_foreground(struct cli *c, const char *id, pid_t init, bool keep, int master)
{
	struct ctr_error err = {0};
	struct ctr_relay_args r = {.pid = init, .master = master, .in_fd = 0, .out_fd = 1,
				   .flags = CTR_RELAY_REAP_ANY};
	int code = 1;
	bool reaped = ctr_relay_tty(&r, &code, &err) == 0;
	if (!reaped)
		cli_error(c, "%s", err.msg);
	if (master >= 0)
		close(master);
	if (!keep && ctr_delete(&c->opts, id, CTR_DELETE_FORCE, &err) < 0)
		cli_error(c, "%s", err.msg);
	/* the relay reaped the init: the kept container's state says how it ended */
	if (keep && reaped && ctr_record_exit(&c->opts, id, init, code, &err) < 0)
		cli_error(c, "%s", err.msg);
	return code;
}

static int cmd_run(struct cli *c, void *flags, int argc, char **argv)
{
	(void)argc;
	struct run_flags *f = flags;
	const char *id = argv[0];
	if (!f->detach) {
		/* before create: a signal sent meanwhile waits for the init to exist */
		sigset_t all;
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
	}
	struct ctr_error err = {0};
	pid_t init = 0;
	int master = -1;
	if (!f->detach && !f->a.console_socket)
		f->a.pty_master = &master; /* used only if the config asks for a terminal */
	if (ctr_create(&c->opts, id, &f->a, &init, &err) < 0)
		return fail(c, &err);
	if (ctr_start(&c->opts, id, &err) < 0) {
		cli_error(c, "%s", err.msg);
		if (master >= 0)
			close(master);
		ctr_delete(&c->opts, id, CTR_DELETE_FORCE, &err);
		if (!f->detach)
			waitpid(init, NULL, WNOHANG);
		return 1;
	}
	return f->detach ? 0 : run_foreground(c, id, init, f->keep, master);
}

/* start, state, pause, resume: no flags, the id only */
static int cmd_start(struct cli *c, void *flags, int argc, char **argv)
{
	(void)flags, (void)argc;
	struct ctr_error err = {0};
	return ctr_start(&c->opts, argv[0], &err) < 0 ? fail(c, &err) : 0;
}

static int cmd_pause(struct cli *c, void *flags, int argc, char **argv)
{
	(void)flags, (void)argc;
	struct ctr_error err = {0};
	return ctr_pause(&c->opts, argv[0], &err) < 0 ? fail(c, &err) : 0;
}

static int cmd_resume(struct cli *c, void *flags, int argc, char **argv)
{
	(void)flags, (void)argc;
	struct ctr_error err = {0};
	return ctr_resume(&c->opts, argv[0], &err) < 0 ? fail(c, &err) : 0;
}

struct kill_flags {
	int all;
};
static const struct opt kill_opts[] = {
	{"all", 'a', OPT_BOOL, offsetof(struct kill_flags, all),
	 "signal every process in the container, not only its init"},
	OPT_END,
};

static int cmd_kill(struct cli *c, void *flags, int argc, char **argv)
{
	struct kill_flags *f = flags;
	int sig = SIGTERM;
	struct ctr_error err = {0};
	if (argc == 2 && ctr_signal_parse(argv[1], &sig, &err) < 0)
		return fail(c, &err);
	return ctr_kill(&c->opts, argv[0], sig, f->all ? CTR_KILL_ALL : 0, &err) < 0 ? fail(c, &err) : 0;
}

struct delete_flags {
	int force;
};
static const struct opt delete_opts[] = {
	{"force", 'f', OPT_BOOL, offsetof(struct delete_flags, force),
	 "kill a running container first"},
	OPT_END,
};

static int cmd_delete(struct cli *c, void *flags, int argc, char **argv)
{
	(void)argc;
	struct delete_flags *f = flags;
	struct ctr_error err = {0};
	unsigned how = f->force ? CTR_DELETE_FORCE : 0;
	return ctr_delete(&c->opts, argv[0], how, &err) < 0 ? fail(c, &err) : 0;
}

static int cmd_state(struct cli *c, void *flags, int argc, char **argv)
{
	(void)flags, (void)argc;
	struct ctr_error err = {0};
	struct ctr_state st;
	if (ctr_state(&c->opts, argv[0], &st, &err) < 0)
		return fail(c, &err);
	/* runc's `state` leaves owner empty; `list` names the user */
	char *owner = st.owner, empty[1] = "", *json = NULL;
	st.owner = empty;
	int rc = ctr_state_json(&st, "  ", &json, &err);
	st.owner = owner;
	ctr_state_release(&st);
	if (rc < 0)
		return fail(c, &err);
	out_printf(&out_1, "%s\n", json);
	free(json);
	return 0;
}

/* Go's tabwriter as runc sets it up (minwidth 12, padding 3, spaces): every column but
 * the last is as wide as its widest cell + 3, at least 12. */
static void print_table(char *const *cells, size_t rows, size_t cols)
{
	size_t width[8] = {0};
	for (size_t r = 0; r < rows; r++)
		for (size_t k = 0; k + 1 < cols; k++) {
			size_t w = strlen(cells[r * cols + k]) + 3;
			if (w > width[k])
				width[k] = w;
		}
	/* fwrite, not printf per cell: `list` prints a row per container */
	static const char spaces[16] = "                ";
	for (size_t r = 0; r < rows; r++) {
		for (size_t k = 0; k < cols; k++) {
			const char *s = cells[r * cols + k];
			size_t len = strlen(s), pad = width[k] < 12 ? 12 : width[k];
			out_write(&out_1, s, len);
			for (pad = k + 1 < cols && pad > len ? pad - len : 0; pad; pad -= len)
				out_write(&out_1, spaces, len = pad < sizeof(spaces) ? pad : sizeof(spaces));
			if (k + 1 == cols)
				out_putc(&out_1, '\n');
		}
	}
}

/* runc's list table: ID PID STATUS BUNDLE CREATED OWNER. */
static int list_table(struct cli *c, const struct ctr_state *v, size_t n)
{
	size_t rows = n + 1;
	char **cells = calloc(rows * 6, sizeof(char *));
	char (*pids)[16] = calloc(rows, 16);
	if (!cells || !pids) {
		free(cells);
		free(pids);
		cli_error(c, "out of memory");
		return 1;
	}
	static const char *const head[] = {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"};
	for (size_t k = 0; k < 6; k++)
		cells[k] = (char *)head[k];
	for (size_t i = 0; i < n; i++) {
		char **row = cells + (i + 1) * 6;
		/* the digits by hand: snprintf is most of the table's cost */
		char *d = pids[i] + 15;
		unsigned long u = v[i].pid > 0 ? (unsigned long)v[i].pid : 0;
		do
			*--d = (char)('0' + u % 10);
		while ((u /= 10));
		memmove(pids[i], d, (size_t)(pids[i] + 16 - d)); /* with the calloc'd NUL */
		row[0] = (char *)v[i].id;
		row[1] = pids[i];
		row[2] = (char *)ctr_status_name(v[i].status);
		row[3] = v[i].bundle;
		row[4] = (char *)v[i].created;
		row[5] = v[i].owner;
	}
	print_table(cells, rows, 6);
	free(cells);
	free(pids);
	return 0;
}

struct list_flags {
	const char *format;
	int quiet;
};
static const struct opt list_opts[] = {
	{"format", 'f', OPT_CHOICE, offsetof(struct list_flags, format),
	 "`table|json` output format (default: table)"},
	{"quiet", 'q', OPT_BOOL, offsetof(struct list_flags, quiet), "only the ids"},
	OPT_END,
};

static int cmd_list(struct cli *c, void *flags, int argc, char **argv)
{
	(void)argc, (void)argv;
	struct list_flags *f = flags;
	struct ctr_error err = {0};
	struct ctr_state *v = NULL;
	size_t n = 0;
	char *js = NULL;
	if (ctr_list(&c->opts, &v, &n, &err) < 0)
		return fail(c, &err);
	int rc = 0;
	if (f->quiet)
		for (size_t i = 0; i < n; i++)
			out_printf(&out_1, "%s\n", v[i].id);
	else if (f->format && !strcmp(f->format, "json"))
		rc = print_json(c, ctr_list_json(v, n, &js, &err), &js, &err);
	else
		rc = list_table(c, v, n);
	ctr_list_release(v, n);
	return rc;
}

/* ---------- cgroup commands: ps, update, events ---------- */

struct ps_flags {
	const char *format;
};
static const struct opt ps_opts[] = {
	{"format", 'f', OPT_CHOICE, offsetof(struct ps_flags, format),
	 "`table|json` output format (default: table; json: the host PIDs)"},
	OPT_END,
};

static int cmd_ps(struct cli *c, void *flags, int argc, char **argv)
{
	struct ps_flags *f = flags;
	struct ctr_error err = {0};
	char *out = NULL;
	(void)argc;
	if (f->format && !strcmp(f->format, "json"))
		return print_json(c, ctr_ps_json(&c->opts, argv[0], &out, &err), &out, &err);
	/* argv is NULL-terminated: the words after the id are ps's */
	if (ctr_ps_table(&c->opts, argv[0], (const char *const *)argv + 1, &out, &err) < 0)
		return fail(c, &err);
	out_puts(&out_1, out);
	free(out);
	return 0;
}

struct update_flags {
	struct ctr_resources r;
	const char *file;
};
#define UPD(field) offsetof(struct update_flags, r.field)
static const struct opt update_opts[] = {
	{"resources", 'r', OPT_STR, offsetof(struct update_flags, file),
	 "`FILE` a LinuxResources JSON file (\"-\": stdin); ignores the other flags"},
	{"memory", 0, OPT_BYTES, UPD(memory_limit), "memory limit (512m, 1g; -1: none)"},
	{"memory-swap", 0, OPT_BYTES, UPD(memory_swap), "memory + swap limit"},
	{"memory-reservation", 0, OPT_BYTES, UPD(memory_reservation), "memory soft limit"},
	{"kernel-memory", 0, OPT_BYTES, UPD(kernel_memory), "kernel memory limit (cgroup v1)"},
	{"kernel-memory-tcp", 0, OPT_BYTES, UPD(kernel_memory_tcp),
	 "kernel TCP buffer limit (cgroup v1)"},
	{"cpu-shares", 0, OPT_U64, UPD(cpu_shares), "CPU shares (relative weight)"},
	{"cpu-quota", 0, OPT_I64, UPD(cpu_quota), "CPU time per period, microseconds"},
	{"cpu-period", 0, OPT_U64, UPD(cpu_period), "CPU CFS period, microseconds"},
	{"cpu-rt-period", 0, OPT_U64, UPD(cpu_rt_period), "realtime period, microseconds"},
	{"cpu-rt-runtime", 0, OPT_I64, UPD(cpu_rt_runtime), "realtime runtime, microseconds"},
	{"cpuset-cpus", 0, OPT_STR, UPD(cpuset_cpus), "`LIST` the CPUs to run on (0-3,5)"},
	{"cpuset-mems", 0, OPT_STR, UPD(cpuset_mems), "`LIST` the memory nodes to use"},
	{"pids-limit", 0, OPT_I64, UPD(pids_limit), "maximum number of processes"},
	{"blkio-weight", 0, OPT_U64, UPD(blkio_weight), "block IO weight (10-1000)"},
	OPT_END,
};

static int cmd_update(struct cli *c, void *flags, int argc, char **argv)
{
	(void)argc;
	struct update_flags *f = flags;
	struct ctr_error err = {0};
	if (!f->file)
		return ctr_update_resources(&c->opts, argv[0], &f->r, &err) < 0 ? fail(c, &err) : 0;
	/* runc: with -r the other flags are ignored */
	char *json = NULL;
	if (ctr_read_file(f->file, &json, &err) < 0) {
		cli_error(c, "update: %s", err.msg);
		return 1;
	}
	int rc = ctr_update(&c->opts, argv[0], json, &err);
	free(json);
	return rc < 0 ? fail(c, &err) : 0;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* events' stream: stats every interval, an oom event whenever the kernel reports one;
 * ends when the container stops or is deleted. Takes js (the first stats line). */
static int events_stream(struct cli *c, const char *id, long long interval, char *js)
{
	struct ctr_error err = {0};
	struct ctr_watch *w = NULL;
	if (ctr_watch_open(&c->opts, id, &w, &err) < 0) {
		free(js);
		return fail(c, &err);
	}
	int rc = 0;
	while (js) {
		out_line(js);
		out_flush(&out_1);
		free(js);
		js = NULL;
		int ev;
		long long due = now_ms() + interval;
		while ((ev = ctr_watch_next(w, (int)(due > now_ms() ? due - now_ms() : 0), &err)) ==
		       CTR_WATCH_OOM) {
			char *oom = NULL;
			if ((rc = print_json(c, ctr_oom_event_json(id, &oom, &err), &oom, &err)))
				break;
			out_flush(&out_1);
		}
		if (ev < 0)
			rc = fail(c, &err);
		if (ev != CTR_WATCH_TIMEOUT || ctr_stats_json(&c->opts, id, &js, &err) < 0)
			break;
	}
	ctr_watch_close(w);
	return rc;
}

struct events_flags {
	int stats;
	long long interval;     /* ms; 0: the default, 5 s */
};
static const struct opt events_opts[] = {
	{"stats", 0, OPT_BOOL, offsetof(struct events_flags, stats), "print one stats event and exit"},
	{"interval", 0, OPT_DURATION, offsetof(struct events_flags, interval),
	 "stats every DURATION (default 5s)"},
	OPT_END,
};

static int cmd_events(struct cli *c, void *flags, int argc, char **argv)
{
	(void)argc;
	struct events_flags *f = flags;
	struct ctr_error err = {0};
	char *js = NULL;
	if (ctr_stats_json(&c->opts, argv[0], &js, &err) < 0)
		return fail(c, &err);
	if (!f->stats)
		return events_stream(c, argv[0], f->interval ? f->interval : 5000, js);
	out_line(js);
	free(js);
	return 0;
}

/* ---------- exec ---------- */

struct exec_flags {
	struct ctr_exec_args a;
	const char *process;
	int detach;
	struct strv env, caps, cgroups;
	char *gids;
};
#define EXF(field) offsetof(struct exec_flags, field)
static const struct opt exec_opts[] = {
	{"process", 'p', OPT_STR, EXF(process),
	 "`FILE` the process from an OCI process JSON file, not COMMAND"},
	{"tty", 't', OPT_BOOL, EXF(a.tty), "allocate a pseudo-terminal"},
	{"detach", 'd', OPT_BOOL, EXF(detach), "return once the process runs"},
	{"pid-file", 0, OPT_STR, EXF(a.pid_file), "`FILE` write the process's host PID there"},
	{"console-socket", 0, OPT_STR, EXF(a.console_socket),
	 "`PATH` send the pty master to this AF_UNIX socket"},
	{"env", 'e', OPT_LIST, EXF(env), "`KEY=VALUE` add to the environment (repeatable)"},
	{"cwd", 0, OPT_STR, EXF(a.cwd), "`DIR` the working directory"},
	{"user", 'u', OPT_STR, EXF(a.user), "`UID[:GID]` run as this user (and group)"},
	{"additional-gids", 'g', OPT_JOIN, EXF(gids), "`G[,G...]` more groups (repeatable)"},
	{"cap", 'c', OPT_LIST, EXF(caps), "`CAP` add this capability (repeatable)"},
	{"no-new-privs", 0, OPT_BOOL, EXF(a.no_new_privs), "set no_new_privileges"},
	{"apparmor", 0, OPT_STR, EXF(a.apparmor), "`PROFILE` the AppArmor profile"},
	{"process-label", 0, OPT_STR, EXF(a.process_label), "`LABEL` the SELinux label"},
	{"preserve-fds", 0, OPT_COUNT, EXF(a.preserve_fds),
	 "pass N more fds (from 3 on) to the process"},
	{"ignore-paused", 0, OPT_BOOL, EXF(a.ignore_paused),
	 "exec into a paused container too: the process waits, frozen,\n"
	 "until \"ctr resume\" (ctr exec -d returns at once)"},
	{"cgroup", 0, OPT_LIST, EXF(cgroups),
	 "`[CTL[,CTL]:]SUB` run it in this existing sub-cgroup of the container's;\n"
	 "CTL[,CTL]:SUB per controller on cgroup v1 (repeatable)"},
	OPT_END,
};

/* runc's exec: flags, then the ID, then the command (unless -p gives the process).
 * Exit status: the process's in the foreground, 255 when the exec itself fails. */
static int cmd_exec(struct cli *c, void *flags, int argc, char **argv)
{
	struct exec_flags *f = flags;
	struct ctr_exec_args *a = &f->a;
	struct ctr_error err = {0};
	if (!f->process && argc < 2) {
		usage_error(c, "exec: requires the container id and a command (or --process)");
		return 1;
	}
	if (f->detach && a->tty && !a->console_socket) {
		cli_error(c, "exec: cannot allocate a tty when detached without --console-socket");
		return 1;
	}
	if (a->console_socket && !a->tty && !f->process) {
		cli_error(c, "exec: --console-socket needs --tty");
		return 1;
	}
	char *process_json = NULL;
	if (f->process && ctr_read_file(f->process, &process_json, &err) < 0) {
		cli_error(c, "exec: %s", err.msg);
		return 1;
	}
	a->process_json = process_json;
	a->args = (const char *const *)argv + 1;
	a->env = f->env.v;
	a->caps = f->caps.v;
	a->cgroups = f->cgroups.v;
	a->additional_gids = f->gids;
	int master = -1, rc = 255;
	if (!f->detach && !a->console_socket)
		a->pty_master = &master;
	/* before the process exists: a signal sent meanwhile waits for it */
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	struct ctr_relay_args r = {.master = -1, .in_fd = 0, .out_fd = 1};
	if (ctr_exec(&c->opts, argv[0], a, &r.pid, &err) < 0) {
		cli_error(c, "exec failed: %s", err.msg);
	} else if (f->detach) {
		rc = 0;
	} else {
		r.master = master;
		if (ctr_relay_tty(&r, &rc, &err) < 0)
			cli_error(c, "%s", err.msg);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (master >= 0)
		close(master);
	free(process_json);
	return rc;
}

/* ---------- features ---------- */

/* ---------- checkpoint and restore (runc's flags) ---------- */

struct checkpoint_flags { struct ctr_checkpoint_args a; };
struct restore_flags { struct ctr_restore_args a; int detach, no_subreaper, no_pivot; };
#define CKF(m) offsetof(struct checkpoint_flags, a.m)
#define RSF(m) offsetof(struct restore_flags, a.m)
static const struct opt checkpoint_opts[] = {
	{"image-path", 0, OPT_STR, CKF(image_path), "`DIR` images go here (default ./checkpoint)"},
	{"work-path", 0, OPT_STR, CKF(work_path), "`DIR` criu's log and work files"},
	{"parent-path", 0, OPT_STR, CKF(parent_path), "`DIR` a pre-dump's images"},
	{"leave-running", 0, OPT_BOOL, CKF(leave_running), "keep the container running"},
	{"pre-dump", 0, OPT_BOOL, CKF(pre_dump), "dump only the memory"},
	{"tcp-established", 0, OPT_BOOL, CKF(tcp_established), "allow open tcp connections"},
	{"ext-unix-sk", 0, OPT_BOOL, CKF(ext_unix_sk), "allow external unix sockets"},
	{"shell-job", 0, OPT_BOOL, CKF(shell_job), "allow shell jobs"},
	{"lazy-pages", 0, OPT_BOOL, CKF(lazy_pages), "use userfaultfd to lazily restore memory"},
	{"page-server", 0, OPT_STR, CKF(page_server), "`ADDRESS:PORT` of a criu page server"},
	{"file-locks", 0, OPT_BOOL, CKF(file_locks), "handle file locks"},
	{"manage-cgroups-mode", 0, OPT_STR, CKF(manage_cgroups_mode), "`MODE` soft, full, strict or ignore"},
	{"empty-ns", 0, OPT_STR, CKF(empty_ns), "`TYPE` network: do not dump that namespace"},
	{"auto-dedup", 0, OPT_BOOL, CKF(auto_dedup), "deduplicate the images"},
	OPT_END,
};
static const struct opt restore_opts[] = {
	{"image-path", 0, OPT_STR, RSF(image_path), "`DIR` a checkpoint's images (default ./checkpoint)"},
	{"work-path", 0, OPT_STR, RSF(work_path), "`DIR` criu's log and work files"},
	{"bundle", 'b', OPT_STR, RSF(bundle), "`DIR` bundle directory (default: current directory)"},
	{"detach", 'd', OPT_BOOL, offsetof(struct restore_flags, detach), "do not wait for the container"},
	{"pid-file", 0, OPT_STR, RSF(pid_file), "`FILE` write the restored init's pid here"},
	{"console-socket", 0, OPT_STR, RSF(console_socket), "`PATH` gets the new pty's master"},
	{"no-subreaper", 0, OPT_BOOL, offsetof(struct restore_flags, no_subreaper), "accepted for runc"},
	{"no-pivot", 0, OPT_BOOL, offsetof(struct restore_flags, no_pivot), "accepted for runc (criu sets the root up)"},
	{"tcp-established", 0, OPT_BOOL, RSF(tcp_established), "allow open tcp connections"},
	{"ext-unix-sk", 0, OPT_BOOL, RSF(ext_unix_sk), "allow external unix sockets"},
	{"shell-job", 0, OPT_BOOL, RSF(shell_job), "allow shell jobs"},
	{"file-locks", 0, OPT_BOOL, RSF(file_locks), "handle file locks"},
	{"manage-cgroups-mode", 0, OPT_STR, RSF(manage_cgroups_mode), "`MODE` soft, full, strict or ignore"},
	{"lazy-pages", 0, OPT_BOOL, RSF(lazy_pages), "use userfaultfd to lazily restore memory"},
	{"empty-ns", 0, OPT_STR, RSF(empty_ns), "`TYPE` network: restore into an empty one"},
	{"auto-dedup", 0, OPT_BOOL, RSF(auto_dedup), "deduplicate the images"},
	OPT_END,
};

static int cmd_checkpoint(struct cli *c, void *flags, int argc, char **argv)
{
	(void)argc;
	struct checkpoint_flags *f = flags;
	f->a.criu_path = c->criu;
	struct ctr_error err = {0};
	return ctr_checkpoint(&c->opts, argv[0], &f->a, &err) < 0 ? fail(c, &err) : 0;
}

/* In the foreground (no --detach) ctr waits for the restored init as `run` does. */
static int cmd_restore(struct cli *c, void *flags, int argc, char **argv)
{
	(void)argc;
	struct restore_flags *f = flags;
	f->a.criu_path = c->criu;
	if (!f->detach) {
		sigset_t all;
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
	}
	struct ctr_error err = {0};
	pid_t pid = 0;
	if (ctr_restore(&c->opts, argv[0], &f->a, &pid, &err) < 0)
		return fail(c, &err);
	return f->detach ? 0 : run_foreground(c, argv[0], pid, false, -1);
}

static int cmd_features(struct cli *c, void *flags, int argc, char **argv)
{
	(void)flags, (void)argc, (void)argv;
	struct ctr_error err = {0};
	char *json = NULL;
	if (ctr_features_json(&json, &err) < 0)
		return fail(c, &err);
	out_puts(&out_1, json);
	free(json);
	return 0;
}

/* ---------- commands, global flags, main ---------- */

static const struct opt no_opts[] = {OPT_END};

struct command {
	const char *name;
	/* argv: the positional arguments (argc of them, NULL-terminated), flags: the filled
	 * flag struct; returns the exit status */
	int (*fn)(struct cli *c, void *flags, int argc, char **argv);
	const struct opt *opts[2];      /* flag tables, the second one optional */
	size_t flags_size;              /* size of the flag struct */
	const char *args;               /* the positional arguments, for the usage line */
	int min_args, max_args;         /* max_args -1: any number */
	int flags;                      /* CMD_* */
	const char *summary;            /* one line, for `ctr --help` */
	const char *details;            /* more usage text, or NULL */
};
/* exec, ps: flags only before the id, whose following words belong to the command / to
 * ps; every other command takes flags after its arguments too (runc) */
#define CMD_IN_ORDER 1
/* puts a process into a container: runs from a sealed copy of ctr (CVE-2019-5736, see
 * ctr.h); the other commands do not pay for the copy */
#define CMD_SEALED 2

static const struct command commands[] = {
	{"spec", cmd_spec, {bundle_opts, spec_opts}, sizeof(struct bundle_flags), "", 0, 0, 0,
	 "Write a default config.json into the bundle (refuses to overwrite one).", NULL},
	{"check", cmd_check, {bundle_opts, check_opts}, sizeof(struct bundle_flags), "", 0, 0,
	 0, "Validate a bundle's config.json and rootfs without running anything.",
	 "Includes the ELF headers of process.args[0] (architecture, interpreter, libraries).\n"
	 "Prints each problem on stdout, one per line (a config.json error is the only line),\n"
	 "or one line \"config.json: ok (...)\" saying what was checked. Exit 0 when clean,\n"
	 "1 otherwise.\n"},
	{"create", cmd_create, {create_opts}, sizeof(struct run_flags), "ID", 1, 1, CMD_SEALED,
	 "Create a container; its process waits for `ctr start`.", NULL},
	{"start", cmd_start, {no_opts}, 0, "ID", 1, 1, 0,
	 "Start the user process of a created container.", NULL},
	{"run", cmd_run, {create_opts, run_opts}, sizeof(struct run_flags), "ID", 1, 1, CMD_SEALED,
	 "Create and start a container.",
	 "In the foreground ctr waits for it, forwards signals, relays its terminal, exits\n"
	 "with its exit status and deletes it (unless --keep).\n"},
	{"exec", cmd_exec, {exec_opts}, sizeof(struct exec_flags), "ID [COMMAND [ARG...]]", 1, -1,
	 CMD_IN_ORDER | CMD_SEALED, "Run a new process inside a running container.",
	 "COMMAND is required unless --process gives the process. Exit status: the process's,\n"
	 "255 when the exec itself fails.\n"},
	{"kill", cmd_kill, {kill_opts}, sizeof(struct kill_flags), "ID [SIGNAL]", 1, 2, 0,
	 "Send a signal (default SIGTERM) to the container's init.",
	 "SIGNAL is a name (KILL, SIGKILL) or a number. Signal 0 sends nothing: exit 0 if the\n"
	 "container is alive, 1 if not.\n"},
	{"delete", cmd_delete, {delete_opts}, sizeof(struct delete_flags), "ID", 1, 1, 0,
	 "Delete a container.", NULL},
	{"state", cmd_state, {no_opts}, 0, "ID", 1, 1, 0,
	 "Print the container's OCI state as JSON.", NULL},
	{"list", cmd_list, {list_opts}, sizeof(struct list_flags), "", 0, 0, 0,
	 "List containers.", NULL},
	{"ps", cmd_ps, {ps_opts}, sizeof(struct ps_flags), "ID [PS_ARGS...]", 1, -1, CMD_IN_ORDER,
	 "List the processes in a container.",
	 "The table is ps(1)'s (PS_ARGS, default -ef) cut to the container's processes.\n"},
	{"pause", cmd_pause, {no_opts}, 0, "ID", 1, 1, 0,
	 "Freeze every process of the container.", NULL},
	{"resume", cmd_resume, {no_opts}, 0, "ID", 1, 1, 0, "Thaw a paused container.", NULL},
	{"update", cmd_update, {update_opts}, sizeof(struct update_flags), "ID", 1, 1, 0,
	 "Update the container's resource limits.", NULL},
	{"events", cmd_events, {events_opts}, sizeof(struct events_flags), "ID", 1, 1, 0,
	 "Print container events (stats, oom) as JSON lines.", NULL},
	{"checkpoint", cmd_checkpoint, {checkpoint_opts}, sizeof(struct checkpoint_flags), "ID", 1, 1, 0,
	 "Checkpoint a running container with criu.",
	 "Without --leave-running or --pre-dump the container is deleted afterwards.\n"},
	{"restore", cmd_restore, {restore_opts}, sizeof(struct restore_flags), "ID", 1, 1, 0,
	 "Restore a checkpoint as container ID.",
	 "In the foreground ctr waits for it as `run` does.\n"},
	{"features", cmd_features, {no_opts}, 0, "", 0, 0, 0,
	 "Print the OCI features document.", NULL},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void command_usage(struct out *f, const struct command *cmd)
{
	out_printf(f, "usage: ctr %s%s%s%s\n%s\n%s", cmd->name, cmd->opts[0]->name ? " [flags]" : "",
		*cmd->args ? " " : "", cmd->args, cmd->summary, cmd->details ? cmd->details : "");
	if (cmd->opts[0]->name) {
		out_puts(f, "\nflags:\n");
		usage_flags(f, cmd->opts);
	}
}

static void usage_error(struct cli *c, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	ctr_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_error(c, "%s", msg);
	if (c->command)
		command_usage(&out_2, c->command);
}

struct global_flags {
	const char *root, *log, *log_format, *rootless, *criu;
	int debug, systemd, help, version;
};
#define GLF(field) offsetof(struct global_flags, field)
static const struct opt global_opts[] = {
	{"root", 0, OPT_STR, GLF(root), "`DIR` state directory (default " CTR_DEFAULT_ROOT ", not root: $XDG_RUNTIME_DIR/ctr)"},
	{"log", 0, OPT_STR, GLF(log), "`FILE` log file (default stderr)"},
	{"log-format", 0, OPT_CHOICE, GLF(log_format), "`text|json` log format (default text)"},
	{"debug", 0, OPT_BOOL, GLF(debug), "log debug messages"},
	{"systemd-cgroup", 0, OPT_BOOL, GLF(systemd), "cgroups through systemd (cgroupsPath slice:prefix:name)"},
	{"rootless", 0, OPT_CHOICE, GLF(rootless), "`true|false|auto` rootless cgroups and id maps (auto: when not root)"},
	/* accepted for compatibility, checkpointing is not supported */
	{"criu", 0, OPT_STR, GLF(criu), "`PATH` the criu binary for checkpoint and restore (default: criu on PATH)"},
	{"help", 'h', OPT_STOP, GLF(help), "this help"},
	{"version", 'v', OPT_STOP, GLF(version), "ctr's version, commit and OCI spec version"},
	OPT_END,
};

static void print_usage(struct out *f)
{
	out_puts(f, "ctr - a small OCI container runtime\n\n"
	      "usage: ctr [global flags] COMMAND [flags] [args]\n\ncommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		out_printf(f, "  %-10s%s\n", commands[i].name, commands[i].summary);
	out_puts(f, "\nglobal flags:\n");
	usage_flags(f, (const struct opt *const[]){global_opts, NULL});
	out_puts(f, "\n`ctr COMMAND --help` describes a command.\n");
}

static void print_version(void)
{
	out_printf(&out_1, "ctr version " CTR_VERSION "\ncommit: " CTR_COMMIT "\nspec: " CTR_OCI_VERSION "\n");
}

/* True if argv has -h/--help before any "--" (commands answer it before other flags);
 * with in_order (exec, ps) only before the first word that is not a flag: what follows
 * may be the container command's own --help. */
static bool wants_help(int argc, char **argv, bool in_order)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0 || (in_order && argv[i][0] != '-'))
			return false;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-help") == 0)
			return true;
	}
	return false;
}

/* Run one command: argv[0] is its name. */
static int run_command(struct cli *c, const struct command *cmd, int argc, char **argv)
{
	c->cmd = cmd->name;
	c->command = cmd;
	if (wants_help(argc, argv, cmd->flags & CMD_IN_ORDER)) {
		command_usage(&out_1, cmd);
		return 0;
	}
	struct ctr_error err;
	if ((cmd->flags & CMD_SEALED) && ctr_reexec_sealed(c->argv, NULL, &err) < 0) {
		cli_error(c, "%s", err.msg);
		return 1;
	}
	void *flags = calloc(1, cmd->flags_size ? cmd->flags_size : 1);
	if (!flags) {
		cli_error(c, "out of memory");
		return 1;
	}
	int rc = 1, i = opt_parse(c, cmd->opts, !(cmd->flags & CMD_IN_ORDER), flags, argc, argv);
	int nargs = argc - i;
	if (i < 0)
		;
	else if (nargs < cmd->min_args || (cmd->max_args >= 0 && nargs > cmd->max_args))
		usage_error(c, "%s: %s", cmd->name, cmd->max_args == 0 ?
			    "takes no arguments" : cmd->min_args == cmd->max_args ?
			    "requires exactly 1 argument (the container id)" :
			    "wrong number of arguments");
	else
		rc = cmd->fn(c, flags, nargs, argv + i);
	opt_release(cmd->opts, flags);
	free(flags);
	return rc;
}

/* Is ctr in a user namespace other than the host's (its uid_map not the identity)? */
static bool in_userns(void)
{
	char buf[256] = "";
	int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	ssize_t r = fd < 0 ? 0 : read(fd, buf, sizeof(buf) - 1);
	size_t n = r > 0 ? (size_t)r : 0;
	if (fd >= 0)
		close(fd);
	buf[n] = 0;
	char *p = buf, *e;
	unsigned long v[3];
	for (int i = 0; i < 3; i++, p = e)
		v[i] = (unsigned long)ctr_strtoull(p, &e);
	/* strtoul, not scanf: scanf would add ~4 KB to the static binary */
	return n && (v[0] || v[1] || v[2] != 4294967295UL || p[strspn(p, " \n")]);
}

/* The global flags into c; -1: exit with status 1, 0: go on to the command at *next,
 * 1: done (help or version printed). */
static int global_setup(struct cli *c, struct global_flags *g, int argc, char **argv, int *next)
{
	*next = opt_parse(c, (const struct opt *const[]){global_opts, NULL}, false, g, argc, argv);
	if (*next == -2 && g->help)
		print_usage(&out_1);
	else if (*next == -2)
		print_version();
	if (*next < 0)
		return *next == -2 ? 1 : (print_usage(&out_2), -1);
	c->opts.debug = g->debug;
	c->opts.systemd_cgroup = g->systemd;
	c->criu = g->criu;
	c->debug = g->debug != 0;
	c->log_json = g->log_format && !strcmp(g->log_format, "json");
	if (g->log && *g->log) {
		int fd = open(g->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
		c->log = fd < 0 ? NULL : calloc(1, sizeof(*c->log));
		if (c->log)
			c->log->fd = fd;
		else if (fd >= 0)
			close(fd), errno = ENOMEM;
		if (!c->log) {
			out_printf(&out_2, "ctr: open log file %s: %s\n", g->log, strerror(errno));
			return -1;
		}
	}
	c->opts.rootless = !g->rootless || !strcmp(g->rootless, "auto") ? CTR_ROOTLESS_AUTO :
			   !strcmp(g->rootless, "true") ? CTR_ROOTLESS_ON : CTR_ROOTLESS_OFF;
	/* as runc: a caller that is not root keeps its state in $XDG_RUNTIME_DIR/ctr, and so
	 * does root of a user namespace (podman's rootless) unless $USER says root */
	const char *xdg = getenv("XDG_RUNTIME_DIR"), *user = getenv("USER");
	c->opts.root = g->root ? g->root : CTR_DEFAULT_ROOT;
	if (!g->root && xdg && xdg[0] == '/' &&
	    (geteuid() != 0 || (in_userns() && (!user || strcmp(user, "root"))))) {
		ctr_snprintf(c->xdg_root, sizeof(c->xdg_root), "%s/ctr", xdg);
		c->opts.root = c->xdg_root;
	}
	return 0;
}

int main(int argc, char **argv)
{
	out_1.fd = 1;
	out_2.fd = 2;
	struct cli c = {.cmd = "ctr", .argv = argv};
	c.opts.log_fn = cli_log_cb;
	c.opts.log_arg = &c;
	struct global_flags g = {0};
	int i, rc = global_setup(&c, &g, argc, argv, &i);
	if (rc)
		return out_flush(&out_1), rc < 0;
	if (i >= argc) {
		print_usage(&out_2);
		return out_flush(&out_1), 1;
	}
	const struct command *cmd = NULL;
	for (size_t k = 0; k < N_COMMANDS && !cmd; k++)
		if (strcmp(commands[k].name, argv[i]) == 0)
			cmd = &commands[k];
	if (!cmd) {
		cli_error(&c, "unknown command \"%s\"", argv[i]);
		print_usage(&out_2);
		rc = 1;
	} else {
		rc = run_command(&c, cmd, argc - i, argv + i);
	}
	if (c.log) {
		close(c.log->fd);
		free(c.log);
	}
	out_flush(&out_1);
	out_flush(&out_2);
	return rc;
}
