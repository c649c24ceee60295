/* embed_supervisor: a small init-style supervisor built on ctr.h (linked with ctr.c),
 * and the documented example of embedding ctr (README, "Vendoring").
 *
 * It re-executes itself from a sealed copy (ctr_reexec_sealed), creates two containers
 * from configs it holds in memory (config_json; the bundle only gives the rootfs base),
 * watches their inits through pidfds (poll, no SIGCHLD handler), restarts the "worker"
 * each time it exits (up to a limit) after ctr_wait reaped it and recorded its exit
 * status, runs a process in the "service" with ctr_exec, signals every process of the
 * service (CTR_KILL_ALL), removes the running service (CTR_DELETE_FORCE) and reaps its
 * init itself. It checks that nothing was reaped or installed behind its back.
 *
 * usage: embed_supervisor ROOT WORKER_BUNDLE WORKER_CONFIG SERVICE_BUNDLE SERVICE_CONFIG
 *                         RESTARTS
 * Output: one line per event, "ok" at the end; exit 0 on success. */
#define _GNU_SOURCE
#include "ctr.h"

#include <errno.h>
#include <poll.h>
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

/* The whole file as a string (caller frees), or NULL. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *text = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&text, &size);
	char buf[4096];
	size_t n;
	while (mem && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, mem);
	fclose(f);
	if (mem)
		fclose(mem);
	return text;
}

/* Wait up to 30 s for a pidfd to become readable (its process exited). */
static int wait_pidfd(int pidfd)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	int r;
	while ((r = poll(&p, 1, 30000)) < 0 && errno == EINTR)
		;
	return r == 1 ? 0 : -1;
}

/* create from config_json + start; returns the init's pid (our child) and its pidfd */
static pid_t launch(const char *id, const char *bundle, const char *config, int *pidfd)
{
	struct ctr_error err = {0};
	struct ctr_create_args a = {.bundle = bundle, .config_json = config, .pidfd_out = pidfd};
	pid_t pid = -1;
	if (ctr_create(&opts, id, &a, &pid, &err) < 0) {
		die("create", &err);
		return -1;
	}
	if (*pidfd < 0) {
		die("create gave no pidfd", NULL);
		return -1;
	}
	if (ctr_start(&opts, id, &err) < 0) {
		die("start", &err);
		return -1;
	}
	printf("started %s\n", id);
	return pid;
}

/* "stopped, exit status 3": the status and the exit status the library knows */
static const char *status_of(const char *id)
{
	struct ctr_state st;
	struct ctr_error err = {0};
	static char buf[64];
	if (ctr_state(&opts, id, &st, &err) < 0)
		return "missing";
	snprintf(buf, sizeof(buf), "%s, exit status %d", ctr_status_name(st.status), st.exit_status);
	ctr_state_release(&st);
	return buf;
}

/* ctr_exec sh -c SCRIPT in the service; returns its pid (our child) and its pidfd */
static pid_t exec_in(const char *id, const char *script, int *pidfd)
{
	const char *const args[] = {"sh", "-c", script, NULL};
	struct ctr_exec_args a = {.args = args, .pidfd_out = pidfd};
	struct ctr_error err = {0};
	pid_t pid = -1;
	if (ctr_exec(&opts, id, &a, &pid, &err) < 0) {
		die("exec", &err);
		return -1;
	}
	if (*pidfd < 0) {
		die("exec gave no pidfd", NULL);
		return -1;
	}
	return pid;
}

