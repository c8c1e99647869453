#!/usr/bin/env bash
# Prove that a backup restores: load a dump made by scripts/backup.sh into a fresh database,
# compare every table's row count with the manifest, and check that the schema has every
# migration of this checkout applied (manage.py migrate --check). Exits non-zero on any
# difference. The scratch database is dropped at the end unless --keep is given.
#
#   DATABASE_URL=postgres://user:password@host:5432/name scripts/restore-check.sh [--keep] DUMP [MANIFEST]
#
# MANIFEST defaults to DUMP with .dump replaced by .manifest.tsv. The scratch database is
# created on the server of RESTORE_DATABASE_URL if set, else of DATABASE_URL (the database
# named there is only used to connect; it is never changed). The role needs CREATEDB.
# PYTHON is the interpreter for manage.py (default: .venv/bin/python of this checkout).
# Exit status: 0 every check passed, 1 the backup failed a check, 2 wrong use or set-up.
set -euo pipefail

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
}

die() { # wrong use or set-up
  echo "restore-check: $*" >&2
  exit 2
}

fail() { # the backup does not pass a check
  echo "restore-check: FAILED: $*" >&2
  exit 1
}

keep=false
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h | --help)
      usage
      exit 0
      ;;
    --keep) keep=true ;;
    --) shift && args+=("$@") && break ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) args+=("$1") ;;
  esac
  shift
