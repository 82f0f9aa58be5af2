#!/usr/bin/env python3
# gen_cases.py writes cases.jsonl: fmt cases whose expected output comes from Go itself.
# Usage: gen_cases.py ORACLE > cases.jsonl, ORACLE being the binary built from tools/oracle.
# Each case is run through the oracle as a text/template ({{printf .f .a0 ...}}, {{print ...}},
# {{println ...}} or {{.a0}}); "want" is Go's exact output.
import itertools
import json
import subprocess
import sys


def T(t, v):
    return {"$type": t, "value": v}


INTS = [0, 1, -1, 7, 42, -42, 255, 1234567, -987654321,
        T("int64", "9223372036854775807"), T("int64", "-9223372036854775808"),
        T("int8", -128), T("int16", 32767), T("int32", 0x1F600), T("int32", 0x10FFFF + 1),
        T("int32", 0xD800), T("int32", 0xAD), T("int32", 0x263A), T("int32", 9),
        T("uint", 42), T("uint8", 200), T("uint16", 65535), T("uint32", 4294967295),
        T("uint64", "18446744073709551615"), T("uintptr", 4096)]
FLOATS = [0.0, T("float64", "-0"), 1.0, -1.0, 3.14, -2.5, 2.5, 0.5, 1.5, 0.1, 0.2, 0.3,
          1e6, 100000.0, 999999.0, 1e-5, 0.0001, 0.00012345, 1e21, 1e20, 123456789.0, 12345.678,
          1.0 / 3, 2.0 / 3, 1e100, 1e-100, 5e-324, 1e-320, 1.7976931348623157e308, 2.2250738585072014e-308,
          9007199254740993.0, 0.000001, 1.005, 2.675, 1234.5, 1e23, 8.41e21, 5e-7, 123456.0, 1234567.0,
          T("float64", "NaN"), T("float64", "+Inf"), T("float64", "-Inf"),
          T("float32", "0.1"), T("float32", "1.5"), T("float32", "3.4028235e38"), T("float32", "1e-45"),
          T("float32", "16777217"), T("float32", "0.3"), T("float32", "1e10"), T("float32", "-2.75"),
          T("float32", "123456.79"), T("float32", "1e-7")]
STRINGS = ["", "hi", "Hello, World", "héllo", "日本語", "a\tb\nc", "\x00\x07\x7f", "quote\"back\\",
           "`tick`", "\u00ad", "\u2028", "😀", "\ufeff", "e\u0301", "abc def", "\ufffd", "\x1b[0m",
           "10", "true", "a'b", "\u00e9t\u00e9", "\U0001F600\U0001F601"]
BYTES = [T("[]byte", "hi"), T("[]byte", ""), T("[]byte", "héllo\n")]
BOOLS = [True, False]
LISTS = [[1, 2, 3], T("[]string", ["a", "b c"]), [], [1, "a", None, 1.5, True],
         [[1, 2], [3]], T("[]float64", [1.5, 2, 1e6]), T("[]bool", [True, False]),
         T("[]int64", [-1, 2]), T("[]int", [10, 255]), ["x", ["y", {"k": 1}]],
         T("[]interface {}", ["s", 2])]
MAPS = [{"b": 2, "a": 1}, T("map[string]string", {"z": "last", "a": "first"}), {},
        {"k": [1, 2], "m": {"n": None}, "f": 0.5}, T("map[string]int", {"x": 1, "y": -2}),
        {"B": 1, "a": 2, "_": 3, "1": 4}]
NIL = [None]

ALL = INTS + FLOATS + STRINGS + BYTES + BOOLS + LISTS + MAPS + NIL

VERB_FORMATS = ["%v", "%+v", "%#v", "%d", "%s", "%q", "%x", "%X", "%o", "%O", "%b", "%e", "%E", "%f",
                "%F", "%g", "%G", "%t", "%T", "%c", "%U", "%#U", "%z", "%p"]
FLAG_FORMATS = ["%5d", "%-5d|", "%05d", "%+d", "% d", "%#x", "%# x", "% X", "%.3d", "%8.3d", "%-8.3d|",
                "%08.3f", "%+.2e", "%10.4g", "%#g", "%#.3g", "%6.2f", "%-10s|", "%.2s", "%10.2s",
                "%+q", "%#q", "%5q", "%.1x", "%5c", "%.6U", "%5t", "%10T", "%-10v|", "%010v", "%.0f",
                "%.1f", "%.3e", "%.10g", "%#o", "%#b", "%+v", "%08v", "%-08d|", "%+08d", "% 08d", "%#.0f",
                "%#.0e", "%.20f", "%.17g", "%.0g", "%#X", "%06s", "%-6q|", "% x", "%#-8x|", "%.3x", "%+.3g",
                "% .3f", "%x", "%X"]


