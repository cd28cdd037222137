#!/usr/bin/env bash
# A file in the working directory named like a built-in profile (issue 19): a bare NAME is
# the built-in and a note on stderr says so and how to choose (./NAME for the file,
# builtin:NAME for the built-in without the note); ./NAME is always the file, builtin:NAME
# always the built-in, neither with a note. Each command that reads a profile: profiles,
# match --client/--server/--servers, connect --as/--server, serve --profile; files in the
# profile format and a capture (which used to win over the built-in, silently).
. "$(dirname "$0")/lib.sh"

HERE="$WORK/here"
mkdir "$HERE" && cd "$HERE" || exit 1
cat >windows-2022 <<'P'
name = myserver
side = server
versions = TLSv1.2
suites = TLS_RSA_WITH_AES_128_CBC_SHA
P
cat >legacy-printer <<'P'
name = myprinter
side = client
versions = TLSv1.2
suites = TLS_RSA_WITH_AES_128_CBC_SHA
P
cp windows-2022 local
cp "$TLSD_SHARED/pcaps/FlowTest/tls12.pcap" java-8

# note CMD NAME: the line a bare NAME gets.
note() {
  printf "tlsdiag %s: note: '%s' is both a built-in profile and a file in the working directory: the built-in was taken; say ./%s for the file (builtin:%s takes the built-in without this note)" "$1" "$2" "$2" "$2"
}
# expect_err TEXT WHAT: stderr is exactly TEXT (lines).
expect_err() { if [ "$ERR" = "$1" ]; then ok; else bad "$2: stderr [$ERR] want [$1]"; fi; }
expect_no_note() { if grep -q "note" <<<"$1"; then bad "$2: [$1]"; else ok; fi; }
# field JSON KEY: a top-level string of an object printed with an indent of 2.
field() { sed -n "s/^  \"$2\": \"\(.*\)\",\{0,1\}\$/\1/p" <<<"$1" | head -1; }

# profiles NAME: the built-in with the note; ./NAME the file; builtin:NAME the built-in.
for name in windows-2022 legacy-printer java-8; do
  run profiles --json "$name"
  expect_rc 0 "profiles $name"
  [ "$(field "$OUT" name)" = "$name" ] && ok || bad "profiles $name: took $(field "$OUT" name)"
  expect_err "$(note profiles "$name")" "profiles $name: the note"
  source=$(field "$OUT" source)
  run profiles --json "builtin:$name"
  expect_rc 0 "profiles builtin:$name"
  [ "$(field "$OUT" name)/$(field "$OUT" source)" = "$name/$source" ] && ok ||
    bad "profiles builtin:$name: took $(field "$OUT" name)"
  expect_err "" "profiles builtin:$name: no note"
  run profiles --json "./$name"
  expect_rc 0 "profiles ./$name"
  expect_err "" "profiles ./$name: no note"
  [ "$(field "$OUT" source)" != "$source" ] && ok || bad "profiles ./$name: the built-in was taken"
done
run profiles --json ./windows-2022
[ "$(field "$OUT" name)" = myserver ] && ok || bad "profiles ./windows-2022: $(field "$OUT" name)"
run profiles --json ./java-8
expect_grep '^hello of .* in java-8$' "$(field "$OUT" name)" "profiles ./java-8 is the capture's hello"
run profiles "$HERE/windows-2022"
expect_grep '^myserver ' "$OUT" "an absolute path is the file"
expect_err "" "an absolute path: no note"
# The name in the note is the one given (a built-in is found whatever its case; the file
# of that spelling must be there).
run profiles --json Windows-2022
expect_err "" "Windows-2022 (no such file): no note"

# local is this machine's registry: a built-in name too (only Windows has it).
run profiles local
expect_rc 1 "profiles local"
expect_err "$(note profiles local)
tlsdiag profiles: 'local' reads this machine's live registry, which only Windows has; elsewhere use reg:FILE[,FILE...] with the server's 'reg export' files, or windows-state:FOLDER" \
  "profiles local: the note, then why it cannot be read here"
run profiles builtin:local
expect_rc 1 "profiles builtin:local"
expect_grep "^tlsdiag profiles: 'local' reads this machine's live registry" "$ERR" "builtin:local is the registry"
expect_no_note "$ERR" "builtin:local: no note"
run profiles --json ./local
expect_rc 0 "profiles ./local"
[ "$(field "$OUT" name)" = myserver ] && ok || bad "profiles ./local: $(field "$OUT" name)"

