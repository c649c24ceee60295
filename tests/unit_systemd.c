/* Unit tests of the systemd driver's D-Bus client: marshalling against bytes derived by
 * hand, parsing of crafted replies (truncated and mangled ones must be refused, never
 * crash), runc's slice:prefix:name rules, and auth + Hello + calls against a private
 * dbus-daemon when the host has one. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "../ctr.c"
#include "t.h"

/* Hello, serial 1: the fixed header, four fields each 8-aligned, no body (128 bytes). */
static const char hello[] =
	"l\1\0\1" "\0\0\0\0" "\1\0\0\0" "\x6d\0\0\0"
	"\1\1o\0" "\x15\0\0\0" "/org/freedesktop/DBus\0" "\0\0"
	"\2\1s\0" "\x14\0\0\0" "org.freedesktop.DBus\0" "\0\0\0"
	"\3\1s\0" "\5\0\0\0" "Hello\0" "\0\0"
	"\6\1s\0" "\x14\0\0\0" "org.freedesktop.DBus\0" "\0\0\0";

/* StartTransientUnit body "u.scope", "fail", [("PIDs", <[7]>)], []: 64 bytes. */
static const char start_body[] =
	"\7\0\0\0" "u.scope\0"          /* 0..11 */
	"\4\0\0\0" "fail\0" "\0\0\0"    /* 12..23: the array aligns to 4 */
	"\x18\0\0\0" "\0\0\0\0"         /* 24: a(sv) is 24 bytes, its structs align to 8 */
	"\4\0\0\0" "PIDs\0"             /* 32..40 */
	"\2au\0" "\0\0\0"               /* 41..47: variant signature, au aligns to 4 */
	"\4\0\0\0" "\7\0\0\0"           /* 48..55: [7] */
	"\0\0\0\0" "\0\0\0\0";          /* 56: aux a(sa(sv)) empty, padded to 8 */

static void test_encode(void)
{
	struct sdbuf m = {0};
	sd_msg_call(&m, 1, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
		    "Hello", "", NULL);
	CHECK(m.len == sizeof(hello) - 1 && !memcmp(m.b, hello, m.len),
	      "systemd_encode_hello: 128 bytes as derived by hand (got %zu)", m.len);
	struct sdbuf b = {0};
	sdb_str(&b, "u.scope");
	sdb_str(&b, "fail");
	size_t at = sdb_arr_begin(&b, 8);
	sdp(&b, "PIDs", "au");
	sdb_le(&b, 4, 4);
	sdb_le(&b, 7, 4);
	sdb_arr_end(&b, at, 8);
	at = sdb_arr_begin(&b, 8);
	sdb_arr_end(&b, at, 8);
	CHECK(b.len == sizeof(start_body) - 1 && !memcmp(b.b, start_body, b.len),
	      "systemd_encode_start_body: 64 bytes as derived by hand (got %zu)", b.len);
	/* the whole call parses back: header fields, signature, body */
	struct sdbuf call = {0};
	sd_msg_call(&call, 9, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit",
		    "ssa(sv)a(sa(sv))", &b);
	struct sdmsg p;
	int rc = sd_msg_parse(call.b, call.len, &p);
	struct sdrd r = p.body;
	const char *u = rc == 0 ? sdr_str(&r, 's') : NULL;
	CHECK(rc == 0 && p.type == 1 && p.serial == 9 && !strcmp(p.member, "StartTransientUnit") &&
	      !strcmp(p.sig, "ssa(sv)a(sa(sv))") && !strcmp(p.path, SD_PATH) && u && !strcmp(u, "u.scope") &&
	      call.len % 8 == 0 && p.body.len == b.len,
	      "systemd_encode_roundtrip: StartTransientUnit parses back");
	free(m.b);
	free(b.b);
	free(call.b);
}

/* An error reply to serial 5: ERROR_NAME, REPLY_SERIAL, SIGNATURE "s", the text. */
static void make_error(struct sdbuf *m)
{
	struct sdbuf body = {0};
	sdb_str(&body, "Unit x.scope already exists.");
	sdb_u8(m, 'l');
	sdb_u8(m, 3);
	sdb_u8(m, 1);
	sdb_u8(m, 1);
	sdb_le(m, body.len, 4);
	sdb_le(m, 77, 4);
	size_t at = sdb_arr_begin(m, 8);
	sdb_align(m, 8);
	sdb_u8(m, 4);
	sdb_sig(m, "s");
	sdb_str(m, "org.freedesktop.systemd1.UnitExists");
	sdb_align(m, 8);
	sdb_u8(m, 5);
	sdb_sig(m, "u");
	sdb_le(m, 5, 4);
	sdb_align(m, 8);
	sdb_u8(m, 8);
	sdb_sig(m, "g");
	sdb_sig(m, "s");
	sdb_arr_end(m, at, 8);
	sdb_align(m, 8);
	sdb_put(m, body.b, body.len);
	free(body.b);
}

