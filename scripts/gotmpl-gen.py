# Generated families of differential cases for crates/gotmpl (loaded by `scripts/gotmpl-cases gen`).
# Each family is a deterministic product of templates x typed data; wants come from the Go oracle.
import itertools
import json


def T(t, v):
    return {"$type": t, "value": v}


# Value kinds the brief asks every builtin to meet, as the oracle's typed JSON.
KINDS = {
    "int": 3,
    "int0": 0,
    "intneg": -7,
    "int64": T("int64", 42),
    "int8": T("int8", -128),
    "uint8": T("uint8", 200),
    "uint64": T("uint64", "18446744073709551615"),
    "float64": 2.5,
    "float64zero": 0.0,
    "float32": T("float32", 0.1),
    "string": "h\u00e9llo <&> '\"",
    "stringempty": "",
    "booltrue": True,
    "boolfalse": False,
    "nil": None,
    "list": [1, "a", True, None, 2.5],
    "listempty": [],
    "strlist": T("[]string", ["b", "a", "c"]),
    "intlist": T("[]int", [3, 1, 2]),
    "map": {"b": 1, "a": "x", "c": [1, 2]},
    "mapempty": {},
    "strmap": T("map[string]string", {"k": "v", "a": "b"}),
    "bytes": T("[]byte", "hi\u00e9"),
    "nilmap": T("nil-map", None),
    "nilslice": T("nil-slice", None),
}

# A smaller set for the quadratic families.
CMP_KINDS = ["int", "int0", "intneg", "int64", "uint8", "float64", "float32", "string", "stringempty",
             "booltrue", "nil", "list", "map", "bytes", "strlist"]


def case(cid, template, data=None, **kw):
    c = {"id": cid, "template": template}
    if data is not None:
        c["data"] = data
    c.update({k: v for k, v in kw.items() if v})
    return c


def builtins():
    out = []
    unary = ["len", "not", "html", "js", "urlquery", "print", "println", "printf \"%v\"", "printf \"%T\"",
             "printf \"%d\"", "printf \"%s\"", "printf \"%q\"", "printf \"%x\"", "index", "slice", "call",
             "and", "or", "eq", "ne", "lt"]
    forms = [
        ("call", "{{%s .v}}"),
        ("pipe", "{{.v | %s}}"),
        ("if", "{{if %s .v}}T{{else}}F{{end}}"),
        ("with", "{{with %s .v}}[{{.}}]{{else}}none{{end}}"),
    ]
    for (fname, f), (kname, v) in itertools.product(enumerate(unary), KINDS.items()):
        for form, tmpl in forms:
            out.append(case(f"gen/builtin/{f.split()[0]}{fname}/{form}/{kname}", tmpl % f, {"v": v}))
    extra_args = [
        ("index0", "{{index .v 0}}"), ("index1", "{{index .v 1}}"), ("indexneg", "{{index .v -1}}"),
        ("indexbig", "{{index .v 99}}"), ("indexa", "{{index .v \"a\"}}"), ("indexk", "{{index .v \"k\"}}"),
        ("indexnil", "{{index .v nil}}"), ("indexfloat", "{{index .v 1.0}}"), ("index00", "{{index .v 0 0}}"),
        ("indexc", "{{index .v \"c\" 1}}"),
        ("slice1", "{{slice .v 1}}"), ("slice12", "{{slice .v 1 2}}"), ("slice122", "{{slice .v 1 2 2}}"),
        ("slice21", "{{slice .v 2 1}}"), ("slice09", "{{slice .v 0 9}}"), ("slicea", "{{slice .v \"a\"}}"),
        ("slice0", "{{slice .v 0}}"), ("slicelen", "{{slice .v (len .v)}}"),
        ("and2", "{{and .v 1}}"), ("and3", "{{and 1 .v \"z\"}}"), ("or2", "{{or .v 0}}"), ("or3", "{{or 0 .v \"z\"}}"),
        ("eqself", "{{eq .v .v}}"), ("neself", "{{ne .v .v}}"), ("ltself", "{{lt .v .v}}"),
        ("eqmulti", "{{eq .v 1 \"a\" .v}}"), ("lenlen", "{{len (print .v)}}"),
        ("printmulti", "{{print .v .v 1 \"s\" .v}}"), ("printlnmulti", "{{println .v 1 .v}}"),
        ("printfmulti", "{{printf \"%v|%v\" .v 1}}"), ("printfextra", "{{printf \"%v\" .v .v}}"),
        ("htmlmulti", "{{html .v \"<a>\" .v}}"), ("jsmulti", "{{js .v 1 .v}}"), ("urlmulti", "{{urlquery .v \"a b\"}}"),
        ("notnot", "{{not (not .v)}}"), ("range", "{{range $i, $e := .v}}{{$i}}={{$e}};{{else}}empty{{end}}"),
        ("range1", "{{range .v}}<{{.}}>{{end}}"), ("field", "{{.v.a}}"), ("fieldk", "{{.v.k}}"),
        ("dollar", "{{$x := .v}}{{$x}}"), ("paren", "{{(.v)}}"), ("nest", "{{print (print .v) (len (print .v))}}"),
    ]
    for (ename, tmpl), (kname, v) in itertools.product(extra_args, KINDS.items()):
        if ename.startswith("range") and kname == "uint64":
            continue  # 2^64 iterations
        out.append(case(f"gen/builtin/{ename}/{kname}", tmpl, {"v": v}))
    arity = ["{{len}}", "{{len 1 2}}", "{{not}}", "{{not 1 2}}", "{{index}}", "{{slice}}", "{{and}}", "{{or}}",
             "{{eq}}", "{{eq 1}}", "{{lt 1}}", "{{lt 1 2 3}}", "{{call}}", "{{html}}", "{{print}}", "{{println}}",
             "{{printf}}", "{{js}}", "{{urlquery}}", "{{ne 1}}", "{{ge}}", "{{le 1 2 3}}", "{{gt 1}}"]
    for i, t in enumerate(arity):
        out.append(case(f"gen/builtin/arity/{i:02}", t))
    return out


