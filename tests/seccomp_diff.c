/* seccomp_diff.c - differential test of our seccomp BPF generator against libseccomp.
 *
 * For each profile (tests/seccomp/NAME.prof, the line form t_seccomp_diff.sh makes from
 * JSON) and each arch set, both programs are run in tests/bpf_interp.h on every
 * syscall number of every arch (with its AUDIT_ARCH), on numbers around the arch
 * boundaries, on a foreign arch, and for syscalls with argument rules on argument
 * values at and around every boundary. Expected = libseccomp's program behind a model
 * of runc's -ENOSYS stub (written here from runc's description, independently of ours).
 * Names whose number differs between libseccomp's tables and ours are dropped from
 * both (and listed). Prints PASS/FAIL lines and the instruction counts.
 * SECCOMP_DIFF_RANDOM=N adds N random profiles (fixed seed), checked against a plain model
 * of the semantics instead (libseccomp 2.5.4 gets some ORs of 64-bit comparisons wrong).
 * Build: gcc tests/seccomp_diff.c -lseccomp (it includes ../ctr.c). */
#define CTR_SECCOMP_ALL_ARCHES 1
#include "../ctr.c"
#include "t.h"
#include "bpf_interp.h"
#include <seccomp.h>

#include "sc_name.h"

/* ---- profile in line form ---- */
struct prof {
	char skip[256];               /* " ARCH ARCH " sets not to compare */
	struct spec_seccomp sc;
	struct spec_seccomp_rule rules[512];
	struct spec_seccomp_arg args[1024];
	const char *names[4096];
	char text[65536];
};

static int act_parse(const char *s, enum sc_action *a)
{
	static const struct { const char *n; enum sc_action a; } m[] = {
		{"SCMP_ACT_KILL", SC_ACT_KILL_THREAD}, {"SCMP_ACT_KILL_THREAD", SC_ACT_KILL_THREAD},
		{"SCMP_ACT_KILL_PROCESS", SC_ACT_KILL_PROCESS}, {"SCMP_ACT_TRAP", SC_ACT_TRAP},
		{"SCMP_ACT_ERRNO", SC_ACT_ERRNO}, {"SCMP_ACT_TRACE", SC_ACT_TRACE},
		{"SCMP_ACT_ALLOW", SC_ACT_ALLOW}, {"SCMP_ACT_LOG", SC_ACT_LOG},
		{"SCMP_ACT_NOTIFY", SC_ACT_NOTIFY}};
	for (size_t i = 0; i < ARRAY_LEN(m); i++)
		if (!strcmp(m[i].n, s)) { *a = m[i].a; return 0; }
	return -1;
}

static int op_parse(const char *s, enum sc_op *o)
{
	static const char *const m[] = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
		"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
	for (int i = 0; i < 7; i++)
		if (!strcmp(m[i], s)) { *o = (enum sc_op)i; return 0; }
	return -1;
}

static void opt_errno(struct opt_u32 *o, const char *s)
{
	o->set = strcmp(s, "-") != 0;
	o->v = o->set ? (uint32_t)strtoul(s, NULL, 0) : 0;
}

