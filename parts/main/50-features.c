
/* ---------- features (stub: to be written) ---------- */
static int cmd_features(struct cli *c, int argc, char **argv)
{
	(void)argc; (void)argv;
	cli_error(c, "%s: not implemented yet", c->cmd);
	return 1;
}