def comparisons():
    out = []
    ops = ["eq", "ne", "lt", "le", "gt", "ge", "and", "or"]
    for op, a, b in itertools.product(ops, CMP_KINDS, CMP_KINDS):
        out.append(case(f"gen/cmp/{op}/{a}/{b}", "{{%s .a .b}}" % op, {"a": KINDS[a], "b": KINDS[b]}))
    lits = ["3", "-7", "0", "2.5", "0.0", "\"x\"", "\"\"", "true", "false", "nil", "'a'", "1e3", "0x10"]
    for op, k, (li, lit) in itertools.product(["eq", "ne", "lt", "ge"], CMP_KINDS, enumerate(lits)):
        out.append(case(f"gen/cmp/lit/{op}/{k}/{li:02}", "{{%s .a %s}}" % (op, lit), {"a": KINDS[k]}))
        out.append(case(f"gen/cmp/litl/{op}/{k}/{li:02}", "{{%s %s .a}}" % (op, lit), {"a": KINDS[k]}))
    return out


PRINTF_VALUES = {
    "int0": 0, "int": 42, "intneg": -17, "intmax": 9223372036854775807, "int8": T("int8", -128),
    "uint8": T("uint8", 65), "uint64": T("uint64", "18446744073709551615"), "uint16": T("uint16", 1000),
    "f0": 0.0, "f": 3.25, "fneg": -2.5, "fbig": 1e21, "fsmall": 1e-7, "fint": 123456789.0, "fthird": 0.3333333333333333,
    "nan": T("float64", "NaN"), "inf": T("float64", "+Inf"), "ninf": T("float64", "-Inf"), "negzero": -0.0,
    "f32": T("float32", 0.1), "f32b": T("float32", 16777216.0),
    "s": "abc", "sempty": "", "suni": "h\u00e9llo \u65e5\u672c", "sctl": "a\tb\nc\u0001\u007f", "squote": "it's \"q\" `b`",
    "t": True, "fal": False, "nil": None,
    "list": [1, "a", 2.5, None, True], "strlist": T("[]string", ["x", "y"]), "intlist": T("[]int", [1, -2, 300]),
    "bytes": T("[]byte", "hi\n"), "map": {"b": 2, "a": [1, {"z": None}]}, "strmap": T("map[string]string", {"k": "v"}),
    "nested": {"l": [[1, 2], {"m": "n"}], "e": {}},
}
VERBS = ["v", "+v", "#v", "T", "d", "b", "o", "O", "x", "X", "c", "q", "U", "#U", "e", "E", "f", "F", "g", "G",
         "s", "t", "#x", "#q", "#o", "#b", "#g"]
SHAPES = ["%{}", "%8{}", "%-8{}|", "%+{}", "% {}", "%08{}", "%.2{}", "%10.3{}", "%-10.1{}|", "%.0{}", "%+08.3{}", "%#-6{}|"]


