/* seccomp_agent.c - a tiny seccomp notify agent for tests/t_seccomp.sh.
 *
 * usage: seccomp_agent SOCKET STATE_FILE ERRNO
 * Listens on SOCKET, receives the listener fd and the containerProcessState that the
 * runtime sends (written to STATE_FILE), then answers every notification: ERRNO 0
 * makes the syscall "succeed" with return value 0 without running it, otherwise it
 * fails with that errno. Exits when the container's processes are gone. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/seccomp.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s SOCKET STATE_FILE ERRNO\n", argv[0]);
		return 2;
	}
	int err = atoi(argv[3]);
	alarm(120); /* never outlive a broken test */
	int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	unlink(argv[1]);
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 1) < 0) {
		perror("agent: bind");
		return 1;
	}
	int cs = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	if (cs < 0) {
		perror("agent: accept");
		return 1;
	}
	static char buf[65536];
	union { char b[CMSG_SPACE(sizeof(int))]; struct cmsghdr a; } ctl;
	struct iovec iov = {buf, sizeof(buf) - 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
			    .msg_controllen = sizeof(ctl.b)};
	ssize_t n = recvmsg(cs, &mh, MSG_CMSG_CLOEXEC);
	struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
	if (!c || c->cmsg_type != SCM_RIGHTS) {
		fprintf(stderr, "agent: no fd received\n");
		return 1;
	}
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	/* the rest of the state, if the runtime sent it in parts */
	ssize_t m;
	while ((m = read(cs, buf + n, sizeof(buf) - 1 - (size_t)n)) > 0)
		n += m;
	buf[n] = 0;
	FILE *f = fopen(argv[2], "w");
	if (f) {
		fputs(buf, f);
		fclose(f);
	}
	close(cs);
	for (unsigned answered = 0;;) {
		/* POLLHUP: the last process under the filter is gone; the timeout only keeps
		 * a broken test from leaving us behind */
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int pr = poll(&pfd, 1, 120000);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0 || !(pfd.revents & POLLIN)) {
			fprintf(stderr, "agent: %u notifications answered, done\n", answered);
			return 0;
		}
		struct seccomp_notif req;
		memset(&req, 0, sizeof(req));
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
			continue; /* the caller went away meanwhile */
		answered++;
		struct seccomp_notif_resp resp = {.id = req.id, .val = 0, .error = -err};
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
			perror("agent: send");
	}
}
