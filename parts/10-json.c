
/* ======================================================================
 * json: strict RFC 8259 parser (into a tree with positions) and writer
 * ====================================================================== */

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

/* How a number was written: an integer that fits int64, one that fits only uint64
 * (above INT64_MAX), or anything else (fraction, exponent, or beyond 64 bits). */
enum json_numkind { JSON_NUM_INT, JSON_NUM_UINT, JSON_NUM_DOUBLE };

struct json {
	enum json_type type;
	unsigned line, col;      /* 1-based position of the value's first byte */
	const char *key;         /* member name when this value is in an object, else NULL */
	size_t keylen;
	bool b;                  /* JSON_BOOL */
	enum json_numkind numkind;
	int64_t i;               /* JSON_NUM_INT: exact value */
	uint64_t u;              /* JSON_NUM_UINT, and JSON_NUM_INT when >= 0: exact value */
	double d;                /* every number, as a double */
	const char *s;           /* JSON_STRING: decoded UTF-8, NUL-terminated */
	size_t slen;             /* its length (it may hold \u0000) */
	struct json *items;      /* JSON_ARRAY / JSON_OBJECT: n children, in document order */
	size_t n;
};

struct json_limits {
	size_t max_bytes;        /* 0: JSON_DEFAULT_MAX_BYTES */
	unsigned max_depth;      /* 0: JSON_DEFAULT_MAX_DEPTH */
};
#define JSON_DEFAULT_MAX_BYTES (16u << 20)
#define JSON_DEFAULT_MAX_DEPTH 200

struct json_doc;

/* Parse text[0..len). source names the input in errors ("config.json"). On error the
 * message reads "<source>:<line>:<col>: <what was wrong>, expected <what>". */
static int json_parse(const char *text, size_t len, const char *source,
		      const struct json_limits *limits, struct json_doc **out,
		      struct ctr_error *err);
static const struct json *json_root(const struct json_doc *doc);
static void json_free(struct json_doc *doc);

/* Member of an object by name (the last one if repeated); NULL if absent or v is not
 * an object. */
static const struct json *json_get(const struct json *obj, const char *key);

/* Writer. indent NULL gives compact output; otherwise each level is indented by it
 * ("\t", "  ", "    "), with ": " after keys, like Go's json.MarshalIndent. */
struct jw {
	struct sbuf *sb;
	const char *indent;
	unsigned depth;
	bool first[64];          /* per level: no element written yet */
	bool after_key;
};
static void jw_init(struct jw *w, struct sbuf *sb, const char *indent);
static void jw_obj_begin(struct jw *w);
static void jw_obj_end(struct jw *w);
static void jw_arr_begin(struct jw *w);
static void jw_arr_end(struct jw *w);
static void jw_key(struct jw *w, const char *key);
static void jw_str(struct jw *w, const char *s);
static void jw_strn(struct jw *w, const char *s, size_t len);
static void jw_int(struct jw *w, int64_t v);
static void jw_uint(struct jw *w, uint64_t v);
static void jw_double(struct jw *w, double v);
static void jw_bool(struct jw *w, bool v);
static void jw_null(struct jw *w);
/* Write an already-encoded JSON value verbatim. */
static void jw_raw(struct jw *w, const char *json, size_t len);
/* Re-emit a parsed value (with this writer's formatting). */
static void jw_value(struct jw *w, const struct json *v);

/* ---- parser ---- */

#include <locale.h> /* strtod and printf follow LC_NUMERIC; we write '.' regardless */

/* The tree lives in one allocation: the nodes (the root, then each container's children
 * as one block), then the decoded strings. */
struct json_doc {
	size_t count;
	struct json nodes[];
};

/* The text is read twice: the first pass validates it and counts the nodes, each
 * container's children and the string bytes; the second fills a document of exactly
 * that size, with no copying or reallocation. */