def printf():
    out = []
    for verb, (vn, v) in itertools.product(VERBS, PRINTF_VALUES.items()):
        flag = verb[:-1]
        for si, shape in enumerate(SHAPES):
            fmt = shape.replace("%", "%" + flag, 1).format(verb[-1])
            out.append(case(f"gen/printf/{verb}/{vn}/{si:02}", "{{printf %s .v}}" % json.dumps(fmt), {"v": v}))
    specials = [
        '{{printf "%d"}}', '{{printf "%d %d" 1}}', '{{printf "%d" 1 2}}', '{{printf "%!"}}', '{{printf "%z" 1}}',
        '{{printf "%%"}}', '{{printf "100%%"}}', '{{printf "%[2]d %[1]d" 1 2}}', '{{printf "%[3]d" 1 2}}',
        '{{printf "%*d" 5 3}}', '{{printf "%-*d|" 5 3}}', '{{printf "%.*f" 2 3.14159}}', '{{printf "%*d" "x" 3}}',
        '{{printf "%[1]d %[1]x %[1]o" 255}}', '{{printf "%d %s" "x" 1}}', '{{printf "%" }}', '{{printf "%-" 1}}',
        '{{printf "%v %v" .a .b}}', '{{printf "%s" .a}}', '{{printf "%6.2f%%" 99.5}}', '{{printf "%x" "hello"}}',
        '{{printf "% x" "hello"}}', '{{printf "%X" .bytes}}', '{{printf "%s" .bytes}}', '{{printf "%v" .bytes}}',
        '{{printf "%q" .strs}}', '{{printf "%x" .strs}}', '{{printf "%5s|" .strs}}', '{{printf "%d" .ints}}',
        '{{printf "%v" .deep}}', '{{printf "%+v" .deep}}', '{{printf "%#v" .deep}}', '{{printf "%T" .deep}}',
        '{{printf "%#v" .strs}}', '{{printf "%#v" .ints}}', '{{printf "%#v" .bytes}}', '{{printf "%#v" .smap}}',
        '{{printf "%#v" 1.0}}', '{{printf "%#v" 1e21}}', '{{printf "%#v" "s"}}', '{{printf "%#v" nil}}',
        '{{printf "%v" nil}}', '{{printf "%d" nil}}', '{{printf "%s" nil}}', '{{printf "%T" nil}}',
        '{{printf "%c|%c|%c" 65 0x1F600 -1}}', '{{printf "%U" 0x1F600}}', '{{printf "%#U" 0x1F600}}',
        '{{printf "%q" 0x1F600}}', '{{printf "%+q" "日本"}}', '{{printf "%#+q" "日本"}}', '{{printf "%08.3f" -3.14159}}',
        '{{printf "%+.3e" 123456.789}}', '{{printf "%g" 100000000.0}}', '{{printf "%g" 1e-5}}', '{{printf "%.3g" 1234.5678}}',
        '{{printf "%b" 5.0}}', '{{printf "%x" 1.5}}', '{{printf "%X" -1.5}}', '{{printf "%t" 1}}', '{{printf "%t" "true"}}',
        '{{printf "%s" 42}}', '{{printf "%d" "42"}}', '{{printf "%d" 4.2}}', '{{printf "%f" 4}}', '{{printf "%e" "x"}}',
        '{{printf "%10v|" .deep}}', '{{printf "%-10v|" .ints}}', '{{printf "%05d" -42}}', '{{printf "%+d" 0}}',
        '{{printf "% d" 42}}', '{{printf "%x" -255}}', '{{printf "%#x" -255}}', '{{printf "%o" 8}}', '{{printf "%O" 8}}',
        '{{printf "%.1f %.1f %.1f %.1f" 0.05 0.15 0.25 0.35}}', '{{printf "%.0f %.0f %.0f" 0.5 1.5 2.5}}',
        '{{printf "%v" .inf}}', '{{printf "%+v" .nan}}', '{{printf "%08.2f" .ninf}}', '{{printf "%5.1s|" "abc"}}',
        '{{printf "%.2s" "日本語"}}', '{{printf "%5q" "a"}}', '{{printf "%-5x|" "ab"}}', '{{printf "%010s" "ab"}}',
        '{{printf "%v %d" true true}}', '{{printf "%v" .emptymap}}', '{{printf "%v" .emptylist}}',
        '{{printf "%d" .deep}}', '{{printf "%s" .deep}}', '{{printf "%x" .deep}}', '{{printf "%.2f" .floats}}',
        '{{printf "%v" (slice .bytes 1)}}', '{{printf "%T %T %T" 1 1.0 "s"}}', '{{printf "%T" .ints}}',
        '{{printf "%[2]*[1]d|" 12 5}}', '{{printf "%[5]d" 1}}', '{{printf "%[0]d" 1}}', '{{printf "%[x]d" 1}}',
        '{{printf "%.[2]d" 1 2}}', '{{printf "%!d" 1}}', '{{printf "%-+ #0d" 5}}', '{{printf "%#08x" 255}}',
        '{{printf "%# x" "abc"}}', '{{printf "%#X" .bytes}}', '{{printf "%6.2v|" 3.14159}}', '{{printf "%.3v" "abcdef"}}',
        '{{printf "%v" -0.0}}', '{{printf "%g" 0.000001}}', '{{printf "%g" 1e20}}', '{{printf "%g" 1e21}}',
        '{{printf "%v" 123456789012.0}}', '{{printf "%v" 0.1}}', '{{printf "%e" 0.0}}', '{{printf "%G" 1e-10}}',
        '{{print 1 2 "a" "b" 3 nil 4}}', '{{print "a" 1 "b"}}', '{{print 1.0 2.5 true false}}', '{{println}}',
        '{{println 1 "a" nil}}', '{{print .deep .ints}}', '{{print .bytes}}', '{{print nil}}', '{{print nil nil}}',
    ]
    data = {"a": 1, "b": "two", "bytes": T("[]byte", "\u00ff\u0000ab"), "strs": T("[]string", ["a b", "c"]),
            "ints": T("[]int", [1, 2, 3]), "deep": {"x": [1, {"y": "z", "n": None}], "m": T("map[string]int", {"q": 1})},
            "smap": T("map[string]string", {"a": "b"}), "inf": T("float64", "+Inf"), "nan": T("float64", "NaN"),
            "ninf": T("float64", "-Inf"), "emptymap": {}, "emptylist": [], "floats": T("[]float64", [1.234, 5.0])}
    for i, t in enumerate(specials):
        out.append(case(f"gen/printf/special/{i:03}", t, data))
    return out


