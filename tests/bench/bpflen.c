/* bpflen: the length (instructions) of each seccomp filter attached to a process, as the
 * kernel holds it (PTRACE_SECCOMP_GET_FILTER; root). Prints one count per filter, newest
 * first, so that every runtime's program is measured the same way.
 *   bpflen PID */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: bpflen PID\n");
		return 2;
	}
	pid_t pid = atoi(argv[1]);
	if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0 || ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0) {
		fprintf(stderr, "bpflen: attach %d: %s\n", (int)pid, strerror(errno));
		return 1;
	}
	int st, n = 0;
	if (waitpid(pid, &st, __WALL) < 0) {
		fprintf(stderr, "bpflen: wait %d: %s\n", (int)pid, strerror(errno));
		return 1;
	}
	for (long i = 0;; i++) {
		long len = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)i, NULL);
		if (len < 0)
			break;
		printf("%s%ld", n++ ? " " : "", len);
	}
	printf("\n");
	ptrace(PTRACE_DETACH, pid, 0, 0);
	return n ? 0 : 1;
}
