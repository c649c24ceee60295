
/* ---------- lifecycle commands (stub: to be written) ---------- */
static int cmd_create(struct cli *c, int argc, char **argv)
{
	(void)argc; (void)argv;
	cli_error(c, "%s: not implemented yet", c->cmd);
	return 1;
}

static int cmd_start(struct cli *c, int argc, char **argv)
{
	(void)argc; (void)argv;
	cli_error(c, "%s: not implemented yet", c->cmd);
	return 1;
}

static int cmd_run(struct cli *c, int argc, char **argv)
{
	(void)argc; (void)argv;
	cli_error(c, "%s: not implemented yet", c->cmd);
	return 1;
}

static int cmd_kill(struct cli *c, int argc, char **argv)
{
	(void)argc; (void)argv;
	cli_error(c, "%s: not implemented yet", c->cmd);
	return 1;
}

static int cmd_delete(struct cli *c, int argc, char **argv)
{
	(void)argc; (void)argv;
	cli_error(c, "%s: not implemented yet", c->cmd);
	return 1;
}

static int cmd_state(struct cli *c, int argc, char **argv)
{
	(void)argc; (void)argv;
	cli_error(c, "%s: not implemented yet", c->cmd);
	return 1;
}

static int cmd_list(struct cli *c, int argc, char **argv)
{
	(void)argc; (void)argv;
	cli_error(c, "%s: not implemented yet", c->cmd);
	return 1;
}

