/* cgtool: drives the cgroup section of ctr.c directly, for tests/t_cgroup*.sh (no
 * container needed). usage: cgtool CMD PATH [ARGS]
 *   create PATH [k=v...]     cgroup_plan + cgroup_make with linux.cgroupsPath=PATH and resources
 *   update PATH k=v...       cgroup_update
 *   run PATH -- CMD...       run CMD inside (entered before exec), print "exit N"/"signal N"
 *   spawn PATH -- CMD...     same, detached; print its pid
 *   freeze|thaw|frozen|pids|stats|v2fd|dirs|mode PATH
 *   kill PATH SIG            cgroup_kill_all
 *   destroy PATH [force]     cgroup_destroy
 * k=v: memory.limit memory.swap memory.reservation memory.swappiness memory.kernelTCP
 *      memory.disableOOMKiller cpu.shares cpu.quota cpu.period cpu.cpus cpu.mems
 *      cpu.rtRuntime pids.limit hugetlb.SIZE unified.FILE=VALUE dev=[+-]T[:MAJ:MIN[:ACC]] */
#include "../../ctr.c"

static struct spec_kv kv[16];
static struct spec_hugepage hp[4];
static struct spec_device_rule dev[16];

static int64_t num(const char *s)
{
	char *e;
	long long v = strtoll(s, &e, 10);
	if (*e == 'K') v <<= 10;
	if (*e == 'M') v <<= 20;
	if (*e == 'G') v <<= 30;
	return v;
}

static int parse_kv(struct spec *s, int argc, char **argv)
{
	struct spec_resources *r = &s->lx.resources;
	s->lx.has_resources = true;
	for (int i = 0; i < argc; i++) {
		char *k = argv[i], *v = strchr(k, '=');
		if (!v)
			return fprintf(stderr, "bad k=v: %s\n", k), -1;
		*v++ = 0;
#define I64(name, field) if (!strcmp(k, name)) { field = (struct opt_i64){true, num(v)}; continue; }
#define U64(name, field) if (!strcmp(k, name)) { field = (struct opt_u64){true, (uint64_t)num(v)}; continue; }
		I64("memory.limit", r->memory.limit);
		I64("memory.swap", r->memory.swap);
		I64("memory.reservation", r->memory.reservation);
		I64("memory.kernelTCP", r->memory.kernel_tcp);
		U64("memory.swappiness", r->memory.swappiness);
		U64("cpu.shares", r->cpu.shares);
		I64("cpu.quota", r->cpu.quota);
		U64("cpu.period", r->cpu.period);
		I64("cpu.rtRuntime", r->cpu.realtime_runtime);
		I64("pids.limit", r->pids_limit);
		if (!strcmp(k, "memory.disableOOMKiller")) {
			r->memory.disable_oom_killer = (struct opt_bool){true, !strcmp(v, "true")};
			continue;
		}
		if (!strcmp(k, "cpu.cpus")) { r->cpu.cpus = v; continue; }
		if (!strcmp(k, "cpu.mems")) { r->cpu.mems = v; continue; }
		if (str_has_prefix(k, "hugetlb.") && r->n_hugepages < 4) {
			hp[r->n_hugepages++] = (struct spec_hugepage){k + 8, (uint64_t)num(v)};
			r->hugepages = hp;
			continue;
		}
		if (str_has_prefix(k, "unified.") && r->n_unified < 16) {
			kv[r->n_unified++] = (struct spec_kv){k + 8, v};
			r->unified = kv;
			continue;
		}
		if (!strcmp(k, "dev") && r->n_devices < 16) {
			struct spec_device_rule *d = &dev[r->n_devices++];
			char *save, *t = strtok_r(v, ":", &save);
			d->allow = t[0] == '+';
			d->type = t[1];
			if ((t = strtok_r(NULL, ":", &save)) && strcmp(t, "*"))
				d->major = (struct opt_i64){true, num(t)};
			if ((t = strtok_r(NULL, ":", &save)) && strcmp(t, "*"))
				d->minor = (struct opt_i64){true, num(t)};
			d->access = strtok_r(NULL, ":", &save);
			r->devices = dev;
			continue;
		}
		return fprintf(stderr, "unknown key %s\n", k), -1;
	}
	r->has_memory = r->has_cpu = r->has_pids = true;
	return 0;
}

