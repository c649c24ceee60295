/* Unit tests of the seccomp section: syscall tables, profile errors, the generated
 * programs (run in tests/bpf_interp.h) and real installs in forked children (errno,
 * kill, trap, -ENOSYS, flags, NOTIFY with the listener handed over a unix socket). */
#define CTR_SECCOMP_ALL_ARCHES 1
#include "../ctr.c"
#include "t.h"
#include "bpf_interp.h"
#include <sys/ioctl.h>

#include "sc_name.h"

#define AUDIT_X86_64 0xc000003eU
#define AUDIT_I386 0x40000003U

/* A profile built in C: rules "ACT[:errno] name,name [idx OP value [value2]]". */
struct tprof {
	struct spec_seccomp sc;
	struct spec_seccomp_rule rules[32];
	struct spec_seccomp_arg args[32];
	const char *names[64];
	const char *arches[4];
	const char *flags[4];
};

static struct spec_seccomp_rule *add_rule(struct tprof *p, enum sc_action act, int errno_ret,
					  const char *n1, const char *n2)
{
	struct spec_seccomp_rule *r = &p->rules[p->sc.n_syscalls++];
	size_t used = 0;
	for (size_t i = 0; i + 1 < p->sc.n_syscalls; i++)
		used += p->rules[i].n_names;
	r->names = &p->names[used];
	r->names[r->n_names++] = n1;
	if (n2)
		r->names[r->n_names++] = n2;
	r->action = act;
	r->errno_ret.set = errno_ret >= 0;
	r->errno_ret.v = errno_ret >= 0 ? (uint32_t)errno_ret : 0;
	return r;
}

static void add_arg(struct tprof *p, struct spec_seccomp_rule *r, unsigned idx, enum sc_op op,
		    uint64_t v, uint64_t v2)
{
	size_t used = 0;
	for (size_t i = 0; i < p->sc.n_syscalls; i++)
		if (&p->rules[i] != r)
			used += p->rules[i].n_args;
	if (!r->n_args)
		r->args = &p->args[used];
	r->args[r->n_args++] = (struct spec_seccomp_arg){idx, v, v2, op};
}

static void init_prof(struct tprof *p, enum sc_action def, int def_errno)
{
	memset(p, 0, sizeof(*p));
	p->sc.default_action = def;
	p->sc.default_errno_ret.set = def_errno >= 0;
	p->sc.default_errno_ret.v = def_errno >= 0 ? (uint32_t)def_errno : 0;
	p->sc.syscalls = p->rules;
	p->sc.architectures = p->arches;
	p->sc.flags = p->flags;
}

/* seccomp_data's args are u64 in the kernel's byte order: lay them out as the little-
 * endian x86 arches see them, whatever the host running this test is. */
static void set_arg_le(struct seccomp_data *d, unsigned i, uint64_t v)
{
	uint32_t lo = (uint32_t)v, hi = (uint32_t)(v >> 32);
	memcpy((unsigned char *)&d->args[i], &lo, 4);
	memcpy((unsigned char *)&d->args[i] + 4, &hi, 4);
}

static uint32_t run(const struct sc_filter *f, uint32_t arch, uint32_t nr, uint64_t a0,
		    uint64_t a1, unsigned *steps)
{
	struct seccomp_data d = {.nr = (int)nr, .arch = arch};
	set_arg_le(&d, 0, a0);
	set_arg_le(&d, 1, a1);
	return bpf_run(f->prog, f->len, &d, steps);
}

static struct sc_filter *compile_x86(struct tprof *p, struct ctr_error *err)
{
	struct sc_filter *f = NULL;
	if (sc_compile_native(&p->sc, sc_arch_find("X86_64"), NULL, 0, &f, err) < 0)
		return NULL;
	return f;
}

