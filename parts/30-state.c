
/* ======================================================================
 * state
 * ====================================================================== */

/* One directory per container under the root: <root>/<id>/state.json (written atomically
 * under an flock on <root>/<id>), plus whatever files the lifecycle keeps there. */

struct state {
	char *id, *bundle, *rootfs, *owner;
	char created[64];            /* RFC 3339 UTC with nanoseconds */
	pid_t pid;                   /* init's host PID; 0 if none */
	unsigned long long pid_start;/* init's start time (field 22 of /proc/PID/stat): a
	                                reused PID is not mistaken for the init */
	char *annotations_json;      /* the config's annotations object, or NULL */
	char *cgroup_json;           /* the cgroup section's own record (cgroup_state_write) */
	char *config_path;           /* copy of config.json kept in the state dir (for exec) */
};

#define STATE_CREATE 1               /* make the directory; fail if the container exists */
#define STATE_SHARED 2               /* shared lock instead of exclusive */

struct state_handle {
	int root_fd, dir_fd;         /* -1 when closed */
	char *id;
};

/* Open (or with STATE_CREATE create) the container's state dir and lock it. A missing
 * container gives errnum ENOENT and a message containing "does not exist" (podman
 * matches on that). */
static int state_open(const char *root, const char *id, int flags, struct state_handle *h,
		      struct ctr_error *err);
static void state_close(struct state_handle *h);
static int state_load(struct state_handle *h, struct state *st, struct ctr_error *err);
static int state_save(struct state_handle *h, const struct state *st, struct ctr_error *err);
static void state_free(struct state *st);
/* Remove the whole state dir (the handle stays valid only for state_close). */
static int state_remove(struct state_handle *h, struct ctr_error *err);
/* The start time of pid (0 if it does not exist). */
static unsigned long long pid_start_time(pid_t pid);
/* True if pid is alive and is still the process that had start time `start`. */
static bool pid_alive(pid_t pid, unsigned long long start);
