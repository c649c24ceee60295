
/* ======================================================================
 * exec: ctr_exec
 * ====================================================================== */

/* ctr --fork--> helper: ctr moves it into the container's cgroup; it joins the init's
 * namespaces (user first, cgroup last) and root, then
 *   --clone(CLONE_PARENT)--> the process: a child of ctr, inside the pid namespace; it
 * sets itself up like the init (terminal, attributes, identity, seccomp) and execs.
 * Its end of the sync socket is close-on-exec: EOF there means the exec happened. */

/* process/helper -> ctr, besides LC_ERROR: pid, pty master, seccomp notify fd */
enum { EX_PID = 'P', EX_PTY = 'T', EX_LISTENER = 'L' };

struct ex_ctx {
	const struct ctr_exec_args *a;
	const struct spec *spec;
	const struct spec_process *p;
	struct sc_filter *filter;
	bool terminal;
	int sync_fd, root_fd;
	int ns_fds[8], ns_types[8];
	size_t n_ns;
};

/* Joined in this order: the user namespace grants the rights for the others; the pid
 * and time namespaces apply to children; the mount namespace after the others (it
 * changes how /proc resolves), the cgroup namespace once in the container's cgroup. */
static const struct { char name[8]; int type; } ex_ns[] = {
	{"user", CLONE_NEWUSER}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS},
	{"net", CLONE_NEWNET},   {"pid", CLONE_NEWPID}, {"time", CLONE_NEWTIME},
	{"mnt", CLONE_NEWNS},    {"cgroup", CLONE_NEWCGROUP},
};

/* Open /proc/PID/ns/NAME of every namespace the init does not share with us. */
static int ex_open_namespaces(struct ex_ctx *x, pid_t pid, struct ctr_error *err)
{
	for (size_t i = 0; i < ARRAY_LEN(ex_ns); i++) {
		char path[128], self[128];
		struct stat theirs, ours;
		snprintf(path, sizeof(path), "/proc/%ld/ns/%s", (long)pid, ex_ns[i].name);
		snprintf(self, sizeof(self), "/proc/self/ns/%s", ex_ns[i].name);
		if (stat(path, &theirs) < 0) {
			if (errno == ENOENT && stat(self, &ours) < 0)
				continue; /* a kernel without this namespace type */
			return err_set(err, errno, "exec: stat %s", path);
		}
		if (stat(self, &ours) == 0 && ours.st_ino == theirs.st_ino &&
		    ours.st_dev == theirs.st_dev)
			continue;
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return err_set(err, errno, "exec: open %s", path);
		x->ns_fds[x->n_ns] = fd;
		x->ns_types[x->n_ns++] = ex_ns[i].type;
	}
	return 0;
}

/* Qemu-user refuses CLONE_PARENT: the helper then stands in for its child, forwarding
 * signals and mirroring its exit, so that the caller still waits for one of its own. */
__attribute__((noreturn))
static void ex_stand_in(pid_t pid)
{
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si), st;
		if (sig == SIGCHLD && waitpid(pid, &st, WNOHANG) == pid) {
			if (WIFSIGNALED(st)) {
				signal(WTERMSIG(st), SIG_DFL);
				sigprocmask(SIG_UNBLOCK, &all, NULL);
				kill(getpid(), WTERMSIG(st));
				_exit(128 + WTERMSIG(st));
			}
			_exit(WEXITSTATUS(st));
		} else if (sig > 0 && sig != SIGCHLD) {
			kill(pid, sig);
		}
	}
}

/* A seccomp notify fd goes to ctr, which passes it on to linux.seccomp.listenerPath. */
static int ex_send_listener(int sync, int *listener, struct ctr_error *err)
{
	if (*listener < 0)
		return 0;
	struct lc_msg m = {.type = EX_LISTENER};
	int rc = term_sendmsg_fd(sync, *listener, &m, LC_MSG_HDR + 1, err);
	close(*listener);
	*listener = -1;
	return rc;
}