static void test_tables(void)
{
	const struct sc_arch *x64 = sc_arch_find("X86_64"), *x86 = sc_arch_find("X86"),
		*x32 = sc_arch_find("X32"), *arm = sc_arch_find("ARM"),
		*a64 = sc_arch_find("AARCH64"), *mo = sc_arch_find("MIPSEL"),
		*m64 = sc_arch_find("MIPS64"), *mn32 = sc_arch_find("MIPS64N32"),
		*rv = sc_arch_find("RISCV64");
	CHECK(sc_syscall_nr(x64, "read") == 0 && sc_syscall_nr(x64, "openat") == 257 &&
	      sc_syscall_nr(x64, "clone3") == 435, "tables: x86_64 read/openat/clone3");
	CHECK(sc_syscall_nr(x86, "socketcall") == 102 && sc_syscall_nr(x86, "chown32") == 212,
	      "tables: i386 socketcall/chown32");
	CHECK(sc_syscall_nr(x32, "read") == 0x40000000 && sc_syscall_nr(x32, "readv") == 0x40000000 + 515,
	      "tables: x32 numbers carry 0x40000000 (readv is 512+3)");
	CHECK(sc_syscall_nr(arm, "cacheflush") == 0xf0002 && sc_syscall_nr(arm, "openat") == 322,
	      "tables: arm private cacheflush 0xf0002, openat 322");
	CHECK(sc_syscall_nr(a64, "openat") == 56 && sc_syscall_nr(a64, "open") == -1,
	      "tables: aarch64 openat 56, no open");
	CHECK(sc_syscall_nr(mo, "read") == 4003 && sc_syscall_nr(m64, "read") == 5000 &&
	      sc_syscall_nr(mn32, "read") == 6000, "tables: mips o32/n64/n32 bases");
	CHECK(sc_syscall_nr(rv, "riscv_flush_icache") > 0 && sc_syscall_nr(rv, "openat") == 56,
	      "tables: riscv64");
	CHECK(sc_syscall_nr(x64, "chown32") == -1 && sc_syscall_nr(x64, "no_such_call") == -1 &&
	      sc_syscall_nr(x64, "") == -1, "tables: unknown names");
	CHECK(sc_syscall_nr(x64, "fchmodat2") == 452 && sc_syscall_nr(x32, "map_shadow_stack") == -1 &&
	      sc_syscall_nr(mo, "cachestat") == 4451, "tables: syscalls newer than the headers");
	bool sorted = true;
	for (size_t i = 1; i < SC_NNAMES; i++)
		sorted &= strcmp(sc_name(i - 1), sc_name(i)) < 0;
	CHECK(sorted, "tables: %d names, sorted and unique", SC_NNAMES);
	/* the front-coded pool: every name, first of a block or not, is found on some arch */
	size_t found = 0;
	for (size_t i = 0; i < SC_NNAMES; i++) {
		bool any = false;
		for (size_t k = 0; k < ARRAY_LEN(sc_arches); k++)
			any |= sc_syscall_nr(&sc_arches[k], sc_name(i)) >= 0;
		found += any;
	}
	CHECK(found == SC_NNAMES, "tables: all %zu of %d names are looked up", found, SC_NNAMES);
}

static void expect_error(struct tprof *p, const char *what, const char *needle)
{
	struct ctr_error err = {0};
	struct sc_filter *f = compile_x86(p, &err);
	CHECK(!f && strstr(err.msg, needle), "compile error: %s (%s)", what, err.msg);
	seccomp_filter_free(f);
}

