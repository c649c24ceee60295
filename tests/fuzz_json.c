/* libFuzzer target for the JSON parser and writer: `make fuzz` (FUZZ_SECONDS=300).
 * Any input must be parsed or rejected without a crash, leak or undefined behaviour;
 * an accepted one must re-write compactly to text that parses and re-writes to the very
 * same text, and its indented form must read back to the same value. */
#include "../ctr.c"

static char *fuzz_write(const struct json *v, const char *indent)
{
	struct sbuf sb = {0};
	struct jw w;
	jw_init(&w, &sb, indent);
	jw_value(&w, v);
	char *out = NULL;
	if (sbuf_take(&sb, &out, NULL) < 0)
		return NULL;
	return out;
}

static char *fuzz_reparse(const char *text, const char *indent)
{
	struct json_doc *doc;
	struct ctr_error err;
	if (json_parse(text, strlen(text), "again", NULL, &doc, &err) < 0)
		__builtin_trap(); /* our own output must always parse */
	char *out = fuzz_write(json_root(doc), indent);
	json_free(doc);
	if (!out)
		__builtin_trap();
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The line of the first byte that is not JSON whitespace. */
static unsigned fuzz_line(const uint8_t *data, size_t size)
{
	unsigned line = 1;
	for (size_t i = 0; i < size && strchr(" \t\r\n", data[i]) && data[i]; i++)
		line += data[i] == '\n';
	return line;
}

/* The one-pass parse into the caller's memory (`list`) agrees with the two passes: the
 * same error, or the same document. */
static void fuzz_mem(const uint8_t *data, size_t size, int rc, const char *msg,
		     const struct json *root)
{
	static uint64_t mem[8192];
	struct json_doc *doc;
	struct ctr_error err = {0};
	int mrc = json_parse_mem((const char *)data, size, "fuzz", mem, sizeof(mem), &doc, &err);
	if (mrc != rc || (rc < 0 && strcmp(msg, err.msg)))
		__builtin_trap();
	if (rc < 0)
		return;
	char *a = fuzz_write(root, NULL), *b = fuzz_write(json_root(doc), NULL);
	if ((a && b && strcmp(a, b)) || (!a) != (!b))
		__builtin_trap();
	free(a);
	free(b);
	json_free(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_doc *doc;
	struct ctr_error err = {0};
	if (json_parse((const char *)data, size, "fuzz", NULL, &doc, &err) < 0) {
		if (doc || strncmp(err.msg, "fuzz:", 5))
			__builtin_trap();
		fuzz_mem(data, size, -1, err.msg, NULL);
		return 0;
	}
	fuzz_mem(data, size, 0, NULL, json_root(doc));
	const struct json *root = json_root(doc);
	/* json_get finds the last member of each name; every value has a position */
	unsigned line, col;
	json_pos(root, &line, &col);
	if (line != fuzz_line(data, size) || col < 1)
		__builtin_trap();
	/* (both read the document from its start: not for every member of a big one) */
	if (json_type(root) == JSON_OBJECT)
		for (const struct json *m = json_first(root); m && m - root < 512;
		     m = json_next(root, m)) {
			size_t klen;
			const char *key = json_key(m, &klen);
			line = col = 1;
			if (m - root < 8)
				json_pos(m, &line, &col);
			if ((strlen(key) == klen && json_get(root, key) < m) || !line || !col)
				__builtin_trap();
		}
	char *a = fuzz_write(root, NULL);
	char *ind = fuzz_write(root, "  ");
	json_free(doc);
	if (!a) { /* only nesting beyond the writer's 64 levels may fail */
		free(ind);
		return 0;
	}
	char *b = fuzz_reparse(a, NULL);
	char *c = fuzz_reparse(ind ? ind : "null", NULL);
	if (strcmp(a, b) || !ind || strcmp(a, c))
		__builtin_trap();
	free(a);
	free(b);
	free(c);
	free(ind);
	return 0;
}
