/*
 * ctr.h - the public API of ctr, a small OCI container runtime for embedded Linux.
 *
 * Vendor this file and ctr.c into your project; nothing else is needed but libc.
 * Conventions:
 *   - every call that can fail returns 0 on success and -1 on failure, and takes a
 *     `struct ctr_error *` as its last argument, filled with a readable message;
 *   - the library never exits, aborts, installs signal handlers, or reaps children it
 *     did not create; every fd it opens is O_CLOEXEC; it keeps no global mutable state;
 *   - a call that fails cleans up after itself (no state dir, mount, cgroup or
 *     process is left behind by a failed create).
 *
 * Licensed under the Apache License, Version 2.0.
 */
#ifndef CTR_H
#define CTR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CTR_VERSION "0.1.0"
#define CTR_OCI_VERSION "1.3.0"
#define CTR_DEFAULT_ROOT "/run/ctr"

/* An error: errnum is the errno behind it (0 if none), msg says what failed and where. */
struct ctr_error {
	int errnum;
	char msg[1024];
};

/* Container status, as in the OCI state. */
enum ctr_status {
	CTR_CREATING,
	CTR_CREATED,
	CTR_RUNNING,
	CTR_PAUSED,
	CTR_STOPPED,
};

/* "creating", "created", ... */
const char *ctr_status_name(enum ctr_status status);

/* Options shared by all calls: where state lives and how verbose to be. */
struct ctr_opts {
	const char *root;          /* state directory; NULL means CTR_DEFAULT_ROOT */
	int debug;                 /* log debug messages through log_fn */
	/* Optional sink for warnings and debug lines; NULL discards them. */
	void (*log_fn)(void *log_arg, int level, const char *msg);
	void *log_arg;
	/* cgroups through systemd (runc's --systemd-cgroup): a transient scope per
	 * container, cgroupsPath "slice:prefix:name"; needs systemd as init. */
	int systemd_cgroup;
	/* runc's --rootless: CTR_ROOTLESS_AUTO (0: when the euid is not 0), _ON or _OFF.
	 * Rootless: cgroups only where delegated (cgroup v2 owned by the caller), none
	 * otherwise (linux.resources then are an error); user namespace ranges through
	 * newuidmap/newgidmap. */
	int rootless;
};
#define CTR_ROOTLESS_AUTO 0
#define CTR_ROOTLESS_ON 1
#define CTR_ROOTLESS_OFF 2

#define CTR_LOG_ERROR 0
#define CTR_LOG_WARN 1
#define CTR_LOG_INFO 2
#define CTR_LOG_DEBUG 3

/* Read a whole file ("-": standard input) into a malloc'd NUL-terminated string (caller
 * frees), for a caller's process.json or resources file. At most CTR_READ_MAX bytes. */
#define CTR_READ_MAX (16u << 20)
int ctr_read_file(const char *path, char **out, struct ctr_error *err);

/* The time now as RFC 3339 in UTC ("2026-12-07T17:22:37Z"), with nanoseconds if nanos
 * ("2026-12-07T17:22:37.000000001Z"). */
void ctr_time_rfc3339(char *buf, size_t size, int nanos);

/* strtod for "[-]digits[.digits][(e|E)[+-]digits]" only, in any locale, correctly rounded
 * (ties to even); *end (if end) is where the number ends, s if there is none (then 0). */
double ctr_strtod(const char *s, char **end);

/* printf without floating point (flags "-0+ #", width, precision, lengths hh..ll z j t,
 * conversions d i u x X c s %), in any locale and without stdio: ctr_vformat hands the
 * output to put piece by piece and returns its length; the others are snprintf's. */
