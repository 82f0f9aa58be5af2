#!/usr/bin/env python3
# gen_fuzz.py ORACLE SEED N writes N random printf cases: random literal text, flags, widths, precisions,
# argument indexes, stars and verbs (valid or not) over 0-4 random operands; "want" comes from the Go oracle.
# fuzz.jsonl is `gen_fuzz.py ORACLE 7 1500`; run larger ones with GOTMPL_FMT_CASES=FILE through the oracle_cases test.
import json, random, subprocess, sys
random.seed(int(sys.argv[2]))
N = int(sys.argv[3])
def T(t, v): return {"$type": t, "value": v}
VALS = [0, 1, -7, 42, 255, 3.5, -0.25, 1e6, 1e-7, 123456.789, "", "hi", "héllo", "a\"b", "日本", True, None,
        T("uint8", 65), T("int32", 0x263A), T("float32", "2.5"), T("uint64", "18446744073709551615"),
        [1, "a"], {"k": 1}, T("[]byte", "xy"), T("[]string", ["p", "q"]), T("int64", -3), -1, 2, 1000001]
def spec():
    s = "%"
    for _ in range(random.randint(0, 3)):
        s += random.choice("#0+- ")
    r = random.random()
    if r < 0.15: s += "[%d]" % random.randint(0, 4)
    r = random.random()
    if r < 0.2: s += "*"
    elif r < 0.25: s += "[%d]*" % random.randint(1, 4)
    elif r < 0.6: s += str(random.randint(0, 12))
    elif r < 0.62: s += "1000001"
    r = random.random()
    if r < 0.4:
        s += "."
        r2 = random.random()
        if r2 < 0.2: s += "*"
        elif r2 < 0.25: s += "[%d]*" % random.randint(1, 3)
        elif r2 < 0.9: s += str(random.randint(0, 8))
    if random.random() < 0.1: s += "[%d]" % random.randint(0, 4)
    if random.random() < 0.03: return s  # may end without a verb
    s += random.choice("vvvdsqxXobeEfFgGtTcU%!zé")
    return s
cases = []
for i in range(N):
    f = "".join(random.choice(["", "-", "ab ", spec(), spec()]) for _ in range(random.randint(1, 4)))
    args = [random.choice(VALS) for _ in range(random.randint(0, 4))]
    cases.append((f, args))
reqs = []
for i, (f, args) in enumerate(cases):
    data = {"a%d" % j: a for j, a in enumerate(args)}
    data["f"] = f
    names = " ".join(".a%d" % j for j in range(len(args)))
    reqs.append(json.dumps({"id": i, "template": "{{printf .f %s}}" % names, "data": data}, ensure_ascii=False))
res = subprocess.run([sys.argv[1]], input="\n".join(reqs) + "\n", capture_output=True, text=True, check=True)
for line, (f, args) in zip(res.stdout.split("\n"), cases):
    r = json.loads(line)
    if r["error"]:
        print("ERR", r, file=sys.stderr); continue
    if len(r["output"]) > 400:  # a million-rune padding proves nothing more than a short one
        continue
    print(json.dumps({"kind": "printf", "format": f, "args": args, "want": r["output"]}, ensure_ascii=False))
