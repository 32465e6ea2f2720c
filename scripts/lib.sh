# SPDX-License-Identifier: Apache-2.0
# Shared by scripts/setup.sh, quickstart.sh and test.sh: installing the
# Debian packages of scripts/packages.txt and making sure a Docker daemon
# answers on its socket. Source it; it defines functions and sets nothing else.

KILN_DOCKER_SOCKET="${KILN_DOCKER_SOCKET:-/var/run/docker.sock}"
KILN_DOCKERD_LOG="${KILN_DOCKERD_LOG:-/var/log/kiln-dockerd.log}"

kiln_log() { printf '==> %s\n' "$*" >&2; }
kiln_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

kiln_repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

# Prints the packages of scripts/packages.txt, without comments or blanks.
kiln_packages() {
  sed -e 's/#.*//' -e 's/[[:space:]]//g' "$(kiln_repo_root)/scripts/packages.txt" | grep -v '^$'
}

# Installs whatever of scripts/packages.txt is missing. When everything is
# there already it does not touch apt at all, so reruns take a second.
kiln_install_packages() {
  [ "$(id -u)" = 0 ] || kiln_die "run as root: packages are installed with apt-get"
  local missing=() pkg
  for pkg in $(kiln_packages); do
    if [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null)" != "ii " ]; then
      missing+=("$pkg")
    fi
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    kiln_log "all $(kiln_packages | wc -l) Debian packages are installed"
    return 0
  fi
  kiln_log "installing ${#missing[@]} Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
}

# True when a Docker daemon answers GET /_ping on the socket. Uses curl, not
# the docker CLI: a docker client in /usr/local/bin may be newer than
# Debian's daemon and refuse to talk to it.
kiln_docker_answers() {
  curl -fsS --max-time 5 --unix-socket "$KILN_DOCKER_SOCKET" http://localhost/_ping >/dev/null 2>&1
}

# Makes sure a Docker daemon answers on the socket, starting Debian's dockerd
# when none does: through systemd when systemd runs this machine, otherwise
# in the background with its log in $KILN_DOCKERD_LOG. Waits up to 60 s.
kiln_ensure_dockerd() {
  if kiln_docker_answers; then
    kiln_log "Docker daemon answers on $KILN_DOCKER_SOCKET"
    return 0
  fi
  local pid
  pid="$(cat /var/run/docker.pid 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kiln_log "dockerd (pid $pid) is running but not answering yet; waiting for it"
  elif [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    kiln_log "starting docker with systemctl"
    systemctl start docker || kiln_die "systemctl start docker failed; see: journalctl -u docker"
  else
    command -v dockerd >/dev/null || kiln_die "dockerd not found; install docker.io"
    kiln_log "starting dockerd in the background (log: $KILN_DOCKERD_LOG)"
    # setsid: the daemon outlives this script and its terminal or CI step.
    setsid dockerd >>"$KILN_DOCKERD_LOG" 2>&1 </dev/null &
  fi
  local waited=0
  until kiln_docker_answers; do
    if [ "$waited" -ge 60 ]; then
      tail -n 30 "$KILN_DOCKERD_LOG" >&2 2>/dev/null || true
      kiln_die "the Docker daemon did not answer on $KILN_DOCKER_SOCKET within 60 s"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  kiln_log "Docker daemon answers on $KILN_DOCKER_SOCKET (after ${waited} s)"
}
