/* Unit tests of the state section and the small lifecycle helpers (ids, signals,
 * state JSON). Run from build/tests; uses a temp dir of its own. */
#include "../ctr.c"
#include "t.h"

static char tmp_root[64];

static void test_ids(void)
{
	static const char *const good[] = {"a", "A-b_c+d.e", "0", "x..y", "-lead", "+p", "_"};
	static const char *const bad[] = {"", ".", "..", ".hidden", "a/b", "../x", "a b", "é",
					  "a\nb", "x:y"};
	for (size_t i = 0; i < ARRAY_LEN(good); i++)
		CHECK(ctr_id_valid(good[i], NULL) == 0, "id_valid accepts \"%s\"", good[i]);
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		CHECK(ctr_id_valid(bad[i], NULL) < 0, "id_valid refuses bad id #%zu", i);
	char long_id[1100];
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = 0;
	CHECK(ctr_id_valid(long_id, NULL) < 0, "id_valid refuses 1099 bytes");
	/* the id names the state dir: NAME_MAX (255) bytes, not one more */
	long_id[256] = 0;
	CHECK(ctr_id_valid(long_id, NULL) < 0, "id_valid refuses 256 bytes");
	long_id[255] = 0;
	CHECK(ctr_id_valid(long_id, NULL) == 0, "id_valid accepts 255 bytes");
}

static void test_signals(void)
{
	static const struct { const char *s; int sig; } ok[] = {
		{"KILL", SIGKILL}, {"SIGKILL", SIGKILL}, {"kill", SIGKILL}, {"9", SIGKILL},
		{"TERM", SIGTERM}, {"sigusr1", SIGUSR1}, {"HUP", SIGHUP}, {"15", 15},
		{"WINCH", SIGWINCH}, {"CHLD", SIGCHLD}, {"0", 0},
	};
	for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
		int sig = -1;
		CHECK(ctr_signal_parse(ok[i].s, &sig, NULL) == 0 && sig == ok[i].sig,
		      "signal_parse \"%s\" = %d", ok[i].s, ok[i].sig);
	}
	int sig = -1;
	CHECK(ctr_signal_parse("RTMIN+2", &sig, NULL) == 0 && sig == SIGRTMIN + 2,
	      "signal_parse RTMIN+2");
	CHECK(ctr_signal_parse("RTMAX-1", &sig, NULL) == 0 && sig == SIGRTMAX - 1,
	      "signal_parse RTMAX-1");
	static const char *const bad[] = {"", "-1", "1000", "NOPE", "SIG", "9x", "RTMIN+99"};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct ctr_error e = {0};
		CHECK(ctr_signal_parse(bad[i], &sig, &e) < 0 && e.msg[0],
		      "signal_parse refuses \"%s\"", bad[i]);
	}
}

static void test_status_names(void)
{
	CHECK(!strcmp(ctr_status_name(CTR_CREATING), "creating") &&
	      !strcmp(ctr_status_name(CTR_CREATED), "created") &&
	      !strcmp(ctr_status_name(CTR_RUNNING), "running") &&
	      !strcmp(ctr_status_name(CTR_PAUSED), "paused") &&
	      !strcmp(ctr_status_name(CTR_STOPPED), "stopped"), "status names");
}

