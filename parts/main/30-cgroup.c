
/* ---------- cgroup commands: ps, pause, resume, update, events ---------- */

static int cmd_pause_resume(struct cli *c, int argc, char **argv, bool pause)
{
	static const struct opt opts[] = {{NULL, 0, false}};
	struct opt_iter it = {.argc = argc, .argv = argv, .i = 1};
	if (opt_next(c, &it, opts) == -2)
		return 1;
	const char *id = one_id_arg(c, &it);
	if (!id)
		return 1;
	struct ctr_error err = {0};
	if ((pause ? ctr_pause : ctr_resume)(&c->opts, id, &err) < 0) {
		cli_error(c, "%s", err.msg);
		return 1;
	}
	return 0;
}

static int cmd_pause(struct cli *c, int argc, char **argv)
{
	return cmd_pause_resume(c, argc, argv, true);
}

static int cmd_resume(struct cli *c, int argc, char **argv)
{
	return cmd_pause_resume(c, argc, argv, false);
}

static bool pid_in(pid_t p, const pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == p)
			return true;
	return false;
}

/* `ps ARGS`: print the header and the rows whose PID column is one of pids (runc). */
static int ps_table(struct cli *c, char **ps_args, int n_args, const pid_t *pids, size_t n)
{
	char *argv[64] = {"ps"};
	int k = 1;
	if (n_args == 0)
		argv[k++] = "-ef";
	for (int i = 0; i < n_args && k < 63; i++)
		argv[k++] = ps_args[i];
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		cli_error(c, "ps: pipe: %s", strerror(errno));
		return 1;
	}
	pid_t child = fork();
	if (child < 0) {
		cli_error(c, "ps: fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return 1;
	}
	if (child == 0) {
		dup2(fds[1], 1);
		execvp("ps", argv);
		fprintf(stderr, "ctr: exec ps: %s\n", strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	/* All of ps's output in one buffer: read() and memchr cost less than stdio's getline. */
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int pid_col = -1, rc = 0;
	for (;;) {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 16384);
			if (!nb)
				break;
			buf = nb;
			cap += 16384;
		}
		ssize_t r = read(fds[0], buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fds[0]);
	if (buf)
		buf[len] = 0;
	for (char *line = buf, *end = buf + len; line && line < end;) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t ll = nl ? (size_t)(nl - line) + 1 : (size_t)(end - line);
		bool show = false;
		int col = 0;
		for (char *t = line + strspn(line, " \t"); *t && *t != '\n'; col++) {
			size_t tl = strcspn(t, " \t\n");
			if (pid_col < 0 && tl == 3 && !memcmp(t, "PID", 3)) {
				pid_col = col;
				show = true;
				break;
			}
			if (col == pid_col) {
				show = pid_in((pid_t)atol(t), pids, n);
				break;
			}
			t += tl;
			t += strspn(t, " \t");
		}
		if (pid_col < 0) {
			cli_error(c, "ps: no PID column in the output of ps");
			rc = 1;
			break;
		}
		if (show)
			fwrite(line, 1, ll, stdout);
		line += ll;
	}
	free(buf);
	int st;
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	if (rc == 0 && (!WIFEXITED(st) || WEXITSTATUS(st))) {
		cli_error(c, "ps failed");
		rc = 1;
	}
	return rc;
}

static int cmd_ps(struct cli *c, int argc, char **argv)
{
	static const struct opt opts[] = {{"format", 'f', true}, {NULL, 0, false}};
	struct opt_iter it = {.argc = argc, .argv = argv, .i = 1};
	const char *format = "table";
	for (int k; (k = opt_next(c, &it, opts)) != -1;) {
		if (k == -2)
			return 1;
		format = it.val;
	}
	if (strcmp(format, "table") && strcmp(format, "json")) {
		cli_error(c, "ps: invalid format option \"%s\" (want table or json)", format);
		return 1;
	}
	if (it.i >= argc) {
		cmd_usage_error(c, "ps: requires at least 1 argument (the container id)");
		return 1;
	}
	const char *id = argv[it.i++];
	struct ctr_error err = {0};
	pid_t *pids = NULL;
	size_t n = 0;
	if (ctr_ps(&c->opts, id, &pids, &n, &err) < 0) {
		cli_error(c, "%s", err.msg);
		return 1;
	}
	int rc = 0;
	if (!strcmp(format, "json")) {
		putchar('[');
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		puts("]");
	} else {
		fflush(stdout);
		rc = ps_table(c, argv + it.i, argc - it.i, pids, n);
	}
	free(pids);
	return rc;
}