static void test_parse(void)
{
	struct sdbuf m = {0};
	make_error(&m);
	struct sdmsg p;
	struct ctr_error err = {0};
	int rc = sd_msg_parse(m.b, m.len, &p);
	CHECK(rc == 0 && p.type == 3 && p.reply_serial == 5 && p.serial == 77 &&
	      !strcmp(p.error, "org.freedesktop.systemd1.UnitExists") && !strcmp(p.sig, "s"),
	      "systemd_parse_error: name, reply serial, signature");
	sd_error(&p, "StartTransientUnit", &err);
	CHECK(strstr(err.msg, "UnitExists: Unit x.scope already exists."),
	      "systemd_parse_error_text: \"%s\"", err.msg);
	int bad = 0;
	for (size_t n = 0; n < m.len; n++) {
		size_t sz = sd_msg_size(m.b, n);
		bad += (sz && sz <= n) || sd_msg_parse(m.b, n, &p) == 0;
	}
	CHECK(!bad, "systemd_parse_truncated: every prefix of a reply is incomplete or refused");
	/* mangled bytes (deterministic): refused or parsed, never read past the message */
	uint32_t x = 12345;
	int parsed = 0;
	for (int i = 0; i < 20000; i++) {
		uint8_t *c = malloc(m.len);
		memcpy(c, m.b, m.len);
		for (int k = 0; k < 3; k++) {
			x = x * 1103515245 + 12345;
			c[(x >> 8) % m.len] = (uint8_t)(x >> 20);
		}
		size_t sz = sd_msg_size(c, m.len);
		if (sz && sz != SIZE_MAX && sz <= m.len && sd_msg_parse(c, sz, &p) == 0) {
			parsed++;
			struct sdrd r = p.body;
			sdr_str(&r, 's');
		}
		free(c);
	}
	CHECK(1, "systemd_parse_hostile: 20000 mangled replies, %d still well-formed, no crash", parsed);
	/* a string length pointing past the end */
	struct sdrd r = {(const uint8_t *)"\xff\xff\xff\x7f" "abc", 7, 0, false};
	CHECK(!sdr_str(&r, 's') && r.bad, "systemd_parse_long_string: refused");
	free(m.b);
}

static void test_paths(void)
{
	struct ctr_error err;
	char out[256], unit[256], path[256], slice[256];
	struct { const char *in, *want; } ok[] = {
		{"system.slice", "/system.slice"}, {"-.slice", ""},
		{"a-b-c.slice", "/a.slice/a-b.slice/a-b-c.slice"}};
	for (size_t i = 0; i < ARRAY_LEN(ok); i++)
		CHECK(sd_expand_slice(ok[i].in, out, sizeof(out), &err) == 0 && !strcmp(out, ok[i].want),
		      "systemd_expand_slice: %s -> \"%s\"", ok[i].in, ok[i].want);
	const char *bad[] = {"a--b.slice", "-a.slice", "a-.slice", "a/b.slice", "system", ".slice"};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		CHECK(sd_expand_slice(bad[i], out, sizeof(out), &err) < 0,
		      "systemd_expand_slice_bad: %s refused", bad[i]);
	CHECK(sd_parse_path(NULL, "x1", unit, sizeof(unit), path, sizeof(path), slice, sizeof(slice), &err) == 0 &&
	      !strcmp(unit, "ctr-x1.scope") && !strcmp(path, "/system.slice/ctr-x1.scope"),
	      "systemd_path_default: system.slice:ctr:<id> (%s)", path);
	CHECK(sd_parse_path("a-b.slice:docker:42", "x", unit, sizeof(unit), path, sizeof(path), slice, sizeof(slice), &err) == 0 &&
	      !strcmp(unit, "docker-42.scope") && !strcmp(path, "/a.slice/a-b.slice/docker-42.scope"),
	      "systemd_path_nested: %s", path);
	CHECK(sd_parse_path(":p:n", "x", unit, sizeof(unit), path, sizeof(path), slice, sizeof(slice), &err) == 0 &&
	      !strcmp(path, "/system.slice/p-n.scope"), "systemd_path_empty_slice: %s", path);
	const char *badp[] = {"/a/b", "a:b", "s.slice:p:", "s.slice:p:n:x", "s.slice:p:a/b", "s.slice:p:x.slice"};
	for (size_t i = 0; i < ARRAY_LEN(badp); i++)
		CHECK(sd_parse_path(badp[i], "x", unit, sizeof(unit), path, sizeof(path), slice, sizeof(slice), &err) < 0,
		      "systemd_path_bad: \"%s\" refused (%s)", badp[i], err.msg);
}

