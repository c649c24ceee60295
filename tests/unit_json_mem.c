/* Memory of a parse, counted: every allocation of ctr.c goes through the counters below
 * (ctr.c is compiled into this file with malloc and friends renamed), so the peak is
 * exact and the same on every run. A 2 MB config with a 1,000,000-element array used
 * to take 96 MB; the budget is 3x the text plus a small constant. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t t_cur, t_peak;

/* Each block carries its size in front of it. */
static void *t_track(size_t *h, size_t n)
{
	if (!h)
		return NULL;
	*h = n;
	t_cur += n;
	if (t_cur > t_peak)
		t_peak = t_cur;
	return (char *)h + 16;
}

static void *t_malloc(size_t n)
{
	return n > SIZE_MAX - 16 ? NULL : t_track(malloc(n + 16), n);
}

static void *t_calloc(size_t k, size_t n)
{
	if (n && k > (SIZE_MAX - 16) / n)
		return NULL;
	return t_track(calloc(1, k * n + 16), k * n);
}

static void t_free(void *p)
{
	if (!p)
		return;
	size_t *h = (size_t *)((char *)p - 16);
	t_cur -= *h;
	free(h);
}

static void *t_realloc(void *p, size_t n)
{
	if (!p)
		return t_malloc(n);
	size_t *h = (size_t *)((char *)p - 16), old = *h;
	size_t *nh = n > SIZE_MAX - 16 ? NULL : realloc(h, n + 16);
	if (!nh)
		return NULL;
	t_cur -= old;
	return t_track(nh, n);
}

static char *t_strdup(const char *s)
{
	char *d = t_malloc(strlen(s) + 1);
	return d ? strcpy(d, s) : NULL;
}

#define malloc t_malloc
#define calloc t_calloc
#define realloc t_realloc
#define free t_free
#define strdup t_strdup
#include "../ctr.c"
#include "t.h"

#define SLACK 65536

/* head, n copies of item joined by sep, tail; *len gets the length. */
static char *gen(const char *head, const char *item, const char *sep, size_t n,
		 const char *tail, size_t *len)
{
	size_t hl = strlen(head), il = strlen(item), sl = strlen(sep), tl = strlen(tail);
	char *t = malloc(hl + n * (il + sl) + tl + 1), *o = t;
	memcpy(o, head, hl);
	o += hl;
	for (size_t i = 0; i < n; i++) {
		if (i) {
			memcpy(o, sep, sl);
			o += sl;
		}
		memcpy(o, item, il);
		o += il;
	}
	memcpy(o, tail, tl + 1);
	*len = (size_t)(o - t) + tl;
	return t;
}

static void check_json(const char *name, const char *text, size_t len)
{
	struct ctr_error err = {0};
	struct json_doc *doc = NULL;
	size_t base = t_cur;
	t_peak = t_cur;
	int rc = json_parse(text, len, "t.json", NULL, &doc, &err);
	size_t peak = t_peak - base;
	CHECK(rc == 0 && peak <= 3 * len + 4096, "json_parse %s (%zu bytes): peak %zu bytes = "
	      "%.2fx the text (budget 3x + 4096) %s", name, len, peak, (double)peak / (double)len,
	      rc ? err.msg : "");
	json_free(doc);
	CHECK(t_cur == base, "json_parse %s: all freed", name);
}

int main(void)
{
	size_t len;
	/* a runnable config with a 1,000,000-element array in a member ctr does not know */
	char *text = gen("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}, "
			 "\"process\": {\"args\": [\"/bin/true\"], \"cwd\": \"/\"}, \"x-data\": [",
			 "0", ",", 1000000, "]}\n", &len);
	struct ctr_error err = {0};
	struct spec *s = NULL;
	size_t base = t_cur;
	t_peak = t_cur;
	int rc = spec_parse(text, len, "config.json", &s, &err);
	size_t peak = t_peak - base;
	CHECK(rc == 0 && peak <= 3 * len + SLACK, "2 MB config, 1,000,000-element array: "
	      "spec_parse peak %zu bytes = %.2fx the %zu-byte text (budget 3x + %d) %s", peak,
	      (double)peak / (double)len, len, SLACK, rc ? err.msg : "");
	CHECK(s && s->n_mounts == 0 && !strcmp(s->process.args[0], "/bin/true"),
	      "the config reads right");
	spec_free(s);
	CHECK(t_cur == base, "spec_parse: all freed");

	/* from a file: spec_load hands its buffer to the parser */
	char dir[] = "/tmp/ctr-jsonmem-XXXXXX", path[64];
	CHECK(mkdtemp(dir) != NULL, "temp dir");
	snprintf(path, sizeof(path), "%s/config.json", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(fd >= 0 && write_all(fd, text, len) == 0, "write config.json");
	if (fd >= 0)
		close(fd);
	base = t_cur;
	t_peak = t_cur;
	rc = spec_load(dir, &s, &err);
	peak = t_peak - base;
	CHECK(rc == 0 && peak <= 3 * len + SLACK, "spec_load of it: peak %zu bytes = %.2fx "
	      "(budget 3x + %d) %s", peak, (double)peak / (double)len, SLACK, rc ? err.msg : "");
	spec_free(s);
	unlink(path);
	rmdir(dir);
	free(text);

	/* a known member full of what the parser only notes: the notes stay few */
	text = gen("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}, \"process\": "
		   "{\"args\": [\"sh\"], \"cwd\": \"/\", \"capabilities\": {\"bounding\": [",
		   "\"X\"", ",", 500000, "]}}}", &len);
	base = t_cur;
	t_peak = t_cur;
	rc = spec_parse(text, len, "config.json", &s, &err);
	peak = t_peak - base;
	CHECK(rc == 0 && peak <= 3 * len + SLACK, "500,000 unknown capabilities: spec_parse peak "
	      "%zu bytes = %.2fx (budget 3x + %d) %s", peak, (double)peak / (double)len, SLACK,
	      rc ? err.msg : "");
	spec_free(s);
	free(text);

	/* the densest documents for the parser: the bound holds for any input */
	static const struct { const char *name, *head, *item, *sep, *tail; } dense[] = {
		{"numbers", "[", "0", ",", "]"},
		{"empty arrays", "[", "[]", ",", "]"},
		{"one-element arrays", "[", "[0]", ",", "]"},
		{"nested pairs", "[", "[[0]]", ",", "]"},
		{"members", "{", "\"\":0", ",", "}"},
		{"strings", "[", "\"\"", ",", "]"},
		{"NUL strings", "[", "\"\\u0000\"", ",", "]"},
		{"objects", "[", "{\"\":{}}", ",", "]"},
	};
	for (size_t i = 0; i < ARRAY_LEN(dense); i++) {
		text = gen(dense[i].head, dense[i].item, dense[i].sep, 200000, dense[i].tail, &len);
		check_json(dense[i].name, text, len);
		free(text);
	}
	return t_failed;
}
