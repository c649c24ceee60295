
/* ======================================================================
 * spec: the OCI runtime-spec config model (config.json, 1.0.x - 1.3.x)
 * ====================================================================== */

/* Optional scalars: `set` tells whether the field was present. */
struct opt_i64 { bool set; int64_t v; };
struct opt_u64 { bool set; uint64_t v; };
struct opt_u32 { bool set; uint32_t v; };
struct opt_bool { bool set; bool v; };

/* All strings and arrays below are owned by the struct spec (or struct spec_process
 * document) they come from; string arrays are also NULL-terminated. */

struct spec_kv { const char *key, *value; };

struct spec_idmap { uint32_t container_id, host_id, size; };

struct spec_mount {
	const char *destination;
	const char *source;          /* NULL if absent */
	const char *type;            /* NULL if absent */
	const char **options; size_t n_options;
	struct spec_idmap *uid_mappings; size_t n_uid_mappings;
	struct spec_idmap *gid_mappings; size_t n_gid_mappings;
};

struct spec_rlimit { int resource; /* RLIMIT_* */ const char *type; uint64_t hard, soft; };

/* Capability sets as bitmasks of CAP_* numbers; `set` says the list was present. */
struct spec_capset { bool set; uint64_t mask; };
struct spec_caps { struct spec_capset bounding, effective, inheritable, permitted, ambient; };

struct spec_user {
	uint32_t uid, gid;
	struct opt_u32 umask;
	uint32_t *additional_gids; size_t n_additional_gids;
	const char *username;        /* Windows only; kept for completeness */
};

struct spec_scheduler {
	bool set;
	int policy;                  /* SCHED_* */
	int32_t nice, priority;
	uint64_t flags;              /* SCHED_FLAG_* bits */
	uint64_t runtime, deadline, period;
};

struct spec_process {
	bool terminal;
	struct opt_u32 console_height, console_width;
	struct spec_user user;
	const char **args; size_t n_args;
	const char *command_line;    /* Windows only; ignored on Linux */
	const char **env; size_t n_env;
	const char *cwd;
	bool has_caps;
	struct spec_caps caps;
	struct spec_rlimit *rlimits; size_t n_rlimits;
	bool no_new_privileges;
	const char *apparmor_profile;
	struct opt_i64 oom_score_adj;
	const char *selinux_label;
	bool has_io_priority;
	int io_priority_class;       /* IOPRIO_CLASS_RT/BE/IDLE */
	int io_priority;
	struct spec_scheduler scheduler;
	const char *exec_cpu_affinity_initial, *exec_cpu_affinity_final;
};

enum spec_hook_kind {
	HOOK_PRESTART, HOOK_CREATE_RUNTIME, HOOK_CREATE_CONTAINER,
	HOOK_START_CONTAINER, HOOK_POSTSTART, HOOK_POSTSTOP, HOOK_KIND_COUNT
};

struct spec_hook {
	const char *path;
	const char **args; size_t n_args;
	const char **env; size_t n_env;
	struct opt_i64 timeout;      /* seconds, > 0 */
};

struct spec_namespace { int type; /* CLONE_NEW* */ const char *path; /* NULL: create */ };

struct spec_time_offset { int clock; /* CLOCK_MONOTONIC / CLOCK_BOOTTIME */ int64_t secs; uint32_t nanosecs; };

struct spec_device {
	char type;                   /* 'c', 'u', 'b', 'p' */
	const char *path;
	int64_t major, minor;
	struct opt_u32 file_mode, uid, gid;
};

struct spec_net_device { const char *host_name; const char *name; /* NULL: keep name */ };

/* linux.resources.devices entry: type 'a' means all. */
struct spec_device_rule {
	bool allow;
	char type;                   /* 'a', 'c', 'b' */
	struct opt_i64 major, minor; /* unset means wildcard */
	const char *access;          /* subset of "rwm"; NULL means "rwm" */
};

struct spec_memory {
	struct opt_i64 limit, reservation, swap, kernel, kernel_tcp;
	struct opt_u64 swappiness;
	struct opt_bool disable_oom_killer, use_hierarchy, check_before_update;
};

struct spec_cpu {
	struct opt_u64 shares, period, realtime_period, burst;
	struct opt_i64 quota, realtime_runtime, idle;
	const char *cpus, *mems;
};

struct spec_weight_device { int64_t major, minor; struct opt_u32 weight, leaf_weight; };
struct spec_throttle_device { int64_t major, minor; uint64_t rate; };

struct spec_blkio {
	struct opt_u32 weight, leaf_weight;
	struct spec_weight_device *weight_devices; size_t n_weight_devices;
	struct spec_throttle_device *throttle_read_bps; size_t n_throttle_read_bps;
	struct spec_throttle_device *throttle_write_bps; size_t n_throttle_write_bps;
	struct spec_throttle_device *throttle_read_iops; size_t n_throttle_read_iops;
	struct spec_throttle_device *throttle_write_iops; size_t n_throttle_write_iops;
};

