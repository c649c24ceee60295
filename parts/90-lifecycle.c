
/* ======================================================================
 * lifecycle
 * ====================================================================== */

/* ctr_create runs the create flow of the handbook:
 *   ctr --fork--> stage-1: setns (user first), unshare(USER) + maps by ctr, unshare(rest)
 *                  --clone(CLONE_PARENT)--> init (a child of ctr, pid 1 of the new pid ns)
 *   init: rootfs, names, process attributes, identity; "ready"; waits on start.sock.
 * ctr and the children talk over a SOCK_SEQPACKET pair, one message per step. Errors of
 * the children come back as text and fail ctr_create, which then unwinds everything. */

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define LC_START_SOCK "start.sock"
#define LC_CONFIG_COPY "config.json"

enum lc_msg_type {
	LC_CGROUP_DONE = 'c',  /* ctr -> stage-1: you are in the cgroup, go on */
	LC_USERNS = 'U',       /* stage-1 -> ctr: new user ns made, write the maps */
	LC_USERNS_DONE = 'u',  /* ctr -> stage-1 */
	LC_INIT_PID = 'P',     /* stage-1 -> ctr: the init's pid; val2: 1 if ctr's child */
	LC_HOOKS = 'H',        /* init -> ctr: mounts done, run prestart/createRuntime hooks */
	LC_HOOKS_DONE = 'h',   /* ctr -> init: val = the init's host pid */
	LC_TERMINAL = 'T',     /* init -> ctr: the pty master (SCM_RIGHTS) */
	LC_READY = 'R',        /* init -> ctr: set up, waiting for start */
	LC_GO = 'G',           /* ctr -> init: state saved, wait for start now */
	LC_ERROR = 'E',        /* child -> ctr: val = errno, text = message */
};

struct lc_msg {
	char type;
	int32_t val, val2;
	char text[sizeof(((struct ctr_error *)0)->msg)];
};
#define LC_MSG_HDR offsetof(struct lc_msg, text)

const char *ctr_status_name(enum ctr_status status)
{
	static const char *const names[] = {"creating", "created", "running", "paused", "stopped"};
	return (unsigned)status < ARRAY_LEN(names) ? names[status] : "unknown";
}

int ctr_id_valid(const char *id, struct ctr_error *err)
{
	if (!id || !*id)
		return err_set(err, EINVAL, "invalid container id: empty");
	size_t len = strlen(id);
	if (len > 1024)
		return err_set(err, EINVAL, "invalid container id: longer than 1024 bytes");
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)id[i];
		if (!(isalnum(ch) || ch == '_' || ch == '+' || ch == '-' || (ch == '.' && i > 0)))
			return err_set(err, EINVAL, "invalid container id \"%s\"", id);
	}
	return 0;
}

