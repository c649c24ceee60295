/* Unit tests of the spec section: config.json parsing (every field), errors with
 * JSON path and position, the default config, and `check`. Data: tests/spec/. */
#include "../ctr.c"
#include "t.h"

#define DATA "../../tests/spec/"

static char *slurp(const char *path, size_t *len)
{
	char *text = NULL;
	struct ctr_error err = {0};
	if (read_file(path, 1 << 24, &text, len, &err) < 0)
		printf("# %s\n", err.msg);
	return text;
}

/* Parse tests/spec/<name> as "config.json"; NULL (and the error in *err) on failure. */
static struct spec *load(const char *name, struct ctr_error *err)
{
	char path[512];
	size_t len = 0;
	struct spec *s = NULL;
	snprintf(path, sizeof(path), DATA "%s", name);
	char *text = slurp(path, &len);
	if (!text)
		return NULL;
	if (spec_parse(text, len, "config.json", &s, err) < 0)
		s = NULL;
	free(text);
	return s;
}

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static uint64_t capbit(const char *name)
{
	return 1ull << spec_cap_from_name(name);
}

static bool strv_ok(const char **v, size_t n, const char *first, const char *last)
{
	return n > 0 && v[n] == NULL && streq(v[0], first) && streq(v[n - 1], last);
}

static void test_names(void)
{
	CHECK(streq(spec_cap_name(0), "CAP_CHOWN"), "cap name 0");
	CHECK(streq(spec_cap_name(21), "CAP_SYS_ADMIN"), "cap name 21");
	CHECK(streq(spec_cap_name(40), "CAP_CHECKPOINT_RESTORE"), "cap name 40");
	CHECK(spec_cap_name(41) == NULL && spec_cap_name(-1) == NULL, "cap name past the end");
	int n = 0;
	for (int i = 0; spec_cap_name(i); i++)
		n += spec_cap_from_name(spec_cap_name(i)) == i;
	CHECK(n == 41, "cap names round-trip (%d)", n);
	CHECK(spec_cap_from_name("net_admin") == 12, "cap from lower-case name without prefix");
	CHECK(spec_cap_from_name("Cap_Bpf") == 39, "cap from mixed-case name");
	CHECK(spec_cap_from_name("CAP_SYS_ADMIN") == 21, "cap from full name");
	CHECK(spec_cap_from_name("CAP_") == -1 && spec_cap_from_name("FOO") == -1 &&
	      spec_cap_from_name("") == -1, "unknown cap names");
}

static void test_runc_spec(void)
{
	struct ctr_error err = {0};
	struct spec *s = load("runc-spec.json", &err);
	CHECK(s, "runc spec parses: %s", s ? "" : err.msg);
	if (!s)
		return;
	struct spec_process *p = &s->process;
	CHECK(streq(s->oci_version, "1.0.2-dev"), "runc: ociVersion");
	CHECK(streq(s->root_path, "rootfs") && s->root_readonly, "runc: root");
	CHECK(streq(s->hostname, "runc") && !s->domainname, "runc: hostname");
	CHECK(s->has_process && p->terminal && p->user.uid == 0 && p->user.gid == 0 &&
	      !p->user.umask.set && p->n_args == 1 && streq(p->args[0], "sh") && !p->args[1],
	      "runc: process terminal, user, args");
	CHECK(strv_ok(p->env, p->n_env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		      "TERM=xterm") && p->n_env == 2, "runc: env");
	CHECK(streq(p->cwd, "/"), "runc: cwd");
	uint64_t caps = capbit("AUDIT_WRITE") | capbit("KILL") | capbit("NET_BIND_SERVICE");
	CHECK(p->has_caps && p->caps.bounding.set && p->caps.bounding.mask == caps &&
	      p->caps.effective.mask == caps && p->caps.permitted.mask == caps &&
	      p->caps.ambient.mask == caps && !p->caps.inheritable.set &&
	      !p->caps.inheritable.mask, "runc: capabilities");
	CHECK(p->n_rlimits == 1 && p->rlimits[0].resource == RLIMIT_NOFILE &&
	      p->rlimits[0].hard == 1024 && p->rlimits[0].soft == 1024, "runc: rlimits");
	CHECK(p->no_new_privileges && !p->oom_score_adj.set && !p->scheduler.set &&
	      !p->has_io_priority, "runc: noNewPrivileges, unset fields");
	CHECK(s->n_mounts == 7 && streq(s->mounts[0].destination, "/proc") &&
	      streq(s->mounts[0].type, "proc") && streq(s->mounts[0].source, "proc") &&
	      s->mounts[0].n_options == 0 && !s->mounts[0].options, "runc: mounts[0]");
	CHECK(streq(s->mounts[2].destination, "/dev/pts") &&
	      strv_ok(s->mounts[2].options, s->mounts[2].n_options, "nosuid", "gid=5") &&
	      s->mounts[2].n_options == 6, "runc: mounts[2] options");
	CHECK(streq(s->mounts[6].destination, "/sys/fs/cgroup") && s->mounts[6].n_options == 5,
	      "runc: mounts[6]");
	struct spec_linux *lx = &s->lx;
	CHECK(s->has_linux && lx->has_resources && lx->resources.n_devices == 1 &&
	      !lx->resources.devices[0].allow && lx->resources.devices[0].type == 'a' &&
	      streq(lx->resources.devices[0].access, "rwm") &&
	      !lx->resources.devices[0].major.set && !lx->resources.has_memory,
	      "runc: resources.devices");
	int want[] = {CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNS};
	bool ok = lx->n_namespaces == 5;
	for (size_t i = 0; ok && i < 5; i++)
		ok = lx->namespaces[i].type == want[i] && !lx->namespaces[i].path;
	CHECK(ok, "runc: namespaces");
	CHECK(strv_ok(lx->masked_paths, lx->n_masked_paths, "/proc/acpi", "/proc/scsi") &&
	      lx->n_masked_paths == 10, "runc: maskedPaths");
	CHECK(strv_ok(lx->readonly_paths, lx->n_readonly_paths, "/proc/bus", "/proc/sysrq-trigger") &&
	      lx->n_readonly_paths == 5, "runc: readonlyPaths");
	CHECK(!lx->seccomp && !lx->n_uid_mappings && !lx->n_sysctl && !s->n_annotations &&
	      !s->n_hooks[HOOK_PRESTART], "runc: absent sections");
	spec_free(s);

	s = load("runc-spec-rootless.json", &err);
	CHECK(s, "runc rootless spec parses: %s", s ? "" : err.msg);
	if (!s)
		return;
	lx = &s->lx;
	CHECK(lx->n_uid_mappings == 1 && lx->uid_mappings[0].container_id == 0 &&
	      lx->uid_mappings[0].size == 1 && lx->n_gid_mappings == 1, "rootless: id mappings");
	CHECK(lx->n_namespaces == 5 && lx->namespaces[4].type == CLONE_NEWUSER, "rootless: user ns");
	CHECK(!lx->has_resources, "rootless: no resources");
	CHECK(streq(s->mounts[5].type, "none") && streq(s->mounts[5].source, "/sys") &&
	      streq(s->mounts[5].options[0], "rbind"), "rootless: /sys bind");
	spec_free(s);
}