static void test_errors(void)
{
	struct tprof p;
	init_prof(&p, SC_ACT_ERRNO, -1);
	p.flags[p.sc.n_flags++] = "SECCOMP_FILTER_FLAG_BOGUS";
	expect_error(&p, "unknown flag", "unknown flag \"SECCOMP_FILTER_FLAG_BOGUS\"");
	init_prof(&p, SC_ACT_ERRNO, -1);
	p.arches[p.sc.n_architectures++] = "SCMP_ARCH_VAX";
	expect_error(&p, "unknown arch", "unknown architecture \"SCMP_ARCH_VAX\"");
	init_prof(&p, SC_ACT_ERRNO, -1);
	p.arches[p.sc.n_architectures++] = "x86_64";
	expect_error(&p, "arch without prefix", "unknown architecture \"x86_64\"");
	init_prof(&p, SC_ACT_ERRNO, 70000);
	expect_error(&p, "errnoRet range", "errnoRet 70000 is out of range");
	init_prof(&p, SC_ACT_ERRNO, -1);
	add_arg(&p, add_rule(&p, SC_ACT_ALLOW, -1, "read", NULL), 6, SC_OP_EQ, 0, 0);
	expect_error(&p, "arg index", "args[0].index: 6 is not 0-5");
	init_prof(&p, SC_ACT_ERRNO, -1);
	add_rule(&p, SC_ACT_NOTIFY, -1, "mkdir", "write");
	expect_error(&p, "notify on write", "cannot be used for write");
	init_prof(&p, SC_ACT_NOTIFY, -1);
	expect_error(&p, "notify default", "cannot be the default action");
	init_prof(&p, SC_ACT_ERRNO, -1);
	p.flags[p.sc.n_flags++] = "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV";
	expect_error(&p, "wait-killable without notify", "needs a SCMP_ACT_NOTIFY rule");

	/* no linux.seccomp: no filter, nothing installed */
	struct sc_filter *none = (struct sc_filter *)1;
	int lfd = 5;
	struct ctr_error e0 = {0};
	CHECK(seccomp_compile(NULL, &none, &e0) == 0 && none == NULL &&
	      seccomp_install(NULL, &lfd, &e0) == 0 && lfd == -1, "compile: no profile, no filter");

	/* foreign arches are accepted and ignored */
	init_prof(&p, SC_ACT_ERRNO, -1);
	p.arches[p.sc.n_architectures++] = "SCMP_ARCH_PPC64LE";
	p.arches[p.sc.n_architectures++] = "SCMP_ARCH_S390X";
	struct ctr_error err = {0};
	struct sc_filter *f = compile_x86(&p, &err);
	CHECK(f != NULL, "compile: foreign arches ignored (%s)", f ? "ok" : err.msg);
	seccomp_filter_free(f);
}

