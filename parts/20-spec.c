
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

/* Parse a standalone OCI process object (`exec -p process.json`) or LinuxResources
 * object (`update -r resources.json`). v stays owned by the caller's document, which
 * must outlive the result; source names the input in errors ("process.json: args:
 * expected array at 1:9"). *priv receives the parser's storage: release it with
 * spec_priv_free() (also on failure). */
static int spec_parse_process(const struct json *v, const char *source, struct spec_process *p,
			      void **priv, struct ctr_error *err);
static int spec_parse_resources(const struct json *v, const char *source, struct spec_resources *r,
				void **priv, struct ctr_error *err);
static void spec_priv_free(void *priv);

/* Capabilities: "CAP_CHOWN" for 0 ... NULL past the last known one (CAP_LAST_CAP). */
static const char *spec_cap_name(int cap);
/* "CAP_NET_ADMIN", "NET_ADMIN", "net_admin" -> 12; -1 if unknown. */
static int spec_cap_from_name(const char *name);

/* ---- spec: name tables ----
 * Names are kept as NUL-separated lists ("a\0b\0"): a name's position is its value
 * (or an index into a value table), which is smaller than arrays of pointers. */

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static int spec_tab_find(const char *tab, const char *name)
{
	for (int i = 0; *tab; i++, tab += strlen(tab) + 1)
		if (strcmp(tab, name) == 0)
			return i;
	return -1;
}

static const char *spec_tab_at(const char *tab, int i)
{
	for (; i >= 0 && *tab; tab += strlen(tab) + 1)
		if (i-- == 0)
			return tab;
	return NULL;
}

static const char spec_caps_tab[] =
	"CAP_CHOWN\0CAP_DAC_OVERRIDE\0CAP_DAC_READ_SEARCH\0CAP_FOWNER\0CAP_FSETID\0CAP_KILL\0"
	"CAP_SETGID\0CAP_SETUID\0CAP_SETPCAP\0CAP_LINUX_IMMUTABLE\0CAP_NET_BIND_SERVICE\0"
	"CAP_NET_BROADCAST\0CAP_NET_ADMIN\0CAP_NET_RAW\0CAP_IPC_LOCK\0CAP_IPC_OWNER\0"
	"CAP_SYS_MODULE\0CAP_SYS_RAWIO\0CAP_SYS_CHROOT\0CAP_SYS_PTRACE\0CAP_SYS_PACCT\0"
	"CAP_SYS_ADMIN\0CAP_SYS_BOOT\0CAP_SYS_NICE\0CAP_SYS_RESOURCE\0CAP_SYS_TIME\0"
	"CAP_SYS_TTY_CONFIG\0CAP_MKNOD\0CAP_LEASE\0CAP_AUDIT_WRITE\0CAP_AUDIT_CONTROL\0"
	"CAP_SETFCAP\0CAP_MAC_OVERRIDE\0CAP_MAC_ADMIN\0CAP_SYSLOG\0CAP_WAKE_ALARM\0"
	"CAP_BLOCK_SUSPEND\0CAP_AUDIT_READ\0CAP_PERFMON\0CAP_BPF\0CAP_CHECKPOINT_RESTORE\0";

static const char *spec_cap_name(int cap)
{
	return spec_tab_at(spec_caps_tab, cap);
}

static int spec_cap_from_name(const char *name)
{
	const char *t = spec_caps_tab;
	for (int i = 0; *t; i++, t += strlen(t) + 1)
		if (strcasecmp(t, name) == 0 || strcasecmp(t + 4, name) == 0)
			return i;
	return -1;
}

/* RLIMIT_ numbers differ between architectures (mips, sparc, alpha): map by macro. */
static const char spec_rlimit_tab[] =
	"RLIMIT_CPU\0RLIMIT_FSIZE\0RLIMIT_DATA\0RLIMIT_STACK\0RLIMIT_CORE\0RLIMIT_RSS\0"
	"RLIMIT_NPROC\0RLIMIT_NOFILE\0RLIMIT_MEMLOCK\0RLIMIT_AS\0RLIMIT_LOCKS\0"
	"RLIMIT_SIGPENDING\0RLIMIT_MSGQUEUE\0RLIMIT_NICE\0RLIMIT_RTPRIO\0RLIMIT_RTTIME\0";
static const unsigned char spec_rlimit_num[] = {
	RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_CORE, RLIMIT_RSS,
	RLIMIT_NPROC, RLIMIT_NOFILE, RLIMIT_MEMLOCK, RLIMIT_AS, RLIMIT_LOCKS,
	RLIMIT_SIGPENDING, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_RTPRIO, RLIMIT_RTTIME,
};

static const char spec_ns_tab[] = "pid\0network\0mount\0ipc\0uts\0user\0cgroup\0time\0";
static const int spec_ns_flag[] = {
	CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWUSER,
	CLONE_NEWCGROUP, CLONE_NEWTIME,
};

/* Index = SCHED_* policy number. */
static const char spec_sched_tab[] = "SCHED_OTHER\0SCHED_FIFO\0SCHED_RR\0SCHED_BATCH\0SCHED_ISO\0"
				     "SCHED_IDLE\0SCHED_DEADLINE\0";
/* Index = bit number of SCHED_FLAG_*. */
static const char spec_sched_flag_tab[] =
	"SCHED_FLAG_RESET_ON_FORK\0SCHED_FLAG_RECLAIM\0SCHED_FLAG_DL_OVERRUN\0"
	"SCHED_FLAG_KEEP_POLICY\0SCHED_FLAG_KEEP_PARAMS\0SCHED_FLAG_UTIL_CLAMP_MIN\0"
	"SCHED_FLAG_UTIL_CLAMP_MAX\0";
/* Index + 1 = IOPRIO_CLASS_* number. */
static const char spec_ioprio_tab[] = "IOPRIO_CLASS_RT\0IOPRIO_CLASS_BE\0IOPRIO_CLASS_IDLE\0";
/* Index = enum sc_action; the last, SCMP_ACT_KILL, is KILL_THREAD. */
static const char spec_sc_act_tab[] =
	"SCMP_ACT_KILL_THREAD\0SCMP_ACT_KILL_PROCESS\0SCMP_ACT_TRAP\0SCMP_ACT_ERRNO\0"
	"SCMP_ACT_TRACE\0SCMP_ACT_ALLOW\0SCMP_ACT_LOG\0SCMP_ACT_NOTIFY\0SCMP_ACT_KILL\0";
/* Index = enum sc_op. */
static const char spec_sc_op_tab[] = "SCMP_CMP_NE\0SCMP_CMP_LT\0SCMP_CMP_LE\0SCMP_CMP_EQ\0"
				     "SCMP_CMP_GE\0SCMP_CMP_GT\0SCMP_CMP_MASKED_EQ\0";
static const char spec_propagation_tab[] = "private\0rprivate\0shared\0rshared\0slave\0rslave\0"
					   "unbindable\0runbindable\0";
static const char spec_mpol_tab[] = "MPOL_DEFAULT\0MPOL_BIND\0MPOL_INTERLEAVE\0"
				    "MPOL_WEIGHTED_INTERLEAVE\0MPOL_PREFERRED\0"
				    "MPOL_PREFERRED_MANY\0MPOL_LOCAL\0";
static const char spec_mpol_flag_tab[] = "MPOL_F_NUMA_BALANCING\0MPOL_F_RELATIVE_NODES\0"
					 "MPOL_F_STATIC_NODES\0";
static const char spec_hook_tab[] = "prestart\0createRuntime\0createContainer\0startContainer\0"
				    "poststart\0poststop\0";

/* ---- spec: parser ---- */

struct spec_blk {
	struct spec_blk *next;
	max_align_t data[];
};

/* Parse notes: problems that are not errors (unknown capabilities), for `check`. */
struct spec_note {
	struct spec_note *next;
	char text[];
};

struct spec_priv {
	struct json_doc *doc;
	struct spec_blk *blocks;
	struct spec_note *notes;     /* newest first */
};

struct sp {
	const char *src;
	struct spec_priv *pv;
	struct ctr_error *err;
	size_t plen;
	char path[512];              /* JSON path of the value being parsed */
};