/* The default config is runc's, but for our ociVersion and hostname. */
static void test_default(void)
{
	for (int rootless = 0; rootless < 2; rootless++) {
		char *mine = NULL;
		size_t len;
		struct ctr_error err = {0};
		CHECK(ctr_spec_default(rootless, &mine, &err) == 0, "default%s renders", rootless ? " rootless" : "");
		char *runc = slurp(rootless ? DATA "runc-spec-rootless.json" : DATA "runc-spec.json", &len);
		if (!mine || !runc)
			return;
		struct sbuf want = {0};
		for (const char *p = runc; *p;) {
			if (str_has_prefix(p, "\"1.0.2-dev\"")) {
				sbuf_adds(&want, "\"" CTR_OCI_VERSION "\"");
				p += 11;
			} else if (str_has_prefix(p, "\"hostname\": \"runc\"")) {
				sbuf_adds(&want, "\"hostname\": \"ctr\"");
				p += 18;
			} else {
				sbuf_addc(&want, *p++);
			}
		}
		if (rootless && (geteuid() || getegid()))
			T_SKIP("default rootless is runc's: ids are not 0");
		else
			CHECK(streq(mine, want.buf), "default%s is runc's spec (ociVersion, hostname aside)",
			      rootless ? " rootless" : "");
		struct spec *s = NULL;
		CHECK(spec_parse(mine, strlen(mine), "config.json", &s, &err) == 0 &&
		      streq(s->oci_version, CTR_OCI_VERSION) && streq(s->hostname, "ctr") &&
		      s->lx.n_namespaces == 5, "default%s parses", rootless ? " rootless" : "");
		if (rootless && s)
			CHECK(s->lx.uid_mappings[0].host_id == geteuid() &&
			      s->lx.gid_mappings[0].host_id == getegid(), "default rootless maps our ids");
		spec_free(s);
		sbuf_release(&want);
		free(runc);
		free(mine);
	}

	/* ctr_spec_write: O_EXCL, runc's message */
	char dir[] = "/tmp/unit_spec.XXXXXX";
	if (!mkdtemp(dir)) {
		T_FAIL("mkdtemp");
		return;
	}
	struct ctr_error err = {0};
	char path[600];
	snprintf(path, sizeof(path), "%s/config.json", dir);
	CHECK(ctr_spec_write(dir, 0, &err) == 0, "spec write: %s", err.msg);
	size_t len;
	char *text = slurp(path, &len), *def = NULL;
	ctr_spec_default(0, &def, &err);
	CHECK(text && def && streq(text, def), "spec write writes the default");
	free(text);
	free(def);
	CHECK(ctr_spec_write(dir, 1, &err) == -1 &&
	      streq(err.msg, "File config.json exists. Remove it first"), "spec write refuses to overwrite: %s", err.msg);
	unlink(path);
	snprintf(path, sizeof(path), "%s/nonexistent", dir);
	CHECK(ctr_spec_write(path, 0, &err) == -1 && err.errnum == ENOENT, "spec write into a missing bundle: %s", err.msg);
	rmdir(dir);
}

static void test_podman(void)
{
	struct ctr_error err = {0};
	struct spec *s = load("podman-seccomp.json", &err);
	CHECK(s, "podman config parses: %s", s ? "" : err.msg);
	if (!s)
		return;
	struct spec_process *p = &s->process;
	CHECK(streq(s->oci_version, "1.2.0") && !s->root_readonly && !p->terminal, "podman: basics");
	CHECK(p->user.umask.set && p->user.umask.v == 18 && p->user.n_additional_gids == 11 &&
	      p->user.additional_gids[10] == 27, "podman: user");
	CHECK(__builtin_popcountll(p->caps.bounding.mask) == 11 &&
	      (p->caps.bounding.mask & capbit("SETFCAP")) && !p->caps.ambient.set &&
	      p->caps.effective.mask == p->caps.bounding.mask, "podman: capabilities");
	CHECK(p->n_rlimits == 2 && p->rlimits[1].resource == RLIMIT_NPROC &&
	      p->oom_score_adj.set && p->oom_score_adj.v == 0, "podman: rlimits, oomScoreAdj");
	CHECK(s->n_mounts == 9 && streq(s->mounts[7].destination, "/dev/shm") &&
	      s->mounts[7].n_options == 5, "podman: mounts");
	CHECK(s->n_annotations == 4 && streq(s->annotations[0].key, "io.container.manager") &&
	      streq(s->annotations[0].value, "libpod"), "podman: annotations");
	struct spec_linux *lx = &s->lx;
	CHECK(lx->n_sysctl == 1 && streq(lx->sysctl[0].key, "net.ipv4.ping_group_range") &&
	      streq(lx->sysctl[0].value, "0 0"), "podman: sysctl");
	CHECK(lx->resources.has_pids && lx->resources.pids_limit.set &&
	      lx->resources.pids_limit.v == 2048, "podman: pids");
	CHECK(str_has_prefix(lx->cgroups_path, "machine.slice:libpod:") &&
	      lx->n_namespaces == 6 && lx->namespaces[5].type == CLONE_NEWCGROUP, "podman: cgroups, namespaces");
	struct spec_seccomp *sc = lx->seccomp;
	CHECK(sc && sc->default_action == SC_ACT_ERRNO && sc->default_errno_ret.set &&
	      sc->default_errno_ret.v == 1, "podman: seccomp default");
	if (!sc)
		return;
	CHECK(sc->n_architectures == 3 && streq(sc->architectures[0], "SCMP_ARCH_X86_64") &&
	      streq(sc->architectures[2], "SCMP_ARCH_X32") && !sc->architectures[3], "podman: seccomp architectures");
	CHECK(sc->n_syscalls == 14 && sc->syscalls[0].n_names == 361 &&
	      streq(sc->syscalls[0].names[0], "accept") && !sc->syscalls[0].names[361] &&
	      sc->syscalls[0].action == SC_ACT_ALLOW && !sc->syscalls[0].n_args, "podman: seccomp rule 0");
	size_t names = 0;
	for (size_t i = 0; i < sc->n_syscalls; i++)
		names += sc->syscalls[i].n_names;
	CHECK(names == 376, "podman: 376 syscall names");
	struct spec_seccomp_rule *r = &sc->syscalls[9];
	CHECK(r->n_args == 1 && r->args[0].index == 0 && r->args[0].value == 4294967295u &&
	      r->args[0].op == SC_OP_EQ && streq(r->names[0], "personality"), "podman: seccomp personality arg");
	r = &sc->syscalls[12];
	CHECK(r->args[0].op == SC_OP_MASKED_EQ && r->args[0].value == 2114060288 &&
	      r->args[0].value_two == 0, "podman: seccomp clone mask");
	r = &sc->syscalls[13];
	CHECK(r->action == SC_ACT_ERRNO && r->errno_ret.set && r->errno_ret.v == 38 &&
	      streq(r->names[0], "clone3"), "podman: seccomp clone3 ENOSYS");
	CHECK(sc->syscalls[2].args[0].op == SC_OP_LT && sc->syscalls[4].args[0].op == SC_OP_GT,
	      "podman: seccomp socket ops");
	CHECK(lx->n_masked_paths == 12 && lx->n_readonly_paths == 6, "podman: masked/readonly paths");
	spec_free(s);
}