static void test_programs(void)
{
	struct tprof p;
	struct ctr_error err = {0};
	init_prof(&p, SC_ACT_ERRNO, -1);
	p.arches[p.sc.n_architectures++] = "SCMP_ARCH_X86_64";
	p.arches[p.sc.n_architectures++] = "SCMP_ARCH_X86";
	add_rule(&p, SC_ACT_ALLOW, -1, "read", "write");
	add_rule(&p, SC_ACT_ERRNO, 13, "getppid", NULL);
	add_rule(&p, SC_ACT_KILL_PROCESS, -1, "getuid", NULL);
	add_rule(&p, SC_ACT_TRACE, -1, "getgid", NULL);
	add_rule(&p, SC_ACT_ALLOW, -1, "openat", "close_range"); /* 257, 436 */
	struct spec_seccomp_rule *r = add_rule(&p, SC_ACT_ALLOW, -1, "socket", NULL);
	add_arg(&p, r, 0, SC_OP_EQ, 1, 0);
	add_arg(&p, r, 1, SC_OP_MASKED_EQ, 0xf, 2);
	struct sc_filter *f = compile_x86(&p, &err);
	if (!f) {
		T_FAIL("programs: compile: %s", err.msg);
		return;
	}
	CHECK(f->prog[0].code == (BPF_LD | BPF_W | BPF_ABS) && f->prog[0].k == 4,
	      "program: starts by loading the arch");
	CHECK(run(f, AUDIT_X86_64, 0, 0, 0, NULL) == SC_RET_ALLOW, "program: read allowed");
	CHECK(run(f, AUDIT_X86_64, 110, 0, 0, NULL) == (SC_RET_ERRNO | 13), "program: getppid ERRNO(13)");
	CHECK(run(f, AUDIT_X86_64, 102, 0, 0, NULL) == SECCOMP_RET_KILL_PROCESS, "program: getuid KILL_PROCESS");
	CHECK(run(f, AUDIT_X86_64, 104, 0, 0, NULL) == (SC_RET_TRACE | EPERM),
	      "program: TRACE without errnoRet carries EPERM (runc)");
	CHECK(run(f, AUDIT_X86_64, 39, 0, 0, NULL) == (SC_RET_ERRNO | EPERM), "program: default ERRNO(EPERM)");
	CHECK(run(f, AUDIT_X86_64, 435, 0, 0, NULL) == (SC_RET_ERRNO | EPERM) &&
	      run(f, AUDIT_X86_64, 437, 0, 0, NULL) == (SC_RET_ERRNO | ENOSYS) &&
	      run(f, AUDIT_X86_64, 0x3fffffff, 0, 0, NULL) == (SC_RET_ERRNO | ENOSYS),
	      "program: above the highest named syscall (close_range 436): ENOSYS");
	CHECK(run(f, AUDIT_X86_64, 0x40000000, 0, 0, NULL) == SECCOMP_RET_KILL_THREAD &&
	      run(f, AUDIT_X86_64, 0xffffffff, 0, 0, NULL) == (SC_RET_ERRNO | EPERM),
	      "program: x32 numbers without x32 are a bad arch (but -1)");
	CHECK(run(f, 0x80000016, 0, 0, 0, NULL) == SECCOMP_RET_KILL_THREAD,
	      "program: a foreign arch gets KILL_THREAD");
	CHECK(run(f, AUDIT_I386, 3, 0, 0, NULL) == SC_RET_ALLOW && run(f, AUDIT_I386, 0, 0, 0, NULL) ==
	      (SC_RET_ERRNO | EPERM), "program: i386 numbers (read is 3)");
	CHECK(run(f, AUDIT_X86_64, 41, 1, 0x12, NULL) == SC_RET_ALLOW &&
	      run(f, AUDIT_X86_64, 41, 1, 0x13, NULL) == (SC_RET_ERRNO | EPERM) &&
	      run(f, AUDIT_X86_64, 41, 1 | (1ULL << 32), 0x12, NULL) == (SC_RET_ERRNO | EPERM) &&
	      run(f, AUDIT_X86_64, 41, 2, 0x2, NULL) == (SC_RET_ERRNO | EPERM),
	      "program: args ANDed, 64-bit EQ, MASKED_EQ");
	/* i386: 32-bit args, value truncated like libseccomp */
	CHECK(run(f, AUDIT_I386, 359, 1 | (1ULL << 32), 2, NULL) == SC_RET_ALLOW,
	      "program: i386 compares the low word only");
	seccomp_filter_free(f);

	/* default ALLOW: no -ENOSYS stub */
	init_prof(&p, SC_ACT_ALLOW, -1);
	p.arches[p.sc.n_architectures++] = "SCMP_ARCH_X86_64";
	add_rule(&p, SC_ACT_ERRNO, 1, "mount", NULL);
	f = compile_x86(&p, &err);
	CHECK(f && run(f, AUDIT_X86_64, 165, 0, 0, NULL) == (SC_RET_ERRNO | 1) &&
	      run(f, AUDIT_X86_64, 999, 0, 0, NULL) == SC_RET_ALLOW,
	      "program: default ALLOW has no ENOSYS stub");
	seccomp_filter_free(f);

	/* no architectures: native only, and no stub (runc stubs listed arches only) */
	init_prof(&p, SC_ACT_ERRNO, -1);
	add_rule(&p, SC_ACT_ALLOW, -1, "read", NULL);
	f = compile_x86(&p, &err);
	CHECK(f && run(f, AUDIT_X86_64, 999, 0, 0, NULL) == (SC_RET_ERRNO | EPERM) &&
	      run(f, AUDIT_I386, 3, 0, 0, NULL) == SECCOMP_RET_KILL_THREAD,
	      "program: empty architectures means native only");
	seccomp_filter_free(f);

	/* first unconditional rule wins; rules equal to the default are skipped */
	init_prof(&p, SC_ACT_ERRNO, 1);
	add_rule(&p, SC_ACT_ALLOW, -1, "read", NULL);
	add_rule(&p, SC_ACT_TRAP, -1, "read", NULL);
	add_arg(&p, add_rule(&p, SC_ACT_LOG, -1, "write", NULL), 0, SC_OP_EQ, 1, 0);
	add_rule(&p, SC_ACT_TRAP, -1, "write", NULL);
	add_rule(&p, SC_ACT_ERRNO, -1, "close", NULL);
	f = compile_x86(&p, &err);
	CHECK(f && run(f, AUDIT_X86_64, 0, 0, 0, NULL) == SC_RET_ALLOW &&
	      run(f, AUDIT_X86_64, 1, 1, 0, NULL) == SC_RET_TRAP &&
	      run(f, AUDIT_X86_64, 3, 0, 0, NULL) == (SC_RET_ERRNO | 1),
	      "program: unconditional rule wins, default-equal rule skipped");
	seccomp_filter_free(f);

	/* same arg index twice: ORed (runc) */
	init_prof(&p, SC_ACT_ERRNO, -1);
	r = add_rule(&p, SC_ACT_ALLOW, -1, "kill", NULL);
	add_arg(&p, r, 1, SC_OP_EQ, 9, 0);
	add_arg(&p, r, 1, SC_OP_EQ, 15, 0);
	f = compile_x86(&p, &err);
	CHECK(f && run(f, AUDIT_X86_64, 62, 0, 9, NULL) == SC_RET_ALLOW &&
	      run(f, AUDIT_X86_64, 62, 0, 15, NULL) == SC_RET_ALLOW &&
	      run(f, AUDIT_X86_64, 62, 0, 2, NULL) == (SC_RET_ERRNO | EPERM),
	      "program: the same arg index twice is an OR (runc)");
	seccomp_filter_free(f);
}