# builtin: never reads a file; a path never is a built-in.
run profiles builtin:windws-2022
expect_rc 1 "builtin: with a mistyped name"
expect_err "tlsdiag profiles: 'windws-2022' is not a built-in profile; did you mean 'windows-2022'?" "builtin:windws-2022"
cp windows-2022 mine
run profiles builtin:mine
expect_rc 1 "builtin:FILE is not the file"
expect_err "tlsdiag profiles: 'mine' is not a built-in profile (see 'tlsdiag profiles')" "builtin:mine"
run profiles ./windows-2019
expect_rc 1 "./windows-2019 (no such file)"
expect_err "tlsdiag profiles: ./windows-2019: No such file or directory" "./windows-2019 is not the built-in"

# match: both sides, the matrix list, each spelling.
run match --json --fixes 0 --client legacy-printer --server windows-2022
[ "$(field "$OUT" client)/$(field "$OUT" server)" = legacy-printer/windows-2022 ] && ok ||
  bad "match bare names: $(field "$OUT" client)/$(field "$OUT" server)"
expect_err "$(note match legacy-printer)
$(note match windows-2022)" "match bare names: two notes"
run match --json --fixes 0 --client ./legacy-printer --server ./windows-2022
[ "$(field "$OUT" client)/$(field "$OUT" server)" = myprinter/myserver ] && ok ||
  bad "match ./NAME: $(field "$OUT" client)/$(field "$OUT" server)"
expect_err "" "match ./NAME: no note"
run match --json --fixes 0 --client builtin:legacy-printer --server builtin:windows-2022
[ "$(field "$OUT" client)/$(field "$OUT" server)" = legacy-printer/windows-2022 ] && ok ||
  bad "match builtin:NAME: $(field "$OUT" client)/$(field "$OUT" server)"
expect_err "" "match builtin:NAME: no note"
run match --json --fixes 0 --client java-8 --server builtin:windows-2022
[ "$(field "$OUT" client)" = java-8 ] && ok || bad "match --client java-8: $(field "$OUT" client)"
expect_err "$(note match java-8)" "match --client java-8 (a capture): the note"
run match --fixes 0 --client builtin:java-8 --servers windows-2022,builtin:windows-2019
expect_err "$(note match windows-2022)" "match --servers: the note"
expect_grep 'windows-2022.*windows-2019' "$OUT" "match --servers: both built-ins"

# serve --profile and connect --as/--server against it.
# The file's server: TLS 1.2 with AES128-SHA only.
start_serve file --profile ./windows-2022 --count 3 --jsonl
expect_grep "listening on 127.0.0.1 port $PORT as myserver" "$(cat "$WORK/file.err")" "serve ./windows-2022 is the file"
expect_no_note "$(cat "$WORK/file.err")" "serve ./windows-2022: no note"
run connect "127.0.0.1:$PORT" --json --as legacy-printer --server windows-2022
[ "$(field "$OUT" client)" = legacy-printer ] && ok || bad "connect --as legacy-printer: $(field "$OUT" client)"
expect_grep '"suite": "TLS_RSA_WITH_3DES_EDE_CBC_SHA"' "$OUT" "connect --server windows-2022: the built-in's prediction"
expect_err "$(note connect legacy-printer)
$(note connect windows-2022)" "connect bare names: two notes"
run connect "127.0.0.1:$PORT" --json --as ./legacy-printer --server ./windows-2022
expect_rc 0 "connect ./legacy-printer to the file's server"
[ "$(field "$OUT" client)" = myprinter ] && ok || bad "connect --as ./legacy-printer: $(field "$OUT" client)"
expect_grep '"suite": "TLS_RSA_WITH_AES_128_CBC_SHA"' "$OUT" "connect --server ./windows-2022: the file's prediction"
expect_err "" "connect ./NAME: no note"
run connect "127.0.0.1:$PORT" --json --as builtin:legacy-printer --server builtin:windows-2022
[ "$(field "$OUT" client)" = legacy-printer ] && ok || bad "connect --as builtin:legacy-printer: $(field "$OUT" client)"
expect_err "" "connect builtin:NAME: no note"

start_serve bare --profile windows-2022 --count 1
expect_grep "listening on 127.0.0.1 port $PORT as windows-2022" "$(cat "$WORK/bare.err")" "serve windows-2022 is the built-in"
expect_grep "^$(note serve windows-2022 | sed 's/[][().]/\\&/g')$" "$(cat "$WORK/bare.err")" "serve windows-2022: the note"
run connect "127.0.0.1:$PORT" --as builtin:java-8
start_serve builtin --profile builtin:windows-2022 --count 1
expect_grep "listening on 127.0.0.1 port $PORT as windows-2022" "$(cat "$WORK/builtin.err")" "serve builtin:windows-2022"
expect_no_note "$(cat "$WORK/builtin.err")" "serve builtin:windows-2022: no note"
run connect "127.0.0.1:$PORT" --as builtin:java-8
wait
finish