static void test_kitchen_sink(void)
{
	struct ctr_error err = {0};
	struct spec *s = load("kitchen-sink.json", &err);
	CHECK(s, "kitchen sink parses: %s", s ? "" : err.msg);
	if (!s)
		return;
	CHECK(streq(s->root_path, "/var/lib/ks/rootfs") && s->root_readonly, "ks: root");
	CHECK(streq(s->hostname, "ks-host") && streq(s->domainname, "ks.example"), "ks: hostname, domainname");
	struct spec_mount *m = &s->mounts[1];
	CHECK(s->n_mounts == 2 && streq(m->destination, "/data") && streq(m->type, "bind") &&
	      streq(m->source, "/srv/data") && strv_ok(m->options, m->n_options, "rbind", "idmap"),
	      "ks: mount");
	CHECK(m->n_uid_mappings == 1 && m->uid_mappings[0].host_id == 100000 &&
	      m->uid_mappings[0].size == 65536 && m->n_gid_mappings == 1 &&
	      m->gid_mappings[0].host_id == 200000 && !s->mounts[0].n_uid_mappings, "ks: mount id mappings");

	struct spec_process *p = &s->process;
	CHECK(p->terminal && p->console_height.set && p->console_height.v == 25 &&
	      p->console_width.v == 80, "ks: terminal, consoleSize");
	CHECK(p->user.uid == 1000 && p->user.gid == 1001 && p->user.umask.v == 18 &&
	      p->user.n_additional_gids == 2 && p->user.additional_gids[1] == 4294967295u &&
	      streq(p->user.username, "ignored-on-linux"), "ks: user");
	CHECK(p->n_args == 3 && streq(p->args[2], "x y") && !p->args[3] &&
	      streq(p->command_line, "app.exe --flag"), "ks: args, commandLine");
	CHECK(p->n_env == 3 && streq(p->env[2], "EMPTY=") && streq(p->cwd, "/home/app"), "ks: env, cwd");
	CHECK(p->caps.bounding.mask == (capbit("CHOWN") | capbit("NET_ADMIN") | capbit("CHECKPOINT_RESTORE")),
	      "ks: bounding caps (unknown one skipped)");
	CHECK(p->caps.effective.mask == capbit("KILL") && p->caps.inheritable.set &&
	      !p->caps.inheritable.mask && p->caps.permitted.mask == (capbit("KILL") | capbit("SYS_ADMIN")) &&
	      p->caps.ambient.mask == capbit("NET_BIND_SERVICE"), "ks: other cap sets");
	const struct spec_priv *pv = s->priv;
	CHECK(pv->notes && !pv->notes->next &&
	      streq(pv->notes->text, "config.json:37:73: process.capabilities.bounding[3]: unknown "
		    "capability \"CAP_FUTURE_THING\" (ignored)"),
	      "ks: unknown capability noted: %s", pv->notes ? pv->notes->text : "none");
	CHECK(p->n_rlimits == 3 && p->rlimits[0].resource == RLIMIT_NOFILE && p->rlimits[0].hard == 4096 &&
	      p->rlimits[0].soft == 1024 && p->rlimits[1].resource == RLIMIT_CORE &&
	      p->rlimits[1].hard == UINT64_MAX && p->rlimits[2].resource == RLIMIT_RTTIME &&
	      streq(p->rlimits[2].type, "RLIMIT_RTTIME"), "ks: rlimits");
	CHECK(p->no_new_privileges && streq(p->apparmor_profile, "ks-profile") &&
	      p->oom_score_adj.set && p->oom_score_adj.v == -500 &&
	      streq(p->selinux_label, "system_u:system_r:container_t:s0:c1,c2"), "ks: nnp, apparmor, oom, selinux");
	CHECK(p->has_io_priority && p->io_priority_class == 3 && p->io_priority == 7, "ks: ioPriority");
	CHECK(p->scheduler.set && p->scheduler.policy == 6 && p->scheduler.nice == -5 &&
	      p->scheduler.priority == 0 && p->scheduler.flags == (0x01 | 0x40) &&
	      p->scheduler.runtime == 10000000 && p->scheduler.deadline == 20000000 &&
	      p->scheduler.period == 30000000, "ks: scheduler");
	CHECK(streq(p->exec_cpu_affinity_initial, "0-1") && streq(p->exec_cpu_affinity_final, "2"),
	      "ks: execCPUAffinity");

	static const size_t nhooks[] = {1, 2, 1, 1, 1, 1};
	bool ok = true;
	for (int k = 0; k < HOOK_KIND_COUNT; k++)
		ok = ok && s->n_hooks[k] == nhooks[k];
	CHECK(ok && streq(s->hooks[HOOK_CREATE_RUNTIME][1].path, "/opt/ks/cr2") &&
	      streq(s->hooks[HOOK_CREATE_CONTAINER][0].path, "/opt/ks/cc") &&
	      streq(s->hooks[HOOK_START_CONTAINER][0].path, "/opt/ks/sc") &&
	      streq(s->hooks[HOOK_POSTSTART][0].path, "/opt/ks/ps"), "ks: hooks of all kinds");
	struct spec_hook *h = &s->hooks[HOOK_PRESTART][0];
	CHECK(streq(h->path, "/opt/ks/prestart") && h->n_args == 2 && streq(h->args[1], "a") &&
	      h->n_env == 1 && streq(h->env[0], "A=1") && h->timeout.set && h->timeout.v == 5,
	      "ks: prestart hook fields");
	CHECK(s->hooks[HOOK_POSTSTOP][0].timeout.v == INT64_MAX && !s->hooks[HOOK_POSTSTART][0].timeout.set,
	      "ks: hook timeouts");
	CHECK(s->n_annotations == 2 && streq(s->annotations[1].key, "empty") &&
	      streq(s->annotations[1].value, ""), "ks: annotations");

	struct spec_linux *lx = &s->lx;
	int want[] = {CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUTS,
		      CLONE_NEWUSER, CLONE_NEWCGROUP, CLONE_NEWTIME};
	ok = lx->n_namespaces == 8;
	for (size_t i = 0; ok && i < 8; i++)
		ok = lx->namespaces[i].type == want[i];
	CHECK(ok && streq(lx->namespaces[1].path, "/var/run/netns/ks") && !lx->namespaces[0].path,
	      "ks: all eight namespace types");
	CHECK(lx->n_uid_mappings == 2 && lx->uid_mappings[1].container_id == 65536 &&
	      lx->uid_mappings[1].host_id == 4294967295u && lx->n_gid_mappings == 1, "ks: id mappings");
	CHECK(lx->n_time_offsets == 2 && lx->time_offsets[0].clock == CLOCK_MONOTONIC &&
	      lx->time_offsets[0].secs == -86400 && lx->time_offsets[0].nanosecs == 999999999 &&
	      lx->time_offsets[1].clock == CLOCK_BOOTTIME && lx->time_offsets[1].secs == 1000 &&
	      lx->time_offsets[1].nanosecs == 0, "ks: timeOffsets");
	struct spec_device *d = lx->devices;
	CHECK(lx->n_devices == 4 && d[0].type == 'c' && streq(d[0].path, "/dev/fuse") &&
	      d[0].major == 10 && d[0].minor == 229 && d[0].file_mode.set && d[0].file_mode.v == 0666 &&
	      d[0].uid.set && d[0].gid.set && d[1].type == 'b' && d[2].type == 'u' &&
	      d[3].type == 'p' && !d[3].file_mode.set, "ks: devices");
	CHECK(lx->n_net_devices == 2 && streq(lx->net_devices[0].host_name, "eth1") &&
	      streq(lx->net_devices[0].name, "net0") && streq(lx->net_devices[1].host_name, "dummy0") &&
	      !lx->net_devices[1].name, "ks: netDevices");
	CHECK(streq(lx->cgroups_path, "/ks/container"), "ks: cgroupsPath");

	struct spec_resources *r = &lx->resources;
	CHECK(lx->has_resources && r->n_devices == 3 && !r->devices[0].allow &&
	      r->devices[1].allow && r->devices[1].type == 'c' && r->devices[1].major.v == 10 &&
	      r->devices[1].minor.v == 229 && streq(r->devices[1].access, "rw") &&
	      r->devices[2].type == 'b' && r->devices[2].major.set && !r->devices[2].minor.set &&
	      !r->devices[2].access, "ks: resources.devices");
	struct spec_memory *mem = &r->memory;
	CHECK(r->has_memory && mem->limit.v == 536870912 && mem->reservation.set &&
	      mem->reservation.v == -1 && mem->swap.set && mem->swap.v == -1 && mem->kernel.v == -1 &&
	      mem->kernel_tcp.set && mem->kernel_tcp.v == 0 && mem->swappiness.v == 60 &&
	      mem->disable_oom_killer.set && mem->disable_oom_killer.v && mem->use_hierarchy.set &&
	      !mem->use_hierarchy.v && mem->check_before_update.v, "ks: memory (-1 and 2^64-1 as unlimited)");
	struct spec_cpu *cpu = &r->cpu;
	CHECK(r->has_cpu && cpu->shares.v == 1024 && cpu->quota.set && cpu->quota.v == -1 &&
	      cpu->burst.v == 5000 && cpu->period.v == 100000 && cpu->realtime_runtime.v == 950000 &&
	      cpu->realtime_period.v == 1000000 && streq(cpu->cpus, "0-3") && streq(cpu->mems, "0") &&
	      cpu->idle.set && cpu->idle.v == 1, "ks: cpu");
	CHECK(r->has_pids && r->pids_limit.v == 4096, "ks: pids");
	struct spec_blkio *b = &r->blkio;
	CHECK(r->has_blkio && b->weight.v == 500 && b->leaf_weight.v == 300 &&
	      b->n_weight_devices == 1 && b->weight_devices[0].major == 8 &&
	      b->weight_devices[0].weight.v == 600 && b->weight_devices[0].leaf_weight.v == 65535,
	      "ks: blockIO weights");
	CHECK(b->n_throttle_read_bps == 1 && b->throttle_read_bps[0].rate == UINT64_MAX &&
	      b->n_throttle_write_bps == 1 && b->throttle_write_bps[0].minor == 16 &&
	      b->n_throttle_read_iops == 1 && b->throttle_read_iops[0].rate == 300 &&
	      b->n_throttle_write_iops == 2 && b->throttle_write_iops[1].major == 9 &&
	      b->throttle_write_iops[1].rate == 0, "ks: blockIO throttles");
	CHECK(r->n_hugepages == 2 && streq(r->hugepages[0].page_size, "2MB") &&
	      r->hugepages[0].limit == 209715200 && r->hugepages[1].limit == UINT64_MAX, "ks: hugepageLimits");
	CHECK(r->has_network && r->net_class_id.v == 1048577 && r->n_net_priorities == 2 &&
	      streq(r->net_priorities[0].name, "eth0") && r->net_priorities[0].priority == 500,
	      "ks: network");
	CHECK(r->n_rdma == 2 && streq(r->rdma[0].device, "mlx5_1") && r->rdma[0].hca_handles.v == 3 &&
	      r->rdma[0].hca_objects.v == 10000 && !r->rdma[1].hca_handles.set, "ks: rdma");
	CHECK(r->n_unified == 2 && streq(r->unified[1].key, "io.max") &&
	      streq(r->unified[1].value, "8:0 rbps=1048576"), "ks: unified");
	CHECK(lx->n_sysctl == 3 && streq(lx->sysctl[2].key, "fs.mqueue.msg_max"), "ks: sysctl");

	struct spec_seccomp *sc = lx->seccomp;
	CHECK(sc && sc->default_action == SC_ACT_ERRNO && sc->default_errno_ret.v == 38 &&
	      sc->n_architectures == 2 && sc->n_flags == 2 && streq(sc->flags[1], "SECCOMP_FILTER_FLAG_SPEC_ALLOW") &&
	      streq(sc->listener_path, "/run/seccomp-agent.sock") && streq(sc->listener_metadata, "meta") &&
	      sc->n_syscalls == 11, "ks: seccomp header");
	if (sc && sc->n_syscalls == 11) {
		static const enum sc_action acts[] = {
			SC_ACT_ALLOW, SC_ACT_ALLOW, SC_ACT_ERRNO, SC_ACT_KILL_THREAD, SC_ACT_KILL_PROCESS,
			SC_ACT_KILL_THREAD, SC_ACT_TRAP, SC_ACT_TRACE, SC_ACT_LOG, SC_ACT_NOTIFY, SC_ACT_ALLOW,
		};
		ok = true;
		for (size_t i = 0; i < 11; i++)
			ok = ok && sc->syscalls[i].action == acts[i];
		CHECK(ok, "ks: every seccomp action");
		struct spec_seccomp_arg *a = sc->syscalls[2].args;
		CHECK(sc->syscalls[2].errno_ret.v == 1 && a[0].index == 5 && a[0].value == 2114060288 &&
		      a[0].value_two == UINT64_MAX && a[0].op == SC_OP_MASKED_EQ, "ks: seccomp masked arg");
		CHECK(sc->syscalls[7].errno_ret.set && sc->syscalls[7].errno_ret.v == 7 &&
		      !sc->syscalls[0].errno_ret.set, "ks: seccomp errnoRet for TRACE");
		a = sc->syscalls[10].args;
		CHECK(sc->syscalls[10].n_args == 5 && a[0].op == SC_OP_NE && a[1].op == SC_OP_LT &&
		      a[2].op == SC_OP_LE && a[3].op == SC_OP_GE && a[4].op == SC_OP_GT &&
		      a[4].value == 5, "ks: every seccomp operator");
	}
	CHECK(streq(lx->rootfs_propagation, "rslave") && lx->n_masked_paths == 2 &&
	      lx->n_readonly_paths == 1 && streq(lx->mount_label, "system_u:object_r:container_file_t:s0:c1,c2"),
	      "ks: propagation, masked/readonly paths, mountLabel");
	CHECK(lx->has_personality && streq(lx->personality_domain, "LINUX32") &&
	      lx->n_personality_flags == 1 && streq(lx->personality_flags[0], "SOMETHING"), "ks: personality");
	CHECK(lx->has_memory_policy && streq(lx->memory_policy_mode, "MPOL_INTERLEAVE") &&
	      streq(lx->memory_policy_nodes, "0-1") && lx->n_memory_policy_flags == 1 &&
	      streq(lx->memory_policy_flags[0], "MPOL_F_STATIC_NODES"), "ks: memoryPolicy");
	CHECK(lx->has_intel_rdt && streq(lx->intel_rdt_clos_id, "clos1") &&
	      streq(lx->intel_rdt_l3_cache_schema, "L3:0=ff") && streq(lx->intel_rdt_mem_bw_schema, "MB:0=50"),
	      "ks: intelRdt");
	spec_free(s);
}

