
/* ======================================================================
 * features: the OCI features document (runtime-spec features.md)
 * ====================================================================== */

static void features_str_list(struct jw *w, const char *const *list, size_t n)
{
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++)
		jw_str(w, list[i]);
	jw_arr_end(w);
}

int ctr_features_json(char **json_out, struct ctr_error *err)
{
	static const char *const hooks[] = {
		"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
	};
	static const char *const mount_options[] = {
		"async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec",
		"idmap", "lazytime", "mand", "noatime", "nodev", "nodiratime", "noexec",
		"nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid", "nosymfollow",
		"private", "ratime", "rbind", "rdev", "rdiratime", "relatime", "remount", "rexec",
		"ridmap", "rnoatime", "rnodev", "rnodiratime", "rnoexec", "rnorelatime",
		"rnostrictatime", "rnosuid", "rnosymfollow", "ro", "rprivate", "rrelatime", "rro",
		"rrw", "rshared", "rslave", "rstrictatime", "rsuid", "rsymfollow", "runbindable",
		"rw", "shared", "slave", "strictatime", "suid", "symfollow", "sync", "unbindable",
	};
	static const char *const namespaces[] = {
		"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts",
	};
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, "    ");
	jw_obj_begin(&w);
	jw_key(&w, "ociVersionMin");
	jw_str(&w, "1.0.0");
	jw_key(&w, "ociVersionMax");
	jw_str(&w, CTR_OCI_VERSION);
	jw_key(&w, "hooks");
	features_str_list(&w, hooks, ARRAY_LEN(hooks));
	jw_key(&w, "mountOptions");
	features_str_list(&w, mount_options, ARRAY_LEN(mount_options));
	jw_key(&w, "linux");
	jw_obj_begin(&w);
	jw_key(&w, "namespaces");
	features_str_list(&w, namespaces, ARRAY_LEN(namespaces));
	jw_key(&w, "capabilities");
	jw_arr_begin(&w);
	for (int cap = 0; spec_cap_name(cap); cap++)
		jw_str(&w, spec_cap_name(cap));
	jw_arr_end(&w);
	jw_key(&w, "cgroup");
	jw_obj_begin(&w);
	static const char *const cg_keys[] = {"v1", "v2", "systemd", "systemdUser", "rdma"};
	for (size_t i = 0; i < ARRAY_LEN(cg_keys); i++) {
		jw_key(&w, cg_keys[i]);
		jw_bool(&w, i < 2 || i == 4);
	}
	jw_obj_end(&w);
	jw_key(&w, "seccomp");
	seccomp_features(&w);
	static const char *const enabled_keys[] = {"apparmor", "selinux", "intelRdt"};
	for (size_t i = 0; i < ARRAY_LEN(enabled_keys); i++) {
		jw_key(&w, enabled_keys[i]);
		jw_obj_begin(&w);
		jw_key(&w, "enabled");
		jw_bool(&w, i < 2); /* Intel RDT is parsed but not applied */
		jw_obj_end(&w);
	}
	jw_key(&w, "mountExtensions");
	jw_obj_begin(&w);
	jw_key(&w, "idmap");
	jw_obj_begin(&w);
	jw_key(&w, "enabled");
	jw_bool(&w, true);
	jw_obj_end(&w);
	jw_obj_end(&w);
	jw_key(&w, "netDevices");
	jw_obj_begin(&w);
	jw_key(&w, "enabled");
	jw_bool(&w, true);
	jw_obj_end(&w);
	jw_obj_end(&w); /* linux */
	jw_key(&w, "annotations");
	jw_obj_begin(&w);
	jw_key(&w, "io.github.ctr.version");
	jw_str(&w, CTR_VERSION);
	jw_obj_end(&w);
	jw_key(&w, "potentiallyUnsafeConfigAnnotations");
	jw_arr_begin(&w);
	jw_arr_end(&w);
	jw_obj_end(&w);
	sbuf_addc(&sb, '\n');
	return sbuf_take(&sb, json_out, err);
}
