#!/usr/bin/env bash
# gen_go_fmt_tests.sh writes go_fmt_tests.jsonl: the entries of Go's own src/fmt/fmt_test.go table
# (fmtTests) whose operands canon's Value model can hold, with Go's fmt.Sprintf output as "want".
# The table is copied out of the installed Go's sources at generation time, not kept here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=$(go env GOROOT)/src/fmt/fmt_test.go
end=$(grep -n '^func zeroFill' "$src" | cut -d: -f1)
head -n $((end - 1)) "$src" > "$work/tab.go"
# Keep the types and the table; drop the test functions and imports the table does not need.
sed -i 's/^package fmt_test/package main/; /"internal\/race"/d; /"testing"/d; /"bytes"/d; /^\t"unicode"$/d' "$work/tab.go"
sed -i '/^func TestFmtInterface/,/^}/d' "$work/tab.go"
cat >> "$work/tab.go" <<'GO'

func zeroFill(prefix string, width int, suffix string) string {
	return prefix + strings.Repeat("0", width-len(suffix)) + suffix
}

func TestFmtInterface(t any) {}
GO
cp "$here/gofmttab/main.go" "$work/main.go"
printf 'module gofmttab\ngo 1.26\n' > "$work/go.mod"
(cd "$work" && go build -o gofmttab . && ./gofmttab) > "$here/go_fmt_tests.jsonl"
