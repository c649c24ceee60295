/* Hooks and terminal primitives: state on stdin, args/env, exit status, timeout, output
 * in errors; pty pairs and fd passing over a unix socket. */
#include "../ctr.c"
#include "t.h"
#include <termios.h>

static struct spec_hook make_hook(const char **args, size_t n_args, const char **env, size_t n_env,
				  int64_t timeout)
{
	struct spec_hook h = {.path = "/bin/sh", .args = args, .n_args = n_args,
			      .env = env, .n_env = n_env};
	if (timeout) {
		h.timeout.set = true;
		h.timeout.v = timeout;
	}
	return h;
}

static void test_hooks(void)
{
	char dir[] = "/tmp/ctr-hooks.XXXXXX";
	if (!mkdtemp(dir)) {
		T_FAIL("hooks: mkdtemp");
		return;
	}
	char cmd[1024], path[300];
	struct ctr_error err = {0};

	/* stdin carries the state; env is exactly the hook's; args are passed */
	snprintf(path, sizeof(path), "%s/out", dir);
	snprintf(cmd, sizeof(cmd), "cat > %s; echo \"$FOO|$HOME|$1\" >> %s", path, path);
	const char *args[] = {"sh", "-c", cmd, "hook0", "arg1", NULL};
	const char *env[] = {"FOO=bar", NULL};
	struct spec_hook h = make_hook(args, 5, env, 1, 0);
	struct spec s = {0};
	s.hooks[HOOK_CREATE_RUNTIME] = &h;
	s.n_hooks[HOOK_CREATE_RUNTIME] = 1;
	int rc = hooks_run(&s, HOOK_CREATE_RUNTIME, "{\"id\":\"x\"}", &err);
	CHECK(rc == 0, "hook runs and succeeds (%s)", rc ? err.msg : "ok");
	char *got = NULL;
	if (read_file(path, 4096, &got, NULL, &err) == 0) {
		CHECK(strcmp(got, "{\"id\":\"x\"}bar||arg1\n") == 0, "hook sees state on stdin, its env only, its args (got %s)", got);
		free(got);
	} else {
		T_FAIL("hook wrote its output file: %s", err.msg);
	}

	/* a failing hook fails with its status and output in the message */
	const char *fargs[] = {"sh", "-c", "echo broken-hook-output; exit 3", NULL};
	struct spec_hook f = make_hook(fargs, 3, NULL, 0, 0);
	struct spec_hook two[2] = {f, h};
	s.hooks[HOOK_POSTSTART] = two;
	s.n_hooks[HOOK_POSTSTART] = 2;
	unlink(path);
	rc = hooks_run(&s, HOOK_POSTSTART, "{}", &err);
	CHECK(rc == -1 && strstr(err.msg, "status 3") && strstr(err.msg, "broken-hook-output") &&
	      strstr(err.msg, "poststart"), "failing hook reports kind, status and output (%s)", err.msg);
	CHECK(access(path, F_OK) == 0, "poststart hooks after a failed one still run");
	s.hooks[HOOK_CREATE_CONTAINER] = two;
	s.n_hooks[HOOK_CREATE_CONTAINER] = 2;
	unlink(path);
	rc = hooks_run(&s, HOOK_CREATE_CONTAINER, "{}", &err);
	CHECK(rc == -1 && access(path, F_OK) != 0, "createContainer hooks after a failed one do not run");

	/* a hook past its timeout is killed */
	const char *targs[] = {"sh", "-c", "sleep 30", NULL};
	struct spec_hook t = make_hook(targs, 3, NULL, 0, 1);
	s.hooks[HOOK_POSTSTOP] = &t;
	s.n_hooks[HOOK_POSTSTOP] = 1;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	rc = hooks_run(&s, HOOK_POSTSTOP, "{}", &err);
	clock_gettime(CLOCK_MONOTONIC, &b);
	CHECK(rc == -1 && strstr(err.msg, "timed out"), "hook timeout kills it (%s)", err.msg);
	CHECK(b.tv_sec - a.tv_sec < 10, "timeout does not wait for the hook to finish");
	CHECK(waitpid(-1, NULL, WNOHANG | __WALL) == -1 && errno == ECHILD, "timed-out hook was reaped");

	/* a missing hook binary is an error, not a hang */
	struct spec_hook m = {.path = "/nonexistent/hook"};
	s.hooks[HOOK_PRESTART] = &m;
	s.n_hooks[HOOK_PRESTART] = 1;
	rc = hooks_run(&s, HOOK_PRESTART, "{}", &err);
	CHECK(rc == -1 && strstr(err.msg, "status 127"), "missing hook binary fails (%s)", err.msg);
	rmdir(dir);
}