/* Docker's RAMInBytes: "512m", "1.5g", "1024", "2KiB"; binary units. "-1" passes. */
static int parse_ram(const char *s, long long *out)
{
	if (!strcmp(s, "-1")) {
		*out = -1;
		return 0;
	}
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v < 0 || *s < '0' || *s > '9')
		return -1;
	if (*end == ' ')
		end++;
	static const char units[] = "kmgtp";
	const char *u = *end ? strchr(units, *end | 0x20) : NULL;
	if (u) {
		for (long i = 0; i <= u - units; i++)
			v *= 1024;
		end++;
		if (*end == 'i' || *end == 'I')
			end++;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end || v > 9.2e18)
		return -1;
	*out = (long long)v;
	return 0;
}

static int read_stream(FILE *f, char **out)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	for (size_t n; buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0;) {
		len += n;
		if (cap - len < 2) {
			char *nb = len > (16u << 20) ? NULL : realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	if (!buf || ferror(f)) {
		free(buf);
		return -1;
	}
	buf[len] = 0;
	*out = buf;
	return 0;
}

static int cmd_update(struct cli *c, int argc, char **argv)
{
	/* flag index -> where its value goes in the JSON (object, member, kind) */
	static const struct opt opts[] = {
		{"resources", 'r', true}, {"memory", 0, true}, {"memory-swap", 0, true},
		{"memory-reservation", 0, true}, {"kernel-memory", 0, true},
		{"kernel-memory-tcp", 0, true}, {"cpu-shares", 0, true}, {"cpu-quota", 0, true},
		{"cpu-period", 0, true}, {"cpu-rt-period", 0, true}, {"cpu-rt-runtime", 0, true},
		{"cpuset-cpus", 0, true}, {"cpuset-mems", 0, true}, {"pids-limit", 0, true},
		{"blkio-weight", 0, true}, {NULL, 0, false}};
	static const struct { const char *obj, *key; char kind; /* m: RAM, i: int, u: uint, s */ } map[] = {
		{NULL, NULL, 0}, {"memory", "limit", 'm'}, {"memory", "swap", 'm'},
		{"memory", "reservation", 'm'}, {"memory", "kernel", 'm'}, {"memory", "kernelTCP", 'm'},
		{"cpu", "shares", 'u'}, {"cpu", "quota", 'i'}, {"cpu", "period", 'u'},
		{"cpu", "realtimePeriod", 'u'}, {"cpu", "realtimeRuntime", 'i'}, {"cpu", "cpus", 's'},
		{"cpu", "mems", 's'}, {"pids", "limit", 'i'}, {"blockIO", "weight", 'u'}};
	const char *vals[sizeof(map) / sizeof(map[0])] = {0};
	struct opt_iter it = {.argc = argc, .argv = argv, .i = 1};
	for (int k; (k = opt_next(c, &it, opts)) != -1;) {
		if (k == -2)
			return 1;
		vals[k] = it.val;
	}
	const char *id = one_id_arg(c, &it);
	if (!id)
		return 1;
	char *json = NULL;
	if (vals[0]) {
		/* runc: with -r the other flags are ignored */
		FILE *f = strcmp(vals[0], "-") ? fopen(vals[0], "re") : stdin;
		if (!f || read_stream(f, &json) < 0) {
			cli_error(c, "update: read %s: %s", vals[0], strerror(errno ? errno : EIO));
			if (f && f != stdin)
				fclose(f);
			return 1;
		}
		if (f != stdin)
			fclose(f);
	} else {
		/* build a LinuxResources object from the flags, one object at a time */
		size_t cap = 1024, len = 0;
		json = malloc(cap);
		if (!json)
			return 1;
		len += (size_t)snprintf(json, cap, "{");
		const char *open_obj = NULL;
		for (size_t k = 1; k < sizeof(map) / sizeof(map[0]); k++) {
			if (!vals[k])
				continue;
			char num[64];
			if (map[k].kind == 'm') {
				long long v;
				if (parse_ram(vals[k], &v) < 0) {
					cli_error(c, "update: invalid value \"%s\" for --%s", vals[k], opts[k].name);
					free(json);
					return 1;
				}
				snprintf(num, sizeof(num), "%lld", v);
			} else if (map[k].kind != 's') {
				char *end;
				errno = 0;
				long long v = strtoll(vals[k], &end, 10);
				if (errno || *end || !*vals[k] || (map[k].kind == 'u' && v < 0)) {
					cli_error(c, "update: invalid value \"%s\" for --%s", vals[k], opts[k].name);
					free(json);
					return 1;
				}
				snprintf(num, sizeof(num), "%lld", v);
			}
			if (cap - len < strlen(vals[k]) * 6 + 128) {
				char *nj = realloc(json, cap = cap * 2 + strlen(vals[k]) * 6 + 128);
				if (!nj) {
					free(json);
					return 1;
				}
				json = nj;
			}
			if (!open_obj || strcmp(open_obj, map[k].obj))
				len += (size_t)snprintf(json + len, cap - len, "%s\"%s\":{",
							open_obj ? "}," : "", map[k].obj);
			else
				json[len++] = ',';
			open_obj = map[k].obj;
			len += (size_t)snprintf(json + len, cap - len, "\"%s\":", map[k].key);
			if (map[k].kind == 's') {
				json[len++] = '"';
				for (const char *s = vals[k]; *s; s++)
					if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
						len += (size_t)snprintf(json + len, cap - len, "\\u%04x", (unsigned char)*s);
					else
						json[len++] = *s;
				json[len++] = '"';
				json[len] = 0;
			} else {
				len += (size_t)snprintf(json + len, cap - len, "%s", num);
			}
		}
		snprintf(json + len, cap - len, "%s}", open_obj ? "}" : "");
	}
	struct ctr_error err = {0};
	int rc = ctr_update(&c->opts, id, json, &err);
	free(json);
	if (rc < 0) {
		cli_error(c, "%s", err.msg);
		return 1;
	}
	return 0;
}

/* A Go duration ("5s", "1m30s", "500ms", "1.5h") in milliseconds; -1 if malformed. */
static long long parse_duration_ms(const char *s)
{
	static const struct { const char *u; double ms; } units[] = {
		{"ns", 1e-6}, {"us", 1e-3}, {"\xc2\xb5s", 1e-3}, {"ms", 1}, {"s", 1000},
		{"m", 60000}, {"h", 3600000}};
	double total = 0;
	if (!*s)
		return -1;
	if (!strcmp(s, "0"))
		return 0;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		if (end == s || v < 0 || *s == '-' || *s == '+')
			return -1;
		size_t best = 0, best_len = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].u);
			if (!strncmp(end, units[i].u, l) && l > best_len)
				best = i, best_len = l;
		}
		if (!best_len)
			return -1;
		total += v * units[best].ms;
		s = end + best_len;
	}
	return total > 9e15 ? -1 : (long long)total;
}

