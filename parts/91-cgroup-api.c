
/* ======================================================================
 * cgroup API: ctr_pause, ctr_resume, ctr_update, ctr_ps, ctr_stats_json
 * ====================================================================== */

#define CTR_CGROUP_API 1             /* lets tests/unit_cgroup.c know this section is in */

/* A container's state and cgroup, opened and locked for one command. */
struct cgapi {
	struct state_handle h;
	struct state st;
	struct cgroup *cg;
	bool loaded;
};

static void cgapi_close(struct cgapi *a)
{
	cgroup_free(a->cg);
	if (a->loaded)
		state_free(&a->st);
	state_close(&a->h);
}

static int cgapi_open(const struct ctr_opts *o, const char *id, int flags, struct cgapi *a,
		      struct ctr_error *err)
{
	memset(a, 0, sizeof(*a));
	a->h.root_fd = a->h.dir_fd = -1;
	if (ctr_id_valid(id, err) < 0 ||
	    state_open(o && o->root ? o->root : CTR_DEFAULT_ROOT, id, flags, &a->h, err) < 0)
		return -1;
	if (state_load(&a->h, &a->st, err) < 0) {
		state_close(&a->h);
		return -1;
	}
	a->loaded = true;
	if (!a->st.cgroup_json) {
		cgapi_close(a);
		return err_set(err, 0, "container %s has no cgroup record", id);
	}
	if (cgroup_state_read(a->st.cgroup_json, &a->cg, err) < 0) {
		cgapi_close(a);
		return err_prefix(err, "container %s", id);
	}
	return 0;
}

static bool cgapi_alive(const struct cgapi *a)
{
	return a->st.pid > 0 && pid_alive(a->st.pid, a->st.pid_start);
}

static int cgapi_pause(const struct ctr_opts *o, const char *id, bool frozen,
		       struct ctr_error *err)
{
	struct cgapi a;
	if (cgapi_open(o, id, 0, &a, err) < 0)
		return -1;
	bool now = false;
	int rc;
	if (!cgapi_alive(&a))
		rc = err_set(err, 0, "container %s is not running", id);
	else if (cgroup_is_frozen(a.cg, &now, err) < 0)
		rc = -1;
	else if (!frozen && !now)
		rc = err_set(err, 0, "container %s is not paused", id);
	else if (frozen && now)
		rc = err_set(err, 0, "container %s is already paused", id);
	else
		rc = cgroup_freeze(a.cg, frozen, err);
	cgapi_close(&a);
	return rc;
}

int ctr_pause(const struct ctr_opts *o, const char *id, struct ctr_error *err)
{
	return cgapi_pause(o, id, true, err);
}

int ctr_resume(const struct ctr_opts *o, const char *id, struct ctr_error *err)
{
	return cgapi_pause(o, id, false, err);
}

/* Merge update b into the resources a stored so far: objects member by member, every
 * other value replaced. */
static void cg_json_merge(struct jw *w, const struct json *a, const struct json *b)
{
	if (!a || a->type != JSON_OBJECT || b->type != JSON_OBJECT) {
		jw_value(w, b);
		return;
	}
	jw_obj_begin(w);
	for (size_t i = 0; i < a->n; i++) {
		const struct json *k = &a->items[i], *nb = json_get(b, k->key);
		if (json_get(a, k->key) != k)
			continue;    /* a repeated key: the last one counts */
		jw_key(w, k->key);
		if (nb)
			cg_json_merge(w, k, nb);
		else
			jw_value(w, k);
	}
	for (size_t i = 0; i < b->n; i++)
		if (!json_get(a, b->items[i].key) && json_get(b, b->items[i].key) == &b->items[i]) {
			jw_key(w, b->items[i].key);
			jw_value(w, &b->items[i]);
		}
	jw_obj_end(w);
}

int ctr_update(const struct ctr_opts *o, const char *id, const char *resources_json,
	       struct ctr_error *err)
{
	struct cgapi a;
	if (cgapi_open(o, id, 0, &a, err) < 0)
		return -1;
	struct json_doc *doc = NULL, *old = NULL;
	void *priv = NULL;
	struct spec_resources r;
	struct sbuf sb = {0};
	int rc = -1;
	memset(&r, 0, sizeof(r));
	if (!cgapi_alive(&a)) {
		err_set(err, 0, "container %s is not running", id);
		goto out;
	}
	if (json_parse(resources_json, strlen(resources_json), "resources", NULL, &doc, err) < 0)
		goto out;
	if (json_root(doc)->type != JSON_OBJECT) {
		err_set(err, 0, "resources: expected a LinuxResources object");
		goto out;
	}
	if (spec_parse_resources(json_root(doc), "resources", &r, &priv, err) < 0 ||
	    cgroup_update(a.cg, &r, err) < 0)
		goto out;
	/* keep what was changed in the state, so later commands see it */
	if (a.cg->res_json && json_parse(a.cg->res_json, strlen(a.cg->res_json), "state.json",
					 NULL, &old, err) < 0)
		goto out;
	struct jw w;
	jw_init(&w, &sb, NULL);
	cg_json_merge(&w, old ? json_root(old) : NULL, json_root(doc));
	char *merged = NULL;
	if (sbuf_take(&sb, &merged, err) < 0)
		goto out;
	free(a.cg->res_json);
	a.cg->res_json = merged;
	jw_init(&w, &sb, NULL);
	cgroup_state_write(a.cg, &w);
	char *rec = NULL;
	if (sbuf_take(&sb, &rec, err) < 0)
		goto out;
	free(a.st.cgroup_json);
	a.st.cgroup_json = rec;
	rc = state_save(&a.h, &a.st, err);
out:
	sbuf_release(&sb);
	if (priv)
		spec_priv_free(priv);
	json_free(doc);
	json_free(old);
	cgapi_close(&a);
	return rc;
}

int ctr_ps(const struct ctr_opts *o, const char *id, pid_t **pids, size_t *count,
	   struct ctr_error *err)
{
	struct cgapi a;
	*pids = NULL;
	*count = 0;
	if (cgapi_open(o, id, STATE_SHARED, &a, err) < 0)
		return -1;
	int rc = a.cg->mode == CG_MODE_NONE && !cgapi_alive(&a) ? 0 :
		 a.cg->mode == CG_MODE_NONE ? err_set(err, 0, "container %s has no cgroup "
			"(no cgroup filesystem was mounted when it was created)", id) :
		 cgroup_pids(a.cg, pids, count, err);
	cgapi_close(&a);
	return rc;
}

int ctr_stats_json(const struct ctr_opts *o, const char *id, char **json_out,
		   struct ctr_error *err)
{
	struct cgapi a;
	if (cgapi_open(o, id, STATE_SHARED, &a, err) < 0)
		return -1;
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, NULL);
	jw_obj_begin(&w);
	jw_key(&w, "type");
	jw_str(&w, "stats");
	jw_key(&w, "id");
	jw_str(&w, id);
	jw_key(&w, "data");
	int rc = cgroup_stats(a.cg, &w, err);
	jw_obj_end(&w);
	cgapi_close(&a);
	if (rc < 0) {
		sbuf_release(&sb);
		return -1;
	}
	return sbuf_take(&sb, json_out, err);
}
