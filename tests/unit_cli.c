/* Unit tests of the library calls behind the CLI: the LinuxResources JSON of
 * ctr_resources, list and oom event JSON, runc's ps filter and the ps run, ctr_read_file
 * on standard input, and ctr_relay_tty (exit codes, signal forwarding, a pty's output,
 * the SIGCHLD contract). */
#include "../ctr.c"
#include "t.h"

static void test_resources_json(void)
{
	struct ctr_error err = {0};
	char *js = NULL;
	struct ctr_resources r = {0};
	CHECK(ctr_resources_json(&r, &js, &err) == 0 && !strcmp(js, "{}"),
	      "resources_json_empty: '%s'", js ? js : err.msg);
	free(js);
	r.memory_limit = (struct ctr_i64){1, 67108864};
	r.memory_swap = (struct ctr_i64){1, -1};
	r.cpu_quota = (struct ctr_i64){1, 50000};
	r.cpuset_cpus = "0-1";
	r.cpuset_mems = "a\"b";
	r.pids_limit = (struct ctr_i64){1, 0};
	r.blkio_weight = (struct ctr_i64){1, 500};
	js = NULL;
	const char *want = "{\"memory\":{\"limit\":67108864,\"swap\":-1},\"cpu\":{\"quota\":50000,"
			   "\"cpus\":\"0-1\",\"mems\":\"a\\\"b\"},\"pids\":{\"limit\":0},"
			   "\"blockIO\":{\"weight\":500}}";
	CHECK(ctr_resources_json(&r, &js, &err) == 0 && !strcmp(js, want),
	      "resources_json_members: '%s'", js ? js : err.msg);
	/* what it writes is what update parses */
	struct json_doc *doc = NULL;
	struct spec_resources sr;
	void *priv = NULL;
	memset(&sr, 0, sizeof(sr));
	CHECK(js && json_parse(js, strlen(js), "resources", NULL, &doc, &err) == 0 &&
	      spec_parse_resources(json_root(doc), "resources", &sr, &priv, &err) == 0,
	      "resources_json_parses: %s", err.msg);
	if (priv)
		spec_priv_free(priv);
	json_free(doc);
	free(js);
}

static void test_list_oom_json(void)
{
	struct ctr_error err = {0};
	char *js = NULL;
	CHECK(ctr_list_json(NULL, 0, &js, &err) == 0 && !strcmp(js, "null"), "list_json_none: '%s'", js);
	free(js);
	struct ctr_state st[2] = {{.id = "a", .status = CTR_RUNNING, .pid = 42},
				  {.id = "b", .status = CTR_STOPPED}};
	js = NULL;
	CHECK(ctr_list_json(st, 2, &js, &err) == 0 && js[0] == '[' &&
	      strstr(js, "\"id\":\"a\",\"pid\":42,\"status\":\"running\"") &&
	      strstr(js, "},{\"ociVersion\"") && !strchr(js, '\n') && js[strlen(js) - 1] == ']',
	      "list_json_array: '%s'", js);
	free(js);
	js = NULL;
	CHECK(ctr_oom_event_json("c1", &js, &err) == 0 && !strcmp(js, "{\"type\":\"oom\",\"id\":\"c1\"}"),
	      "oom_event_json: '%s'", js);
	free(js);
}

static void test_ps_filter(void)
{
	struct ctr_error err = {0};
	char text[] = "UID   PID  PPID CMD\nroot    1     0 init\nroot   42     1 sh\n"
		      "root  420    42 sleep\nroot   43     1 x 42\n";
	pid_t pids[] = {420, 42};
	CHECK(ps_filter(text, pids, 2, &err) == 0 &&
	      !strcmp(text, "UID   PID  PPID CMD\nroot   42     1 sh\nroot  420    42 sleep\n"),
	      "ps_filter_rows: '%s'", text);
	char first[] = "  PID COMMAND\n   42 sh\n    7 init";
	CHECK(ps_filter(first, pids, 2, &err) == 0 && !strcmp(first, "  PID COMMAND\n   42 sh\n"),
	      "ps_filter_pid_first: '%s'", first);
	char nopid[] = "USER COMMAND\nroot sh\n";
	CHECK(ps_filter(nopid, pids, 2, &err) < 0 && strstr(err.msg, "no PID column"),
	      "ps_filter_no_pid_column: %s", err.msg);
}

