/* Unit tests of what `ctr check` reads of a rootfs's programs: the ELF reader (class, byte
 * order, machine, float ABI, PT_INTERP, DT_NEEDED, RUNPATH) on ELF images built here, the
 * target comparison of --arch, the library search (ld.so.conf with includes, $ORIGIN,
 * libraries of libraries), and hostile input: every truncation and random corruption of
 * the images must give an answer, never a crash or a read outside the file. */
#include "../ctr.c"
#include "t.h"
#include <sys/inotify.h>

struct img {
	unsigned char b[4096];
	size_t len;
	bool w, msb;
};

static void put(struct img *m, size_t off, uint64_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		m->b[off + (m->msb ? size - 1 - i : i)] = (unsigned char)(v >> (8 * i));
}

static void put_word(struct img *m, size_t off32, size_t off64, uint64_t v)
{
	put(m, m->w ? off64 : off32, v, m->w ? 8 : 4);
}

/* One program header: type, file offset, size; vaddr = 0x10000 + offset. */
static void put_phdr(struct img *m, unsigned i, uint32_t type, uint64_t off, uint64_t size)
{
	size_t p = (m->w ? 64 : 52) + i * (m->w ? 56 : 32);
	put(m, p, type, 4);
	put_word(m, p + 4, p + 8, off);
	put_word(m, p + 8, p + 16, 0x10000 + off);
	put_word(m, p + 16, p + 32, size);
}

/* An executable (or, with interp NULL and type 3, a library) for machine, with the given
 * PT_INTERP, DT_NEEDED names (NUL-separated, ending with an empty one) and DT_RUNPATH. */
static void build(struct img *m, bool w, bool msb, unsigned type, unsigned machine,
		  uint32_t flags, const char *interp, const char *needed, const char *runpath,
		  int mips_fp)
{
	memset(m, 0, sizeof(*m));
	m->w = w;
	m->msb = msb;
	memcpy(m->b, "\177ELF", 4);
	m->b[4] = w ? 2 : 1;
	m->b[5] = msb ? 2 : 1;
	m->b[6] = 1;
	put(m, 16, type, 2);
	put(m, 18, machine, 2);
	put(m, 20, 1, 4);
	put_word(m, 28, 32, w ? 64 : 52);             /* e_phoff */
	put(m, w ? 48 : 36, flags, 4);
	put(m, w ? 54 : 42, w ? 56 : 32, 2);          /* e_phentsize */
	put(m, w ? 56 : 44, 4, 2);                    /* e_phnum */
	size_t at = (w ? 64 : 52) + 4 * (w ? 56 : 32), str = 1024, dyn = 2048, es = w ? 16 : 8;
	put_phdr(m, 0, 1, 0, 3072);                   /* PT_LOAD of everything */
	if (interp) {
		strcpy((char *)m->b + at, interp);
		put_phdr(m, 1, 3, at, strlen(interp) + 1);
	}
	size_t s = str + 1, d = dyn;
	for (const char *n = needed; n && *n; n += strlen(n) + 1, d += es) {
		strcpy((char *)m->b + s, n);
		put_word(m, d, d, 1);
		put_word(m, d + 4, d + 8, s - str);
		s += strlen(n) + 1;
	}
	if (runpath) {
		strcpy((char *)m->b + s, runpath);
		put_word(m, d, d, 29);
		put_word(m, d + 4, d + 8, s - str);
		s += strlen(runpath) + 1;
		d += es;
	}
	put_word(m, d, d, 5);
	put_word(m, d + 4, d + 8, 0x10000 + str);
	put_word(m, d + es, d + es, 10);
	put_word(m, d + es + 4, d + es + 8, s - str);
	d += 3 * es;                                  /* and DT_NULL */
	put_phdr(m, 2, 2, dyn, d - dyn);
	if (mips_fp >= 0) {
		m->b[2800 + 7] = (unsigned char)mips_fp;
		put_phdr(m, 3, 0x70000003, 2800, 24);
	}
	m->len = 3072;
}

static char tmp[64];