static void spec_priv_free(void *priv)
{
	struct spec_priv *pv = priv;
	if (!pv)
		return;
	for (struct spec_blk *b = pv->blocks, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	for (struct spec_note *n = pv->notes, *next; n; n = next) {
		next = n->next;
		free(n);
	}
	json_free(pv->doc);
	free(pv);
}

static void spec_free(struct spec *s)
{
	if (s) {
		spec_priv_free(s->priv);
		free(s);
	}
}

static void *sp_alloc(struct sp *p, size_t n, size_t size)
{
	struct spec_blk *b = NULL;
	if (!size || n <= (SIZE_MAX - sizeof(*b)) / size)
		b = calloc(1, sizeof(*b) + n * size);
	if (!b) {
		err_nomem(p->err);
		return NULL;
	}
	b->next = p->pv->blocks;
	p->pv->blocks = b;
	return b->data;
}

/* Append ".key" (or "[idx]" when key is NULL) to the path; returns the old length. */
static size_t sp_push(struct sp *p, const char *key, size_t idx)
{
	size_t old = p->plen, room = sizeof(p->path) - old;
	int n = key ? snprintf(p->path + old, room, old ? ".%s" : "%s", key)
		    : snprintf(p->path + old, room, "[%zu]", idx);
	if (n > 0)
		p->plen += (size_t)n < room ? (size_t)n : room - 1;
	return old;
}

static void sp_pop(struct sp *p, size_t old)
{
	p->plen = old;
	p->path[old] = 0;
}

/* "<source>: <path>: <what> at <line>:<col>"; returns -1. */
PRINTF_LIKE(3, 4)
static int sp_fail(struct sp *p, const struct json *v, const char *fmt, ...)
{
	char what[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return err_set(p->err, 0, "%s: %s%s%s at %u:%u", p->src, p->path, p->plen ? ": " : "",
		       what, v->line, v->col);
}

static int sp_missing(struct sp *p, const struct json *obj, const char *key)
{
	sp_push(p, key, 0);
	return sp_fail(p, obj, "missing (required)");
}

PRINTF_LIKE(2, 3)
static int sp_note(struct sp *p, const char *fmt, ...)
{
	char text[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	size_t n = strlen(text) + 1;
	struct spec_note *note = malloc(sizeof(*note) + n);
	if (!note)
		return err_nomem(p->err);
	memcpy(note->text, text, n);
	note->next = p->pv->notes;
	p->pv->notes = note;
	return 0;
}

/* A member, with JSON null treated as absent (as Go's decoder does). */
static const struct json *sp_get(const struct json *obj, const char *key)
{
	const struct json *v = json_get(obj, key);
	return v && v->type != JSON_NULL ? v : NULL;
}

static bool sp_is(struct sp *p, const struct json *v, enum json_type t)
{
	static const char names[] = "null\0boolean\0integer\0string\0array\0object\0";
	if (v->type == t)
		return true;
	sp_fail(p, v, "expected %s", spec_tab_at(names, (int)t));
	return false;
}

/* An integer in [lo, hi] (hi above INT64_MAX admits the uint64 range); *out gets its
 * two's complement bits. */
static int sp_int(struct sp *p, const struct json *v, int64_t lo, uint64_t hi, uint64_t *out)
{
	if (!sp_is(p, v, JSON_NUMBER))
		return -1;
	if (v->numkind == JSON_NUM_DOUBLE && v->d > -9.2e18 && v->d < 1.8e19)
		return sp_fail(p, v, "expected integer");
	if (v->numkind == JSON_NUM_DOUBLE) /* an integer beyond 64 bits */
		return sp_fail(p, v, "out of range %" PRId64 "..%" PRIu64, lo, hi);
	bool neg = v->numkind == JSON_NUM_INT && v->i < 0;
	if (neg ? v->i < lo : v->u > hi)
		return sp_fail(p, v, "%s%" PRIu64 " out of range %" PRId64 "..%" PRIu64,
			       neg ? "-" : "", neg ? -(uint64_t)v->i : v->u, lo, hi);
	*out = neg ? (uint64_t)v->i : v->u;
	return 0;
}

static int sp_str(struct sp *p, const struct json *v, const char **out)
{
	if (!sp_is(p, v, JSON_STRING))
		return -1;
	if (strlen(v->s) != v->slen)
		return sp_fail(p, v, "string contains a NUL byte");
	*out = v->s;
	return 0;
}

/* Look a string up in a name table: its index, or an error naming the value. */
static int sp_enum(struct sp *p, const struct json *v, const char *tab, int *out)
{
	const char *s = NULL;
	if (sp_str(p, v, &s) < 0)
		return -1;
	if ((*out = spec_tab_find(tab, s)) < 0)
		return sp_fail(p, v, "unsupported value \"%s\"", s);
	return 0;
}

/* A required member that names a value of tab. */
static int sp_enum_key(struct sp *p, const struct json *obj, const char *key, const char *tab,
		       int *out)
{
	const struct json *v = sp_get(obj, key);
	if (!v)
		return sp_missing(p, obj, key);
	size_t old = sp_push(p, key, 0);
	if (sp_enum(p, v, tab, out) < 0)
		return -1;
	sp_pop(p, old);
	return 0;
}

typedef int (*sp_fn)(struct sp *p, const struct json *v, void *out);

/* Fields described by a table: scalars, strings and string arrays. */
enum {
	SPF_STR, SPF_STRV, SPF_BOOL, SPF_OBOOL, SPF_I32, SPF_U32, SPF_I64, SPF_U64, SPF_INT,
	SPF_OU16, SPF_OU32, SPF_OU64, SPF_OI32, SPF_OI64, SPF_OMEM,
	SPF_REQ = 0x80,
};
struct sp_field {
	const char *key;
	unsigned char kind;
	unsigned short off;
};
#define FLD(type, key, kind, member) {key, kind, offsetof(type, member)}
/* SPF_STRV relies on every string array's count following its pointer. */
_Static_assert(offsetof(struct spec_mount, n_options) ==
	       offsetof(struct spec_mount, options) + sizeof(char **), "strv layout");

static int sp_str_item(struct sp *p, const struct json *v, void *out)
{
	return sp_str(p, v, out);
}

static int sp_list_v(struct sp *p, const struct json *v, bool map, size_t size, sp_fn fn,
		     void *outp, size_t *n);

static int sp_fields(struct sp *p, const struct json *obj, const struct sp_field *f, size_t nf,
		     void *base)
{
	/* Ranges of the integer kinds, from SPF_I32 on. */
	static const struct { int64_t lo; uint64_t hi; } range[] = {
		{INT32_MIN, INT32_MAX}, {0, UINT32_MAX}, {INT64_MIN, INT64_MAX}, {0, UINT64_MAX},
		{INT_MIN, INT_MAX}, {0, UINT16_MAX}, {0, UINT32_MAX}, {0, UINT64_MAX},
		{INT32_MIN, INT32_MAX}, {INT64_MIN, INT64_MAX}, {INT64_MIN, UINT64_MAX},
	};
	if (!sp_is(p, obj, JSON_OBJECT))
		return -1;
	for (; nf--; f++) {
		const struct json *v = sp_get(obj, f->key);
		int kind = f->kind & ~SPF_REQ;
		if (!v) {
			if (f->kind & SPF_REQ)
				return sp_missing(p, obj, f->key);
			continue;
		}
		size_t old = sp_push(p, f->key, 0);
		char *at = (char *)base + f->off;
		uint64_t u = 0;
		if (kind == SPF_STR) {
			if (sp_str(p, v, (const char **)at) < 0)
				return -1;
		} else if (kind == SPF_STRV) {
			if (sp_list_v(p, v, false, sizeof(char *), sp_str_item, at,
				      (size_t *)(at + sizeof(char **))) < 0)
				return -1;
		} else if (kind <= SPF_OBOOL) {
			if (!sp_is(p, v, JSON_BOOL))
				return -1;
			if (kind == SPF_BOOL)
				*(bool *)at = v->b;
			else
				*(struct opt_bool *)at = (struct opt_bool){true, v->b};
		} else {
			if (sp_int(p, v, range[kind - SPF_I32].lo, range[kind - SPF_I32].hi, &u) < 0)
				return -1;
			/* memory: 2^64-1, which some tools write for "unlimited", reads as -1 */
			if (kind == SPF_OMEM && v->numkind == JSON_NUM_UINT && u != UINT64_MAX)
				return sp_fail(p, v, "%" PRIu64 " out of range %" PRId64 "..%" PRId64,
					       u, INT64_MIN, INT64_MAX);
			switch (kind) {
			case SPF_I32: *(int32_t *)at = (int32_t)u; break;
			case SPF_U32: *(uint32_t *)at = (uint32_t)u; break;
			case SPF_I64: *(int64_t *)at = (int64_t)u; break;
			case SPF_U64: *(uint64_t *)at = u; break;
			case SPF_INT: *(int *)at = (int)u; break;
			case SPF_OU64: *(struct opt_u64 *)at = (struct opt_u64){true, u}; break;
			case SPF_OU16:
			case SPF_OU32: *(struct opt_u32 *)at = (struct opt_u32){true, (uint32_t)u}; break;
			default: *(struct opt_i64 *)at = (struct opt_i64){true, (int64_t)u}; break;
			}
		}
		sp_pop(p, old);
	}
	return 0;
}
#define SP_FIELDS(p, obj, tab, base) sp_fields(p, obj, tab, ARRAY_LEN(tab), base)

/* An array (or, with map, an object whose members are the items) parsed item by item
 * into a new array of n elements of size bytes (plus a zeroed one: string arrays end
 * with NULL); stored through outp (a pointer to the struct's array pointer). */
static int sp_list_v(struct sp *p, const struct json *v, bool map, size_t size, sp_fn fn,
		     void *outp, size_t *n)
{
	if (!sp_is(p, v, map ? JSON_OBJECT : JSON_ARRAY))
		return -1;
	char *a = sp_alloc(p, v->n + 1, size);
	if (!a)
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		size_t old = map ? sp_push(p, v->items[i].key, 0) : sp_push(p, NULL, i);
		if (fn(p, &v->items[i], a + i * size) < 0)
			return -1;
		sp_pop(p, old);
	}
	memcpy(outp, &a, sizeof(a));
	*n = v->n;
	return 0;
}

/* Member key of obj, if present, parsed by fn (with the path extended). Returns 1 if
 * present, 0 if absent, -1 on error. */
static int sp_sub(struct sp *p, const struct json *obj, const char *key, sp_fn fn, void *out)
{
	const struct json *v = sp_get(obj, key);
	if (!v)
		return 0;
	size_t old = sp_push(p, key, 0);
	if (fn(p, v, out) < 0)
		return -1;
	sp_pop(p, old);
	return 1;
}

/* Member key of obj, if present, as a list (see sp_list_v). */
static int sp_list(struct sp *p, const struct json *obj, const char *key, bool map, size_t size,
		   sp_fn fn, void *outp, size_t *n)
{
	const struct json *v = sp_get(obj, key);
	if (!v)
		return 0;
	size_t old = sp_push(p, key, 0);
	if (sp_list_v(p, v, map, size, fn, outp, n) < 0)
		return -1;
	sp_pop(p, old);
	return 0;
}

/* The error for member key of obj (which must be present). */
PRINTF_LIKE(4, 5)
static int sp_fail_key(struct sp *p, const struct json *obj, const char *key, const char *fmt, ...)
{
	char what[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	sp_push(p, key, 0);
	return sp_fail(p, json_get(obj, key), "%s", what);
}

static int sp_abs_path(struct sp *p, const struct json *obj, const char *key, const char *s)
{
	if (s && s[0] != '/')
		return sp_fail_key(p, obj, key, "\"%s\" is not an absolute path", s);
	return 0;
}

static int sp_kv(struct sp *p, const struct json *v, void *out)
{
	struct spec_kv *kv = out;
	kv->key = v->key;
	return sp_str(p, v, &kv->value);
}

static int sp_u32_item(struct sp *p, const struct json *v, void *out)
{
	uint64_t u;
	if (sp_int(p, v, 0, UINT32_MAX, &u) < 0)
		return -1;
	*(uint32_t *)out = (uint32_t)u;
	return 0;
}

static int sp_idmap(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_idmap, "containerID", SPF_U32 | SPF_REQ, container_id),
		FLD(struct spec_idmap, "hostID", SPF_U32 | SPF_REQ, host_id),
		FLD(struct spec_idmap, "size", SPF_U32 | SPF_REQ, size),
	};
	return SP_FIELDS(p, v, f, out);
}

/* uidMappings and gidMappings of an object (linux or a mount). */
static int sp_idmaps(struct sp *p, const struct json *v, struct spec_idmap **uid, size_t *n_uid,
		     struct spec_idmap **gid, size_t *n_gid)
{
	if (sp_list(p, v, "uidMappings", false, sizeof(**uid), sp_idmap, uid, n_uid) < 0 ||
	    sp_list(p, v, "gidMappings", false, sizeof(**gid), sp_idmap, gid, n_gid) < 0)
		return -1;
	return 0;
}

static int sp_mount(struct sp *p, const struct json *v, void *out)
{
	struct spec_mount *m = out;
	static const struct sp_field f[] = {
		FLD(struct spec_mount, "destination", SPF_STR | SPF_REQ, destination),
		FLD(struct spec_mount, "source", SPF_STR, source),
		FLD(struct spec_mount, "type", SPF_STR, type),
		FLD(struct spec_mount, "options", SPF_STRV, options),
	};
	if (SP_FIELDS(p, v, f, m) < 0)
		return -1;
	return sp_idmaps(p, v, &m->uid_mappings, &m->n_uid_mappings, &m->gid_mappings,
			 &m->n_gid_mappings);
}

static int sp_console(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_process, "height", SPF_OU32 | SPF_REQ, console_height),
		FLD(struct spec_process, "width", SPF_OU32 | SPF_REQ, console_width),
	};
	return SP_FIELDS(p, v, f, out);
}

