# shellcheck shell=bash disable=SC2034  # the variables set here are read by the sourcing scripts
# Shared by scripts/backup.sh and scripts/restore-check.sh (sourced, not run).

# pg_client_ready URL TOOL...: the PostgreSQL client programs TOOL... are installed (the
# calling script's `die` says which is missing) and URL is parsed as pg_url_parse says.
# Returns 1 if URL is not a postgres:// URL.
pg_client_ready() {
  local url="$1" tool
  shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool not found: install the PostgreSQL client (apt-get install postgresql-client)"
  done
  pg_url_parse "$url"
}

# pg_url_parse URL: split a postgres:// URL into scheme, userinfo, hostport, url_db, query and
# user, and export its password as PGPASSWORD. libpq understands postgres:// URLs, but the
# password must travel in PGPASSWORD, not on a command line where other users of the machine
# could read it (ps, /proc/*/cmdline). Returns 1 if URL is not a postgres:// URL.
pg_url_parse() {
  local url_re='^(postgres|postgresql|pgsql|psql|postgis)://(([^@/]*)@)?([^/?]*)(/([^?]*))?(\?(.*))?$'
  [[ "$1" =~ $url_re ]] || return 1
  scheme="${BASH_REMATCH[1]}"
  userinfo="${BASH_REMATCH[3]}"
  hostport="${BASH_REMATCH[4]}"
  url_db="${BASH_REMATCH[6]}"
  query="${BASH_REMATCH[8]}"
  user="${userinfo%%:*}"
  if [[ "$userinfo" == *:* ]]; then
    local password="${userinfo#*:}"
    password="${password//\\/\\\\}"
    printf -v PGPASSWORD '%b' "${password//%/\\x}"
    [[ -z "$PGPASSWORD" ]] || export PGPASSWORD
  fi
}

# pg_conn DB: a libpq URL (without the password) for database DB on the parsed server.
pg_conn() {
  echo "postgresql://${user:+$user@}${hostport}/$1${query:+?$query}"
}

# Exact row counts, one "table<TAB>rows" line per table of the public schema (query_to_xml
# runs each count(*) inside the calling transaction, so inside its snapshot).
COUNT_SQL="SELECT c.relname,
  (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
ORDER BY c.relname;"
