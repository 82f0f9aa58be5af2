#!/usr/bin/env python3
# gen_float_edges.py ORACLE SEED N writes N cases of hard floats (subnormals, neighbours of powers of ten,
# decimals of 1 to 17 digits) under random precisions 0-22 of %e %E %f %g %G; "want" comes from the Go oracle.
# float_edges.jsonl is `gen_float_edges.py ORACLE 7 400`.
import json, random, struct, subprocess, sys
random.seed(int(sys.argv[2]))
N = int(sys.argv[3])
def sub():
    b = random.getrandbits(52) >> random.randint(0, 51)
    return struct.unpack('<d', struct.pack('<Q', b))[0]
def sub32():
    b = random.getrandbits(23) >> random.randint(0, 22)
    return struct.unpack('<f', struct.pack('<I', b))[0]
def near10():
    e = random.randint(-30, 30)
    x = 10.0 ** e
    for _ in range(random.randint(0, 3)):
        x = struct.unpack('<d', struct.pack('<q', struct.unpack('<q', struct.pack('<d', x))[0] + random.choice([-1, 1])))[0]
    return x * random.choice([1, 9.99999, 0.999999999, 5, 0.5, 9.5, 99.5])
def dec():
    nd = random.randint(1, 17)
    return float(str(random.randint(1, 10**nd)) + "e" + str(random.randint(-25, 25)))
cases = []
for i in range(N):
    r = random.random()
    if r < 0.2: cases.append({"$type": "float64", "value": repr(sub())})
    elif r < 0.3: cases.append({"$type": "float32", "value": repr(sub32())})
    elif r < 0.6: cases.append({"$type": "float64", "value": repr(near10())})
    else: cases.append({"$type": "float64", "value": repr(dec())})
p = lambda: random.randint(0, 22)
reqs = []
fmts = []
for i, c in enumerate(cases):
    f = "|".join("%%.%d[1]%s" % (p(), v) for v in "eEfgG" for _ in range(3)) + "|%[1]v|%#.4[1]g"
    fmts.append(f)
    reqs.append(json.dumps({"id": i, "template": "{{printf .f .a0}}", "data": {"f": f, "a0": c}}))
res = subprocess.run([sys.argv[1]], input="\n".join(reqs) + "\n", capture_output=True, text=True, check=True)
for line, c, f in zip(res.stdout.split("\n"), cases, fmts):
    r = json.loads(line)
    if r["error"]:
        print("ERR", r, file=sys.stderr); continue
    print(json.dumps({"kind": "printf", "format": f, "args": [c], "want": r["output"]}))