/* Many conditional rules: jumps beyond 255 need trampolines; every rule still works. */
static void test_long_jumps(void)
{
	static struct {
		struct spec_seccomp sc;
		struct spec_seccomp_rule rules[400];
		struct spec_seccomp_arg args[400];
		const char *names[400];
	} p;
	memset(&p, 0, sizeof(p));
	p.sc.default_action = SC_ACT_KILL_PROCESS;
	p.sc.syscalls = p.rules;
	const struct sc_arch *a = sc_arch_find("X86_64");
	size_t n = 0;
	for (size_t i = 0; i < SC_NNAMES && n < 400; i++) {
		const char *name = sc_name(i);
		if (sc_syscall_nr(a, name) < 0)
			continue;
		p.names[n] = name;
		p.args[n] = (struct spec_seccomp_arg){n % 6, 0x100000000ULL * n + n, 0,
						      (enum sc_op)(n % 7 == SC_OP_MASKED_EQ ? SC_OP_EQ : n % 7)};
		p.rules[n] = (struct spec_seccomp_rule){.names = &p.names[n], .n_names = 1,
							.action = n % 2 ? SC_ACT_ALLOW : SC_ACT_LOG,
							.args = &p.args[n], .n_args = 1};
		n++;
	}
	p.sc.n_syscalls = n;
	struct ctr_error err = {0};
	struct sc_filter *f = NULL;
	if (sc_compile_native(&p.sc, a, NULL, 0, &f, &err) < 0) {
		T_FAIL("long jumps: %s", err.msg);
		return;
	}
	bool ok = true;
	size_t ja = 0;
	for (size_t i = 0; i < f->len; i++)
		ja += f->prog[i].code == (BPF_JMP | BPF_JA);
	for (size_t i = 0; i < n && ok; i++) {
		const struct spec_seccomp_arg *g = &p.args[i];
		uint64_t yes = g->op == SC_OP_NE || g->op == SC_OP_GT ? g->value + 1 :
			       g->op == SC_OP_LT ? g->value - 1 : g->value;
		uint64_t no = g->op == SC_OP_NE || g->op == SC_OP_GT ? g->value :
			      g->op == SC_OP_LT ? g->value : g->op == SC_OP_LE ? g->value + 1 :
			      g->op == SC_OP_GE ? g->value - 1 : g->value + 1;
		struct seccomp_data d = {.nr = (int)sc_syscall_nr(a, p.names[i]), .arch = AUDIT_X86_64};
		uint32_t want = p.rules[i].action == SC_ACT_ALLOW ? SC_RET_ALLOW : SECCOMP_RET_LOG;
		set_arg_le(&d, g->index, yes);
		ok &= bpf_run(f->prog, f->len, &d, NULL) == want;
		set_arg_le(&d, g->index, no);
		ok &= bpf_run(f->prog, f->len, &d, NULL) == SECCOMP_RET_KILL_PROCESS;
		if (!ok)
			printf("# long jumps: %s failed\n", p.names[i]);
	}
	CHECK(ok, "long jumps: %zu conditional rules in %u instructions (%zu trampolines) all decide right",
	      n, f->len, ja);
	seccomp_filter_free(f);
}

