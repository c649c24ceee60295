
/* ---------- exec ---------- */

enum { EX_F_PROCESS, EX_F_TTY, EX_F_DETACH, EX_F_PID_FILE, EX_F_CONSOLE, EX_F_ENV, EX_F_CWD,
       EX_F_USER, EX_F_GIDS, EX_F_CAP, EX_F_NNP, EX_F_APPARMOR, EX_F_LABEL, EX_F_PRESERVE };

/* runc's exec: flags, then the ID, then the command (unless -p gives the process).
 * Exit status: the process's in the foreground, 255 when the exec itself fails. */
static int cmd_exec(struct cli *c, int argc, char **argv)
{
	static const struct opt opts[] = {
		{"process", 'p', true},        {"tty", 't', false},
		{"detach", 'd', false},        {"pid-file", 0, true},
		{"console-socket", 0, true},   {"env", 'e', true},
		{"cwd", 0, true},              {"user", 'u', true},
		{"additional-gids", 'g', true},{"cap", 'c', true},
		{"no-new-privs", 0, false},    {"apparmor", 0, true},
		{"process-label", 0, true},    {"preserve-fds", 0, true},
		{NULL, 0, false},
	};
	struct ctr_exec_args a = {0};
	const char **env = calloc((size_t)argc + 1, sizeof(*env));
	const char **caps = calloc((size_t)argc + 1, sizeof(*caps));
	char *process_json = NULL, *gids = NULL;
	size_t n_env = 0, n_caps = 0;
	bool detach = false;
	int rc = 1, master = -1;
	if (!env || !caps) {
		cli_error(c, "out of memory");
		goto out;
	}
	struct opt_iter it = {.argc = argc, .argv = argv, .i = 1};
	const char *process_file = NULL;
	for (int k; (k = opt_next(c, &it, opts)) != -1;) {
		switch (k) {
		case -2: goto out;
		case EX_F_PROCESS: process_file = it.val; break;
		case EX_F_TTY: a.tty = opt_bool(&it); break;
		case EX_F_DETACH: detach = opt_bool(&it); break;
		case EX_F_PID_FILE: a.pid_file = it.val; break;
		case EX_F_CONSOLE: a.console_socket = it.val; break;
		case EX_F_ENV: env[n_env++] = it.val; break;
		case EX_F_CWD: a.cwd = it.val; break;
		case EX_F_USER: a.user = it.val; break;
		case EX_F_GIDS: /* repeatable, as in runc; also "G1,G2" */
			if (gids) {
				size_t len = strlen(gids);
				char *ng = realloc(gids, len + strlen(it.val) + 2);
				if (!ng) {
					cli_error(c, "out of memory");
					goto out;
				}
				gids = ng;
				snprintf(gids + len, strlen(it.val) + 2, ",%s", it.val);
			} else if (!(gids = strdup(it.val))) {
				cli_error(c, "out of memory");
				goto out;
			}
			a.additional_gids = gids;
			break;
		case EX_F_CAP: caps[n_caps++] = it.val; break;
		case EX_F_NNP: a.no_new_privs = opt_bool(&it); break;
		case EX_F_APPARMOR: a.apparmor = it.val; break;
		case EX_F_LABEL: a.process_label = it.val; break;
		case EX_F_PRESERVE:
			if (parse_int_arg(c, "preserve-fds", it.val, &a.preserve_fds) < 0)
				goto out;
			if (a.preserve_fds < 0) {
				cli_error(c, "exec: --preserve-fds must be 0 or more");
				goto out;
			}
			break;
		}
	}
	if (it.i >= argc || (!process_file && it.i + 1 >= argc)) {
		cmd_usage_error(c, "exec: requires the container id and a command (or --process)");
		goto out;
	}
	const char *id = argv[it.i];
	a.args = (const char *const *)argv + it.i + 1;
	a.env = env;
	a.caps = caps;
	if (process_file) {
		FILE *f = fopen(process_file, "re");
		size_t len = 0, cap = 0;
		for (size_t n = 1; f && n;) {
			if (len + 4096 > cap) {
				char *nb = realloc(process_json, cap = cap * 2 + 4096 + 1);
				if (!nb)
					break;
				process_json = nb;
			}
			len += n = fread(process_json + len, 1, cap - len - 1, f);
		}
		if (!f || ferror(f) || !process_json) {
			cli_error(c, "exec: reading %s: %s", process_file, strerror(errno));
			if (f)
				fclose(f);
			goto out;
		}
		fclose(f);
		process_json[len] = 0;
		a.process_json = process_json;
	}
	if (detach && a.tty && !a.console_socket) {
		cli_error(c, "exec: cannot allocate a tty when detached without --console-socket");
		goto out;
	}
	if (a.console_socket && !a.tty && !process_file) {
		cli_error(c, "exec: --console-socket needs --tty");
		goto out;
	}
	if (!detach && !a.console_socket)
		a.pty_master = &master;
	/* before the process exists: a signal sent meanwhile waits for it */
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	struct ctr_error err = {0};
	pid_t pid = 0;
	if (ctr_exec(&c->opts, id, &a, &pid, &err) < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		cli_error(c, "exec failed: %s", err.msg);
		rc = 255;
		goto out;
	}
	rc = detach ? 0 : tty_wait(master, pid);
	sigprocmask(SIG_SETMASK, &old, NULL);
out:
	if (master >= 0)
		close(master);
	free(process_json);
	free(gids);
	free(env);
	free(caps);
	return rc;
}