/* exit code, or 128 + signal, of a child we reap ourselves */
static int reap(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* the worker: runs, exits, is reaped by ctr_wait, restarted; returns the runs made */
static int supervise_worker(const char *bundle, const char *config, int restarts)
{
	struct ctr_error err = {0};
	int runs = 0;
	while (runs <= restarts) {
		int pidfd = -1;
		if (launch("worker", bundle, config, &pidfd) < 0)
			return -1;
		runs++;
		if (wait_pidfd(pidfd) < 0)
			return die("worker pidfd never readable", NULL), -1;
		close(pidfd);
		printf("worker is %s\n", status_of("worker")); /* not reaped yet: -1 */
		int code = -1;
		if (ctr_wait(&opts, "worker", &code, &err) < 0)
			return die("wait worker", &err), -1;
		printf("worker exited with %d\n", code);
		printf("worker is %s\n", status_of("worker"));
		if (ctr_delete(&opts, "worker", 0, &err) < 0)
			return die("delete worker", &err), -1;
	}
	return runs;
}

int main(int argc, char **argv)
{
	/* First thing: run from a sealed copy of this binary (CVE-2019-5736, see ctr.h).
	 * EMBED_NO_SEAL=1 skips it, to check that ctr_create then refuses. */
	struct ctr_error serr;
	if (!getenv("EMBED_NO_SEAL") && ctr_reexec_sealed(argv, NULL, &serr) < 0)
		return die("ctr_reexec_sealed", &serr);
	if (argc != 7) {
		fprintf(stderr, "usage: %s ROOT WORKER_BUNDLE WORKER_CONFIG SERVICE_BUNDLE "
			"SERVICE_CONFIG RESTARTS\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	opts.root = argv[1];
	char *worker_config = slurp(argv[3]), *service_config = slurp(argv[5]);
	if (!worker_config || !service_config)
		return die("reading the configs", NULL);

	/* SIGCHLD stays blocked and unhandled: the pidfds tell us about exits */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);

	int service_fd = -1;
	pid_t service = launch("service", argv[4], service_config, &service_fd);
	if (service < 0)
		return 1;
	/* the init is our child: waitid WNOWAIT would fail with ECHILD otherwise */
	siginfo_t probe = {0};
	if (waitid(P_PID, (id_t)service, &probe, WEXITED | WNOHANG | WNOWAIT) < 0)
		return die("service init is not our child", NULL);
	printf("service is %s\n", status_of("service"));

	int runs = supervise_worker(argv[2], worker_config, atoi(argv[6]));
	if (runs < 0)
		return 1;
	printf("worker ran %d times\n", runs);

	/* exec works from the config copy the state keeps (the config_json text) */
	int efd = -1;
	pid_t e = exec_in("service", "exit 5", &efd);
	if (e < 0 || wait_pidfd(efd) < 0)
		return die("exec did not end", NULL);
	close(efd);
	printf("exec exited with %d\n", reap(e));

	/* CTR_KILL_ALL reaches a process besides the init: a pid-1 sleep ignores SIGTERM */
	struct ctr_error err = {0};
	e = exec_in("service", "exec sleep 1000", &efd);
	if (e < 0)
		return 1;
	if (ctr_kill(&opts, "service", SIGTERM, 0x80, &err) == 0 || err.errnum != EINVAL)
		return die("ctr_kill took an unknown flag", NULL);
	if (ctr_kill(&opts, "service", SIGTERM, CTR_KILL_ALL, &err) < 0)
		return die("kill all", &err);
	if (wait_pidfd(efd) < 0)
		return die("CTR_KILL_ALL did not reach the exec'd process", NULL);
	close(efd);
	printf("exec'd sleep ended with %d\n", reap(e));
	printf("service is %s\n", status_of("service"));

	/* a running container: refused without CTR_DELETE_FORCE, killed and removed with it */
	if (ctr_delete(&opts, "service", 0, &err) == 0)
		return die("deleted a running service without CTR_DELETE_FORCE", NULL);
	if (ctr_delete(&opts, "service", CTR_DELETE_FORCE, &err) < 0)
		return die("delete service", &err);
	if (wait_pidfd(service_fd) < 0)
		return die("service pidfd never readable", NULL);
	close(service_fd);
	int code = reap(service);
	if (code < 0)
		return die("reap service (did the library reap it?)", NULL);
	printf("service stopped with %d\n", code);

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
	free(worker_config);
	free(service_config);
	printf("ok\n");
	return 0;
}
