#!/usr/bin/env bash
# A plain (non-editable) `pip install` of this repository into a fresh venv must give a `war-ner` that works from
# any directory: every subcommand's --help, a bad-input call (exit 2, one line, no traceback) and a call that needs
# the package data (the event lexicons and alias tables). `make test` runs this after pytest.
#   PY=python3.11 scripts/check_install.sh     (TORCH=... to install another torch first)
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PY:-python3}"
TORCH="${TORCH:-torch==2.13.0}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
SECONDS=0
fail() { echo "check_install: FAIL: $*" >&2; exit 1; }

# Build from a copy of what git would ship (tracked and new files, not ignored ones): pip writes build/ and
# *.egg-info beside the sources, and the repository must stay as it was.
mkdir "$WORK/src" "$WORK/elsewhere"
if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$REPO" && git ls-files -z -co --exclude-standard \
        | while IFS= read -r -d '' f; do if [ -f "$f" ]; then printf '%s\0' "$f"; fi; done \
        | tar --null -T - -cf -) | tar -xf - -C "$WORK/src"   # -f: a file deleted but not yet committed is skipped
else
    tar -C "$REPO" --exclude=.venv --exclude=outputs --exclude='*.egg-info' --exclude=build -cf - . \
        | tar -xf - -C "$WORK/src"
fi

"$PY" -m venv "$WORK/venv"
BIN="$WORK/venv/bin"
# --no-compile: no .pyc for torch's thousands of modules up front (Python writes the few it imports); the local
# wheel-index notices pip prints for every package are dropped
quiet() { "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }
quiet "$BIN/python" -m pip install -q --no-compile "$TORCH"
quiet "$BIN/python" -m pip install -q --no-compile "$WORK/src"     # not -e: the installed files alone must do
echo "check_install: installed in ${SECONDS}s"

cd "$WORK/elsewhere"   # no configs/, data/ or sources here
export -n PYTHONPATH 2>/dev/null || true
unset PYTHONPATH
where="$("$BIN/python" -c 'import train, model; print(train.__file__, model.__file__)')"
case "$where" in "$WORK/venv/"*" $WORK/venv/"*) ;; *) fail "imports resolve outside the venv: $where" ;; esac

commands="$("$BIN/war-ner" --help | tr -d ' \n' | grep -o '{[^}]*}' | head -1 | tr -d '{}' | tr ',' ' ')"
[ -n "$commands" ] || fail "no subcommands found in war-ner --help"
broken=""
for c in $commands; do
    if ! "$BIN/war-ner" "$c" --help >/dev/null 2>"$WORK/err"; then
        broken="$broken $c"
        echo "check_install: war-ner $c --help failed: $(tail -1 "$WORK/err")" >&2
    fi
done
[ -z "$broken" ] || fail "--help failed for:$broken"
echo "check_install: --help works for: $commands"

# bad input: exit 2, one line naming the file, no traceback
set +e
"$BIN/war-ner" validate missing.jsonl >/dev/null 2>"$WORK/err"
status=$?
set -e
[ "$status" -eq 2 ] || fail "war-ner validate missing.jsonl exited $status, expected 2"
[ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "expected one stderr line, got: $(cat "$WORK/err")"
grep -q "^war-ner validate: error: missing.jsonl: no such file; expected" "$WORK/err" || fail "$(cat "$WORK/err")"
! grep -q Traceback "$WORK/err" || fail "traceback: $(cat "$WORK/err")"
echo "check_install: bad input -> exit 2: $(cat "$WORK/err")"

# package data: event records from a gold record need the installed lexicons and alias tables
cat >report.jsonl <<'EOF'
{"id": "r-1", "text": "قصفت قوات النظام مدينة الرقة فجر اليوم، ما أسفر عن مقتل 3 مدنيين.", "entities": [{"start": 5, "end": 16, "label": "FACTION", "text": "قوات النظام"}, {"start": 17, "end": 28, "label": "LOCATION", "text": "مدينة الرقة"}, {"start": 29, "end": 38, "label": "DATE", "text": "فجر اليوم"}, {"start": 56, "end": 57, "label": "CASUALTY", "text": "3"}], "meta": {"doc": "r", "date": "2019-01-02", "split": "test"}}
EOF
"$BIN/war-ner" validate report.jsonl 2>/dev/null || fail "war-ner validate report.jsonl failed"
"$BIN/war-ner" events report.jsonl >events.jsonl 2>"$WORK/err" || fail "war-ner events: $(cat "$WORK/err")"
grep -q '"event_type"' events.jsonl || fail "war-ner events wrote no record: $(cat events.jsonl "$WORK/err")"
echo "check_install: war-ner events from another directory: $(wc -l <events.jsonl) record(s)"
echo "check_install: ok in ${SECONDS}s"