struct json_parser {
	const char *p, *end, *line_start;
	unsigned line, max_depth;
	const char *source;
	struct ctr_error *err;
	struct json *nodes;      /* second pass: the document's nodes; NULL in the first */
	size_t nnodes;           /* nodes counted, or handed out */
	char *str;               /* second pass: the document's strings */
	size_t nstr;             /* string bytes counted, or written */
	size_t *counts;          /* children of each container, in document order */
	size_t ncounts, capcounts;
	size_t *frames;          /* open containers: index in counts (first pass) or nodes,
				  * times 2, plus 1 for objects */
	size_t nframes, capframes;
	struct json scratch;     /* first pass: the value being read */
	const char *key;         /* member name for the next value */
	size_t keylen;
};

PRINTF_LIKE(3, 4)
static int json_fail(struct json_parser *ps, const char *at, const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(ps->err, 0, "%s:%u:%u: %s", ps->source, ps->line,
		       (unsigned)(at - ps->line_start) + 1, msg);
}

static int json_unexpected(struct json_parser *ps, const char *at, const char *expected)
{
	char what[16];
	unsigned char c = at < ps->end ? (unsigned char)*at : 0;
	if (at >= ps->end)
		snprintf(what, sizeof(what), "end of input");
	else if (ps->line == 1 && at == ps->line_start && ps->end - at >= 3 &&
		 !memcmp(at, "\xef\xbb\xbf", 3))
		snprintf(what, sizeof(what), "byte order mark");
	else if (c > 0x20 && c < 0x7f)
		snprintf(what, sizeof(what), "'%c'", c);
	else
		snprintf(what, sizeof(what), "byte 0x%02x", c);
	return json_fail(ps, at, "unexpected %s, expected %s", what, expected);
}

static void json_ws(struct json_parser *ps)
{
	const char *p = ps->p;
	for (; p < ps->end; p++) {
		if (*p == '\n') {
			ps->line++;
			ps->line_start = p + 1;
		} else if (*p != ' ' && *p != '\t' && *p != '\r') {
			break;
		}
	}
	ps->p = p;
}

/* Grow an array to hold need elements; NULL (array untouched) when out of memory. */
static void *json_grow(void *arr, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return arr;
	size_t n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	if (n > SIZE_MAX / size)
		return NULL;
	void *na = realloc(arr, n * size);
	if (na)
		*cap = n;
	return na;
}

/* Length of the valid UTF-8 sequence at p (2..4 bytes; p[0] >= 0x80), or 0 with *bad set
 * to the index of the offending byte. Rejects overlongs, surrogates, > U+10FFFF. */
