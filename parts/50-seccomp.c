
/* ======================================================================
 * seccomp
 * ====================================================================== */

/* linux.seccomp compiled to classic BPF by our own generator (or by libseccomp when
 * built with LIBSECCOMP=1). */
struct sc_filter;

/* Compile in the parent (before fork), so the init only installs. */
static int seccomp_compile(const struct spec_seccomp *sc, struct sc_filter **out,
			   struct ctr_error *err);
static void seccomp_filter_free(struct sc_filter *f);
/* Install in the calling process right before execve. *listener_fd gets the
 * SECCOMP_FILTER_FLAG_NEW_LISTENER fd when the profile uses NOTIFY, else -1. */
static int seccomp_install(const struct sc_filter *f, int *listener_fd, struct ctr_error *err);
/* Send the notify fd with the container process state to linux.seccomp.listenerPath
 * (SCM_RIGHTS), as the runtime-spec describes. */
static int seccomp_send_listener(const struct spec_seccomp *sc, int listener_fd, pid_t pid,
				 const char *state_json, struct ctr_error *err);
/* The "seccomp" object of the features document. */
static void seccomp_features(struct jw *w);
