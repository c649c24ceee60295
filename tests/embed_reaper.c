/* embed_reaper: the library under a caller that reaps every child from SIGCHLD, as an
 * init system does (waitpid(-1, WNOHANG) in a handler), or that ignores SIGCHLD. ctr's
 * own children (hooks, helpers) must stay out of that reaper's way, and the calls must
 * return: an alarm() turns a hang into a failure.
 *
 * usage: embed_reaper ROOT BUNDLE FAIL_BUNDLE handler|ignore HOOK_PIDS_FILE SLEEP_BUNDLE
 *   BUNDLE: hooks (prestart, createRuntime, poststart, poststop) that append their pid
 *   to HOOK_PIDS_FILE; its process exits at once.
 *   FAIL_BUNDLE: a createRuntime hook that exits 3.
 *   SLEEP_BUNDLE: its process sleeps; with the handler, a ctr_exec in it (`exit 7`) is
 *   reaped by the caller.
 * Prints what it saw and "ok" at the end; exit 0 on success. */
#define _GNU_SOURCE
#include "ctr.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t n_reaped;
static volatile pid_t reaped[256];
static volatile int reaped_status[256];

static void on_chld(int sig)
{
	(void)sig;
	int e = errno, st;
	pid_t p;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		if (n_reaped < 256) {
			reaped_status[n_reaped] = st;
			reaped[n_reaped++] = p;
		}
	errno = e;
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "FAIL: a ctr call hung under the caller's SIGCHLD reaper\n";
	(void)!write(1, msg, sizeof(msg) - 1);
	_exit(3);
}

static int die(const char *what, const struct ctr_error *err)
{
	printf("error: %s: %s\n", what, err->msg);
	return 1;
}

static int was_reaped(pid_t pid)
{
	for (int i = 0; i < n_reaped; i++)
		if (reaped[i] == pid)
			return 1;
	return 0;
}

/* create + start a container whose init sleeps, exec `exit 7` in it, see the caller's
 * reaper get that status, then kill and delete the container */
static int exec_check(const struct ctr_opts *o, struct ctr_create_args *a)
{
	struct ctr_error err = {0};
	static const char *const exit7_args[] = {"sh", "-c", "exit 7", NULL};
	pid_t init = -1, pid = -1;
	if (ctr_create(o, "reaper-exec", a, &init, &err) < 0 || ctr_start(o, "reaper-exec", &err) < 0)
		return die("create/start for exec", &err);
	struct ctr_exec_args x = {.args = exit7_args};
	if (ctr_exec(o, "reaper-exec", &x, &pid, &err) < 0)
		return die("exec", &err);
	for (int i = 0; i < 2000 && !was_reaped(pid); i++)
		usleep(10000);
	int st = -1;
	for (int i = 0; i < n_reaped; i++)
		if (reaped[i] == pid)
			st = reaped_status[i];
	printf("exec: reaped by the caller with status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	if (ctr_kill(o, "reaper-exec", SIGKILL, 0, &err) < 0 ||
	    ctr_delete(o, "reaper-exec", 1, &err) < 0)
		return die("kill/delete after exec", &err);
	return 0;
}

int main(int argc, char **argv)
{
	struct ctr_error err = {0};
	if (ctr_reexec_sealed(argv, NULL, &err) < 0)
		return die("ctr_reexec_sealed", &err);
	if (argc != 7) {
		fprintf(stderr, "usage: %s ROOT BUNDLE FAIL_BUNDLE handler|ignore PIDS "
			"SLEEP_BUNDLE\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct ctr_opts opts = {.root = argv[1]};
	int ignore = strcmp(argv[4], "ignore") == 0;
	struct sigaction sa = {.sa_handler = ignore ? SIG_IGN : on_chld, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGALRM, on_alarm);
	alarm(60);

	struct ctr_create_args a = {.bundle = argv[2]};
	pid_t init = -1;
	if (ctr_create(&opts, "reaper", &a, &init, &err) < 0)
		return die("create", &err);
	printf("created\n");
	if (ctr_start(&opts, "reaper", &err) < 0)
		return die("start", &err);
	printf("started\n");
	/* the init exits at once; the reaper (or SIG_IGN) takes it, as it should */
	struct ctr_state st;
	for (int i = 0;; i++) {
		if (ctr_state(&opts, "reaper", &st, &err) < 0)
			return die("state", &err);
		enum ctr_status s = st.status;
		ctr_state_release(&st);
		if (s == CTR_STOPPED && (ignore || was_reaped(init)))
			break;
		if (i > 2000) {
			printf("error: the container did not stop\n");
			return 1;
		}
		usleep(10000);
	}
	printf("stopped\n");
	if (!ignore)
		printf("init reaped by the caller: %s\n", was_reaped(init) ? "yes" : "no");
	if (ctr_delete(&opts, "reaper", 0, &err) < 0)
		return die("delete", &err);
	printf("deleted\n");

	/* ctr_exec in a running container: returns, and the process is the caller's child */
	if (!ignore) {
		a.bundle = argv[6];
		if (exec_check(&opts, &a) < 0)
			return 1;
	}

	/* a failing hook is still seen failing (its status was not stolen) */
	a.bundle = argv[3];
	if (ctr_create(&opts, "reaper-fail", &a, NULL, &err) == 0) {
		printf("error: create with a failing hook succeeded\n");
		return 1;
	}
	printf("failing hook: %s\n", strstr(err.msg, "status 3") ? "status 3" : err.msg);

	/* none of the hooks' pids went through the caller's waitpid(-1) */
	FILE *f = fopen(argv[5], "re");
	int n = 0, stolen = 0;
	long pid;
	while (f && fscanf(f, "%ld", &pid) == 1) {
		n++;
		stolen += was_reaped((pid_t)pid);
	}
	if (f)
		fclose(f);
	printf("hooks ran: %d, reaped by the caller: %d\n", n, stolen);
	alarm(0);
	printf("ok\n");
	return 0;
}
