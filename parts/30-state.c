
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

/* Internal open flag: do not lock (readers: state.json is replaced atomically). */
#define STATE_NOLOCK 4
#define STATE_FILE "state.json"
#define STATE_MAX_BYTES (4u << 20)

static void state_close(struct state_handle *h)
{
	if (h->dir_fd >= 0)
		close(h->dir_fd);
	if (h->root_fd >= 0)
		close(h->root_fd);
	h->dir_fd = h->root_fd = -1;
	free(h->id);
	h->id = NULL;
}

/* A directory we locked may have been removed by the holder before us (nlink 0). */
static int state_check_present(struct state_handle *h, const char *id, struct ctr_error *err)
{
	struct stat sb;
	if (fstat(h->dir_fd, &sb) < 0)
		return err_set(err, errno, "stat state dir of %s", id);
	if (sb.st_nlink == 0) {
		err_set(err, 0, "container %s does not exist", id);
		err->errnum = ENOENT;
		return -1;
	}
	return 0;
}

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif

/* Create <root>/<id> already locked: a locked temp dir renamed into place without
 * replacing, so nobody ever sees the new directory unlocked. */
static int state_create_dir(struct state_handle *h, const char *id, struct ctr_error *err)
{
	char tmp[64];
	snprintf(tmp, sizeof(tmp), ".new-%ld-%ld", (long)getpid(), (long)syscall(SYS_gettid));
	unlinkat(h->root_fd, tmp, AT_REMOVEDIR);
	if (mkdirat(h->root_fd, tmp, 0711) < 0)
		return err_set(err, errno, "create state dir %s", tmp);
	h->dir_fd = openat(h->root_fd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (h->dir_fd < 0 || flock(h->dir_fd, LOCK_EX) < 0) {
		int e = errno;
		unlinkat(h->root_fd, tmp, AT_REMOVEDIR);
		return err_set(err, e, "lock state dir %s", tmp);
	}
#ifdef SYS_renameat2
	long r = syscall(SYS_renameat2, h->root_fd, tmp, h->root_fd, id, RENAME_NOREPLACE);
	if (r < 0 && (errno == ENOSYS || errno == EINVAL)) {
		/* no renameat2 (old kernel, some emulators): plain rename refuses a
		 * non-empty target only, so check first (a small race remains). */
		struct stat sb;
		if (fstatat(h->root_fd, id, &sb, AT_SYMLINK_NOFOLLOW) == 0)
			errno = EEXIST, r = -1;
		else
			r = renameat(h->root_fd, tmp, h->root_fd, id);
	}
#else
	long r = renameat(h->root_fd, tmp, h->root_fd, id);
#endif
	if (r < 0) {
		int e = errno;
		unlinkat(h->root_fd, tmp, AT_REMOVEDIR);
		if (e == EEXIST || e == ENOTEMPTY)
			return err_set(err, 0, "container with id %s already exists", id);
		return err_set(err, e, "create state dir for %s", id);
	}
	return 0;
}

static int state_open(const char *root, const char *id, int flags, struct state_handle *h,
		      struct ctr_error *err)
{
	h->root_fd = h->dir_fd = -1;
	h->id = NULL;
	if (!root)
		root = CTR_DEFAULT_ROOT;
	if ((flags & STATE_CREATE) && mkdir_p(root, 0700, err) < 0)
		return -1;
	h->root_fd = openat(AT_FDCWD, root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (h->root_fd < 0) {
		if (errno == ENOENT) {
			err_set(err, 0, "container %s does not exist", id);
			err->errnum = ENOENT;
			return -1;
		}
		return err_set(err, errno, "open state root %s", root);
	}
	h->id = strdup(id);
	if (!h->id) {
		state_close(h);
		return err_nomem(err);
	}
	if (flags & STATE_CREATE) {
		if (state_create_dir(h, id, err) < 0) {
			state_close(h);
			return -1;
		}
		return 0;
	}
	h->dir_fd = openat(h->root_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (h->dir_fd < 0) {
		int e = errno;
		state_close(h);
		if (e == ENOENT) {
			err_set(err, 0, "container %s does not exist", id);
			err->errnum = ENOENT;
			return -1;
		}
		return err_set(err, e, "open state dir %s/%s", root, id);
	}
	if (!(flags & STATE_NOLOCK)) {
		int r;
		while ((r = flock(h->dir_fd, (flags & STATE_SHARED) ? LOCK_SH : LOCK_EX)) < 0 &&
		       errno == EINTR)
			;
		if (r < 0) {
			int e = errno;
			state_close(h);
			return err_set(err, e, "lock state dir %s/%s", root, id);
		}
	}
	if (state_check_present(h, id, err) < 0) {
		state_close(h);
		return -1;
	}
	return 0;
}

static void state_free(struct state *st)
{
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->owner);
	free(st->annotations_json);
	free(st->cgroup_json);
	free(st->config_path);
	memset(st, 0, sizeof(*st));
}

/* A member's value as compact JSON text (NULL if absent or null). */
static int state_raw_member(const struct json *obj, const char *key, char **out,
			    struct ctr_error *err)
{
	*out = NULL;
	const struct json *v = json_get(obj, key);
	if (!v || v->type == JSON_NULL)
		return 0;
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, NULL);
	jw_value(&w, v);
	return sbuf_take(&sb, out, err);
}

static int state_str_member(const struct json *obj, const char *key, bool required,
			    char **out, struct ctr_error *err)
{
	const struct json *v = json_get(obj, key);
	if (!v || v->type != JSON_STRING) {
		if (required)
			return err_set(err, 0, "state.json: %s: expected string", key);
		v = NULL;
	}
	*out = strdup(v ? v->s : "");
	return *out ? 0 : err_nomem(err);
}

static int state_load(struct state_handle *h, struct state *st, struct ctr_error *err)
{
	memset(st, 0, sizeof(*st));
	AUTO_FREE char *text = NULL;
	size_t len = 0;
	if (read_file_at(h->dir_fd, STATE_FILE, STATE_MAX_BYTES, &text, &len, err) < 0)
		return -1;
	struct json_doc *doc = NULL;
	if (json_parse(text, len, STATE_FILE, NULL, &doc, err) < 0)
		return -1;
	const struct json *r = json_root(doc);
	int rc = -1;
	if (r->type != JSON_OBJECT) {
		err_set(err, 0, "state.json: expected an object");
		goto out;
	}
	if (state_str_member(r, "id", true, &st->id, err) < 0 ||
	    state_str_member(r, "bundle", true, &st->bundle, err) < 0 ||
	    state_str_member(r, "rootfs", true, &st->rootfs, err) < 0 ||
	    state_str_member(r, "owner", false, &st->owner, err) < 0 ||
	    state_raw_member(r, "annotations", &st->annotations_json, err) < 0 ||
	    state_raw_member(r, "cgroup", &st->cgroup_json, err) < 0)
		goto out;
	const struct json *v = json_get(r, "config");
	if (v && v->type == JSON_STRING && !(st->config_path = strdup(v->s))) {
		err_nomem(err);
		goto out;
	}
	v = json_get(r, "created");
	if (v && v->type == JSON_STRING)
		snprintf(st->created, sizeof(st->created), "%s", v->s);
	v = json_get(r, "pid");
	if (v && v->type == JSON_NUMBER && v->numkind == JSON_NUM_INT && v->i >= 0 &&
	    v->i <= INT32_MAX)
		st->pid = (pid_t)v->i;
	v = json_get(r, "pidStartTime");
	if (v && v->type == JSON_NUMBER && v->numkind != JSON_NUM_DOUBLE)
		st->pid_start = v->u;
	rc = 0;
out:
	json_free(doc);
	if (rc < 0)
		state_free(st);
	return rc;
}

static int state_save(struct state_handle *h, const struct state *st, struct ctr_error *err)
{
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, NULL);
	jw_obj_begin(&w);
	jw_key(&w, "ociVersion");
	jw_str(&w, CTR_OCI_VERSION);
	jw_key(&w, "id");
	jw_str(&w, st->id);
	jw_key(&w, "pid");
	jw_int(&w, st->pid);
	jw_key(&w, "pidStartTime");
	jw_uint(&w, st->pid_start);
	jw_key(&w, "bundle");
	jw_str(&w, st->bundle ? st->bundle : "");
	jw_key(&w, "rootfs");
	jw_str(&w, st->rootfs ? st->rootfs : "");
	jw_key(&w, "created");
	jw_str(&w, st->created);
	jw_key(&w, "owner");
	jw_str(&w, st->owner ? st->owner : "");
	if (st->annotations_json) {
		jw_key(&w, "annotations");
		jw_raw(&w, st->annotations_json, strlen(st->annotations_json));
	}
	if (st->cgroup_json) {
		jw_key(&w, "cgroup");
		jw_raw(&w, st->cgroup_json, strlen(st->cgroup_json));
	}
	if (st->config_path) {
		jw_key(&w, "config");
		jw_str(&w, st->config_path);
	}
	jw_obj_end(&w);
	sbuf_addc(&sb, '\n');
	char *text = NULL;
	if (sbuf_take(&sb, &text, err) < 0)
		return -1;
	int rc = write_file_atomic(h->dir_fd, STATE_FILE, text, strlen(text), 0600, err);
	free(text);
	return rc < 0 ? err_prefix(err, "saving state of %s", st->id) : 0;
}