static void write_at(const char *rel, const void *data, size_t len, mode_t mode)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	for (char *s = p + strlen(tmp) + 1; (s = strchr(s, '/')); *s++ = '/') {
		*s = 0;
		mkdir(p, 0755);
	}
	unlink(p); /* not O_TRUNC: ext4 flushes a truncated file on close (auto_da_alloc) */
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		printf("# write %s: %s\n", p, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static const char *read_img(const struct img *m, size_t len, struct elf_info *e)
{
	write_at("f", m->b, len, 0755);
	char p[128];
	snprintf(p, sizeof(p), "%s/f", tmp);
	int fd AUTO_CLOSE = open(p, O_RDONLY | O_CLOEXEC);
	return elf_read(fd, e);
}

static void test_reader(void)
{
	struct img m;
	struct elf_info e;
	build(&m, true, false, 2, 62, 0, "/lib64/ld-linux-x86-64.so.2", "libc.so.6\0libm.so.6\0",
	      "$ORIGIN/../lib", -1);
	const char *why = read_img(&m, m.len, &e);
	CHECK(!why && e.cls == 2 && e.data == 1 && e.machine == 62 && e.type == 2,
	      "elf: x86-64 header read (%s)", why ? why : "ok");
	CHECK(strcmp(e.interp, "/lib64/ld-linux-x86-64.so.2") == 0, "elf: PT_INTERP '%s'", e.interp);
	CHECK(e.needed_len == 20 && !strcmp(e.needed, "libc.so.6") &&
	      !strcmp(e.needed + 10, "libm.so.6"), "elf: DT_NEEDED names");
	CHECK(strcmp(e.runpath, "$ORIGIN/../lib") == 0, "elf: DT_RUNPATH '%s'", e.runpath);
	CHECK(elf_arch_match(elf_arch_find("x86_64"), &e) &&
	      !elf_arch_match(elf_arch_find("i386"), &e), "elf: x86-64 is x86_64, not i386");

	char d[96];
	build(&m, false, true, 2, 8, 0x70001007, NULL, NULL, NULL, 1);
	why = read_img(&m, m.len, &e);
	elf_describe(&e, d, sizeof(d));
	CHECK(!why && !strcmp(d, "ELF 32-bit MSB MIPS"), "elf: big-endian MIPS is '%s'", d);
	CHECK(elf_arch_match(elf_arch_find("mips"), &e) &&
	      !elf_arch_match(elf_arch_find("mipsel"), &e), "elf: MSB MIPS is mips, not mipsel");
	build(&m, false, false, 2, 8, 0x70001007, NULL, NULL, NULL, 3);
	read_img(&m, m.len, &e);
	elf_describe(&e, d, sizeof(d));
	CHECK(!strcmp(d, "ELF 32-bit LSB MIPS soft-float") &&
	      !elf_arch_match(elf_arch_find("mipsel"), &e), "elf: soft-float mipsel: '%s'", d);
	build(&m, false, false, 2, 8, 0x20, NULL, NULL, NULL, -1);
	read_img(&m, m.len, &e);
	elf_describe(&e, d, sizeof(d));
	CHECK(!strcmp(d, "ELF 32-bit LSB MIPS N32") && !elf_arch_match(elf_arch_find("mipsel"), &e),
	      "elf: n32 is not mipsel (o32): '%s'", d);
	build(&m, false, false, 2, 40, 0x5000200, "/lib/ld-linux.so.3", NULL, NULL, -1);
	read_img(&m, m.len, &e);
	elf_describe(&e, d, sizeof(d));
	CHECK(!strcmp(d, "ELF 32-bit LSB ARM soft-float") && !elf_arch_match(elf_arch_find("armhf"), &e),
	      "elf: armel is not armhf: '%s'", d);
	build(&m, false, false, 2, 40, 0x5000400, "/lib/ld-linux-armhf.so.3", NULL, NULL, -1);
	read_img(&m, m.len, &e);
	CHECK(elf_arch_match(elf_arch_find("armhf"), &e), "elf: hard-float ARM is armhf");
	build(&m, true, false, 2, 243, 0x4, NULL, NULL, NULL, -1);
	read_img(&m, m.len, &e);
	CHECK(elf_arch_match(elf_arch_find("riscv64"), &e), "elf: lp64d RISC-V is riscv64");

	static const char *const bad[] = {"", "#!/bin/sh\n", "\177ELF", "\177ELF\3\1"};
	static const char *const want[] = {"not an ELF file", "not an ELF file", "not an ELF file",
					   "an ELF file of unknown class or byte order"};
	for (size_t i = 0; i < 4; i++) {
		memset(&m, 0, sizeof(m));
		memcpy(m.b, bad[i], strlen(bad[i]));
		why = read_img(&m, i == 3 ? 64 : strlen(bad[i]), &e);
		CHECK(why && !strcmp(why, want[i]), "elf: garbage %zu: %s", i, why ? why : "accepted");
	}
}

/* Every prefix and many random corruptions of each image: an answer, never a crash. */
static void test_hostile(void)
{
	struct img m, base[3];
	struct elf_info e;
	build(&base[0], true, false, 2, 62, 0, "/lib64/ld-linux-x86-64.so.2",
	      "libc.so.6\0libm.so.6\0", "$ORIGIN/../lib", -1);
	build(&base[1], false, true, 2, 8, 0x70001007, "/lib/ld.so.1", "libc.so.6\0", NULL, 1);
	build(&base[2], false, false, 3, 40, 0x5000400, NULL, "libc.so.6\0", "/x", -1);
	unsigned truncated_ok = 0, runs = 0;
	for (int k = 0; k < 3; k++)
		for (size_t len = 0; len < base[k].len; len += len < 128 ? 1 : 61) {
			const char *why = read_img(&base[k], len, &e);
			truncated_ok += why != NULL;
			runs++;
		}
	CHECK(truncated_ok == runs, "elf: %u of %u truncated images refused", truncated_ok, runs);

	uint32_t x = 2463534242u;
	unsigned answered = 0;
	for (unsigned i = 0; i < 3000; i++) {
		m = base[i % 3];
		for (int n = 0; n < 1 + (int)(i % 8); n++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			/* mostly the headers and tables, sometimes anywhere */
			size_t off = x % 8 ? (x >> 8) % 512 + (x % 3 ? 0 : 1024) : (x >> 8) % m.len;
			m.b[off] = (unsigned char)(x >> 24);
		}
		const char *why = read_img(&m, m.len, &e);
		answered += why || (strnlen(e.interp, sizeof(e.interp)) < sizeof(e.interp) &&
				    e.needed_len <= sizeof(e.needed));
	}
	CHECK(answered == 3000, "elf: 3000 corrupted images read safely (%u)", answered);
}

static void test_glob(void)
{
	CHECK(spec_glob_match("*-linux-*", "x86_64-linux-gnu") && spec_glob_match("*.conf", "a.conf") &&
	      !spec_glob_match("*.conf", "a.conf~") && !spec_glob_match("*-linux-*", "lib64") &&
	      spec_glob_match("lib?2", "lib32"), "glob: '*' and '?' as the shell matches them");
	/* a hostile ld.so.conf pattern: thousands of stars against a long name, no blow-up */
	char pat[4001], name[256];
	memset(pat, '*', 3999);
	strcpy(pat + 3999, "x");
	memset(name, 'a', 255);
	name[255] = 0;
	CHECK(!spec_glob_match(pat, name), "glob: 3999 stars against 255 bytes answer");
}

static void collect(void *arg, const char *problem)
{
	char *out = arg;
	size_t n = strlen(out);
	snprintf(out + n, 8192 - n, "%s|", problem);
}

/* spec_ck_program on a rootfs under tmp: the problems it reports, into out. */
static int check_prog(const char *arch, char *out)
{
	char root[128];
	snprintf(root, sizeof(root), "%s/root", tmp);
	int rootfd AUTO_CLOSE = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct spec_ck c = {.report = collect, .arg = out, .arch = elf_arch_find(arch)};
	out[0] = 0;
	spec_ck_program(&c, rootfd, "process.args[0]", "/bin/prog", 0);
	return c.n;
}

static void test_rootfs(void)
{
	struct img m;
	char out[8192];
	build(&m, false, false, 2, 8, 0x70001007, "/lib/ld.so.1", "libfoo.so.1\0libc.so.6\0",
	      NULL, 1);
	write_at("root/bin/prog", m.b, m.len, 0755);
	int n = check_prog("mipsel", out);
	CHECK(n == 2 && strstr(out, "its ELF interpreter /lib/ld.so.1 is missing from the rootfs") &&
	      strstr(out, "needs libfoo.so.1, libc.so.6, not found in the rootfs"),
	      "check: missing interpreter and libraries named (%s)", out);
	n = check_prog("mips", out);
	CHECK(n == 3 && strstr(out, "/bin/prog: ELF 32-bit LSB MIPS, expected mips|"),
	      "check: wrong architecture named (%s)", out);

	/* the loader and libc in /lib; libfoo through ld.so.conf's relative include, needing
	 * libbar through its own $ORIGIN runpath; a 64-bit libc first on the path is skipped */
	build(&m, false, false, 3, 8, 0x70001007, NULL, NULL, NULL, 1);
	write_at("root/lib/ld.so.1", m.b, m.len, 0755);
	write_at("root/lib/libc.so.6", m.b, m.len, 0644);
	write_at("root/private/libbar.so.2", m.b, m.len, 0644);
	build(&m, false, false, 3, 8, 0x70001007, NULL, "libbar.so.2\0libc.so.6\0", "$ORIGIN/../../../private", 1);
	write_at("root/opt/foo/lib/libfoo.so.1", m.b, m.len, 0644);
	build(&m, true, false, 3, 62, 0, NULL, NULL, NULL, -1);
	write_at("root/opt/foo/lib/libc.so.6", m.b, m.len, 0644);
	write_at("root/etc/ld.so.conf", "# libs\ninclude ld.so.conf.d/*.conf\n", 34, 0644);
	write_at("root/etc/ld.so.conf.d/foo.conf", "/opt/foo/lib\n", 13, 0644);
	n = check_prog("mipsel", out);
	CHECK(n == 0, "check: loader, libc, included and $ORIGIN libraries found (%s)", out);
	write_at("root/private/libbar.so.2", "", 0, 0644);
	n = check_prog("mipsel", out);
	CHECK(n == 1 && strstr(out, "needs libbar.so.2, not found") && strstr(out, "/opt/foo/lib"),
	      "check: a library's library is needed too, the search path is named (%s)", out);

	/* a FIFO (or a device) where a library is looked for is never opened: no IN_OPEN */
	build(&m, false, false, 2, 8, 0x70001007, "/lib/ld.so.1", "libfifo.so.1\0", NULL, 1);
	write_at("root/bin/prog", m.b, m.len, 0755);
	char fifo[128];
	snprintf(fifo, sizeof(fifo), "%s/root/lib/libfifo.so.1", tmp);
	mkfifo(fifo, 0644);
	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	int wd = in < 0 ? -1 : inotify_add_watch(in, fifo, IN_OPEN);
	n = check_prog("mipsel", out);
	char ev[512];
	CHECK(wd >= 0 && n == 1 && strstr(out, "needs libfifo.so.1, not found") && read(in, ev, sizeof(ev)) < 0 &&
	      errno == EAGAIN, "check: a FIFO named like a library is not opened (%s)", out);
	close(in);

	/* a script: its #! interpreter must be there */
	write_at("root/bin/prog", "#!/bin/nosh -e\necho\n", 20, 0755);
	n = check_prog("mipsel", out);
	CHECK(n == 1 && strstr(out, "its #! interpreter /bin/nosh is missing from the rootfs"),
	      "check: a script's missing interpreter is named (%s)", out);

	write_at("root/bin/prog", "#!/bin/sh\r\necho\r\n", 18, 0755);
	n = check_prog("mipsel", out);
	CHECK(n == 1 && strstr(out, "its #! line ends in \\r (DOS line endings): the interpreter \"/bin/sh\\r\""),
	      "check: a #! line with DOS line endings is named (%s)", out);

	/* corrupted programs and libraries in a real rootfs: reports, no crash */
	build(&m, false, false, 2, 8, 0x70001007, "/lib/ld.so.1", "libfoo.so.1\0libc.so.6\0", NULL, 1);
	uint32_t x = 88172645u;
	int reports = 0;
	for (int i = 0; i < 500; i++) {
		struct img f = m;
		for (int k = 0; k < 4; k++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			f.b[(x >> 8) % 2400] = (unsigned char)x;
		}
		write_at(i % 2 ? "root/bin/prog" : "root/opt/foo/lib/libfoo.so.1", f.b, f.len, 0755);
		reports += check_prog("mipsel", out) >= 0;
	}
	CHECK(reports == 500, "check: 500 corrupted programs and libraries checked safely");
}

int main(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/ctr-unit-elf.XXXXXX");
	if (!mkdtemp(tmp)) {
		T_FAIL("mkdtemp: %s", strerror(errno));
		return 1;
	}
	test_reader();
	test_glob();
	test_hostile();
	test_rootfs();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd) != 0)
		printf("# %s failed\n", cmd);
	return t_failed;
}