static int sp_user(struct sp *p, const struct json *v, void *out)
{
	struct spec_user *u = out;
	static const struct sp_field f[] = {
		FLD(struct spec_user, "uid", SPF_U32 | SPF_REQ, uid),
		FLD(struct spec_user, "gid", SPF_U32 | SPF_REQ, gid),
		FLD(struct spec_user, "umask", SPF_OU32, umask),
		FLD(struct spec_user, "username", SPF_STR, username),
	};
	if (SP_FIELDS(p, v, f, u) < 0)
		return -1;
	return sp_list(p, v, "additionalGids", false, sizeof(uint32_t), sp_u32_item,
		       &u->additional_gids, &u->n_additional_gids);
}

static int sp_caps(struct sp *p, const struct json *v, void *out)
{
	static const char names[] = "bounding\0effective\0inheritable\0permitted\0ambient\0";
	static const unsigned char offs[] = {
		offsetof(struct spec_caps, bounding), offsetof(struct spec_caps, effective),
		offsetof(struct spec_caps, inheritable), offsetof(struct spec_caps, permitted),
		offsetof(struct spec_caps, ambient),
	};
	if (!sp_is(p, v, JSON_OBJECT))
		return -1;
	for (int k = 0; k < 5; k++) {
		const char *key = spec_tab_at(names, k);
		const struct json *a = sp_get(v, key);
		if (!a)
			continue;
		struct spec_capset *set = (struct spec_capset *)((char *)out + offs[k]);
		size_t old = sp_push(p, key, 0);
		if (!sp_is(p, a, JSON_ARRAY))
			return -1;
		set->set = true;
		for (size_t i = 0; i < a->n; i++) {
			const char *name = NULL;
			size_t o2 = sp_push(p, NULL, i);
			if (sp_str(p, &a->items[i], &name) < 0)
				return -1;
			int cap = spec_tab_find(spec_caps_tab, name);
			if (cap >= 0)
				set->mask |= 1ull << cap;
			else if (sp_note(p, "%s: unknown capability \"%s\" (ignored)", p->path,
					 name) < 0)
				return -1;
			sp_pop(p, o2);
		}
		sp_pop(p, old);
	}
	return 0;
}

static int sp_rlimit(struct sp *p, const struct json *v, void *out)
{
	struct spec_rlimit *r = out;
	static const struct sp_field f[] = {
		FLD(struct spec_rlimit, "type", SPF_STR | SPF_REQ, type),
		FLD(struct spec_rlimit, "hard", SPF_U64 | SPF_REQ, hard),
		FLD(struct spec_rlimit, "soft", SPF_U64 | SPF_REQ, soft),
	};
	int i;
	if (SP_FIELDS(p, v, f, r) < 0)
		return -1;
	if ((i = spec_tab_find(spec_rlimit_tab, r->type)) < 0)
		return sp_fail_key(p, v, "type", "unsupported value \"%s\"", r->type);
	r->resource = spec_rlimit_num[i];
	return 0;
}

static int sp_ioprio(struct sp *p, const struct json *v, void *out)
{
	struct spec_process *pr = out;
	static const struct sp_field f[] = {
		FLD(struct spec_process, "priority", SPF_INT, io_priority),
	};
	if (SP_FIELDS(p, v, f, pr) < 0 ||
	    sp_enum_key(p, v, "class", spec_ioprio_tab, &pr->io_priority_class) < 0)
		return -1;
	pr->io_priority_class++;
	pr->has_io_priority = true;
	return 0;
}

/* Each string of an array must be in tab; the bits of their indexes go to *mask. */
static int sp_enum_list(struct sp *p, const struct json *obj, const char *key, const char *tab,
			uint64_t *mask)
{
	const char **names = NULL;
	size_t n = 0;
	if (sp_list(p, obj, key, false, sizeof(char *), sp_str_item, &names, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int bit = spec_tab_find(tab, names[i]);
		if (bit < 0) {
			size_t old = sp_push(p, key, 0);
			sp_push(p, NULL, i);
			sp_fail(p, &json_get(obj, key)->items[i], "unsupported value \"%s\"", names[i]);
			sp_pop(p, old);
			return -1;
		}
		*mask |= 1ull << bit;
	}
	return 0;
}

static int sp_sched(struct sp *p, const struct json *v, void *out)
{
	struct spec_scheduler *s = out;
	static const struct sp_field f[] = {
		FLD(struct spec_scheduler, "nice", SPF_I32, nice),
		FLD(struct spec_scheduler, "priority", SPF_I32, priority),
		FLD(struct spec_scheduler, "runtime", SPF_U64, runtime),
		FLD(struct spec_scheduler, "deadline", SPF_U64, deadline),
		FLD(struct spec_scheduler, "period", SPF_U64, period),
	};
	if (SP_FIELDS(p, v, f, s) < 0 ||
	    sp_enum_list(p, v, "flags", spec_sched_flag_tab, &s->flags) < 0 ||
	    sp_enum_key(p, v, "policy", spec_sched_tab, &s->policy) < 0)
		return -1;
	s->set = true;
	return 0;
}

static int sp_cpu_affinity(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_process, "initial", SPF_STR, exec_cpu_affinity_initial),
		FLD(struct spec_process, "final", SPF_STR, exec_cpu_affinity_final),
	};
	return SP_FIELDS(p, v, f, out);
}

static int sp_process(struct sp *p, const struct json *v, void *out)
{
	struct spec_process *pr = out;
	static const struct sp_field f[] = {
		FLD(struct spec_process, "terminal", SPF_BOOL, terminal),
		FLD(struct spec_process, "args", SPF_STRV | SPF_REQ, args),
		FLD(struct spec_process, "commandLine", SPF_STR, command_line),
		FLD(struct spec_process, "env", SPF_STRV, env),
		FLD(struct spec_process, "cwd", SPF_STR | SPF_REQ, cwd),
		FLD(struct spec_process, "noNewPrivileges", SPF_BOOL, no_new_privileges),
		FLD(struct spec_process, "apparmorProfile", SPF_STR, apparmor_profile),
		FLD(struct spec_process, "oomScoreAdj", SPF_OI32, oom_score_adj),
		FLD(struct spec_process, "selinuxLabel", SPF_STR, selinux_label),
	};
	int rc;
	if (SP_FIELDS(p, v, f, pr) < 0)
		return -1;
	if (pr->n_args == 0)
		return sp_fail_key(p, v, "args", "must not be empty");
	if (sp_abs_path(p, v, "cwd", pr->cwd) < 0)
		return -1;
	/* user is REQUIRED by the spec, but runc and crun default it to 0:0 */
	if (sp_sub(p, v, "user", sp_user, &pr->user) < 0 ||
	    sp_sub(p, v, "consoleSize", sp_console, pr) < 0 ||
	    (rc = sp_sub(p, v, "capabilities", sp_caps, &pr->caps)) < 0 ||
	    sp_list(p, v, "rlimits", false, sizeof(*pr->rlimits), sp_rlimit, &pr->rlimits,
		    &pr->n_rlimits) < 0 ||
	    sp_sub(p, v, "ioPriority", sp_ioprio, pr) < 0 ||
	    sp_sub(p, v, "scheduler", sp_sched, &pr->scheduler) < 0 ||
	    sp_sub(p, v, "execCPUAffinity", sp_cpu_affinity, pr) < 0)
		return -1;
	pr->has_caps = rc > 0;
	for (size_t i = 0; i < pr->n_rlimits; i++)
		for (size_t j = 0; j < i; j++)
			if (pr->rlimits[i].resource == pr->rlimits[j].resource) {
				sp_push(p, "rlimits", 0);
				sp_push(p, NULL, i);
				return sp_fail(p, &json_get(v, "rlimits")->items[i],
					       "duplicate rlimit \"%s\"", pr->rlimits[i].type);
			}
	return 0;
}