def trim():
    out = []
    lefts = ["", "a", "a ", "a \n\t ", " \r\n", "\n\n"]
    rights = ["", "b", " b", " \n\tb", "\r\n ", "\n"]
    markers = [("{{", "}}"), ("{{- ", "}}"), ("{{", " -}}"), ("{{- ", " -}}"), ("{{-\t", "\n-}}"), ("{{-\n", "\r-}}")]
    actions = [".", "3", "/* c */", "\"s\"", "$x := 1", "if true"]
    for (li, l), (ri, r), (mi, (ml, mr)), (ai, a) in itertools.product(
            enumerate(lefts), enumerate(rights), enumerate(markers), enumerate(actions)):
        if a == "if true":
            t = l + ml + a + mr + r + "{{end}}"
        else:
            t = l + ml + a + mr + r
        out.append(case(f"gen/trim/{li}{ri}{mi}{ai}", t, "D"))
    odd = ["{{-3}}", "{{- 3}}", "{{3 -}}", "{{3-}}", "{{-3-}}", "{{- -3 -}}", "x {{-/* c */-}} y", "x {{- /* c */ -}} y",
           "x {{- /*c*/}} y", "x {{/*c*/ -}} y", "x{{-  \"a\"  -}}y", "{{- }}", "{{ -}}", "{{-}}", "a\n{{- if true -}}\n b \n{{- end -}}\nc",
           "{{range .}}\n  - {{ . }}\n{{- end }}", "{{range .}}\n  - {{ . -}}\n{{ end }}", "{{- range . }}\n{{ . }}\n{{ end -}}",
           "{{ define \"x\" -}}\n X \n{{- end }}[{{ template \"x\" }}]", "{{/* a */ -}}", "{{- /* a */}}", "{{-/* a */}}",
           "a  {{- 1.5 }}", "{{ 1.5 -}}  a", "{{- -1.5 -}}", "{{- .5}}", "x {{- \t\n \"y\" \t\n -}} z"]
    for i, t in enumerate(odd):
        out.append(case(f"gen/trim/odd/{i:02}", t, ["l1", "l2"]))
    return out


CONTROL = [
    "{{range .l}}{{.}},{{end}}", "{{range $i, $e := .l}}{{$i}}:{{$e}} {{end}}", "{{range $e := .l}}{{$e}}{{else}}none{{end}}",
    "{{range .l}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}}", "{{range .l}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}",
    "{{range .l}}{{range .}}x{{end}}{{end}}", "{{range .m}}{{.}};{{end}}", "{{range $k, $v := .m}}{{$k}}={{$v}};{{end}}",
    "{{range $k, $v := .m}}{{$k}}{{break}}{{end}}", "{{range $k := .m}}{{$k}}{{end}}", "{{range .n}}{{.}}{{end}}",
    "{{range $i := .n}}{{$i}}{{else}}zero{{end}}", "{{range $i, $j := .n}}{{$i}}{{$j}}{{end}}", "{{range 4}}{{.}}{{end}}",
    "{{range 0}}x{{else}}empty{{end}}", "{{range -2}}x{{else}}neg{{end}}", "{{range .s}}{{.}}{{end}}",
    "{{range $i, $c := .s}}{{$i}}{{$c}}{{end}}", "{{range .f}}{{.}}{{end}}", "{{range .b}}{{.}}{{end}}", "{{range .nil}}x{{else}}nil{{end}}",
    "{{range .l}}{{range $.l}}{{.}}{{end}}|{{end}}", "{{range .l}}{{$}}{{end}}", "{{with .l}}{{len .}}{{end}}",
    "{{with .missing}}x{{else}}no{{end}}", "{{with .m}}{{.a}}{{else with .l}}L{{else}}E{{end}}",
    "{{with $x := .s}}{{$x}}{{.}}{{end}}", "{{if .t}}T{{else if .f}}F{{else}}E{{end}}", "{{if .e}}1{{else if .l}}2{{end}}",
    "{{if and .t .l}}both{{end}}", "{{if or .e .z}}x{{else}}y{{end}}", "{{if not .t}}n{{else}}y{{end}}",
    "{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}", "{{$x := 1}}{{with .l}}{{$x := 3}}{{$x}}{{end}}{{$x}}",
    "{{$x := 1}}{{range .l}}{{$x = .}}{{end}}{{$x}}", "{{$x := .l}}{{range $x}}{{.}}{{end}}", "{{$x, $y := 1, 2}}",
    "{{$x := 1}}{{$x := 2}}{{$x}}", "{{$ = 1}}", "{{$x = 1}}", "{{$x}}", "{{$x := 1}}{{$X}}", "{{range $x := .l}}{{end}}{{$x}}",
    "{{$.l}}{{$}}", "{{break}}", "{{continue}}", "{{range .l}}{{with .}}{{break}}{{end}}{{end}}", "{{if true}}{{break}}{{end}}",
    "{{define \"a\"}}A{{.}}{{end}}{{template \"a\" .s}}", "{{define \"a\"}}A{{end}}{{template \"a\"}}{{template \"a\" 1}}",
    "{{template \"nope\"}}", "{{template \"nope\" .}}", "{{block \"b\" .l}}[{{.}}]{{end}}", "{{block \"b\" .}}{{.s}}{{end}}{{template \"b\" .}}",
    "{{define \"r\"}}{{if .}}{{index . 0}}{{template \"r\" (slice . 1)}}{{end}}{{end}}{{template \"r\" .l}}",
    "{{define \"a\"}}{{template \"b\" .}}{{end}}{{define \"b\"}}<{{.}}>{{end}}{{template \"a\" .n}}",
    "{{define \"a\"}}{{$}}{{end}}{{template \"a\" .s}}", "{{define \"a\"}}{{$x}}{{end}}", "{{define \"a\"}}x{{end}}",
    "{{define \"a\"}}{{end}}{{define \"a\"}}y{{end}}{{template \"a\"}}", "{{define \"t\"}}inner{{end}}outer",
    "{{define \"a\"}}{{define \"b\"}}{{end}}{{end}}", "{{template .s}}", "{{template \"a\" 1 2}}", "{{define 1}}{{end}}",
    "{{range .l}}{{template \"e\" .}}{{end}}{{define \"e\"}}({{.}}){{end}}", "{{with .m}}{{template \"f\" .}}{{end}}{{define \"f\"}}{{.a}}{{end}}",
    "{{if}}{{end}}", "{{range}}{{end}}", "{{with}}{{end}}", "{{if .t}}", "{{end}}", "{{else}}", "{{if .t}}{{else}}{{else}}{{end}}",
    "{{range .l}}{{else if .t}}x{{end}}", "{{with .l}}{{else with .m}}{{else}}{{end}}", "{{if .t}}a{{else with .m}}b{{end}}",
    "{{range $i, $e, $x := .l}}{{end}}", "{{range $i = .l}}{{end}}", "{{$i := 0}}{{range $i = .l}}{{end}}{{$i}}",
    "{{$i := 0}}{{$e := 0}}{{range $i, $e = .m}}{{end}}{{$i}}{{$e}}", "{{range .l}}{{.}}{{end}}{{.}}", "{{with .n}}{{.}}{{end}}",
]
CONTROL_DATA = {
    "a": {"l": [1, 2, 3], "m": {"b": 2, "a": 1}, "n": 3, "s": "str", "f": 1.5, "b": True, "t": True, "e": "", "z": 0},
    "b": {"l": [], "m": {}, "n": 0, "s": "", "f": 0.0, "b": False, "t": False, "e": None, "z": [0]},
    "c": {"l": T("[]string", ["x", "y"]), "m": T("map[string]string", {"k": "v"}), "n": T("int64", 2), "s": "日本",
          "t": 1, "e": {}, "z": T("uint8", 3)},
    "d": {"l": [[1, 2], [], ["a"]], "m": {"x": {"y": 1}}, "n": T("uint8", 2), "s": T("[]byte", "ab"), "t": "x"},
    "e": {"l": [1, None, 2.5, "s"], "m": T("map[string]int", {"z": 26, "a": 1}), "n": -1, "t": [0]},
    "f": None,
}


