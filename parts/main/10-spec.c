
/* ---------- spec and check ---------- */

/* Flags of spec and check: --bundle DIR (both), --rootless (spec, when rootless is
 * given). Returns the bundle, or NULL after a usage error. */
static const char *spec_flags(struct cli *c, int argc, char **argv, int *rootless)
{
	static const struct opt opts[] = {
		{"bundle", 'b', true}, {"rootless", 0, false}, {NULL, 0, false},
	};
	/* check takes only --bundle: the table without its second entry */
	static const struct opt check_opts[] = {{"bundle", 'b', true}, {NULL, 0, false}};
	struct opt_iter it = {.argc = argc, .argv = argv, .i = 1};
	const char *bundle = ".";
	for (int k; (k = opt_next(c, &it, rootless ? opts : check_opts)) != -1;) {
		if (k == -2)
			return NULL;
		if (k == 0)
			bundle = it.val;
		else
			*rootless = opt_bool(&it);
	}
	if (it.i < argc) {
		cmd_usage_error(c, "%s: unexpected argument \"%s\"", c->cmd, argv[it.i]);
		return NULL;
	}
	return bundle;
}

static int cmd_spec(struct cli *c, int argc, char **argv)
{
	int rootless = 0;
	struct ctr_error err = {0};
	const char *bundle = spec_flags(c, argc, argv, &rootless);
	if (!bundle)
		return 1;
	if (ctr_spec_write(bundle, rootless, &err) < 0) {
		cli_error(c, "%s", err.msg);
		return 1;
	}
	return 0;
}

static void check_print(void *arg, const char *problem)
{
	(void)arg;
	puts(problem);
}

static int cmd_check(struct cli *c, int argc, char **argv)
{
	struct ctr_error err = {0};
	const char *bundle = spec_flags(c, argc, argv, NULL);
	if (!bundle)
		return 1;
	int n = ctr_check(bundle, check_print, NULL, &err);
	if (n < 0)
		cli_error(c, "%s", err.msg);
	return n != 0;
}