/* ---- real installs, each in a forked child ---- */

static int child_status(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

static void on_sigsys(int sig)
{
	(void)sig;
	_exit(77);
}

/* Child: install p, then run `what`; exit codes are checked by the caller. */
static pid_t fork_install(struct tprof *p, int what, const char *listener_path)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	struct ctr_error err = {0};
	struct sc_filter *f = NULL;
	if (seccomp_compile(&p->sc, &f, &err) < 0) { /* libseccomp with LIBSECCOMP=1 */
		fprintf(stderr, "compile: %s\n", err.msg);
		_exit(90);
	}
	signal(SIGSYS, on_sigsys);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	int lfd = -1;
	if (seccomp_install(f, &lfd, &err) < 0) {
		fprintf(stderr, "install: %s\n", err.msg);
		_exit(91);
	}
	switch (what) {
	case 0: /* getppid denied with errno 42 */
		errno = 0;
		_exit(syscall(SYS_getppid) == -1 && errno == 42 ? 0 : 1);
	case 1: /* killed */
		syscall(SYS_getuid);
		_exit(2);
	case 2: /* trapped */
		syscall(SYS_getgid);
		_exit(3);
	case 3: /* an unknown, newer syscall: ENOSYS; a denied known one: EPERM */
		errno = 0;
		if (syscall(1000) != -1 || errno != ENOSYS)
			_exit(4);
		errno = 0;
		_exit(syscall(SYS_getppid) == -1 && errno == EPERM ? 0 : 5);
	case 5: /* logged and allowed */
		_exit(syscall(SYS_getppid) > 0 ? 0 : 9);
	case 4: { /* notify: hand the fd over, then mkdir is answered by the agent */
		if (lfd < 0)
			_exit(6);
		struct spec_seccomp sc = {.listener_path = listener_path, .listener_metadata = "meta\"data"};
		if (seccomp_send_listener(&sc, lfd, getpid(), "{\"id\":\"unit\"}", &err) < 0) {
			fprintf(stderr, "send: %s\n", err.msg);
			_exit(7);
		}
		close(lfd);
		errno = 0;
		long r1 = syscall(SYS_mkdirat, AT_FDCWD, "/nonexistent/a", 0700);
		int e1 = errno;
		long r2 = syscall(SYS_mkdirat, AT_FDCWD, "/nonexistent/b", 0700);
		_exit(r1 == 0 && e1 == 0 && r2 == -1 && errno == EROFS ? 0 : 8);
	}
	default:
		_exit(0);
	}
}