/* The OOM kill counter ctr puts in the stats' memory object (-1: none). */
static long long oom_count(const char *stats)
{
	const char *p = strstr(stats, "\"oom_kill\":");
	return p ? atoll(p + 11) : -1;
}

static bool container_gone(struct cli *c, const char *id)
{
	struct ctr_state st;
	struct ctr_error err = {0};
	if (ctr_state(&c->opts, id, &st, &err) < 0)
		return true;
	bool stopped = st.status == CTR_STOPPED;
	ctr_state_release(&st);
	return stopped;
}

static int cmd_events(struct cli *c, int argc, char **argv)
{
	static const struct opt opts[] = {{"stats", 0, false}, {"interval", 0, true},
					  {NULL, 0, false}};
	struct opt_iter it = {.argc = argc, .argv = argv, .i = 1};
	bool once = false;
	long long interval = 5000;
	for (int k; (k = opt_next(c, &it, opts)) != -1;) {
		if (k == -2)
			return 1;
		if (k == 0)
			once = opt_bool(&it);
		if (k == 1 && (interval = parse_duration_ms(it.val)) <= 0) {
			cli_error(c, "events: invalid --interval \"%s\" (want a duration > 0, like 5s)", it.val);
			return 1;
		}
	}
	const char *id = one_id_arg(c, &it);
	if (!id)
		return 1;
	struct ctr_error err = {0};
	char *js = NULL;
	if (ctr_stats_json(&c->opts, id, &js, &err) < 0) {
		cli_error(c, "%s", err.msg);
		return 1;
	}
	if (once) {
		puts(js);
		free(js);
		return 0;
	}
	/* stream: stats every interval, an oom event whenever the kill counter grows;
	 * ends when the container stops or is deleted */
	long long ooms = oom_count(js), next = 0, now = 0;
	long long tick = interval < 200 ? interval : 200;
	for (;;) {
		if (now >= next) {
			puts(js);
			fflush(stdout);
			next = now + interval;
		}
		free(js);
		js = NULL;
		struct timespec ts = {tick / 1000, (tick % 1000) * 1000000L};
		nanosleep(&ts, NULL);
		now += tick;
		if (ctr_stats_json(&c->opts, id, &js, &err) < 0 || container_gone(c, id))
			break;
		long long o = oom_count(js);
		if (o > ooms) {
			printf("{\"type\":\"oom\",\"id\":\"%s\"}\n", id);
			fflush(stdout);
		}
		ooms = o;
	}
	free(js);
	return 0;
}
