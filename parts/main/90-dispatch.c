
/* ---------- commands, global flags, main ---------- */

struct command {
	const char *name;
	cmd_fn fn;
	const char *usage;      /* "ctr NAME ..." line(s) plus flag help */
};

static const struct command commands[] = {
	{"spec", cmd_spec,
	 "ctr spec [--bundle DIR] [--rootless]\n"
	 "Write a default config.json into the bundle (refuses to overwrite one).\n"
	 "  -b, --bundle DIR   bundle directory (default: current directory)\n"
	 "      --rootless     a config for running as an unprivileged user\n"},
	{"check", cmd_check,
	 "ctr check [--bundle DIR]\n"
	 "Validate a bundle's config.json and rootfs without running anything. Prints each\n"
	 "problem on stdout, one per line (a config.json error is the only line), and nothing\n"
	 "when clean. Exit 0 when clean, 1 otherwise.\n"
	 "  -b, --bundle DIR   bundle directory (default: current directory)\n"},
	{"create", cmd_create,
	 "ctr create [--bundle DIR] [--pid-file F] [--console-socket S] [--no-pivot]\n"
	 "           [--no-new-keyring] [--preserve-fds N] ID\n"
	 "Create a container; its process waits for `ctr start`.\n"},
	{"start", cmd_start, "ctr start ID\nStart the user process of a created container.\n"},
	{"run", cmd_run,
	 "ctr run [-d|--detach] [--keep] [--bundle DIR] [--pid-file F] [--console-socket S]\n"
	 "        [--no-pivot] [--no-new-keyring] [--preserve-fds N] ID\n"
	 "Create and start a container. In the foreground ctr waits for it, forwards signals,\n"
	 "exits with its exit status and deletes it (unless --keep).\n"},
	{"exec", cmd_exec,
	 "ctr exec [-p process.json | ID COMMAND [ARG...]] [-t] [-d] [--pid-file F]\n"
	 "         [--console-socket S] [-e K=V]... [--cwd D] [-u UID[:GID]]\n"
	 "         [--additional-gids G] [--cap CAP]... [--no-new-privs] [--apparmor P]\n"
	 "         [--process-label L] [--preserve-fds N] ID [COMMAND...]\n"
	 "Run a new process inside a running container.\n"},
	{"kill", cmd_kill,
	 "ctr kill [--all] ID [SIGNAL]\nSend a signal (default SIGTERM) to the container's init.\n"},
	{"delete", cmd_delete,
	 "ctr delete [-f|--force] ID\nDelete a container (-f kills a running one first).\n"},
	{"state", cmd_state, "ctr state ID\nPrint the container's OCI state as JSON.\n"},
	{"list", cmd_list,
	 "ctr list [-f|--format table|json] [-q|--quiet]\nList containers.\n"},
	{"ps", cmd_ps,
	 "ctr ps [-f|--format table|json] ID [PS_ARGS...]\nList the processes in a container.\n"},
	{"pause", cmd_pause, "ctr pause ID\nFreeze every process of the container.\n"},
	{"resume", cmd_resume, "ctr resume ID\nThaw a paused container.\n"},
	{"update", cmd_update,
	 "ctr update [-r|--resources FILE|-] [--memory N] [--memory-swap N]\n"
	 "           [--memory-reservation N] [--kernel-memory N] [--kernel-memory-tcp N]\n"
	 "           [--cpu-shares N] [--cpu-quota N] [--cpu-period N] [--cpu-rt-period N]\n"
	 "           [--cpu-rt-runtime N] [--cpuset-cpus L] [--cpuset-mems L]\n"
	 "           [--pids-limit N] [--blkio-weight N] ID\n"
	 "Update the container's resource limits.\n"},
	{"events", cmd_events,
	 "ctr events [--stats] [--interval D] ID\nPrint container events (stats, oom) as JSON lines.\n"},
	{"features", cmd_features, "ctr features\nPrint the OCI features document.\n"},
};

static void cmd_usage_error(struct cli *c, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_error(c, "%s", msg);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, c->cmd) == 0)
			fprintf(stderr, "usage: %s", commands[i].usage);
}