static void test_install(void)
{
	if (getuid() != 0) {
		T_SKIP("install: needs root");
		return;
	}
	struct ctr_error err = {0};
	struct tprof p;
	if (sc_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &(uint32_t){SC_RET_ALLOW}) < 0 && errno == ENOSYS) {
		/* qemu-user refuses seccomp: the install says so (and installs nothing) */
		init_prof(&p, SC_ACT_ALLOW, -1);
		add_rule(&p, SC_ACT_ERRNO, 1, "getppid", NULL);
		struct sc_filter *f = NULL;
		int lfd;
		bool ok = seccomp_compile(&p.sc, &f, &err) == 0 && seccomp_install(f, &lfd, &err) < 0 &&
			  strstr(err.msg, "seccomp is not available");
		CHECK(ok, "install: a clear error where seccomp is refused (%s)", err.msg);
		seccomp_filter_free(f);
		T_SKIP("install: seccomp is not available here (qemu-user?)");
		return;
	}
	init_prof(&p, SC_ACT_ALLOW, -1);
	add_rule(&p, SC_ACT_ERRNO, 42, "getppid", NULL);
	add_rule(&p, SC_ACT_KILL_PROCESS, -1, "getuid", "getuid32");
	add_rule(&p, SC_ACT_TRAP, -1, "getgid", "getgid32");
	int st = child_status(fork_install(&p, 0, NULL));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "install: ERRNO(42) seen by the process (status %#x)", st);
	st = child_status(fork_install(&p, 1, NULL));
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "install: KILL_PROCESS kills with SIGSYS (status %#x)", st);
	st = child_status(fork_install(&p, 2, NULL));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 77, "install: TRAP delivers SIGSYS to the handler (status %#x)", st);

	/* default ERRNO with a listed native arch: -ENOSYS above the profile */
	init_prof(&p, SC_ACT_ERRNO, -1);
	char arch[32];
	snprintf(arch, sizeof(arch), "SCMP_ARCH_%s", sc_native_arch_name());
	p.arches[p.sc.n_architectures++] = arch;
	add_rule(&p, SC_ACT_ALLOW, -1, "exit_group", "exit");
	add_rule(&p, SC_ACT_ALLOW, -1, "rt_sigreturn", "write");
	add_rule(&p, SC_ACT_ERRNO, -1, "getppid", "close_range");
	st = child_status(fork_install(&p, 3, NULL));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "install: ENOSYS for new syscalls, EPERM for known (status %#x)", st);

	/* flags the kernel knows */
	init_prof(&p, SC_ACT_ALLOW, -1);
	p.flags[p.sc.n_flags++] = "SECCOMP_FILTER_FLAG_LOG";
	p.flags[p.sc.n_flags++] = "SECCOMP_FILTER_FLAG_SPEC_ALLOW";
	p.flags[p.sc.n_flags++] = "SECCOMP_FILTER_FLAG_TSYNC";
	add_rule(&p, SC_ACT_ERRNO, 42, "getppid", NULL);
	st = child_status(fork_install(&p, 0, NULL));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "install: with LOG, SPEC_ALLOW and TSYNC flags (status %#x)", st);

	/* LOG: allowed, and the kernel logs it (audit type 1326 in the kernel log) */
	init_prof(&p, SC_ACT_ALLOW, -1);
	add_rule(&p, SC_ACT_LOG, -1, "getppid", NULL);
	pid_t lp = fork_install(&p, 5, NULL);
	st = child_status(lp);
	char cmd[64], line[1024], pidpat[32];
	snprintf(pidpat, sizeof(pidpat), " pid=%d ", (int)lp);
	snprintf(cmd, sizeof(cmd), "dmesg 2>/dev/null");
	FILE *dm = popen(cmd, "r");
	bool logged = false, readable = false;
	while (dm && fgets(line, sizeof(line), dm)) {
		readable = true;
		logged |= strstr(line, "type=1326") && strstr(line, pidpat) &&
			  strstr(line, "code=0x7ffc0000");
	}
	if (dm)
		pclose(dm);
	if (!readable)
		T_SKIP("install: LOG: the kernel log is not readable here");
	else
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0 && logged,
		      "install: LOG allows the call and the kernel logs it (audit type=1326)");

	/* NOTIFY: the listener fd reaches us over the unix socket with the state */
	char dir[] = "/tmp/ctr-unit-seccomp.XXXXXX";
	if (!mkdtemp(dir)) {
		T_FAIL("notify: mkdtemp");
		return;
	}
	char path[128];
	snprintf(path, sizeof(path), "%s/agent.sock", dir);
	int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, path);
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 1) < 0) {
		T_FAIL("notify: bind %s: %s", path, strerror(errno));
		return;
	}
	init_prof(&p, SC_ACT_ALLOW, -1);
	p.flags[p.sc.n_flags++] = "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV";
	add_rule(&p, SC_ACT_NOTIFY, -1, "mkdir", "mkdirat");
	pid_t pid = fork_install(&p, 4, path);
	int cs = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	char buf[4096] = {0};
	union { char b[CMSG_SPACE(sizeof(int))]; struct cmsghdr a; } ctl;
	struct iovec iov = {buf, sizeof(buf) - 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b)};
	ssize_t n = cs < 0 ? -1 : recvmsg(cs, &mh, MSG_CMSG_CLOEXEC);
	struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
	int nfd = -1;
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(&nfd, CMSG_DATA(c), sizeof(int));
	char want[128];
	snprintf(want, sizeof(want), "\"pid\":%d", (int)pid);
	CHECK(nfd >= 0 && strstr(buf, "\"ociVersion\":\"" CTR_OCI_VERSION "\"") &&
	      strstr(buf, "\"fds\":[\"seccompFd\"]") && strstr(buf, want) &&
	      strstr(buf, "\"metadata\":\"meta") && strstr(buf, "\"state\":{\"id\":\"unit\"}"),
	      "notify: listener fd and containerProcessState received (%s)", buf);
	/* answer two mkdirs: success, then EROFS */
	bool answered = nfd >= 0;
	for (int i = 0; i < 2 && answered; i++) {
		struct seccomp_notif req;
		memset(&req, 0, sizeof(req));
		if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			answered = false;
			break;
		}
		struct seccomp_notif_resp resp = {.id = req.id, .val = 0, .error = i ? -EROFS : 0};
		answered &= ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0;
	}
	st = child_status(pid);
	CHECK(answered && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "notify: the agent's answers reach the process (status %#x)", st);
	if (nfd >= 0)
		close(nfd);
	if (cs >= 0)
		close(cs);
	close(ls);
	unlink(path);
	rmdir(dir);
	(void)err;
}

