
/* ---------- features ---------- */

static int cmd_features(struct cli *c, int argc, char **argv)
{
	static const struct opt opts[] = {{NULL, 0, false}};
	struct opt_iter it = {.argc = argc, .argv = argv, .i = 1};
	if (opt_next(c, &it, opts) == -2)
		return 1;
	if (it.i != argc) {
		cmd_usage_error(c, "features: takes no arguments");
		return 1;
	}
	struct ctr_error err = {0};
	char *json = NULL;
	if (ctr_features_json(&json, &err) < 0) {
		cli_error(c, "%s", err.msg);
		return 1;
	}
	fputs(json, stdout);
	free(json);
	return 0;
}