/* default ACT ERRNO | rule ACT ERRNO name,name [idx:op:value:value2 ...] */
static int prof_load(const char *path, struct prof *p)
{
	memset(p, 0, sizeof(*p));
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t len = fread(p->text, 1, sizeof(p->text) - 1, f);
	fclose(f);
	p->text[len] = 0;
	size_t nn = 0, na = 0;
	p->sc.syscalls = p->rules;
	for (char *save = NULL, *line = strtok_r(p->text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *w[64];
		int n = 0;
		for (char *s2 = NULL, *t = strtok_r(line, " ", &s2); t && n < 64; t = strtok_r(NULL, " ", &s2))
			w[n++] = t;
		if (n >= 3 && !strcmp(w[0], "default")) {
			if (act_parse(w[1], &p->sc.default_action) < 0)
				return -1;
			opt_errno(&p->sc.default_errno_ret, w[2]);
		} else if (n >= 2 && !strcmp(w[0], "skip")) {
			for (int i = 1; i < n; i++)
				snprintf(p->skip + strlen(p->skip), sizeof(p->skip) - strlen(p->skip), " %s ", w[i]);
		} else if (n >= 4 && !strcmp(w[0], "rule")) {
			struct spec_seccomp_rule *r = &p->rules[p->sc.n_syscalls++];
			if (act_parse(w[1], &r->action) < 0)
				return -1;
			opt_errno(&r->errno_ret, w[2]);
			r->names = &p->names[nn];
			for (char *s3 = NULL, *t = strtok_r(w[3], ",", &s3); t; t = strtok_r(NULL, ",", &s3))
				p->names[nn++] = t;
			r->n_names = (size_t)(&p->names[nn] - r->names);
			r->args = &p->args[na];
			for (int i = 4; i < n; i++) {
				struct spec_seccomp_arg *a = &p->args[na++];
				char op[32];
				unsigned long long v, v2;
				if (sscanf(w[i], "%u:%31[A-Z_]:%llu:%llu", &a->index, op, &v, &v2) != 4 ||
				    op_parse(op, &a->op) < 0)
					return -1;
				a->value = v;
				a->value_two = v2;
			}
			r->n_args = (size_t)(&p->args[na] - r->args);
		}
	}
	return 0;
}

/* ---- arch sets ---- */
struct archset {
	const char *native;           /* our sc_arches name */
	const char *list[4];          /* the profile's architectures (our names) */
};

static const struct archset sets[] = {
	{"X86_64", {"X86_64", "X86", "X32"}},
	{"X86_64", {NULL}},
	{"X86_64", {"X86_64"}},
	{"X32", {"X32"}},
	{"X86", {"X86"}},
	{"AARCH64", {"AARCH64", "ARM"}},
	{"ARM", {"ARM"}},
	{"MIPSEL", {"MIPSEL", "MIPSEL64", "MIPSEL64N32"}},
	{"MIPS64", {"MIPS64", "MIPS", "MIPS64N32"}},
	{"RISCV64", {"RISCV64"}},
};

static uint32_t lib_token(const char *name)
{
	static const struct { const char *n; uint32_t t; } m[] = {
		{"X86_64", SCMP_ARCH_X86_64}, {"X86", SCMP_ARCH_X86}, {"X32", SCMP_ARCH_X32},
		{"AARCH64", SCMP_ARCH_AARCH64}, {"ARM", SCMP_ARCH_ARM}, {"MIPS", SCMP_ARCH_MIPS},
		{"MIPS64", SCMP_ARCH_MIPS64}, {"MIPS64N32", SCMP_ARCH_MIPS64N32},
		{"MIPSEL", SCMP_ARCH_MIPSEL}, {"MIPSEL64", SCMP_ARCH_MIPSEL64},
		{"MIPSEL64N32", SCMP_ARCH_MIPSEL64N32}, {"RISCV64", SCMP_ARCH_RISCV64}};
	for (size_t i = 0; i < ARRAY_LEN(m); i++)
		if (!strcmp(m[i].n, name))
			return m[i].t;
	return 0;
}

/* The oracle's side is written against libseccomp alone (its SCMP_ACT_* values, arch tokens
 * and syscall tables), never through ctr.c's helpers, so that a bug shared by both cannot
 * hide. Default errno: EPERM, as runc gives libseccomp. */
static uint32_t lib_act(enum sc_action a, const struct opt_u32 *e)
{
	uint16_t data = e->set ? (uint16_t)e->v : EPERM;
	switch (a) {
	case SC_ACT_KILL_THREAD: return SCMP_ACT_KILL_THREAD;
	case SC_ACT_KILL_PROCESS: return SCMP_ACT_KILL_PROCESS;
	case SC_ACT_TRAP: return SCMP_ACT_TRAP;
	case SC_ACT_ERRNO: return SCMP_ACT_ERRNO(data);
	case SC_ACT_TRACE: return SCMP_ACT_TRACE(data);
	case SC_ACT_ALLOW: return SCMP_ACT_ALLOW;
	case SC_ACT_LOG: return SCMP_ACT_LOG;
	case SC_ACT_NOTIFY: return SCMP_ACT_NOTIFY;
	}
	return SCMP_ACT_KILL_PROCESS;
}

/* libseccomp's arch tokens are the AUDIT_ARCH values; little endian has __AUDIT_ARCH_LE. */
static bool lib_big_endian(const char *name)
{
	return !(lib_token(name) & 0x40000000U);
}

static bool ret_plausible(uint32_t k)
{
	uint32_t c = k >> 16;
	return k == 0 || k == 0x80000000U || k == 0x00030000U || c == 0x0005 || c == 0x7ff0 ||
	       k == 0x7ffc0000U || k == 0x7fff0000U || k == 0x7fc00000U;
}

/* ---- libseccomp's program for a profile (runc's way of adding rules) ---- */
static struct sock_filter *lib_prog(const struct spec_seccomp *sc, const struct archset *as,
				    int optimize, size_t *len)
{
	uint32_t def = lib_act(sc->default_action, &sc->default_errno_ret);
	scmp_filter_ctx ctx = seccomp_init(def);
	if (!ctx)
		return NULL;
	if (strcmp(as->native, "X86_64")) {
		seccomp_arch_add(ctx, lib_token(as->native));
		seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
	}
	for (int i = 0; i < 4 && as->list[i]; i++)
		seccomp_arch_add(ctx, lib_token(as->list[i]));
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (optimize)
		seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (size_t i = 0; i < sc->n_syscalls; i++) {
		const struct spec_seccomp_rule *r = &sc->syscalls[i];
		uint32_t act = lib_act(r->action, &r->errno_ret);
		if (act == def)
			continue;
		static const enum scmp_compare ops[] = {SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE,
			SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ};
		struct scmp_arg_cmp c[16];
		bool split = false;
		for (size_t a = 0; a < r->n_args; a++) {
			c[a] = (struct scmp_arg_cmp){r->args[a].index, ops[r->args[a].op],
						     r->args[a].value, r->args[a].value_two};
			for (size_t b = 0; b < a; b++)
				split |= r->args[a].index == r->args[b].index;
		}
		for (size_t k = 0; k < r->n_names; k++) {
			int nr = seccomp_syscall_resolve_name(r->names[k]);
			if (nr == __NR_SCMP_ERROR)
				continue;
			int rc = 0;
			if (!split)
				rc = seccomp_rule_add_array(ctx, act, nr, (unsigned)r->n_args, c);
			for (size_t a = 0; split && a < r->n_args; a++)
				rc |= seccomp_rule_add_array(ctx, act, nr, 1, &c[a]);
			if (rc)
				printf("# libseccomp refused rule %zu (%s): %d\n", i, r->names[k], rc);
		}
	}
	int fd = memfd_create("bpf", MFD_CLOEXEC);
	if (seccomp_export_bpf(ctx, fd) < 0) {
		seccomp_release(ctx);
		return NULL;
	}
	off_t n = lseek(fd, 0, SEEK_END);
	struct sock_filter *p = malloc((size_t)n);
	if (pread(fd, p, (size_t)n, 0) != n)
		abort();
	close(fd);
	seccomp_release(ctx);
	*len = (size_t)n / sizeof(*p);
	if (lib_big_endian(as->native)) /* libseccomp writes the target's byte order */
		for (size_t i = 0; i < *len; i++) {
			p[i].code = __builtin_bswap16(p[i].code);
			p[i].k = __builtin_bswap32(p[i].k);
			/* ...except some returns, which come out in host order */
			if (p[i].code == (BPF_RET | BPF_K) && !ret_plausible(p[i].k))
				p[i].k = __builtin_bswap32(p[i].k);
		}
	return p;
}

/* ---- runc's -ENOSYS stub, as a model ---- */
struct stub_model {
	bool on;
	size_t n;
	struct { uint32_t audit; bool x32; uint32_t max; } a[8];
};

static void stub_build(const struct spec_seccomp *sc, const struct archset *as, struct stub_model *m)
{
	memset(m, 0, sizeof(*m));
	m->on = sc->default_action != SC_ACT_ALLOW && sc->default_action != SC_ACT_LOG &&
		sc->default_action != SC_ACT_TRACE;
	for (int i = 0; i < 4 && as->list[i]; i++) {
		uint32_t tok = lib_token(as->list[i]), max = 0;
		for (size_t r = 0; r < sc->n_syscalls; r++)
			for (size_t k = 0; k < sc->syscalls[r].n_names; k++) {
				int nr = seccomp_syscall_resolve_name_arch(tok, sc->syscalls[r].names[k]);
				if (nr >= 0 && (uint32_t)nr > max)
					max = (uint32_t)nr;
			}
		if (!max)
			continue;
		/* x32 calls arrive as AUDIT_ARCH_X86_64 with bit 30 set in the number; libseccomp's
		 * X32 token is not an AUDIT_ARCH value */
		m->a[m->n].audit = tok == SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : tok;
		m->a[m->n].x32 = tok == SCMP_ARCH_X32;
		m->a[m->n].max = max;
		m->n++;
	}
}

static bool stub_enosys(const struct stub_model *m, uint32_t audit, uint32_t nr)
{
	if (!m->on)
		return false;
	for (size_t i = 0; i < m->n; i++) {
		if (m->a[i].audit != audit)
			continue;
		if (audit == 0xc000003eU && m->a[i].x32 != !!(nr & 0x40000000U))
			continue; /* the other mode's section */
		return nr > m->a[i].max;
	}
	return false;
}

/* ---- a plain model of the semantics, for the random profiles (libseccomp 2.5.4 gets
 * some ORs of 64-bit comparisons wrong, so it cannot be the oracle there) ---- */
static const struct spec_seccomp *model_sc;
static const struct sc_arch *model_arches[5];
static size_t model_n;
static bool model_listed;                /* all of model_arches are listed */

static bool model_cmp(const struct spec_seccomp_arg *a, uint64_t arg, bool arg32)
{
	uint64_t v = a->value, m = a->value, d = a->value_two;
	if (arg32) {
		arg = (uint32_t)arg;
		v = (uint32_t)v;
		m = (uint32_t)m;
		d = (uint32_t)d;
	}
	switch (a->op) {
	case SC_OP_NE: return arg != v;
	case SC_OP_LT: return arg < v;
	case SC_OP_LE: return arg <= v;
	case SC_OP_EQ: return arg == v;
	case SC_OP_GE: return arg >= v;
	case SC_OP_GT: return arg > v;
	case SC_OP_MASKED_EQ: return (arg & m) == (d & m);
	}
	return false;
}

static int64_t model_nr[512][8][5]; /* [rule][name][arch]: numbers, looked up once */

static void model_setup(void)
{
	for (size_t r = 0; r < model_sc->n_syscalls && r < 512; r++)
		for (size_t k = 0; k < model_sc->syscalls[r].n_names && k < 8; k++)
			for (size_t i = 0; i < model_n; i++)
				model_nr[r][k][i] = seccomp_syscall_resolve_name_arch(
					lib_token(model_arches[i]->name), model_sc->syscalls[r].names[k]);
}

static uint64_t get_arg(const struct seccomp_data *d, unsigned i, bool be)
{
	uint32_t w0, w1;
	memcpy(&w0, (const unsigned char *)&d->args[i], 4);
	memcpy(&w1, (const unsigned char *)&d->args[i] + 4, 4);
	return be ? (uint64_t)w0 << 32 | w1 : (uint64_t)w1 << 32 | w0;
}

static uint32_t model_eval(const struct seccomp_data *d)
{
	const struct spec_seccomp *sc = model_sc;
	uint32_t def = lib_act(sc->default_action, &sc->default_errno_ret), nr = (uint32_t)d->nr;
	/* the arches of this AUDIT_ARCH value; on x86_64 the x32 bit picks the mode */
	const struct sc_arch *mode = NULL;
	size_t mi = 0;
	bool have_x86_64 = false, have_x32 = false;
	for (size_t i = 0; i < model_n; i++) {
		const struct sc_arch *a = model_arches[i];
		if (a->audit != d->arch)
			continue;
		have_x86_64 |= a->audit == 0xc000003eU && !a->base;
		have_x32 |= a->base != 0;
		if (a->audit != 0xc000003eU || !!a->base == !!(nr & 0x40000000U)) {
			mode = a;
			mi = i;
		}
	}
	if (!have_x86_64 && !have_x32 && !mode)
		return SECCOMP_RET_KILL_THREAD; /* not an arch of the filter */
	/* runc's stub: listed arches, number above the highest named */
	if (mode && model_listed && sc->default_action != SC_ACT_ALLOW && sc->default_action != SC_ACT_LOG &&
	    sc->default_action != SC_ACT_TRACE) {
		int64_t max = -1;
		for (size_t r = 0; r < sc->n_syscalls; r++)
			for (size_t k = 0; k < sc->syscalls[r].n_names; k++)
				max = model_nr[r][k][mi] > max ? model_nr[r][k][mi] : max;
		if (max > 0 && nr > (uint64_t)max)
			return SC_RET_ERRNO | ENOSYS;
	}
	if (d->arch == 0xc000003eU && have_x86_64 && !have_x32 && nr >= 0x40000000U && nr != 0xffffffffU)
		return SECCOMP_RET_KILL_THREAD;
	if (d->arch == 0xc000003eU && have_x32 && !have_x86_64 && nr < 0x40000000U)
		return SECCOMP_RET_KILL_THREAD;
	if (!mode)
		return def;
	/* the first unconditional rule, else the first conditional rule that holds */
	uint32_t cond_ret = def;
	bool cond_hit = false;
	for (size_t r = 0; r < sc->n_syscalls; r++) {
		const struct spec_seccomp_rule *ru = &sc->syscalls[r];
		uint32_t act = lib_act(ru->action, &ru->errno_ret);
		bool named = false;
		for (size_t k = 0; k < ru->n_names; k++)
			named |= model_nr[r][k][mi] == (int64_t)nr;
		if (!named || act == def)
			continue;
		if (!ru->n_args)
			return act;
		bool dup = false, all = true, any = false;
		for (size_t a = 0; a < ru->n_args; a++)
			for (size_t b = 0; b < a; b++)
				dup |= ru->args[a].index == ru->args[b].index;
		for (size_t a = 0; a < ru->n_args; a++) {
			bool h = model_cmp(&ru->args[a], get_arg(d, ru->args[a].index, mode->big_endian),
					   mode->arg32);
			all &= h;
			any |= h;
		}
		if (!cond_hit && (dup ? any : all)) {
			cond_hit = true;
			cond_ret = act;
		}
	}
	return cond_ret;
}

/* ---- evaluation ---- */
static void set_arg(struct seccomp_data *d, unsigned i, uint64_t v, bool be)
{
	uint32_t lo = (uint32_t)v, hi = (uint32_t)(v >> 32);
	unsigned char *p = (unsigned char *)&d->args[i];
	memcpy(p + (be ? 4 : 0), &lo, 4);
	memcpy(p + (be ? 0 : 4), &hi, 4);
}

static size_t n_checked, n_mismatch;
static const struct sc_filter *libmode; /* our stub + libseccomp's btree program */

static void compare(const char *what, const struct sc_filter *ours, const struct sock_filter *lib,
		    size_t lib_len, const struct stub_model *sm, const struct seccomp_data *d)
{
	uint32_t a = bpf_run(ours->prog, ours->len, d, NULL);
	uint32_t b = model_sc ? model_eval(d) :
		     stub_enosys(sm, d->arch, (uint32_t)d->nr) ? (SC_RET_ERRNO | ENOSYS)
								: bpf_run(lib, lib_len, d, NULL);
	n_checked++;
	if (libmode && !model_sc) {
		uint32_t c = bpf_run(libmode->prog, libmode->len, d, NULL);
		if (c != b && n_mismatch++ < 20)
			printf("# %s (LIBSECCOMP=1 build): arch 0x%08x nr %u: 0x%08x, expected 0x%08x\n",
			       what, d->arch, (unsigned)d->nr, c, b);
	}
	if (a != b && n_mismatch++ < 20)
		printf("# %s: arch 0x%08x nr %u (0x%x) args %llx %llx %llx: ours 0x%08x libseccomp 0x%08x\n",
		       what, d->arch, (unsigned)d->nr, (unsigned)d->nr, (unsigned long long)d->args[0],
		       (unsigned long long)d->args[1], (unsigned long long)d->args[2], a, b);
}

/* candidate values around a condition's boundaries */
static size_t arg_candidates(const struct spec_seccomp_arg *a, uint64_t *out)
{
	size_t n = 0;
	uint64_t v = a->value, m = a->value, d = a->value_two;
	uint64_t base[] = {0, 1, v - 1, v, v + 1, v | (1ULL << 32), v + (1ULL << 32),
			   v - (1ULL << 32), v ^ 0xffffffff00000000ULL, ~0ULL, 0x80000000ULL,
			   0xffffffffULL, 0x100000000ULL, (uint64_t)(uint32_t)v};
	for (size_t i = 0; i < ARRAY_LEN(base); i++)
		out[n++] = base[i];
	if (a->op == SC_OP_MASKED_EQ) {
		uint64_t mb[] = {d, d & m, (d & m) | ~m, d ^ m, (d & m) ^ 1, (d & m) ^ (m & -m),
				 (d & m) | (1ULL << 40), d & m & 0xffffffffULL};
		for (size_t i = 0; i < ARRAY_LEN(mb); i++)
			out[n++] = mb[i];
	}
	return n;
}

static size_t rand_checked[ARRAY_LEN(sets)], rand_mismatch[ARRAY_LEN(sets)];
static char rand_setname[ARRAY_LEN(sets)][64];

static void check_profile(const char *name, const struct prof *p0, bool use_model)
{
	for (size_t si = 0; si < ARRAY_LEN(sets); si++) {
		const struct archset *as = &sets[si];
		char pat[32];
		snprintf(pat, sizeof(pat), " %s ", as->native);
		if (strstr(p0->skip, pat)) {
			printf("# %s [%s]: not compared (libseccomp 2.5.4 drops rules of this profile there)\n",
			       name, as->native);
			continue;
		}
		static struct prof p;
		memcpy(&p, p0, sizeof(p));
		/* rebase the copied pointers */
		ptrdiff_t dn = (char *)p.names - (char *)p0->names, da = (char *)p.args - (char *)p0->args;
		p.sc.syscalls = p.rules;
		for (size_t r = 0; r < p.sc.n_syscalls; r++) {
			p.rules[r].names = (const char **)((char *)p.rules[r].names + dn);
			p.rules[r].args = (struct spec_seccomp_arg *)((char *)p.rules[r].args + da);
		}
		const char *archnames[4];
		char full[4][32];
		size_t na = 0;
		for (; na < 4 && as->list[na]; na++) {
			snprintf(full[na], sizeof(full[na]), "SCMP_ARCH_%s", as->list[na]);
			archnames[na] = full[na];
		}
		p.sc.architectures = archnames;
		p.sc.n_architectures = na;
		/* every arch of the set: the native one and the listed ones */
		const struct sc_arch *arches[5];
		size_t n_arches = 0;
		arches[n_arches++] = sc_arch_find(as->native);
		for (size_t i = 0; i < na; i++)
			if (sc_arch_find(as->list[i]) != arches[0])
				arches[n_arches++] = sc_arch_find(as->list[i]);
		if (use_model) {
			model_sc = &p.sc;
			model_n = n_arches;
			for (size_t i = 0; i < n_arches; i++)
				model_arches[i] = arches[i];
			model_listed = na != 0; /* every set with a list lists its native arch */
		}
		/* drop names the two tables disagree on: the oracle and the model use libseccomp's */
		size_t dropped = 0;
		for (size_t r = 0; r < p.sc.n_syscalls; r++) {
			struct spec_seccomp_rule *ru = &p.rules[r];
			size_t keep = 0;
			for (size_t k = 0; k < ru->n_names; k++) {
				bool same = true;
				for (size_t i = 0; i < n_arches; i++) {
					int64_t ours = sc_syscall_nr(arches[i], ru->names[k]);
					int lib = seccomp_syscall_resolve_name_arch(lib_token(arches[i]->name), ru->names[k]);
					if ((lib < 0 ? -1 : lib) != ours) {
						same = false;
						if (dropped < 6 && !use_model)
							printf("# %s: %s on %s: ours %lld libseccomp %d (dropped)\n", name,
							       ru->names[k], arches[i]->name, (long long)ours, lib);
					}
				}
				if (same)
					ru->names[keep++] = ru->names[k];
				else
					dropped++;
			}
			ru->n_names = keep;
		}
		if (use_model)
			model_setup();
		struct sc_filter *f = NULL;
		struct ctr_error err = {0};
		if (sc_compile_native(&p.sc, arches[0], NULL, 0, &f, &err) < 0) {
			T_FAIL("diff %s [%s]: compile: %s", name, as->native, err.msg);
			continue;
		}
		size_t lib_len = 0, opt_len = 0;
		struct sock_filter *lib = lib_prog(&p.sc, as, 0, &lib_len);
		struct sock_filter *opt = lib_prog(&p.sc, as, 1, &opt_len);
		if (!lib || !opt) {
			T_FAIL("diff %s [%s]: libseccomp export failed", name, as->native);
			continue;
		}
		struct stub_model sm;
		stub_build(&p.sc, as, &sm);
		struct sc_filter *lm = NULL;
		if (sc_compile_native(&p.sc, arches[0], opt, opt_len, &lm, &err) < 0) {
			T_FAIL("diff %s [%s]: stub for libseccomp: %s", name, as->native, err.msg);
			continue;
		}
		libmode = lm;
		n_checked = n_mismatch = 0;
		struct seccomp_data d;
		for (size_t ai = 0; ai < n_arches; ai++) {
			const struct sc_arch *a = arches[ai];
			uint32_t base = a->base;
			/* every number up to past the table's end, contiguous, plus specials */
			uint32_t maxnr = 0, minnr = 0xffffffff;
			for (size_t i = 0; i < SC_NNAMES; i++) {
				int64_t nr = sc_syscall_nr(a, sc_name(i));
				if (nr >= 0 && (uint32_t)nr < 0xf0000 + base && (uint32_t)nr > maxnr)
					maxnr = (uint32_t)nr;
				if (nr >= 0 && (uint32_t)nr < minnr)
					minnr = (uint32_t)nr;
			}
			base = minnr > base + 16 ? minnr - 16 : base;
			uint32_t specials[] = {0x3fffffff, 0x40000000, 0x40000001, 0x7fffffff, 0x80000000,
					       0xbfffffff, 0xc0000000, 0xc0000005, 0xfffffffe, 0xffffffff,
					       0xf0000, 0xf0001, 0xf0002, 0xf0005, 0xf0006, 0xf0007};
			for (uint64_t nr = base; nr <= maxnr + 16ULL + ARRAY_LEN(specials); nr++) {
				memset(&d, 0, sizeof(d));
				d.arch = a->audit;
				d.nr = (int)(nr <= maxnr + 16ULL ? (uint32_t)nr : specials[nr - maxnr - 17]);
				compare(name, f, opt, opt_len, &sm, &d);
				compare(name, f, lib, lib_len, &sm, &d);
				for (size_t i = 0; i < 6; i++)
					set_arg(&d, (unsigned)i, 0xdead0000beefULL * (i + 1), a->big_endian);
				compare(name, f, opt, opt_len, &sm, &d);
			}
			/* argument boundaries of every rule with args */
			for (size_t r = 0; r < p.sc.n_syscalls; r++) {
				const struct spec_seccomp_rule *ru = &p.rules[r];
				if (!ru->n_args)
					continue;
				for (size_t k = 0; k < ru->n_names; k++) {
					int64_t nr = sc_syscall_nr(a, ru->names[k]);
					if (nr < 0)
						continue;
					/* candidates per arg index from every rule of this syscall */
					uint64_t cand[6][256];
					size_t nc[6] = {0};
					for (size_t r2 = 0; r2 < p.sc.n_syscalls; r2++)
						for (size_t k2 = 0; k2 < p.rules[r2].n_names; k2++) {
							if (strcmp(p.rules[r2].names[k2], ru->names[k]))
								continue;
							for (size_t x = 0; x < p.rules[r2].n_args; x++) {
								unsigned idx = p.rules[r2].args[x].index;
								if (nc[idx] < 64)
									nc[idx] += arg_candidates(&p.rules[r2].args[x], &cand[idx][nc[idx]]);
							}
						}
					/* up to 3 args: full product over the first two used, third walks */
					unsigned used[6];
					size_t nu = 0;
					for (unsigned i = 0; i < 6; i++)
						if (nc[i])
							used[nu++] = i;
					size_t n0 = nc[used[0]], n1 = nu > 1 ? nc[used[1]] : 1;
					for (size_t i0 = 0; i0 < n0; i0++)
						for (size_t i1 = 0; i1 < n1; i1++) {
							memset(&d, 0, sizeof(d));
							d.arch = a->audit;
							d.nr = (int)nr;
							set_arg(&d, used[0], cand[used[0]][i0], a->big_endian);
							if (nu > 1)
								set_arg(&d, used[1], cand[used[1]][i1], a->big_endian);
							for (size_t u = 2; u < nu; u++)
								set_arg(&d, used[u], cand[used[u]][(i0 + i1) % nc[used[u]]], a->big_endian);
							compare(name, f, opt, opt_len, &sm, &d);
							compare(name, f, lib, lib_len, &sm, &d);
						}
				}
			}
		}
		/* a foreign arch gets the bad-arch action from both */
		memset(&d, 0, sizeof(d));
		d.arch = 0x80000016; /* AUDIT_ARCH_S390X */
		compare(name, f, opt, opt_len, &sm, &d);
		libmode = NULL;
		seccomp_filter_free(lm);
		char setname[64];
		snprintf(setname, sizeof(setname), "%s%s%s%s", as->native, na ? " list " : " no list",
			 na ? as->list[0] : "", na > 1 ? "+" : "");
		if (use_model) {
			rand_checked[si] += n_checked;
			rand_mismatch[si] += n_mismatch;
			snprintf(rand_setname[si], sizeof(rand_setname[si]), "%s", setname);
		} else
			CHECK(n_mismatch == 0, "diff %s [%s]: %zu evaluations identical to libseccomp, also "
			      "for the LIBSECCOMP=1 build (%zu names dropped for table differences)", name,
			      setname, n_checked, dropped);
		model_sc = NULL;
		/* compile time, ours and libseccomp's (information only) */
		if (!strcmp(name, "docker") && si == 0) {
			struct timespec t0, t1, t2;
			clock_gettime(CLOCK_MONOTONIC, &t0);
			for (int i = 0; i < 100; i++) {
				struct sc_filter *g = NULL;
				sc_compile_native(&p.sc, arches[0], NULL, 0, &g, &err);
				seccomp_filter_free(g);
			}
			clock_gettime(CLOCK_MONOTONIC, &t1);
			for (int i = 0; i < 100; i++) {
				size_t l;
				free(lib_prog(&p.sc, as, 1, &l));
			}
			clock_gettime(CLOCK_MONOTONIC, &t2);
			printf("# compile time docker: ours %.3f ms, libseccomp %.3f ms\n",
			       ((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6) / 100,
			       ((t2.tv_sec - t1.tv_sec) * 1e3 + (t2.tv_nsec - t1.tv_nsec) / 1e6) / 100);
		}
		/* instruction counts over every named syscall of the native arch, args 0 */
		const struct sc_arch *a = arches[0];
		unsigned long sum[3] = {0}, worst[3] = {0}, count = 0;
		for (size_t i = 0; i < SC_NNAMES; i++) {
			int64_t nr = sc_syscall_nr(a, sc_name(i));
			if (nr < 0)
				continue;
			memset(&d, 0, sizeof(d));
			d.arch = a->audit;
			d.nr = (int)nr;
			unsigned s[3] = {0};
			bpf_run(f->prog, f->len, &d, &s[0]);
			bpf_run(lib, lib_len, &d, &s[1]);
			bpf_run(opt, opt_len, &d, &s[2]);
			for (int j = 0; j < 3; j++) {
				sum[j] += s[j];
				if (s[j] > worst[j])
					worst[j] = s[j];
			}
			count++;
		}
		if (!use_model)
			printf("# insns %-10s %-22s ours avg %5.2f worst %3lu len %4u | libseccomp linear avg %6.2f worst %4lu len %4zu | libseccomp btree avg %5.2f worst %3lu len %4zu\n",
			       name, setname, (double)sum[0] / count, worst[0], f->len, (double)sum[1] / count,
			       worst[1], lib_len, (double)sum[2] / count, worst[2], opt_len);
		if (!strcmp(name, "docker") && na)
			CHECK(sum[0] < sum[2] && sum[0] < sum[1] && worst[0] < worst[1] && worst[0] <= worst[2],
			      "docker [%s]: fewer instructions than libseccomp on average and in the worst case",
			      as->native);
		free(lib);
		free(opt);
		seccomp_filter_free(f);
	}
}

/* ---- random profiles (fixed seed): every action, operator and odd value ---- */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static uint64_t rnd_value(void)
{
	static const uint64_t v[] = {0, 1, 2, 5, 0x7f, 0xff, 0x7fffffff, 0x80000000, 0xffffffff,
				     0x100000000ULL, 0x100000001ULL, 0xffffffff00000000ULL,
				     0x8000000000000000ULL, ~0ULL};
	return rnd() % 3 ? v[rnd() % ARRAY_LEN(v)] : rnd() >> (rnd() % 64);
}

static void random_profile(struct prof *p)
{
	static const enum sc_action acts[] = {SC_ACT_KILL_THREAD, SC_ACT_KILL_PROCESS, SC_ACT_TRAP,
		SC_ACT_ERRNO, SC_ACT_TRACE, SC_ACT_ALLOW, SC_ACT_LOG};
	memset(p, 0, sizeof(*p));
	p->sc.syscalls = p->rules;
	p->sc.default_action = acts[rnd() % ARRAY_LEN(acts)];
	p->sc.default_errno_ret.set = rnd() % 2;
	p->sc.default_errno_ret.v = (uint32_t)(rnd() % 200);
	/* conditional rules of one syscall share one action: libseccomp's order for
	 * overlapping ones with different actions is not the point here */
	static struct { const char *name; struct opt_u32 e; enum sc_action a; } cond[2048];
	size_t n_cond = 0, nn = 0, na = 0;
	/* mostly small; some big enough to need jumps beyond 255 instructions */
	size_t n_rules = rnd() % 8 ? 1 + rnd() % 40 : 100 + rnd() % 200;
	const struct sc_arch *x64 = sc_arch_find("X86_64");
	for (size_t r = 0; r < n_rules; r++) {
		struct spec_seccomp_rule *ru = &p->rules[p->sc.n_syscalls++];
		ru->action = acts[rnd() % ARRAY_LEN(acts)];
		ru->errno_ret.set = rnd() % 2;
		ru->errno_ret.v = (uint32_t)(rnd() % 200);
		ru->names = &p->names[nn];
		size_t k = 1 + rnd() % 4;
		for (size_t i = 0; i < k; i++) {
			/* mostly syscalls that x86_64 has, some that only others have */
			const char *name;
			do
				name = sc_name(rnd() % SC_NNAMES);
			while (rnd() % 4 && sc_syscall_nr(x64, name) < 0);
			p->names[nn++] = name;
		}
		ru->n_names = k;
		ru->args = &p->args[na];
		size_t n_args = rnd() % 3 ? rnd() % 4 : 0;
		for (size_t i = 0; i < n_args; i++) {
			struct spec_seccomp_arg *a = &p->args[na++];
			a->index = (unsigned)(rnd() % 6);
			a->op = (enum sc_op)(rnd() % 7);
			a->value = rnd_value();
			a->value_two = rnd_value();
		}
		ru->n_args = n_args;
		if (!n_args)
			continue;
		/* conditional: take the action an earlier conditional rule of a name has */
		for (size_t i = 0; i < k; i++)
			for (size_t c = 0; c < n_cond; c++)
				if (!strcmp(cond[c].name, ru->names[i])) {
					ru->action = cond[c].a;
					ru->errno_ret = cond[c].e;
				}
		for (size_t i = 0; i < k && n_cond < ARRAY_LEN(cond); i++)
			cond[n_cond++] = (__typeof__(cond[0])){ru->names[i], ru->errno_ret, ru->action};
	}
	/* a name with conditional rules must not appear in another rule with a different
	 * action: drop such names from later rules */
	for (size_t r = 0; r < p->sc.n_syscalls; r++) {
		struct spec_seccomp_rule *ru = &p->rules[r];
		if (!ru->n_args)
			continue;
		size_t keep = 0;
		for (size_t i = 0; i < ru->n_names; i++) {
			bool clash = false;
			for (size_t c = 0; c < n_cond; c++)
				if (!strcmp(cond[c].name, ru->names[i]) &&
				    (cond[c].a != ru->action || cond[c].e.set != ru->errno_ret.set ||
				     cond[c].e.v != ru->errno_ret.v))
					clash = true;
			if (!clash)
				ru->names[keep++] = ru->names[i];
		}
		ru->n_names = keep;
	}
}

int main(int argc, char **argv)
{
	static struct prof p;
	int n_random = getenv("SECCOMP_DIFF_RANDOM") ? atoi(getenv("SECCOMP_DIFF_RANDOM")) : 0;
	for (int i = 0; i < n_random; i++) {
		char name[32];
		snprintf(name, sizeof(name), "random%d", i);
		random_profile(&p);
		check_profile(name, &p, true);
	}
	for (size_t si = 0; n_random && si < ARRAY_LEN(sets); si++)
		CHECK(rand_mismatch[si] == 0, "random profiles [%s]: %d profiles, %zu evaluations identical to the model",
		      rand_setname[si], n_random, rand_checked[si]);
	for (int i = 1; i < argc; i++) {
		char name[256];
		const char *b = strrchr(argv[i], '/');
		snprintf(name, sizeof(name), "%s", b ? b + 1 : argv[i]);
		char *dot = strrchr(name, '.');
		if (dot)
			*dot = 0;
		if (prof_load(argv[i], &p) < 0) {
			T_FAIL("diff %s: cannot load", argv[i]);
			continue;
		}
		check_profile(name, &p, false);
	}
	return t_failed;
}