static int sp_hook(struct sp *p, const struct json *v, void *out)
{
	struct spec_hook *h = out;
	static const struct sp_field f[] = {
		FLD(struct spec_hook, "path", SPF_STR | SPF_REQ, path),
		FLD(struct spec_hook, "args", SPF_STRV, args),
		FLD(struct spec_hook, "env", SPF_STRV, env),
		FLD(struct spec_hook, "timeout", SPF_OI64, timeout),
	};
	if (SP_FIELDS(p, v, f, h) < 0 || sp_abs_path(p, v, "path", h->path) < 0)
		return -1;
	if (h->timeout.set && h->timeout.v <= 0)
		return sp_fail_key(p, v, "timeout", "must be greater than zero");
	return 0;
}

static int sp_hooks(struct sp *p, const struct json *v, void *out)
{
	struct spec *s = out;
	if (!sp_is(p, v, JSON_OBJECT))
		return -1;
	for (int k = 0; k < HOOK_KIND_COUNT; k++)
		if (sp_list(p, v, spec_tab_at(spec_hook_tab, k), false, sizeof(struct spec_hook),
			    sp_hook, &s->hooks[k], &s->n_hooks[k]) < 0)
			return -1;
	return 0;
}

static int sp_namespace(struct sp *p, const struct json *v, void *out)
{
	struct spec_namespace *ns = out;
	static const struct sp_field f[] = {
		FLD(struct spec_namespace, "path", SPF_STR, path),
	};
	if (SP_FIELDS(p, v, f, ns) < 0 || sp_enum_key(p, v, "type", spec_ns_tab, &ns->type) < 0)
		return -1;
	ns->type = spec_ns_flag[ns->type];
	return 0;
}

static int sp_time_offset(struct sp *p, const struct json *v, void *out)
{
	struct spec_time_offset *t = out;
	static const struct sp_field f[] = {
		FLD(struct spec_time_offset, "secs", SPF_I64, secs),
		FLD(struct spec_time_offset, "nanosecs", SPF_U32, nanosecs),
	};
	if (strcmp(v->key, "monotonic") && strcmp(v->key, "boottime"))
		return sp_fail(p, v, "unsupported clock (want monotonic or boottime)");
	t->clock = v->key[0] == 'm' ? CLOCK_MONOTONIC : CLOCK_BOOTTIME;
	if (SP_FIELDS(p, v, f, t) < 0)
		return -1;
	if (t->nanosecs >= 1000000000)
		return sp_fail_key(p, v, "nanosecs", "must be less than 1000000000");
	return 0;
}

/* A device type: one of the characters of allowed. */
static int sp_dev_type(struct sp *p, const struct json *obj, const char *allowed, char *out)
{
	const struct json *v = sp_get(obj, "type");
	const char *s = NULL;
	if (!v)
		return 1;
	size_t old = sp_push(p, "type", 0);
	if (sp_str(p, v, &s) < 0)
		return -1;
	if (strlen(s) != 1 || !strchr(allowed, s[0]))
		return sp_fail(p, v, "unsupported device type \"%s\"", s);
	sp_pop(p, old);
	*out = s[0];
	return 0;
}

static int sp_device(struct sp *p, const struct json *v, void *out)
{
	struct spec_device *d = out;
	static const struct sp_field f[] = {
		FLD(struct spec_device, "path", SPF_STR | SPF_REQ, path),
		FLD(struct spec_device, "major", SPF_I64, major),
		FLD(struct spec_device, "minor", SPF_I64, minor),
		FLD(struct spec_device, "fileMode", SPF_OU32, file_mode),
		FLD(struct spec_device, "uid", SPF_OU32, uid),
		FLD(struct spec_device, "gid", SPF_OU32, gid),
	};
	int rc;
	if (SP_FIELDS(p, v, f, d) < 0 || (rc = sp_dev_type(p, v, "cubp", &d->type)) < 0)
		return -1;
	if (rc)
		return sp_missing(p, v, "type");
	if (d->type != 'p' && !sp_get(v, "major"))
		return sp_missing(p, v, "major");
	if (d->type != 'p' && !sp_get(v, "minor"))
		return sp_missing(p, v, "minor");
	return 0;
}

static int sp_net_device(struct sp *p, const struct json *v, void *out)
{
	struct spec_net_device *d = out;
	static const struct sp_field f[] = {
		FLD(struct spec_net_device, "name", SPF_STR, name),
	};
	d->host_name = v->key;
	return SP_FIELDS(p, v, f, d);
}

static int sp_dev_rule(struct sp *p, const struct json *v, void *out)
{
	struct spec_device_rule *d = out;
	static const struct sp_field f[] = {
		FLD(struct spec_device_rule, "allow", SPF_BOOL | SPF_REQ, allow),
		FLD(struct spec_device_rule, "major", SPF_OI64, major),
		FLD(struct spec_device_rule, "minor", SPF_OI64, minor),
		FLD(struct spec_device_rule, "access", SPF_STR, access),
	};
	d->type = 'a';
	if (SP_FIELDS(p, v, f, d) < 0 || sp_dev_type(p, v, "abc", &d->type) < 0)
		return -1;
	if (d->access && (!d->access[0] || d->access[strspn(d->access, "rwm")]))
		return sp_fail_key(p, v, "access", "\"%s\" is not a combination of r, w, m", d->access);
	return 0;
}

static int sp_memory(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_memory, "limit", SPF_OMEM, limit),
		FLD(struct spec_memory, "reservation", SPF_OMEM, reservation),
		FLD(struct spec_memory, "swap", SPF_OMEM, swap),
		FLD(struct spec_memory, "kernel", SPF_OMEM, kernel),
		FLD(struct spec_memory, "kernelTCP", SPF_OMEM, kernel_tcp),
		FLD(struct spec_memory, "swappiness", SPF_OU64, swappiness),
		FLD(struct spec_memory, "disableOOMKiller", SPF_OBOOL, disable_oom_killer),
		FLD(struct spec_memory, "useHierarchy", SPF_OBOOL, use_hierarchy),
		FLD(struct spec_memory, "checkBeforeUpdate", SPF_OBOOL, check_before_update),
	};
	return SP_FIELDS(p, v, f, out);
}

static int sp_cpu(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_cpu, "shares", SPF_OU64, shares),
		FLD(struct spec_cpu, "quota", SPF_OI64, quota),
		FLD(struct spec_cpu, "burst", SPF_OU64, burst),
		FLD(struct spec_cpu, "period", SPF_OU64, period),
		FLD(struct spec_cpu, "realtimeRuntime", SPF_OI64, realtime_runtime),
		FLD(struct spec_cpu, "realtimePeriod", SPF_OU64, realtime_period),
		FLD(struct spec_cpu, "cpus", SPF_STR, cpus),
		FLD(struct spec_cpu, "mems", SPF_STR, mems),
		FLD(struct spec_cpu, "idle", SPF_OI64, idle),
	};
	return SP_FIELDS(p, v, f, out);
}

static int sp_pids(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_resources, "limit", SPF_OI64, pids_limit),
	};
	return SP_FIELDS(p, v, f, out);
}

static int sp_weight_dev(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_weight_device, "major", SPF_I64 | SPF_REQ, major),
		FLD(struct spec_weight_device, "minor", SPF_I64 | SPF_REQ, minor),
		FLD(struct spec_weight_device, "weight", SPF_OU16, weight),
		FLD(struct spec_weight_device, "leafWeight", SPF_OU16, leaf_weight),
	};
	return SP_FIELDS(p, v, f, out);
}

static int sp_throttle_dev(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_throttle_device, "major", SPF_I64 | SPF_REQ, major),
		FLD(struct spec_throttle_device, "minor", SPF_I64 | SPF_REQ, minor),
		FLD(struct spec_throttle_device, "rate", SPF_U64 | SPF_REQ, rate),
	};
	return SP_FIELDS(p, v, f, out);
}

static int sp_blkio(struct sp *p, const struct json *v, void *out)
{
	struct spec_blkio *b = out;
	static const struct sp_field f[] = {
		FLD(struct spec_blkio, "weight", SPF_OU16, weight),
		FLD(struct spec_blkio, "leafWeight", SPF_OU16, leaf_weight),
	};
	static const char throttle_keys[] = "throttleReadBpsDevice\0throttleWriteBpsDevice\0"
					    "throttleReadIOPSDevice\0throttleWriteIOPSDevice\0";
	struct { struct spec_throttle_device **a; size_t *n; } t[] = {
		{&b->throttle_read_bps, &b->n_throttle_read_bps},
		{&b->throttle_write_bps, &b->n_throttle_write_bps},
		{&b->throttle_read_iops, &b->n_throttle_read_iops},
		{&b->throttle_write_iops, &b->n_throttle_write_iops},
	};
	if (SP_FIELDS(p, v, f, b) < 0 ||
	    sp_list(p, v, "weightDevice", false, sizeof(*b->weight_devices), sp_weight_dev,
		    &b->weight_devices, &b->n_weight_devices) < 0)
		return -1;
	for (int k = 0; k < 4; k++)
		if (sp_list(p, v, spec_tab_at(throttle_keys, k), false, sizeof(**t[k].a),
			    sp_throttle_dev, t[k].a, t[k].n) < 0)
			return -1;
	return 0;
}

static int sp_hugepage(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_hugepage, "pageSize", SPF_STR | SPF_REQ, page_size),
		FLD(struct spec_hugepage, "limit", SPF_U64 | SPF_REQ, limit),
	};
	return SP_FIELDS(p, v, f, out);
}

static int sp_net_prio(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_net_prio, "name", SPF_STR | SPF_REQ, name),
		FLD(struct spec_net_prio, "priority", SPF_U32 | SPF_REQ, priority),
	};
	return SP_FIELDS(p, v, f, out);
}

static int sp_network(struct sp *p, const struct json *v, void *out)
{
	struct spec_resources *r = out;
	static const struct sp_field f[] = {
		FLD(struct spec_resources, "classID", SPF_OU32, net_class_id),
	};
	if (SP_FIELDS(p, v, f, r) < 0)
		return -1;
	return sp_list(p, v, "priorities", false, sizeof(*r->net_priorities), sp_net_prio,
		       &r->net_priorities, &r->n_net_priorities);
}

