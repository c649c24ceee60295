
/* ======================================================================
 * terminal
 * ====================================================================== */

/* The container's pseudo-terminal: created inside the container's own devpts instance
 * (after the root switch), made the process's controlling terminal, and its master sent to
 * the caller: over --console-socket as runc does, or back to ctr for a foreground relay. */

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* Open a new pty pair from /dev/ptmx (the container's, once inside its root). */
static int term_open_pty(int *master_out, int *slave_out, struct ctr_error *err)
{
	int master AUTO_CLOSE = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return err_set(err, errno, "open /dev/ptmx");
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return err_set(err, errno, "unlock pty");
	/* TIOCGPTPEER opens the peer without a path lookup that a container could redirect. */
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0) {
		unsigned n;
		char path[32];
		if (ioctl(master, TIOCGPTN, &n) < 0)
			return err_set(err, errno, "get pty number");
		snprintf(path, sizeof(path), "/dev/pts/%u", n);
		slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (slave < 0)
			return err_set(err, errno, "open %s", path);
	}
	*slave_out = slave;
	*master_out = TAKE_FD(master);
	return 0;
}

/* Make slave the controlling terminal and stdio of the calling process (a session
 * leader after setsid), with the requested size. */
static int term_become_controlling(int slave, unsigned rows, unsigned cols, struct ctr_error *err)
{
	if (rows || cols) {
		struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
		if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
			return err_set(err, errno, "set console size");
	}
	if (setsid() < 0 && errno != EPERM)
		return err_set(err, errno, "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return err_set(err, errno, "set controlling terminal");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return err_set(err, errno, "dup2 pty to fd %d", fd);
	return 0;
}

/* Bind the pty slave over /dev/console, as runc does (inside the container's root). */
static int term_bind_console(int slave, struct ctr_error *err)
{
	char src[64];
	snprintf(src, sizeof(src), "/proc/self/fd/%d", slave);
	int fd = open("/dev/console", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0 && errno != EEXIST)
		return err_set(err, errno, "create /dev/console");
	if (fd >= 0)
		close(fd);
	if (mount(src, "/dev/console", NULL, MS_BIND, NULL) < 0)
		return err_set(err, errno, "bind pty to /dev/console");
	return 0;
}

/* Send data[0..len) with fd attached (SCM_RIGHTS) over an AF_UNIX socket. */
static int term_sendmsg_fd(int sock, int fd, const void *data, size_t len, struct ctr_error *err)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	for (;;) {
		if (sendmsg(sock, &msg, MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno != EINTR)
			return err_set(err, errno, "send terminal fd");
	}
}

/* Send fd with a name as payload, as runc's console socket protocol does. */
static int term_send_fd(int sock, int fd, const char *name, struct ctr_error *err)
{
	return term_sendmsg_fd(sock, fd, name, strlen(name) + 1, err);
}

/* Receive one message into buf (at most size bytes) and the fd sent with it, if any
 * (*fd_out = -1 when none; extra fds are closed). Returns the length, or -1 (errno). */
static ssize_t term_recvmsg_fd(int sock, void *buf, size_t size, int *fd_out)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = buf, .iov_len = size};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
	ssize_t n;
	*fd_out = -1;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfd; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*fd_out < 0)
				*fd_out = fd;
			else
				close(fd);
		}
	}
	return n;
}

/* Receive one fd sent with term_send_fd (or by runc-compatible senders). */
static int term_recv_fd(int sock, int *fd_out, struct ctr_error *err)
{
	char name[256];
	if (term_recvmsg_fd(sock, name, sizeof(name), fd_out) < 0)
		return err_set(err, errno, "receive terminal fd");
	if (*fd_out < 0)
		return err_set(err, EBADMSG, "receive terminal fd: no fd in the message");
	return 0;
}

/* Connect to the console socket (--console-socket) and send the pty master to it. */
static int term_send_to_console_socket(const char *path, int master, struct ctr_error *err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(addr.sun_path))
		return err_set(err, ENAMETOOLONG, "console socket %s", path);
	strcpy(addr.sun_path, path);
	int sock AUTO_CLOSE = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return err_set(err, errno, "console socket");
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return err_set(err, errno, "connect to console socket %s", path);
	if (term_send_fd(sock, master, "/dev/ptmx", err) < 0)
		return err_prefix(err, "console socket %s", path);
	return 0;
}

/* In the container process, inside its root: make a pty in the container's devpts, send
 * the master to ctr over sync (msg is the payload), make the slave the controlling
 * terminal and stdio (and /dev/console for an init). */
static int term_setup_child(int sync, const void *msg, size_t len, unsigned rows, unsigned cols,
			    bool console, struct ctr_error *err)
{
	int master AUTO_CLOSE = -1, slave AUTO_CLOSE = -1;
	if (term_open_pty(&master, &slave, err) < 0 ||
	    term_sendmsg_fd(sync, master, msg, len, err) < 0 ||
	    term_become_controlling(slave, rows, cols, err) < 0 ||
	    (console && term_bind_console(slave, err) < 0))
		return err_prefix(err, "terminal");
	return 0;
}

/* In ctr: hand the master received from the container on, to the console socket (and
 * close it) or to the caller through *pty_master. Takes master in every case. */
static int term_deliver(int master, const char *console_socket, int *pty_master,
			struct ctr_error *err)
{
	if (console_socket) {
		int rc = term_send_to_console_socket(console_socket, master, err);
		close(master);
		return rc;
	}
	if (!pty_master) {
		close(master);
		return err_set(err, EINVAL, "terminal: no console socket and nobody to relay");
	}
	*pty_master = master;
	return 0;
}
