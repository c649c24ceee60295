
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
	struct opt_iter it = {.argc = argc, .argv = argv, .i = 1};
	static const struct opt none[] = {{NULL, 0, false}};
	if (opt_next(c, &it, none) == -2)
		return 1;
	const char *id = one_id_arg(c, &it);
	if (!id)
		return 1;
	struct ctr_error err = {0};
	if (ctr_start(&c->opts, id, &err) < 0) {
		cli_error(c, "%s", err.msg);
		return 1;
	}
	return 0;
}

/* Foreground run: ctr is the init's parent and a subreaper; tty_wait (main/15-tty.c)
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
	struct opt_iter it = {.argc = argc, .argv = argv, .i = 1};
	static const struct opt none[] = {{NULL, 0, false}};
	if (opt_next(c, &it, none) == -2)
		return 1;
	const char *id = one_id_arg(c, &it);
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
