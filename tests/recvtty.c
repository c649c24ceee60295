/* recvtty: a console-socket receiver for tests, as containerd's shim or conmon use one.
 *   recvtty SOCKET OUTFILE [INPUT]
 * Listens on SOCKET (AF_UNIX), takes one connection, receives the pty master sent with
 * SCM_RIGHTS, checks it is a pty master, writes INPUT into it, and copies everything the
 * container writes to OUTFILE until the pty closes. Prints "ready" once listening and
 * "pty N" once it has the master. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "recvtty: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: recvtty SOCKET OUTFILE [INPUT]\n");
		return 2;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	int ls = socket(AF_UNIX, SOCK_STREAM, 0);
	unlink(argv[1]);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 1) < 0)
		return die("listen");
	printf("ready\n");
	fflush(stdout);
	int c = accept(ls, NULL, NULL);
	if (c < 0)
		return die("accept");
	char name[256], ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = name, .iov_len = sizeof(name) - 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = sizeof(ctl)};
	ssize_t n = recvmsg(c, &msg, 0);
	struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (!cm || cm->cmsg_type != SCM_RIGHTS) {
		fprintf(stderr, "recvtty: no fd received\n");
		return 1;
	}
	int master;
	memcpy(&master, CMSG_DATA(cm), sizeof(int));
	unsigned ptn;
	if (ioctl(master, TIOCGPTN, &ptn) < 0)
		return die("not a pty master");
	printf("pty %u\n", ptn);
	fflush(stdout);
	close(c);
	close(ls);
	int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0)
		return die("open output");
	if (argc > 3 && write(master, argv[3], strlen(argv[3])) < 0)
		return die("write input");
	char buf[4096];
	while ((n = read(master, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) < 0)
			return die("write output");
	return 0;
}