typedef void ctr_put_fn(void *ctx, const char *s, size_t len);
size_t ctr_vformat(ctr_put_fn *put, void *ctx, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int ctr_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int ctr_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* strtoll and strtoull in base 10 (the same rules: leading space, a sign, ERANGE). */
long long ctr_strtoll(const char *s, char **end);
unsigned long long ctr_strtoull(const char *s, char **end);

/* ---------- processes, reaping, threads, blocking: the contract ----------
 *
 * Children. The container's init (ctr_create's *pid_out) and every process started by
 * ctr_exec (*pid_out) are ordinary children of the caller (exit signal SIGCHLD): the
 * caller reaps them (waitpid, a SIGCHLD handler, signalfd; SIG_IGN auto-reaps them) and
 * gets their exit status, or hands the init to ctr_wait, which reaps it and records its
 * exit status in the state. Otherwise ctr never waits for them; ctr_state and
 * ctr_delete watch them through pidfds, and so can the caller (pidfd_out).
 * Everything else ctr forks is its own and it reaps it: hooks run under a keeper clone
 * with exit signal 0, which a waitpid(-1) without __WALL/__WCLONE never sees (the hook
 * itself is the keeper's child: a process that execs gets SIGCHLD back as its exit
 * signal). So a caller that reaps everything from SIGCHLD (waitpid(-1, WNOHANG) in a
 * handler, as an init system does) or ignores SIGCHLD does not take hooks away from
 * ctr. Do not wait with __WALL or __WCLONE for pid -1. One exception, forced by the
 * kernel: the init (and an exec'd process where ctr may not join the container's pid
 * namespace itself: rootless) is made with CLONE_PARENT by a short-lived helper (joining
 * the namespaces takes a process of its own), and inherits that helper's exit signal, so
 * the helper must be an ordinary child too. It exits as soon as its child exists; a
 * caller that reaps it meanwhile sees one unknown pid per ctr_create (and such
 * ctr_exec), which ctr tolerates (it holds a pidfd, so a reused pid is never hit).
 * ctr_exec joins the container's pid namespace for the calling thread's children
 * (setns) around its fork and is not dumpable meanwhile; both are undone before it
 * returns.
 *
 * Threads. ctr starts no threads and installs no signal handlers. Calls on different
 * containers may run in parallel threads; calls on one container are serialised by a
 * lock in its state dir (flock). ctr's children are made with libc's fork() or, where
 * a raw clone is needed (the hook keeper), run no code that takes a libc lock another
 * thread of the caller could hold.
 *
 * Blocking. ctr_create returns when the init waits for start: it runs the prestart,
 * createRuntime and createContainer hooks inside the call, each until it exits or
 * its timeout (none: unbounded). ctr_start returns when the user process has exec'd,
 * after the startContainer hooks (in the container) and then the poststart hooks.
 * ctr_exec returns when the process has exec'd. ctr_delete runs the poststop hooks;
 * with force it waits up to 10 s for the init to die. ctr_kill, ctr_state, ctr_list,
 * ctr_ps and the cgroup calls do not wait for processes; ctr_wait waits for the init
 * without a limit (poll create's pidfd first to bound it). Every call waits for the
 * container's state lock, held by a concurrent call on the same container. */

/* ---------- the sealed binary (call this first) ----------
 *
 * Every process ctr puts into a container (a created init, an exec'd process, the
 * helpers on their way in) is a fork of the calling program, running the caller's
 * binary until it execs. A hostile container can reach that binary through
 * /proc/PID/exe (CVE-2019-5736: a `#!/proc/self/exe` trap in its /bin/sh for the next
 * exec, or CAP_SYS_PTRACE and a created init) and rewrite it on the host. So a program
 * that calls ctr_create or ctr_exec must run from an image of itself no one can write:
 *
 *     int main(int argc, char **argv) {
 *             struct ctr_error err;
 *             if (ctr_reexec_sealed(argv, NULL, &err) < 0) { report err.msg; exit }
 *             ...
 *
 * It re-executes the program (execveat, same argv and envp; NULL: environ) from an image
 * no one can write, the first of:
 *   - none needed: the binary is on a filesystem without write support (squashfs, erofs,
 *     cramfs, iso9660: no remount makes them writable, unlike a read-only mount of a
 *     writable filesystem);
 *   - the binary opened through a private overlayfs of its directory (over /dev, as a
 *     lower-only overlay needs two layers) with no upper layer, so read-only whatever is
 *     remounted, and attached to no mount namespace: it goes with the last process
 *     running from it. Needs CAP_SYS_ADMIN, overlayfs and Linux 5.2 (fsopen);
 *   - a sealed memfd copy (F_SEAL_SEAL, SHRINK, GROW, WRITE; /proc/self/fd/N before
 *     Linux 3.19): its pages count against the caller's memory cgroup while the program
 *     or a created init runs from it.
 * In the re-executed program it finds such an image and returns 0 at once, so call it
 * before anything an exec would lose (threads, handlers, fds without O_CLOEXEC survive,
 * everything else does not). It returns only when already sealed (0) or on failure (-1:
 * no /proc, no memfd_create, an exec refused, e.g. vm.memfd_noexec=2). Cost for ctr
 * (~290 KB, x86-64): one more exec per start; the overlay takes a quarter less CPU than the
 * copy and about the same time (its unmount and teardown each wait for an RCU grace
 * period). ctr_create and ctr_exec fail with EPERM in a process that runs from anything
 * else (a writable binary); the other calls do not need it. */
int ctr_reexec_sealed(char **argv, char **envp, struct ctr_error *err);

/* ---------- bundle configuration ---------- */

/* Write a default config.json into bundle_dir (refuses to overwrite one).
 * rootless: a config for an unprivileged user (user namespace, no cgroup limits). */
int ctr_spec_write(const char *bundle_dir, int rootless, struct ctr_error *err);

/* Render the default config.json into a malloc'd string (caller frees). */
int ctr_spec_default(int rootless, char **json_out, struct ctr_error *err);

/* Validate bundle_dir/config.json and its rootfs without running anything.
 * Every problem found is passed to report(), and so are notes (a repeated key, a newer
 * ociVersion, an unknown capability), which do not count; returns the number of problems
 * (0 when clean), or -1 if the check itself could not run. ctr_create runs the same
 * validation of the config: what this refuses, create refuses, and the reverse. */
int ctr_check(const char *bundle_dir,
	      void (*report)(void *arg, const char *problem), void *arg,
	      struct ctr_error *err);

struct ctr_check_args {
	/* The architecture the rootfs's programs must be built for, named as in boards/:
	 * x86_64, i386, armhf, aarch64, mips, mipsel, riscv64. NULL: the one ctr was built
	 * for, or the 32-bit one its kernel usually runs too (i386 on x86_64, armhf on
	 * aarch64); "": do not compare. */
	const char *arch;
	/* Optional: on a clean check, one line saying what was checked ("ociVersion 1.3.0,
	 * 9 mounts, 7 namespaces, seccomp 54 rules, /bin/sh: ELF 64-bit ..."). */
	char *summary;
	size_t summary_size;
};

/* ctr_check with arguments (a may be NULL). Besides the config, it reads the ELF headers of
 * process.args[0] and of startContainer hooks in the rootfs: a missing interpreter
 * (PT_INTERP) or library (DT_NEEDED), or another architecture, is a problem. An unknown
 * a->arch fails with -1. */
int ctr_check_with(const char *bundle_dir, const struct ctr_check_args *a,
		   void (*report)(void *arg, const char *problem), void *arg,
		   struct ctr_error *err);

/* ---------- lifecycle ---------- */

struct ctr_create_args {
	/* bundle directory; NULL means the current directory. With config_json it only gives
	 * the base of a relative root.path (config.json in it is not read). */
	const char *bundle;
	/* The config as JSON text in memory (optional): used instead of bundle/config.json
	 * and kept as the container's config copy. config_json_len 0: strlen(config_json). */
	const char *config_json;
	size_t config_json_len;
	/* Optional: receives a pidfd of the init (O_CLOEXEC, pollable for its exit; the
	 * caller closes it), or -1 when the kernel has no pidfd_open (before Linux 5.3). */
	int *pidfd_out;
	const char *pid_file;       /* write the init's host PID here (optional) */
	const char *console_socket; /* AF_UNIX socket to send the pty master to (optional) */
	int no_pivot;               /* MS_MOVE + chroot instead of pivot_root */
	int no_new_keyring;         /* do not create a new session keyring */
	int preserve_fds;           /* pass fds 3 .. 3+N-1 to the container process */
	/* stdio for the container process: NULL inherits the caller's 0/1/2, else 3 fds. */
	const int *stdio;
	/* With process.terminal and no console_socket: receives the pty master (the caller
	 * relays and closes it). NULL with terminal and no socket is an error, as in runc. */
	int *pty_master;
};

/* Set the container up and leave its init waiting to exec the user process.
 * On success *pid_out (if not NULL) is the init's PID on the host. The init is a child
 * of the calling process. */
int ctr_create(const struct ctr_opts *o, const char *id, const struct ctr_create_args *a,
	       pid_t *pid_out, struct ctr_error *err);

/* Let a created container's init exec the user process. Runs the poststart hooks after
 * the exec; a ctr_start that is killed after the exec leaves a running container whose
 * poststart hooks did not run (as in runc), and a second ctr_start says it is running. */
int ctr_start(const struct ctr_opts *o, const char *id, struct ctr_error *err);

/* Flags of ctr_kill and ctr_delete; an unknown flag is an error (EINVAL). */
#define CTR_KILL_ALL 1u          /* signal every process in the container, not the init */
#define CTR_DELETE_FORCE 1u      /* kill a running container first */

/* Send signal sig to the init (CTR_KILL_ALL: every process in the container). Signal 0
 * only checks that the container is alive: an error ("container not running") if not. */
int ctr_kill(const struct ctr_opts *o, const char *id, int sig, unsigned flags,
	     struct ctr_error *err);

/* Remove a container. A running one is refused unless CTR_DELETE_FORCE, which kills it
 * first.
 * Only the container's own processes are killed: containers of the same root whose
 * cgroupsPath is below its own keep running. A container whose `ctr create` died half-way
 * ("creating") is removed with everything it made. Directories of the root that are not
 * containers (no state.json) are refused, never emptied. */
int ctr_delete(const struct ctr_opts *o, const char *id, unsigned flags,
	       struct ctr_error *err);

/* A container's state, as `ctr state` shows it. The status is read from the init itself
 * (alive? still the runtime's image, or exec'd?), so it stays true when a ctr process was
 * killed half-way. The state files are checked before use: a state.json that is not a
 * regular file, names another id, a config outside its directory, or a cgroup or pid that
 * is not the container's own gives an error, and nothing is signalled. */
struct ctr_state {
	char id[1024];
	enum ctr_status status;
	pid_t pid;                 /* 0 when stopped */
	char *bundle;              /* absolute path */
	char *rootfs;              /* absolute path */
	char created[64];          /* RFC 3339, UTC, nanoseconds */
	char *owner;               /* user name of the creator ("" if unknown) */
	char *annotations_json;    /* the config's annotations as a JSON object, or NULL */
	/* How a stopped init ended, when ctr_wait reaped it or the caller told
	 * (ctr_record_exit): its exit code, or 128 + the signal that killed it. -1 when
	 * unknown: not stopped, or reaped by the caller, who did not tell. */
	int exit_status;
};

/* Fill *st; its strings are malloc'd: the caller frees them with ctr_state_release. */
int ctr_state(const struct ctr_opts *o, const char *id, struct ctr_state *st, struct ctr_error *err);
void ctr_state_release(struct ctr_state *st);

/* Wait for the container's init to exit and reap it (it must be the caller's child, as
 * ctr_create makes it: else ECHILD), record how it ended in the state (ctr_state's
 * exit_status) and return that in *exit_status (exit code, or 128 + signal). Blocks
 * without a limit and without the container's lock: ctr_kill and the others work
 * meanwhile. Use it instead of waitpid for the init; an init already reaped by ctr_wait
 * returns the recorded status at once. */
int ctr_wait(const struct ctr_opts *o, const char *id, int *exit_status, struct ctr_error *err);

/* Record how the init of a stopped container ended, for a caller that reaped it itself
 * (waitpid, or ctr_relay_tty as `ctr run --keep` does): pid is that init, exit_status its
 * exit code or 128 + signal (0..255). ctr_state's exit_status shows it from then on. EBUSY
 * while that init is alive; nothing is recorded for a container whose init is another. */
int ctr_record_exit(const struct ctr_opts *o, const char *id, pid_t pid, int exit_status,
		    struct ctr_error *err);

/* Render a state as runc does: indent NULL for compact JSON, else the indent string
 * (*json_out is malloc'd: caller frees). */
int ctr_state_json(const struct ctr_state *st, const char *indent, char **json_out,
		   struct ctr_error *err);

/* All containers under the root, sorted by id (*states is malloc'd: the caller frees it
 * with ctr_list_release). */
int ctr_list(const struct ctr_opts *o, struct ctr_state **states, size_t *count,
	     struct ctr_error *err);
void ctr_list_release(struct ctr_state *states, size_t count);

/* runc's `list --format json`: one compact line, an array of states, "null" when count
 * is 0 (caller frees). */
int ctr_list_json(const struct ctr_state *states, size_t count, char **json_out,
		  struct ctr_error *err);

/* Check that a container id is valid: [A-Za-z0-9_+-][A-Za-z0-9_+.-]*, at most 255 bytes
 * (the id names the container's directory under the root: NAME_MAX). */
int ctr_id_valid(const char *id, struct ctr_error *err);

/* Parse a signal name ("KILL", "SIGKILL", "9", or "0" for the liveness probe). */
int ctr_signal_parse(const char *name, int *sig, struct ctr_error *err);

/* ---------- cgroups ---------- */

int ctr_pause(const struct ctr_opts *o, const char *id, struct ctr_error *err);
int ctr_resume(const struct ctr_opts *o, const char *id, struct ctr_error *err);

/* Apply new resources: resources_json is an OCI LinuxResources object. */
int ctr_update(const struct ctr_opts *o, const char *id, const char *resources_json,
	       struct ctr_error *err);

/* PIDs (host view) of every process in the container's cgroup. Caller frees *pids. */
int ctr_ps(const struct ctr_opts *o, const char *id, pid_t **pids, size_t *count,
	   struct ctr_error *err);

/* runc's `ps` table: runs ps(1) with ps_args (NULL-terminated; NULL or empty means "-ef",
 * stderr is the caller's) and keeps its header and the lines whose PID column is one of
 * the container's processes. *out is malloc'd text (caller frees). */
int ctr_ps_table(const struct ctr_opts *o, const char *id, const char *const *ps_args,
		 char **out, struct ctr_error *err);

/* runc's `ps --format json`: the host PIDs as a compact array, "[1234,1240]" (caller frees). */
int ctr_ps_json(const struct ctr_opts *o, const char *id, char **json_out, struct ctr_error *err);

/* New resource limits, member by member: only what is set (or non-NULL) changes. Sizes in
 * bytes (-1: unlimited), times in microseconds, as in the OCI LinuxResources object. */
struct ctr_i64 {
	int set;
	int64_t value;
};
struct ctr_resources {
	struct ctr_i64 memory_limit, memory_swap, memory_reservation;
	struct ctr_i64 kernel_memory, kernel_memory_tcp;   /* cgroup v1 only */
	struct ctr_i64 cpu_shares, cpu_quota, cpu_period, cpu_rt_period, cpu_rt_runtime;
	const char *cpuset_cpus, *cpuset_mems;             /* "0-3,5"; NULL: unchanged */
	struct ctr_i64 pids_limit, blkio_weight;
};

/* Apply r, as ctr_update does with the LinuxResources JSON ctr_resources_json writes
 * (compact, caller frees). */
int ctr_update_resources(const struct ctr_opts *o, const char *id,
			 const struct ctr_resources *r, struct ctr_error *err);
int ctr_resources_json(const struct ctr_resources *r, char **json_out, struct ctr_error *err);

/* One runc-style stats event ({"type":"stats","id":..,"data":{..}}) as compact JSON
 * (*json_out is malloc'd: caller frees). */
int ctr_stats_json(const struct ctr_opts *o, const char *id, char **json_out,
		   struct ctr_error *err);

/* A container's resource usage, read from its cgroup (v1 or v2). Times in nanoseconds,
 * sizes in bytes; a counter the host does not have reads 0. The arrays are malloc'd:
 * release them with ctr_stats_release. */
struct ctr_mem_entry {
	uint64_t limit, usage, max, failcnt;
};
struct ctr_blkio_entry {
	uint32_t major, minor;
	char op[16];                /* "Read", "Write", "Sync", "Async", "Total", ... */
	uint64_t value;
};
struct ctr_hugetlb_entry {
	char pagesize[16];          /* "2MB", "1GB", ... */
	uint64_t usage, max, failcnt;
};
struct ctr_stat_pair {
	char key[64];
	uint64_t value;
};
struct ctr_stats {
	struct {
		int have_usage, have_times;     /* what the host could tell */
		uint64_t total, kernel, user;
		uint64_t *percpu, *percpu_kernel, *percpu_user;
		size_t n_percpu, n_percpu_kernel, n_percpu_user;
		uint64_t periods, throttled_periods, throttled_time;
	} cpu;
	struct {
		int have, v2, have_oom_kill;
		uint64_t cache;
		struct ctr_mem_entry usage, swap, kernel, kernel_tcp; /* kernel*: cgroup v1 only */
		uint64_t oom_kill;              /* OOM kills in the container's cgroup */
		struct ctr_stat_pair *raw;      /* memory.stat as it is */
		size_t n_raw;
	} memory;
	struct {
		int have;
		uint64_t current, limit;        /* limit 0: none */
	} pids;
	struct {
		int have_bytes, have_ios;
		struct ctr_blkio_entry *bytes, *ios; /* io_service_bytes / io_serviced, recursive */
		size_t n_bytes, n_ios;
	} blkio;
	int have_hugetlb;
	struct ctr_hugetlb_entry *hugetlb;
	size_t n_hugetlb;
};

/* Fill *st (zeroed first) for container id. */
int ctr_stats(const struct ctr_opts *o, const char *id, struct ctr_stats *st,
	      struct ctr_error *err);
void ctr_stats_release(struct ctr_stats *st);

/* Watching a container for events, as `ctr events` does: ctr_watch_next waits up to
 * timeout_ms (-1: no limit) and returns CTR_WATCH_OOM when the kernel reported an OOM kill
 * in the container's cgroup (eventfd on v1, inotify on v2: no polling), CTR_WATCH_STOPPED
 * when the container's init is gone, CTR_WATCH_TIMEOUT otherwise, or -1 on error.
 * Close with ctr_watch_close. */
struct ctr_watch;
#define CTR_WATCH_TIMEOUT 0
#define CTR_WATCH_OOM 1
#define CTR_WATCH_STOPPED 2
int ctr_watch_open(const struct ctr_opts *o, const char *id, struct ctr_watch **w,
		   struct ctr_error *err);
int ctr_watch_next(struct ctr_watch *w, int timeout_ms, struct ctr_error *err);
void ctr_watch_close(struct ctr_watch *w);
/* The line `ctr events` prints for CTR_WATCH_OOM: {"type":"oom","id":ID} (caller frees). */
int ctr_oom_event_json(const char *id, char **json_out, struct ctr_error *err);

/* ---------- exec ---------- */

struct ctr_exec_args {
	const char *process_json;   /* an OCI process object (JSON text), or NULL to use args */
	const char *const *args;    /* NULL-terminated argv when process_json is NULL */
	const char *const *env;     /* extra KEY=VALUE entries (NULL-terminated, optional) */
	const char *cwd;            /* override the cwd (optional) */
	const char *user;           /* "UID[:GID]" (optional) */
	const char *additional_gids;/* "G1,G2" (optional) */
	const char *const *caps;    /* extra capabilities (NULL-terminated, optional) */
	int tty;                    /* allocate a pseudo-terminal */
	int no_new_privs;
	const char *apparmor;
	const char *process_label;
	const char *pid_file;
	const char *console_socket;
	int preserve_fds;
	const int *stdio;           /* NULL: inherit the caller's 0/1/2, else 3 fds */
	int *pty_master;            /* with tty and no console_socket: receives the pty master */
	/* Optional: receives a pidfd of the process (O_CLOEXEC; the caller closes it), or -1
	 * when the kernel has no pidfd_open. */
	int *pidfd_out;
	/* Exec into a paused container too: the process is set up outside the container's
	 * cgroup, then moved into it and stays frozen until ctr_resume. ctr_exec returns
	 * once it is there (before its exec). Without it a paused container is refused. */
	int ignore_paused;
	/* Run the process in an existing sub-cgroup of the container's (runc's --cgroup):
	 * NULL-terminated, each "SUB" (every hierarchy; the only form on cgroup v2, and then
	 * alone) or "CTL[,CTL...]:SUB" (cgroup v1, one per controller set). NULL: none. */
	const char *const *cgroups;
};

/* Start a process inside a running container; it is a child of the caller, who reaps it
 * (ctr_wait is for inits only). */
int ctr_exec(const struct ctr_opts *o, const char *id, const struct ctr_exec_args *a,
	     pid_t *pid_out, struct ctr_error *err);

/* ---------- checkpoint and restore (CRIU) ---------- */

/* Checkpoint and restore run the criu binary (3.11 or newer), found on PATH unless
 * criu_path says where; without it they fail with "criu not found". */
struct ctr_checkpoint_args {
	const char *criu_path;      /* criu binary; NULL: "criu" on PATH */
	const char *image_path;     /* images go here (made if missing); NULL: ./checkpoint */
	const char *work_path;      /* criu's log and work files; NULL: image_path */
	const char *parent_path;    /* images of a previous pre-dump, relative to image_path */
	const char *page_server;    /* "ADDRESS:PORT" of a criu page server (optional) */
	const char *manage_cgroups_mode; /* soft (NULL), full, strict or ignore */
	const char *empty_ns;       /* "network": do not dump the network namespace */
	int leave_running;          /* the container keeps running after the dump */
	int pre_dump;               /* only the memory, the container keeps running */
	int tcp_established, ext_unix_sk, shell_job, lazy_pages, file_locks, auto_dedup;
};

/* Dump a running (or paused) container's process tree into image_path with criu. Without
 * leave_running or pre_dump the container is gone afterwards (deleted, as runc does);
 * a created or stopped container is an error. */
int ctr_checkpoint(const struct ctr_opts *o, const char *id, const struct ctr_checkpoint_args *a,
		   struct ctr_error *err);

struct ctr_restore_args {
	const char *criu_path;      /* criu binary; NULL: "criu" on PATH */
	const char *image_path;     /* a checkpoint's images; NULL: ./checkpoint */
	const char *work_path;      /* criu's log and work files; NULL: image_path */
	const char *bundle;         /* bundle directory; NULL means the current directory */
	const char *pid_file;       /* write the restored init's host PID here (optional) */
	/* The checkpoint had a terminal: the new pty's master goes to this socket. */
	const char *console_socket;
	const char *manage_cgroups_mode; /* soft (NULL), full, strict or ignore */
	const char *empty_ns;       /* "network": restore into an empty network namespace */
	int tcp_established, ext_unix_sk, shell_job, lazy_pages, file_locks, auto_dedup;
};

/* Restore a checkpoint as a new container id (refused if id exists) from the bundle: the
 * restored init runs at once (status running) and is a child of the caller, which reaps
 * it. fds 0-2 of the caller replace the pipes the init had at checkpoint time. On
 * success *pid_out (optional) is its host PID; a failed restore leaves nothing behind. */
int ctr_restore(const struct ctr_opts *o, const char *id, const struct ctr_restore_args *a,
		pid_t *pid_out, struct ctr_error *err);
/* ---------- terminal relay ---------- */

/* Wait for a process and relay its terminal, as `ctr run` and `ctr exec` do in the
 * foreground: the user's terminal (in_fd, when a tty) in raw mode meanwhile, in_fd ->
 * master -> out_fd, the user's window size on the pty at start and on SIGWINCH; at the end
 * the rest of the pty's output, the terminal restored, *exit_code the process's exit status
 * (128+N after signal N).
 * Signals: the library installs no handler. The caller blocks every signal it wants taken
 * here (at least SIGCHLD; ctr blocks all) before it creates the process, so none is lost,
 * in every thread; the call reads the blocked ones from a signalfd and leaves the mask as
 * it is: SIGCHLD reaps pid (with CTR_RELAY_REAP_ANY every child of the caller: a
 * subreaper that runs one container), SIGWINCH resizes, SIGPIPE is dropped, every other
 * is sent to pid. SIGCHLDs of other children are consumed too: a caller with other
 * children checks on them itself afterwards. Blocks until pid ends. */
struct ctr_relay_args {
	pid_t pid;                  /* a child of the caller (ctr_create's init, ctr_exec's) */
	int master;                 /* its pty master (pty_master of create/exec), or -1 */
	int in_fd, out_fd;          /* the user's side, usually 0 and 1 */
	int flags;                  /* CTR_RELAY_* */
};
#define CTR_RELAY_REAP_ANY 1
int ctr_relay_tty(const struct ctr_relay_args *r, int *exit_code, struct ctr_error *err);

/* The OCI features document (runtime-spec features.md) as indented JSON (caller frees). */
int ctr_features_json(char **json_out, struct ctr_error *err);

#ifdef __cplusplus
}
#endif
#endif /* CTR_H */