static int sp_rdma(struct sp *p, const struct json *v, void *out)
{
	struct spec_rdma *r = out;
	static const struct sp_field f[] = {
		FLD(struct spec_rdma, "hcaHandles", SPF_OU32, hca_handles),
		FLD(struct spec_rdma, "hcaObjects", SPF_OU32, hca_objects),
	};
	r->device = v->key;
	return SP_FIELDS(p, v, f, r);
}

static int sp_resources(struct sp *p, const struct json *v, void *out)
{
	struct spec_resources *r = out;
	int mem, cpu, pids, blkio, net;
	if (!sp_is(p, v, JSON_OBJECT) ||
	    sp_list(p, v, "devices", false, sizeof(*r->devices), sp_dev_rule, &r->devices,
		    &r->n_devices) < 0 ||
	    (mem = sp_sub(p, v, "memory", sp_memory, &r->memory)) < 0 ||
	    (cpu = sp_sub(p, v, "cpu", sp_cpu, &r->cpu)) < 0 ||
	    (pids = sp_sub(p, v, "pids", sp_pids, r)) < 0 ||
	    (blkio = sp_sub(p, v, "blockIO", sp_blkio, &r->blkio)) < 0 ||
	    sp_list(p, v, "hugepageLimits", false, sizeof(*r->hugepages), sp_hugepage,
		    &r->hugepages, &r->n_hugepages) < 0 ||
	    (net = sp_sub(p, v, "network", sp_network, r)) < 0 ||
	    sp_list(p, v, "rdma", true, sizeof(*r->rdma), sp_rdma, &r->rdma, &r->n_rdma) < 0 ||
	    sp_list(p, v, "unified", true, sizeof(*r->unified), sp_kv, &r->unified,
		    &r->n_unified) < 0)
		return -1;
	r->has_memory = mem;
	r->has_cpu = cpu;
	r->has_pids = pids;
	r->has_blkio = blkio;
	r->has_network = net;
	return 0;
}

static int sp_sc_action(struct sp *p, const struct json *obj, const char *key,
			enum sc_action *out)
{
	int i;
	if (sp_enum_key(p, obj, key, spec_sc_act_tab, &i) < 0)
		return -1;
	*out = i == 8 ? SC_ACT_KILL_THREAD : (enum sc_action)i;
	return 0;
}

static int sp_sc_arg(struct sp *p, const struct json *v, void *out)
{
	struct spec_seccomp_arg *a = out;
	static const struct sp_field f[] = {
		FLD(struct spec_seccomp_arg, "index", SPF_U32 | SPF_REQ, index),
		FLD(struct spec_seccomp_arg, "value", SPF_U64 | SPF_REQ, value),
		FLD(struct spec_seccomp_arg, "valueTwo", SPF_U64, value_two),
	};
	int op;
	if (SP_FIELDS(p, v, f, a) < 0)
		return -1;
	if (a->index > 5)
		return sp_fail_key(p, v, "index", "%u out of range 0..5", a->index);
	if (sp_enum_key(p, v, "op", spec_sc_op_tab, &op) < 0)
		return -1;
	a->op = (enum sc_op)op;
	return 0;
}

static int sp_sc_rule(struct sp *p, const struct json *v, void *out)
{
	struct spec_seccomp_rule *r = out;
	static const struct sp_field f[] = {
		FLD(struct spec_seccomp_rule, "names", SPF_STRV | SPF_REQ, names),
		FLD(struct spec_seccomp_rule, "errnoRet", SPF_OU32, errno_ret),
	};
	if (SP_FIELDS(p, v, f, r) < 0 || sp_sc_action(p, v, "action", &r->action) < 0)
		return -1;
	return sp_list(p, v, "args", false, sizeof(*r->args), sp_sc_arg, &r->args, &r->n_args);
}

static int sp_seccomp(struct sp *p, const struct json *v, void *out)
{
	struct spec_seccomp *sc = sp_alloc(p, 1, sizeof(*sc));
	static const struct sp_field f[] = {
		FLD(struct spec_seccomp, "defaultErrnoRet", SPF_OU32, default_errno_ret),
		FLD(struct spec_seccomp, "architectures", SPF_STRV, architectures),
		FLD(struct spec_seccomp, "flags", SPF_STRV, flags),
		FLD(struct spec_seccomp, "listenerPath", SPF_STR, listener_path),
		FLD(struct spec_seccomp, "listenerMetadata", SPF_STR, listener_metadata),
	};
	if (!sc || SP_FIELDS(p, v, f, sc) < 0 ||
	    sp_sc_action(p, v, "defaultAction", &sc->default_action) < 0 ||
	    sp_list(p, v, "syscalls", false, sizeof(*sc->syscalls), sp_sc_rule, &sc->syscalls,
		    &sc->n_syscalls) < 0)
		return -1;
	*(struct spec_seccomp **)out = sc;
	return 0;
}

/* A string member that must be one of tab's names (kept as the string). */
static int sp_str_enum(struct sp *p, const struct json *obj, const char *key, const char *tab,
		       const char *s)
{
	if (s && spec_tab_find(tab, s) < 0)
		return sp_fail_key(p, obj, key, "unsupported value \"%s\"", s);
	return 0;
}

static int sp_personality(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_linux, "domain", SPF_STR | SPF_REQ, personality_domain),
		FLD(struct spec_linux, "flags", SPF_STRV, personality_flags),
	};
	struct spec_linux *lx = out;
	if (SP_FIELDS(p, v, f, lx) < 0)
		return -1;
	lx->has_personality = true;
	return sp_str_enum(p, v, "domain", "LINUX\0LINUX32\0", lx->personality_domain);
}

static int sp_mempolicy(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_linux, "mode", SPF_STR | SPF_REQ, memory_policy_mode),
		FLD(struct spec_linux, "nodes", SPF_STR, memory_policy_nodes),
	};
	struct spec_linux *lx = out;
	uint64_t flags = 0;
	if (SP_FIELDS(p, v, f, lx) < 0 ||
	    sp_str_enum(p, v, "mode", spec_mpol_tab, lx->memory_policy_mode) < 0 ||
	    sp_enum_list(p, v, "flags", spec_mpol_flag_tab, &flags) < 0)
		return -1;
	lx->has_memory_policy = true;
	/* checked above; now keep them as strings */
	return sp_list(p, v, "flags", false, sizeof(char *), sp_str_item,
		       &lx->memory_policy_flags, &lx->n_memory_policy_flags);
}

static int sp_intel_rdt(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec_linux, "closID", SPF_STR, intel_rdt_clos_id),
		FLD(struct spec_linux, "l3CacheSchema", SPF_STR, intel_rdt_l3_cache_schema),
		FLD(struct spec_linux, "memBwSchema", SPF_STR, intel_rdt_mem_bw_schema),
	};
	((struct spec_linux *)out)->has_intel_rdt = true;
	return SP_FIELDS(p, v, f, out);
}

static int sp_linux(struct sp *p, const struct json *v, void *out)
{
	struct spec_linux *lx = out;
	static const struct sp_field f[] = {
		FLD(struct spec_linux, "cgroupsPath", SPF_STR, cgroups_path),
		FLD(struct spec_linux, "rootfsPropagation", SPF_STR, rootfs_propagation),
		FLD(struct spec_linux, "maskedPaths", SPF_STRV, masked_paths),
		FLD(struct spec_linux, "readonlyPaths", SPF_STRV, readonly_paths),
		FLD(struct spec_linux, "mountLabel", SPF_STR, mount_label),
	};
	int res;
	if (SP_FIELDS(p, v, f, lx) < 0 ||
	    sp_str_enum(p, v, "rootfsPropagation", spec_propagation_tab, lx->rootfs_propagation) < 0 ||
	    sp_list(p, v, "namespaces", false, sizeof(*lx->namespaces), sp_namespace,
		    &lx->namespaces, &lx->n_namespaces) < 0 ||
	    sp_idmaps(p, v, &lx->uid_mappings, &lx->n_uid_mappings, &lx->gid_mappings,
		      &lx->n_gid_mappings) < 0 ||
	    sp_list(p, v, "timeOffsets", true, sizeof(*lx->time_offsets), sp_time_offset,
		    &lx->time_offsets, &lx->n_time_offsets) < 0 ||
	    sp_list(p, v, "devices", false, sizeof(*lx->devices), sp_device, &lx->devices,
		    &lx->n_devices) < 0 ||
	    sp_list(p, v, "netDevices", true, sizeof(*lx->net_devices), sp_net_device,
		    &lx->net_devices, &lx->n_net_devices) < 0 ||
	    (res = sp_sub(p, v, "resources", sp_resources, &lx->resources)) < 0 ||
	    sp_list(p, v, "sysctl", true, sizeof(*lx->sysctl), sp_kv, &lx->sysctl,
		    &lx->n_sysctl) < 0 ||
	    sp_sub(p, v, "seccomp", sp_seccomp, &lx->seccomp) < 0 ||
	    sp_sub(p, v, "personality", sp_personality, lx) < 0 ||
	    sp_sub(p, v, "memoryPolicy", sp_mempolicy, lx) < 0 ||
	    sp_sub(p, v, "intelRdt", sp_intel_rdt, lx) < 0)
		return -1;
	lx->has_resources = res;
	for (size_t i = 0; i < lx->n_namespaces; i++)
		for (size_t j = 0; j < i; j++)
			if (lx->namespaces[i].type == lx->namespaces[j].type) {
				const struct json *t =
					json_get(&json_get(v, "namespaces")->items[i], "type");
				sp_push(p, "namespaces", 0);
				sp_push(p, NULL, i);
				sp_push(p, "type", 0);
				return sp_fail(p, t, "duplicate namespace \"%s\"", t->s);
			}
	return 0;
}

static int sp_root(struct sp *p, const struct json *v, void *out)
{
	static const struct sp_field f[] = {
		FLD(struct spec, "path", SPF_STR | SPF_REQ, root_path),
		FLD(struct spec, "readonly", SPF_BOOL, root_readonly),
	};
	return SP_FIELDS(p, v, f, out);
}

