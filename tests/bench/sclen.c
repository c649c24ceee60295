/* sclen: how many BPF instructions ctr's own seccomp compiler makes of a bundle's
 * linux.seccomp (the code of parts/50-seccomp.c, via ../../ctr.c).
 *   sclen BUNDLE   prints the instruction count */
#include "../../ctr.c"

int main(int argc, char **argv)
{
	struct ctr_error err = {0};
	struct spec *s = NULL;
	struct sc_filter *f = NULL;
	if (argc != 2) {
		fprintf(stderr, "usage: sclen BUNDLE\n");
		return 2;
	}
	if (spec_load(argv[1], &s, &err) < 0 ||
	    seccomp_compile(s->has_linux ? s->lx.seccomp : NULL, &f, &err) < 0) {
		fprintf(stderr, "sclen: %s\n", err.msg);
		spec_free(s);
		return 1;
	}
	printf("%u\n", f ? (unsigned)f->len : 0u);
	seccomp_filter_free(f);
	spec_free(s);
	return 0;
}
