/* Tiny unit-test helpers: each check prints "PASS name" or "FAIL name: why";
 * tests/run.sh counts them. Include after "../ctr.c". */
#ifndef CTR_T_H
#define CTR_T_H
#include <stdio.h>

static int t_failed;

#define T_PASS(...) do { printf("PASS "); printf(__VA_ARGS__); printf("\n"); } while (0)
#define T_FAIL(...) do { printf("FAIL "); printf(__VA_ARGS__); printf("\n"); t_failed = 1; } while (0)
#define T_SKIP(...) do { printf("SKIP "); printf(__VA_ARGS__); printf("\n"); } while (0)

/* CHECK(cond, "name fmt", ...): one test result. */
#define CHECK(cond, ...) do { \
	if (cond) { T_PASS(__VA_ARGS__); } \
	else { printf("FAIL "); printf(__VA_ARGS__); printf(" (%s:%d: %s)\n", __FILE__, __LINE__, #cond); t_failed = 1; } \
} while (0)

#endif