static int sp_config(struct sp *p, const struct json *v, struct spec *s)
{
	static const struct sp_field f[] = {
		FLD(struct spec, "ociVersion", SPF_STR | SPF_REQ, oci_version),
		FLD(struct spec, "hostname", SPF_STR, hostname),
		FLD(struct spec, "domainname", SPF_STR, domainname),
	};
	int proc, lx;
	if (SP_FIELDS(p, v, f, s) < 0)
		return -1;
	const char *ver = s->oci_version;
	if (ver[0] != '1' || ver[1] != '.' || !isdigit((unsigned char)ver[2]))
		return sp_fail_key(p, v, "ociVersion", "unsupported version \"%s\" (want 1.x)", ver);
	if (!sp_get(v, "root"))
		return sp_missing(p, v, "root");
	if (sp_sub(p, v, "root", sp_root, s) < 0 ||
	    sp_list(p, v, "mounts", false, sizeof(*s->mounts), sp_mount, &s->mounts, &s->n_mounts) < 0 ||
	    (proc = sp_sub(p, v, "process", sp_process, &s->process)) < 0 ||
	    sp_sub(p, v, "hooks", sp_hooks, s) < 0 ||
	    sp_list(p, v, "annotations", true, sizeof(*s->annotations), sp_kv, &s->annotations,
		    &s->n_annotations) < 0 ||
	    (lx = sp_sub(p, v, "linux", sp_linux, &s->lx)) < 0)
		return -1;
	s->has_process = proc;
	s->has_linux = lx;
	return 0;
}

