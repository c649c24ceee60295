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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#ifndef CTR_COMMIT
#define CTR_COMMIT "unknown"
#endif

/* ---------- logging: runc's --log / --log-format text|json ---------- */

struct cli {
	struct ctr_opts opts;
	FILE *log;              /* NULL: stderr only */
	bool log_json;
	bool debug;
	const char *cmd;        /* the command being run */
};

static void log_line(struct cli *c, const char *level, const char *msg)
{
	FILE *f = c->log ? c->log : stderr;
	if (c->log_json) {
		char ts[64];
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		struct tm tm;
		gmtime_r(&now.tv_sec, &tm);
		/* by hand: strftime drags in ~5 KB of libc (time zones, locale) */
		snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		fprintf(f, "{\"level\":\"%s\",\"msg\":\"", level);
		for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
			if (*p == '"' || *p == '\\')
				fprintf(f, "\\%c", *p);
			else if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
		fprintf(f, "\",\"time\":\"%s\"}\n", ts);
	} else if (c->log) {
		fprintf(f, "%s: %s\n", level, msg);
	}
	fflush(f);
}

/* Report an error: to the log (if any), and always as plain text on stderr. */
__attribute__((format(printf, 2, 3)))
static void cli_error(struct cli *c, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->log || c->log_json)
		log_line(c, "error", msg);
	if (c->log || !c->log_json)
		fprintf(stderr, "ctr: %s\n", msg);
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
		fprintf(stderr, "ctr: %s: %s\n", names[level & 3], msg);
}

/* ---------- flag parsing (runc style: --flag V, --flag=V, -flag V, -f V) ---------- */

struct opt {
	const char *name;       /* long name without dashes */
	char short_name;        /* 0 if none */
	bool has_arg;
};

struct opt_iter {
	int argc;
	char **argv;
	int i;                  /* next argv index */
	const char *val;        /* argument of the last option */
};

/* Next option: returns its index in opts, -1 at the first positional (or after "--"),
 * -2 on a bad flag (message already printed). it->i then points at the positional. */
static int opt_next(struct cli *c, struct opt_iter *it, const struct opt *opts)
{
	it->val = NULL;
	if (it->i >= it->argc)
		return -1;
	const char *a = it->argv[it->i];
	if (a[0] != '-' || a[1] == 0)
		return -1;
	if (strcmp(a, "--") == 0) {
		it->i++;
		return -1;
	}
	const char *name = a + 1 + (a[1] == '-');
	const char *eq = strchr(name, '=');
	size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
	for (int k = 0; opts[k].name; k++) {
		bool match = (strlen(opts[k].name) == nlen && strncmp(opts[k].name, name, nlen) == 0) ||
			     (opts[k].short_name && nlen == 1 && name[0] == opts[k].short_name &&
			      a[1] != '-');
		if (!match)
			continue;
		it->i++;
		if (opts[k].has_arg) {
			if (eq) {
				it->val = eq + 1;
			} else if (it->i < it->argc) {
				it->val = it->argv[it->i++];
			} else {
				cli_error(c, "%s: flag needs an argument: %s", c->cmd, a);
				return -2;
			}
		} else if (eq) {
			/* boolean flags accept --flag=true|false like Go's flag package */
			it->val = eq + 1;
			if (strcmp(it->val, "true") && strcmp(it->val, "false") &&
			    strcmp(it->val, "1") && strcmp(it->val, "0")) {
				cli_error(c, "%s: invalid boolean value for %s", c->cmd, a);
				return -2;
			}
		}
		return k;
	}
	cli_error(c, "%s: flag provided but not defined: %s", c->cmd, a);
	return -2;
}

/* A boolean option's value: true unless written --flag=false / --flag=0. */
static bool opt_bool(const struct opt_iter *it)
{
	return !it->val || (strcmp(it->val, "false") && strcmp(it->val, "0"));
}

static int parse_int_arg(struct cli *c, const char *flag, const char *s, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || !*s || v < INT_MIN || v > INT_MAX) {
		cli_error(c, "%s: invalid value \"%s\" for flag --%s", c->cmd, s, flag);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* Every command gets (cli, argc, argv) with argv[0] the command name; returns the exit
 * status. The usage text of each command is in the dispatch table at the end. */
typedef int (*cmd_fn)(struct cli *c, int argc, char **argv);

/* Print "ctr: <message>" and the command's usage to stderr (defined with the table). */
static void cmd_usage_error(struct cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The single ID argument of commands like `state ID`; NULL (after a usage error) if
 * it is missing or followed by extra arguments. */
static const char *one_id_arg(struct cli *c, struct opt_iter *it)
{
	if (it->i >= it->argc) {
		cmd_usage_error(c, "%s: requires exactly 1 argument (the container id)", c->cmd);
		return NULL;
	}
	if (it->i + 1 != it->argc) {
		cmd_usage_error(c, "%s: requires exactly 1 argument (the container id)", c->cmd);
		return NULL;
	}
	return it->argv[it->i];
}