/* Each invalid config: the exact error. */
static void test_invalid(void)
{
	static const struct { const char *file, *msg; } cases[] = {
		{"additional-gids-string",
		 "config.json:4:90: process.user.additionalGids[0]: expected integer"},
		{"annotation-number",
		 "config.json:5:33: annotations.c: expected string"},
		{"args-empty",
		 "config.json:4:22: process.args: must not be empty"},
		{"args-item-number",
		 "config.json:4:29: process.args[1]: expected string"},
		{"args-missing",
		 "config.json:4:13: process.args: missing (required)"},
		{"blkio-weight-big",
		 "config.json:5:48: linux.resources.blockIO.weight: 70000 is not an integer in 0..65535"},
		{"caps-not-array",
		 "config.json:4:71: process.capabilities.bounding: expected array"},
		{"console-no-width",
		 "config.json:4:57: process.consoleSize.width: missing (required)"},
		{"cpu-shares-float",
		 "config.json:5:44: linux.resources.cpu.shares: 1.5 is not an integer in 0..18446744073709551615"},
		{"cpu-shares-negative",
		 "config.json:5:44: linux.resources.cpu.shares: -2 is not an integer in 0..18446744073709551615"},
		{"cwd-missing",
		 "config.json:4:13: process.cwd: missing (required)"},
		{"cwd-relative",
		 "config.json:4:37: process.cwd: \"tmp\" is not an absolute path"},
		{"device-bad-type",
		 "config.json:5:54: linux.devices[0].type: unsupported device type \"x\""},
		{"device-no-major",
		 "config.json:5:24: linux.devices[0].major: missing (required)"},
		{"device-no-path",
		 "config.json:5:24: linux.devices[0].path: missing (required)"},
		{"device-no-type",
		 "config.json:5:24: linux.devices[0].type: missing (required)"},
		{"env-object",
		 "config.json:4:49: process.env: expected array"},
		{"gid-negative",
		 "config.json:5:29: process.user.gid: -1 is not an integer in 0..4294967295"},
		{"hook-relative",
		 "config.json:5:34: hooks.prestart[0].path: \"hook\" is not an absolute path"},
		{"hook-timeout-zero",
		 "config.json:5:58: hooks.poststop[0].timeout: must be greater than zero"},
		{"hostname-nul",
		 "config.json:5:16: domainname: string contains a NUL byte"},
		{"hostname-long",
		 "config.json:16:14: hostname: 65 bytes, more than the kernel's limit of 64"},
		{"hugepage-no-limit",
		 "config.json:5:45: linux.resources.hugepageLimits[0].limit: missing (required)"},
		{"idmap-no-size",
		 "config.json:5:28: linux.uidMappings[0].size: missing (required)"},
		{"ioprio-bad-class",
		 "config.json:5:27: process.ioPriority.class: unsupported value \"IOPRIO_CLASS_NONE\""},
		{"memory-limit-2e64-2",
		 "config.json:5:46: linux.resources.memory.limit: 18446744073709551614 is not an integer in -9223372036854775808..9223372036854775807"},
		{"memory-limit-1e26",
		 "config.json:12:27: linux.resources.memory.limit: 1e26 is not an integer in "
		 "-9223372036854775808..9223372036854775807"},
		{"memory-limit-1e400",
		 "config.json:12:27: linux.resources.memory.limit: 1E400 is not an integer in "
		 "-9223372036854775808..9223372036854775807"},
		{"memory-limit-exp",
		 "config.json:12:27: linux.resources.memory.limit: 1e3 is not an integer in "
		 "-9223372036854775808..9223372036854775807 (write it without a fraction or exponent)"},
		{"memory-limit-negative",
		 "config.json:12:27: linux.resources.memory.limit: -5 is negative (-1 means unlimited)"},
		{"memory-limit-string",
		 "config.json:12:27: linux.resources.memory.limit: expected integer"},
		{"mempolicy-bad-flag",
		 "config.json:5:97: linux.memoryPolicy.flags[1]: unsupported value \"MPOL_F_BOGUS\""},
		{"mempolicy-no-mode",
		 "config.json:5:28: linux.memoryPolicy.mode: missing (required)"},
		{"mount-no-destination",
		 "config.json:9:3: mounts[3].destination: missing (required)"},
		{"mount-options-string",
		 "config.json:5:46: mounts[0].options: expected array"},
		{"netdev-name-number",
		 "config.json:5:44: linux.netDevices.eth0.name: expected string"},
		{"no-root",
		 "config.json:1:1: root: missing (required)"},
		{"no-version",
		 "config.json:1:1: ociVersion: missing (required)"},
		{"not-object",
		 "config.json:1:1: expected object"},
		{"ns-duplicate",
		 "config.json:8:12: linux.namespaces[2].type: duplicate namespace \"pid\""},
		{"ns-no-type",
		 "config.json:5:27: linux.namespaces[0].type: missing (required)"},
		{"ns-unknown",
		 "config.json:5:53: linux.namespaces[1].type: unsupported value \"foo\""},
		{"oom-too-big",
		 "config.json:4:57: process.oomScoreAdj: 2147483648 is not an integer in -2147483648..2147483647"},
		{"personality-domain",
		 "config.json:5:38: linux.personality.domain: unsupported value \"LINUX64\""},
		{"pids-string",
		 "config.json:5:44: linux.resources.pids.limit: expected integer"},
		{"process-array",
		 "config.json:4:13: process: expected object"},
		{"propagation-bad",
		 "config.json:5:33: linux.rootfsPropagation: unsupported value \"sideways\""},
		{"rdma-negative",
		 "config.json:5:60: linux.resources.rdma.mlx5_1.hcaHandles: -1 is not an integer in 0..4294967295"},
		{"resdev-bad-access",
		 "config.json:5:64: linux.resources.devices[0].access: \"rwx\" is not a combination of r, w, m"},
		{"resdev-no-allow",
		 "config.json:5:38: linux.resources.devices[0].allow: missing (required)"},
		{"rlimit-duplicate",
		 "config.json:7:4: process.rlimits[1]: duplicate rlimit \"RLIMIT_NOFILE\""},
		{"rlimit-negative",
		 "config.json:5:49: process.rlimits[0].hard: -1 is not an integer in 0..18446744073709551615"},
		{"rlimit-unknown",
		 "config.json:5:24: process.rlimits[0].type: unsupported value \"RLIMIT_FOO\""},
		{"root-no-path",
		 "config.json:3:10: root.path: missing (required)"},
		{"root-path-number",
		 "config.json:3:19: root.path: expected string"},
		{"sched-bad-flag",
		 "config.json:5:52: process.scheduler.flags[0]: unsupported value \"SCHED_FLAG_NOPE\""},
		{"sched-bad-policy",
		 "config.json:5:27: process.scheduler.policy: unsupported value \"SCHED_FOO\""},
		{"seccomp-arg-index",
		 "config.json:6:70: linux.seccomp.syscalls[0].args[0].index: 6 is not an integer in 0..5"},
		{"seccomp-bad-action",
		 "config.json:6:33: linux.seccomp.syscalls[0].action: unsupported value \"SCMP_ACT_FOO\""},
		{"seccomp-bad-op",
		 "config.json:6:91: linux.seccomp.syscalls[0].args[0].op: unsupported value \"SCMP_CMP_XX\""},
		{"seccomp-no-default",
		 "config.json:5:23: linux.seccomp.defaultAction: missing (required)"},
		{"seccomp-no-names",
		 "config.json:5:72: linux.seccomp.syscalls[0].names: missing (required)"},
		{"seccomp-value-2e64",
		 "config.json:6:82: linux.seccomp.syscalls[0].args[0].value: 18446744073709551616 is not an integer in 0..18446744073709551615"},
		{"syntax",
		 "config.json:3:*"},
		{"sysctl-number",
		 "config.json:5:46: linux.sysctl.net.ipv4.ip_forward: expected string"},
		{"terminal-string",
		 "config.json:4:54: process.terminal: expected boolean"},
		{"throttle-no-rate",
		 "config.json:5:64: linux.resources.blockIO.throttleReadBpsDevice[0].rate: missing (required)"},
		{"time-offset-clock",
		 "config.json:5:66: linux.timeOffsets.realtime: unsupported clock (want monotonic or boottime)"},
		{"time-offset-nanosecs",
		 "config.json:5:64: linux.timeOffsets.boottime.nanosecs: must be less than 1000000000"},
		{"uid-missing",
		 "config.json:5:11: process.user.uid: missing (required)"},
		{"uid-too-big",
		 "config.json:5:19: process.user.uid: 4294967296 is not an integer in 0..4294967295"},
		{"version-2",
		 "config.json:2:16: ociVersion: unsupported version \"2.0.0\" (want 1.x)"},
		{"version-number",
		 "config.json:2:16: ociVersion: expected string"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char name[128];
		struct ctr_error err = {0};
		snprintf(name, sizeof(name), "bad/%s.json", cases[i].file);
		struct spec *s = load(name, &err);
		const char *want = cases[i].msg, *star = strchr(want, '*');
		bool match = star ? strncmp(err.msg, want, (size_t)(star - want)) == 0 : streq(err.msg, want);
		CHECK(!s && match, "invalid %s: got \"%s\"", cases[i].file, err.msg);
		spec_free(s);
	}
	/* every file in bad/ must be in the table */
	DIR *d = opendir(DATA "bad");
	size_t files = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		files += e->d_name[0] != '.';
	if (d)
		closedir(d);
	CHECK(files == ARRAY_LEN(cases), "every bad/ config has an expected error (%zu files, %zu cases)",
	      files, ARRAY_LEN(cases));
}

/* The standalone parsers behind `exec -p process.json` and `update -r resources.json`. */
static struct json_doc *doc_of(const char *text, const char *source)
{
	struct json_doc *doc = NULL;
	struct ctr_error err = {0};
	if (json_parse(text, strlen(text), source, NULL, &doc, &err) < 0)
		printf("# %s\n", err.msg);
	return doc;
}

static void test_parts(void)
{
	struct ctr_error err = {0};
	struct spec_process p;
	void *priv = NULL;
	struct json_doc *doc = doc_of("{\"args\": [\"ls\", \"-l\"], \"cwd\": \"/tmp\", \"env\": [\"A=1\"], "
				      "\"terminal\": true, \"user\": {\"uid\": 5, \"gid\": 6, \"additionalGids\": [7]}, "
				      "\"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_NOPE\"]}, "
				      "\"rlimits\": [{\"type\": \"RLIMIT_NPROC\", \"hard\": 9, \"soft\": 8}]}", "process.json");
	CHECK(doc && spec_parse_process(json_root(doc), "process.json", &p, &priv, &err) == 0,
	      "process.json parses: %s", err.msg);
	CHECK(p.n_args == 2 && streq(p.args[1], "-l") && !p.args[2] && streq(p.cwd, "/tmp") &&
	      p.n_env == 1 && p.terminal && p.user.uid == 5 && p.user.gid == 6 &&
	      p.user.n_additional_gids == 1 && p.user.additional_gids[0] == 7 && p.has_caps &&
	      p.caps.bounding.mask == capbit("KILL") && p.n_rlimits == 1 &&
	      p.rlimits[0].resource == RLIMIT_NPROC && p.rlimits[0].soft == 8, "process.json fields");
	spec_priv_free(priv);
	json_free(doc);

	static const struct { const char *text, *msg; } bad[] = {
		{"{\"args\": \"ls\", \"cwd\": \"/\"}", "process.json:1:10: args: expected array"},
		{"[1]", "process.json:1:1: expected object"},
		{"{\"args\": [\"ls\"]}", "process.json:1:1: cwd: missing (required)"},
		{"{\"args\": [\"ls\"], \"cwd\": \"/\", \"user\": {\"uid\": 1.5, \"gid\": 0}}",
		 "process.json:1:46: user.uid: 1.5 is not an integer in 0..4294967295"},
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		doc = doc_of(bad[i].text, "process.json");
		priv = NULL;
		CHECK(doc && spec_parse_process(json_root(doc), "process.json", &p, &priv, &err) == -1 &&
		      streq(err.msg, bad[i].msg), "invalid process.json %zu: %s", i, err.msg);
		spec_priv_free(priv);
		json_free(doc);
	}

	struct spec_resources r;
	doc = doc_of("{\"memory\": {\"limit\": 1048576, \"swap\": -1}, \"cpu\": {\"shares\": 512, "
		     "\"cpus\": \"0\"}, \"pids\": {\"limit\": -1}, \"blockIO\": {\"weight\": 10}, "
		     "\"unified\": {\"memory.high\": \"max\"}}", "resources.json");
	priv = NULL;
	CHECK(doc && spec_parse_resources(json_root(doc), "resources.json", &r, &priv, &err) == 0,
	      "resources.json parses: %s", err.msg);
	CHECK(r.has_memory && r.memory.limit.v == 1048576 && r.memory.swap.v == -1 &&
	      !r.memory.reservation.set && r.has_cpu && r.cpu.shares.v == 512 && streq(r.cpu.cpus, "0") &&
	      !r.cpu.quota.set && r.has_pids && r.pids_limit.v == -1 && r.has_blkio &&
	      r.blkio.weight.v == 10 && !r.has_network && r.n_unified == 1 &&
	      streq(r.unified[0].value, "max"), "resources.json fields");
	spec_priv_free(priv);
	json_free(doc);
	doc = doc_of("{\"memory\": {\"limit\": true}}", "resources.json");
	priv = NULL;
	CHECK(doc && spec_parse_resources(json_root(doc), "resources.json", &r, &priv, &err) == -1 &&
	      streq(err.msg, "resources.json:1:22: memory.limit: expected integer"),
	      "invalid resources.json: %s", err.msg);
	spec_priv_free(priv);
	json_free(doc);
}

/* check: problems are reported, all of them, and counted */
static void count_problem(void *arg, const char *problem)
{
	(void)problem;
	++*(int *)arg;
}

/* The smallest static executable check accepts for the architecture ctr is built for:
 * an ELF header and one PT_LOAD of the whole file (never run). */
static void write_tiny_elf(const char *path)
{
	const struct elf_arch *a = elf_arch_find(ELF_NATIVE_ARCH);
	struct elf_info e = {.cls = a ? a->cls : 2, .data = a ? a->data : 1};
	bool w = e.cls == ELF_CLASS64;
	unsigned char b[128] = "\177ELF";
	size_t hs = w ? 64 : 52, len = hs + (w ? 56 : 32);
	b[4] = e.cls;
	b[5] = e.data;
	b[6] = 1;
	uint32_t flags = !a ? 0 : a->machine == ELF_EM_ARM ? 0x5000400 : a->machine == ELF_EM_RISCV ? 4 : 0;
	uint64_t f[][3] = {{16, 2, 2}, {18, a ? a->machine : 62, 2}, {20, 1, 4},
			   {w ? 32 : 28, hs, w ? 8 : 4}, {w ? 48 : 36, flags, 4},
			   {w ? 54 : 42, w ? 56 : 32, 2}, {w ? 56 : 44, 1, 2}, {hs, 1, 4},
			   {hs + (w ? 32 : 16), len, w ? 8 : 4}};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		for (unsigned k = 0; k < f[i][2]; k++)
			b[f[i][0] + (e.data == ELF_MSB ? f[i][2] - 1 - k : k)] = (unsigned char)(f[i][1] >> (8 * k));
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0 || write(fd, b, len) != (ssize_t)len)
		T_FAIL("write %s", path);
	if (fd >= 0)
		close(fd);
}