static void test_listener_errors(void)
{
	struct ctr_error err = {0};
	struct spec_seccomp sc = {0};
	CHECK(seccomp_send_listener(&sc, 0, 1, "{}", &err) < 0 && strstr(err.msg, "listenerPath is needed"),
	      "listener: missing listenerPath (%s)", err.msg);
	char longp[200];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = 0;
	sc.listener_path = longp;
	CHECK(seccomp_send_listener(&sc, 0, 1, "{}", &err) < 0 && err.errnum == ENAMETOOLONG,
	      "listener: path too long (%s)", err.msg);
	sc.listener_path = "/nonexistent/agent.sock";
	CHECK(seccomp_send_listener(&sc, 0, 1, "{}", &err) < 0 && strstr(err.msg, "connect /nonexistent/agent.sock"),
	      "listener: agent not there (%s)", err.msg);
}

static void test_features(void)
{
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, NULL);
	seccomp_features(&w);
	char *s = NULL;
	struct ctr_error err = {0};
	if (sbuf_take(&sb, &s, &err) < 0) {
		T_FAIL("features: %s", err.msg);
		return;
	}
	CHECK(strstr(s, "\"enabled\":true") && strstr(s, "\"SCMP_ACT_NOTIFY\"") &&
	      strstr(s, "\"SCMP_CMP_MASKED_EQ\"") && strstr(s, "\"SCMP_ARCH_X86_64\"") &&
	      strstr(s, "\"knownFlags\"") && strstr(s, "\"supportedFlags\""),
	      "features: seccomp object (%s)", s);
	free(s);
}

int main(void)
{
	test_tables();
	test_errors();
	test_programs();
	test_long_jumps();
	test_install();
	test_listener_errors();
	test_features();
	return t_failed;
}
