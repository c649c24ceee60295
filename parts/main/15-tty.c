
/* ---------- foreground wait and terminal relay (run, exec) ---------- */

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>

/* Copy one read's worth from `from` to `to`: bytes copied, 0 at EOF or error, -1 when
 * nothing was there. */
static ssize_t tty_copy(int from, int to)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return -1;
	if (n <= 0)
		return 0;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		if (w < 0 && errno == EAGAIN) {
			struct pollfd p = {.fd = to, .events = POLLOUT};
			poll(&p, 1, -1);
		} else if (w < 0 && errno != EINTR) {
			return n; /* the reader went away: drop the rest, keep going */
		}
		off += w > 0 ? w : 0;
	}
	return n;
}

/* Our window size onto the pty (stdin, or stdout if stdin is redirected). */
static void tty_resize(int master)
{
	struct winsize ws;
	if (ioctl(0, TIOCGWINSZ, &ws) == 0 || ioctl(1, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

/* Wait for pid, our child, with every signal already blocked by the caller: SIGCHLD
 * reaps (any child: `run` is a subreaper), SIGWINCH resizes the pty, every other signal
 * goes to pid. With a pty master (else -1), relays stdin -> master -> stdout in raw
 * mode, restoring our terminal before returning. Returns the exit code to use: the
 * status, or 128+N after signal N. */
static int tty_wait(int master, pid_t pid)
{
	sigset_t all;
	sigfillset(&all);
	int sfd = signalfd(-1, &all, SFD_CLOEXEC);
	struct termios saved;
	bool raw = false, in_open = master >= 0, out_open = master >= 0, done = false;
	if (master >= 0 && isatty(0) && tcgetattr(0, &saved) == 0) {
		struct termios t = saved;
		cfmakeraw(&t);
		raw = tcsetattr(0, TCSANOW, &t) == 0;
	}
	if (master >= 0)
		tty_resize(master);
	int status = 0;
	while (!done) {
		struct pollfd p[3] = {
			{.fd = sfd, .events = POLLIN},
			{.fd = out_open ? master : -1, .events = POLLIN},
			{.fd = in_open ? 0 : -1, .events = POLLIN},
		};
		if (sfd < 0) {
			/* no signalfd: take the signals one at a time, no relay */
			siginfo_t si;
			int sig = sigwaitinfo(&all, &si);
			p[0].revents = 0;
			if (sig == SIGCHLD) {
				int st;
				for (pid_t r; (r = waitpid(-1, &st, WNOHANG)) > 0;)
					if (r == pid)
						status = st, done = true;
			} else if (sig > 0 && sig != SIGWINCH && sig != SIGPIPE) {
				kill(pid, sig);
			}
			continue;
		}
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				int sig = (int)si.ssi_signo;
				if (sig == SIGCHLD) {
					int st;
					for (pid_t r; (r = waitpid(-1, &st, WNOHANG)) > 0;)
						if (r == pid)
							status = st, done = true;
				} else if (sig == SIGWINCH) {
					if (master >= 0)
						tty_resize(master);
				} else if (sig != SIGPIPE) {
					kill(pid, sig);
				}
			}
		}
		if (out_open && p[1].revents)
			out_open = tty_copy(master, 1) != 0;
		if (in_open && p[2].revents && tty_copy(0, master) == 0) {
			/* stdin ended: the shell in the pty gets an end of file too */
			in_open = false;
			if (!isatty(0))
				(void)!write(master, "\004", 1);
		}
	}
	if (out_open) {
		/* the rest of the output; other holders of the pty must not keep us here */
		fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
		while (tty_copy(master, 1) > 0)
			;
	}
	if (raw)
		tcsetattr(0, TCSANOW, &saved);
	if (sfd >= 0)
		close(sfd);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}