struct spec_hugepage { const char *page_size; uint64_t limit; };
struct spec_net_prio { const char *name; uint32_t priority; };
struct spec_rdma { const char *device; struct opt_u32 hca_handles, hca_objects; };

struct spec_resources {
	struct spec_device_rule *devices; size_t n_devices;
	bool has_memory; struct spec_memory memory;
	bool has_cpu; struct spec_cpu cpu;
	bool has_pids; struct opt_i64 pids_limit;
	bool has_blkio; struct spec_blkio blkio;
	struct spec_hugepage *hugepages; size_t n_hugepages;
	bool has_network; struct opt_u32 net_class_id;
	struct spec_net_prio *net_priorities; size_t n_net_priorities;
	struct spec_rdma *rdma; size_t n_rdma;
	struct spec_kv *unified; size_t n_unified;
};

/* Seccomp actions and operators, our own numbering (the BPF return values are made
 * by the seccomp section). */
enum sc_action {
	SC_ACT_KILL_THREAD, SC_ACT_KILL_PROCESS, SC_ACT_TRAP, SC_ACT_ERRNO,
	SC_ACT_TRACE, SC_ACT_ALLOW, SC_ACT_LOG, SC_ACT_NOTIFY
};
enum sc_op { SC_OP_NE, SC_OP_LT, SC_OP_LE, SC_OP_EQ, SC_OP_GE, SC_OP_GT, SC_OP_MASKED_EQ };

struct spec_seccomp_arg { uint32_t index; uint64_t value, value_two; enum sc_op op; };

struct spec_seccomp_rule {
	const char **names; size_t n_names;
	enum sc_action action;
	struct opt_u32 errno_ret;    /* ERRNO/TRACE value; unset: EPERM for ERRNO */
	struct spec_seccomp_arg *args; size_t n_args;
};

struct spec_seccomp {
	enum sc_action default_action;
	struct opt_u32 default_errno_ret;
	const char **architectures; size_t n_architectures; /* "SCMP_ARCH_X86_64", ... */
	const char **flags; size_t n_flags;                  /* "SECCOMP_FILTER_FLAG_LOG", ... */
	const char *listener_path;
	const char *listener_metadata;
	struct spec_seccomp_rule *syscalls; size_t n_syscalls;
};

struct spec_linux {
	struct spec_namespace *namespaces; size_t n_namespaces;
	struct spec_idmap *uid_mappings; size_t n_uid_mappings;
	struct spec_idmap *gid_mappings; size_t n_gid_mappings;
	struct spec_time_offset *time_offsets; size_t n_time_offsets;
	struct spec_device *devices; size_t n_devices;
	struct spec_net_device *net_devices; size_t n_net_devices;
	const char *cgroups_path;
	bool has_resources; struct spec_resources resources;
	struct spec_kv *sysctl; size_t n_sysctl;
	struct spec_seccomp *seccomp;            /* NULL when absent */
	const char *rootfs_propagation;
	const char **masked_paths; size_t n_masked_paths;
	const char **readonly_paths; size_t n_readonly_paths;
	const char *mount_label;
	bool has_personality; const char *personality_domain;
	const char **personality_flags; size_t n_personality_flags;
	bool has_memory_policy; const char *memory_policy_mode, *memory_policy_nodes;
	const char **memory_policy_flags; size_t n_memory_policy_flags;
	bool has_intel_rdt; const char *intel_rdt_clos_id, *intel_rdt_l3_cache_schema,
		*intel_rdt_mem_bw_schema;
};

struct spec {
	const char *oci_version;
	const char *root_path;       /* as written (relative to the bundle or absolute) */
	bool root_readonly;
	struct spec_mount *mounts; size_t n_mounts;
	bool has_process; struct spec_process process;
	const char *hostname, *domainname;
	struct spec_hook *hooks[HOOK_KIND_COUNT]; size_t n_hooks[HOOK_KIND_COUNT];
	struct spec_kv *annotations; size_t n_annotations;
	bool has_linux; struct spec_linux lx;
	void *priv;                  /* the parser's storage (document, arena) */
};

/* Parse config.json text. source names it in errors. Errors name the JSON path and
 * position: "config.json: linux.resources.memory.limit: expected integer at 12:27". */
static int spec_parse(const char *text, size_t len, const char *source, struct spec **out,
		      struct ctr_error *err);
/* Read and parse <bundle>/config.json. */
static int spec_load(const char *bundle, struct spec **out, struct ctr_error *err);
static void spec_free(struct spec *s);
