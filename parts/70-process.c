
/* ======================================================================
 * process
 * ====================================================================== */

/* Building blocks for the container's namespaces and its process; the lifecycle section
 * calls them in order. "parent" runs in ctr, "init" in the container's init. */

/* parent: /proc/PID/uid_map and gid_map (and setgroups) from linux.uid/gidMappings. */
static int userns_write_maps(pid_t pid, const struct spec *s, struct ctr_error *err);
/* init side, after unshare(CLONE_NEWTIME) and before the first fork: timeOffsets. */
static int timens_write_offsets(const struct spec *s, struct ctr_error *err);
/* init: bring up lo in the current (new) network namespace. */
static int net_loopback_up(struct ctr_error *err);
/* parent: move linux.netDevices into pid's network namespace, renamed as asked. */
static int net_devices_move(const struct spec *s, pid_t pid, struct ctr_error *err);
/* init, after the root switch: hostname, domainname, linux.sysctl. */
static int process_set_names_and_sysctl(const struct spec *s, struct ctr_error *err);
/* init: rlimits, oomScoreAdj, personality, scheduler, ioPriority, execCPUAffinity.initial,
 * apparmorProfile / selinuxLabel for the next exec, umask, a new session keyring unless
 * no_new_keyring. Needs privileges: runs before the identity change. */
static int process_prepare(const struct spec *s, const struct spec_process *p,
			   bool no_new_keyring, struct ctr_error *err);
/* init: additionalGids, gid, uid (keeping capabilities across the change), then the five
 * capability sets and noNewPrivileges. */
static int process_set_identity(const struct spec_process *p, struct ctr_error *err);
/* init: chdir(cwd), checked to be inside the root (CVE-2024-21626). */
static int process_chdir(const struct spec_process *p, struct ctr_error *err);
/* init: close every fd >= first except keep_fd (-1: none). */
static int fds_close_from(int first, int keep_fd, struct ctr_error *err);
/* init: execve args[0] (PATH lookup in the process env); returns only on failure. */
static int process_exec(const struct spec_process *p, struct ctr_error *err);
