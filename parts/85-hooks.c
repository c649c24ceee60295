
/* ======================================================================
 * hooks
 * ====================================================================== */

/* OCI hooks: each runs with the container state JSON on stdin, its own args and env
 * only, and is killed at its timeout. A hook's output is kept for the error message. */

static const char *const hook_kind_names[HOOK_KIND_COUNT] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

/* Wait for our own child pid for at most timeout_ms (-1: forever), collecting up to
 * out_size-1 bytes of its output from out_fd. Returns the wait status, or -1 on timeout
 * (the child is then killed and reaped). */
static int hook_wait(pid_t pid, int out_fd, int timeout_ms, char *out, size_t out_size)
{
	size_t len = 0;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	bool open_out = out_fd >= 0;
	int pidfd AUTO_CLOSE = sys_pidfd_open(pid, 0);
	for (;;) {
		int status;
		pid_t r = waitpid(pid, &status, WNOHANG);
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
					waitpid(pid, &status, 0);
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
	static const char *const no_args[] = {NULL};
	const char *const argv0[] = {h->path, NULL};
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(out[0]);
		close(out[1]);
		return err_set(err, e, "%s hook %zu: fork", kind, index);
	}
	if (pid == 0) {
		/* child: state on stdin, output to the pipe, nothing else open */
		if (dup2(in, 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
			_exit(127);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(h->path, h->n_args ? (char *const *)h->args : (char *const *)argv0,
		       h->n_env ? (char *const *)h->env : (char *const *)no_args);
		dprintf(2, "exec %s: %s", h->path, strerror(errno));
		_exit(127);
	}
	close(out[1]);
	char output[512] = "";
	int timeout_ms = h->timeout.set ? (int)(h->timeout.v > INT_MAX / 1000 ? INT_MAX : h->timeout.v * 1000) : -1;
	int status = hook_wait(pid, out[0], timeout_ms, output, sizeof(output));
	close(out[0]);
	size_t olen = strlen(output);
	while (olen && (output[olen - 1] == '\n' || output[olen - 1] == ' '))
		output[--olen] = 0;
	if (status == -1)
		return err_set(err, ETIMEDOUT, "%s hook %zu (%s) timed out after %" PRId64 "s",
			       kind, index, h->path, h->timeout.v);
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
