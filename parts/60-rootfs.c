
/* ======================================================================
 * rootfs
 * ====================================================================== */

struct rootfs_ctx {
	const struct spec *spec;
	const char *rootfs;          /* absolute host path of root.path */
	bool no_pivot;               /* MS_MOVE + chroot instead of pivot_root */
	bool userns;                 /* in a new user namespace: bind devices, no mknod */
};

/* In the container's new mount namespace, before the root switch: rootfs propagation,
 * the rootfs bind, every mount in order (targets resolved inside the rootfs), /dev. */
static int rootfs_setup(const struct rootfs_ctx *c, struct ctr_error *err);
/* Switch to the rootfs (pivot_root; MS_MOVE+chroot with no_pivot or on an initramfs),
 * then maskedPaths, readonlyPaths and root.readonly. */
static int rootfs_enter(const struct rootfs_ctx *c, struct ctr_error *err);
/* Open path inside the tree at root_fd without ever leaving it (symlinks resolved as if
 * root_fd were /). */
static int rootfs_open_in(int root_fd, const char *path, int flags, mode_t mode,
			  struct ctr_error *err);
