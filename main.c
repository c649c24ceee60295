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
	/* flags may follow the positional arguments (runc: every command but exec and ps,
	 * whose words after the id belong to the container command / to ps) */
	bool permute;
	const char *cmd;        /* the command being run */
};

/* "2026-12-07T17:22:37Z": RFC 3339 in UTC, as runc's logrus writes it. */
static void log_time(char ts[64])
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct tm tm;
	gmtime_r(&now.tv_sec, &tm);
	/* by hand: strftime drags in ~5 KB of libc (time zones, locale) */
	snprintf(ts, 64, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* A value of logrus's text layout: bare if every byte is one of [A-Za-z0-9-._/@^+]
 * (or it is empty), else quoted with Go's %q escapes, so a message is one line. */
static void log_text_value(FILE *f, const char *v)
{
	bool quote = false;
	for (const unsigned char *p = (const unsigned char *)v; *p && !quote; p++)
		quote = !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || strchr("-._/@^+", *p));
	if (!quote) {
		fputs(v, f);
		return;
	}
	static const char ctl[] = "\a\b\f\n\r\t\v", letter[] = "abfnrtv";
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		const char *e = strchr(ctl, *p);
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (e)
			fprintf(f, "\\%c", letter[e - ctl]);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* One log line: logrus's JSON ({"level","msg","time"}) or text (time="" level= msg=)
 * layout, as runc writes them. Text without --log stays plain "level: msg". */
static void log_line(struct cli *c, const char *level, const char *msg)
{
	FILE *f = c->log ? c->log : stderr;
	char ts[64];
	log_time(ts);
	if (c->log_json) {
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
		fprintf(f, "time=\"%s\" level=%s msg=", ts, level);
		log_text_value(f, msg);
		fputc('\n', f);
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

/* The index in opts of flag word a ("--name", "-n", "--name=v"), or -1. */
static int opt_find(const struct opt *opts, const char *a)
{
	const char *name = a + 1 + (a[1] == '-');
	const char *eq = strchr(name, '=');
	size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
	for (int k = 0; opts[k].name; k++)
		if ((strlen(opts[k].name) == nlen && strncmp(opts[k].name, name, nlen) == 0) ||
		    (opts[k].short_name && nlen == 1 && name[0] == opts[k].short_name && a[1] != '-'))
			return k;
	return -1;
}

static bool opt_is_flag_word(const char *a)
{
	/* "-" is a positional; so is a negative number (a signal or value like -1) */
	return a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9');
}

/* it->i is a positional: move the next flag word after it (with its value, or the "--")
 * in front of it, as runc's CLI reorders its arguments. False if no flag follows. */
static bool opt_hoist(struct opt_iter *it, const struct opt *opts)
{
	int j = it->i + 1;
	while (j < it->argc && !opt_is_flag_word(it->argv[j]))
		j++;
	if (j >= it->argc)
		return false;
	const char *a = it->argv[j];
	int k = strcmp(a, "--") ? opt_find(opts, a) : -1;
	int n = k >= 0 && opts[k].has_arg && !strchr(a, '=') && j + 1 < it->argc ? 2 : 1;
	char *moved[2] = {it->argv[j], n == 2 ? it->argv[j + 1] : NULL};
	memmove(it->argv + it->i + n, it->argv + it->i, (size_t)(j - it->i) * sizeof(char *));
	for (int m = 0; m < n; m++)
		it->argv[it->i + m] = moved[m];
	return true;
}

/* Next option: returns its index in opts, -1 at the first positional (or after "--"),
 * -2 on a bad flag (message already printed). it->i then points at the positional.
 * With c->permute, flags after positionals are taken too (they are moved before them). */
static int opt_next(struct cli *c, struct opt_iter *it, const struct opt *opts)
{
	it->val = NULL;
	if (it->i >= it->argc)
		return -1;
	const char *a = it->argv[it->i];
	if ((a[0] != '-' || a[1] == 0) && !(c->permute && opt_hoist(it, opts)))
		return -1;
	a = it->argv[it->i];
	if (strcmp(a, "--") == 0) {
		it->i++;
		return -1;
	}
	const char *eq = strchr(a, '=');
	int k = opt_find(opts, a);
	if (k >= 0) {
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

/* The ID of a command that takes no flags and exactly one argument (start, state, ...). */
static const char *flagless_id_arg(struct cli *c, int argc, char **argv)
{
	static const struct opt none[] = {{NULL, 0, false}};
	struct opt_iter it = {.argc = argc, .argv = argv, .i = 1};
	if (opt_next(c, &it, none) == -2)
		return NULL;
	return one_id_arg(c, &it);
}

/* ---------- spec and check ---------- */

/* Flags of spec: --bundle DIR, --rootless. Returns the bundle, or NULL after a usage
 * error. */
static const char *spec_flags(struct cli *c, int argc, char **argv, int *rootless)
{
	static const struct opt opts[] = {
		{"bundle", 'b', true}, {"rootless", 0, false}, {NULL, 0, false},
	};
	struct opt_iter it = {.argc = argc, .argv = argv, .i = 1};
	const char *bundle = ".";
	for (int k; (k = opt_next(c, &it, opts)) != -1;) {
		if (k == -2)
			return NULL;
		if (k == 0)
			bundle = it.val;
		else
			*rootless = opt_bool(&it);
	}
	if (it.i < argc) {
		cmd_usage_error(c, "%s: unexpected argument \"%s\"", c->cmd, argv[it.i]);
		return NULL;
	}
	return bundle;
}

static int cmd_spec(struct cli *c, int argc, char **argv)
{
	int rootless = 0;
	struct ctr_error err = {0};
	const char *bundle = spec_flags(c, argc, argv, &rootless);
	if (!bundle)
		return 1;
	if (ctr_spec_write(bundle, rootless, &err) < 0) {
		cli_error(c, "%s", err.msg);
		return 1;
	}
	return 0;
}

static void check_print(void *arg, const char *problem)
{
	(void)arg;
	puts(problem);
}

static int cmd_check(struct cli *c, int argc, char **argv)
{
	static const struct opt opts[] = {
		{"bundle", 'b', true}, {"arch", 0, true}, {"quiet", 'q', false}, {NULL, 0, false},
	};
	struct opt_iter it = {.argc = argc, .argv = argv, .i = 1};
	struct ctr_error err = {0};
	char summary[512];
	struct ctr_check_args a = {.summary = summary, .summary_size = sizeof(summary)};
	const char *bundle = ".";
	bool quiet = false;
	for (int k; (k = opt_next(c, &it, opts)) != -1;) {
		if (k == -2)
			return 1;
		if (k == 0)
			bundle = it.val;
		else if (k == 1)
			a.arch = it.val;
		else
			quiet = opt_bool(&it);
	}
	if (it.i < argc) {
		cmd_usage_error(c, "%s: unexpected argument \"%s\"", c->cmd, argv[it.i]);
		return 1;
	}
	int n = ctr_check_with(bundle, &a, check_print, NULL, &err);
	if (n < 0)
		cli_error(c, "%s", err.msg);
	else if (n == 0 && !quiet)
		printf("config.json: ok (%s)\n", summary);
	return n != 0;
}


/* ---------- foreground wait and terminal relay (run, exec) ---------- */

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>

/* Copy one read's worth from `from` to `to`: bytes copied, 0 at EOF or error, -1 when
 * nothing was there. */
static ssize_t tty_copy(int from, int to)
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

/* Our window size onto the pty (stdin, or stdout if stdin is redirected). */
static void tty_resize(int master)
{
	struct winsize ws;
	if (ioctl(0, TIOCGWINSZ, &ws) == 0 || ioctl(1, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

/* Wait for pid, our child, with every signal already blocked by the caller: SIGCHLD
 * reaps (any child: `run` is a subreaper), SIGWINCH resizes the pty, every other signal
 * goes to pid. With a pty master (else -1), relays stdin -> master -> stdout in raw
 * mode, restoring our terminal before returning. Returns the exit code to use: the
 * status, or 128+N after signal N. */
static int tty_wait(int master, pid_t pid)
{
	sigset_t all;
	sigfillset(&all);
	int sfd = signalfd(-1, &all, SFD_CLOEXEC);
	struct termios saved;
	bool raw = false, in_open = master >= 0, out_open = master >= 0, done = false;
	if (master >= 0 && isatty(0) && tcgetattr(0, &saved) == 0) {
		struct termios t = saved;
		cfmakeraw(&t);
		raw = tcsetattr(0, TCSANOW, &t) == 0;
	}
	if (master >= 0)
		tty_resize(master);
	int status = 0;
	while (!done) {
		struct pollfd p[3] = {
			{.fd = sfd, .events = POLLIN},
			{.fd = out_open ? master : -1, .events = POLLIN},
			{.fd = in_open ? 0 : -1, .events = POLLIN},
		};
		if (sfd < 0) {
			/* no signalfd: take the signals one at a time, no relay */
			siginfo_t si;
			int sig = sigwaitinfo(&all, &si);
			p[0].revents = 0;
			if (sig == SIGCHLD) {
				int st;
				for (pid_t r; (r = waitpid(-1, &st, WNOHANG)) > 0;)
					if (r == pid)
						status = st, done = true;
			} else if (sig > 0 && sig != SIGWINCH && sig != SIGPIPE) {
				kill(pid, sig);
			}
			continue;
		}
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				int sig = (int)si.ssi_signo;
				if (sig == SIGCHLD) {
					int st;
					for (pid_t r; (r = waitpid(-1, &st, WNOHANG)) > 0;)
						if (r == pid)
							status = st, done = true;
				} else if (sig == SIGWINCH) {
					if (master >= 0)
						tty_resize(master);
				} else if (sig != SIGPIPE) {
					kill(pid, sig);
				}
			}
		}
		if (out_open && p[1].revents)
			out_open = tty_copy(master, 1) != 0;
		if (in_open && p[2].revents && tty_copy(0, master) == 0) {
			/* stdin ended: the shell in the pty gets an end of file too */
			in_open = false;
			if (!isatty(0))
				(void)!write(master, "\004", 1);
		}
	}
	if (out_open) {
		/* the rest of the output; other holders of the pty must not keep us here */
		fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
		while (tty_copy(master, 1) > 0)
			;
	}
	if (raw)
		tcsetattr(0, TCSANOW, &saved);
	if (sfd >= 0)
		close(sfd);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* ---------- lifecycle commands: create, start, run, kill, delete, state, list ---------- */

/* Flags shared by create and run (runc's names). */
enum { LC_F_BUNDLE, LC_F_PID_FILE, LC_F_CONSOLE, LC_F_NO_PIVOT, LC_F_NO_KEYRING,
       LC_F_PRESERVE, LC_F_DETACH, LC_F_KEEP, LC_F_NO_SUBREAPER };

static const struct opt lc_create_opts[] = {
	{"bundle", 'b', true},   {"pid-file", 0, true},   {"console-socket", 0, true},
	{"no-pivot", 0, false},  {"no-new-keyring", 0, false}, {"preserve-fds", 0, true},
	{NULL, 0, false},
};
static const struct opt lc_run_opts[] = {
	{"bundle", 'b', true},   {"pid-file", 0, true},   {"console-socket", 0, true},
	{"no-pivot", 0, false},  {"no-new-keyring", 0, false}, {"preserve-fds", 0, true},
	{"detach", 'd', false},  {"keep", 0, false},      {"no-subreaper", 0, false},
	{NULL, 0, false},
};

struct lc_cli_args {
	struct ctr_create_args a;
	bool detach, keep;
	const char *id;
};

/* Parse create/run flags and the ID; returns 0, or the exit status on error. */
static int lc_parse_create(struct cli *c, int argc, char **argv, const struct opt *opts,
			   struct lc_cli_args *r)
{
	struct opt_iter it = {.argc = argc, .argv = argv, .i = 1};
	memset(r, 0, sizeof(*r));
	for (int k; (k = opt_next(c, &it, opts)) != -1;) {
		switch (k) {
		case -2: return 1;
		case LC_F_BUNDLE: r->a.bundle = it.val; break;
		case LC_F_PID_FILE: r->a.pid_file = it.val; break;
		case LC_F_CONSOLE: r->a.console_socket = it.val; break;
		case LC_F_NO_PIVOT: r->a.no_pivot = opt_bool(&it); break;
		case LC_F_NO_KEYRING: r->a.no_new_keyring = opt_bool(&it); break;
		case LC_F_PRESERVE:
			if (parse_int_arg(c, "preserve-fds", it.val, &r->a.preserve_fds) < 0 ||
			    r->a.preserve_fds < 0) {
				cli_error(c, "%s: --preserve-fds must be 0 or more", c->cmd);
				return 1;
			}
			break;
		case LC_F_DETACH: r->detach = opt_bool(&it); break;
		case LC_F_KEEP: r->keep = opt_bool(&it); break;
		case LC_F_NO_SUBREAPER: break; /* accepted: ctr only subreaps in the foreground */
		}
	}
	r->id = one_id_arg(c, &it);
	return r->id ? 0 : 1;
}

static int cmd_create(struct cli *c, int argc, char **argv)
{
	struct lc_cli_args r;
	int rc = lc_parse_create(c, argc, argv, lc_create_opts, &r);
	if (rc)
		return rc;
	struct ctr_error err = {0};
	if (ctr_create(&c->opts, r.id, &r.a, NULL, &err) < 0) {
		cli_error(c, "%s", err.msg);
		return 1;
	}
	return 0;
}

static int cmd_start(struct cli *c, int argc, char **argv)
{
	const char *id = flagless_id_arg(c, argc, argv);
	if (!id)
		return 1;
	struct ctr_error err = {0};
	if (ctr_start(&c->opts, id, &err) < 0) {
		cli_error(c, "%s", err.msg);
		return 1;
	}
	return 0;
}

/* Foreground run: ctr is the init's parent and a subreaper; tty_wait (above)
 * takes the blocked signals (SIGCHLD reaps, SIGWINCH resizes the pty, the rest go to the
 * init), relays a terminal (master >= 0) and restores ours. */
static int lc_run_foreground(struct cli *c, const char *id, pid_t init, bool keep, int master)
{
	int code = tty_wait(master, init);
	if (master >= 0)
		close(master);
	if (!keep) {
		struct ctr_error err = {0};
		if (ctr_delete(&c->opts, id, 1, &err) < 0)
			cli_error(c, "%s", err.msg);
	}
	return code;
}

static int cmd_run(struct cli *c, int argc, char **argv)
{
	struct lc_cli_args r;
	int rc = lc_parse_create(c, argc, argv, lc_run_opts, &r);
	if (rc)
		return rc;
	sigset_t all, old;
	if (!r.detach) {
		/* before create: a signal sent meanwhile waits for the init to exist */
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, &old);
	}
	struct ctr_error err = {0};
	pid_t init = 0;
	int master = -1;
	if (!r.detach && !r.a.console_socket)
		r.a.pty_master = &master; /* used only if the config asks for a terminal */
	if (ctr_create(&c->opts, r.id, &r.a, &init, &err) < 0) {
		cli_error(c, "%s", err.msg);
		return 1;
	}
	if (ctr_start(&c->opts, r.id, &err) < 0) {
		cli_error(c, "%s", err.msg);
		if (master >= 0)
			close(master);
		struct ctr_error e2 = {0};
		ctr_delete(&c->opts, r.id, 1, &e2);
		if (!r.detach)
			waitpid(init, NULL, WNOHANG);
		return 1;
	}
	if (r.detach)
		return 0;
	return lc_run_foreground(c, r.id, init, r.keep, master);
}

static int cmd_kill(struct cli *c, int argc, char **argv)
{
	struct opt_iter it = {.argc = argc, .argv = argv, .i = 1};
	static const struct opt opts[] = {{"all", 'a', false}, {NULL, 0, false}};
	bool all = false;
	for (int k; (k = opt_next(c, &it, opts)) != -1;) {
		if (k == -2)
			return 1;
		all = opt_bool(&it);
	}
	int nargs = it.argc - it.i;
	if (nargs < 1 || nargs > 2) {
		cmd_usage_error(c, "%s: requires the container id and an optional signal", c->cmd);
		return 1;
	}
	const char *id = argv[it.i];
	int sig = SIGTERM;
	struct ctr_error err = {0};
	if (nargs == 2 && ctr_signal_parse(argv[it.i + 1], &sig, &err) < 0) {
		cli_error(c, "%s", err.msg);
		return 1;
	}
	if (ctr_kill(&c->opts, id, sig, all, &err) < 0) {
		cli_error(c, "%s", err.msg);
		return 1;
	}
	return 0;
}

static int cmd_delete(struct cli *c, int argc, char **argv)
{
	struct opt_iter it = {.argc = argc, .argv = argv, .i = 1};
	static const struct opt opts[] = {{"force", 'f', false}, {NULL, 0, false}};
	bool force = false;
	for (int k; (k = opt_next(c, &it, opts)) != -1;) {
		if (k == -2)
			return 1;
		force = opt_bool(&it);
	}
	const char *id = one_id_arg(c, &it);
	if (!id)
		return 1;
	struct ctr_error err = {0};
	if (ctr_delete(&c->opts, id, force, &err) < 0) {
		cli_error(c, "%s", err.msg);
		return 1;
	}
	return 0;
}

static int cmd_state(struct cli *c, int argc, char **argv)
{
	const char *id = flagless_id_arg(c, argc, argv);
	if (!id)
		return 1;
	struct ctr_error err = {0};
	struct ctr_state st;
	if (ctr_state(&c->opts, id, &st, &err) < 0) {
		cli_error(c, "%s", err.msg);
		return 1;
	}
	/* runc's `state` leaves owner empty; `list` names the user */
	char *owner = st.owner, empty[1] = "", *json = NULL;
	st.owner = empty;
	int rc = ctr_state_json(&st, "  ", &json, &err);
	st.owner = owner;
	ctr_state_release(&st);
	if (rc < 0) {
		cli_error(c, "%s", err.msg);
		return 1;
	}
	printf("%s\n", json);
	free(json);
	return 0;
}

/* Go's tabwriter as runc sets it up (minwidth 12, padding 3, spaces): every column but
 * the last is as wide as its widest cell + 3, at least 12. */
static void lc_print_table(char *const *cells, size_t rows, size_t cols)
{
	size_t width[8] = {0};
	for (size_t r = 0; r < rows; r++)
		for (size_t k = 0; k + 1 < cols; k++) {
			size_t w = strlen(cells[r * cols + k]) + 3;
			if (w > width[k])
				width[k] = w;
		}
	for (size_t r = 0; r < rows; r++) {
		for (size_t k = 0; k < cols; k++) {
			const char *s = cells[r * cols + k];
			if (k + 1 < cols)
				printf("%-*s", (int)(width[k] < 12 ? 12 : width[k]), s);
			else
				printf("%s\n", s);
		}
	}
}

static int cmd_list(struct cli *c, int argc, char **argv)
{
	struct opt_iter it = {.argc = argc, .argv = argv, .i = 1};
	static const struct opt opts[] = {{"format", 'f', true}, {"quiet", 'q', false},
					  {NULL, 0, false}};
	const char *format = "table";
	bool quiet = false;
	for (int k; (k = opt_next(c, &it, opts)) != -1;) {
		if (k == -2)
			return 1;
		if (k == 0)
			format = it.val;
		else
			quiet = opt_bool(&it);
	}
	if (it.i != argc) {
		cmd_usage_error(c, "%s: takes no arguments", c->cmd);
		return 1;
	}
	bool json = strcmp(format, "json") == 0;
	if (!json && strcmp(format, "table") != 0) {
		cli_error(c, "invalid format option \"%s\" (want table or json)", format);
		return 1;
	}
	struct ctr_error err = {0};
	struct ctr_state *v = NULL;
	size_t n = 0;
	if (ctr_list(&c->opts, &v, &n, &err) < 0) {
		cli_error(c, "%s", err.msg);
		return 1;
	}
	int rc = 0;
	if (quiet) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", v[i].id);
	} else if (json) {
		if (!n)
			fputs("null", stdout);
		for (size_t i = 0; i < n; i++) {
			char *s = NULL;
			if (ctr_state_json(&v[i], NULL, &s, &err) < 0) {
				cli_error(c, "%s", err.msg);
				rc = 1;
				break;
			}
			printf("%c%s", i ? ',' : '[', s);
			free(s);
		}
		if (n)
			putchar(']');
		putchar('\n');
	} else {
		size_t rows = n + 1;
		char **cells = calloc(rows * 6, sizeof(char *));
		char (*pids)[16] = calloc(rows, 16);
		if (!cells || !pids) {
			cli_error(c, "out of memory");
			rc = 1;
		} else {
			static const char *const head[] = {"ID", "PID", "STATUS", "BUNDLE", "CREATED",
							   "OWNER"};
			for (size_t k = 0; k < 6; k++)
				cells[k] = (char *)head[k];
			for (size_t i = 0; i < n; i++) {
				char **row = cells + (i + 1) * 6;
				snprintf(pids[i], 16, "%ld", (long)v[i].pid);
				row[0] = v[i].id;
				row[1] = pids[i];
				row[2] = (char *)ctr_status_name(v[i].status);
				row[3] = v[i].bundle;
				row[4] = v[i].created;
				row[5] = v[i].owner;
			}
			lc_print_table(cells, rows, 6);
		}
		free(cells);
		free(pids);
	}
	ctr_list_release(v, n);
	return rc;
}

/* ---------- cgroup commands: ps, pause, resume, update, events ---------- */

static int cmd_pause_resume(struct cli *c, int argc, char **argv, bool pause)
{
	const char *id = flagless_id_arg(c, argc, argv);
	if (!id)
		return 1;
	struct ctr_error err = {0};
	if ((pause ? ctr_pause : ctr_resume)(&c->opts, id, &err) < 0) {
		cli_error(c, "%s", err.msg);
		return 1;
	}
	return 0;
}

static int cmd_pause(struct cli *c, int argc, char **argv)
{
	return cmd_pause_resume(c, argc, argv, true);
}

static int cmd_resume(struct cli *c, int argc, char **argv)
{
	return cmd_pause_resume(c, argc, argv, false);
}

static bool pid_in(pid_t p, const pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == p)
			return true;
	return false;
}

/* `ps ARGS`: print the header and the rows whose PID column is one of pids (runc). */
static int ps_table(struct cli *c, char **ps_args, int n_args, const pid_t *pids, size_t n)
{
	char *argv[64] = {"ps"};
	int k = 1;
	if (n_args == 0)
		argv[k++] = "-ef";
	for (int i = 0; i < n_args && k < 63; i++)
		argv[k++] = ps_args[i];
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		cli_error(c, "ps: pipe: %s", strerror(errno));
		return 1;
	}
	pid_t child = fork();
	if (child < 0) {
		cli_error(c, "ps: fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return 1;
	}
	if (child == 0) {
		dup2(fds[1], 1);
		execvp("ps", argv);
		fprintf(stderr, "ctr: exec ps: %s\n", strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	/* All of ps's output in one buffer: read() and memchr cost less than stdio's getline. */
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int pid_col = -1, rc = 0;
	for (;;) {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 16384);
			if (!nb)
				break;
			buf = nb;
			cap += 16384;
		}
		ssize_t r = read(fds[0], buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fds[0]);
	if (buf)
		buf[len] = 0;
	for (char *line = buf, *end = buf + len; line && line < end;) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t ll = nl ? (size_t)(nl - line) + 1 : (size_t)(end - line);
		bool show = false;
		int col = 0;
		for (char *t = line + strspn(line, " \t"); *t && *t != '\n'; col++) {
			size_t tl = strcspn(t, " \t\n");
			if (pid_col < 0 && tl == 3 && !memcmp(t, "PID", 3)) {
				pid_col = col;
				show = true;
				break;
			}
			if (col == pid_col) {
				show = pid_in((pid_t)atol(t), pids, n);
				break;
			}
			t += tl;
			t += strspn(t, " \t");
		}
		if (pid_col < 0) {
			cli_error(c, "ps: no PID column in the output of ps");
			rc = 1;
			break;
		}
		if (show)
			fwrite(line, 1, ll, stdout);
		line += ll;
	}
	free(buf);
	int st;
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	if (rc == 0 && (!WIFEXITED(st) || WEXITSTATUS(st))) {
		cli_error(c, "ps failed");
		rc = 1;
	}
	return rc;
}

static int cmd_ps(struct cli *c, int argc, char **argv)
{
	static const struct opt opts[] = {{"format", 'f', true}, {NULL, 0, false}};
	struct opt_iter it = {.argc = argc, .argv = argv, .i = 1};
	const char *format = "table";
	for (int k; (k = opt_next(c, &it, opts)) != -1;) {
		if (k == -2)
			return 1;
		format = it.val;
	}
	if (strcmp(format, "table") && strcmp(format, "json")) {
		cli_error(c, "ps: invalid format option \"%s\" (want table or json)", format);
		return 1;
	}
	if (it.i >= argc) {
		cmd_usage_error(c, "ps: requires at least 1 argument (the container id)");
		return 1;
	}
	const char *id = argv[it.i++];
	struct ctr_error err = {0};
	pid_t *pids = NULL;
	size_t n = 0;
	if (ctr_ps(&c->opts, id, &pids, &n, &err) < 0) {
		cli_error(c, "%s", err.msg);
		return 1;
	}
	int rc = 0;
	if (!strcmp(format, "json")) {
		putchar('[');
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		puts("]");
	} else {
		fflush(stdout);
		rc = ps_table(c, argv + it.i, argc - it.i, pids, n);
	}
	free(pids);
	return rc;
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
	double v = strtod(s, &end);
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

static int read_stream(FILE *f, char **out)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	for (size_t n; buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0;) {
		len += n;
		if (cap - len < 2) {
			char *nb = len > (16u << 20) ? NULL : realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	if (!buf || ferror(f)) {
		free(buf);
		return -1;
	}
	buf[len] = 0;
	*out = buf;
	return 0;
}

static int cmd_update(struct cli *c, int argc, char **argv)
{
	/* flag index -> where its value goes in the JSON (object, member, kind) */
	static const struct opt opts[] = {
		{"resources", 'r', true}, {"memory", 0, true}, {"memory-swap", 0, true},
		{"memory-reservation", 0, true}, {"kernel-memory", 0, true},
		{"kernel-memory-tcp", 0, true}, {"cpu-shares", 0, true}, {"cpu-quota", 0, true},
		{"cpu-period", 0, true}, {"cpu-rt-period", 0, true}, {"cpu-rt-runtime", 0, true},
		{"cpuset-cpus", 0, true}, {"cpuset-mems", 0, true}, {"pids-limit", 0, true},
		{"blkio-weight", 0, true}, {NULL, 0, false}};
	static const struct { const char *obj, *key; char kind; /* m: RAM, i: int, u: uint, s */ } map[] = {
		{NULL, NULL, 0}, {"memory", "limit", 'm'}, {"memory", "swap", 'm'},
		{"memory", "reservation", 'm'}, {"memory", "kernel", 'm'}, {"memory", "kernelTCP", 'm'},
		{"cpu", "shares", 'u'}, {"cpu", "quota", 'i'}, {"cpu", "period", 'u'},
		{"cpu", "realtimePeriod", 'u'}, {"cpu", "realtimeRuntime", 'i'}, {"cpu", "cpus", 's'},
		{"cpu", "mems", 's'}, {"pids", "limit", 'i'}, {"blockIO", "weight", 'u'}};
	const char *vals[sizeof(map) / sizeof(map[0])] = {0};
	struct opt_iter it = {.argc = argc, .argv = argv, .i = 1};
	for (int k; (k = opt_next(c, &it, opts)) != -1;) {
		if (k == -2)
			return 1;
		vals[k] = it.val;
	}
	const char *id = one_id_arg(c, &it);
	if (!id)
		return 1;
	char *json = NULL;
	if (vals[0]) {
		/* runc: with -r the other flags are ignored */
		FILE *f = strcmp(vals[0], "-") ? fopen(vals[0], "re") : stdin;
		if (!f || read_stream(f, &json) < 0) {
			cli_error(c, "update: read %s: %s", vals[0], strerror(errno ? errno : EIO));
			if (f && f != stdin)
				fclose(f);
			return 1;
		}
		if (f != stdin)
			fclose(f);
	} else {
		/* build a LinuxResources object from the flags, one object at a time */
		size_t cap = 1024, len = 0;
		json = malloc(cap);
		if (!json)
			return 1;
		len += (size_t)snprintf(json, cap, "{");
		const char *open_obj = NULL;
		for (size_t k = 1; k < sizeof(map) / sizeof(map[0]); k++) {
			if (!vals[k])
				continue;
			char num[64];
			if (map[k].kind == 'm') {
				long long v;
				if (parse_ram(vals[k], &v) < 0) {
					cli_error(c, "update: invalid value \"%s\" for --%s", vals[k], opts[k].name);
					free(json);
					return 1;
				}
				snprintf(num, sizeof(num), "%lld", v);
			} else if (map[k].kind != 's') {
				char *end;
				errno = 0;
				long long v = strtoll(vals[k], &end, 10);
				if (errno || *end || !*vals[k] || (map[k].kind == 'u' && v < 0)) {
					cli_error(c, "update: invalid value \"%s\" for --%s", vals[k], opts[k].name);
					free(json);
					return 1;
				}
				snprintf(num, sizeof(num), "%lld", v);
			}
			if (cap - len < strlen(vals[k]) * 6 + 128) {
				char *nj = realloc(json, cap = cap * 2 + strlen(vals[k]) * 6 + 128);
				if (!nj) {
					free(json);
					return 1;
				}
				json = nj;
			}
			if (!open_obj || strcmp(open_obj, map[k].obj))
				len += (size_t)snprintf(json + len, cap - len, "%s\"%s\":{",
							open_obj ? "}," : "", map[k].obj);
			else
				json[len++] = ',';
			open_obj = map[k].obj;
			len += (size_t)snprintf(json + len, cap - len, "\"%s\":", map[k].key);
			if (map[k].kind == 's') {
				json[len++] = '"';
				for (const char *s = vals[k]; *s; s++)
					if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
						len += (size_t)snprintf(json + len, cap - len, "\\u%04x", (unsigned char)*s);
					else
						json[len++] = *s;
				json[len++] = '"';
				json[len] = 0;
			} else {
				len += (size_t)snprintf(json + len, cap - len, "%s", num);
			}
		}
		snprintf(json + len, cap - len, "%s}", open_obj ? "}" : "");
	}
	struct ctr_error err = {0};
	int rc = ctr_update(&c->opts, id, json, &err);
	free(json);
	if (rc < 0) {
		cli_error(c, "%s", err.msg);
		return 1;
	}
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
		double v = strtod(s, &end);
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

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int cmd_events(struct cli *c, int argc, char **argv)
{
	static const struct opt opts[] = {{"stats", 0, false}, {"interval", 0, true},
					  {NULL, 0, false}};
	struct opt_iter it = {.argc = argc, .argv = argv, .i = 1};
	bool once = false;
	long long interval = 5000;
	for (int k; (k = opt_next(c, &it, opts)) != -1;) {
		if (k == -2)
			return 1;
		if (k == 0)
			once = opt_bool(&it);
		if (k == 1 && (interval = parse_duration_ms(it.val)) <= 0) {
			cli_error(c, "events: invalid --interval \"%s\" (want a duration > 0, like 5s)", it.val);
			return 1;
		}
	}
	const char *id = one_id_arg(c, &it);
	if (!id)
		return 1;
	struct ctr_error err = {0};
	char *js = NULL;
	if (ctr_stats_json(&c->opts, id, &js, &err) < 0) {
		cli_error(c, "%s", err.msg);
		return 1;
	}
	if (once) {
		puts(js);
		free(js);
		return 0;
	}
	/* stream: stats every interval, an oom event whenever the kernel reports one; ends
	 * when the container stops or is deleted */
	struct ctr_watch *w = NULL;
	if (ctr_watch_open(&c->opts, id, &w, &err) < 0) {
		free(js);
		cli_error(c, "%s", err.msg);
		return 1;
	}
	int rc = 0;
	while (js) {
		puts(js);
		fflush(stdout);
		free(js);
		js = NULL;
		int ev;
		long long due = now_ms() + interval;
		while ((ev = ctr_watch_next(w, (int)(due > now_ms() ? due - now_ms() : 0), &err)) ==
		       CTR_WATCH_OOM) {
			printf("{\"type\":\"oom\",\"id\":\"%s\"}\n", id);
			fflush(stdout);
		}
		if (ev < 0) {
			cli_error(c, "%s", err.msg);
			rc = 1;
		}
		if (ev != CTR_WATCH_TIMEOUT || ctr_stats_json(&c->opts, id, &js, &err) < 0)
			break;
	}
	ctr_watch_close(w);
	return rc;
}

/* ---------- exec ---------- */

enum { EX_F_PROCESS, EX_F_TTY, EX_F_DETACH, EX_F_PID_FILE, EX_F_CONSOLE, EX_F_ENV, EX_F_CWD,
       EX_F_USER, EX_F_GIDS, EX_F_CAP, EX_F_NNP, EX_F_APPARMOR, EX_F_LABEL, EX_F_PRESERVE,
       EX_F_IGNORE_PAUSED, EX_F_CGROUP };

/* runc's exec: flags, then the ID, then the command (unless -p gives the process).
 * Exit status: the process's in the foreground, 255 when the exec itself fails. */
static int cmd_exec(struct cli *c, int argc, char **argv)
{
	static const struct opt opts[] = {
		{"process", 'p', true},        {"tty", 't', false},
		{"detach", 'd', false},        {"pid-file", 0, true},
		{"console-socket", 0, true},   {"env", 'e', true},
		{"cwd", 0, true},              {"user", 'u', true},
		{"additional-gids", 'g', true},{"cap", 'c', true},
		{"no-new-privs", 0, false},    {"apparmor", 0, true},
		{"process-label", 0, true},    {"preserve-fds", 0, true},
		{"ignore-paused", 0, false},   {"cgroup", 0, true},
		{NULL, 0, false},
	};
	struct ctr_exec_args a = {0};
	const char **env = calloc((size_t)argc + 1, sizeof(*env));
	const char **caps = calloc((size_t)argc + 1, sizeof(*caps));
	const char **cgroups = calloc((size_t)argc + 1, sizeof(*cgroups));
	char *process_json = NULL, *gids = NULL;
	size_t n_env = 0, n_caps = 0, n_cgroups = 0;
	bool detach = false;
	int rc = 1, master = -1;
	if (!env || !caps || !cgroups) {
		cli_error(c, "out of memory");
		goto out;
	}
	struct opt_iter it = {.argc = argc, .argv = argv, .i = 1};
	const char *process_file = NULL;
	for (int k; (k = opt_next(c, &it, opts)) != -1;) {
		switch (k) {
		case -2: goto out;
		case EX_F_PROCESS: process_file = it.val; break;
		case EX_F_TTY: a.tty = opt_bool(&it); break;
		case EX_F_DETACH: detach = opt_bool(&it); break;
		case EX_F_PID_FILE: a.pid_file = it.val; break;
		case EX_F_CONSOLE: a.console_socket = it.val; break;
		case EX_F_ENV: env[n_env++] = it.val; break;
		case EX_F_CWD: a.cwd = it.val; break;
		case EX_F_USER: a.user = it.val; break;
		case EX_F_GIDS: /* repeatable, as in runc; also "G1,G2" */
			if (gids) {
				size_t len = strlen(gids);
				char *ng = realloc(gids, len + strlen(it.val) + 2);
				if (!ng) {
					cli_error(c, "out of memory");
					goto out;
				}
				gids = ng;
				snprintf(gids + len, strlen(it.val) + 2, ",%s", it.val);
			} else if (!(gids = strdup(it.val))) {
				cli_error(c, "out of memory");
				goto out;
			}
			a.additional_gids = gids;
			break;
		case EX_F_CAP: caps[n_caps++] = it.val; break;
		case EX_F_IGNORE_PAUSED: a.ignore_paused = opt_bool(&it); break;
		case EX_F_CGROUP: cgroups[n_cgroups++] = it.val; break;
		case EX_F_NNP: a.no_new_privs = opt_bool(&it); break;
		case EX_F_APPARMOR: a.apparmor = it.val; break;
		case EX_F_LABEL: a.process_label = it.val; break;
		case EX_F_PRESERVE:
			if (parse_int_arg(c, "preserve-fds", it.val, &a.preserve_fds) < 0)
				goto out;
			if (a.preserve_fds < 0) {
				cli_error(c, "exec: --preserve-fds must be 0 or more");
				goto out;
			}
			break;
		}
	}
	if (it.i >= argc || (!process_file && it.i + 1 >= argc)) {
		cmd_usage_error(c, "exec: requires the container id and a command (or --process)");
		goto out;
	}
	const char *id = argv[it.i];
	a.args = (const char *const *)argv + it.i + 1;
	a.env = env;
	a.caps = caps;
	a.cgroups = n_cgroups ? cgroups : NULL;
	if (process_file) {
		FILE *f = fopen(process_file, "re");
		size_t len = 0, cap = 0;
		for (size_t n = 1; f && n;) {
			if (len + 4096 > cap) {
				char *nb = realloc(process_json, cap = cap * 2 + 4096 + 1);
				if (!nb)
					break;
				process_json = nb;
			}
			len += n = fread(process_json + len, 1, cap - len - 1, f);
		}
		if (!f || ferror(f) || !process_json) {
			cli_error(c, "exec: reading %s: %s", process_file, strerror(errno));
			if (f)
				fclose(f);
			goto out;
		}
		fclose(f);
		process_json[len] = 0;
		a.process_json = process_json;
	}
	if (detach && a.tty && !a.console_socket) {
		cli_error(c, "exec: cannot allocate a tty when detached without --console-socket");
		goto out;
	}
	if (a.console_socket && !a.tty && !process_file) {
		cli_error(c, "exec: --console-socket needs --tty");
		goto out;
	}
	if (!detach && !a.console_socket)
		a.pty_master = &master;
	/* before the process exists: a signal sent meanwhile waits for it */
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	struct ctr_error err = {0};
	pid_t pid = 0;
	if (ctr_exec(&c->opts, id, &a, &pid, &err) < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		cli_error(c, "exec failed: %s", err.msg);
		rc = 255;
		goto out;
	}
	rc = detach ? 0 : tty_wait(master, pid);
	sigprocmask(SIG_SETMASK, &old, NULL);
out:
	if (master >= 0)
		close(master);
	free(process_json);
	free(gids);
	free(env);
	free(caps);
	free(cgroups);
	return rc;
}

/* ---------- features ---------- */

static int cmd_features(struct cli *c, int argc, char **argv)
{
	static const struct opt opts[] = {{NULL, 0, false}};
	struct opt_iter it = {.argc = argc, .argv = argv, .i = 1};
	if (opt_next(c, &it, opts) == -2)
		return 1;
	if (it.i != argc) {
		cmd_usage_error(c, "features: takes no arguments");
		return 1;
	}
	struct ctr_error err = {0};
	char *json = NULL;
	if (ctr_features_json(&json, &err) < 0) {
		cli_error(c, "%s", err.msg);
		return 1;
	}
	fputs(json, stdout);
	free(json);
	return 0;
}

/* ---------- commands, global flags, main ---------- */

struct command {
	const char *name;
	cmd_fn fn;
	const char *usage;      /* "ctr NAME ..." line(s) plus flag help */
};

static const struct command commands[] = {
	{"spec", cmd_spec,
	 "ctr spec [--bundle DIR] [--rootless]\n"
	 "Write a default config.json into the bundle (refuses to overwrite one).\n"
	 "  -b, --bundle DIR   bundle directory (default: current directory)\n"
	 "      --rootless     a config for running as an unprivileged user\n"},
	{"check", cmd_check,
	 "ctr check [--bundle DIR] [--arch ARCH] [-q]\n"
	 "Validate a bundle's config.json and rootfs without running anything, including the\n"
	 "ELF headers of process.args[0] (architecture, interpreter, libraries). Prints each\n"
	 "problem on stdout, one per line (a config.json error is the only line), or one line\n"
	 "\"config.json: ok (...)\" saying what was checked. Exit 0 when clean, 1 otherwise.\n"
	 "  -b, --bundle DIR   bundle directory (default: current directory)\n"
	 "      --arch ARCH    the programs' target: x86_64 i386 armhf aarch64 mips mipsel\n"
	 "                     riscv64 (default: the one ctr was built for, and i386 on\n"
	 "                     x86_64, armhf on aarch64; \"\": any)\n"
	 "  -q, --quiet        print nothing when clean\n"},
	{"create", cmd_create,
	 "ctr create [--bundle DIR] [--pid-file F] [--console-socket S] [--no-pivot]\n"
	 "           [--no-new-keyring] [--preserve-fds N] ID\n"
	 "Create a container; its process waits for `ctr start`.\n"},
	{"start", cmd_start, "ctr start ID\nStart the user process of a created container.\n"},
	{"run", cmd_run,
	 "ctr run [-d|--detach] [--keep] [--bundle DIR] [--pid-file F] [--console-socket S]\n"
	 "        [--no-pivot] [--no-new-keyring] [--preserve-fds N] ID\n"
	 "Create and start a container. In the foreground ctr waits for it, forwards signals,\n"
	 "exits with its exit status and deletes it (unless --keep).\n"},
	{"exec", cmd_exec,
	 "ctr exec [-p process.json | ID COMMAND [ARG...]] [-t] [-d] [--pid-file F]\n"
	 "         [--console-socket S] [-e K=V]... [--cwd D] [-u UID[:GID]]\n"
	 "         [--additional-gids G] [--cap CAP]... [--no-new-privs] [--apparmor P]\n"
	 "         [--process-label L] [--preserve-fds N] [--ignore-paused]\n"
	 "         [--cgroup [CTL[,CTL]:]SUB]... ID [COMMAND...]\n"
	 "Run a new process inside a running container.\n"
	 "  --ignore-paused  exec into a paused container too: the process waits, frozen,\n"
	 "                   until `ctr resume` (ctr exec -d returns at once)\n"
	 "  --cgroup SUB     run it in the container's existing sub-cgroup SUB; on cgroup v1\n"
	 "                   CTL[,CTL]:SUB per controller (repeatable)\n"},
	{"kill", cmd_kill,
	 "ctr kill [--all] ID [SIGNAL]\nSend a signal (default SIGTERM) to the container's init.\n"
	 "Signal 0 sends nothing: exit 0 if the container is alive, 1 if not.\n"},
	{"delete", cmd_delete,
	 "ctr delete [-f|--force] ID\nDelete a container (-f kills a running one first).\n"},
	{"state", cmd_state, "ctr state ID\nPrint the container's OCI state as JSON.\n"},
	{"list", cmd_list,
	 "ctr list [-f|--format table|json] [-q|--quiet]\nList containers.\n"},
	{"ps", cmd_ps,
	 "ctr ps [-f|--format table|json] ID [PS_ARGS...]\nList the processes in a container.\n"},
	{"pause", cmd_pause, "ctr pause ID\nFreeze every process of the container.\n"},
	{"resume", cmd_resume, "ctr resume ID\nThaw a paused container.\n"},
	{"update", cmd_update,
	 "ctr update [-r|--resources FILE|-] [--memory N] [--memory-swap N]\n"
	 "           [--memory-reservation N] [--kernel-memory N] [--kernel-memory-tcp N]\n"
	 "           [--cpu-shares N] [--cpu-quota N] [--cpu-period N] [--cpu-rt-period N]\n"
	 "           [--cpu-rt-runtime N] [--cpuset-cpus L] [--cpuset-mems L]\n"
	 "           [--pids-limit N] [--blkio-weight N] ID\n"
	 "Update the container's resource limits.\n"},
	{"events", cmd_events,
	 "ctr events [--stats] [--interval D] ID\nPrint container events (stats, oom) as JSON lines.\n"},
	{"features", cmd_features, "ctr features\nPrint the OCI features document.\n"},
};

static void cmd_usage_error(struct cli *c, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_error(c, "%s", msg);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, c->cmd) == 0)
			fprintf(stderr, "usage: %s", commands[i].usage);
}

static void print_usage(FILE *f)
{
	fprintf(f,
		"ctr - a small OCI container runtime\n\n"
		"usage: ctr [global flags] COMMAND [flags] [args]\n\n"
		"commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].name);
	fprintf(f,
		"\nglobal flags:\n"
		"  --root DIR             state directory (default " CTR_DEFAULT_ROOT ")\n"
		"  --log FILE             log file (default stderr)\n"
		"  --log-format text|json log format (default text)\n"
		"  --debug                log debug messages\n"
		"  --systemd-cgroup       cgroups through systemd (transient scopes; cgroupsPath slice:prefix:name)\n"
		"  --rootless true|false|auto\n"
		"  -h, --help, -v, --version\n"
		"\n`ctr COMMAND --help` describes a command.\n");
}

static void print_version(void)
{
	printf("ctr version " CTR_VERSION "\ncommit: " CTR_COMMIT "\nspec: " CTR_OCI_VERSION "\n");
}

/* The commands that put a process into a container run from a sealed copy of ctr
 * (CVE-2019-5736, see ctr.h); the others do not pay for the copy. */
static bool enters_container(const char *cmd)
{
	static const char *const names[] = {"create", "run", "exec"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(cmd, names[i]) == 0)
			return true;
	return false;
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

int main(int argc, char **argv)
{
	struct cli c = {0};
	c.opts.log_fn = cli_log_cb;
	c.opts.log_arg = &c;
	c.cmd = "ctr";
	static const struct opt global_opts[] = {
		{"root", 0, true},        {"log", 0, true},     {"log-format", 0, true},
		{"debug", 0, false},      {"systemd-cgroup", 0, false},
		{"rootless", 0, true},    {"criu", 0, true},    {"help", 'h', false},
		{"version", 'v', false},  {NULL, 0, false},
	};
	struct opt_iter it = {.argc = argc, .argv = argv, .i = 1};
	const char *log_path = NULL, *log_format = "text";
	for (int k; (k = opt_next(&c, &it, global_opts)) != -1;) {
		switch (k) {
		case -2: print_usage(stderr); return 1;
		case 0: c.opts.root = it.val; break;
		case 1: log_path = it.val; break;
		case 2: log_format = it.val; break;
		case 3: c.debug = opt_bool(&it); c.opts.debug = c.debug; break;
		case 4: c.opts.systemd_cgroup = opt_bool(&it); break;
		case 5:
			if (strcmp(it.val, "true") && strcmp(it.val, "false") && strcmp(it.val, "auto")) {
				cli_error(&c, "invalid --rootless value \"%s\" (want true, false or auto)", it.val);
				return 1;
			}
			break;
		case 6: break; /* --criu: accepted for compatibility, checkpointing is not supported */
		case 7: print_usage(stdout); return 0;
		case 8: print_version(); return 0;
		}
	}
	if (strcmp(log_format, "json") == 0) {
		c.log_json = true;
	} else if (strcmp(log_format, "text") != 0) {
		cli_error(&c, "unknown log-format \"%s\" (want text or json)", log_format);
		return 1;
	}
	if (log_path && *log_path) {
		c.log = fopen(log_path, "ae");
		if (!c.log) {
			fprintf(stderr, "ctr: open log file %s: %s\n", log_path, strerror(errno));
			return 1;
		}
	}
	if (!c.opts.root) {
		/* runc and crun use $XDG_RUNTIME_DIR when rootless; we are rootful by default. */
		c.opts.root = CTR_DEFAULT_ROOT;
	}
	if (it.i >= argc) {
		print_usage(stderr);
		return 1;
	}
	const char *name = argv[it.i];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) != 0)
			continue;
		c.cmd = name;
		int cargc = argc - it.i;
		char **cargv = argv + it.i;
		c.permute = strcmp(name, "exec") && strcmp(name, "ps");
		if (wants_help(cargc, cargv, !c.permute)) {
			printf("usage: %s", commands[i].usage);
			return 0;
		}
		struct ctr_error err;
		if (enters_container(name) && ctr_reexec_sealed(argv, NULL, &err) < 0) {
			cli_error(&c, "%s", err.msg);
			return 1;
		}
		int rc = commands[i].fn(&c, cargc, cargv);
		if (c.log)
			fclose(c.log);
		return rc;
	}
	cli_error(&c, "unknown command \"%s\"", name);
	print_usage(stderr);
	return 1;
}