static int spec_parse(const char *text, size_t len, const char *source, struct spec **out,
		      struct ctr_error *err)
{
	struct spec *s = calloc(1, sizeof(*s));
	struct spec_priv *pv = calloc(1, sizeof(*pv));
	*out = NULL;
	if (!s || !pv) {
		free(s);
		free(pv);
		return err_nomem(err);
	}
	s->priv = pv;
	struct sp p = {.src = source, .pv = pv, .err = err};
	if (json_parse(text, len, source, NULL, &pv->doc, err) < 0 ||
	    sp_config(&p, json_root(pv->doc), s) < 0) {
		spec_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

/* "<bundle>/<name>", or name alone for the current directory. */
static int spec_bundle_path(char *buf, size_t size, const char *bundle, const char *name,
			    struct ctr_error *err)
{
	bool here = !bundle || !*bundle || strcmp(bundle, ".") == 0;
	if (snprintf(buf, size, "%s%s%s", here ? "" : bundle, here ? "" : "/", name) >= (int)size)
		return err_set(err, ENAMETOOLONG, "%s/%s", bundle, name);
	return 0;
}

static int spec_load(const char *bundle, struct spec **out, struct ctr_error *err)
{
	char path[PATH_MAX];
	char *text AUTO_FREE = NULL;
	size_t len = 0;
	*out = NULL;
	if (spec_bundle_path(path, sizeof(path), bundle, "config.json", err) < 0 ||
	    read_file(path, JSON_DEFAULT_MAX_BYTES, &text, &len, err) < 0)
		return -1;
	return spec_parse(text, len, path, out, err);
}

/* Shared by the standalone parsers: fn on v with fresh storage in *priv. */
static int spec_parse_part(const struct json *v, const char *source, sp_fn fn, void *out,
			   void **priv, struct ctr_error *err)
{
	struct sp p = {.src = source, .err = err};
	if (!(*priv = p.pv = calloc(1, sizeof(*p.pv))))
		return err_nomem(err);
	return fn(&p, v, out);
}

static int spec_parse_process(const struct json *v, const char *source, struct spec_process *p,
			      void **priv, struct ctr_error *err)
{
	memset(p, 0, sizeof(*p));
	return spec_parse_part(v, source, sp_process, p, priv, err);
}

static int spec_parse_resources(const struct json *v, const char *source, struct spec_resources *r,
				void **priv, struct ctr_error *err)
{
	memset(r, 0, sizeof(*r));
	return spec_parse_part(v, source, sp_resources, r, priv, err);
}

/* ---- spec: the default config (what `ctr spec` writes, after runc's) ---- */

static void spec_jw_str(struct jw *w, const char *key, const char *val)
{
	jw_key(w, key);
	jw_str(w, val);
}

/* key: [ the strings of a NUL-separated list ] */
static void spec_jw_strs(struct jw *w, const char *key, const char *list)
{
	jw_key(w, key);
	jw_arr_begin(w);
	for (; *list; list += strlen(list) + 1)
		jw_str(w, list);
	jw_arr_end(w);
}

static void spec_jw_mount(struct jw *w, const char *dest, const char *type, const char *src,
			  const char *options)
{
	jw_obj_begin(w);
	spec_jw_str(w, "destination", dest);
	spec_jw_str(w, "type", type);
	spec_jw_str(w, "source", src);
	if (options)
		spec_jw_strs(w, "options", options);
	jw_obj_end(w);
}

static void spec_jw_idmap(struct jw *w, const char *key, unsigned host_id)
{
	jw_key(w, key);
	jw_arr_begin(w);
	jw_obj_begin(w);
	jw_key(w, "containerID");
	jw_uint(w, 0);
	jw_key(w, "hostID");
	jw_uint(w, host_id);
	jw_key(w, "size");
	jw_uint(w, 1);
	jw_obj_end(w);
	jw_arr_end(w);
}

int ctr_spec_default(int rootless, char **json_out, struct ctr_error *err)
{
	static const char caps[] = "CAP_AUDIT_WRITE\0CAP_KILL\0CAP_NET_BIND_SERVICE\0";
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, "\t");
	jw_obj_begin(&w);
	spec_jw_str(&w, "ociVersion", CTR_OCI_VERSION);
	jw_key(&w, "process");
	jw_obj_begin(&w);
	jw_key(&w, "terminal");
	jw_bool(&w, true);
	jw_key(&w, "user");
	jw_obj_begin(&w);
	jw_key(&w, "uid");
	jw_uint(&w, 0);
	jw_key(&w, "gid");
	jw_uint(&w, 0);
	jw_obj_end(&w);
	spec_jw_strs(&w, "args", "sh\0");
	spec_jw_strs(&w, "env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\0"
			       "TERM=xterm\0");
	spec_jw_str(&w, "cwd", "/");
	jw_key(&w, "capabilities");
	jw_obj_begin(&w);
	for (const char *k = "bounding\0effective\0permitted\0ambient\0"; *k; k += strlen(k) + 1)
		spec_jw_strs(&w, k, caps);
	jw_obj_end(&w);
	jw_key(&w, "rlimits");
	jw_arr_begin(&w);
	jw_obj_begin(&w);
	spec_jw_str(&w, "type", "RLIMIT_NOFILE");
	jw_key(&w, "hard");
	jw_uint(&w, 1024);
	jw_key(&w, "soft");
	jw_uint(&w, 1024);
	jw_obj_end(&w);
	jw_arr_end(&w);
	jw_key(&w, "noNewPrivileges");
	jw_bool(&w, true);
	jw_obj_end(&w);
	jw_key(&w, "root");
	jw_obj_begin(&w);
	spec_jw_str(&w, "path", "rootfs");
	jw_key(&w, "readonly");
	jw_bool(&w, true);
	jw_obj_end(&w);
	spec_jw_str(&w, "hostname", "ctr");
	jw_key(&w, "mounts");
	jw_arr_begin(&w);
	spec_jw_mount(&w, "/proc", "proc", "proc", NULL);
	spec_jw_mount(&w, "/dev", "tmpfs", "tmpfs", "nosuid\0strictatime\0mode=755\0size=65536k\0");
	/* without gid 5 (tty) when rootless: that group is not mapped */
	spec_jw_mount(&w, "/dev/pts", "devpts", "devpts",
		      rootless ? "nosuid\0noexec\0newinstance\0ptmxmode=0666\0mode=0620\0"
			       : "nosuid\0noexec\0newinstance\0ptmxmode=0666\0mode=0620\0gid=5\0");
	spec_jw_mount(&w, "/dev/shm", "tmpfs", "shm", "nosuid\0noexec\0nodev\0mode=1777\0size=65536k\0");
	spec_jw_mount(&w, "/dev/mqueue", "mqueue", "mqueue", "nosuid\0noexec\0nodev\0");
	/* a user namespace without its own network namespace may not mount sysfs */
	if (rootless)
		spec_jw_mount(&w, "/sys", "none", "/sys", "rbind\0nosuid\0noexec\0nodev\0ro\0");
	else
		spec_jw_mount(&w, "/sys", "sysfs", "sysfs", "nosuid\0noexec\0nodev\0ro\0");
	spec_jw_mount(&w, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid\0noexec\0nodev\0relatime\0ro\0");
	jw_arr_end(&w);
	jw_key(&w, "linux");
	jw_obj_begin(&w);
	if (rootless) {
		spec_jw_idmap(&w, "uidMappings", geteuid());
		spec_jw_idmap(&w, "gidMappings", getegid());
	} else {
		jw_key(&w, "resources");
		jw_obj_begin(&w);
		jw_key(&w, "devices");
		jw_arr_begin(&w);
		jw_obj_begin(&w);
		jw_key(&w, "allow");
		jw_bool(&w, false);
		spec_jw_str(&w, "access", "rwm");
		jw_obj_end(&w);
		jw_arr_end(&w);
		jw_obj_end(&w);
	}
	jw_key(&w, "namespaces");
	jw_arr_begin(&w);
	const char *ns = rootless ? "pid\0ipc\0uts\0mount\0user\0" : "pid\0network\0ipc\0uts\0mount\0";
	for (; *ns; ns += strlen(ns) + 1) {
		jw_obj_begin(&w);
		spec_jw_str(&w, "type", ns);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	spec_jw_strs(&w, "maskedPaths",
		     "/proc/acpi\0/proc/asound\0/proc/kcore\0/proc/keys\0/proc/latency_stats\0"
		     "/proc/timer_list\0/proc/timer_stats\0/proc/sched_debug\0/sys/firmware\0"
		     "/proc/scsi\0");
	spec_jw_strs(&w, "readonlyPaths",
		     "/proc/bus\0/proc/fs\0/proc/irq\0/proc/sys\0/proc/sysrq-trigger\0");
	jw_obj_end(&w);
	jw_obj_end(&w);
	return sbuf_take(&sb, json_out, err);
}

int ctr_spec_write(const char *bundle_dir, int rootless, struct ctr_error *err)
{
	char *json AUTO_FREE = NULL;
	const char *dir = bundle_dir && *bundle_dir ? bundle_dir : ".";
	if (ctr_spec_default(rootless, &json, err) < 0)
		return -1;
	int dfd AUTO_CLOSE = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set(err, errno, "bundle %s", dir);
	int fd AUTO_CLOSE = openat(dfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0 && errno == EEXIST)
		return err_set(err, 0, "File config.json exists. Remove it first");
	if (fd < 0)
		return err_set(err, errno, "create %s/config.json", dir);
	if (write_all(fd, json, strlen(json)) < 0) {
		int e = errno;
		unlinkat(dfd, "config.json", 0);
		return err_set(err, e, "write %s/config.json", dir);
	}
	return 0;
}

/* ---- spec: check (validate a bundle without running it) ---- */

struct spec_ck {
	void (*report)(void *arg, const char *problem);
	void *arg;
	int n;
};

PRINTF_LIKE(2, 3)
static void spec_ck_report(struct spec_ck *c, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->report)
		c->report(c->arg, msg);
	c->n++;
}

/* Resolve path inside the directory rootfd as if it were "/" (symlinks, absolute or
 * relative, and ".." never leave it) and stat the result; -1 with errno on failure. */
static int spec_stat_in_root(int rootfd, const char *path, struct stat *st)
{
	char done[PATH_MAX] = ".", todo[PATH_MAX], buf[PATH_MAX];
	size_t dlen = 1;
	int links = 0;
	if (snprintf(todo, sizeof(todo), "%s", path) >= (int)sizeof(todo))
		goto toolong;
	for (char *rest = todo;;) {
		while (*rest == '/')
			rest++;
		if (!*rest)
			break;
		char *end = strchrnul(rest, '/');
		size_t clen = (size_t)(end - rest);
		if (clen <= 2 && strncmp(rest, "..", clen) == 0) {
			if (clen == 2) { /* ".." stops at the root */
				char *slash = strrchr(done, '/');
				if (slash) {
					*slash = 0;
					dlen = (size_t)(slash - done);
				}
			}
			rest = end;
			continue;
		}
		if (dlen + 1 + clen >= sizeof(done))
			goto toolong;
		done[dlen] = '/';
		memcpy(done + dlen + 1, rest, clen);
		dlen += 1 + clen;
		done[dlen] = 0;
		for (rest = end; *rest == '/'; rest++)
			;
		if (fstatat(rootfd, done, st, AT_SYMLINK_NOFOLLOW) < 0)
			return -1;
		if (S_ISLNK(st->st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlinkat(rootfd, done, target, sizeof(target) - 1);
			if (n < 0)
				return -1;
			if (++links > 40) {
				errno = ELOOP;
				return -1;
			}
			target[n] = 0;
			char *slash = strrchr(done, '/');
			*slash = 0;
			dlen = target[0] == '/' ? 1 : (size_t)(slash - done);
			done[dlen] = 0;
			if (snprintf(buf, sizeof(buf), "%s/%s", target, rest) >= (int)sizeof(buf))
				goto toolong;
			strcpy(todo, buf);
			rest = todo;
		} else if (*rest && !S_ISDIR(st->st_mode)) {
			errno = ENOTDIR;
			return -1;
		}
	}
	return fstatat(rootfd, done, st, AT_SYMLINK_NOFOLLOW);
toolong:
	errno = ENAMETOOLONG;
	return -1;
}

/* 0 if path (in the rootfs) is an executable file, else an errno (EACCES: not executable). */
static int spec_exec_in_root(int rootfd, const char *path)
{
	struct stat st;
	if (spec_stat_in_root(rootfd, path, &st) < 0)
		return errno;
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		return EACCES;
	return 0;
}

static void spec_ck_args(struct spec_ck *c, int rootfd, const struct spec_process *pr)
{
	const char *arg0 = pr->args[0], *path_env = NULL;
	char buf[PATH_MAX];
	int e;
	if (strchr(arg0, '/')) {
		snprintf(buf, sizeof(buf), "%s/%s", arg0[0] == '/' ? "" : pr->cwd, arg0);
		e = spec_exec_in_root(rootfd, buf);
	} else {
		for (size_t i = 0; i < pr->n_env; i++)
			if (str_has_prefix(pr->env[i], "PATH="))
				path_env = pr->env[i] + 5;
		if (!path_env)
			path_env = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
		e = ENOENT;
		for (const char *d = path_env; e && *d;) {
			size_t len = strcspn(d, ":");
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, d, arg0);
			int r = spec_exec_in_root(rootfd, buf);
			if (r == 0 || (r != ENOENT && r != ENOTDIR && e == ENOENT))
				e = r; /* found; or remember why the first candidate failed */
			d += len + (d[len] == ':');
		}
	}
	if (e == ENOENT)
		spec_ck_report(c, "process.args[0]: \"%s\" not found in the rootfs%s%s%s", arg0,
			       path_env ? " (PATH=" : "", path_env ? path_env : "", path_env ? ")" : "");
	else if (e)
		spec_ck_report(c, "process.args[0]: \"%s\": %s", arg0,
			       e == EACCES ? "not an executable file" : strerror(e));
}

static void spec_ck_process(struct spec_ck *c, int rootfd, const struct spec_process *pr)
{
	if (rootfd >= 0)
		spec_ck_args(c, rootfd, pr);
	for (size_t i = 0; i < pr->n_env; i++)
		if (!strchr(pr->env[i], '='))
			spec_ck_report(c, "process.env[%zu]: \"%s\" is not KEY=VALUE", i, pr->env[i]);
	for (size_t i = 0; i < pr->n_rlimits; i++)
		if (pr->rlimits[i].soft > pr->rlimits[i].hard)
			spec_ck_report(c, "process.rlimits[%zu]: %s soft limit %" PRIu64
				       " is above the hard limit %" PRIu64, i, pr->rlimits[i].type,
				       pr->rlimits[i].soft, pr->rlimits[i].hard);
	if (pr->oom_score_adj.set && (pr->oom_score_adj.v < -1000 || pr->oom_score_adj.v > 1000))
		spec_ck_report(c, "process.oomScoreAdj: %" PRId64 " is outside -1000..1000",
			       pr->oom_score_adj.v);
	if (pr->apparmor_profile && *pr->apparmor_profile &&
	    access("/sys/kernel/security/apparmor", F_OK) < 0)
		spec_ck_report(c, "process.apparmorProfile: AppArmor is not enabled on this host");
	if (pr->has_io_priority && (pr->io_priority < 0 || pr->io_priority > 7))
		spec_ck_report(c, "process.ioPriority.priority: %d is outside 0..7", pr->io_priority);
	const struct spec_scheduler *s = &pr->scheduler;
	if (s->set && (s->nice < -20 || s->nice > 19))
		spec_ck_report(c, "process.scheduler.nice: %d is outside -20..19", s->nice);
	bool rt = s->policy == SCHED_FIFO || s->policy == SCHED_RR;
	if (s->set && (rt ? s->priority < 1 || s->priority > 99 : s->priority != 0))
		spec_ck_report(c, "process.scheduler.priority: %d is invalid for this policy (%s)",
			       s->priority, rt ? "1..99" : "must be 0");
}

/* A host file a hook runs: it must exist and be executable. */
static void spec_ck_host_exec(struct spec_ck *c, const char *what, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		spec_ck_report(c, "%s: %s: %s", what, path, strerror(errno));
	else if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		spec_ck_report(c, "%s: %s is not an executable file", what, path);
}

static void spec_ck_abs_paths(struct spec_ck *c, const char *what, const char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (paths[i][0] != '/')
			spec_ck_report(c, "%s[%zu]: \"%s\" is not an absolute path", what, i, paths[i]);
}

/* Which namespace a sysctl belongs to (runc's rule); 0 if none may be set. */
static int spec_sysctl_ns(const char *name)
{
	char key[256];
	snprintf(key, sizeof(key), "%s", name);
	for (char *q = key; *q; q++)
		if (*q == '/')
			*q = '.';
	if (str_has_prefix(key, "net."))
		return CLONE_NEWNET;
	if (str_has_prefix(key, "fs.mqueue.") || str_has_prefix(key, "kernel.shm") ||
	    str_has_prefix(key, "kernel.msg") || strcmp(key, "kernel.sem") == 0)
		return CLONE_NEWIPC;
	if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0)
		return CLONE_NEWUTS;
	return 0;
}

/* The kernel's rules for a uid_map/gid_map: non-empty ranges that fit in 32 bits and do
 * not overlap, at most 340 lines. */
static void spec_ck_idmap(struct spec_ck *c, const char *what, const struct spec_idmap *m,
			  size_t n)
{
	if (n > 340)
		spec_ck_report(c, "%s: %zu ranges, the kernel takes at most 340", what, n);
	for (size_t i = 0; i < n; i++) {
		if (!m[i].size || (uint64_t)m[i].container_id + m[i].size > 1ull << 32 ||
		    (uint64_t)m[i].host_id + m[i].size > 1ull << 32)
			spec_ck_report(c, "%s[%zu]: empty range or beyond 2^32", what, i);
		for (size_t j = 0; j < i; j++)
			if ((m[i].container_id < (uint64_t)m[j].container_id + m[j].size &&
			     m[j].container_id < (uint64_t)m[i].container_id + m[i].size) ||
			    (m[i].host_id < (uint64_t)m[j].host_id + m[j].size &&
			     m[j].host_id < (uint64_t)m[i].host_id + m[i].size))
				spec_ck_report(c, "%s[%zu]: overlaps %s[%zu]", what, i, what, j);
	}
}

/* Is id inside one of the container ranges? */
static bool spec_id_mapped(const struct spec_idmap *m, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (id >= m[i].container_id && id - m[i].container_id < m[i].size)
			return true;
	return false;
}

static void spec_ck_linux(struct spec_ck *c, const struct spec *s, int ns_mask)
{
	const struct spec_linux *lx = &s->lx;
	/* /proc/self/ns names, in spec_ns_tab order */
	static const char proc_ns[] = "pid\0net\0mnt\0ipc\0uts\0user\0cgroup\0time\0";
	bool new_user = false, have_proc = access("/proc/self/ns", F_OK) == 0;
	for (size_t i = 0; i < lx->n_namespaces; i++) {
		const struct spec_namespace *ns = &lx->namespaces[i];
		struct stat st;
		char self[32];
		int k = 0;
		while (spec_ns_flag[k] != ns->type)
			k++;
		snprintf(self, sizeof(self), "/proc/self/ns/%s", spec_tab_at(proc_ns, k));
		if (ns->path && stat(ns->path, &st) < 0)
			spec_ck_report(c, "linux.namespaces[%zu].path: %s: %s", i, ns->path,
				       strerror(errno));
		else if (!ns->path && have_proc && lstat(self, &st) < 0 && errno == ENOENT)
			spec_ck_report(c, "linux.namespaces[%zu]: this kernel has no %s namespaces",
				       i, spec_tab_at(spec_ns_tab, k));
		if (ns->type == CLONE_NEWUSER && !ns->path)
			new_user = true;
	}
	if (new_user && (!lx->n_uid_mappings || !lx->n_gid_mappings))
		spec_ck_report(c, "linux.uidMappings/gidMappings: a new user namespace needs both");
	spec_ck_idmap(c, "linux.uidMappings", lx->uid_mappings, lx->n_uid_mappings);
	spec_ck_idmap(c, "linux.gidMappings", lx->gid_mappings, lx->n_gid_mappings);
	const struct spec_user *u = &s->process.user;
	if (new_user && s->has_process && lx->n_uid_mappings &&
	    !spec_id_mapped(lx->uid_mappings, lx->n_uid_mappings, u->uid))
		spec_ck_report(c, "process.user.uid: %u is not mapped by linux.uidMappings", u->uid);
	if (new_user && s->has_process && lx->n_gid_mappings &&
	    !spec_id_mapped(lx->gid_mappings, lx->n_gid_mappings, u->gid))
		spec_ck_report(c, "process.user.gid: %u is not mapped by linux.gidMappings", u->gid);
	for (size_t i = 0; new_user && s->has_process && lx->n_gid_mappings &&
			   i < u->n_additional_gids; i++)
		if (!spec_id_mapped(lx->gid_mappings, lx->n_gid_mappings, u->additional_gids[i]))
			spec_ck_report(c, "process.user.additionalGids[%zu]: %u is not mapped by "
				       "linux.gidMappings", i, u->additional_gids[i]);
	if (!(ns_mask & CLONE_NEWUSER) && (lx->n_uid_mappings || lx->n_gid_mappings))
		spec_ck_report(c, "linux.uidMappings/gidMappings: set without a user namespace");
	if (lx->n_time_offsets && !(ns_mask & CLONE_NEWTIME))
		spec_ck_report(c, "linux.timeOffsets: set without a time namespace");
	if (lx->n_net_devices && !(ns_mask & CLONE_NEWNET))
		spec_ck_report(c, "linux.netDevices: set without a network namespace");
	for (size_t i = 0; i < lx->n_sysctl; i++) {
		int need = spec_sysctl_ns(lx->sysctl[i].key);
		if (!need)
			spec_ck_report(c, "linux.sysctl.%s: not namespaced, refused", lx->sysctl[i].key);
		else if (!(ns_mask & need))
			spec_ck_report(c, "linux.sysctl.%s: needs a %s namespace", lx->sysctl[i].key,
				       need == CLONE_NEWNET ? "network"
				       : need == CLONE_NEWIPC ? "ipc" : "uts");
	}
	for (size_t i = 0; i < lx->n_devices; i++)
		if (lx->devices[i].path[0] != '/')
			spec_ck_report(c, "linux.devices[%zu].path: \"%s\" is not an absolute path", i,
				       lx->devices[i].path);
	spec_ck_abs_paths(c, "linux.maskedPaths", lx->masked_paths, lx->n_masked_paths);
	spec_ck_abs_paths(c, "linux.readonlyPaths", lx->readonly_paths, lx->n_readonly_paths);
	const struct spec_memory *m = &lx->resources.memory;
	if (m->limit.set && m->swap.set && m->limit.v > 0 && m->swap.v > 0 && m->swap.v < m->limit.v)
		spec_ck_report(c, "linux.resources.memory.swap: %" PRId64 " is below the memory limit %"
			       PRId64 " (swap is memory+swap)", m->swap.v, m->limit.v);
	if (m->swappiness.set && m->swappiness.v > 100)
		spec_ck_report(c, "linux.resources.memory.swappiness: %" PRIu64 " is above 100",
			       m->swappiness.v);
	const struct spec_seccomp *sc = lx->seccomp;
	for (size_t i = 0; sc && i < sc->n_syscalls; i++) {
		if (!sc->syscalls[i].n_names)
			spec_ck_report(c, "linux.seccomp.syscalls[%zu].names: empty", i);
		if (sc->syscalls[i].action == SC_ACT_NOTIFY && !sc->listener_path)
			spec_ck_report(c, "linux.seccomp.syscalls[%zu]: SCMP_ACT_NOTIFY needs "
				       "linux.seccomp.listenerPath", i);
	}
}

int ctr_check(const char *bundle_dir, void (*report)(void *arg, const char *problem), void *arg,
	      struct ctr_error *err)
{
	struct spec_ck c = {report, arg, 0};
	struct spec *s = NULL;
	struct ctr_error perr = {0};
	if (spec_load(bundle_dir, &s, &perr) < 0) {
		if (perr.errnum == ENOMEM)
			return err_set(err, ENOMEM, "%s", perr.msg);
		spec_ck_report(&c, "%s", perr.msg);
		return c.n;
	}
	/* parse notes, oldest first */
	size_t n_notes = 0;
	const struct spec_priv *pv = s->priv;
	for (const struct spec_note *n = pv->notes; n; n = n->next)
		n_notes++;
	for (size_t k = n_notes; k--;) {
		const struct spec_note *n = pv->notes;
		for (size_t j = 0; j < k; j++)
			n = n->next;
		spec_ck_report(&c, "%s", n->text);
	}

