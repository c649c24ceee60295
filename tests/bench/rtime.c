/* rtime: time runtime commands, interleaved, with the CPU of everything they leave behind.
 *
 *   rtime [-n N] [-o FIRST] [-W WARMUP] [-t SECONDS] [-g CGROUP_PROCS] [-s IDLE_MS] [-v]
 *         -l LABEL STEP... [-l LABEL STEP...]...
 *   STEP: -c "CMD ARG..."  run CMD (split on blanks, "%i" -> FIRST + iteration number), wait for it
 *         -w               wait until every remaining descendant has exited
 *
 * Iteration i runs every label's steps, the labels in an order rotated by i, so that machine
 * drift hits all alike. We are a child subreaper (PR_SET_CHILD_SUBREAPER): processes the
 * runtime leaves behind (a detached container's init) become our children, and their CPU
 * time (wait4 rusage) counts too. Per label one JSON line on stdout, samples in iteration
 * order: wall ms, CPU ms (user+sys of every process reaped during the steps), the largest
 * ru_maxrss (KiB) among them, and the failure count. -g: each command first moves itself
 * into that cgroup (cgroup.procs), e.g. a v1 memory cgroup with a limit. -s: sleep IDLE_MS
 * before each sample, as a service started now and then would see the kernel (a v1
 * cgroup.procs write waits for an RCU grace period when none came shortly before). Exit
 * status 1 when any step failed or timed out. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_LABELS 16
#define MAX_STEPS 8
#define MAX_ARGS 64

struct step { const char *cmd; int wait_all; };
struct label {
	const char *name;
	struct step steps[MAX_STEPS];
	int n_steps;
	double *wall, *cpu;
	long *rss;
	int fails;
	char err[1024];
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double tv_ms(struct timeval tv) { return tv.tv_sec * 1e3 + tv.tv_usec / 1e3; }

struct acc { double cpu; long rss; };

static void account(struct acc *a, const struct rusage *ru)
{
	a->cpu += tv_ms(ru->ru_utime) + tv_ms(ru->ru_stime);
	if (ru->ru_maxrss > a->rss)
		a->rss = ru->ru_maxrss;
}

/* Reap whatever has exited without blocking; returns 1 when `want` was among them
 * (*status set), and -1 when we have no children left at all. */
static int reap_ready(pid_t want, int *status, struct acc *a)
{
	int found = 0;
	for (;;) {
		struct rusage ru;
		int st;
		pid_t p = wait4(-1, &st, WNOHANG, &ru);
		if (p == 0)
			return found;
		if (p < 0)
			return found ? 1 : (errno == ECHILD ? -1 : 0);
		account(a, &ru);
		if (p == want) {
			*status = st;
			found = 1;
		}
	}
}

/* Wait for `want` (or, want == 0, for every descendant) with a timeout; kill on expiry. */
static int wait_for(pid_t want, int timeout_s, struct acc *a, const sigset_t *chld)
{
	int status = 0;
	double deadline = now_ms() + timeout_s * 1e3;
	int killed = 0;
	for (;;) {
		int r = reap_ready(want, &status, a);
		if (want && r == 1)
			return killed ? -1 : status;
		if (!want && r == -1)
			return killed ? -1 : 0;
		if (want && r == -1)
			return -1;
		double left = deadline - now_ms();
		if (left <= 0) {
			/* give up: kill the command we wait for; descendants (want == 0) are left
			 * to the caller's cleanup, never signalled wholesale */
			if (killed || !want)
				return -1;
			kill(want, SIGKILL);
			killed = 1;
			deadline = now_ms() + 5e3;
			continue;
		}
		struct timespec ts = {(time_t)(left / 1e3), (long)((left - (time_t)(left / 1e3) * 1e3) * 1e6)};
		sigtimedwait(chld, NULL, &ts);
	}
}

static int split(char *s, char **argv)
{
	int n = 0;
	for (char *t = strtok(s, " \t"); t && n < MAX_ARGS - 1; t = strtok(NULL, " \t"))
		argv[n++] = t;
	argv[n] = NULL;
	return n;
}