static void test_check(void)
{
	char dir[] = "/tmp/unit_spec_check.XXXXXX", path[600];
	struct ctr_error err = {0};
	if (!mkdtemp(dir)) {
		T_FAIL("mkdtemp");
		return;
	}
	int seen = 0;
	int n = ctr_check(dir, count_problem, &seen, &err);
	CHECK(n == 1 && seen == 1, "check without config.json: one problem (%d)", n);
	CHECK(ctr_spec_write(dir, 0, &err) == 0, "check: spec written");
	seen = 0;
	n = ctr_check(dir, count_problem, &seen, &err);
	CHECK(n == 1 && seen == 1, "check without rootfs: one problem, args[0] not looked up (%d)", n);
	snprintf(path, sizeof(path), "%s/rootfs", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/rootfs/bin", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/rootfs/bin/sh", dir);
	write_tiny_elf(path);
	seen = 0;
	n = ctr_check(dir, count_problem, &seen, &err);
	CHECK(n == 0 && seen == 0, "check passes with /bin/sh in the rootfs (%d)", n);
	chmod(path, 0644);
	n = ctr_check(dir, NULL, NULL, &err);
	CHECK(n == 1, "check: /bin/sh not executable (%d)", n);
	unlink(path);
	symlink("../../../../../../bin/sh", path);
	n = ctr_check(dir, NULL, NULL, &err);
	CHECK(n == 1, "check: a symlink does not escape the rootfs (%d)", n);
	unlink(path);
	snprintf(path, sizeof(path), "%s/rootfs/bin", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/rootfs", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	unlink(path);
	rmdir(dir);
}

static void collect_problem(void *arg, const char *problem)
{
	sbuf_adds(arg, problem);
	sbuf_addc(arg, '\n');
}

/* The kitchen sink parses, but names host files that do not exist and a gid its user
 * namespace does not map. */
static void test_check_kitchen_sink(void)
{
	char dir[] = "/tmp/unit_spec_ks.XXXXXX", path[600];
	size_t len;
	struct ctr_error err = {0};
	char *text = slurp(DATA "kitchen-sink.json", &len);
	if (!mkdtemp(dir) || !text) {
		T_FAIL("mkdtemp or kitchen-sink.json");
		free(text);
		return;
	}
	snprintf(path, sizeof(path), "%s/config.json", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	write_all(fd, text, len);
	close(fd);
	struct sbuf out = {0};
	int n = ctr_check(dir, collect_problem, &out, &err);
	bool apparmor = access("/sys/kernel/security/apparmor", F_OK) == 0;
	char want[2048];
	/* each finding at the position of the value it names (the parser's layout); the
	 * unknown capability is a warning, not counted (create ignores it too) */
	char *w = want, *end = want + sizeof(want);
	static const char *const lines[] = {
		"37:73: process.capabilities.bounding[3]: unknown capability \"CAP_FUTURE_THING\" (ignored)",
		"4:11: root.path: /var/lib/ks/rootfs: No such file or directory",
		"49:22: process.apparmorProfile: AppArmor is not enabled on this host",
		"16:14: mounts[1].source: /srv/data: No such file or directory",
		"68:25: hooks.prestart[0].path: /opt/ks/prestart: No such file or directory",
		"69:30: hooks.createRuntime[0].path: /opt/ks/cr1: No such file or directory",
		"69:55: hooks.createRuntime[1].path: /opt/ks/cr2: No such file or directory",
		"70:32: hooks.createContainer[0].path: /opt/ks/cc: No such file or directory",
		"72:26: hooks.poststart[0].path: /opt/ks/ps: No such file or directory",
		"73:25: hooks.poststop[0].path: /opt/ks/pst: No such file or directory",
		"200:15: linux.intelRdt: intelRdt is specified in config, but Intel RDT is not supported by ctr",
		"82:32: linux.namespaces[1].path: /var/run/netns/ks: No such file or directory",
		"29:26: process.user.additionalGids[1]: 4294967295 is not mapped by linux.gidMappings",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (i != 2 || !apparmor)
			w += snprintf(w, (size_t)(end - w), "%s/config.json:%s\n", dir, lines[i]);
	CHECK(n == 11 + !apparmor && streq(out.buf, want),
	      "check kitchen sink: the missing host files, one unmapped gid, each at its "
	      "position (%d)", n);
	if (!streq(out.buf, want))
		printf("# got:\n%s", out.buf ? out.buf : "");
	sbuf_release(&out);
	unlink(path);
	rmdir(dir);
	free(text);
}

/* Robustness: every prefix and many one-byte changes of the kitchen sink either parse
 * or fail with a message, without crashing or leaking (run under ASan in CI). */
static void test_mutations(void)
{
	size_t len, parsed = 0, failed = 0, bad_msg = 0;
	char *text = slurp(DATA "kitchen-sink.json", &len);
	if (!text)
		return;
	static const char subst[] = "\"{]:-1";
	for (size_t cut = 0; cut < len; cut++) {
		/* every prefix; replacements at every third byte (fast enough under qemu) */
		for (size_t k = cut % 3 ? sizeof(subst) - 1 : 0; k < sizeof(subst); k++) {
			char *copy = malloc(len + 1);
			memcpy(copy, text, len + 1);
			size_t n = len;
			if (k == sizeof(subst) - 1)
				n = cut;                /* a prefix */
			else
				copy[cut] = subst[k];   /* one byte replaced */
			struct spec *s = NULL;
			struct ctr_error err = {0};
			if (spec_parse(copy, n, "config.json", &s, &err) == 0) {
				parsed++;
				spec_free(s);
			} else {
				failed++;
				bad_msg += !str_has_prefix(err.msg, "config.json");
			}
			free(copy);
		}
	}
	CHECK(parsed > 0 && failed > 0 && bad_msg == 0,
	      "mutations: %zu parsed, %zu failed, all failures named the source", parsed, failed);
	free(text);
}

/* Syntax, type and semantic errors share one layout, "<source>:<line>:<col>: <path>: ",
 * with the path once; a repeated key: the last one counts. */
static void test_layout(void)
{
	static const struct { const char *kind, *text, *path; unsigned line, col; } cases[] = {
		{"syntax", "{\"ociVersion\": \"1.0.0\",\n \"root\": {\"path\": }}", "", 2, 19},
		{"type", "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"},\n"
		 " \"process\": {\"args\": \"sh\", \"cwd\": \"/\"}}", "process.args", 2, 22},
		{"semantic", "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"},\n"
		 "  \"linux\": {\"resources\": {\"memory\": {\"swap\": -7}}}}",
		 "linux.resources.memory.swap", 2, 46},
		{"semantic", "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"},\n"
		 "  \"linux\": {\"netDevices\": {\"eth0\": {\"name\": 5}}}}",
		 "linux.netDevices.eth0.name", 2, 45},
		{"semantic", "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"},\n"
		 "  \"hostname\": \"" "0123456789012345678901234567890123456789"
		 "0123456789012345678901234\"}", "hostname", 2, 15},
		{"range", "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"},\n"
		 " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"oomScoreAdj\": 1e26}}",
		 "process.oomScoreAdj", 2, 57},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct ctr_error err = {0};
		struct spec *s = NULL;
		unsigned line = 0, col = 0;
		int used = 0;
		int rc = spec_parse(cases[i].text, strlen(cases[i].text), "config.json", &s, &err);
		sscanf(err.msg, "config.json:%u:%u: %n", &line, &col, &used);
		const char *rest = err.msg + used, *path = cases[i].path;
		size_t plen = strlen(path);
		bool path_ok = !plen || (!strncmp(rest, path, plen) && !strncmp(rest + plen, ": ", 2) &&
					 !strstr(rest + plen, path));
		CHECK(rc < 0 && used && line == cases[i].line && col == cases[i].col && path_ok,
		      "%s error at %u:%u, path \"%s\" once: %s", cases[i].kind, cases[i].line,
		      cases[i].col, path, err.msg);
		spec_free(s);
	}
	static const char dup[] = "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, "
				  "\"hostname\": \"first\", \"hostname\": \"last\"}";
	struct ctr_error err = {0};
	struct spec *s = NULL;
	CHECK(spec_parse(dup, strlen(dup), "config.json", &s, &err) == 0 &&
	      streq(s->hostname, "last"), "a repeated key: the last one counts (%s)", err.msg);
	spec_free(s);
}