static void test_props(void)
{
	struct spec_resources r;
	memset(&r, 0, sizeof(r));
	r.memory.limit = (struct opt_i64){true, 1 << 26};
	r.cpu.quota = (struct opt_i64){true, 50000};
	r.cpu.period = (struct opt_u64){true, 100000};
	r.cpu.cpus = "0-1,9";
	r.has_pids = true;
	r.pids_limit = (struct opt_i64){true, -1};
	struct sdbuf b = {0};
	struct ctr_error err;
	size_t at = sdb_arr_begin(&b, 8);
	int rc = sdp_resources(&b, &r, &err);
	sdb_arr_end(&b, at, 8);
	/* read the a(sv) back */
	struct sdrd rd = {b.b, b.len, 0, false};
	uint64_t alen = sdr_le(&rd, 4), mem = 0, quota = 0, tasks = 0;
	const uint8_t *mask = NULL;
	uint64_t mlen = 0;
	sdr_align(&rd, 8);
	size_t end = rd.pos + alen;
	while (!rd.bad && rd.pos < end) {
		sdr_align(&rd, 8);
		const char *name = sdr_str(&rd, 's'), *sig = sdr_str(&rd, 'g');
		if (!name || !sig)
			break;
		if (!strcmp(sig, "t")) {
			uint64_t v = sdr_le(&rd, 8);
			mem = strcmp(name, "MemoryMax") ? mem : v;
			quota = strcmp(name, "CPUQuotaPerSecUSec") ? quota : v;
			tasks = strcmp(name, "TasksMax") ? tasks : v;
		} else if (!strcmp(sig, "ay")) {
			mlen = sdr_le(&rd, 4);
			mask = b.b + rd.pos;
			rd.pos += mlen;
		} else {
			rd.bad = true;
		}
	}
	CHECK(rc == 0 && !rd.bad && mem == 1 << 26 && quota == 500000 && tasks == UINT64_MAX &&
	      mlen == 2 && mask[0] == 3 && mask[1] == 2,
	      "systemd_props: MemoryMax, CPUQuotaPerSecUSec 500ms, TasksMax infinity, AllowedCPUs 0-1,9 as bytes 03 02");
	free(b.b);
}

/* DeviceAllow entries: by number, by /proc/devices name (major 1 is "mem" on every Linux),
 * by kind; a major /proc/devices does not list has none */
static void test_devices(void)
{
	static const struct {
		struct spec_device_rule r;
		const char *want;
	} cases[] = {
		{{true, 'c', {true, 1}, {true, 3}, NULL}, "/dev/char/1:3"},
		{{true, 'c', {true, 1}, {false, 0}, NULL}, "char-mem"},
		{{true, 'b', {false, 0}, {false, 0}, NULL}, "block-*"},
		{{true, 'c', {true, 4000}, {false, 0}, NULL}, NULL},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char out[80] = "";
		bool ok = sd_dev_entry(&cases[i].r, out, sizeof(out));
		CHECK(cases[i].want ? ok && !strcmp(out, cases[i].want) : !ok,
		      "systemd_devices: %s (got %s)", cases[i].want ? cases[i].want : "none", ok ? out : "none");
	}
}

/* auth, Hello, AddMatch and an error reply against a private dbus-daemon */
static void test_daemon(void)
{
	const char *bin = access("/usr/bin/dbus-daemon", X_OK) == 0 ? "/usr/bin/dbus-daemon" : NULL;
	if (!bin) {
		T_SKIP("systemd_bus_hello: no dbus-daemon on this host (apt-get install dbus)");
		return;
	}
	char dir[] = "/tmp/ctr-unit-bus.XXXXXX", sock[64], addr[96];
	if (!mkdtemp(dir)) {
		T_FAIL("systemd_bus_hello: mkdtemp");
		return;
	}
	snprintf(sock, sizeof(sock), "%s/bus", dir);
	snprintf(addr, sizeof(addr), "--address=unix:path=%s", sock);
	pid_t pid = fork();
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);
		dup2(nul, 1);
		dup2(nul, 2);
		execl(bin, bin, "--session", "--nofork", "--nopidfile", addr, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500 && access(sock, F_OK) < 0; i++)
		usleep(10000);
	struct sdconn c;
	struct ctr_error err = {0};
	struct sdmsg m;
	int rc = sd_open(&c, sock, &err);
	CHECK(rc == 0, "systemd_bus_hello: EXTERNAL auth and Hello on a private dbus-daemon (%s)",
	      rc ? err.msg : "ok");
	if (rc == 0) {
		struct sdbuf b = {0};
		sdb_str(&b, "type='signal',member='JobRemoved'");
		rc = sd_call(&c, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
			     "AddMatch", "s", &b, NULL, &m, &err);
		CHECK(rc == 0 && m.type == 2, "systemd_bus_addmatch: a method return (%s)", rc ? err.msg : "ok");
		rc = sd_call(&c, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
			     "NoSuchMethod", "", NULL, NULL, &m, &err);
		CHECK(rc < 0 && strstr(err.msg, "org.freedesktop.DBus.Error.UnknownMethod"),
		      "systemd_bus_error: an error reply becomes the error (%s)", err.msg);
		free(b.b);
		sd_close(&c);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	unlink(sock);
	rmdir(dir);
}

int main(void)
{
	test_encode();
	test_parse();
	test_paths();
	test_props();
	test_devices();
	test_daemon();
	return t_failed;
}
