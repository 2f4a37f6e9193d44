# Shared set-up for scripts/run and scripts/test: sourced, not run.
# ensure_packages PKG...  installs missing Debian packages (as root) or says the command to run.
# ensure_venv EXTRAS      creates .venv and installs the project when pyproject.toml changed.

ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "Missing Debian packages. Run this once, then run me again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_venv() {
  local extras="$1" py stamp want
  py=${PYTHON:-python3}
  if [ ! -x .venv/bin/python ]; then
    echo "Creating .venv with $($py --version)"
    "$py" -m venv .venv
  fi
  want=$(cat pyproject.toml | sha256sum | cut -c1-16)-$extras
  stamp=.venv/.placenames-installed
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "Installing placenames${extras:+[$extras]} into .venv"
    # (some pip set-ups warn about every unused local index; keep real errors only)
    .venv/bin/pip install -q --disable-pip-version-check -e ".${extras:+[$extras]}" 2>&1 \
      | { grep -v "^WARNING: Location" || true; }
    [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "pip install failed" >&2; exit 1; }
    echo "$want" >"$stamp"
  fi
}

RUNTIME_PACKAGES=(libsqlite3-mod-spatialite fonts-wqy-microhei)
TEST_PACKAGES=(postgresql postgresql-postgis chromium poppler-utils gdal-bin redis-server)