static size_t json_utf8_len(const unsigned char *p, size_t avail, size_t *bad)
{
	unsigned c = p[0], lo = 0x80, hi = 0xbf;
	size_t n;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		*bad = 0;
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if (i >= avail || p[i] < lo || p[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return n;
}

/* The 4 hex digits at p into *cp; returns NULL, or the offending byte. */
static const char *json_hex4(const char *p, const char *end, unsigned *cp)
{
	*cp = 0;
	for (int i = 0; i < 4; i++, p++) {
		unsigned c = p < end ? (unsigned char)*p : 0, d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return p;
		*cp = *cp << 4 | d;
	}
	return NULL;
}

/* Encode cp (at most U+10FFFF) as UTF-8; returns the length. */
static size_t json_utf8_put(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int json_utf8_error(struct json_parser *ps, const char *p, size_t bad)
{
	if (p + bad >= ps->end)
		return json_fail(ps, ps->end, "truncated UTF-8 sequence in string");
	unsigned char c = (unsigned char)p[bad];
	return json_fail(ps, p + bad, bad && (c < 0x80 || c >= 0xc0) ?
			 "truncated UTF-8 sequence in string before byte 0x%02x" :
			 "invalid UTF-8 byte 0x%02x in string", c);
}

/* Decode the escape at *pp (a '\') into buf and its length into *len; advances *pp. */
static int json_escape(struct json_parser *ps, const char **pp, char buf[4], size_t *len)
{
	static const char simple[] = "\"\"\\\\//b\bf\fn\nr\rt\t"; /* escape, byte */
	const char *p = *pp, *end = ps->end, *bad;
	if (p + 1 >= end)
		return json_fail(ps, end, "unterminated string, expected '\"'");
	unsigned char e = (unsigned char)p[1];
	const char *s = e ? strchr(simple, e) : NULL;
	if (s && (s - simple) % 2 == 0) {
		buf[0] = s[1];
		*len = 1;
		*pp = p + 2;
		return 0;
	}
	if (e != 'u') {
		if (e > 0x20 && e < 0x7f)
			return json_fail(ps, p, "invalid escape '\\%c' in string", e);
		return json_fail(ps, p, "invalid escape in string: '\\' then byte 0x%02x", e);
	}
	unsigned cp, lo = 0;
	if ((bad = json_hex4(p + 2, end, &cp)))
		return json_unexpected(ps, bad, "4 hex digits after '\\u'");
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return json_fail(ps, p, "unpaired surrogate '\\u%04x' in string", cp);
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (p + 7 < end && p[6] == '\\' && p[7] == 'u' && (bad = json_hex4(p + 8, end, &lo)))
			return json_unexpected(ps, bad, "4 hex digits after '\\u'");
		if (lo < 0xdc00 || lo > 0xdfff)
			return json_fail(ps, p, "unpaired surrogate '\\u%04x' in string, expected a "
					 "low surrogate '\\udc00'..'\\udfff' after it", cp);
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		p += 6;
	}
	*len = json_utf8_put(buf, cp);
	*pp = p + 6;
	return 0;
}

/* Check the string at ps->p (a '"'), count its decoded size, and in the second pass
 * decode it into ps->str. */
static int json_string(struct json_parser *ps, const char **out, size_t *outlen)
{
	const char *p = ps->p + 1, *end = ps->end;
	char *o = ps->str ? ps->str + ps->nstr : NULL;
	size_t len = 0;
	for (;;) {
		/* a run of bytes that stay as they are: printable ASCII and valid UTF-8 */
		const char *run = p;
		while (p < end) {
			unsigned char c = (unsigned char)*p;
			if (c >= 0x80) {
				size_t bad, n = json_utf8_len((const unsigned char *)p,
							      (size_t)(end - p), &bad);
				if (!n)
					return json_utf8_error(ps, p, bad);
				p += n;
			} else if (c >= 0x20 && c != '"' && c != '\\') {
				p++;
			} else {
				break;
			}
		}
		if (o)
			memcpy(o + len, run, (size_t)(p - run));
		len += (size_t)(p - run);
		if (p >= end)
			return json_fail(ps, p, "unterminated string, expected '\"'");
		if (*p == '"')
			break;
		if (*p != '\\')
			return json_fail(ps, p, "unescaped control character 0x%02x in string",
					 (unsigned char)*p);
		char buf[4];
		size_t n = 0;
		if (json_escape(ps, &p, buf, &n) < 0)
			return -1;
		if (o)
			memcpy(o + len, buf, n);
		len += n;
	}
	if (o)
		o[len] = 0;
	*out = o;
	*outlen = len;
	ps->nstr += len + 1;
	ps->p = p + 1;
	return 0;
}

static bool json_digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

/* Check the number at ps->p; in the second pass, store its value in v. */
static int json_number(struct json_parser *ps, struct json *v)
{
	const char *p = ps->p, *end = ps->end, *start = p;
	bool neg = *p == '-', ovf = false, integer = true;
	uint64_t mag = 0;
	p += neg;
	if (!json_digit(p, end))
		return json_unexpected(ps, p, "a digit");
	if (*p == '0' && json_digit(p + 1, end))
		return json_fail(ps, p + 1, "leading zero in number");
	for (; json_digit(p, end); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (mag > (UINT64_MAX - d) / 10)
			ovf = true;
		mag = mag * 10 + d;
	}
	if (p < end && *p == '.') {
		integer = false;
		if (!json_digit(++p, end))
			return json_unexpected(ps, p, "a digit after '.'");
		while (json_digit(p, end))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		integer = false;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!json_digit(p, end))
			return json_unexpected(ps, p, "a digit in the exponent");
		while (json_digit(p, end))
			p++;
	}
	ps->p = p;
	v->type = JSON_NUMBER;
	if (!ps->nodes)
		return 0;
	if (integer && !ovf && (!neg || mag <= (uint64_t)INT64_MAX + 1)) {
		v->numkind = neg || mag <= INT64_MAX ? JSON_NUM_INT : JSON_NUM_UINT;
		if (v->numkind == JSON_NUM_INT)
			v->i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
		v->u = neg ? 0 : mag;
		v->d = neg ? -(double)mag : (double)mag;
		return 0;
	}
	/* strtod needs a NUL-terminated copy, with the locale's decimal point */
	v->numkind = JSON_NUM_DOUBLE;
	size_t len = (size_t)(p - start);
	char small[64], *buf = len < sizeof(small) ? small : malloc(len + 1);
	if (!buf)
		return err_nomem(ps->err);
	memcpy(buf, start, len);
	buf[len] = 0;
	char *dot = memchr(buf, '.', len);
	if (dot)
		*dot = *localeconv()->decimal_point;
	v->d = strtod(buf, NULL);
	if (buf != small)
		free(buf);
	return 0;
}

/* The node for the next value: in the second pass, the next slot of the innermost
 * container's block (or the root); in the first, a scratch node that is only counted. */
static struct json *json_push(struct json_parser *ps)
{
	struct json *v = &ps->scratch, *parent = NULL;
	size_t top = ps->nframes ? ps->frames[ps->nframes - 1] : 0;
	if (!ps->nodes) {
		ps->nnodes++;
		if (ps->nframes)
			ps->counts[top / 2]++;
	} else if (ps->nframes) {
		parent = &ps->nodes[top / 2];
		v = &parent->items[parent->n++];
	} else {
		v = &ps->nodes[0];
	}
	memset(v, 0, sizeof(*v));
	v->line = ps->line;
	v->col = (unsigned)(ps->p - ps->line_start) + 1;
	if (parent && parent->type == JSON_OBJECT) {
		v->key = ps->key;
		v->keylen = ps->keylen;
	}
	return v;
}

/* Open the container v (at ps->p): a frame, and in the second pass its block of children. */
static int json_open(struct json_parser *ps, struct json *v)
{
	if (ps->nframes >= ps->max_depth)
		return json_fail(ps, ps->p, "nesting deeper than %u levels", ps->max_depth);
	size_t *f = json_grow(ps->frames, &ps->capframes, ps->nframes + 1, sizeof(*f));
	if (!f)
		return err_nomem(ps->err);
	ps->frames = f;
	v->type = *ps->p++ == '{' ? JSON_OBJECT : JSON_ARRAY;
	size_t idx;
	if (!ps->nodes) {
		size_t *c = json_grow(ps->counts, &ps->capcounts, ps->ncounts + 1, sizeof(*c));
		if (!c)
			return err_nomem(ps->err);
		ps->counts = c;
		idx = ps->ncounts;
		c[ps->ncounts++] = 0;
	} else {
		size_t n = ps->counts[ps->ncounts++];
		v->items = n ? ps->nodes + ps->nnodes : NULL;
		ps->nnodes += n;
		idx = (size_t)(v - ps->nodes);
	}
	f[ps->nframes++] = idx * 2 + (v->type == JSON_OBJECT);
	return 0;
}

/* One pass over the whole text, without recursion. */
static int json_pass(struct json_parser *ps)
{
	struct json *v;
	bool object;
value:
	json_ws(ps);
	v = json_push(ps);
	if (ps->p >= ps->end)
		return json_unexpected(ps, ps->p, "a value");
	switch (*ps->p) {
	case '{':
	case '[':
		if (json_open(ps, v) < 0)
			return -1;
		json_ws(ps);
		if (ps->p < ps->end && *ps->p == (v->type == JSON_OBJECT ? '}' : ']')) {
			ps->nframes--;
			ps->p++;
			goto next;
		}
		if (v->type == JSON_OBJECT)
			goto key;
		goto value;
	case '"':
		v->type = JSON_STRING;
		if (json_string(ps, &v->s, &v->slen) < 0)
			return -1;
		goto next;
	case 't':
	case 'f':
	case 'n': {
		static const char words[][6] = {"true", "false", "null"};
		const char *word = words[*ps->p == 't' ? 0 : *ps->p == 'f' ? 1 : 2];
		for (const char *w = word; *w; w++, ps->p++)
			if (ps->p >= ps->end || *ps->p != *w) {
				char expected[24];
				snprintf(expected, sizeof(expected), "the literal '%s'", word);
				return json_unexpected(ps, ps->p, expected);
			}
		v->type = *word == 'n' ? JSON_NULL : JSON_BOOL;
		v->b = *word == 't';
		goto next;
	}
	default:
		if (*ps->p != '-' && (*ps->p < '0' || *ps->p > '9'))
			return json_unexpected(ps, ps->p, "a value");
		if (json_number(ps, v) < 0)
			return -1;
		goto next;
	}
next:
	json_ws(ps);
	if (!ps->nframes) {
		if (ps->p < ps->end)
			return json_unexpected(ps, ps->p, "end of input");
		return 0;
	}
	object = ps->frames[ps->nframes - 1] & 1;
	if (ps->p < ps->end && *ps->p == ',') {
		ps->p++;
		if (!object)
			goto value;
		json_ws(ps);
		goto key;
	}
	if (ps->p < ps->end && *ps->p == (object ? '}' : ']')) {
		ps->nframes--;
		ps->p++;
		goto next;
	}
	return json_unexpected(ps, ps->p, object ? "',' or '}'" : "',' or ']'");
key:
	if (ps->p >= ps->end || *ps->p != '"')
		return json_unexpected(ps, ps->p, "a string key");
	if (json_string(ps, &ps->key, &ps->keylen) < 0)
		return -1;
	json_ws(ps);
	if (ps->p >= ps->end || *ps->p != ':')
		return json_unexpected(ps, ps->p, "':'");
	ps->p++;
	goto value;
}

static int json_parse(const char *text, size_t len, const char *source,
		      const struct json_limits *limits, struct json_doc **out,
		      struct ctr_error *err)
{
	size_t max_bytes = limits && limits->max_bytes ? limits->max_bytes : JSON_DEFAULT_MAX_BYTES;
	*out = NULL;
	if (!source)
		source = "<input>";
	if (!text)
		text = "";
	if (len > max_bytes)
		return err_set(err, EFBIG, "%s: document is %zu bytes, more than the limit of %zu",
			       source, len, max_bytes);
	struct json_parser ps = {
		.p = text, .end = text + len, .line_start = text, .line = 1,
		.max_depth = limits && limits->max_depth ? limits->max_depth : JSON_DEFAULT_MAX_DEPTH,
		.source = source, .err = err,
	};
	struct json_doc *doc = NULL;
	int rc = json_pass(&ps);
	if (rc == 0) {
		size_t room = (SIZE_MAX - sizeof(*doc) - ps.nstr) / sizeof(struct json);
		if (ps.nnodes <= room)
			doc = malloc(sizeof(*doc) + ps.nnodes * sizeof(struct json) + ps.nstr);
		if (!doc) {
			rc = err_nomem(err);
		} else {
			doc->count = ps.nnodes;
			ps.nodes = doc->nodes;
			ps.str = (char *)(doc->nodes + ps.nnodes);
			ps.p = ps.line_start = text;
			ps.line = 1;
			ps.nnodes = 1;
			ps.nstr = ps.ncounts = ps.nframes = 0;
			rc = json_pass(&ps);
		}
	}
	free(ps.counts);
	free(ps.frames);
	if (rc < 0) {
		free(doc);
		return -1;
	}
	*out = doc;
	return 0;
}

static const struct json *json_root(const struct json_doc *doc)
{
	return doc ? &doc->nodes[0] : NULL;
}

static void json_free(struct json_doc *doc)
{
	free(doc);
}

static const struct json *json_get(const struct json *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT || !key)
		return NULL;
	size_t len = strlen(key);
	for (size_t i = obj->n; i-- > 0;)
		if (obj->items[i].keylen == len && !memcmp(obj->items[i].key, key, len))
			return &obj->items[i];
	return NULL;
}