/* The host-safety rules shared by ctr check and create (runc's sysctl rule). */
static void test_host_rules(void)
{
	char b[300];
	int all = CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS;
	CHECK(!spec_sysctl_problem("kernel.msgmax", CLONE_NEWIPC, b, sizeof(b)) &&
	      spec_sysctl_problem("kernel.msgmax", all & ~CLONE_NEWIPC, b, sizeof(b)) &&
	      !spec_sysctl_problem("fs.mqueue.msg_max", CLONE_NEWIPC, b, sizeof(b)) &&
	      !spec_sysctl_problem("kernel.shm_rmid_forced", CLONE_NEWIPC, b, sizeof(b)),
	      "sysctl: the ipc ones need a private ipc namespace");
	CHECK(spec_sysctl_problem("kernel.shm_next_id", all, b, sizeof(b)) &&
	      spec_sysctl_problem("fs.lease-break-time", all, b, sizeof(b)) &&
	      strstr(b, "not in a separate kernel namespace"), "sysctl: others refused (%s)", b);
	CHECK(!spec_sysctl_problem("net/ipv4/ip_forward", CLONE_NEWNET, b, sizeof(b)) &&
	      spec_sysctl_problem("net.ipv4.ip_forward", all & ~CLONE_NEWNET, b, sizeof(b)),
	      "sysctl: net.* (also slash form) needs a private network namespace");
	CHECK(spec_sysctl_problem("kernel.hostname", all, b, sizeof(b)) && strstr(b, "hostname") &&
	      !spec_sysctl_problem("kernel.domainname", all, b, sizeof(b)) &&
	      spec_sysctl_problem("kernel.domainname", 0, b, sizeof(b)),
	      "sysctl: kernel.hostname refused for the field, kernel.domainname with uts");
	CHECK(spec_unified_problem("cgroup.procs") && spec_unified_problem("cgroup.kill") &&
	      spec_unified_problem("cgroup.subtree_control") && spec_unified_problem("../x.y") &&
	      spec_unified_problem("a/memory.max") && spec_unified_problem("memory") &&
	      !spec_unified_problem("cgroup.max.depth") && !spec_unified_problem("memory.high"),
	      "unified: core files but the limits, paths and bare names refused");
	CHECK(spec_path_is_root("") && spec_path_is_root("/") && spec_path_is_root("/./") &&
	      spec_path_is_root("/tmp/..") && spec_path_is_root("../..") &&
	      !spec_path_is_root("/tmp") && !spec_path_is_root("/../tmp"),
	      "mount destinations that are the root");
}

int main(void)
{
	test_names();
	test_runc_spec();
	test_default();
	test_podman();
	test_kitchen_sink();
	test_invalid();
	test_layout();
	test_parts();
	test_check();
	test_check_kitchen_sink();
	test_host_rules();
	test_mutations();
	return t_failed;
}