static void test_terminal(void)
{
	struct ctr_error err = {0};
	int master = -1, slave = -1;
	if (term_open_pty(&master, &slave, &err) < 0) {
		T_SKIP("pty: %s", err.msg);
		return;
	}
	CHECK(isatty(slave) && isatty(master), "pty pair opened");
	CHECK((fcntl(master, F_GETFD) & FD_CLOEXEC) && (fcntl(slave, F_GETFD) & FD_CLOEXEC), "pty fds are close-on-exec");
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		T_FAIL("socketpair");
		return;
	}
	int got = -1;
	CHECK(term_send_fd(sv[0], master, "/dev/ptmx", &err) == 0 && term_recv_fd(sv[1], &got, &err) == 0,
	      "pty master passes over a unix socket (%s)", err.msg);
	if (got >= 0) {
		/* what is written on the slave side comes out of the received master */
		write(slave, "hi\n", 3);
		char buf[16] = "";
		ssize_t n = read(got, buf, sizeof(buf) - 1);
		CHECK(n > 0 && strstr(buf, "hi"), "received master is the same pty");
		close(got);
	}
	pid_t pid = fork();
	if (pid == 0) {
		struct ctr_error e = {0};
		if (term_become_controlling(slave, 40, 132, &e) < 0)
			_exit(1);
		struct winsize ws;
		if (ioctl(0, TIOCGWINSZ, &ws) < 0 || ws.ws_row != 40 || ws.ws_col != 132)
			_exit(2);
		_exit(isatty(1) && getsid(0) == getpid() ? 0 : 3);
	}
	int status = -1;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "pty becomes controlling terminal with console size (status %d)", status);
	close(sv[0]);
	close(sv[1]);
	close(master);
	close(slave);
}

/* A caller that reaps every child from SIGCHLD, or ignores SIGCHLD, takes nothing from
 * hooks_run: the hook's status (3, or death by signal 9) still comes back, no hang. */
static volatile sig_atomic_t reaped_any;

static void reap_all(int sig)
{
	(void)sig;
	int e = errno;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		reaped_any = 1;
	errno = e;
}

static void test_hooks_under_reaper(void)
{
	if (getenv("CTR_QEMU_USER")) {
		T_SKIP("hooks under a SIGCHLD reaper: qemu-user gives every clone child SIGCHLD");
		return;
	}
	const char *args3[] = {"sh", "-c", "exit 3", NULL};
	const char *args9[] = {"sh", "-c", "kill -9 $$", NULL};
	struct spec_hook h[2] = {make_hook(args3, 3, NULL, 0, 0), make_hook(args9, 3, NULL, 0, 0)};
	struct spec s = {0};
	struct ctr_error err = {0};
	for (int ignore = 0; ignore < 2; ignore++) {
		struct sigaction sa = {.sa_handler = ignore ? SIG_IGN : reap_all,
				       .sa_flags = SA_RESTART}, old;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGCHLD, &sa, &old);
		alarm(30); /* a hang is a failure: SIGALRM ends the program */
		for (int k = 0; k < 2; k++) {
			s.hooks[HOOK_PRESTART] = &h[k];
			s.n_hooks[HOOK_PRESTART] = 1;
			int rc = hooks_run(&s, HOOK_PRESTART, "{}", &err);
			CHECK(rc == -1 && strstr(err.msg, k ? "killed by signal 9" : "status 3"),
			      "SIGCHLD %s: the hook's %s comes back (%s)", ignore ? "ignored" : "reaper",
			      k ? "death by signal 9" : "exit status 3", err.msg);
		}
		alarm(0);
		sigaction(SIGCHLD, &old, NULL);
	}
	CHECK(!reaped_any, "the caller's waitpid(-1) never saw a hook process");
}

int main(void)
{
	test_hooks();
	test_hooks_under_reaper();
	test_terminal();
	return t_failed;
}