static void test_ps_run(void)
{
	struct ctr_error err = {0};
	if (access("/bin/ps", X_OK) && access("/usr/bin/ps", X_OK)) {
		T_SKIP("ps_run: no ps(1) on this host");
		return;
	}
	char pid[32], *out = NULL;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	const char *args[] = {"-o", "pid,comm", "-p", pid, NULL};
	CHECK(ps_run(args, &out, &err) == 0 && strstr(out, "PID") && strstr(out, pid),
	      "ps_run_args: '%s'", out ? out : err.msg);
	free(out);
	out = NULL;
	const char *bad[] = {"--no-such-ps-option", NULL};
	int fd2 = dup(2), null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	dup2(null, 2);
	int rc = ps_run(bad, &out, &err);
	dup2(fd2, 2);
	close(fd2);
	close(null);
	CHECK(rc < 0 && !out && strstr(err.msg, "ps failed"), "ps_run_fails: %s", err.msg);
}

static void test_read_stdin(void)
{
	struct ctr_error err = {0};
	int p[2], saved = dup(0);
	if (pipe(p) < 0 || saved < 0) {
		T_FAIL("read_file_stdin: pipe");
		return;
	}
	(void)!write(p[1], "{\"memory\":{}}", 13);
	close(p[1]);
	dup2(p[0], 0);
	close(p[0]);
	char *s = NULL;
	int rc = ctr_read_file("-", &s, &err);
	dup2(saved, 0);
	close(saved);
	CHECK(rc == 0 && !strcmp(s, "{\"memory\":{}}"), "read_file_stdin: '%s'", s ? s : err.msg);
	free(s);
	CHECK(ctr_read_file("/nonexistent/x", &s, &err) < 0 && err.errnum == ENOENT && !s,
	      "read_file_missing: %s", err.msg);
}

/* A child that unblocks its signals and then does what: 'x' exits 7, 'p' waits for a
 * signal, 't' writes to the pty slave at path and exits 3. */
static pid_t child(char what, const char *path)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (what == 'p')
		pause();
	if (what == 't') {
		int fd = open(path, O_RDWR | O_NOCTTY);
		(void)!write(fd, "hello from the pty\n", 19);
		_exit(3);
	}
	_exit(7);
}

static void test_relay(void)
{
	struct ctr_error err = {0};
	int code = -1;
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	pid_t pid = child('x', NULL);
	struct ctr_relay_args r = {.pid = pid, .master = -1, .in_fd = -1, .out_fd = -1};
	CHECK(ctr_relay_tty(&r, &code, &err) < 0 && strstr(err.msg, "SIGCHLD"),
	      "relay_needs_sigchld_blocked: %s", err.msg);
	waitpid(pid, NULL, 0);

	sigprocmask(SIG_BLOCK, &set, &old);
	r.pid = child('x', NULL);
	CHECK(ctr_relay_tty(&r, &code, &err) == 0 && code == 7, "relay_exit_code: %d %s", code, err.msg);

	/* a signal to us goes to the process: it dies of it, 128+15 */
	r.pid = child('p', NULL);
	kill(getpid(), SIGTERM);
	CHECK(ctr_relay_tty(&r, &code, &err) == 0 && code == 128 + SIGTERM,
	      "relay_forwards_signal: %d %s", code, err.msg);
	CHECK(waitpid(r.pid, NULL, WNOHANG) < 0 && errno == ECHILD, "relay_reaped");

	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), out[2];
	if (master < 0 || grantpt(master) || unlockpt(master) || pipe2(out, O_CLOEXEC)) {
		T_FAIL("relay_pty_output: no pty: %s", strerror(errno));
	} else {
		r = (struct ctr_relay_args){.pid = child('t', ptsname(master)), .master = master,
					    .in_fd = -1, .out_fd = out[1]};
		int rc = ctr_relay_tty(&r, &code, &err);
		close(out[1]);
		char buf[256] = "";
		(void)!read(out[0], buf, sizeof(buf) - 1);
		CHECK(rc == 0 && code == 3 && strstr(buf, "hello from the pty"),
		      "relay_pty_output: rc %d, code %d, '%s' %s", rc, code, buf, err.msg);
		close(out[0]);
		close(master);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
}

int main(void)
{
	alarm(120); /* a relay that never returns fails the file, not the run */
	test_resources_json();
	test_list_oom_json();
	test_ps_filter();
	test_ps_run();
	test_read_stdin();
	test_relay();
	return t_failed;
}