__attribute__((noreturn))
static void ex_process_main(struct ex_ctx *x)
{
	struct ctr_error e = {0};
	const struct ctr_exec_args *a = x->a;
	const struct spec_process *p = x->p;
	int fd = x->sync_fd;

	for (int i = 0; a->stdio && i < 3; i++)
		if (a->stdio[i] != i && dup2(a->stdio[i], i) < 0)
			err_set(&e, errno, "exec: dup2 stdio fd %d", i), lc_child_fail(fd, &e);
	/* Inside the container's root already: /dev/ptmx is the container's devpts. */
	struct lc_msg m = {.type = EX_PTY};
	if (x->terminal &&
	    term_setup_child(fd, &m, LC_MSG_HDR + 1, p->console_height.v, p->console_width.v,
			     false, &e) < 0)
		lc_child_fail(fd, &e);
	if (process_prepare(x->spec, p, false, &e) < 0 || process_chdir(p, &e) < 0)
		lc_child_fail(fd, &e);
	/* Without noNewPrivileges the filter needs CAP_SYS_ADMIN: before the identity
	 * change; otherwise as late as possible (as the init does). */
	bool early = x->filter && !p->no_new_privileges;
	int listener = -1;
	if (early && (seccomp_install(x->filter, &listener, &e) < 0 ||
		      ex_send_listener(fd, &listener, &e) < 0))
		lc_child_fail(fd, &e);
	if (process_set_identity(p, &e) < 0)
		lc_child_fail(fd, &e);
	int first = 3 + (a->preserve_fds > 0 ? a->preserve_fds : 0);
	for (int i = 3; i < first; i++) {
		int fl = fcntl(i, F_GETFD);
		if (fl >= 0 && (fl & FD_CLOEXEC))
			fcntl(i, F_SETFD, fl & ~FD_CLOEXEC);
	}
	if (fds_close_from(first, fd, &e) < 0)
		lc_child_fail(fd, &e);
	char exe[PATH_MAX];
	if (process_find_executable(p, exe, sizeof(exe), &e) < 0)
		lc_child_fail(fd, &e);
	if (x->filter && !early && (seccomp_install(x->filter, &listener, &e) < 0 ||
				    ex_send_listener(fd, &listener, &e) < 0))
		lc_child_fail(fd, &e);
	lc_reset_signals();
	process_exec_found(exe, p, &e);
	lc_child_fail(fd, &e);
}