/* ---- writer ---- */

static void jw_init(struct jw *w, struct sbuf *sb, const char *indent)
{
	memset(w, 0, sizeof(*w));
	w->sb = sb;
	w->indent = indent;
}

static void jw_newline(struct jw *w)
{
	if (!w->indent)
		return;
	sbuf_addc(w->sb, '\n');
	for (unsigned i = 0; i < w->depth; i++)
		sbuf_adds(w->sb, w->indent);
}

/* Before each value or key: the separator and, when indenting, the line break. */
static void jw_sep(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->depth || w->depth > ARRAY_LEN(w->first))
		return;
	if (!w->first[w->depth - 1])
		sbuf_addc(w->sb, ',');
	w->first[w->depth - 1] = false;
	jw_newline(w);
}

static void jw_open(struct jw *w, char c)
{
	jw_sep(w);
	sbuf_addc(w->sb, c);
	if (++w->depth > ARRAY_LEN(w->first))
		w->sb->failed = true;
	else
		w->first[w->depth - 1] = true;
}

static void jw_close(struct jw *w, char c)
{
	if (!w->depth || w->after_key) {
		w->sb->failed = true;
		return;
	}
	bool empty = w->depth > ARRAY_LEN(w->first) || w->first[w->depth - 1];
	w->depth--;
	if (!empty)
		jw_newline(w);
	sbuf_addc(w->sb, c);
}