def control():
    out = []
    for (ti, t), (dn, d) in itertools.product(enumerate(CONTROL), CONTROL_DATA.items()):
        out.append(case(f"gen/control/{ti:03}/{dn}", t, d))
    return out


def missing():
    out = []
    tmpls = ["{{.a}}", "{{.a.b}}", "{{.a.b.c}}", "{{.x}}", "{{.x.y}}", "{{$.a.b}}", "{{index . \"x\"}}", "{{.a.b | print}}",
             "{{with .x}}w{{else}}e{{end}}", "{{if .x.y}}i{{else}}n{{end}}", "{{print .x .a}}", "{{printf \"%v|%T\" .x .x}}",
             "{{.a.x}}", "{{(.a).b}}", "{{len .x}}", "{{range .x}}r{{else}}none{{end}}", "{{eq .x nil}}", "{{.a.b.c.d}}",
             "{{$v := .x}}{{$v}}", "{{not .x}}", "{{and .x 1}}", "{{or .x 1}}", "{{html .x}}", "{{.}}"]
    datas = {"empty": {}, "a1": {"a": 1}, "ab": {"a": {"b": 2}}, "abc": {"a": {"b": {"c": "C"}}},
             "intmap": {"a": T("map[string]int", {"c": 1})}, "strmap": T("map[string]string", {"a": "s"}),
             "nil": None, "str": "str", "list": [1], "anil": {"a": None}, "aempty": {"a": T("map[string]string", {})},
             "top_intmap": T("map[string]int", {"z": 1}), "nilmap": {"a": T("nil-map", None)}, "alist": {"a": [{"b": 1}]},
             "xnil": {"x": None, "a": {"b": None}}}
    for (ti, t), (dn, d), mk in itertools.product(enumerate(tmpls), datas.items(), ["", "zero", "error", "default", "invalid"]):
        out.append(case(f"gen/missing/{ti:02}/{dn}/{mk or 'unset'}", t, d, missingkey=mk))
    return out