static const struct lc_signame {
	char name[8];
	unsigned char sig;
} lc_signames[] = {
	{"HUP", SIGHUP},     {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},
	{"TRAP", SIGTRAP},   {"ABRT", SIGABRT},     {"IOT", SIGIOT},     {"BUS", SIGBUS},
	{"FPE", SIGFPE},     {"KILL", SIGKILL},     {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},
	{"USR2", SIGUSR2},   {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},   {"TERM", SIGTERM},
#ifdef SIGSTKFLT
	{"STKFLT", SIGSTKFLT},
#endif
	{"CHLD", SIGCHLD},   {"CLD", SIGCHLD},      {"CONT", SIGCONT},   {"STOP", SIGSTOP},
	{"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},   {"URG", SIGURG},
	{"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
	{"WINCH", SIGWINCH}, {"IO", SIGIO},         {"POLL", SIGPOLL},
#ifdef SIGPWR
	{"PWR", SIGPWR},
#endif
	{"SYS", SIGSYS},
};

int ctr_signal_parse(const char *name, int *sig, struct ctr_error *err)
{
	int64_t num;
	if (!name || !*name)
		return err_set(err, EINVAL, "invalid signal: empty");
	if (parse_i64(name, &num) == 0) {
		if (num <= 0 || num >= _NSIG)
			return err_set(err, EINVAL, "invalid signal number %s", name);
		*sig = (int)num;
		return 0;
	}
	const char *n = name;
	if (strncasecmp(n, "SIG", 3) == 0)
		n += 3;
	for (size_t i = 0; i < ARRAY_LEN(lc_signames); i++) {
		if (strcasecmp(n, lc_signames[i].name) == 0) {
			*sig = lc_signames[i].sig;
			return 0;
		}
	}
	/* RTMIN, RTMIN+N, RTMAX, RTMAX-N */
	int base = 0, sign = 0;
	if (strncasecmp(n, "RTMIN", 5) == 0)
		base = SIGRTMIN, sign = 1;
	else if (strncasecmp(n, "RTMAX", 5) == 0)
		base = SIGRTMAX, sign = -1;
	if (base) {
		int64_t off = 0;
		if (n[5] && ((n[5] != '+' && n[5] != '-') || (n[5] == '+') != (sign > 0) ||
			     parse_i64(n + 6, &off) < 0 || off < 0))
			return err_set(err, EINVAL, "unknown signal \"%s\"", name);
		int64_t v = base + sign * off;
		if (v >= SIGRTMIN && v <= SIGRTMAX) {
			*sig = (int)v;
			return 0;
		}
	}
	return err_set(err, EINVAL, "unknown signal \"%s\"", name);
}

PRINTF_LIKE(3, 4)
static void lc_log(const struct ctr_opts *o, int level, const char *fmt, ...)
{
	if (!o || !o->log_fn || (level == CTR_LOG_DEBUG && !o->debug))
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o->log_fn(o->log_arg, level, msg);
}

/* ---------- sync messages ---------- */

static int lc_send(int fd, char type, int32_t val, int32_t val2, const char *text)
{
	struct lc_msg m;
	m.type = type;
	m.val = val;
	m.val2 = val2;
	size_t tlen = 0;
	if (text) {
		tlen = strnlen(text, sizeof(m.text) - 1);
		memcpy(m.text, text, tlen);
	}
	m.text[tlen] = 0;
	for (;;) {
		ssize_t n = send(fd, &m, LC_MSG_HDR + tlen + 1, MSG_NOSIGNAL);
		if (n >= 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

/* Receive one message; an LC_ERROR or a closed peer becomes err (what = the step). */
static int lc_recv(int fd, struct lc_msg *m, const char *what, struct ctr_error *err)
{
	ssize_t n;
	do
		n = recv(fd, m, sizeof(*m), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_set(err, errno, "%s: reading from the container init", what);
	if (n < (ssize_t)LC_MSG_HDR)
		return err_set(err, EPIPE, "%s: the container init exited unexpectedly", what);
	((char *)m)[n < (ssize_t)sizeof(*m) ? (size_t)n : sizeof(*m) - 1] = 0;
	m->text[sizeof(m->text) - 1] = 0;
	if (m->type == LC_ERROR) {
		err_set(err, 0, "%s", m->text);
		err->errnum = m->val;
		return -1;
	}
	return 0;
}

static int lc_expect(int fd, char type, struct lc_msg *m, const char *what,
		     struct ctr_error *err)
{
	if (lc_recv(fd, m, what, err) < 0)
		return -1;
	if (m->type != type)
		return err_set(err, EPROTO, "%s: unexpected message '%c' from the container init",
			       what, m->type);
	return 0;
}

static int lc_annotations_json(const struct spec *s, char **out, struct ctr_error *err)
{
	*out = NULL;
	if (!s->n_annotations)
		return 0;
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, NULL);
	jw_obj_begin(&w);
	for (size_t i = 0; i < s->n_annotations; i++) {
		jw_key(&w, s->annotations[i].key);
		jw_str(&w, s->annotations[i].value);
	}
	jw_obj_end(&w);
	return sbuf_take(&sb, out, err);
}

/* The OCI state given to hooks on stdin (compact, as runc). */
static int lc_hook_state(const char *id, enum ctr_status status, pid_t pid, const char *bundle,
			 const char *rootfs, const struct spec *s, char **out, struct ctr_error *err)
{
	struct ctr_state st = {.status = status, .pid = pid};
	snprintf(st.id, sizeof(st.id), "%s", id);
	st.bundle = (char *)bundle;
	st.rootfs = (char *)rootfs;
	st.owner = (char *)"";
	char *ann = NULL;
	if (s && lc_annotations_json(s, &ann, err) < 0)
		return -1;
	st.annotations_json = ann;
	int rc = ctr_state_json(&st, NULL, out, err);
	free(ann);
	return rc;
}

static bool lc_has_hooks(const struct spec *s, enum spec_hook_kind kind)
{
	return s->n_hooks[kind] > 0;
}

/* Run one kind of hooks with the state; errors name the kind. */
static int lc_run_hooks(const struct spec *s, enum spec_hook_kind kind, const char *id,
			enum ctr_status status, pid_t pid, const char *bundle, const char *rootfs,
			struct ctr_error *err)
{
	if (!lc_has_hooks(s, kind))
		return 0;
	char *state = NULL;
	if (lc_hook_state(id, status, pid, bundle, rootfs, s, &state, err) < 0)
		return -1;
	int rc = hooks_run(s, kind, state, err);
	free(state);
	return rc;
}

/* ---------- the children ---------- */

/* What the children need, all prepared by ctr before the first fork. */
struct lc_create {
	const struct ctr_opts *o;
	const char *id, *bundle;
	const struct ctr_create_args *a;
	const struct spec *spec;
	const char *rootfs;
	struct sc_filter *filter;
	int sync_fd;                 /* child end of the sync pair (in ctr: ctr's end) */
	int listen_fd;               /* bound at <statedir>/start.sock */
	int ns_fds[8];               /* namespaces to join: fd, or -1 */
	int ns_types[8];
	size_t n_ns;
	int unshare_flags;           /* new namespaces other than user */
	bool new_userns, any_userns;
	bool new_netns, has_mntns;
};

__attribute__((noreturn))
static void lc_child_fail(int fd, struct ctr_error *e)
{
	lc_send(fd, LC_ERROR, e->errnum, 0, e->msg);
	_exit(1);
}

/* Become root of the user namespace we just entered (needs uid/gid 0 mapped). */
static int lc_become_root(struct ctr_error *err)
{
	if (sys_setresgid(0) < 0)
		return err_set(err, errno, "setresgid(0) in the user namespace");
	if (sys_setresuid(0) < 0)
		return err_set(err, errno, "setresuid(0) in the user namespace");
	return 0;
}

static pid_t lc_clone_parent(void)
{
#if defined(__s390__) || defined(__CRIS__)
	return (pid_t)syscall(SYS_clone, 0, CLONE_PARENT | SIGCHLD, NULL, NULL, 0);
#else
	return (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL, NULL, 0);
#endif
}

/* Is args[0] something execve could run? Checked at create like runc, so a typo fails
 * `create`, not `start`. PATH comes from the process env, as for the exec. */
static int lc_check_executable(const struct spec_process *p, struct ctr_error *err)
{
	const char *cmd = p->args[0];
	if (strchr(cmd, '/')) {
		if (access(cmd, X_OK) < 0)
			return err_set(err, errno, "exec: %s", cmd);
		return 0;
	}
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (size_t i = 0; i < p->n_env; i++)
		if (str_has_prefix(p->env[i], "PATH="))
			path = p->env[i] + 5;
	char buf[PATH_MAX];
	for (const char *s = path; ; ) {
		const char *e = strchrnul(s, ':');
		size_t dl = (size_t)(e - s);
		if (snprintf(buf, sizeof(buf), "%.*s%s%s", (int)dl, s, dl ? "/" : "", cmd) <
		    (int)sizeof(buf)) {
			struct stat sb;
			if (stat(buf, &sb) == 0 && S_ISREG(sb.st_mode) && access(buf, X_OK) == 0)
				return 0;
		}
		if (!*e)
			break;
		s = e + 1;
	}
	return err_set(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", cmd);
}

/* Put fd above `min` (internal fds must not land on the fds passed to the container). */
static int lc_fd_above(int fd, int min)
{
	if (fd >= min)
		return fd;
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, min);
	if (nfd >= 0)
		close(fd);
	return nfd;
}

/* Default dispositions and an empty mask for the container process: exec resets caught
 * signals but keeps ignored ones. The raw syscall also reaches the signals libc keeps for
 * itself (32, 33 ...), and a zeroed kernel sigaction is SIG_DFL on every architecture. */
static void lc_reset_signals(void)
{
	static const unsigned long dfl[16];
	for (int s = 1; s < _NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			syscall(SYS_rt_sigaction, s, dfl, NULL, (size_t)(_NSIG / 8));
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

__attribute__((noreturn))
static void lc_init_main(struct lc_create *c, bool child_of_ctr)
{
	struct ctr_error e = {0};
	const struct spec *s = c->spec;
	const struct spec_process *p = &s->process;
	int fd = c->sync_fd;

	/* CVE-2019-5736: nothing in the container may open our binary via /proc/PID/exe */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (child_of_ctr)
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	for (int i = 0; c->a->stdio && i < 3; i++)
		if (c->a->stdio[i] != i && dup2(c->a->stdio[i], i) < 0)
			err_set(&e, errno, "init: dup2 stdio fd %d", i), lc_child_fail(fd, &e);
	if (c->new_netns && net_loopback_up(&e) < 0)
		lc_child_fail(fd, &e);
	struct rootfs_ctx rc = {
		.spec = s, .rootfs = c->rootfs, .no_pivot = c->a->no_pivot != 0,
		.userns = c->any_userns,
	};
	/* relative mount sources are relative to the bundle, as in runc */
	if (chdir(c->bundle) < 0)
		err_set(&e, errno, "init: chdir to bundle %s", c->bundle), lc_child_fail(fd, &e);
	if (rootfs_setup(&rc, &e) < 0)
		lc_child_fail(fd, &e);
	pid_t host_pid = 0;
	if (lc_has_hooks(s, HOOK_PRESTART) || lc_has_hooks(s, HOOK_CREATE_RUNTIME) ||
	    lc_has_hooks(s, HOOK_CREATE_CONTAINER)) {
		/* ctr runs prestart + createRuntime now, before the root switch */
		struct lc_msg m;
		if (lc_send(fd, LC_HOOKS, 0, 0, NULL) < 0 ||
		    lc_expect(fd, LC_HOOKS_DONE, &m, "init", &e) < 0)
			_exit(1);
		host_pid = m.val;
		if (lc_run_hooks(s, HOOK_CREATE_CONTAINER, c->id, CTR_CREATING, host_pid, c->bundle,
				 c->rootfs, &e) < 0)
			lc_child_fail(fd, &e);
	}
	/* sysctls before the root switch: readonlyPaths make /proc/sys read-only; the
	 * values still apply to the container's namespaces, which we are already in */
	if (process_set_names_and_sysctl(s, &e) < 0)
		lc_child_fail(fd, &e);
	if (rootfs_enter(&rc, &e) < 0)
		lc_child_fail(fd, &e);
	if (p->terminal) {
		/* the pty comes from the container's own devpts, its master goes to ctr */
		struct lc_msg tm = {.type = LC_TERMINAL};
		if (term_setup_child(fd, &tm, LC_MSG_HDR + 1, p->console_height.set ?
				     p->console_height.v : 0, p->console_width.set ?
				     p->console_width.v : 0, true, &e) < 0)
			lc_child_fail(fd, &e);
	}
	if (process_prepare(s, p, c->a->no_new_keyring != 0, &e) < 0 ||
	    process_chdir(p, &e) < 0)
		lc_child_fail(fd, &e);
	/* Without noNewPrivileges, installing a filter needs CAP_SYS_ADMIN: do it before
	 * the identity change drops it; otherwise as late as possible (as runc does). */
	bool seccomp_early = c->filter && !p->no_new_privileges;
	int listener = -1;
	if (seccomp_early && seccomp_install(c->filter, &listener, &e) < 0)
		lc_child_fail(fd, &e);
	if (process_set_identity(p, &e) < 0 || lc_check_executable(p, &e) < 0)
		lc_child_fail(fd, &e);

	/* From here on a dying ctr is noticed as EOF on the sync socket. */
	if (child_of_ctr)
		prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	struct lc_msg m;
	/* val = 1: a seccomp notify fd follows, for ctr to pass to listenerPath */
	if (lc_send(fd, LC_READY, listener >= 0, 0, NULL) < 0 ||
	    (listener >= 0 && term_send_fd(fd, listener, "seccomp", &e) < 0) ||
	    lc_recv(fd, &m, "init", &e) < 0 || m.type != LC_GO)
		_exit(1);
	if (listener >= 0)
		close(listener);
	host_pid = m.val;
	close(fd);

	int first = 3 + (c->a->preserve_fds > 0 ? c->a->preserve_fds : 0);
	int conn;
	do
		conn = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	while (conn < 0 && errno == EINTR);
	if (conn < 0)
		_exit(1);
	close(c->listen_fd);
	conn = lc_fd_above(conn, first);
	if (conn < 0)
		_exit(1);
	/* runc's --preserve-fds: the caller's fds 3..3+N-1 survive the exec */
	for (int i = 3; i < first; i++) {
		int fl = fcntl(i, F_GETFD);
		if (fl >= 0 && (fl & FD_CLOEXEC))
			fcntl(i, F_SETFD, fl & ~FD_CLOEXEC);
	}
	if (fds_close_from(first, conn, &e) < 0)
		goto fail;
	if (lc_has_hooks(s, HOOK_START_CONTAINER)) {
		if (lc_run_hooks(s, HOOK_START_CONTAINER, c->id, CTR_CREATED, host_pid, c->bundle,
				 c->rootfs, &e) < 0)
			goto fail;
	}
	char exe[PATH_MAX];
	if (process_find_executable(p, exe, sizeof(exe), &e) < 0)
		goto fail;
	if (c->filter && !seccomp_early) {
		if (seccomp_install(c->filter, &listener, &e) < 0)
			goto fail;
		/* `ctr start` passes it on to listenerPath */
		if (listener >= 0 && term_send_fd(conn, listener, "seccomp", &e) < 0)
			goto fail;
		if (listener >= 0)
			close(listener);
	}
	lc_reset_signals();
	process_exec_found(exe, p, &e);
fail:
	(void)write_all(conn, e.msg, strlen(e.msg));
	_exit(127);
}

__attribute__((noreturn))
static void lc_stage1_main(struct lc_create *c)
{
	struct ctr_error e = {0};
	int fd = c->sync_fd;
	struct lc_msg m;

	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* wait until ctr has put us into the cgroup: the init and the cgroup ns inherit it */
	if (lc_expect(fd, LC_CGROUP_DONE, &m, "stage-1", &e) < 0)
		_exit(1);
	/* join namespaces given by path (user first: it grants the rights for the rest) */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < c->n_ns; i++) {
			if ((c->ns_types[i] == CLONE_NEWUSER) != (pass == 0))
				continue;
			if (setns(c->ns_fds[i], c->ns_types[i]) < 0)
				err_set(&e, errno, "setns into namespace %zu of linux.namespaces", i),
					lc_child_fail(fd, &e);
			close(c->ns_fds[i]);
			if (c->ns_types[i] == CLONE_NEWUSER && lc_become_root(&e) < 0)
				lc_child_fail(fd, &e);
		}
	}
	if (c->new_userns) {
		if (unshare(CLONE_NEWUSER) < 0)
			err_set(&e, errno, "unshare user namespace"), lc_child_fail(fd, &e);
		if (lc_send(fd, LC_USERNS, 0, 0, NULL) < 0 ||
		    lc_expect(fd, LC_USERNS_DONE, &m, "stage-1", &e) < 0)
			_exit(1);
		if (lc_become_root(&e) < 0)
			lc_child_fail(fd, &e);
	}
	if (c->unshare_flags && unshare(c->unshare_flags) < 0)
		err_set(&e, errno, "unshare namespaces (flags 0x%x)", (unsigned)c->unshare_flags),
			lc_child_fail(fd, &e);
	if ((c->unshare_flags & CLONE_NEWTIME) && timens_write_offsets(c->spec, &e) < 0)
		lc_child_fail(fd, &e);
	bool child_of_ctr = true;
	pid_t pid = lc_clone_parent();
	if (pid < 0 && (errno == EINVAL || errno == ENOSYS || errno == EPERM)) {
		child_of_ctr = false; /* qemu-user refuses clone flags: a grandchild then */
		pid = fork();
	}
	if (pid < 0)
		err_set(&e, errno, "creating the container init"), lc_child_fail(fd, &e);
	if (pid == 0)
		lc_init_main(c, child_of_ctr);
	lc_send(fd, LC_INIT_PID, pid, child_of_ctr, NULL);
	_exit(0);
}

/* ---------- helpers of the parent ---------- */

static int lc_ns_type(int type, const char **name)
{
	static const struct { int type; const char *name; } t[] = {
		{CLONE_NEWUSER, "user"}, {CLONE_NEWNS, "mount"}, {CLONE_NEWPID, "pid"},
		{CLONE_NEWNET, "network"}, {CLONE_NEWIPC, "ipc"}, {CLONE_NEWUTS, "uts"},
		{CLONE_NEWCGROUP, "cgroup"}, {CLONE_NEWTIME, "time"},
	};
	for (size_t i = 0; i < ARRAY_LEN(t); i++)
		if (t[i].type == type) {
			*name = t[i].name;
			return 0;
		}
	return -1;
}

/* Fill the namespace part of c from linux.namespaces; opens the paths to join. */
static int lc_plan_namespaces(struct lc_create *c, struct ctr_error *err)
{
	const struct spec_linux *lx = &c->spec->lx;
	for (size_t i = 0; i < (c->spec->has_linux ? lx->n_namespaces : 0); i++) {
		const struct spec_namespace *ns = &lx->namespaces[i];
		const char *name;
		if (lc_ns_type(ns->type, &name) < 0)
			return err_set(err, EINVAL, "linux.namespaces[%zu]: unknown type", i);
		if (ns->type == CLONE_NEWUSER)
			c->any_userns = true;
		if (ns->type == CLONE_NEWNS)
			c->has_mntns = true;
		if (!ns->path || !*ns->path) {
			if (ns->type == CLONE_NEWUSER)
				c->new_userns = true;
			else
				c->unshare_flags |= ns->type;
			if (ns->type == CLONE_NEWNET)
				c->new_netns = true;
			continue;
		}
		if (c->n_ns >= ARRAY_LEN(c->ns_fds))
			return err_set(err, EINVAL, "linux.namespaces: too many entries");
		int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return err_set(err, errno, "linux.namespaces[%zu]: open %s namespace %s", i,
				       name, ns->path);
		c->ns_fds[c->n_ns] = fd;
		c->ns_types[c->n_ns++] = ns->type;
	}
	if (!c->has_mntns)
		return err_set(err, EINVAL,
			       "linux.namespaces: a mount namespace is required to set up the rootfs");
	if (c->new_userns && !(c->spec->lx.n_uid_mappings && c->spec->lx.n_gid_mappings))
		return err_set(err, EINVAL,
			       "linux.uidMappings/gidMappings: required with a new user namespace");
	return 0;
}

/* The address of <statedir>/start.sock: the path itself, or via /proc/self/fd when it
 * is longer than sun_path. */
static int lc_sock_addr(const char *root, const char *id, int dir_fd, struct sockaddr_un *sa,
			struct ctr_error *err)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	int n = snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s/" LC_START_SOCK,
			 root ? root : CTR_DEFAULT_ROOT, id);
	if (n < 0 || (size_t)n >= sizeof(sa->sun_path))
		n = snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/" LC_START_SOCK,
			     dir_fd);
	if (n < 0 || (size_t)n >= sizeof(sa->sun_path))
		return err_set(err, ENAMETOOLONG, "start socket path");
	return 0;
}

static void lc_owner(char *buf, size_t size)
{
	uid_t uid = geteuid();
	if (util_user_name(uid, buf, size) < 0)
		snprintf(buf, size, "#%u", (unsigned)uid);
}

/* Go's RFC3339Nano: trailing zeros of the fraction are dropped. */
static void lc_created_now(char *buf, size_t size)
{
	time_rfc3339(buf, size);
	char *dot = strchr(buf, '.'), *z = strchr(buf, 'Z');
	if (!dot || !z)
		return;
	char *end = z;
	while (end > dot + 1 && end[-1] == '0')
		end--;
	if (end == dot + 1)
		end = dot;
	memmove(end, z, strlen(z) + 1);
}


static int lc_write_pid_file(const char *path, pid_t pid, struct ctr_error *err)
{
	char buf[32], dir[PATH_MAX];
	int n = snprintf(buf, sizeof(buf), "%ld", (long)pid);
	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return err_set(err, ENAMETOOLONG, "pid file %s", path);
	char *slash = strrchr(dir, '/');
	const char *name = path;
	int dfd = AT_FDCWD;
	if (slash) {
		*slash = 0;
		name = slash + 1;
		dfd = open(slash == dir ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return err_set(err, errno, "pid file directory %s", dir);
	}
	int rc = write_file_atomic(dfd, name, buf, (size_t)n, 0644, err);
	if (dfd >= 0)
		close(dfd);
	return rc < 0 ? err_prefix(err, "pid file %s", path) : 0;
}

/* Next message from the init; a terminal's master (sent with LC_TERMINAL) is handed to
 * the console socket or the caller on the way. */
static int lc_recv_terminal(int fd, const struct spec *s, const struct ctr_create_args *a,
			    struct lc_msg *m, struct ctr_error *err)
{
	if (!s->process.terminal)
		return lc_recv(fd, m, "container init", err);
	for (;;) {
		int master = -1;
		ssize_t n = term_recvmsg_fd(fd, m, sizeof(*m) - 1, &master);
		if (n < 0)
			return err_set(err, errno, "reading from the container init");
		if (n < (ssize_t)LC_MSG_HDR) {
			if (master >= 0)
				close(master);
			return err_set(err, EPIPE, "the container init exited unexpectedly");
		}
		((char *)m)[n] = 0;
		if (m->type != LC_TERMINAL) {
			if (master >= 0)
				close(master);
			if (m->type == LC_ERROR) {
				err_set(err, 0, "%s", m->text);
				err->errnum = m->val;
				return -1;
			}
			return 0;
		}
		if (master < 0)
			return err_set(err, EBADMSG, "terminal: no pty master from the init");
		if (term_deliver(master, a->console_socket, a->pty_master, err) < 0)
			return -1;
	}
}

/* A new file in the (new, locked) state dir: nobody reads it before state.json exists,
 * which is written atomically after it, so no temp file, rename or fsync is needed. */
static int lc_write_new(int dir_fd, const char *name, const char *data, size_t len,
			struct ctr_error *err)
{
	int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_set(err, errno, "create %s in the state dir", name);
	int rc = write_all(fd, data, len);
	int e = errno;
	close(fd);
	return rc < 0 ? err_set(err, e, "write %s in the state dir", name) : 0;
}

/* Kill a child we made and reap it. */
static void lc_kill_reap(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int ctr_create(const struct ctr_opts *o, const char *id, const struct ctr_create_args *a,
	       pid_t *pid_out, struct ctr_error *err)
{
	static const struct ctr_create_args no_args = {.bundle = NULL};
	if (!a)
		a = &no_args;
	if (a->pty_master)
		*a->pty_master = -1;
	if (ctr_id_valid(id, err) < 0)
		return -1;
	const char *root = o && o->root ? o->root : CTR_DEFAULT_ROOT;
	char bundle[PATH_MAX], rootfs[PATH_MAX];
	if (!realpath(a->bundle ? a->bundle : ".", bundle))
		return err_set(err, errno, "bundle %s", a->bundle ? a->bundle : ".");

	struct lc_create c = {.o = o, .id = id, .bundle = bundle, .a = a, .sync_fd = -1,
			      .listen_fd = -1};
	struct state_handle h = {.root_fd = -1, .dir_fd = -1};
	struct state st = {0};
	struct spec *spec = NULL;
	struct cgroup *cg = NULL;
	char *config_text = NULL;
	size_t config_len = 0;
	int sync[2] = {-1, -1};
	int listener = -1;
	pid_t stage1 = -1, init = -1;
	bool init_is_child = false;
	bool state_made = false;
	int rc = -1;
	struct lc_msg m;

	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	if (read_file(path, 16u << 20, &config_text, &config_len, err) < 0 ||
	    spec_parse(config_text, config_len, "config.json", &spec, err) < 0)
		goto out;
	c.spec = spec;
	if (!spec->has_process || !spec->process.n_args) {
		err_set(err, EINVAL, "config.json: process.args: required to create a container");
		goto out;
	}
	if (spec->process.terminal && !a->console_socket && !a->pty_master) {
		err_set(err, EINVAL, "config.json: process.terminal is true: a console socket is "
			"required");
		goto out;
	}
	const char *rp = spec->root_path ? spec->root_path : "rootfs";
	if (rp[0] == '/')
		snprintf(path, sizeof(path), "%s", rp);
	else
		snprintf(path, sizeof(path), "%s/%s", bundle, rp);
	if (!realpath(path, rootfs)) {
		err_set(err, errno, "root.path: %s", path);
		goto out;
	}
	c.rootfs = rootfs;
	for (size_t i = 0; i < ARRAY_LEN(c.ns_fds); i++)
		c.ns_fds[i] = -1;
	if (lc_plan_namespaces(&c, err) < 0)
		goto out;

	if (state_open(root, id, STATE_CREATE, &h, err) < 0)
		goto out;
	state_made = true;
	if (cgroup_create(spec, id, &cg, err) < 0) {
		err_prefix(err, "creating cgroup");
		goto out;
	}
	if (spec->has_linux && spec->lx.seccomp &&
	    seccomp_compile(spec->lx.seccomp, &c.filter, err) < 0) {
		err_prefix(err, "linux.seccomp");
		goto out;
	}

	int min_fd = 3 + (a->preserve_fds > 0 ? a->preserve_fds : 0);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0) {
		err_set(err, errno, "socketpair");
		goto out;
	}
	c.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa;
	if (c.listen_fd < 0) {
		err_set(err, errno, "start socket");
		goto out;
	}
	if (lc_sock_addr(root, id, h.dir_fd, &sa, err) < 0)
		goto out;
	if (bind(c.listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(c.listen_fd, 1) < 0) {
		err_set(err, errno, "start socket %s/%s/" LC_START_SOCK, root, id);
		goto out;
	}
	if ((sync[1] = lc_fd_above(sync[1], min_fd)) < 0 ||
	    (c.listen_fd = lc_fd_above(c.listen_fd, min_fd)) < 0) {
		err_set(err, errno, "moving internal fds above --preserve-fds");
		goto out;
	}
	c.sync_fd = sync[1];

	stage1 = fork();
	if (stage1 < 0) {
		err_set(err, errno, "fork");
		goto out;
	}
	if (stage1 == 0) {
		close(sync[0]);
		close(h.dir_fd); /* drop our references to the locked state dir */
		close(h.root_fd);
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		lc_stage1_main(&c);
	}
	close(sync[1]);
	sync[1] = -1;
	close(c.listen_fd);
	c.listen_fd = -1;
	for (size_t i = 0; i < c.n_ns; i++) {
		close(c.ns_fds[i]);
		c.ns_fds[i] = -1;
	}
	if (cgroup_enter(cg, stage1, err) < 0) {
		err_prefix(err, "joining cgroup");
		goto out;
	}
	if (lc_send(sync[0], LC_CGROUP_DONE, 0, 0, NULL) < 0) {
		err_set(err, errno, "stage-1 exited early");
		goto out;
	}
	for (;;) {
		if (lc_recv(sync[0], &m, "creating namespaces", err) < 0)
			goto out;
		if (m.type == LC_USERNS) {
			if (userns_write_maps(stage1, spec, err) < 0) {
				err_prefix(err, "user namespace");
				goto out;
			}
			lc_send(sync[0], LC_USERNS_DONE, 0, 0, NULL);
		} else if (m.type == LC_INIT_PID) {
			init = m.val;
			init_is_child = m.val2;
			break;
		} else {
			err_set(err, EPROTO, "unexpected message '%c' from stage-1", m.type);
			goto out;
		}
	}
	while (waitpid(stage1, NULL, 0) < 0 && errno == EINTR)
		;
	stage1 = -1;
	if (spec->has_linux && spec->lx.n_net_devices && net_devices_move(spec, init, err) < 0) {
		err_prefix(err, "linux.netDevices");
		goto out;
	}
	if (lc_recv_terminal(sync[0], spec, a, &m, err) < 0)
		goto out;
	if (m.type == LC_HOOKS) {
		if (lc_run_hooks(spec, HOOK_PRESTART, id, CTR_CREATING, init, bundle, rootfs, err) < 0 ||
		    lc_run_hooks(spec, HOOK_CREATE_RUNTIME, id, CTR_CREATING, init, bundle, rootfs,
				 err) < 0)
			goto out;
		if (lc_send(sync[0], LC_HOOKS_DONE, init, 0, NULL) < 0 ||
		    lc_recv_terminal(sync[0], spec, a, &m, err) < 0)
			goto out;
	}
	if (m.type != LC_READY) {
		err_set(err, EPROTO, "unexpected message '%c' from the container init", m.type);
		goto out;
	}
	if (m.val && term_recv_fd(sync[0], &listener, err) < 0)
		goto out;

	char owner[64];
	lc_owner(owner, sizeof(owner));
	st.id = (char *)id;
	st.bundle = bundle;
	st.rootfs = rootfs;
	st.owner = owner;
	st.pid = init;
	st.pid_start = pid_start_time(init);
	lc_created_now(st.created, sizeof(st.created));
	st.config_path = (char *)LC_CONFIG_COPY;
	struct sbuf cgj = {0};
	struct jw w;
	jw_init(&w, &cgj, NULL);
	cgroup_state_write(cg, &w);
	if (sbuf_take(&cgj, &st.cgroup_json, err) < 0 ||
	    lc_annotations_json(spec, &st.annotations_json, err) < 0 ||
	    lc_write_new(h.dir_fd, LC_CONFIG_COPY, config_text, config_len, err) < 0 ||
	    state_save(&h, &st, err) < 0)
		goto out;
	if (a->pid_file && lc_write_pid_file(a->pid_file, init, err) < 0)
		goto out;
	if (listener >= 0) {
		AUTO_FREE char *state_json = NULL;
		if (lc_hook_state(id, CTR_CREATED, init, bundle, rootfs, spec, &state_json, err) < 0 ||
		    seccomp_send_listener(spec->lx.seccomp, listener, init, state_json, err) < 0)
			goto out;
	}
	if (lc_send(sync[0], LC_GO, init, 0, NULL) < 0) {
		err_set(err, errno, "container init exited before start");
		goto out;
	}
	lc_log(o, CTR_LOG_DEBUG, "created container %s, init pid %ld", id, (long)init);
	if (pid_out)
		*pid_out = init;
	rc = 0;
out:
	if (rc < 0) {
		if (init > 0) {
			if (init_is_child)
				lc_kill_reap(init);
			else
				kill(init, SIGKILL);
		}
		lc_kill_reap(stage1);
		/* as runc's destroy: a failed create (a prestart, createRuntime or
		 * createContainer hook, ...) still ends with the poststop hooks */
		if (state_made && lc_has_hooks(spec, HOOK_POSTSTOP)) {
			struct ctr_error e2 = {0};
			if (lc_run_hooks(spec, HOOK_POSTSTOP, id, CTR_STOPPED, 0, bundle, rootfs,
					 &e2) < 0)
				lc_log(o, CTR_LOG_WARN, "%s", e2.msg);
		}
		if (cg) {
			struct ctr_error e2;
			cgroup_destroy(cg, true, &e2);
			cg = NULL;
		}
		if (state_made) {
			struct ctr_error e2;
			state_remove(&h, &e2);
		}
		if (a->pty_master && *a->pty_master >= 0) {
			close(*a->pty_master);
			*a->pty_master = -1;
		}
	}
	free(st.cgroup_json);
	free(st.annotations_json);
	if (cg)
		cgroup_free(cg);
	if (c.filter)
		seccomp_filter_free(c.filter);
	for (size_t i = 0; i < c.n_ns; i++)
		if (c.ns_fds[i] >= 0)
			close(c.ns_fds[i]);
	if (c.listen_fd >= 0)
		close(c.listen_fd);
	if (listener >= 0)
		close(listener);
	if (sync[0] >= 0)
		close(sync[0]);
	if (sync[1] >= 0)
		close(sync[1]);
	state_close(&h);
	if (spec)
		spec_free(spec);
	free(config_text);
	return rc;
}

/* ---------- status, start, kill, delete ---------- */

/* A loaded container: state, its handle and the derived status. */
struct lc_container {
	struct state_handle h;
	struct state st;
	bool loaded;                 /* st is valid (else: still being created) */
	enum ctr_status status;
};

static void lc_release(struct lc_container *ct)
{
	if (ct->loaded)
		state_free(&ct->st);
	state_close(&ct->h);
	ct->loaded = false;
}

static void lc_compute_status(struct lc_container *ct)
{
	if (!ct->loaded) {
		ct->status = CTR_CREATING;
		return;
	}
	if (!pid_alive(ct->st.pid, ct->st.pid_start)) {
		ct->status = CTR_STOPPED;
		return;
	}
	if (faccessat(ct->h.dir_fd, LC_START_SOCK, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		ct->status = CTR_CREATED;
		return;
	}
	ct->status = CTR_RUNNING;
	struct cgroup *cg = NULL;
	struct ctr_error e;
	bool frozen = false;
	if (ct->st.cgroup_json && cgroup_state_read(ct->st.cgroup_json, &cg, &e) == 0) {
		if (cgroup_is_frozen(cg, &frozen, &e) == 0 && frozen)
			ct->status = CTR_PAUSED;
		cgroup_free(cg);
	}
}

static int lc_open(const struct ctr_opts *o, const char *id, int flags, struct lc_container *ct,
		   struct ctr_error *err)
{
	memset(ct, 0, sizeof(*ct));
	ct->h.root_fd = ct->h.dir_fd = -1;
	if (ctr_id_valid(id, err) < 0)
		return -1;
	if (state_open(o && o->root ? o->root : CTR_DEFAULT_ROOT, id, flags, &ct->h, err) < 0)
		return -1;
	if (faccessat(ct->h.dir_fd, STATE_FILE, F_OK, 0) < 0 && errno == ENOENT) {
		ct->status = CTR_CREATING;
		return 0;
	}
	if (state_load(&ct->h, &ct->st, err) < 0) {
		state_close(&ct->h);
		return err_prefix(err, "container %s", id);
	}
	ct->loaded = true;
	lc_compute_status(ct);
	return 0;
}

/* The config copy kept in the state dir, parsed only if it mentions key (most configs
 * have no poststart/poststop hooks, netDevices or seccomp listener). NULL otherwise. */
static struct spec *lc_stored_spec(struct lc_container *ct, const char *key)
{
	char *text = NULL;
	size_t len = 0;
	struct ctr_error e = {0};
	struct spec *spec = NULL;
	if (!ct->loaded || read_file_at(ct->h.dir_fd, LC_CONFIG_COPY, 16u << 20, &text, &len, &e) < 0)
		return NULL;
	if (strstr(text, key) && spec_parse(text, len, "config.json", &spec, &e) < 0)
		spec = NULL;
	free(text);
	return spec;
}

/* poststart and poststop: failures are warnings (runtime-spec: they do not fail the
 * operation). */
static void lc_run_stored_hooks(const struct ctr_opts *o, struct lc_container *ct,
				enum spec_hook_kind kind, enum ctr_status status)
{
	struct spec *spec = lc_stored_spec(ct, kind == HOOK_POSTSTART ? "\"poststart\"" :
					       "\"poststop\"");
	struct ctr_error e = {0};
	if (spec && lc_run_hooks(spec, kind, ct->h.id, status, status == CTR_STOPPED ? 0 :
				 ct->st.pid, ct->st.bundle, ct->st.rootfs, &e) < 0)
		lc_log(o, CTR_LOG_WARN, "%s", e.msg);
	if (spec)
		spec_free(spec);
}

/* The init sends a seccomp notify fd before its exec when the filter came last: pass it
 * to linux.seccomp.listenerPath. */
static int lc_start_listener(struct lc_container *ct, int fd, struct ctr_error *err)
{
	struct spec *spec = lc_stored_spec(ct, "\"listenerPath\"");
	if (!spec || !spec->has_linux || !spec->lx.seccomp || !spec->lx.seccomp->listener_path) {
		if (spec)
			spec_free(spec);
		return 0;
	}
	int listener = -1, rc = -1;
	AUTO_FREE char *state_json = NULL;
	if (term_recv_fd(fd, &listener, err) == 0 &&
	    lc_hook_state(ct->h.id, CTR_RUNNING, ct->st.pid, ct->st.bundle, ct->st.rootfs, spec,
			  &state_json, err) == 0 &&
	    seccomp_send_listener(spec->lx.seccomp, listener, ct->st.pid, state_json, err) == 0)
		rc = 0;
	if (listener >= 0)
		close(listener);
	spec_free(spec);
	return rc;
}

int ctr_start(const struct ctr_opts *o, const char *id, struct ctr_error *err)
{
	struct lc_container ct;
	if (lc_open(o, id, 0, &ct, err) < 0)
		return -1;
	int rc = -1, fd = -1;
	switch (ct.status) {
	case CTR_CREATED:
		break;
	case CTR_STOPPED:
		err_set(err, 0, "cannot start a container that has stopped");
		goto out;
	case CTR_CREATING:
		err_set(err, 0, "cannot start a container that is still being created");
		goto out;
	default:
		err_set(err, 0, "cannot start an already running container");
		goto out;
	}
	struct sockaddr_un sa;
	if (lc_sock_addr(o && o->root ? o->root : CTR_DEFAULT_ROOT, id, ct.h.dir_fd, &sa, err) < 0)
		goto out;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err_set(err, errno, "starting container %s: connect to its init", id);
		goto out;
	}
	/* The init execs on accept: EOF means the exec happened (its end is close-on-exec);
	 * text is the reason it did not. */
	struct ctr_error lerr = {0};
	int lrc = lc_start_listener(&ct, fd, &lerr);
	char msg[sizeof(err->msg)];
	ssize_t n = read_full(fd, msg, sizeof(msg) - 1);
	if (n < 0) {
		err_set(err, errno, "starting container %s", id);
		goto out;
	}
	unlinkat(ct.h.dir_fd, LC_START_SOCK, 0);
	if (n > 0 || lrc < 0) {
		msg[n > 0 ? n : 0] = 0;
		err_set(err, 0, "starting container process: %s", n > 0 ? msg : lerr.msg);
		goto out;
	}
	lc_log(o, CTR_LOG_DEBUG, "started container %s", id);
	lc_run_stored_hooks(o, &ct, HOOK_POSTSTART, CTR_RUNNING);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	lc_release(&ct);
	return rc;
}

/* Signal the init, safe against pid reuse: the pidfd pins the process we checked. */
static int lc_signal_init(const struct state *st, int sig, struct ctr_error *err)
{
	int pfd = sys_pidfd_open(st->pid, 0);
	if (pfd >= 0) {
		if (!pid_alive(st->pid, st->pid_start)) {
			close(pfd);
			return err_set(err, 0, "container not running");
		}
		int r = sys_pidfd_send_signal(pfd, sig);
		int e = errno;
		close(pfd);
		if (r == 0)
			return 0;
		if (e != ENOSYS)
			return err_set(err, e, "unable to signal init (pid %ld)", (long)st->pid);
	} else if (errno == ESRCH) {
		return err_set(err, 0, "container not running");
	}
	if (!pid_alive(st->pid, st->pid_start))
		return err_set(err, 0, "container not running");
	if (kill(st->pid, sig) < 0)
		return err_set(err, errno, "unable to signal init (pid %ld)", (long)st->pid);
	return 0;
}

static int lc_cgroup_load(const struct state *st, struct cgroup **cg, struct ctr_error *err)
{
	*cg = NULL;
	if (!st->cgroup_json)
		return 0;
	return cgroup_state_read(st->cgroup_json, cg, err);
}

/* A container without its own pid namespace is not killed by its init's death. */
static bool lc_has_own_pidns(const struct state *st)
{
	char p[64];
	struct stat a, b;
	snprintf(p, sizeof(p), "/proc/%ld/ns/pid", (long)st->pid);
	if (stat(p, &a) < 0 || stat("/proc/self/ns/pid", &b) < 0)
		return false;
	return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

int ctr_kill(const struct ctr_opts *o, const char *id, int sig, int all, struct ctr_error *err)
{
	struct lc_container ct;
	if (sig <= 0 || sig >= _NSIG)
		return err_set(err, EINVAL, "invalid signal %d", sig);
	if (lc_open(o, id, STATE_SHARED, &ct, err) < 0)
		return -1;
	int rc = -1;
	struct cgroup *cg = NULL;
	if (ct.status == CTR_CREATING) {
		err_set(err, 0, "container %s is still being created", id);
		goto out;
	}
	if (all) {
		if (lc_cgroup_load(&ct.st, &cg, err) < 0)
			goto out;
		struct ctr_error e2 = {0};
		if (cg && cgroup_kill_all(cg, sig, &e2) == 0) {
			rc = 0;
		} else if (ct.status == CTR_STOPPED) {
			rc = 0; /* nothing left to signal */
		} else if (lc_has_own_pidns(&ct.st)) {
			/* no cgroup to walk: the pid ns dies with its init */
			rc = lc_signal_init(&ct.st, SIGKILL, err);
		} else {
			err_set(err, e2.errnum, "kill --all: %s", cg ? e2.msg : "container has no cgroup");
		}
	} else {
		if (ct.status == CTR_STOPPED) {
			err_set(err, 0, "container not running");
			goto out;
		}
		rc = lc_signal_init(&ct.st, sig, err);
	}
	/* a frozen process does not die before it is thawed */
	if (rc == 0 && sig == SIGKILL && ct.status == CTR_PAUSED) {
		struct ctr_error e2;
		if (cg || lc_cgroup_load(&ct.st, &cg, &e2) == 0)
			if (cg)
				cgroup_freeze(cg, false, &e2);
	}
out:
	if (cg)
		cgroup_free(cg);
	lc_release(&ct);
	return rc;
}

/* Wait for a process we may not be the parent of to exit: pidfd + poll, no sleeps. */
static int lc_wait_exit(const struct state *st, int timeout_ms, struct ctr_error *err)
{
	int pfd = sys_pidfd_open(st->pid, 0);
	if (pfd < 0) {
		if (errno == ESRCH)
			return 0;
		/* no pidfd (kernel < 5.3): poll /proc, the only way left */
		for (int waited = 0; pid_alive(st->pid, st->pid_start); waited += 10) {
			if (waited >= timeout_ms)
				return err_set(err, ETIMEDOUT, "waiting for init %ld to exit",
					       (long)st->pid);
			struct timespec ts = {0, 10 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		return 0;
	}
	int rc = 0;
	if (pid_alive(st->pid, st->pid_start)) {
		struct pollfd p = {.fd = pfd, .events = POLLIN};
		int r;
		while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
			;
		if (r == 0)
			rc = err_set(err, ETIMEDOUT, "waiting for init %ld to exit", (long)st->pid);
	}
	close(pfd);
	return rc;
}

/* Remove what a stopped container leaves: cgroup (and what still runs in it), state. */
static int lc_destroy(const struct ctr_opts *o, struct lc_container *ct, struct ctr_error *err)
{
	struct cgroup *cg = NULL;
	if (ct->loaded && lc_cgroup_load(&ct->st, &cg, err) < 0)
		return err_prefix(err, "container %s", ct->h.id);
	if (cg && cgroup_destroy(cg, true, err) < 0)
		return err_prefix(err, "removing cgroup of %s", ct->h.id);
	lc_run_stored_hooks(o, ct, HOOK_POSTSTOP, CTR_STOPPED);
	return state_remove(&ct->h, err);
}

int ctr_delete(const struct ctr_opts *o, const char *id, int force, struct ctr_error *err)
{
	struct lc_container ct;
	if (lc_open(o, id, 0, &ct, err) < 0) {
		if (force && err && err->errnum == ENOENT)
			return 0; /* runc: delete --force of a missing container succeeds */
		return -1;
	}
	int rc = -1;
	switch (ct.status) {
	case CTR_CREATING: /* we hold the lock: its creator died half-way */
	case CTR_STOPPED:
		break;
	case CTR_CREATED:
		force = 1; /* runc deletes a created container without -f */
		/* fall through */
	default:
		if (!force) {
			err_set(err, 0, "cannot delete container %s that is not stopped: %s", id,
				ctr_status_name(ct.status));
			goto out;
		}
		struct spec *nd = lc_stored_spec(&ct, "\"netDevices\"");
		if (nd) {
			/* hand linux.netDevices back while the container's netns still exists */
			struct ctr_error e2 = {0};
			if (net_devices_return(nd, ct.st.pid, &e2) < 0)
				lc_log(o, CTR_LOG_WARN, "%s", e2.msg);
			spec_free(nd);
		}
		if (lc_signal_init(&ct.st, SIGKILL, err) < 0 && pid_alive(ct.st.pid, ct.st.pid_start))
			goto out;
		if (ct.status == CTR_PAUSED) {
			struct cgroup *cg = NULL;
			struct ctr_error e2;
			if (lc_cgroup_load(&ct.st, &cg, &e2) == 0 && cg) {
				cgroup_freeze(cg, false, &e2);
				cgroup_free(cg);
			}
		}
		if (lc_wait_exit(&ct.st, 10000, err) < 0)
			goto out;
	}
	rc = lc_destroy(o, &ct, err);
	if (rc == 0)
		lc_log(o, CTR_LOG_DEBUG, "deleted container %s", id);
out:
	lc_release(&ct);
	return rc;
}

/* ---------- state and list ---------- */

static int lc_fill_state(struct lc_container *ct, struct ctr_state *out, struct ctr_error *err)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "%s", ct->h.id);
	out->status = ct->status;
	if (ct->loaded) {
		out->pid = ct->status == CTR_STOPPED ? 0 : ct->st.pid;
		snprintf(out->created, sizeof(out->created), "%s", ct->st.created);
		out->bundle = TAKE_PTR(ct->st.bundle);
		out->rootfs = TAKE_PTR(ct->st.rootfs);
		out->owner = TAKE_PTR(ct->st.owner);
		out->annotations_json = TAKE_PTR(ct->st.annotations_json);
	}
	if (!out->bundle)
		out->bundle = strdup("");
	if (!out->rootfs)
		out->rootfs = strdup("");
	if (!out->owner)
		out->owner = strdup("");
	if (!out->bundle || !out->rootfs || !out->owner) {
		ctr_state_release(out);
		return err_nomem(err);
	}
	return 0;
}

int ctr_state(const struct ctr_opts *o, const char *id, struct ctr_state *st,
	      struct ctr_error *err)
{
	struct lc_container ct;
	memset(st, 0, sizeof(*st));
	if (lc_open(o, id, STATE_NOLOCK, &ct, err) < 0)
		return -1;
	int rc = lc_fill_state(&ct, st, err);
	lc_release(&ct);
	return rc;
}

void ctr_state_release(struct ctr_state *st)
{
	if (!st)
		return;
	free(st->bundle);
	free(st->rootfs);
	free(st->owner);
	free(st->annotations_json);
	st->bundle = st->rootfs = st->owner = st->annotations_json = NULL;
}

int ctr_state_json(const struct ctr_state *st, const char *indent, char **json_out,
		   struct ctr_error *err)
{
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, indent);
	jw_obj_begin(&w);
	jw_key(&w, "ociVersion");
	jw_str(&w, CTR_OCI_VERSION);
	jw_key(&w, "id");
	jw_str(&w, st->id);
	jw_key(&w, "pid");
	jw_int(&w, st->pid);
	jw_key(&w, "status");
	jw_str(&w, ctr_status_name(st->status));
	jw_key(&w, "bundle");
	jw_str(&w, st->bundle ? st->bundle : "");
	jw_key(&w, "rootfs");
	jw_str(&w, st->rootfs ? st->rootfs : "");
	jw_key(&w, "created");
	jw_str(&w, st->created[0] ? st->created : "0001-01-01T00:00:00Z");
	if (st->annotations_json) {
		struct json_doc *doc = NULL;
		if (json_parse(st->annotations_json, strlen(st->annotations_json), "annotations",
			       NULL, &doc, err) < 0) {
			sbuf_release(&sb);
			return -1;
		}
		if (json_root(doc)->type == JSON_OBJECT && json_root(doc)->n) {
			jw_key(&w, "annotations");
			jw_value(&w, json_root(doc));
		}
		json_free(doc);
	}
	jw_key(&w, "owner");
	jw_str(&w, st->owner ? st->owner : "");
	jw_obj_end(&w);
	return sbuf_take(&sb, json_out, err);
}

static int lc_cmp_state(const void *a, const void *b)
{
	return strcmp(((const struct ctr_state *)a)->id, ((const struct ctr_state *)b)->id);
}

int ctr_list(const struct ctr_opts *o, struct ctr_state **states, size_t *count,
	     struct ctr_error *err)
{
	*states = NULL;
	*count = 0;
	const char *root = o && o->root ? o->root : CTR_DEFAULT_ROOT;
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : err_set(err, errno, "open state root %s", root);
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		return err_set(err, e, "read state root %s", root);
	}
	struct ctr_state *v = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || ctr_id_valid(de->d_name, NULL) < 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct ctr_state *nv = realloc(v, ncap * sizeof(*nv));
			if (!nv) {
				rc = err_nomem(err);
				break;
			}
			v = nv;
			cap = ncap;
		}
		struct ctr_error e2 = {0};
		if (ctr_state(o, de->d_name, &v[n], &e2) < 0) {
			if (e2.errnum == ENOENT)
				continue; /* deleted meanwhile */
			lc_log(o, CTR_LOG_WARN, "%s", e2.msg);
			continue;
		}
		n++;
	}
	closedir(d);
	if (rc < 0) {
		ctr_list_release(v, n);
		return -1;
	}
	if (n)
		qsort(v, n, sizeof(*v), lc_cmp_state);
	*states = v;
	*count = n;
	return 0;
}

void ctr_list_release(struct ctr_state *states, size_t count)
{
	for (size_t i = 0; i < count; i++)
		ctr_state_release(&states[i]);
	free(states);
}