/* Remove every entry of a directory (one level: the state dir holds only files). */
static int state_remove(struct state_handle *h, struct ctr_error *err)
{
	int fd = openat(h->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open state dir of %s", h->id);
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		return err_set(err, e, "read state dir of %s", h->id);
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(h->dir_fd, de->d_name, 0) < 0 && errno == EISDIR)
			unlinkat(h->dir_fd, de->d_name, AT_REMOVEDIR);
	}
	closedir(d);
	if (unlinkat(h->root_fd, h->id, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return err_set(err, errno, "remove state dir of %s", h->id);
	return 0;
}

/* Field 3 (state) and 22 (starttime) of /proc/PID/stat; 0 for a missing pid. */
static unsigned long long state_proc_stat(pid_t pid, char *state_out)
{
	char path[64], buf[1024];
	*state_out = 0;
	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	/* openat: musl's open() adds an fcntl(FD_CLOEXEC) syscall; procfs gives the whole
	 * line to one read(), so no read to EOF either (`list` does this per container) */
	int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf) - 1)) < 0 && errno == EINTR)
		;
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* comm may hold spaces and parentheses: fields restart after the last ')' */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	p += 2;
	*state_out = *p;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return 0;
		p++;
	}
	return strtoull(p, NULL, 10);
}

static unsigned long long pid_start_time(pid_t pid)
{
	char s;
	return state_proc_stat(pid, &s);
}

static bool pid_alive(pid_t pid, unsigned long long start)
{
	char s;
	unsigned long long t = state_proc_stat(pid, &s);
	return t != 0 && t == start && s != 'Z' && s != 'X' && s != 'x';
}