static void jw_obj_begin(struct jw *w) { jw_open(w, '{'); }
static void jw_obj_end(struct jw *w) { jw_close(w, '}'); }
static void jw_arr_begin(struct jw *w) { jw_open(w, '['); }
static void jw_arr_end(struct jw *w) { jw_close(w, ']'); }

/* A quoted, escaped string: no separator logic. Invalid UTF-8 becomes U+FFFD. */
static void jw_quote(struct sbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len, *run = p;
	sbuf_addc(sb, '"');
	while (p < end) {
		unsigned char c = *p;
		size_t n = 1, bad;
		if (c >= 0x20 && c != '"' && c != '\\' && (c < 0x80 ||
		    (n = json_utf8_len(p, (size_t)(end - p), &bad)))) {
			p += n;
			continue;
		}
		sbuf_add(sb, run, (size_t)(p - run));
		static const char pairs[] = "\"\"\\\\\bb\ff\nn\rr\tt"; /* raw, escaped */
		const char *esc = c ? strchr(pairs, c) : NULL;
		char buf[8];
		if (c >= 0x80) {
			sbuf_adds(sb, "\\ufffd");
		} else if (esc && (esc - pairs) % 2 == 0) {
			buf[0] = '\\';
			buf[1] = esc[1];
			sbuf_add(sb, buf, 2);
		} else {
			snprintf(buf, sizeof(buf), "\\u%04x", c);
			sbuf_add(sb, buf, 6);
		}
		run = ++p;
	}
	sbuf_add(sb, run, (size_t)(p - run));
	sbuf_addc(sb, '"');
}