def index_slice():
    out = []
    targets = {"list": [10, 20, 30], "strlist": T("[]string", ["a", "b"]), "str": "h\u00e9llo", "bytes": T("[]byte", "xyz"),
               "map": {"a": 1, "1": "one"}, "intmap": T("map[string]int", {"a": 1}), "nested": [[1, [2, 3]], {"k": ["v"]}],
               "nil": None, "int": 5, "empty": [], "emptystr": ""}
    idx = ["0", "1", "2", "3", "-1", "99", "\"a\"", "\"1\"", "1.0", "nil", "true", ".i8", ".u8", ".i64", ".big", "'a'", "0x1"]
    for (tn, tv), (ii, ix) in itertools.product(targets.items(), enumerate(idx)):
        out.append(case(f"gen/index/{tn}/{ii:02}", "{{index .t %s}}" % ix,
                        {"t": tv, "i8": T("int8", 1), "u8": T("uint8", 2), "i64": T("int64", 0), "big": T("uint64", "18446744073709551615")}))
    multi = ["{{index .t 0 1}}", "{{index .t 0 1 0}}", "{{index .t 1 \"k\" 0}}", "{{index .t 0 1 5}}", "{{index .t 1 \"x\"}}",
             "{{index .t 1 \"x\" 0}}", "{{index .t 0 0 0}}", "{{index (index .t 0) 1}}"]
    for i, t in enumerate(multi):
        out.append(case(f"gen/index/multi/{i}", t, {"t": targets["nested"]}))
    ranges = ["", " 0", " 1", " 3", " 4", " 9", " -1", " 1 2", " 2 1", " 0 0", " 1 3", " 0 4", " 1 2 3", " 1 2 2", " 0 0 0",
              " 1 1 5", " \"a\"", " 1.0", " nil", " .u8"]
    for (tn, tv), (ri, r) in itertools.product(targets.items(), enumerate(ranges)):
        out.append(case(f"gen/slice/{tn}/{ri:02}", "{{slice .t%s}}" % r, {"t": tv, "u8": T("uint8", 1)}))
        out.append(case(f"gen/slice/{tn}/{ri:02}/print", "{{printf \"%%v %%T\" (slice .t%s) (slice .t%s)}}" % (r, r),
                        {"t": tv, "u8": T("uint8", 1)}))
    return out


PIPES = [
    "{{.a | printf \"%v-%v\" 1}}", "{{\"x\" | printf \"%s%s\" \"y\"}}", "{{1 | eq 1}}", "{{1 | eq 2}}", "{{.m | len}}",
    "{{(.m).k}}", "{{(index .m \"n\").x}}", "{{(index .l 1).y}}", "{{index .m \"n\" | print}}", "{{.m.n.x | printf \"%q\"}}",
    "{{(print .a).x}}", "{{(1).x}}", "{{(nil).x}}", "{{(.).a}}", "{{$.m.k}}", "{{$x := .m}}{{$x.k}}{{$x.n.x}}",
    "{{$x := .l}}{{(index $x 1).y}}", "{{with $x := .m}}{{$x.k}}{{end}}", "{{(printf \"%d\" 3) | len}}", "{{len (slice .l 1)}}",
    "{{print (len .l) (len .m) (len .s)}}", "{{.a | not | not}}", "{{.a | print | print | len}}", "{{(eq .a 1) | not}}",
    "{{and (eq .a 1) (lt .a 2) | print}}", "{{or (eq .a 2) (index .l 0)}}", "{{print (and 0 (index .l 99))}}",
    "{{print (or 1 (index .l 99))}}", "{{print (and 1 (index .l 99))}}", "{{$a := 1}}{{$b := (print $a \"x\")}}{{$b}}",
    "{{.a.b}}", "{{.s.x}}", "{{.l.x}}", "{{.m.k.x}}", "{{.b.x}}", "{{.f.x}}", "{{.n.x}}", "{{.n.x.y}}", "{{$.a.b.c}}",
    "{{.m.k | .x}}", "{{1 | 2}}", "{{. | .}}", "{{print | print}}", "{{| print}}", "{{print |}}", "{{(print) 1}}",
    "{{\"s\" | index .m}}", "{{\"k\" | index .m}}", "{{0 | index .l}}", "{{.l | index 0}}", "{{3 | slice .s 1}}",
    "{{nil | print}}", "{{.nope | print}}", "{{.a 1}}", "{{.m.k 1}}", "{{true 1}}", "{{\"s\" 1}}", "{{1 2}}", "{{nil 1}}",
    "{{(.a) (.a)}}", "{{print (print (print (print .a)))}}", "{{printf \"%v\" (printf \"%v\" (printf \"%d\" .a))}}",
    "{{.m.k | printf \"%s=%s\" \"key\"}}", "{{.l | printf \"%v %T\" 1}}", "{{call .a}}", "{{call nil}}", "{{call .m.k}}",
    "{{.Method}}", "{{.m.Method 1}}", "{{index .m \"k\" | len | print}}", "{{$x := 1 | print}}{{$x}}", "{{$x := (1)}}{{$x}}",
    "{{( .a )}}", "{{ ( ( .a ) ) }}", "{{(.a}}", "{{.a)}}", "{{()}}", "{{print ()}}", "{{print (.a) (.b)}}",
    "{{print .m.n}}", "{{.m.n}}", "{{.l}}", "{{.m}}", "{{.e}}", "{{.x}}", "{{print .e .x}}",
]


def pipelines():
    data = {"a": 1, "b": True, "s": "str", "f": 1.5, "n": None, "l": [0, {"y": "Y"}, 2], "m": {"k": "v", "n": {"x": "X"}},
            "e": [], "x": T("map[string]int", {})}
    return [case(f"gen/pipe/{i:03}", t, data) for i, t in enumerate(PIPES)]


