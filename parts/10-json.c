
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
