/* embed_supervisor: a small init-style supervisor built on ctr.h (linked with ctr.c).
 *
 * It re-executes itself from a sealed copy (ctr_reexec_sealed), starts two containers,
 * reaps them itself, restarts the "worker" each time it exits (up to a limit), then
 * stops both cleanly. It shows that the library leaves signal
 * handling and reaping to its caller: the supervisor owns SIGCHLD, the inits are its
 * children, and it checks that nothing was reaped or installed behind its back.
 *
 * usage: embed_supervisor STATE_ROOT WORKER_BUNDLE SERVICE_BUNDLE RESTARTS
 * Output: one line per event, "ok" at the end; exit 0 on success. */
#define _GNU_SOURCE
#include "ctr.h"

#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct ctr_opts opts;

static int die(const char *what, const struct ctr_error *err)
{
	printf("error: %s: %s\n", what, err ? err->msg : strerror(errno));
	return 1;
}

/* create + start; returns the init's pid (our child), or -1 */
static pid_t launch(const char *id, const char *bundle)
{
	struct ctr_error err = {0};
	struct ctr_create_args a = {.bundle = bundle};
	pid_t pid = -1;
	if (ctr_create(&opts, id, &a, &pid, &err) < 0) {
		die("create", &err);
		return -1;
	}
	if (ctr_start(&opts, id, &err) < 0) {
		die("start", &err);
		return -1;
	}
	printf("started %s\n", id);
	return pid;
}

static const char *status_of(const char *id)
{
	struct ctr_state st;
	struct ctr_error err = {0};
	static char buf[32];
	if (ctr_state(&opts, id, &st, &err) < 0)
		return "missing";
	snprintf(buf, sizeof(buf), "%s", ctr_status_name(st.status));
	ctr_state_release(&st);
	return buf;
}

int main(int argc, char **argv)
{
	/* First thing: run from a sealed copy of this binary (CVE-2019-5736, see ctr.h).
	 * EMBED_NO_SEAL=1 skips it, to check that ctr_create then refuses. */
	struct ctr_error serr;
	if (!getenv("EMBED_NO_SEAL") && ctr_reexec_sealed(argv, NULL, &serr) < 0)
		return die("ctr_reexec_sealed", &serr);
	if (argc != 5) {
		fprintf(stderr, "usage: %s ROOT WORKER_BUNDLE SERVICE_BUNDLE RESTARTS\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	opts.root = argv[1];
	int restarts = atoi(argv[4]);

	/* The supervisor takes its signals synchronously; the library must not touch this. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);

	pid_t worker = launch("worker", argv[2]);
	pid_t service = launch("service", argv[3]);
	if (worker < 0 || service < 0)
		return 1;
	if (getpgid(worker) < 0 || getpgid(service) < 0)
		return die("inits are not alive", NULL);

	/* the inits are our children: waitid WNOWAIT would fail with ECHILD otherwise */
	siginfo_t probe = {0};
	if (waitid(P_PID, (id_t)service, &probe, WEXITED | WNOHANG | WNOWAIT) < 0)
		return die("service init is not our child", NULL);
	printf("service is %s\n", status_of("service"));

	int runs = 1;
	struct ctr_error err = {0};
	for (;;) {
		int sig;
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig != SIGCHLD) {
			printf("got signal %d, stopping\n", sig);
			break;
		}
		int status;
		pid_t p;
		bool worker_done = false;
		while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
			if (p == worker) {
				printf("worker exited with %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
				worker_done = true;
			} else if (p == service) {
				printf("service exited unexpectedly\n");
				return 1;
			}
		}
		if (!worker_done)
			continue;
		printf("worker is %s\n", status_of("worker"));
		if (ctr_delete(&opts, "worker", 0, &err) < 0)
			return die("delete worker", &err);
		if (runs > restarts)
			break;
		worker = launch("worker", argv[2]);
		if (worker < 0)
			return 1;
		runs++;
	}
	printf("worker ran %d times\n", runs);

	/* stop the service: SIGTERM is ignored by a pid-1 sleep, so SIGKILL as runc users do */
	if (ctr_kill(&opts, "service", SIGKILL, 0, &err) < 0)
		return die("kill service", &err);
	int status;
	if (waitpid(service, &status, 0) != service)
		return die("reap service (did the library reap it?)", NULL);
	printf("service stopped by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	printf("service is %s\n", status_of("service"));
	if (ctr_delete(&opts, "service", 0, &err) < 0)
		return die("delete service", &err);

	struct sigaction sa;
	sigaction(SIGCHLD, NULL, &sa);
	if (sa.sa_handler != SIG_DFL)
		return die("the library installed a SIGCHLD handler", NULL);
	struct ctr_state *list = NULL;
	size_t n = 0;
	if (ctr_list(&opts, &list, &n, &err) < 0)
		return die("list", &err);
	ctr_list_release(list, n);
	printf("containers left: %zu\n", n);
	if (waitpid(-1, NULL, WNOHANG) != -1 || errno != ECHILD)
		return die("children left over", NULL);
	printf("ok\n");
	return 0;
}