ERRS = ["{{.a.b}}", "{{index .l 9}}", "{{lt 1 \"a\"}}", "{{nil}}", "{{call .a}}", "{{template \"missing\"}}", "{{len .a}}",
        "{{slice .l 2 1}}", "{{eq .l .l}}", "{{printf \"%d\" .nope.x}}", "{{index .m 1}}", "{{.a 1}}",
        "{{if}}", "{{end}}", "{{", "{{.a", "{{\"unterminated}}", "{{`raw", "{{$undefined}}", "{{nofunc 1}}", "{{1x}}",
        "{{range .l}}", "{{)}}", "{{.a.}}", "{{'ab'}}", "{{/* unclosed", "{{break}}", "{{else}}", "{{define \"a\"}}",
        "{{print (index .l 99999999999999999999)}}", "{{printf \"%s %s %s %s %s\" .a.b .l .m .a .a}}",
        "{{index .l 1 | printf \"%v and a very long pipeline that gets cut in messages\" | print}}", "{{0x}}", "{{1e}}",
        "{{print 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 .a.b}}", "{{$x := 1}}{{$x.y}}", "{{.l.x}}", "{{\"%\" | printf \"%d%%\" .a.b}}"]
PREFIXES = ["", "line1\n", "line1\nline2\n  ", "\u65e5\u672c\u8a9e ", "{{/* c\n */}}\n\t", "{{define \"d\"}}\n{{.}}{{end}}x\ny\n",
            "a{{\"b\"}}\nc{{- \" \" -}}\n\n", "{{range .l}}{{end}}\r\n"]


def errors():
    out = []
    data = {"a": 1, "l": [1, 2], "m": {"k": "v"}}
    for (ei, e), (pi, p) in itertools.product(enumerate(ERRS), enumerate(PREFIXES)):
        out.append(case(f"gen/errpos/{ei:02}/{pi}", p + e + "\ntail", data))
        out.append(case(f"gen/errpos/{ei:02}/{pi}/named", p + e, data, name="my-tmpl.yaml"))
    for ei, e in enumerate(ERRS):
        t = "{{define \"inner\"}}\nx {{if true}}\n  " + e + "\n{{end}}{{end}}pre\n{{template \"inner\" .}}"
        out.append(case(f"gen/errpos/{ei:02}/indefine", t, data))
        t = "{{range $i, $e := .l}}\n{{with $.m}}\n" + e + "{{end}}{{end}}"
        out.append(case(f"gen/errpos/{ei:02}/inrange", t, data))
    return out


LITERALS = ["0x1F", "0X1f", "0o17", "0O17", "017", "0b101", "0B11", "1_000", "0x_1f", "1__0", "1_", "1e3", "1E-3", "0x1p-2",
            "0x1P4", "1.5e-3", "-0", "+5", "-5", "+0.5", ".5", "5.", "1e", "0x", "08", "09.5", "1i", "2.5i", "'a'", "'\\n'",
            "'\\x41'", "'\\u00e9'", "'\\U0001F600'", "'\\''", "'ab'", "''", "'\\z'", "\"\\u00e9\"", "\"\\x41\\101\"",
            "\"\\a\\b\\f\\v\"", "\"\\q\"", "`raw\\n`", "`a\nb`", "\"tab\\there\"", "9223372036854775807", "9223372036854775808",
            "18446744073709551615", "18446744073709551616", "-9223372036854775808", "-9223372036854775809", "1e309",
            "0x7fffffffffffffff", "0xffffffffffffffff", "1.7976931348623157e308", "4.9e-324", "true", "false", "nil",
            "0.1", "100000000000000000000", "1e100", "0777", "-0x10", "+0b1", "0.0", "-0.0", "1_0.5_0", "0x1.8p1", "'\\377'",
            "'日'", "\"日本\"", "12345678901234567890.0", "0b", "0o", "0o8", "0b2", "1..2", "1.2.3", "--1", "+-1", "-.5"]
LIT_FORMS = ["{{%s}}", "{{print %s}}", "{{printf \"%%T\" %s}}", "{{printf \"%%v|%%d\" %s %s}}", "{{eq %s %s}}", "{{len %s}}",
             "{{index .l %s}}"]


def lexing():
    out = []
    for (li, lit), (fi, form) in itertools.product(enumerate(LITERALS), enumerate(LIT_FORMS)):
        t = form % ((lit,) * form.count("%s"))
        out.append(case(f"gen/lit/{li:02}/{fi}", t, {"l": [0, 1, 2]}))
    return out


DELIMS = [("[[", "]]"), ("<%", "%>"), ("(", ")"), ("{{{", "}}}"), ("|", "|"), ("<<", ">>"), ("\u00ab", "\u00bb"),
          ("${", "}"), ("{%", "%}"), ("[", "]"), ("@@", "@@"), ("{{", "]]"), ("a", "b")]
