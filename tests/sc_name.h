/* The i-th name of ctr.c's front-coded sc_names, decoded once (stable pointers), for the
 * seccomp tests that include ../ctr.c. */
#ifndef SC_NAME_H
#define SC_NAME_H
static const char *sc_name(size_t i)
{
	static char names[SC_NNAMES][40];
	if (!names[0][0]) {
		char cur[40];
		const char *p = sc_names;
		for (size_t k = 0; k < SC_NNAMES; k++) {
			p = sc_name_next(p, cur);
			strcpy(names[k], cur);
		}
	}
	return names[i];
}
#endif
