/* ctr-escape: try the classic chroot escape from inside a container and report whether a
 * file of the host's root (argv[1]) became reachable. Needs CAP_SYS_CHROOT to try at all.
 * Prints "ESCAPED", "contained" or "no-chroot" (chroot refused: the escape is impossible). */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	mkdir("/tmp/esc", 0700);
	if (chdir("/tmp") < 0 || chroot("esc") < 0) { /* cwd stays outside the new root */
		puts("no-chroot");
		return 0;
	}
	for (int i = 0; i < 64; i++)
		if (chdir("..") < 0)
			break;
	if (chroot(".") < 0) {
		puts("no-chroot");
		return 0;
	}
	puts(access(argv[1], F_OK) == 0 ? "ESCAPED" : "contained");
	return 0;
}
