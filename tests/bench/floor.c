/* floor: the least a runtime must do to start a command in a container, as a lower bound
 * for `make bench`: new mount, pid, net, ipc and uts namespaces (unshare + fork, the child is
 * pid 1; the mount namespace unshared by the child), the rootfs bind-mounted and made the root with pivot_root, then exec.
 *   floor [-f] ROOTFS CMD [ARG...]
 * -f (full): also bring loopback up, mount /proc and /sys, and create, join and remove one
 * cgroup in each v1 controller hierarchy under /sys/fs/cgroup (what a runtime does too).
 * Exit status: the command's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* cpuset is left out: a new cpuset cgroup needs cpus and mems copied in before use */
static const char *const ctrls[] = {"blkio", "cpu", "cpuacct", "devices", "freezer",
				    "memory", "pids", "systemd"};
#define N_CTRLS (sizeof(ctrls) / sizeof(ctrls[0]))

static int die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	return 1;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static int child(const char *rootfs, char **argv, int full)
{
	char path[4096];
	/* the mount namespace is the child's own: the parent keeps /sys/fs/cgroup */
	if (unshare(CLONE_NEWNS) < 0)
		return die("unshare mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return die("make / private");
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return die("bind rootfs");
	if (full) {
		int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		struct ifreq ifr;
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.ifr_name, "lo");
		if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
			return die("lo flags");
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			return die("lo up");
		close(s);
		snprintf(path, sizeof(path), "%s/proc", rootfs);
		if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			return die("mount /proc");
		snprintf(path, sizeof(path), "%s/sys", rootfs);
		if (mount("sysfs", path, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL) < 0)
			return die("mount /sys");
	}
	if (chdir(rootfs) < 0)
		return die("chdir rootfs");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return die("pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return die("detach old root");
	if (chdir("/") < 0)
		return die("chdir /");
	execv(argv[0], argv);
	return die(argv[0]);
}

int main(int argc, char **argv)
{
	int full = 0, status = 0;
	if (argc > 1 && !strcmp(argv[1], "-f")) {
		full = 1;
		argv++;
		argc--;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: floor [-f] ROOTFS CMD [ARG...]\n");
		return 2;
	}
	char cg[N_CTRLS][256];
	if (full) {
		for (size_t i = 0; i < N_CTRLS; i++) {
			snprintf(cg[i], sizeof(cg[i]), "/sys/fs/cgroup/%s/ctr-floor-%d", ctrls[i],
				 (int)getpid());
			if (mkdir(cg[i], 0755) < 0 && errno != EEXIST)
				return die(cg[i]);
		}
	}
	if (unshare(CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) < 0)
		return die("unshare");
	pid_t pid = fork();
	if (pid < 0)
		return die("fork");
	if (pid == 0)
		_exit(child(argv[1], argv + 2, full));
	if (full) {
		char procs[2100], spid[32];
		snprintf(spid, sizeof(spid), "%d", (int)pid);
		for (size_t i = 0; i < N_CTRLS; i++) {
			snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg[i]);
			if (write_file(procs, spid) < 0)
				die(procs);
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (full)
		for (size_t i = 0; i < N_CTRLS; i++)
			rmdir(cg[i]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
