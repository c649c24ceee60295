
/* ---------- cgroup commands (stub: to be written) ---------- */
static int cmd_ps(struct cli *c, int argc, char **argv)
{
	(void)argc; (void)argv;
	cli_error(c, "%s: not implemented yet", c->cmd);
	return 1;
}

static int cmd_pause(struct cli *c, int argc, char **argv)
{
	(void)argc; (void)argv;
	cli_error(c, "%s: not implemented yet", c->cmd);
	return 1;
}

static int cmd_resume(struct cli *c, int argc, char **argv)
{
	(void)argc; (void)argv;
	cli_error(c, "%s: not implemented yet", c->cmd);
	return 1;
}

static int cmd_update(struct cli *c, int argc, char **argv)
{
	(void)argc; (void)argv;
	cli_error(c, "%s: not implemented yet", c->cmd);
	return 1;
}

static int cmd_events(struct cli *c, int argc, char **argv)
{
	(void)argc; (void)argv;
	cli_error(c, "%s: not implemented yet", c->cmd);
	return 1;
}