__attribute__((noreturn))
static void ex_helper_main(struct ex_ctx *x)
{
	struct ctr_error e = {0};
	struct lc_msg m;
	int fd = x->sync_fd;

	/* CVE-2019-5736: no process of the container may open our binary through
	 * /proc/PID/exe; the process inherits this until its exec. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (lc_expect(fd, LC_CGROUP_DONE, &m, "exec", &e) < 0)
		_exit(1);
	for (size_t i = 0; i < x->n_ns; i++) {
		if (setns(x->ns_fds[i], x->ns_types[i]) < 0) {
			const char *name = "?";
			for (size_t k = 0; k < ARRAY_LEN(ex_ns); k++)
				if (ex_ns[k].type == x->ns_types[i])
					name = ex_ns[k].name;
			err_set(&e, errno, "exec: joining the container's %s namespace", name);
			lc_child_fail(fd, &e);
		}
		close(x->ns_fds[i]);
	}
	/* The init's root, not the namespace's (they differ with --no-pivot); never the
	 * host's cwd (CVE-2024-21626). */
	if (fchdir(x->root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		err_set(&e, errno, "exec: entering the container's root"), lc_child_fail(fd, &e);
	close(x->root_fd);
	bool child_of_ctr = true;
	pid_t pid = lc_clone_parent();
	if (pid < 0 && (errno == EINVAL || errno == ENOSYS || errno == EPERM)) {
		child_of_ctr = false;
		pid = fork();
	}
	if (pid < 0)
		err_set(&e, errno, "exec: creating the process"), lc_child_fail(fd, &e);
	if (pid == 0)
		ex_process_main(x);
	lc_send(fd, EX_PID, pid, child_of_ctr, NULL);
	if (child_of_ctr)
		_exit(0);
	close(fd);
	ex_stand_in(pid);
}

/* The process to run: process_json as is (runc's -p), else the config's process with
 * the args and the overrides of a. What is allocated here goes into store[]: the JSON
 * document, the parser's storage, env, gids (the caller releases them). */
static int ex_build_process(const struct ctr_exec_args *a, const struct spec *s,
			    struct spec_process *p, void *store[4], struct ctr_error *err)
{
	if (a->process_json) {
		struct json_doc *doc = NULL;
		if (json_parse(a->process_json, strlen(a->process_json), "process.json", NULL,
			       &doc, err) < 0)
			return -1;
		store[0] = doc;
		return spec_parse_process(json_root(doc), "process.json", p, &store[1], err);
	}
	if (!a->args || !a->args[0])
		return err_set(err, EINVAL, "exec: no command given (args or process.json)");
	*p = s->process;
	p->terminal = false;
	p->args = (const char **)a->args;
	for (p->n_args = 0; a->args[p->n_args]; p->n_args++)
		;
	size_t n_extra = 0;
	while (a->env && a->env[n_extra])
		n_extra++;
	if (n_extra) {
		const char **env = mem_array(p->n_env + n_extra + 1, sizeof(*env), err);
		if (!env)
			return -1;
		store[2] = env;
		memcpy(env, p->env, p->n_env * sizeof(*env));
		size_t n = p->n_env;
		for (size_t i = 0; i < n_extra; i++) {
			const char *kv = a->env[i];
			size_t klen = strcspn(kv, "=") + 1, j = 0;
			while (j < n && strncmp(env[j], kv, klen))
				j++;
			env[j] = kv;
			n += j == n;
		}
		p->env = env;
		p->n_env = n;
	}
	if (a->cwd)
		p->cwd = a->cwd;
	if (a->user) {
		uint64_t uid, gid = 0;
		char buf[64];
		snprintf(buf, sizeof(buf), "%s", a->user);
		char *colon = strchr(buf, ':');
		if (colon)
			*colon++ = 0;
		if (parse_u64(buf, &uid) < 0 || uid > UINT32_MAX ||
		    (colon && (parse_u64(colon, &gid) < 0 || gid > UINT32_MAX)))
			return err_set(err, EINVAL, "exec: invalid user \"%s\" (want UID[:GID])", a->user);
		p->user.uid = (uint32_t)uid;
		p->user.gid = (uint32_t)gid;
	}
	if (a->additional_gids) {
		size_t n = 1;
		for (const char *c = a->additional_gids; *c; c++)
			n += *c == ',';
		uint32_t *gids = mem_array(n, sizeof(*gids), err);
		if (!gids)
			return -1;
		store[3] = gids;
		char buf[32];
		const char *c = a->additional_gids;
		for (size_t i = 0; i < n; i++) {
			size_t len = strcspn(c, ",");
			uint64_t g;
			snprintf(buf, sizeof(buf), "%.*s", (int)(len < sizeof(buf) ? len : sizeof(buf) - 1), c);
			if (len >= sizeof(buf) || parse_u64(buf, &g) < 0 || g > UINT32_MAX)
				return err_set(err, EINVAL, "exec: invalid additional gids \"%s\"",
					       a->additional_gids);
			gids[i] = (uint32_t)g;
			c += len + 1;
		}
		p->user.additional_gids = gids;
		p->user.n_additional_gids = n;
	}
	for (size_t i = 0; a->caps && a->caps[i]; i++) {
		int cap = spec_cap_from_name(a->caps[i]);
		if (cap < 0)
			return err_set(err, EINVAL, "exec: unknown capability \"%s\"", a->caps[i]);
		uint64_t bit = 1ULL << cap;
		struct spec_caps *c = &p->caps;
		c->bounding.mask |= bit;
		c->effective.mask |= bit;
		c->permitted.mask |= bit;
		c->bounding.set = c->effective.set = c->permitted.set = true;
		/* ambient needs inheritable, which --cap does not give: only if already there */
		if (c->inheritable.set && (c->inheritable.mask & bit)) {
			c->ambient.mask |= bit;
			c->ambient.set = true;
		}
	}
	if (a->no_new_privs)
		p->no_new_privileges = true;
	if (a->apparmor)
		p->apparmor_profile = a->apparmor;
	if (a->process_label)
		p->selinux_label = a->process_label;
	return 0;
}

/* Hand the process's seccomp notify fd to the agent, with the container's state. */
static int ex_pass_listener(const struct ctr_opts *o, const char *id, const struct spec *s,
			    pid_t pid, int listener, struct ctr_error *err)
{
	struct ctr_state st;
	char *json = NULL;
	if (ctr_state(o, id, &st, err) < 0)
		return -1;
	int rc = ctr_state_json(&st, NULL, &json, err);
	ctr_state_release(&st);
	if (rc == 0)
		rc = seccomp_send_listener(s->lx.seccomp, listener, pid, json, err);
	free(json);
	return rc;
}

int ctr_exec(const struct ctr_opts *o, const char *id, const struct ctr_exec_args *a,
	     pid_t *pid_out, struct ctr_error *err)
{
	struct lc_container ct;
	if (!a)
		return err_set(err, EINVAL, "exec: no arguments");
	if (lc_open(o, id, STATE_SHARED, &ct, err) < 0)
		return -1;
	struct ex_ctx x = {.a = a, .sync_fd = -1, .root_fd = -1};
	struct spec *spec = NULL;
	struct spec_process proc;
	void *store[4] = {NULL, NULL, NULL, NULL};
	struct cgroup *cg = NULL;
	char *config = NULL;
	size_t config_len = 0;
	int sync[2] = {-1, -1}, master = -1, listener = -1, rc = -1;
	pid_t helper = -1, pid = -1;
	bool child_of_ctr = true;

	switch (ct.status) {
	case CTR_CREATED:
	case CTR_RUNNING:
		break;
	case CTR_PAUSED:
		err_set(err, 0, "cannot exec in a paused container");
		goto out;
	case CTR_CREATING:
		err_set(err, 0, "cannot exec in a container that is still being created");
		goto out;
	default:
		err_set(err, 0, "cannot exec in a stopped container");
		goto out;
	}
	const char *cfg = ct.st.config_path && *ct.st.config_path ? ct.st.config_path : "config.json";
	if (read_file_at(ct.h.dir_fd, cfg, 16u << 20, &config, &config_len, err) < 0 ||
	    spec_parse(config, config_len, "config.json", &spec, err) < 0) {
		err_prefix(err, "exec: the container's config");
		goto out;
	}
	if (ex_build_process(a, spec, &proc, store, err) < 0)
		goto out;
	x.spec = spec;
	x.p = &proc;
	x.terminal = a->tty || (a->process_json && proc.terminal);
	if (x.terminal && !a->console_socket && !a->pty_master) {
		err_set(err, EINVAL, "exec: a terminal needs a console socket");
		goto out;
	}
	if (spec->has_linux && spec->lx.seccomp &&
	    seccomp_compile(spec->lx.seccomp, &x.filter, err) < 0) {
		err_prefix(err, "linux.seccomp");
		goto out;
	}
	if (lc_cgroup_load(&ct.st, &cg, err) < 0)
		goto out;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/root", (long)ct.st.pid);
	x.root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (x.root_fd < 0) {
		err_set(err, errno, "exec: open %s", path);
		goto out;
	}
	if (ex_open_namespaces(&x, ct.st.pid, err) < 0)
		goto out;
	/* the fds above belong to the init we checked, not to a process that reused its pid */
	if (!pid_alive(ct.st.pid, ct.st.pid_start)) {
		err_set(err, 0, "cannot exec in a stopped container");
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0) {
		err_set(err, errno, "exec: socketpair");
		goto out;
	}
	if ((sync[1] = lc_fd_above(sync[1], 3 + (a->preserve_fds > 0 ? a->preserve_fds : 0))) < 0) {
		err_set(err, errno, "exec: moving internal fds above --preserve-fds");
		goto out;
	}
	x.sync_fd = sync[1];
	helper = fork();
	if (helper < 0) {
		err_set(err, errno, "exec: fork");
		goto out;
	}
	if (helper == 0) {
		close(sync[0]);
		state_close(&ct.h);
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		ex_helper_main(&x);
	}
	close(sync[1]);
	sync[1] = -1;
	if (cg && cgroup_enter(cg, helper, err) < 0) {
		err_prefix(err, "exec: joining the container's cgroup");
		goto out;
	}
	if (lc_send(sync[0], LC_CGROUP_DONE, 0, 0, NULL) < 0) {
		err_set(err, errno, "exec: the helper exited early");
		goto out;
	}
	/* P (pid), T (pty master) and E (error) in any order, until EOF */
	bool failed = false;
	for (;;) {
		struct lc_msg m;
		int mfd;
		ssize_t n = term_recvmsg_fd(sync[0], &m, sizeof(m), &mfd);
		if (n < 0) {
			failed = true;
			err_set(err, errno, "exec: reading from the process");
			break;
		}
		if (n == 0)
			break;
		if (n >= (ssize_t)LC_MSG_HDR) {
			m.text[sizeof(m.text) - 1] = 0;
			if (n < (ssize_t)sizeof(m))
				((char *)&m)[n] = 0;
			if (m.type == EX_PID) {
				pid = m.val;
				child_of_ctr = m.val2;
			} else if (m.type == EX_PTY && mfd >= 0 && master < 0) {
				master = TAKE_FD(mfd);
			} else if (m.type == EX_LISTENER && mfd >= 0 && listener < 0) {
				listener = TAKE_FD(mfd);
			} else if (m.type == LC_ERROR && !failed) {
				failed = true;
				err_set(err, 0, "%s", m.text);
				err->errnum = m.val;
			}
		}
		if (mfd >= 0)
			close(mfd);
	}
	if (!failed && pid <= 0) {
		failed = true;
		err_set(err, EPIPE, "exec: the helper exited unexpectedly");
	}
	if (child_of_ctr || failed) {
		while (waitpid(helper, NULL, 0) < 0 && errno == EINTR)
			;
		helper = -1;
	}
	if (failed)
		goto out;
	if (!child_of_ctr) {
		pid = TAKE_FD(helper); /* the stand-in is the caller's child */
		child_of_ctr = true;
	}
	if ((listener >= 0 && ex_pass_listener(o, id, spec, pid, listener, err) < 0) ||
	    (a->pid_file && lc_write_pid_file(a->pid_file, pid, err) < 0) ||
	    (master >= 0 && term_deliver(TAKE_FD(master), a->console_socket, a->pty_master, err) < 0))
		goto out;
	lc_log(o, CTR_LOG_DEBUG, "exec in %s: pid %ld", id, (long)pid);
	if (pid_out)
		*pid_out = pid;
	pid = -1;
	rc = 0;
out:
	if (helper > 0)
		lc_kill_reap(helper);
	if (pid > 0 && child_of_ctr)
		lc_kill_reap(pid); /* a failed exec exits by itself; a late failure is killed */
	if (master >= 0)
		close(master);
	if (listener >= 0)
		close(listener);
	for (int i = 0; i < 2; i++)
		if (sync[i] >= 0)
			close(sync[i]);
	for (size_t i = 0; i < x.n_ns; i++)
		close(x.ns_fds[i]);
	if (x.root_fd >= 0)
		close(x.root_fd);
	if (x.filter)
		seccomp_filter_free(x.filter);
	if (cg)
		cgroup_free(cg);
	json_free(store[0]);
	spec_priv_free(store[1]);
	free(store[2]);
	free(store[3]);
	spec_free(spec);
	free(config);
	lc_release(&ct);
	return rc;
}