static void jw_keyn(struct jw *w, const char *key, size_t len)
{
	jw_sep(w);
	jw_quote(w->sb, key, len);
	sbuf_adds(w->sb, w->indent ? ": " : ":");
	w->after_key = true;
}

static void jw_key(struct jw *w, const char *key)
{
	jw_keyn(w, key, strlen(key));
}

static void jw_strn(struct jw *w, const char *s, size_t len)
{
	jw_sep(w);
	jw_quote(w->sb, s, len);
}

static void jw_str(struct jw *w, const char *s)
{
	if (!s)
		jw_null(w);
	else
		jw_strn(w, s, strlen(s));
}

static void jw_raw(struct jw *w, const char *json, size_t len)
{
	jw_sep(w);
	sbuf_add(w->sb, json, len);
}

static void jw_uint(struct jw *w, uint64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	jw_raw(w, p, (size_t)(buf + sizeof(buf) - p));
}

static void jw_int(struct jw *w, int64_t v)
{
	if (v >= 0)
		return jw_uint(w, (uint64_t)v);
	char buf[24], *p = buf + sizeof(buf);
	uint64_t m = 0 - (uint64_t)v;
	do
		*--p = (char)('0' + m % 10);
	while (m /= 10);
	*--p = '-';
	jw_raw(w, p, (size_t)(buf + sizeof(buf) - p));
}