static void test_state_files(void)
{
	struct ctr_error e = {0};
	struct state_handle h;
	char root[128];
	snprintf(root, sizeof(root), "%s/sub/root", tmp_root); /* made on demand */

	e.msg[0] = 0;
	CHECK(state_open(root, "nope", 0, &h, &e) < 0 && e.errnum == ENOENT &&
	      strstr(e.msg, "does not exist"), "open missing container: %s", e.msg);

	CHECK(state_open(root, "c1", STATE_CREATE, &h, &e) == 0, "create state dir");
	struct stat sb;
	char p[256];
	snprintf(p, sizeof(p), "%s/c1", root);
	CHECK(stat(p, &sb) == 0 && S_ISDIR(sb.st_mode), "state dir exists");

	/* the new dir is locked from the start */
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0 && flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK,
	      "new state dir is locked");

	struct ctr_error e2 = {0};
	struct state_handle h2;
	CHECK(state_open(root, "c1", STATE_CREATE, &h2, &e2) < 0 && strstr(e2.msg, "exists"),
	      "create twice fails: %s", e2.msg);

	struct state st = {0};
	st.id = "c1";
	st.bundle = "/b\"quoted\"";
	st.rootfs = "/b/rootfs";
	st.owner = "root";
	st.pid = 4242;
	st.pid_start = 123456789012ULL;
	snprintf(st.created, sizeof(st.created), "2026-11-23T05:00:00.5Z");
	st.annotations_json = "{\"k\":\"v\"}";
	st.cgroup_json = "{\"path\":\"/x\",\"n\":[1,2]}";
	st.config_path = "config.json";
	st.init_exe_dev = 7;
	st.init_exe_ino = 8;
	snprintf(st.init_comm, sizeof(st.init_comm), "memfd:ctr");
	CHECK(state_save(&h, &st, &e) == 0, "state_save");
	state_close(&h);
	CHECK(fd >= 0 && flock(fd, LOCK_SH | LOCK_NB) == 0, "lock released on close");
	if (fd >= 0)
		close(fd);

	CHECK(state_open(root, "c1", STATE_SHARED, &h, &e) == 0, "open shared");
	struct state ld;
	CHECK(state_load(&h, &ld, &e) == 0, "state_load: %s", e.msg);
	CHECK(!strcmp(ld.id, "c1") && !strcmp(ld.bundle, st.bundle) &&
	      !strcmp(ld.rootfs, st.rootfs) && !strcmp(ld.owner, "root") && ld.pid == 4242 &&
	      ld.pid_start == st.pid_start && !strcmp(ld.created, st.created) &&
	      !strcmp(ld.annotations_json, st.annotations_json) &&
	      !strcmp(ld.cgroup_json, st.cgroup_json) && !strcmp(ld.config_path, "config.json") &&
	      ld.init_exe_dev == 7 && ld.init_exe_ino == 8 && !strcmp(ld.init_comm, "memfd:ctr"),
	      "state round trip");
	state_free(&ld);
	/* two shared holders at once */
	CHECK(state_open(root, "c1", STATE_SHARED, &h2, &e2) == 0, "second shared lock");
	state_close(&h2);

	/* a writer waiting on the lock sees a removed dir as missing */
	pid_t child = fork();
	if (child == 0) {
		close(h.dir_fd); /* our copy of the parent's locked fd would deadlock us */
		struct state_handle hc;
		struct ctr_error ec = {0};
		int r = state_open(root, "c1", 0, &hc, &ec);
		_exit(r < 0 && ec.errnum == ENOENT ? 0 : 1);
	}
	CHECK(state_remove(&h, &e) == 0, "state_remove");
	state_close(&h);
	int status = -1;
	waitpid(child, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "waiter on a removed container gets 'does not exist'");
	CHECK(stat(p, &sb) < 0 && errno == ENOENT, "state dir removed");

	/* corrupt state.json gives an error, not a crash */
	CHECK(state_open(root, "c2", STATE_CREATE, &h, &e) == 0, "create c2");
	write_file_atomic(h.dir_fd, "state.json", "{\"id\":", 6, 0600, &e);
	CHECK(state_load(&h, &ld, &e) < 0, "corrupt state.json refused: %s", e.msg);
	state_remove(&h, &e);
	state_close(&h);
}

static void test_pids(void)
{
	unsigned long long me = pid_start_time(getpid(), NULL);
	CHECK(me > 0, "pid_start_time(self) = %llu", me);
	CHECK(pid_alive(getpid(), me), "pid_alive(self)");
	CHECK(!pid_alive(getpid(), me + 1), "pid_alive with another start time is false");
	CHECK(!pid_alive(0, 0) && pid_start_time(-1, NULL) == 0, "pid 0 / -1");
	int pfd[2];
	if (pipe(pfd) < 0)
		return;
	pid_t z = fork();
	if (z == 0)
		_exit(0);
	unsigned long long zs = 0;
	/* wait for the child to be a zombie without reaping it */
	siginfo_t si;
	waitid(P_PID, (id_t)z, &si, WEXITED | WNOWAIT);
	zs = pid_start_time(z, NULL);
	CHECK(zs > 0 && !pid_alive(z, zs), "a zombie is not alive");
	waitpid(z, NULL, 0);
	CHECK(pid_start_time(z, NULL) == 0, "reaped pid has no start time");
	/* the name (comm) that `list` compares: parentheses and spaces in it do not shift
	 * the fields after it */
	pid_t n = fork();
	if (n == 0) {
		char c;
		prctl(PR_SET_NAME, "x) R 1 (y");
		close(pfd[1]);
		_exit(read(pfd[0], &c, 1) < 0);
	}
	char comm[STATE_COMM_MAX], st;
	unsigned long long ns = 0;
	for (int i = 0; i < 1000 && n > 0; i++) {
		ns = state_proc_stat(-1, n, &st, comm);
		if (!strcmp(comm, "x) R 1 (y"))
			break;
		usleep(1000);
	}
	CHECK(n > 0 && !strcmp(comm, "x) R 1 (y") && ns == pid_start_time(n, NULL) && ns > 0 &&
	      pid_alive_at(-1, n, ns, NULL) == st && st != 'Z', "comm \"%s\", state %c, start %llu",
	      comm, st, ns);
	close(pfd[0]);
	close(pfd[1]);
	if (n > 0)
		waitpid(n, NULL, 0);
}