DELIM_TMPLS = ["L.xR", "L- .x -R", "L/* c */R", "L- /* c */ -R", "a L.xR b L\"L\"R", "Lrange .lR(L.R)Lelse-R none LendR",
               "{{.x}} L.xR", "Lif .xRyLendR", "Ldefine \"d\"RDLendRLtemplate \"d\"R", "L.x", "L.x}} R", "LLRR", "LR",
               "L \"R\" R", "Lprintf \"%d\" 3R", "L-3R", "L- 3R", "L.l | lenR", "L`R`R", "L'R'R"]


def delims():
    out = []
    for (di, (l, r)), (ti, t) in itertools.product(enumerate(DELIMS), enumerate(DELIM_TMPLS)):
        text = t.replace("L", "\x00").replace("R", "\x01").replace("\x00", l).replace("\x01", r)
        out.append(case(f"gen/delims/{di:02}/{ti:02}", text, {"x": "X", "l": [1, 2]}, delims=[l, r]))
    return out


def escapers():
    out = []
    strs = ["", "plain", "<a href=\"x\">&amp;</a>", "it's", "\u0000\u0001\t\n\r", "\u2028\u2029", "\u65e5\u672c", "a=b&c d/e?f#g",
            "\\ \" ' ` < > & = +", "\ufffe", "\u007f\u0080", "~!@$%^*()_-[]{}|;:,.", "\U0001F600"]
    for (si, s), f in itertools.product(enumerate(strs), ["html", "js", "urlquery"]):
        out.append(case(f"gen/escape/{f}/{si:02}", "{{%s .s}}|{{.s | %s}}|{{%s .s 1 .s}}" % (f, f, f), {"s": s}))
        out.append(case(f"gen/escape/{f}/{si:02}/bytes", "{{%s .b}}" % f, {"b": T("[]byte", s)}))
    return out


def nils():
    """Go's nil slices and maps next to empty ones: eq, fmt's %#v and %p, index/slice zero values."""
    out = []
    vals = {"nilmap": T("nil-map", None), "nilslice": T("nil-slice", None), "nilstrs": T("[]string", None),
            "nilintmap": T("map[string]int", None), "emptymap": {}, "emptylist": [], "emptystrs": T("[]string", []),
            "nil": None, "list": [1], "bytes": T("[]byte", "")}
    tmpls = ["{{eq .a .b}}", "{{ne .a .b}}", "{{eq .a nil}}", "{{eq nil .a}}", "{{eq .a .b nil}}",
             "{{printf \"%v %#v %T %d\" .a .a .a (len .a)}}", "{{if .a}}T{{else}}F{{end}}", "{{range .a}}x{{else}}e{{end}}",
             "{{and .a 1}}|{{or .a 1}}|{{or 0 .a}}", "{{printf \"%#v|%+v|%s|%x\" .a .a .a .a}}", "{{.a.k}}", "{{index .a \"k\"}}",
             "{{printf \"%#v\" (slice .a)}}", "{{printf \"%#v\" (slice .a 0 0)}}", "{{print .a .b}}"]
    for (ti, t), (an, a), bn in itertools.product(enumerate(tmpls), vals.items(), ["nilmap", "nilslice", "emptymap", "nil"]):
        if ti > 4 and bn != "nil":
            continue
        out.append(case(f"gen/nil/{ti:02}/{an}/{bn}", t, {"a": a, "b": vals[bn]}))
    for an in ["nilmap", "nilslice", "nilstrs", "nilintmap"]:
        out.append(case(f"gen/nil/pointer/{an}", "{{printf \"%p %#p %v\" .a .a .a}}", {"a": vals[an]}))
    # Zero values of slice- and map-typed containers are nil.
    zdata = {"ms": T("map[string][]int", {"a": [1]}), "mm": T("map[string]map[string]int", {"a": {"x": 1}}),
             "ls": T("[][]string", [None, []]), "lm": T("[]map[string]int", [None, {}])}
    ztmpls = ["{{printf \"%#v\" (index .ms \"zz\")}} {{eq (index .ms \"zz\") nil}}", "{{printf \"%#v\" (index .mm \"zz\")}}",
              "{{printf \"%#v %#v\" (index .ls 0) (index .ls 1)}}", "{{printf \"%#v %#v\" (index .lm 0) (index .lm 1)}}",
              "{{eq (index .ls 0) (index .ls 0)}}", "{{eq (index .ls 1) (index .ls 1)}}", "{{printf \"%#v\" .ms.zz}}",
              "{{printf \"%v %#v\" .ls .lm}}", "{{range $k, $v := .ms}}{{$k}}={{$v}}{{end}}"]
    for mk in ["", "zero", "error"]:
        for ti, t in enumerate(ztmpls):
            out.append(case(f"gen/nil/zero/{ti:02}/{mk or 'unset'}", t, zdata, missingkey=mk))
    return out


def families():
    return {
        "gen-nil.jsonl": nils(),
        "gen-builtins.jsonl": builtins(),
        "gen-compare.jsonl": comparisons(),
        "gen-printf.jsonl": printf(),
        "gen-trim.jsonl": trim(),
        "gen-control.jsonl": control(),
        "gen-missingkey.jsonl": missing(),
        "gen-index-slice.jsonl": index_slice(),
        "gen-pipelines.jsonl": pipelines(),
        "gen-errors.jsonl": errors(),
        "gen-literals.jsonl": lexing(),
        "gen-delims.jsonl": delims(),
        "gen-escapers.jsonl": escapers(),
    }