/* The cgroup of PATH as cgroup_plan would see it, without creating or writing. */
static struct cgroup *open_cg(const char *path)
{
	struct ctr_error err = {0};
	struct cg_host h;
	char *mi = NULL, *self = NULL, p[PATH_MAX];
	if (cg_path_clean(path, "x", p, sizeof(p), &err) < 0 || cg_host_read(&h, &mi, &self, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		exit(1);
	}
	struct cgroup *cg = calloc(1, sizeof(*cg));
	cg->mode = cg_mode_of(&h);
	cg->path = strdup(p);
	uint32_t v1 = 0;
	for (size_t i = 0; i < h.n; i++)
		v1 |= h.m[i].v2 ? 0 : h.m[i].ctls;
	for (size_t i = 0; i < h.n; i++) {
		char base[PATH_MAX] = "", dir[PATH_MAX * 2], have[512] = "";
		if (p[0] != '/')
			cg_own_path(self, &h.m[i], base, sizeof(base));
		if (!strcmp(base, "/"))
			base[0] = 0;
		snprintf(dir, sizeof(dir), "%s%s%s%s", h.m[i].mnt, base, p[0] == '/' ? "" : "/", p);
		cg->d[cg->n].dir = strdup(dir);
		cg->d[cg->n].v2 = h.m[i].v2;
		if (h.m[i].v2)
			cg_read_at(dir, "cgroup.controllers", have, sizeof(have));
		cg->d[cg->n++].ctls = h.m[i].v2 ? cg_mask_of(have, cg_v2_names, ' ') & ~v1 : h.m[i].ctls;
	}
	free(mi);
	free(self);
	return cg;
}

static int die(struct ctr_error *err)
{
	fprintf(stderr, "cgtool: %s\n", err->msg);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return fprintf(stderr, "usage: cgtool CMD PATH [ARGS]\n"), 2;
	const char *cmd = argv[1], *path = argv[2];
	struct ctr_error err = {0};
	struct spec s = {0};
	s.has_linux = true;
	s.lx.cgroups_path = path;
	if (!strcmp(cmd, "create")) {
		struct cgroup *cg;
		if (parse_kv(&s, argc - 3, argv + 3) < 0)
			return 2;
		if (cgroup_plan(&s, "x", &cg, &err) < 0 ||
		    (cg->mode != CG_MODE_NONE && cgroup_make(cg, &s, &err) < 0))
			return die(&err);
		printf("%s\n", cg_mode_names[cg->mode]);
		cgroup_free(cg);
		return 0;
	}
	struct cgroup *cg = open_cg(path);
	if (!strcmp(cmd, "mode")) {
		printf("%s\n", cg_mode_names[cg->mode]);
	} else if (!strcmp(cmd, "dirs")) {
		for (size_t i = 0; i < cg->n; i++)
			printf("%s %s\n", cg->d[i].v2 ? "v2" : "v1", cg->d[i].dir);
	} else if (!strcmp(cmd, "update")) {
		if (parse_kv(&s, argc - 3, argv + 3) < 0)
			return 2;
		if (cgroup_update(cg, &s.lx.resources, &err) < 0)
			return die(&err);
	} else if (!strcmp(cmd, "run") || !strcmp(cmd, "spawn")) {
		if (argc < 5 || strcmp(argv[3], "--"))
			return 2;
		int p[2];
		if (pipe(p) < 0)
			return 1;
		pid_t pid = fork();
		if (pid == 0) {
			char c;
			close(p[1]);
			if (read(p[0], &c, 1) != 1)
				_exit(126);
			if (!strcmp(cmd, "spawn")) {
				int nfd = open("/dev/null", O_RDWR);
				dup2(nfd, 0), dup2(nfd, 1), dup2(nfd, 2);
				setsid();
			}
			execvp(argv[4], argv + 4);
			_exit(127);
		}
		close(p[0]);
		if (cgroup_enter(cg, pid, &err) < 0) {
			kill(pid, SIGKILL);
			return die(&err);
		}
		if (write(p[1], "x", 1) != 1)
			return 1;
		if (!strcmp(cmd, "spawn")) {
			printf("%d\n", (int)pid);
			return 0;
		}
		int st;
		waitpid(pid, &st, 0);
		if (WIFSIGNALED(st))
			printf("signal %d\n", WTERMSIG(st));
		else
			printf("exit %d\n", WEXITSTATUS(st));
	} else if (!strcmp(cmd, "freeze") || !strcmp(cmd, "thaw")) {
		if (cgroup_freeze(cg, cmd[0] == 'f', &err) < 0)
			return die(&err);
	} else if (!strcmp(cmd, "frozen")) {
		bool f;
		if (cgroup_is_frozen(cg, &f, &err) < 0)
			return die(&err);
		printf("%s\n", f ? "true" : "false");
	} else if (!strcmp(cmd, "pids")) {
		pid_t *pids;
		size_t n;
		if (cgroup_pids(cg, &pids, &n, &err) < 0)
			return die(&err);
		for (size_t i = 0; i < n; i++)
			printf("%d\n", (int)pids[i]);
		free(pids);
	} else if (!strcmp(cmd, "stats")) {
		struct sbuf sb = {0};
		struct jw w;
		char *out;
		jw_init(&w, &sb, NULL);
		if (cgroup_stats(cg, &w, &err) < 0 || sbuf_take(&sb, &out, &err) < 0)
			return die(&err);
		printf("%s\n", out);
		free(out);
	} else if (!strcmp(cmd, "v2fd")) {
		int fd = cgroup_v2_fd(cg);
		printf("%s\n", fd >= 0 ? "fd" : "none");
	} else if (!strcmp(cmd, "kill")) {
		if (cgroup_kill_all(cg, argc > 3 ? atoi(argv[3]) : SIGKILL, &err) < 0)
			return die(&err);
	} else if (!strcmp(cmd, "destroy")) {
		int rc = cgroup_destroy(cg, argc > 3 && !strcmp(argv[3], "force"), &err);
		return rc < 0 ? die(&err) : 0;
	} else {
		return fprintf(stderr, "unknown command %s\n", cmd), 2;
	}
	cgroup_free(cg);
	return 0;
}
