
/* ======================================================================
 * cgroup
 * ====================================================================== */

/* The container's cgroup on a v1, v2 or hybrid host, or none at all (a host without
 * cgroups and a config that asks for no resources). */
struct cgroup;

/* Create the cgroup (linux.cgroupsPath, or a default path from the id) and apply
 * linux.resources. A host without cgroups gives a "none" cgroup when nothing is asked. */
static int cgroup_create(const struct spec *s, const char *id, struct cgroup **out,
			 struct ctr_error *err);
/* Move pid into the cgroup (every hierarchy). */
static int cgroup_enter(const struct cgroup *cg, pid_t pid, struct ctr_error *err);
/* Remove the cgroup, killing what is still in it first when kill_remaining; frees cg. */
static int cgroup_destroy(struct cgroup *cg, bool kill_remaining, struct ctr_error *err);
static void cgroup_free(struct cgroup *cg);
/* Persist in state.json (one JSON value) and read it back. */
static void cgroup_state_write(const struct cgroup *cg, struct jw *w);
static int cgroup_state_read(const char *json_text, struct cgroup **out, struct ctr_error *err);
static int cgroup_freeze(const struct cgroup *cg, bool frozen, struct ctr_error *err);
static int cgroup_is_frozen(const struct cgroup *cg, bool *frozen, struct ctr_error *err);
static int cgroup_pids(const struct cgroup *cg, pid_t **pids, size_t *count, struct ctr_error *err);
static int cgroup_kill_all(const struct cgroup *cg, int sig, struct ctr_error *err);
static int cgroup_update(struct cgroup *cg, const struct spec_resources *r, struct ctr_error *err);
/* The "data" object of a runc stats event. */
static int cgroup_stats(const struct cgroup *cg, struct jw *w, struct ctr_error *err);
/* A directory fd of the cgroup v2 leaf for clone3(CLONE_INTO_CGROUP), or -1. */
static int cgroup_v2_fd(const struct cgroup *cg);
