#!/usr/bin/env python3
# gen_floats.py ORACLE SEED N writes N random float cases (float64 and float32: random bit patterns,
# short decimals, exact ties) each printed with 23 float verbs; "want" comes from the Go oracle.
# floats.jsonl is `gen_floats.py ORACLE 7 300`; run larger ones with GOTMPL_FMT_CASES=FILE through the oracle_cases test.
import json, random, struct, subprocess, sys
random.seed(int(sys.argv[2]))
N = int(sys.argv[3])
FMT = "%[1]v|%[1]e|%.3[1]e|%.17[1]g|%[1]g|%.5[1]g|%[1]f|%.2[1]f|%.0[1]f|%[1]b|%[1]x|%.3[1]x|%#[1]g|%[1]G|%.10[1]f|%.20[1]e|%#.0[1]f|%+.1[1]e|%.1[1]g|%.25[1]f|%#.5[1]x|%#.3[1]g|%.0[1]e"
def f64bits():
    while True:
        b = random.getrandbits(64)
        x = struct.unpack('<d', struct.pack('<Q', b))[0]
        if x == x and abs(x) != float('inf'):
            return x
def f32bits():
    while True:
        b = random.getrandbits(32)
        x = struct.unpack('<f', struct.pack('<I', b))[0]
        if x == x and abs(x) != float('inf'):
            return x
def nice():
    k = random.randint(0, 6)
    m = random.randint(0, 10**random.randint(1, 9))
    e = random.randint(-12, 25)
    return float("%de%d" % (m, e - k))
def tie():
    return random.randint(0, 100000) + random.choice([0.5, 0.25, 0.125, 0.375, 0.0625, 0.75]) 
cases = []
for i in range(N):
    r = random.random()
    if r < 0.35:
        cases.append({"$type": "float64", "value": repr(f64bits())})
    elif r < 0.6:
        cases.append({"$type": "float32", "value": repr(f32bits())})
    elif r < 0.8:
        cases.append({"$type": "float64", "value": repr(nice())})
    elif r < 0.9:
        x = nice(); x32 = struct.unpack('<f', struct.pack('<f', x))[0]
        cases.append({"$type": "float32", "value": repr(x32)})
    else:
        cases.append({"$type": "float64", "value": repr(tie() / random.choice([1, 10, 100, 1000]))})
reqs = [json.dumps({"id": i, "template": "{{printf .f .a0}}", "data": {"f": FMT, "a0": c}}) for i, c in enumerate(cases)]
res = subprocess.run([sys.argv[1]], input="\n".join(reqs) + "\n", capture_output=True, text=True, check=True)
for line, c in zip(res.stdout.split("\n"), cases):
    r = json.loads(line)
    if r["error"]:
        print("ERR", r, file=sys.stderr); continue
    print(json.dumps({"kind": "printf", "format": FMT, "args": [c], "want": r["output"]}))
