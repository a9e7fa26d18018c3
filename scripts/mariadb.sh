#!/usr/bin/env bash
# A local MariaDB for the MySQL variants of the tests: install it when missing, start it when it does not
# answer, create the test user, and print its SQLAlchemy URL on stdout (progress goes to stderr):
#   INVOICES_TEST_MYSQL_URL="$(bash scripts/mariadb.sh)"; export INVOICES_TEST_MYSQL_URL
# The tests create (and drop) their own databases named `invoices_test...`; the user may do that and
# nothing else. Idempotent: a second run finds the package, the server and the user already there.
# Works without systemd (CI runs as root in a fresh Debian container): the server is started directly.
set -euo pipefail

# A throwaway server that only listens on 127.0.0.1 and holds nothing but test data: the password is a
# fixed test-only value on purpose. Never reuse it for a server that holds anything real.
TEST_USER="invoices_test"
TEST_PASSWORD="invoices-test-only"
PORT="${INVOICES_TEST_MYSQL_PORT:-3306}"
SOCKET="/run/mysqld/mysqld.sock"
DATADIR="/var/lib/mysql"
LOG="${TMPDIR:-/tmp}/invoices-test-mariadb.log"

log() { echo "mariadb: $*" >&2; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

if ! dpkg-query -W -f='${Status}' mariadb-server 2>/dev/null | grep -q "install ok installed"; then
  log "installing the Debian package mariadb-server"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends mariadb-server \
    mariadb-client >/dev/null
fi

answering() { $SUDO mariadb-admin --protocol=socket --socket="$SOCKET" ping >/dev/null 2>&1; }

# Another server (a MySQL of the machine's own, another checkout's) may hold the port: take a free one.
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if answering; then
  log "server already answering on $SOCKET"
else
  if port_taken "$PORT"; then
    for candidate in $(seq 3307 3399); do
      port_taken "$candidate" || { log "port $PORT is taken by another server; using $candidate"; PORT=$candidate; break; }
    done
  fi
  if [ ! -d "$DATADIR/mysql" ]; then
    log "initialising the data directory $DATADIR"
    $SUDO mariadb-install-db --user=mysql --datadir="$DATADIR" --skip-test-db >/dev/null
  fi
  $SUDO mkdir -p /run/mysqld
  $SUDO chown mysql:mysql /run/mysqld
  log "starting mariadbd (datadir $DATADIR, 127.0.0.1:$PORT, log $LOG)"
  # No systemd in a container: start the daemon ourselves, detached so it outlives this script.
  $SUDO setsid mariadbd --user=mysql --datadir="$DATADIR" --socket="$SOCKET" --port="$PORT" \
    --bind-address=127.0.0.1 --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    </dev/null >>"$LOG" 2>&1 &
  for attempt in $(seq 1 60); do
    answering && break
    [ "$attempt" -eq 60 ] && { log "the server did not answer within 60 s; see $LOG"; tail -n 20 "$LOG" >&2; exit 1; }
    sleep 1
  done
  log "server answering after ${attempt} poll(s)"
fi

# The port our server really listens on (it may have been started on a free one by an earlier run).
PORT=$($SUDO mariadb --protocol=socket --socket="$SOCKET" -uroot -N -e 'SELECT @@port')

# Root logs in through the Unix socket (Debian's default); the test user only over TCP with a password.
log "ensuring user $TEST_USER with rights on databases invoices_test*"
$SUDO mariadb --protocol=socket --socket="$SOCKET" -uroot <<SQL
CREATE USER IF NOT EXISTS '$TEST_USER'@'localhost' IDENTIFIED BY '$TEST_PASSWORD';
CREATE USER IF NOT EXISTS '$TEST_USER'@'127.0.0.1' IDENTIFIED BY '$TEST_PASSWORD';
ALTER USER '$TEST_USER'@'localhost' IDENTIFIED BY '$TEST_PASSWORD';
ALTER USER '$TEST_USER'@'127.0.0.1' IDENTIFIED BY '$TEST_PASSWORD';
GRANT ALL PRIVILEGES ON \`invoices\_test%\`.* TO '$TEST_USER'@'localhost';
GRANT ALL PRIVILEGES ON \`invoices\_test%\`.* TO '$TEST_USER'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL

echo "mysql+pymysql://$TEST_USER:$TEST_PASSWORD@127.0.0.1:$PORT/"
