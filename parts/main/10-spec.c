
/* ---------- spec and check (stub: to be written) ---------- */
static int cmd_spec(struct cli *c, int argc, char **argv)
{
	(void)argc; (void)argv;
	cli_error(c, "%s: not implemented yet", c->cmd);
	return 1;
}

static int cmd_check(struct cli *c, int argc, char **argv)
{
	(void)argc; (void)argv;
	cli_error(c, "%s: not implemented yet", c->cmd);
	return 1;
}