done
[[ ${#args[@]} -ge 1 && ${#args[@]} -le 2 ]] || die "usage: restore-check.sh [--keep] DUMP [MANIFEST]"
dump="${args[0]}"
if [[ ${#args[@]} -eq 2 ]]; then
  manifest="${args[1]}"
elif [[ "$dump" == *.dump ]]; then
  manifest="${dump%.dump}.manifest.tsv"
else
  manifest="${dump}.manifest.tsv"
fi
[[ -f "$dump" ]] || die "dump not found: $dump"
[[ -f "$manifest" ]] || die "manifest not found: $manifest (give it as the second argument)"

root="$(cd "$(dirname "$0")/.." && pwd)"
if [[ -n "${PYTHON:-}" ]]; then
  python="$PYTHON"
elif [[ -x "$root/.venv/bin/python" ]]; then
  python="$root/.venv/bin/python"
else
  python="$(command -v python3 || true)"
fi
[[ -n "$python" ]] || die "no Python found for manage.py: set PYTHON"

server_url="${RESTORE_DATABASE_URL:-${DATABASE_URL:-}}"
[[ -n "$server_url" ]] || die "set DATABASE_URL (or RESTORE_DATABASE_URL) to a postgres:// URL of the server to restore on"
# shellcheck source=scripts/pg-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/pg-common.sh"
pg_client_ready "$server_url" psql pg_restore || die "the database URL is not a postgres:// URL"
maintenance_db="${url_db:-postgres}"
conn_to() { # a libpq URL (no password) for database $1 on the server
  pg_conn "$1"
}

# --- the manifest: "# key: value" header lines, then "table<TAB>rows" ---------------------
declare -A expected=()
encoding="UTF8"
checksum=""
while IFS= read -r line || [[ -n "$line" ]]; do
  case "$line" in
    "# encoding: "*) encoding="${line#"# encoding: "}" ;;
    "# sha256: "*) checksum="${line#"# sha256: "}" ;;
    "#"* | "" | $'table\trows') ;;
    *)
      table="${line%%$'\t'*}"
      rows="${line#*$'\t'}"
      [[ "$line" == *$'\t'* && "$rows" =~ ^[0-9]+$ ]] || die "$manifest: not a manifest line: $line"
      expected["$table"]="$rows"
      ;;
  esac
done <"$manifest"
[[ ${#expected[@]} -gt 0 ]] || die "$manifest lists no tables"
[[ "$encoding" =~ ^[A-Za-z0-9_]+$ ]] || die "$manifest: unexpected encoding '$encoding'"

if [[ -n "$checksum" ]]; then
  if command -v sha256sum >/dev/null; then
    actual="$(sha256sum "$dump" | cut -d' ' -f1)"
    [[ "$actual" == "$checksum" ]] ||
      fail "checksum mismatch: the manifest says sha256 $checksum, $dump has $actual (damaged or not the dump of this manifest)"
  else
    echo "restore-check: sha256sum not found: the dump's checksum is not verified" >&2
  fi
fi
pg_restore --list "$dump" >/dev/null || fail "$dump is not a readable pg_dump archive (custom format)"

# --- a fresh database, dropped on exit unless --keep ----------------------------------------
scratch="cop_restore_check_$(date -u +%Y%m%d%H%M%S)_$$_${RANDOM}"
admin_conn="$(conn_to "$maintenance_db")"
scratch_conn="$(conn_to "$scratch")"
psql_admin() {
  psql "$admin_conn" --no-password --no-psqlrc --quiet --set=ON_ERROR_STOP=1 "$@"
}
created=false
finish() {
  if $created; then
    if $keep; then
      echo "restore-check: kept the scratch database $scratch (drop it with: DROP DATABASE \"$scratch\";)" >&2
    else
      psql_admin -c "DROP DATABASE IF EXISTS \"$scratch\" WITH (FORCE);" >/dev/null ||
        echo "restore-check: could not drop the scratch database $scratch: drop it by hand" >&2
    fi
  fi
}
trap finish EXIT

psql_admin -c "CREATE DATABASE \"$scratch\" TEMPLATE template0 ENCODING '$encoding';" >/dev/null ||
  die "could not create the scratch database (see above; the role needs CREATEDB)"
created=true
echo "Scratch database: $scratch"

if ! pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
  --no-password --dbname="$scratch_conn" "$dump"; then
  fail "pg_restore could not load $dump (see the error above)"
fi

# --- row counts: COUNT_SQL of scripts/pg-common.sh, as in the manifest -----------------------
declare -A restored=()
while IFS=$'\t' read -r table rows; do
  restored["$table"]="$rows"
done < <(psql "$scratch_conn" --no-password --no-psqlrc --quiet --tuples-only --no-align \
  --field-separator=$'\t' --set=ON_ERROR_STOP=1 -c "$COUNT_SQL")

problems=()
total=0
printf '%-48s %12s %12s\n' "table" "manifest" "restored"
while IFS= read -r table; do
  want="${expected[$table]:-}"
  got="${restored[$table]:-}"
  if [[ -z "$want" ]]; then
    status="NOT IN MANIFEST"
    problems+=("$table is in the restored database but not in the manifest")
  elif [[ -z "$got" ]]; then
    status="MISSING"
    problems+=("$table: the manifest says $want rows, the table is missing after the restore")
  elif [[ "$want" != "$got" ]]; then
    status="MISMATCH"
    problems+=("$table: the manifest says $want rows, the restored database has $got")
  else
    status="ok"
    total=$((total + got))
  fi
  printf '%-48s %12s %12s  %s\n' "$table" "${want:--}" "${got:--}" "$status"
done < <(printf '%s\n' "${!expected[@]}" "${!restored[@]}" | LC_ALL=C sort -u)

# --- the schema matches this checkout's migrations --------------------------------------------
scratch_url="${scheme}://${userinfo:+$userinfo@}${hostport}/${scratch}${query:+?$query}"
if ! migrate_output="$(cd "$root" && DATABASE_URL="$scratch_url" "$python" manage.py migrate --check --plan 2>&1)"; then
  echo "$migrate_output" >&2
  problems+=("manage.py migrate --check failed (output above): either the restored schema lacks migrations of this checkout (a restore of an older backup then needs manage.py migrate), or Django could not start")
fi

echo
if [[ ${#problems[@]} -gt 0 ]]; then
  echo "restore-check: FAILED: $dump does not match $manifest:" >&2
  printf '  - %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "restore-check: OK: ${#expected[@]} tables and $total rows restored as the manifest says; no unapplied migrations."