/* The shortest digits that read back as v (round-tripping is monotonic in the number of
 * digits), laid out like JavaScript: plain from 1e-6 to 1e21, else with an exponent. */
static void jw_double(struct jw *w, double v)
{
	if (!isfinite(v))
		return jw_null(w);
	char e[40], out[48], *o = out, *p = e, digits[20] = "0";
	int lo = 0, hi = 16, nd = 0;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		snprintf(e, sizeof(e), "%.*e", mid, v);
		if (strtod(e, NULL) == v)
			hi = mid;
		else
			lo = mid + 1;
	}
	snprintf(e, sizeof(e), "%.*e", hi, v); /* [-]d[.ddd]e[+-]xx, any decimal point */
	if (*p == '-')
		*o++ = *p++;
	for (; *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			digits[nd++] = *p;
	int x = atoi(p + 1);
	if (x < -6 || x >= 21) {
		*o++ = digits[0];
		if (nd > 1)
			*o++ = '.';
		memcpy(o, digits + 1, (size_t)nd - 1);
		o += nd - 1;
		o += snprintf(o, 8, "e%+d", x);
	} else if (x < 0) {
		memcpy(o, "0.00000", (size_t)(1 - x));
		o += 1 - x;
		memcpy(o, digits, (size_t)nd);
		o += nd;
	} else {
		for (int i = 0; i <= x || i < nd; i++) {
			if (i == x + 1)
				*o++ = '.';
			*o++ = i < nd ? digits[i] : '0';
		}
	}
	jw_raw(w, out, (size_t)(o - out));
}

static void jw_bool(struct jw *w, bool v)
{
	jw_raw(w, v ? "true" : "false", v ? 4 : 5);
}

static void jw_null(struct jw *w)
{
	jw_raw(w, "null", 4);
}

static void jw_value(struct jw *w, const struct json *v)
{
	if (!v)
		return jw_null(w);
	switch (v->type) {
	case JSON_NULL:
		return jw_null(w);
	case JSON_BOOL:
		return jw_bool(w, v->b);
	case JSON_NUMBER:
		if (v->numkind == JSON_NUM_UINT)
			return jw_uint(w, v->u);
		/* -0 keeps its sign */
		if (v->numkind == JSON_NUM_DOUBLE || (v->i == 0 && signbit(v->d)))
			return jw_double(w, v->d);
		return jw_int(w, v->i);
	case JSON_STRING:
		return jw_strn(w, v->s, v->slen);
	case JSON_ARRAY:
	case JSON_OBJECT:
		if (w->depth >= ARRAY_LEN(w->first)) {
			/* too deep for the writer; also bounds this recursion */
			w->sb->failed = true;
			return;
		}
		jw_open(w, v->type == JSON_OBJECT ? '{' : '[');
		for (size_t i = 0; i < v->n; i++) {
			if (v->type == JSON_OBJECT)
				jw_keyn(w, v->items[i].key, v->items[i].keylen);
			jw_value(w, &v->items[i]);
		}
		jw_close(w, v->type == JSON_OBJECT ? '}' : ']');
	}
}