/* cmd with "%i" replaced by the iteration number */
static void expand(char *out, size_t size, const char *cmd, int iter)
{
	size_t o = 0;
	for (const char *p = cmd; *p && o + 12 < size; p++) {
		if (p[0] == '%' && p[1] == 'i') {
			o += snprintf(out + o, size - o, "%d", iter);
			p++;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = 0;
}

static int run_cmd(const char *cmd, int iter, const char *cgprocs, int verbose, int timeout_s,
		   struct acc *a, const sigset_t *chld, char *err, size_t errsize)
{
	char buf[4096], *argv[MAX_ARGS];
	int pfd[2];
	expand(buf, sizeof(buf), cmd, iter);
	if (split(buf, argv) == 0)
		return -1;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (cgprocs) {
			int fd = open(cgprocs, O_WRONLY | O_CLOEXEC);
			char pb[32];
			int n = snprintf(pb, sizeof(pb), "%d\n", (int)getpid());
			if (fd < 0 || write(fd, pb, n) != n)
				_exit(126);
			close(fd);
		}
		int nul = open("/dev/null", O_RDWR);
		dup2(nul, 0);
		if (!verbose)
			dup2(nul, 1);
		dup2(pfd[1], 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	/* a detached container keeps the write end open: never block on it */
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	int st = wait_for(pid, timeout_s, a, chld);
	/* the child's stderr, for the report of a failure */
	char eb[512];
	ssize_t n = read(pfd[0], eb, sizeof(eb) - 1);
	close(pfd[0]);
	if (n > 0 && !err[0] && (st != 0)) {
		eb[n] = 0;
		snprintf(err, errsize, "%s: %s", cmd, eb);
	}
	if (st == -1 && !err[0])
		snprintf(err, errsize, "%s: timed out", cmd);
	if (st != 0 && !err[0])
		snprintf(err, errsize, "%s: status %d", cmd, st);
	return st == 0 ? 0 : -1;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static int usage(void)
{
	fprintf(stderr, "usage: rtime [-n N] [-o FIRST] [-W WARMUP] [-t SECONDS] [-g CGROUP_PROCS] [-s IDLE_MS] [-v] "
		"-l LABEL (-c CMD | -w)... ...\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct label labels[MAX_LABELS];
	int n_labels = 0, n = 10, first = 0, warm = 0, timeout_s = 30, verbose = 0, idle_ms = 0;
	const char *cgprocs = NULL;
	memset(labels, 0, sizeof(labels));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-n") && v) { n = atoi(v); i++; }
		else if (!strcmp(a, "-o") && v) { first = atoi(v); i++; }
		else if (!strcmp(a, "-W") && v) { warm = atoi(v); i++; }
		else if (!strcmp(a, "-t") && v) { timeout_s = atoi(v); i++; }
		else if (!strcmp(a, "-g") && v) { cgprocs = v; i++; }
		else if (!strcmp(a, "-s") && v) { idle_ms = atoi(v); i++; }
		else if (!strcmp(a, "-v")) verbose = 1;
		else if (!strcmp(a, "-l") && v && n_labels < MAX_LABELS) { labels[n_labels++].name = v; i++; }
		else if (!strcmp(a, "-c") && v && n_labels && labels[n_labels - 1].n_steps < MAX_STEPS) {
			struct label *l = &labels[n_labels - 1];
			l->steps[l->n_steps++] = (struct step){v, 0};
			i++;
		} else if (!strcmp(a, "-w") && n_labels && labels[n_labels - 1].n_steps < MAX_STEPS) {
			struct label *l = &labels[n_labels - 1];
			l->steps[l->n_steps++] = (struct step){NULL, 1};
		} else
			return usage();
	}
	if (!n_labels || n < 1)
		return usage();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		perror("rtime: PR_SET_CHILD_SUBREAPER");
		return 1;
	}
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	for (int l = 0; l < n_labels; l++) {
		labels[l].wall = calloc(n, sizeof(double));
		labels[l].cpu = calloc(n, sizeof(double));
		labels[l].rss = calloc(n, sizeof(long));
	}
	int any_fail = 0;
	for (int it = -warm; it < n; it++) {
		for (int k = 0; k < n_labels; k++) {
			struct label *l = &labels[((it + warm) + k) % n_labels];
			struct acc a = {0, 0};
			int ok = 1;
			/* leftovers of earlier steps (reparented to us) must not count here */
			int dummy;
			struct acc junk = {0, 0};
			reap_ready(0, &dummy, &junk);
			if (idle_ms > 0) {
				struct timespec ts = {idle_ms / 1000, (long)(idle_ms % 1000) * 1000000L};
				while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
					;
			}
			double t0 = now_ms();
			for (int s = 0; s < l->n_steps; s++) {
				if (l->steps[s].wait_all) {
					if (wait_for(0, timeout_s, &a, &chld) != 0)
						ok = 0;
				} else if (run_cmd(l->steps[s].cmd, it < 0 ? 1000000 + it : first + it, cgprocs,
						   verbose, timeout_s, &a, &chld, l->err,
						   sizeof(l->err)) < 0) {
					ok = 0;
				}
			}
			double t1 = now_ms();
			if (it < 0)
				continue;
			l->wall[it] = t1 - t0;
			l->cpu[it] = a.cpu;
			l->rss[it] = a.rss;
			if (!ok) {
				l->fails++;
				any_fail = 1;
			}
		}
	}
	for (int k = 0; k < n_labels; k++) {
		struct label *l = &labels[k];
		printf("{\"label\":");
		json_str(l->name);
		printf(",\"fails\":%d,\"err\":", l->fails);
		json_str(l->err);
		const char *keys[] = {"wall_ms", "cpu_ms"};
		double *vals[] = {l->wall, l->cpu};
		for (int v = 0; v < 2; v++) {
			printf(",\"%s\":[", keys[v]);
			for (int i = 0; i < n; i++)
				printf("%s%.3f", i ? "," : "", vals[v][i]);
			printf("]");
		}
		printf(",\"maxrss_kb\":[");
		for (int i = 0; i < n; i++)
			printf("%s%ld", i ? "," : "", l->rss[i]);
		printf("]}\n");
	}
	return any_fail;
}