def cases():
    out = []
    for f in VERB_FORMATS + FLAG_FORMATS:
        for v in ALL:
            # %p of a slice or map prints a Go heap address, which no other program can reproduce.
            if f == "%p" and (isinstance(v, (list, dict)) and not (isinstance(v, dict) and "$type" in v and v["$type"][0] != "[" and not v["$type"].startswith("map"))):
                continue
            out.append({"kind": "printf", "format": f, "args": [v]})
    multi = [
        ("%d %d", [1]), ("%d", [1, 2]), ("%d", [1, "x", None, 2.5]), ("", [1]), ("x", []),
        ("%[2]d %[1]d", [1, 2]), ("%[3]d", [1, 2]), ("%[0]d", [1]), ("%[x]d", [1]), ("%[1]d %d", [1, 2]),
        ("%[2]d %d", [1, 2, 3]), ("%*d|", [5, 42]), ("%-*d|", [5, 42]), ("%*d|", [-5, 42]),
        ("%.*f", [2, 3.14159]), ("%*.*f|", [8, 3, 3.14159]), ("%*d", ["x", 1]), ("%.*d", [-1, 42]),
        ("%.*d", ["x", 42]), ("%*d", [10000000, 1]), ("%!", [1]), ("%", [1]), ("abc%", []), ("%-", [1]),
        ("%[1]*d", [3, 4]), ("%[2]*[1]d|", [12, 5]), ("%.[2]d", [1, 2]), ("%[1]2d", [7]), ("%é", [1]),
        ("%!d", [1]), ("%d%%", [50]), ("%5%|", []), ("%-5%|", [1]), ("%[2]s %[2]s", ["a", "b"]),
        ("%[3]*.[2]*[1]f|", [12.0, 2, 6]), ("%d %d %#[1]x %#x", [16, 17]), ("%[5]d", [1, 2, 3]),
        ("%[-1]d", [1]), ("%[1]", [1]), ("%[1", [1]), ("%.", [1]), ("%5.", [1]), ("%.d", [0]),
        ("%.0d", [0]), ("%5.0d|", [0]), ("%d %s", [None, None]), ("%v %v", [None, "x"]),
        ("%s", [None]), ("%T %T", [None, [None]]), ("%w", [1]), ("%w", [[1]]), ("%w", [None]),
        ("%x", [T("[]string", ["hi", "yo"])]), ("% x", [T("[]byte", "abc")]), ("%# X", [T("[]byte", "abc")]),
        ("%010.3f|%-10.3f|%+10.3f", [-3.14159, 3.14159, 3.14159]), ("%08.3f|%-5d|%q", [3.14159, 42, "x"]),
        ("%3c|%-3c|", [65, 0x65E5]), ("%q %+q %#q", [0x65E5, 0x65E5, 0x65E5]), ("%q", [T("int32", -1)]),
        ("%c", [T("int64", 0x110000)]), ("%U", [T("int64", -1)]), ("%#U", [T("int32", 0x7F)]),
        ("%x %X", [-255, -255]), ("%#o %O", [-8, -8]), ("%b", [T("int64", "-9223372036854775808")]),
        ("%#v", [[1, "a", None, 2.5, True, {"k": "v"}]]), ("%#v", [T("[]byte", "hi")]),
        ("%#v", [[T("[]byte", "hi")]]), ("%s", [[T("[]byte", "hi"), "x"]]), ("%d", [[T("[]byte", "hi")]]),
        ("%v|%d|%s|%q", [T("[]int", [1, 2]), T("[]int", [1, 2]), T("[]int", [1, 2]), T("[]int", [1, 2])]),
        ("%5v|%-4d|%04d", [[1, 22], [1, 22], [1, 22]]), ("%6.2f", [[1.5, 2.25, "x"]]),
        ("%5v", [{"a": 1, "bb": "c"}]), ("%q", [{"a": "x", "b": 1}]), ("%x", [{"ab": "cd"}]),
        ("%t %t", [True, [True, 1]]), ("%08.3e|%-12.4E|", [12345.6789, -0.000123]),
        ("%+.0e %+.1g % g", [1.5, 0.05, 100.0]), ("%#.4x %#x %x", [1.0, -0.5, 3.0]),
        ("%b %b", [1.0, T("float32", "1")]), ("%.3x %X", [1.0 / 3, 1e300]),
        ("%.2f%%", [99.555]), ("%.2f %.2f %.2f %.1f", [1.005, 1.015, 1.025, 0.05]),
        ("%.0f %.0f %.0f %.0f", [0.5, 1.5, 2.5, -0.5]), ("%.3g %.3g %.3g", [100.0, 1e5, 0.0001234]),
        ("%g %G %e", [1e-7, 1e-7, 0.0]), ("%10.3v|%-10.3v|", [3.14159, "abcdef"]),
        ("%.1s|%.0s|%.10s", ["日本語", "abc", "héllo"]), ("%5s|%-5s|", ["日本", "é"]),
        ("%05s|%-05s|%05q", ["ab", "ab", "ab"]), ("%x|%X|%.2x|% .2x", ["héllo", "héllo", "héllo", "héllo"]),
        ("%#x|%# x|%#X", ["", "", "ab"]), ("%8x|%-8x|", ["ab", "ab"]), ("%08x|%08q", ["ab", "a"]),
        ("%+d %+d % d % d", [5, -5, 5, -5]), ("%+5d|%-+5d|% 05d|%+05d", [5, 5, -5, 5]),
        ("%#b %#o %#x %#X %O", [5, 5, 255, 255, 8]), ("%.5d|%8.5d|%-8.5x|", [-42, 42, 255]),
        ("%c%c%c", [72, 105, 0x1F600]), ("%v %v", [T("uint8", 255), T("uint", 7)]),
        ("%#v %#v %#v", [T("uint8", 255), T("uint64", "18446744073709551615"), -5]),
        ("%#v %#v %#v %#v", [1.0, 1e6, 1e-7, T("float32", "0.1")]),
        ("%#v %#v", ["a\"b", "日本"]), ("%#v", [T("map[string]int", {"b": 1, "a": 2})]),
        ("%#v", [{"a": [1], "b": None}]), ("%#v", [T("[]string", ["x"])]), ("%#v %#v", [True, None]),
        ("%v %d", [[None], [None]]), ("%s", [{"a": None}]), ("%d", [{"a": None}]),
    ]
    for f, args in multi:
        out.append({"kind": "printf", "format": f, "args": args})
    print_args = [[1, 2], ["a", "b"], [1, "a", 2], ["a", 1, "b"], [None, 1], [1, None], [1.5, True],
                  [[1], [2]], [{"a": 1}, 3], ["", ""], [T("[]byte", "x"), 1], [1e6, 1e21, 1e-5, 0.0001],
                  [T("int8", 3), T("uint", 4)], [], ["x"], [None], [None, None], ["a", None, "b"],
                  [3.0, "x", 4.5], [True, False], [T("float32", "0.1"), 0.1]]
    for args in print_args:
        out.append({"kind": "print", "args": args})
        out.append({"kind": "println", "args": args})
    for v in ALL:
        if v is not None:
            out.append({"kind": "value", "args": [v]})
    return out


def template(c):
    names = " ".join(".a%d" % i for i in range(len(c["args"])))
    if c["kind"] == "printf":
        return "{{printf .f %s}}" % names
    if c["kind"] == "value":
        return "{{.a0}}"
    return "{{%s %s}}" % (c["kind"], names)


def main():
    cs = cases()
    reqs = []
    for i, c in enumerate(cs):
        data = {"a%d" % j: a for j, a in enumerate(c["args"])}
        if c["kind"] == "printf":
            data["f"] = c["format"]
        reqs.append(json.dumps({"id": i, "template": template(c), "data": data}, ensure_ascii=False))
    res = subprocess.run([sys.argv[1]], input="\n".join(reqs) + "\n", capture_output=True, text=True, check=True)
    for line, c in zip(res.stdout.split("\n"), cs):
        r = json.loads(line)
        if r["error"]:
            print("skipped (oracle error %s): %s" % (r["error"], json.dumps(c)), file=sys.stderr)
            continue
        c["want"] = r["output"]
        print(json.dumps(c, ensure_ascii=False))


main()