	char rootfs[PATH_MAX];
	int rootfd AUTO_CLOSE = -1;
	struct stat st;
	if (s->root_path[0] == '/')
		snprintf(rootfs, sizeof(rootfs), "%s", s->root_path);
	else
		spec_bundle_path(rootfs, sizeof(rootfs), bundle_dir, s->root_path, NULL);
	if (stat(rootfs, &st) < 0)
		spec_ck_report(&c, "root.path: %s: %s", rootfs, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		spec_ck_report(&c, "root.path: %s is not a directory", rootfs);
	else if ((rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		spec_ck_report(&c, "root.path: %s: %s", rootfs, strerror(errno));

	int ns_mask = 0;
	for (size_t i = 0; i < s->lx.n_namespaces; i++)
		ns_mask |= s->lx.namespaces[i].type;
	if (strtoul(s->oci_version + 2, NULL, 10) > 3) /* "1.x", checked by the parser */
		spec_ck_report(&c, "ociVersion: %s is newer than " CTR_OCI_VERSION
			       ": its new fields are ignored", s->oci_version);
	if (s->has_process)
		spec_ck_process(&c, rootfd, &s->process);
	else
		spec_ck_report(&c, "process: missing, so there is nothing to start");
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];
		bool bind = m->type && strcmp(m->type, "bind") == 0;
		for (size_t j = 0; j < m->n_options; j++)
			bind |= !strcmp(m->options[j], "bind") || !strcmp(m->options[j], "rbind");
		if (m->destination[0] != '/')
			spec_ck_report(&c, "mounts[%zu].destination: \"%s\" is not an absolute path", i,
				       m->destination);
		char src[PATH_MAX];
		if (bind && !m->source) {
			spec_ck_report(&c, "mounts[%zu].source: missing for a bind mount", i);
		} else if (bind) {
			if (m->source[0] == '/')
				snprintf(src, sizeof(src), "%s", m->source);
			else
				spec_bundle_path(src, sizeof(src), bundle_dir, m->source, NULL);
			if (stat(src, &st) < 0)
				spec_ck_report(&c, "mounts[%zu].source: %s: %s", i, src,
					       strerror(errno));
		}
	}
	for (int k = 0; k < HOOK_KIND_COUNT; k++)
		for (size_t i = 0; i < s->n_hooks[k]; i++) {
			char what[64];
			const char *path = s->hooks[k][i].path;
			snprintf(what, sizeof(what), "hooks.%s[%zu].path",
				 spec_tab_at(spec_hook_tab, k), i);
			/* startContainer hooks run in the container: their path is in the rootfs */
			int e = k != HOOK_START_CONTAINER ? 0 : rootfd < 0 ? -1 :
				spec_exec_in_root(rootfd, path);
			if (k != HOOK_START_CONTAINER)
				spec_ck_host_exec(&c, what, path);
			else if (e > 0)
				spec_ck_report(&c, "%s: %s in the rootfs: %s", what, path,
					       e == EACCES ? "not an executable file" : strerror(e));
		}
	if (s->hostname && *s->hostname && !(ns_mask & CLONE_NEWUTS))
		spec_ck_report(&c, "hostname: set without a uts namespace");
	if (s->domainname && *s->domainname && !(ns_mask & CLONE_NEWUTS))
		spec_ck_report(&c, "domainname: set without a uts namespace");
	spec_ck_linux(&c, s, ns_mask);
	spec_free(s);
	return c.n;
}
