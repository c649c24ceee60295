#!/usr/bin/env python3
"""Generate the JSON conformance corpus: valid/*.json must parse, invalid/*.json must be
rejected. Run once from anywhere; it rewrites both directories."""
import os, shutil

here = os.path.dirname(os.path.abspath(__file__))
cases = {"valid": {}, "invalid": {}}


def add(kind, name, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    assert name not in cases[kind], name
    cases[kind][name] = data


def v(name, data):
    add("valid", name, data)


def bad(name, data):
    add("invalid", name, data)


# ---- top-level scalars and whitespace ----
for name, text in [("int", "0"), ("neg_zero", "-0"), ("one", "1"), ("neg", "-1"),
                   ("frac", "1.5"), ("exp", "1e5"), ("true", "true"), ("false", "false"),
                   ("null", "null"), ("empty_string", '""'), ("string", '"a"'),
                   ("empty_array", "[]"), ("empty_object", "{}")]:
    v("top_" + name, text)
    v("top_ws_" + name, " \t\r\n" + text + "\n\r\t ")
ws = [" ", "\t", "\n", "\r", "\r\n", "  \t\n\r  "]
for i, w in enumerate(ws):
    v("ws_%d_array" % i, "[" + w + "1" + w + "," + w + "2" + w + "]")
    v("ws_%d_object" % i, "{" + w + '"a"' + w + ":" + w + "1" + w + "," + w + '"b"' + w + ":" + w + "[" + w + "]" + w + "}")
    v("ws_%d_empty" % i, "[" + w + "]")
    v("ws_%d_empty_obj" % i, "{" + w + "}")
v("ws_crlf_document", '{\r\n  "a": 1,\r\n  "b": [\r\n    true\r\n  ]\r\n}\r\n')
v("ws_only_tabs", '\t[\t1\t,\t{\t"k"\t:\tnull\t}\t]\t')

# ---- strings: every escape, unicode, UTF-8 of every length ----
escapes = {"quote": r'\"', "backslash": r"\\", "slash": r"\/", "b": r"\b", "f": r"\f",
           "n": r"\n", "r": r"\r", "t": r"\t", "u0000": r"\u0000", "u001f": r"\u001f",
           "u0041": r"\u0041", "u007f": r"\u007f", "u0080": r"\u0080", "u00e9": r"\u00e9",
           "u07ff": r"\u07ff", "u0800": r"\u0800", "u20ac": r"\u20AC", "ud7ff": r"\uD7FF",
           "ue000": r"\ue000", "ufeff": r"\ufeff", "ufffe": r"\ufffe", "uffff": r"\uFFFF",
           "pair_min": r"\ud800\udc00", "pair_emoji": r"\ud83d\ude00",
           "pair_max": r"\udbff\udfff", "pair_upper": r"\uD834\uDD1E",
           "pair_mixed_case": r"\uD83d\uDe00", "all_simple": r'\"\\\/\b\f\n\r\t',
           "u0000_middle": r"a\u0000b", "many_u0000": r"\u0000\u0000\u0000"}
for name, e in escapes.items():
    v("str_escape_" + name, '"' + e + '"')
    v("str_escape_in_key_" + name, '{"' + e + '":"' + e + '"}')
utf8 = {"1byte": "A", "del": "\x7f", "2byte_min": "\u0080", "2byte": "\u00e9",
        "2byte_max": "\u07ff", "3byte_min": "\u0800", "3byte": "\u20ac",
        "3byte_before_surrogates": "\ud7ff", "3byte_after_surrogates": "\ue000",
        "3byte_bom_char": "\ufeff", "3byte_max": "\uffff", "4byte_min": "\U00010000",
        "4byte_emoji": "\U0001f600", "4byte_max": "\U0010ffff",
        "mixed": "a\u00e9\u20ac\U0001f600z", "cjk": "\u65e5\u672c\u8a9e",
        "nonchar_fdd0": "\ufdd0", "u2028": "\u2028\u2029"}
for name, s in utf8.items():
    v("str_utf8_" + name, '"' + s + '"')
    v("str_utf8_key_" + name, '{"' + s + '":[' + '"' + s + s + '"]}')
v("str_long", '"' + "x" * 30000 + '"')
v("str_long_escapes", '"' + r"\n\u00e9\ud83d\ude00" * 1500 + '"')
v("str_long_utf8", '"' + "\u00e9\u20ac\U0001f600" * 3000 + '"')
v("str_spaces", '"   "')
v("str_single_quote", '"\'"')
v("str_comment_like", '"/* not a comment */ // either"')
v("str_json_inside", '"{\\"a\\":[1,2]}"')

# ---- numbers ----
nums = {"zero": "0", "neg_zero": "-0", "zero_frac": "0.0", "neg_zero_frac": "-0.0",
        "zero_exp": "0e0", "neg_zero_exp": "-0E-0", "small_int": "42", "neg_int": "-42",
        "frac": "3.14159", "neg_frac": "-0.5", "exp_lower": "1e10", "exp_upper": "1E10",
        "exp_plus": "1e+10", "exp_minus": "1e-10", "frac_exp": "1.25e-3",
        "exp_leading_zeros": "1e007", "zero_point_many": "0.000000000000000000001",
        "int64_max": "9223372036854775807", "int64_min": "-9223372036854775808",
        "int64_max_plus1": "9223372036854775808", "int64_min_minus1": "-9223372036854775809",
        "uint64_max": "18446744073709551615", "uint64_max_plus1": "18446744073709551616",
        "uint64_max_times10": "184467440737095516150", "int_100_digits": "1" * 100,
        "neg_int_100_digits": "-" + "9" * 100, "2_pow_53": "9007199254740992",
        "2_pow_53_plus1": "9007199254740993", "double_max": "1.7976931348623157e308",
        "double_min_normal": "2.2250738585072014e-308", "double_min_sub": "5e-324",
        "overflow": "1e400", "neg_overflow": "-1e400", "underflow": "1e-400",
        "long_frac": "0." + "3" * 400, "exp_huge": "1e99999999999999999999",
        "exp_neg_huge": "1e-99999999999999999999", "one_point_zero": "1.0",
        "point_one": "0.1", "third": "0.3333333333333333", "frac_ends_zero": "1.50",
        "int_with_exp": "123e2", "big_exp_int": "1E21", "uint_like_frac": "18446744073709551615.0"}
for name, n in nums.items():
    v("num_" + name, n)
    v("num_in_array_" + name, "[" + n + "," + n + "]")
v("num_array_mixed", "[0,-0,1,-1,1.5,-1.5,1e3,-1e-3,9223372036854775807,18446744073709551615]")

# ---- structure ----
v("obj_duplicate_keys", '{"a":1,"a":2,"a":3}')
v("obj_empty_key", '{"":0}')
v("obj_many_types", '{"n":null,"t":true,"f":false,"i":1,"d":2.5,"s":"x","a":[],"o":{}}')
v("arr_many_types", '[null,true,false,1,2.5,"x",[],{}]')
v("arr_nested_empty", "[[],[[]],[[[]]],{}]")
v("obj_nested", '{"a":{"b":{"c":{"d":{}}}}}')
v("arr_of_objects", '[{"a":1},{"a":2},{"b":[{"c":3}]}]')
v("oci_like", '{"ociVersion":"1.3.0","process":{"terminal":true,"user":{"uid":0,"gid":0},'
  '"args":["sh"],"env":["PATH=/usr/bin:/bin","TERM=xterm"],"cwd":"/"},'
  '"root":{"path":"rootfs","readonly":true},"hostname":"ctr",'
  '"linux":{"resources":{"memory":{"limit":-1}},"namespaces":[{"type":"pid"}]}}')
for d in (1, 2, 10, 64, 65, 199, 200):
    v("deep_array_%d" % d, "[" * d + "]" * d)
for d in (2, 64, 200):
    v("deep_object_%d" % d, '{"a":' * (d - 1) + "{}" + "}" * (d - 1))
    v("deep_mixed_%d" % d, ('[{"k":' * (d // 2)) + "1" + ("}]" * (d // 2)))
v("big_array_ints", "[" + ",".join(str(i * 7919 - 50000) for i in range(5000)) + "]")
v("big_array_doubles", "[" + ",".join("%d.%de%d" % (i, i * 3, i % 40 - 20) for i in range(1000)) + "]")
v("big_object", "{" + ",".join('"key%d":%d' % (i, i) for i in range(3000)) + "}")
v("big_nested", "[" + ",".join('{"id":%d,"tags":["a","b"],"o":{"x":[%d,{}]}}' % (i, i) for i in range(1000)) + "]")
v("wide_and_deep", "[" + ",".join("[" * 50 + str(i) + "]" * 50 for i in range(200)) + "]")

# ======== invalid ========
bad("empty", "")
bad("only_space", " ")
bad("only_newlines", "\n\n\r\n")
for name, text in [("object", "{}"), ("array", "[1]"), ("string", '"a"'), ("number", "1")]:
    bad("bom_" + name, "\ufeff" + text)
bad("bom_only", "\ufeff")
bad("bom_after_ws", " \ufeff{}")
# trailing commas
for name, text in [("array", "[1,]"), ("array_ws", "[1 , ]"), ("array_only", "[,]"),
                   ("array_nested", "[[1,],2]"), ("array_double", "[1,,2]"),
                   ("array_leading", "[,1]"), ("object", '{"a":1,}'),
                   ("object_ws", '{"a":1 ,\n}'), ("object_only", "{,}"),
                   ("object_leading", '{,"a":1}'), ("object_double", '{"a":1,,"b":2}'),
                   ("top", "1,"), ("nested_object", '{"a":{"b":1,}}')]:
    bad("trailing_comma_" + name, text)
# comments
for name, text in [("line", "// c\n1"), ("line_after", "[1] // c"), ("block", "/* c */ 1"),
                   ("block_inside", "[1 /* c */]"), ("hash", "# c\n1"),
                   ("line_in_object", '{"a":1 // c\n}'), ("block_between", '{"a":/**/1}')]:
    bad("comment_" + name, text)
# numbers
for name, text in [("leading_zero", "01"), ("leading_zero_neg", "-01"), ("double_zero", "00"),
                   ("leading_zero_frac", "012.5"), ("leading_zero_exp", "01e2"),
                   ("leading_zeros_many", "0000"), ("leading_zero_in_array", "[007]"),
                   ("plus", "+1"), ("plus_zero", "+0"), ("dot_start", ".5"), ("dot_end", "1."),
                   ("dot_exp", "1.e5"), ("exp_only", "1e"), ("exp_plus_only", "1e+"),
                   ("exp_minus_only", "1E-"), ("exp_dot", "1e1.5"), ("minus_only", "-"),
                   ("minus_minus", "--1"), ("minus_space", "- 1"), ("minus_dot", "-.5"),
                   ("hex", "0x10"), ("hex_upper", "0X1F"), ("octal_like", "0o7"), ("binary", "0b1"),
                   ("infinity", "Infinity"), ("neg_infinity", "-Infinity"), ("nan", "NaN"),
                   ("neg_nan", "-NaN"), ("inf", "inf"), ("underscore", "1_000"),
                   ("comma_decimal", "1,5"), ("two_dots", "1.2.3"), ("two_exps", "1e2e3"),
                   ("exp_sign_twice", "1e+-2"), ("frac_letter", "1.5a"), ("space_inside", "1 2"),
                   ("fullwidth_digit", "\uff11"), ("array_dot_end", "[1.]"),
                   ("array_leading_zero_neg", "[-00]"), ("object_plus", '{"a":+1}'),
                   ("trailing_e_in_array", "[1e]"), ("neg_letter", "-a"), ("dot_only", "."),
                   ("exp_start", "e5")]:
    bad("num_" + name, text)
# escapes
for name, e in [("q", r"\q"), ("x", r"\x41"), ("U", r"\U0041"), ("apos", r"\'"), ("zero", r"\0"),
                ("a", r"\a"), ("v", r"\v"), ("e", r"\e"), ("space", "\\ "), ("B", r"\B"),
                ("N", r"\N"), ("u_short", r"\u12"), ("u_short_end", r"\u"),
                ("u_bad_hex", r"\u12g4"), ("u_bad_hex_first", r"\uzzzz"), ("u_plus", r"\u+123"),
                ("u_space", r"\u 123"), ("u_minus", r"\u-123"), ("U_upper", r"\U00e9"),
                ("backslash_newline", "\\\n"), ("backslash_tab", "\\\t"),
                ("backslash_utf8", "\\\u00e9"), ("pair_bad_hex", r"\ud800\udcxx"),
                ("u_brace", r"\u{41}")]:
    bad("str_escape_" + name, '"' + e + '"')
    bad("str_escape_key_" + name, '{"' + e + '":1}')
bad("str_escape_at_end", '"\\')
bad("str_escape_unterminated", '"abc\\"')
# lone surrogates
for name, e in [("high", r"\ud800"), ("high_max", r"\udbff"), ("low", r"\udc00"),
                ("low_max", r"\udfff"), ("high_then_char", r"\ud800x"),
                ("high_then_ascii_escape", r"\ud800\u0041"), ("high_high", r"\ud800\ud800"),
                ("high_then_n", r"\ud800\n"), ("low_high", r"\udc00\ud800"),
                ("high_end_pair_reversed", r"\ude00\ud83d"), ("high_upper", r"\uD834"),
                ("high_then_bmp", r"\ud83d\u00e9"), ("high_then_backslash_end", "\\ud800\\"),
                ("high_then_u_short", r"\ud800\udc"), ("low_after_text", r"abc\udfff"),
                ("high_then_high_pair", r"\ud800\ud800\udc00")]:
    bad("surrogate_" + name, '"' + e + '"')
    bad("surrogate_key_" + name, '{"' + e + '":0}')
# invalid UTF-8
for name, b in [("cont_80", b"\x80"), ("cont_bf", b"\xbf"), ("cont_run", b"\x80\x80\x80"),
                ("overlong_c0", b"\xc0\x80"), ("overlong_c1", b"\xc1\xbf"),
                ("overlong_e0", b"\xe0\x80\x80"), ("overlong_e0_9f", b"\xe0\x9f\xbf"),
                ("overlong_f0", b"\xf0\x80\x80\x80"), ("overlong_f0_8f", b"\xf0\x8f\xbf\xbf"),
                ("surrogate_d800", b"\xed\xa0\x80"), ("surrogate_dbff", b"\xed\xaf\xbf"),
                ("surrogate_dc00", b"\xed\xb0\x80"), ("surrogate_dfff", b"\xed\xbf\xbf"),
                ("surrogate_pair_cesu", b"\xed\xa0\xbd\xed\xb8\x80"),
                ("above_max_f4_90", b"\xf4\x90\x80\x80"), ("above_max_f4_bf", b"\xf4\xbf\xbf\xbf"),
                ("f5", b"\xf5\x80\x80\x80"), ("f7", b"\xf7\xbf\xbf\xbf"),
                ("f8_5byte", b"\xf8\x88\x80\x80\x80"), ("fc_6byte", b"\xfc\x84\x80\x80\x80\x80"),
                ("fe", b"\xfe"), ("ff", b"\xff"),
                ("trunc_2of2", b"\xc3"), ("trunc_2of3", b"\xe2\x82"), ("trunc_1of3", b"\xe2"),
                ("trunc_3of4", b"\xf0\x9f\x98"), ("trunc_2of4", b"\xf0\x9f"), ("trunc_1of4", b"\xf0"),
                ("trunc_then_ascii", b"\xc3A"), ("trunc_3byte_then_ascii", b"\xe2\x82A"),
                ("trunc_4byte_then_ascii", b"\xf0\x9f\x98A"), ("lead_lead", b"\xc3\xc3\xa9"),
                ("extra_cont", b"\xc3\xa9\xa9"), ("latin1", b"caf\xe9"), ("cont_after_ascii", b"a\x80b")]:
    bad("utf8_" + name, b'"' + b + b'"')
    bad("utf8_key_" + name, b'{"' + b + b'":1}')
bad("utf8_trunc_at_eof", b'"\xe2\x82')
bad("utf8_outside_string", b"[\xc3\xa9]")
bad("utf8_ff_top", b"\xff")
bad("utf8_nbsp_ws", b"[1,\xc2\xa01]")
# control characters in strings
for c in list(range(0x00, 0x20)):
    bad("ctrl_%02x" % c, b'"a' + bytes([c]) + b'b"')
for c in (0x00, 0x09, 0x0a, 0x0d, 0x1f):
    bad("ctrl_key_%02x" % c, b'{"' + bytes([c]) + b'":1}')
# trailing garbage
for name, text in [("array", "[1]x"), ("object", "{}}"), ("two_numbers", "1 2"),
                   ("two_strings", '"a""b"'), ("two_nulls", "null null"), ("bracket", "[1]]"),
                   ("true_false", "true false"), ("comma", "[1],"), ("object_array", "{}[]"),
                   ("nul_byte", "[1]\x00"), ("letter_after_number", "123abc"),
                   ("number_after_string", '"a"1'), ("closing_brace", "[1]}"),
                   ("after_ws", "{}  \n  x"), ("literal_suffix", "nulll"), ("true_suffix", "truex"),
                   ("false_suffix", "falsey"), ("dot_after", "1.5."), ("minus_after", "1-"),
                   ("formfeed_ws", "1\f"), ("vtab_ws", "[1\v]"), ("bom_at_end", "1\ufeff")]:
    bad("garbage_" + name, text)
# structure errors
for name, text in [("unclosed_array", "[1"), ("unclosed_array_comma", "[1,"),
                   ("unclosed_object", '{"a":1'), ("unclosed_object_colon", '{"a":'),
                   ("unclosed_object_key", '{"a"'), ("unclosed_brace", "{"),
                   ("unclosed_bracket", "["), ("unclosed_string", '"abc'),
                   ("unclosed_string_in_array", '["abc]'), ("unclosed_nested", "[[[]]"),
                   ("missing_colon", '{"a" 1}'), ("missing_comma_array", "[1 2]"),
                   ("missing_comma_object", '{"a":1 "b":2}'), ("missing_value", '{"a":}'),
                   ("missing_value_array", "[1,,]"), ("colon_in_array", "[1:2]"),
                   ("comma_in_object_as_colon", '{"a",1}'), ("double_colon", '{"a"::1}'),
                   ("key_number", "{1:2}"), ("key_bare", "{a:1}"), ("key_single_quoted", "{'a':1}"),
                   ("key_null", "{null:1}"), ("key_true", "{true:1}"), ("key_array", '{["a"]:1}'),
                   ("key_object", "{{}:1}"), ("string_single_quotes", "'abc'"),
                   ("array_in_object_without_key", "{[]}"), ("mismatch_array", "[}"),
                   ("mismatch_object", "{]"), ("mismatch_nested", '[{"a":1]}'),
                   ("close_only_array", "]"), ("close_only_object", "}"), ("colon_only", ":"),
                   ("comma_only", ","), ("value_after_object_close", '{"a":1}"b"'),
                   ("object_value_list", '{"a":1,2}'), ("array_key_value", '["a":1]'),
                   ("unquoted_string", "[abc]"), ("backtick_string", "`a`"),
                   ("nested_unclosed_object", '{"a":{"b":1}')]:
    bad("struct_" + name, text)
# literals
for name, text in [("tru", "tru"), ("True", "True"), ("TRUE", "TRUE"), ("nul", "nul"),
                   ("Null", "Null"), ("NULL", "NULL"), ("fals", "fals"), ("False", "False"),
                   ("nil", "nil"), ("none", "None"), ("undefined", "undefined"),
                   ("t", "t"), ("f_in_array", "[f]"), ("trve", "trve"), ("nu11", "nu11"),
                   ("true_space", "tr ue"), ("null_in_object", '{"a":nul}')]:
    bad("literal_" + name, text)
# nesting beyond the default limit (200)
for d in (201, 202, 500, 10000):
    bad("deep_array_%d" % d, "[" * d + "]" * d)
bad("deep_object_201", '{"a":' * 200 + "{}" + "}" * 200)
bad("deep_mixed_202", ('[{"k":' * 101) + "1" + ("}]" * 101))
bad("deep_unclosed_10000", "[" * 10000)

for kind in cases:
    d = os.path.join(here, kind)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, data in cases[kind].items():
        with open(os.path.join(d, name + ".json"), "wb") as f:
            f.write(data)
print("valid %d, invalid %d" % (len(cases["valid"]), len(cases["invalid"])))