static void print_usage(FILE *f)
{
	fprintf(f,
		"ctr - a small OCI container runtime\n\n"
		"usage: ctr [global flags] COMMAND [flags] [args]\n\n"
		"commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].name);
	fprintf(f,
		"\nglobal flags:\n"
		"  --root DIR             state directory (default " CTR_DEFAULT_ROOT ")\n"
		"  --log FILE             log file (default stderr)\n"
		"  --log-format text|json log format (default text)\n"
		"  --debug                log debug messages\n"
		"  --systemd-cgroup       (not supported)\n"
		"  --rootless true|false|auto\n"
		"  -h, --help, -v, --version\n"
		"\n`ctr COMMAND --help` describes a command.\n");
}

static void print_version(void)
{
	printf("ctr version " CTR_VERSION "\ncommit: " CTR_COMMIT "\nspec: " CTR_OCI_VERSION "\n");
}

/* True if argv has -h/--help before any "--" (commands answer it before other flags). */
static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-help") == 0)
			return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	struct cli c = {0};
	c.opts.log_fn = cli_log_cb;
	c.opts.log_arg = &c;
	c.cmd = "ctr";
	static const struct opt global_opts[] = {
		{"root", 0, true},        {"log", 0, true},     {"log-format", 0, true},
		{"debug", 0, false},      {"systemd-cgroup", 0, false},
		{"rootless", 0, true},    {"criu", 0, true},    {"help", 'h', false},
		{"version", 'v', false},  {NULL, 0, false},
	};
	struct opt_iter it = {.argc = argc, .argv = argv, .i = 1};
	const char *log_path = NULL, *log_format = "text";
	bool systemd = false;
	for (int k; (k = opt_next(&c, &it, global_opts)) != -1;) {
		switch (k) {
		case -2: print_usage(stderr); return 1;
		case 0: c.opts.root = it.val; break;
		case 1: log_path = it.val; break;
		case 2: log_format = it.val; break;
		case 3: c.debug = opt_bool(&it); c.opts.debug = c.debug; break;
		case 4: systemd = opt_bool(&it); break;
		case 5:
			if (strcmp(it.val, "true") && strcmp(it.val, "false") && strcmp(it.val, "auto")) {
				cli_error(&c, "invalid --rootless value \"%s\" (want true, false or auto)", it.val);
				return 1;
			}
			break;
		case 6: break; /* --criu: accepted for compatibility, checkpointing is not supported */
		case 7: print_usage(stdout); return 0;
		case 8: print_version(); return 0;
		}
	}
	if (strcmp(log_format, "json") == 0) {
		c.log_json = true;
	} else if (strcmp(log_format, "text") != 0) {
		cli_error(&c, "unknown log-format \"%s\" (want text or json)", log_format);
		return 1;
	}
	if (log_path && *log_path) {
		c.log = fopen(log_path, "ae");
		if (!c.log) {
			fprintf(stderr, "ctr: open log file %s: %s\n", log_path, strerror(errno));
			return 1;
		}
	}
	if (!c.opts.root) {
		/* runc and crun use $XDG_RUNTIME_DIR when rootless; we are rootful by default. */
		c.opts.root = CTR_DEFAULT_ROOT;
	}
	if (it.i >= argc) {
		print_usage(stderr);
		return 1;
	}
	const char *name = argv[it.i];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) != 0)
			continue;
		c.cmd = name;
		int cargc = argc - it.i;
		char **cargv = argv + it.i;
		if (wants_help(cargc, cargv)) {
			printf("usage: %s", commands[i].usage);
			return 0;
		}
		if (systemd) {
			cli_error(&c, "--systemd-cgroup is not supported: ctr manages cgroupfs itself");
			return 1;
		}
		int rc = commands[i].fn(&c, cargc, cargv);
		if (c.log)
			fclose(c.log);
		return rc;
	}
	cli_error(&c, "unknown command \"%s\"", name);
	print_usage(stderr);
	return 1;
}
