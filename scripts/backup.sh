#!/usr/bin/env bash
# Back up the platform's PostgreSQL database: a pg_dump in the custom format and, next to it,
# a manifest with the exact number of rows of every table in the public schema.
#
#   DATABASE_URL=postgres://user:password@host:5432/name scripts/backup.sh [OUTPUT.dump]
#
# Without OUTPUT the dump is written to $BACKUP_DIR (default: the current directory) as
# cop-YYYYMMDDTHHMMSSZ.dump. The manifest is OUTPUT with .dump replaced by .manifest.tsv.
#
# Consistency: the row counts and the dump come from the same snapshot. A psql session opens
# a REPEATABLE READ transaction, exports its snapshot (pg_export_snapshot()), counts every
# table inside that transaction, and keeps it open while `pg_dump --snapshot=...` dumps from
# the very same snapshot. Writes that commit meanwhile are in neither the counts nor the dump.
#
# Files are created readable by their owner only (umask 077): a dump holds personal data.
# Uploaded files (MEDIA_ROOT or the S3 bucket) are NOT in the dump: see docs/backups.md.
set -euo pipefail

usage() {
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
}

die() {
  echo "backup: $*" >&2
  exit 1
}

case "${1:-}" in
  -h | --help)
    usage
    exit 0
    ;;
  -*) die "unknown option $1 (see --help)" ;;
esac
[[ $# -le 1 ]] || die "too many arguments (see --help)"
[[ -n "${DATABASE_URL:-}" ]] || die "DATABASE_URL is not set (postgres://user:password@host:5432/name)"
# shellcheck source=scripts/pg-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/pg-common.sh"
pg_client_ready "$DATABASE_URL" psql pg_dump || die "DATABASE_URL is not a postgres:// URL"
dbname="$url_db"
conn="$(pg_conn "$dbname")"

timestamp="$(date -u +%Y%m%dT%H%M%SZ)"
output="${1:-${BACKUP_DIR:-.}/cop-${timestamp}.dump}"
if [[ "$output" == *.dump ]]; then
  manifest="${output%.dump}.manifest.tsv"
else
  manifest="${output}.manifest.tsv"
fi
for file in "$output" "$manifest"; do
  [[ ! -e "$file" ]] || die "$file already exists: choose another name"
done
umask 077
mkdir -p "$(dirname "$output")"

partial_dump="${output}.partial"
partial_manifest="${manifest}.partial"
cleanup() {
  rm -f "$partial_dump" "$partial_manifest"
  if [[ -n "${snap_in:-}" ]]; then
    exec {snap_in}>&- || true
  fi
}
trap cleanup EXIT

# COUNT_SQL (scripts/pg-common.sh): the exact row count of every table, in this snapshot.
END_MARK="-- end of counts --"

# The session that holds the snapshot. Its output is read line by line below.
coproc SNAP { exec psql "$conn" --no-password --no-psqlrc --quiet --tuples-only --no-align \
  --field-separator=$'\t' --set=ON_ERROR_STOP=1; }
# shellcheck disable=SC2153  # bash sets SNAP_PID for the coprocess named SNAP
snap_pid=$SNAP_PID
exec {snap_out}<&"${SNAP[0]}" {snap_in}>&"${SNAP[1]}"

cat >&"$snap_in" <<SQL
SET idle_in_transaction_session_timeout = 0;
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT pg_export_snapshot();
SELECT version();
SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database();
$COUNT_SQL
\\echo '$END_MARK'
SQL

line=""
read_line() {
  IFS= read -r -t 300 line <&"$snap_out" || die "the psql session ended early (see the error above)"
}
read_line && snapshot="$line"
read_line && server_version="$line"
read_line && encoding="$line"
counts=()
while read_line && [[ "$line" != "$END_MARK" ]]; do
  counts+=("$line")
done
[[ ${#counts[@]} -gt 0 ]] || die "no tables in the public schema of ${dbname:-the database}: nothing to back up"

echo "backup: snapshot $snapshot, ${#counts[@]} tables; dumping to $output" >&2
pg_dump "$conn" --no-password --format=custom --snapshot="$snapshot" --file="$partial_dump"

# The dump is complete: the snapshot may go.
printf 'COMMIT;\n\\q\n' >&"$snap_in"
exec {snap_in}>&-
snap_in=""
wait "$snap_pid" || die "the psql session holding the snapshot failed"

checksum=""
if command -v sha256sum >/dev/null; then
  checksum="$(sha256sum "$partial_dump" | cut -d' ' -f1)"
fi
{
  echo "# cop-platform backup manifest: exact row counts of the public schema, same snapshot as the dump"
  echo "# dump: $(basename "$output")"
  echo "# created: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# snapshot: $snapshot"
  echo "# server: $server_version"
  echo "# pg_dump: $(pg_dump --version)"
  echo "# encoding: $encoding"
  [[ -z "$checksum" ]] || echo "# sha256: $checksum"
  printf 'table\trows\n'
  printf '%s\n' "${counts[@]}"
} >"$partial_manifest"

mv "$partial_dump" "$output"
mv "$partial_manifest" "$manifest"
echo "$output"
echo "$manifest"
