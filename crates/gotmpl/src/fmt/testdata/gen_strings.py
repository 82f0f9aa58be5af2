#!/usr/bin/env python3
# gen_strings.py ORACLE SEED N writes N random cases of strings, byte slices (all Unicode planes) and runes
# under the quoting, hex and padding verbs; "want" comes from the Go oracle.
# strings.jsonl is `gen_strings.py ORACLE 7 800`; run larger ones with GOTMPL_FMT_CASES=FILE through the oracle_cases test.
import json, random, subprocess, sys
random.seed(int(sys.argv[2]))
N = int(sys.argv[3])
FMT = "%[1]q|%+[1]q|%#[1]q|%[1]x|% [1]X|%5.3[1]s|%-8[1]q|%.2[1]q|%#+[1]q|%[1]v|%#[1]v"
RFMT = "%[1]c|%[1]q|%+[1]q|%#[1]U|%[1]U|%-4[1]c|%#[1]q"
def rune():
    r = random.random()
    if r < 0.3: return random.randint(0, 0x7f)
    if r < 0.5: return random.randint(0x80, 0x7ff)
    if r < 0.8: return random.randint(0x800, 0xffff)
    return random.randint(0x10000, 0x10ffff)
def rstr():
    out = []
    for _ in range(random.randint(0, 6)):
        c = rune()
        if 0xD800 <= c <= 0xDFFF: continue
        out.append(chr(c))
    return "".join(out)
cases = []
for i in range(N):
    if random.random() < 0.7:
        s = rstr()
        cases.append((FMT, random.choice([s, {"$type": "[]byte", "value": s}])))
    else:
        r = random.choice([rune(), rune(), random.randint(-5, 0x120000)])
        cases.append((RFMT, random.choice([r, {"$type": "int32", "value": r}, {"$type": "int64", "value": r}])))
reqs = [json.dumps({"id": i, "template": "{{printf .f .a0}}", "data": {"f": f, "a0": c}}, ensure_ascii=False) for i, (f, c) in enumerate(cases)]
res = subprocess.run([sys.argv[1]], input="\n".join(reqs) + "\n", capture_output=True, text=True, check=True)
for line, (f, c) in zip(res.stdout.split("\n"), cases):
    r = json.loads(line)
    if r["error"]:
        print("ERR", r, file=sys.stderr); continue
    print(json.dumps({"kind": "printf", "format": f, "args": [c], "want": r["output"]}, ensure_ascii=False))