static void test_state_json(void)
{
	struct ctr_state st = {0};
	snprintf(st.id, sizeof(st.id), "x1");
	st.status = CTR_RUNNING;
	st.pid = 77;
	st.bundle = "/b";
	st.rootfs = "/b/rootfs";
	snprintf(st.created, sizeof(st.created), "2026-11-23T05:00:00.5Z");
	st.owner = "";
	char *s = NULL;
	struct ctr_error e = {0};
	CHECK(ctr_state_json(&st, "  ", &s, &e) == 0 && s, "state json");
	const char *want =
		"{\n  \"ociVersion\": \"" CTR_OCI_VERSION "\",\n  \"id\": \"x1\",\n  \"pid\": 77,\n"
		"  \"status\": \"running\",\n  \"bundle\": \"/b\",\n  \"rootfs\": \"/b/rootfs\",\n"
		"  \"created\": \"2026-11-23T05:00:00.5Z\",\n  \"owner\": \"\"\n}";
	CHECK(s && !strcmp(s, want), "state json is runc's layout");
	if (!s || strcmp(s, want))
		printf("# got:\n%s\n", s ? s : "(null)");
	free(s);
	st.annotations_json = "{\"a\":\"1\"}";
	CHECK(ctr_state_json(&st, NULL, &s, &e) == 0 && s &&
	      strstr(s, "\"created\":\"2026-11-23T05:00:00.5Z\",\"annotations\":{\"a\":\"1\"},"
			"\"owner\":\"\"}"), "compact json with annotations before owner: %s", s);
	free(s);

	char c[64];
	lc_created_now(c, sizeof(c));
	CHECK(strlen(c) >= 20 && c[strlen(c) - 1] == 'Z' && c[4] == '-' && c[10] == 'T' &&
	      (!strchr(c, '.') || c[strlen(c) - 2] != '0'), "created is RFC 3339 nano: %s", c);
}

static void test_list_empty(void)
{
	char root[128];
	snprintf(root, sizeof(root), "%s/none", tmp_root);
	struct ctr_opts o = {.root = root};
	struct ctr_state *v = (void *)1;
	size_t n = 9;
	struct ctr_error e = {0};
	CHECK(ctr_list(&o, &v, &n, &e) == 0 && n == 0 && v == NULL, "list of a missing root");
	struct ctr_state st;
	CHECK(ctr_state(&o, "x", &st, &e) < 0 && strstr(e.msg, "does not exist"),
	      "state of a missing container: %s", e.msg);
	CHECK(ctr_delete(&o, "x", CTR_DELETE_FORCE, &e) == 0, "delete -f of a missing container succeeds");
	CHECK(ctr_delete(&o, "x", 0, &e) < 0 && strstr(e.msg, "does not exist"),
	      "delete of a missing container fails");
	CHECK(ctr_kill(&o, "../x", SIGTERM, 0, &e) < 0 && strstr(e.msg, "invalid"),
	      "kill refuses a bad id");
}

int main(void)
{
	snprintf(tmp_root, sizeof(tmp_root), "/tmp/unit_state.XXXXXX");
	if (!mkdtemp(tmp_root)) {
		T_FAIL("mkdtemp");
		return 1;
	}
	test_ids();
	test_signals();
	test_status_names();
	test_state_files();
	test_pids();
	test_state_json();
	test_list_empty();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp_root);
	if (system(cmd) != 0)
		T_FAIL("cleanup %s", tmp_root);
	return t_failed;
}
